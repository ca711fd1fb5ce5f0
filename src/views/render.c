/*
 * render.c — the JSON shapes of `info`, `similar` and patent metadata,
 * built in one place so that the command line (`--json`) and the HTTP
 * server (`tenyo serve`) answer the same inputs with the same objects.
 * (The `ideas`, `match`, `similar` and `search` objects are the library's:
 * tenyo_*_json, src/ideas/answer.c; cli_json_take parses them.)
 *
 * Everything here reads the index through tenyo.h only; strings are copied
 * into the JSON values, so the objects outlive nothing they point to.
 *
 * Text that came from records goes out through safe.c's rules (cli_safe,
 * cli_csv_risky).
 *
 * Who calls whom: called by serve/serve_api.c, serve/serve_live.c,
 * filters.c, ideas_csv.c, ideas_ws.c, profiles.c, query.c, report.c,
 * cli/'s commands (7); calls safe.c and the library (tenyo.h).
 */
#include "views.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================== JSON shapes */

/* A field and its size, for ordering fields by size. */
typedef struct field_size { uint64_t count; uint32_t field; } field_size;

/* More documents first, then field number (the table is sorted by code). */
static int cmp_field_size(const void *a, const void *b) {
    const field_size *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->field < y->field ? -1 : x->field > y->field;
}

