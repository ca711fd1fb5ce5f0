/*
 * filters.c — the filter options that `similar` and `ideas` share (and the
 * HTTP API's equivalents in serve/serve_parse.c): a publication date range, applicant
 * substrings to include or exclude, IPC fields to include or exclude (and
 * the keyword query, --keywords: api/keywords.c). Read with the other options (each value
 * checked there: a date that is not YYYY[-MM[-DD]], a code that is not an
 * IPC section / class / subclass, is exit 1 naming the option and the
 * value), turned into a tenyo_filter once the index is open. The library
 * applies it before the top-k (api/filter.c).
 *
 * Also the options of an ideas query (cli_ideas_set, cli_ideas_opt): each
 * named, bounded and worded by the library's table (tenyo_ideas_opt), so
 * that ideas, match, profile and eval read a flag as the server and the
 * Python binding read the same member.
 *
 * Rejected: one --filter EXPR mini-language (a second syntax to learn and
 * quote in a shell, for what five plain options say).
 *
 * Who calls whom: called by serve/serve_api.c, serve/serve_parse.c,
 * cli/'s commands (6); calls render.c, say.c and the library (tenyo.h).
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_filter_add(cli_filter_opts *fo, int which, const char *arg, char *msg, size_t cap) {
    char span[11], code[5];
    static const char *const names[] = {"date_from", "date_to", "applicant",
                                        "exclude_applicant", "fields", "exclude_fields",
                                        "keywords", "open_only"};
    const char *name = which >= OPT_DATE_FROM && which <= OPT_OPEN_ONLY
                           ? names[which - OPT_DATE_FROM] : "?";
    switch (which) {
    case OPT_KIND:
        if (!strcmp(arg, "application")) fo->kind = TENYO_KIND_APPLICATION;
        else if (!strcmp(arg, "grant")) fo->kind = TENYO_KIND_GRANT;
        else {
            snprintf(msg, cap, "kind must be one of application, grant; not '%.20s'", arg);
            return -1;
        }
        break;
    case OPT_OPEN_ONLY:
        if (arg && strcmp(arg, "1") && strcmp(arg, "0") && strcmp(arg, "true") &&
            strcmp(arg, "false")) {
            snprintf(msg, cap, "open_only must be 1, 0, true or false, not '%.20s'", arg);
            return -1;
        }
        /* not "any": ideas takes it as its own open_only (evidence), and
         * cli_filter_build looks at it besides */
        fo->open_only = !arg || !strcmp(arg, "1") || !strcmp(arg, "true");
        return 1;
    case OPT_KEYWORDS:
        if (!arg[strspn(arg, " ")]) {
            snprintf(msg, cap, "keywords needs a query (terms, OR, NOT, \"quoted\")");
            return -1;
        }
        fo->keywords = arg;
        break;
    case OPT_DATE_FROM:
    case OPT_DATE_TO:
        if (tenyo_date_span(arg, which == OPT_DATE_TO, span)) {
            snprintf(msg, cap, "%s must be a date YYYY, YYYY-MM or YYYY-MM-DD, not '%.40s'",
                     name, arg);
            return -1;
        }
        if (which == OPT_DATE_FROM) fo->date_from = arg;
        else fo->date_to = arg;
        break;
    case OPT_APPLICANT:
    case OPT_NOT_APPLICANT: {
        int k = which == OPT_NOT_APPLICANT;
        if (!arg[strspn(arg, " ")]) {
            snprintf(msg, cap, "%s needs a name (a part of the applicant's name)", name);
            return -1;
        }
        if (fo->nappl[k] == CLI_FILTER_MAX) {
            snprintf(msg, cap, "at most %d %s values", CLI_FILTER_MAX, name);
            return -1;
        }
        fo->appl[k][fo->nappl[k]++] = arg;
        break;
    }
    case OPT_FIELDS:
    case OPT_NOT_FIELDS: {
        int k = which == OPT_NOT_FIELDS;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", arg);
        int any = 0;
        for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            if (!tenyo_ipc_prefix(t, code)) {
                snprintf(msg, cap, "%s must be IPC sections, classes or subclasses "
                         "(G, G06, G06F), comma-separated, not '%.20s'", name, t);
                return -1;
            }
            if (fo->nfield[k] == CLI_FILTER_MAX) {
                snprintf(msg, cap, "at most %d %s codes", CLI_FILTER_MAX, name);
                return -1;
            }
            memcpy(fo->field[k][fo->nfield[k]++], code, sizeof code);
            any = 1;
        }
        if (!any) {
            snprintf(msg, cap, "%s needs codes (G, G06, G06F)", name);
            return -1;
        }
        break;
    }
    default:
        return 0;
    }
    fo->any = 1;
    return 1;
}