json_t *cli_info_json(const tenyo_index *x, const char *path) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(path));
    json_object_set_new(o, "format_version", json_integer(in.format_version));
    json_object_set_new(o, "documents", json_integer((json_int_t)in.ndocs));
    json_object_set_new(o, "open_documents", json_integer((json_int_t)in.nopen));
    json_t *lic = json_object();
    json_object_set_new(lic, "documents", json_integer((json_int_t)in.nopen));
    json_object_set_new(lic, "by_records", json_integer((json_int_t)in.open_records));
    if (in.open_listed) {
        json_t *l = json_object();
        json_object_set_new(l, "source", json_string(in.open_source));
        json_object_set_new(l, "loaded", json_integer((json_int_t)in.open_loaded));
        json_object_set_new(l, "listed", json_integer((json_int_t)in.open_listed));
        json_object_set_new(l, "in_index", json_integer((json_int_t)in.open_found));
        json_object_set_new(l, "lines", json_integer((json_int_t)in.open_lines));
        json_object_set_new(l, "unresolved", json_integer((json_int_t)in.open_unresolved));
        json_object_set_new(lic, "list", l);
    } else {
        json_object_set_new(lic, "list", json_null());
    }
    json_object_set_new(o, "licensable", lic);
    json_object_set_new(o, "terms", json_integer((json_int_t)in.nterms));
    json_object_set_new(o, "nonzeros", json_integer((json_int_t)in.nnz));
    json_object_set_new(o, "rank", json_integer(in.dim));
    json_object_set_new(o, "fields", json_integer(in.nfields));
    json_object_set_new(o, "file_bytes", json_integer((json_int_t)in.file_bytes));
    if (in.nshards) { /* a sharded index: documents and bytes of each shard file */
        json_t *sh = json_array();
        for (uint32_t i = 0; i < in.nshards; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "documents", json_integer((json_int_t)in.shard_docs[i]));
            json_object_set_new(e, "bytes", json_integer((json_int_t)in.shard_bytes[i]));
            json_array_append_new(sh, e);
        }
        json_object_set_new(o, "shards", sh);
    } else {
        json_object_set_new(o, "shards", json_null());
    }
    json_t *b = json_object();
    json_object_set_new(b, "tokenizer", json_string(in.tokenizer));
    json_object_set_new(b, "writer", json_string(in.writer));
    json_object_set_new(b, "min_df", json_integer(in.min_df));
    json_object_set_new(b, "max_df_ratio", json_real(in.max_df_ratio));
    json_object_set_new(b, "seed", json_integer((json_int_t)in.seed));
    json_object_set_new(b, "oversample", json_integer(in.oversample));
    json_object_set_new(b, "power_iters", json_integer(in.power_iters));
    json_object_set_new(o, "build", b);
    json_t *sr = json_object();
    json_object_set_new(sr, "scan", json_string(in.ndocs >= in.int8_min_docs ? "int8" : "fp32"));
    json_object_set_new(sr, "int8_kernel", json_string(in.scan_kernel));
    json_object_set_new(sr, "int8_min_docs", json_integer((json_int_t)in.int8_min_docs));
    json_object_set_new(sr, "ivf_lists", json_integer(in.ivf_lists));
    json_object_set_new(sr, "f16_bytes", json_integer((json_int_t)in.f16_bytes));
    json_object_set_new(o, "search", sr);
    json_object_set_new(o, "phrases", json_integer((json_int_t)in.nphrases));
    json_object_set_new(o, "abstract_bytes", json_integer((json_int_t)in.abstract_bytes));
    uint64_t tps = 0; /* the stored TF-IDF postings (section "tfidf.post") */
    for (int i = 0; i < in.nsections; i++)
        if (!strcmp(in.sections[i].name, "tfidf.post")) tps = in.sections[i].stored;
    json_object_set_new(o, "postings_bytes", json_integer((json_int_t)tps));
    json_object_set_new(o, "docmeta_layout", json_integer(in.docmeta_layout));
    json_object_set_new(o, "rows_frame", json_integer(in.rows_frame));
    json_object_set_new(o, "postings_layout", json_integer(in.postings_layout));
    uint64_t kst = 0, kin = 0; /* read nothing: a server starts without the keyword text */
    tenyo_index_keyword_size(x, &kst, &kin);
    json_object_set_new(o, "keyword_index_bytes", json_integer((json_int_t)kst));
    if (kin) json_object_set_new(o, "keyword_bytes", json_integer((json_int_t)kin));
    json_t *up = json_object();
    json_object_set_new(up, "generation", json_integer((json_int_t)in.generation));
    json_object_set_new(up, "segments", json_integer(in.nsegments));
    json_object_set_new(up, "bytes", json_integer((json_int_t)in.update_bytes));
    json_object_set_new(up, "docs_fit", json_integer((json_int_t)in.docs_fit));
    json_object_set_new(up, "docs_added", json_integer((json_int_t)in.docs_added));
    json_object_set_new(up, "docs_deleted", json_integer((json_int_t)in.docs_deleted));
    json_object_set_new(up, "terms_new", json_integer((json_int_t)in.terms_new));
    json_object_set_new(up, "stale_docs", json_real(in.stale_docs));
    json_object_set_new(up, "stale_mass", json_real(in.stale_mass));
    json_object_set_new(up, "new_term_mass", json_real(in.new_term_mass));
    json_object_set_new(up, "rebuild_advised", json_boolean(in.rebuild_advised));
    json_object_set_new(up, "updates_missing", json_boolean(in.updates_missing));
    json_object_set_new(o, "updates", up);
    json_t *secs = json_array();
    for (int i = 0; i < in.nsections; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "name", json_string(in.sections[i].name));
        json_object_set_new(s, "stored", json_integer((json_int_t)in.sections[i].stored));
        json_object_set_new(s, "raw", json_integer((json_int_t)in.sections[i].raw));
        json_array_append_new(secs, s);
    }
    json_object_set_new(o, "sections", secs);
    json_t *fields = json_array();
    for (uint32_t j = 0; j < in.nfields; j++) {
        const char *code;
        uint64_t cnt;
        tenyo_index_field(x, j, &code, &cnt);
        json_t *f = json_object();
        json_object_set_new(f, "field", json_string(code));
        json_object_set_new(f, "documents", json_integer((json_int_t)cnt));
        json_array_append_new(fields, f);
    }
    json_object_set_new(o, "field_counts", fields);
    return o;
}

int cli_fields_by_size(const tenyo_index *x, uint32_t *order, uint32_t n) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    field_size *fs = malloc((in.nfields ? in.nfields : 1) * sizeof *fs);
    if (!fs) return -1;
    for (uint32_t j = 0; j < in.nfields; j++) {
        fs[j].field = j;
        tenyo_index_field(x, j, NULL, &fs[j].count);
    }
    qsort(fs, in.nfields, sizeof *fs, cmp_field_size);
    uint32_t m = in.nfields < n ? in.nfields : n;
    for (uint32_t j = 0; j < m; j++) order[j] = fs[j].field;
    free(fs);
    return (int)m;
}

/* "application", "grant" or null: the kind the id says (tenyo_id_kind). */
static json_t *kind_json(const char *id) {
    int k = tenyo_id_kind(id);
    return k == TENYO_KIND_APPLICATION ? json_string("application")
           : k == TENYO_KIND_GRANT     ? json_string("grant")
                                       : json_null();
}

json_t *cli_doc_json(const tenyo_index *x, uint64_t doc) {
    tenyo_doc_meta dm;
    if (tenyo_index_doc(x, doc, &dm) != TENYO_OK) return json_null();
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(dm.id));
    json_object_set_new(r, "title", json_string(dm.title));
    json_object_set_new(r, "fields", cli_json_list(dm.fields));
    json_object_set_new(r, "applicant", json_string(dm.applicant));
    json_object_set_new(r, "date", json_string(dm.date));
    json_object_set_new(r, "open", json_boolean(dm.open));
    json_object_set_new(r, "kind", kind_json(dm.id));
    char link[256];
    json_object_set_new(r, "link", json_string(tenyo_doc_link(dm.id, link, sizeof link)));
    return r;
}

json_t *cli_similar_json(const tenyo_index *x, int64_t qdoc, const char *text,
                         tenyo_mode mode, long k, const tenyo_hit *hits, int n) {
    tenyo_query q = {qdoc, text, text ? strlen(text) : 0, NULL, 0};
    char *s = NULL;
    tenyo_similar_json(x, &q, mode, (size_t)k, hits, n, &s);
    return cli_json_take(s);
}

json_t *cli_json_take(char *s) {
    json_t *o = s ? json_loads(s, 0, NULL) : NULL;
    tenyo_json_free(s);
    return o ? o : json_object();
}

json_t *cli_ideas_render(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                         const char *text, size_t len, const tenyo_idea *ideas, int got,
                         size_t asked, const char *lang) {
    (void)x;
    tenyo_query q = {qdoc, text, len, NULL, 0};
    char *s = NULL;
    tenyo_ideas_json(ctx, &q, ideas, got, asked, lang, &s);
    return cli_json_take(s);
}

/* cli_ideas_json, its cards outside the list shown by default written
 * without their explanation when brief (tenyo_ideas_json_shown). */
static json_t *ideas_json_any(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                              const char *text, size_t len, const tenyo_ideas_opts *io,
                              size_t n, const char *lang, int *status, int brief);

json_t *cli_ideas_json(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                       const char *text, size_t len, const tenyo_ideas_opts *io,
                       size_t n, const char *lang, int *status) {
    return ideas_json_any(x, ctx, qdoc, text, len, io, n, lang, status, 0);
}

json_t *cli_ideas_json_shown(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                             const char *text, size_t len, const tenyo_ideas_opts *io,
                             size_t n, const char *lang, int *status) {
    return ideas_json_any(x, ctx, qdoc, text, len, io, n, lang, status, 1);
}

static json_t *ideas_json_any(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                              const char *text, size_t len, const tenyo_ideas_opts *io,
                              size_t n, const char *lang, int *status, int brief) {
    tenyo_idea ideas[CLI_IDEAS_MAX];
    if (n > CLI_IDEAS_MAX) n = CLI_IDEAS_MAX;
    tenyo_ideas_opts po = *io;
    size_t pool = tenyo_ideas_pool(&po, n);
    int got = qdoc >= 0 ? tenyo_ideas_doc(ctx, (uint64_t)qdoc, &po, pool, ideas)
                        : tenyo_ideas_text(ctx, text, len, &po, pool, ideas);
    *status = got < 0 ? got : TENYO_OK;
    if (got < 0) return NULL;
    /* "fewer than asked" speaks of the n asked, not of the pool */
    tenyo_query q = {qdoc, text, len, NULL, 0};
    char *s = NULL;
    (brief ? tenyo_ideas_json_shown : tenyo_ideas_json)(ctx, &q, ideas, got, n, lang, &s);
    return cli_json_take(s);
}