int cli_filter_opt(int c, const char *arg, cli_filter_opts *fo) {
    char msg[256];
    int r = cli_filter_add(fo, c, arg, msg, sizeof msg);
    if (r < 0) {
        /* the option as typed: --date-from for date_from */
        char opt[32] = "--";
        size_t e = strcspn(msg, " ");
        for (size_t i = 0; i < e && i + 3 < sizeof opt; i++)
            opt[i + 2] = msg[i] == '_' ? '-' : msg[i];
        cli_err("%s%s\n", opt, msg + e);
    }
    return r;
}

int cli_filter_build(const tenyo_index *x, tenyo_ctx *c, const cli_filter_opts *fo,
                     tenyo_filter **out, char *msg, size_t cap) {
    *out = NULL;
    if (!fo->any && !fo->open_only) return TENYO_OK;
    tenyo_filter *f = NULL;
    if (tenyo_filter_new(x, &f)) {
        snprintf(msg, cap, "out of memory");
        return TENYO_ERR_NOMEM;
    }
    int rc = TENYO_OK;
    if (fo->keywords) { /* tokenized by the index's tokenizer, on a context */
        tenyo_ctx *own = NULL;
        char err[512] = "";
        if (!c && (rc = tenyo_ctx_new(x, &own, err, sizeof err)) != 0) {
            snprintf(msg, cap, "%s", err);
            tenyo_filter_free(f);
            return rc;
        }
        rc = tenyo_filter_keywords(f, c ? c : own, fo->keywords);
        tenyo_ctx_free(own);
    }
    if (!rc && fo->open_only) rc = tenyo_filter_open_only(f, 1);
    if (!rc && fo->kind) rc = tenyo_filter_kind(f, fo->kind);
    if (!rc && (fo->date_from || fo->date_to))
        rc = tenyo_filter_dates(f, fo->date_from, fo->date_to);
    for (int k = 0; k < 2 && !rc; k++) {
        for (int i = 0; i < fo->nappl[k] && !rc; i++)
            rc = tenyo_filter_applicant(f, fo->appl[k][i], k);
        for (int i = 0; i < fo->nfield[k] && !rc; i++)
            rc = tenyo_filter_field(f, fo->field[k][i], k);
    }
    if (!rc) {
        int64_t n = tenyo_filter_count(f);
        rc = n < 0 ? (int)n : 0;
    }
    if (rc) {
        snprintf(msg, cap, "%s", tenyo_filter_error(f));
        tenyo_filter_free(f);
        return rc;
    }
    *out = f;
    return TENYO_OK;
}

int cli_filter_make(const tenyo_index *x, tenyo_ctx *c, const cli_filter_opts *fo,
                    tenyo_filter **out) {
    char msg[512];
    int rc = cli_filter_build(x, c, fo, out, msg, sizeof msg);
    if (rc) {
        cli_err("%s\n", msg);
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(rc);
    }
    if (*out && *tenyo_filter_note(*out))
        cli_err("warning: no record contains: %s\n", tenyo_filter_note(*out));
    return EXIT_OK;
}

static const char *empty_why(const cli_filter_opts *fo, tenyo_filter *f, const tenyo_index *x,
                             char *buf, size_t cap);

json_t *cli_filter_json(const cli_filter_opts *fo, tenyo_filter *f, const tenyo_index *x) {
    json_t *o = json_object();
    if (fo->keywords) {
        json_t *k = json_string(fo->keywords);
        json_object_set_new(o, "keywords", k ? k : json_string("?"));
        if (*tenyo_filter_note(f)) { /* "a, b" */
            json_t *u = json_array();
            for (const char *p = tenyo_filter_note(f); *p;) {
                const char *e = strstr(p, ", ");
                size_t l = e ? (size_t)(e - p) : strlen(p);
                json_t *w = json_stringn(p, l);
                if (w) json_array_append_new(u, w);
                p += l + (e ? 2 : 0);
            }
            json_object_set_new(o, "unknown_words", u);
        }
    }
    if (fo->open_only) json_object_set_new(o, "open_only", json_true());
    if (fo->kind)
        json_object_set_new(o, "kind", json_string(fo->kind == TENYO_KIND_GRANT ? "grant"
                                                                                : "application"));
    if (fo->date_from) json_object_set_new(o, "date_from", json_string(fo->date_from));
    if (fo->date_to) json_object_set_new(o, "date_to", json_string(fo->date_to));
    static const char *const ak[2] = {"applicant", "exclude_applicant"};
    static const char *const fk[2] = {"fields", "exclude_fields"};
    for (int k = 0; k < 2; k++) {
        if (fo->nappl[k]) {
            json_t *a = json_array();
            for (int i = 0; i < fo->nappl[k]; i++) {
                json_t *s = json_string(fo->appl[k][i]);
                json_array_append_new(a, s ? s : json_string("?"));
            }
            json_object_set_new(o, ak[k], a);
        }
        if (fo->nfield[k]) {
            json_t *a = json_array();
            for (int i = 0; i < fo->nfield[k]; i++)
                json_array_append_new(a, json_string(fo->field[k][i]));
            json_object_set_new(o, fk[k], a);
        }
    }
    int64_t n = tenyo_filter_count(f);
    json_object_set_new(o, "matching", json_integer(n < 0 ? 0 : n));
    json_object_set_new(o, "documents", json_integer((json_int_t)tenyo_index_ndocs(x)));
    char why[256];
    if (*empty_why(fo, f, x, why, sizeof why))
        json_object_set_new(o, "warning", json_string(why));
    return o;
}

/* Why the filter of fo leaves nothing ("" when it leaves something). */
static const char *empty_why(const cli_filter_opts *fo, tenyo_filter *f, const tenyo_index *x,
                             char *buf, size_t cap) {
    int64_t n = tenyo_filter_count(f);
    if (n != 0) return "";
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (fo->open_only && in.nopen == 0)
        snprintf(buf, cap, "--open-only: the index marks no patent licensable (load a list "
                 "with 'tenyo open INDEX --from FILE'): nothing to rank");
    else
        snprintf(buf, cap, "no indexed patent matches the filters (0 of %llu%s): nothing to "
                 "rank", (unsigned long long)in.ndocs,
                 fo->open_only ? ", licensable only" : "");
    return buf;
}

void cli_filter_note(const cli_filter_opts *fo, const tenyo_filter *fc, const tenyo_index *x) {
    tenyo_filter *f = (tenyo_filter *)fc;
    char why[256];
    if (*empty_why(fo, f, x, why, sizeof why)) cli_err("warning: %s\n", why);
}

json_t *cli_search_json(const tenyo_index *x, const cli_filter_opts *fo, tenyo_filter *f,
                        long k, const tenyo_hit *hits, int n) {
    char *s = NULL;
    tenyo_search_json(x, f, (size_t)k, hits, n, &s); /* query {mode: "keywords", k} */
    json_t *o = cli_json_take(s);
    json_t *q = json_object_get(o, "query");
    json_object_set_new(q, "filter", cli_filter_json(fo, f, x));
    return o;
}

int cli_ideas_set(const char *name, const char *flag, const char *arg, tenyo_ideas_opts *io,
                  double *v) {
    const tenyo_opt *d = tenyo_ideas_opt_find(name);
    char err[256];
    double x = 0;
    if (!d) return -1;
    if (!flag) flag = d->cli;
    if (tenyo_ideas_opt_parse(name, arg, &x, err, sizeof err)) {
        if (d->type != TENYO_OPT_CHOICE) {
            cli_err("%s %s, not '%s'\n", flag, err, arg ? arg : "");
            return -1;
        }
        const char *names[8];
        char buf[128];
        snprintf(buf, sizeof buf, "%s", d->choices);
        size_t n = 0;
        char *save = NULL;
        for (char *p = strtok_r(buf, ",", &save); p && n < 8; p = strtok_r(NULL, ",", &save))
            names[n++] = p;
        const char *sg = arg ? cli_suggest(arg, names, n) : NULL;
        if (sg) cli_err("%s %s; not '%s' (did you mean '%s'?)\n", flag, err, arg, sg);
        else cli_err("%s %s; not '%s'\n", flag, err, arg ? arg : "");
        return -1;
    }
    if (io && (d->flags & TENYO_OPT_STORED)) tenyo_ideas_opts_set(io, name, x, err, sizeof err);
    if (v) *v = x;
    return 0;
}

int cli_ideas_home(const char *arg, tenyo_ideas_opts *io, char **homebuf, const char **homes,
                   size_t cap) {
    char err[128];
    free(*homebuf);
    *homebuf = strdup(arg);
    int n = *homebuf ? tenyo_ideas_home_split(*homebuf, homes, cap, err, sizeof err) : 0;
    if (n < 0) {
        cli_err("--home: %s\n", err);
        return -1;
    }
    io->nhome = (size_t)n;
    io->home = homes;
    if (!io->nhome) {
        cli_err("--home needs codes\n");
        return -1;
    }
    return 0;
}

int cli_ideas_opt(int c, const char *arg, tenyo_ideas_opts *io, char **homebuf,
                  const char **homes, size_t cap, const char **lang) {
    static const char *const langs[] = {"ja", "en"};
    double v;
    switch (c) {
    case 'H': return cli_ideas_home(arg, io, homebuf, homes, cap) ? -1 : 1;
    case 'D': return cli_ideas_set("distance", NULL, arg, io, NULL) ? -1 : 1;
    case 'L':
        if (cli_ideas_set("lang", NULL, arg, io, &v)) return -1;
        *lang = langs[(int)v];
        return 1;
    case 'Q': return cli_ideas_set("min_confidence", NULL, arg, io, NULL) ? -1 : 1;
    case 'm': return cli_ideas_set("mode", NULL, arg, io, NULL) ? -1 : 1;
    default: return 0;
    }
}