json_t *cli_match_json(const tenyo_index *x, tenyo_ctx *ctx, const char *text, size_t len,
                       const tenyo_ideas_opts *io, size_t k, const char *lang, int *status) {
    tenyo_idea ideas[CLI_MATCH_IDEAS];
    tenyo_match mt[CLI_MATCH_MAX_K];
    int got = 0;
    (void)x;
    if (k > CLI_MATCH_MAX_K) k = CLI_MATCH_MAX_K;
    int n = tenyo_match_text(ctx, text, len, io, CLI_MATCH_IDEAS, ideas, &got, k, mt);
    *status = n < 0 ? n : TENYO_OK;
    if (n < 0) return NULL;
    char *s = NULL;
    int rc = tenyo_match_json(ctx, text, len, ideas, got, mt, n, k, lang, &s);
    if (rc) {
        *status = rc;
        return NULL;
    }
    return cli_json_take(s);
}

/* ============================================================ output */

json_t *cli_json_list(const char *csv) {
    json_t *a = json_array();
    const char *p = csv;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (e ? 1 : 0);
    }
    return a;
}

const char *cli_jstr(const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

void cli_print_json(json_t *j) {
    char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}


size_t cli_mark_len(const char *s, size_t n, size_t i, const json_t *t) {
    size_t best = 0, k;
    json_t *v;
    json_array_foreach(t, k, v) {
        const char *w = json_string_value(v);
        size_t wl = w ? strlen(w) : 0;
        if (!wl || wl > n - i || wl <= best) continue;
        int ascii = (unsigned char)w[0] < 0x80, hit = 1;
        if (ascii && i && isalnum((unsigned char)s[i - 1])) continue;
        for (size_t q = 0; q < wl && hit; q++)
            hit = ascii ? tolower((unsigned char)s[i + q]) == tolower((unsigned char)w[q])
                        : s[i + q] == w[q];
        if (hit) best = wl;
    }
    return best;
}

void cli_print_marked(const char *s, const json_t *t, int ja) {
    char out[4096];
    size_t o = 0, n = strlen(s);
    for (size_t i = 0; i < n && o + 16 < sizeof out;) {
        size_t best = cli_mark_len(s, n, i, t);
        if (best && o + best + 12 < sizeof out) {
            const char *l = ja ? "【" : "*", *r = ja ? "】" : "*";
            memcpy(out + o, l, strlen(l)), o += strlen(l);
            memcpy(out + o, s + i, best), o += best;
            memcpy(out + o, r, strlen(r)), o += strlen(r);
            i += best;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = 0;
    fputs(cli_safe(out), stdout);
}

/* A confidence as text (cli.h): 13%, 0.4%, <0.1%, never a bare 0; c < 0
 * (none estimated) in words. */
void cli_pct_text(char *out, size_t n, double c, int ja) {
    if (c < 0) snprintf(out, n, "%s", ja ? "推定できません" : "cannot be estimated");
    else if (c < 0.0005) snprintf(out, n, "<0.1%%");
    else if (c < 0.0095) snprintf(out, n, "%.1f%%", 100 * c);
    else snprintf(out, n, "%.0f%%", 100 * c);
}

size_t cli_ideas_order(const json_t *arr, int all, size_t *ord, size_t *nshown) {
    size_t na = json_array_size(arr), i, n = 0;
    json_t *it;
    for (size_t s = 0; s < na; s++) ord[s] = 0;
    *nshown = 0;
    json_array_foreach(arr, i, it) {
        json_int_t s = json_integer_value(json_object_get(it, "shown"));
        if (s > 0 && (size_t)s <= na && !ord[s - 1]) ord[s - 1] = i + 1, (*nshown)++;
    }
    for (size_t s = 0; s < na; s++)
        if (ord[s]) ord[n++] = ord[s] - 1;
    if (all)
        json_array_foreach(arr, i, it) if (json_integer_value(json_object_get(it, "shown")) <= 0) ord[n++] = i;
    return n;
}
