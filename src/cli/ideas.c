/*
 * ideas.c — `tenyo ideas`: other technical fields where a patent (or a
 * described technology) could be applied, with bridge terms, evidence
 * patents and one idea sentence per proposal.
 *
 * Output: a readable report (default), or with --json one object
 * {"query": {...}, "ideas": [...]} per query. The sentence is built from the
 * proposal's parts in the chosen language (--lang, default: the query's).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDEAS 100
#define NBRIDGE 5

static const char *ideas_usage =
    "usage: tenyo ideas INDEX (ID | --text TEXT | --file FILE) [options]\n"
    "Propose other technical fields (IPC subclasses) where the patent could apply.\n"
    "  --home CODES         home fields, comma-separated subclasses (default: the\n"
    "                       patent's own fields; predicted for free text)\n"
    "  --distance D         section | class | subclass: how far proposals must be\n"
    "                       from every home field (default class)\n"
    "  -n N                 number of proposals (default 10, at most 100)\n"
    "  --open-only          evidence only from licensable (open) patents\n"
    "  --lang ja|en         language of labels and sentences (default ja)\n"
    "  --novelty V          0..1, how readily unexpected fields are promoted (default 1)\n"
    "  --knn N              neighbours that vote (default 100)\n"
    "  --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) for subclass\n"
    "                       labels (repeatable; default: built-in class labels)\n"
    "  --json               one JSON object {\"query\": {...}, \"ideas\": [...]}\n";

/* Comma-separated codes -> array (pointers into buf, modified). */
static size_t split_codes(char *buf, const char **out, size_t cap) {
    size_t n = 0;
    for (char *p = strtok(buf, ", "); p && n < cap; p = strtok(NULL, ", ")) out[n++] = p;
    return n;
}

static void sentence(char *out, size_t len, const char *lang, const char **bt,
                     int nb, const char *code, const char *label,
                     const tenyo_doc_meta *ev) {
    char terms[512] = "";
    for (int i = 0; i < nb && i < 3; i++) {
        size_t l = strlen(terms);
        snprintf(terms + l, sizeof terms - l, "%s%s", i ? (strcmp(lang, "ja") ? ", " : "・") : "", bt[i]);
    }
    if (!strcmp(lang, "ja")) {
        snprintf(out, len, "%s%s本技術を、%s（%s）分野に転用できる可能性（根拠: %s「%s」）",
                 terms, nb ? "に関する" : "", label, code, ev ? ev->id : "-",
                 ev ? ev->title : "");
    } else {
        snprintf(out, len, "The technology%s%s could be applied in %s (%s) (evidence: %s \"%s\")",
                 nb ? " around " : "", terms, label, code, ev ? ev->id : "-",
                 ev ? ev->title : "");
    }
}

int cli_cmd_ideas(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"home", required_argument, 0, 'H'}, {"distance", required_argument, 0, 'D'},
        {"open-only", no_argument, 0, 'O'}, {"lang", required_argument, 0, 'L'},
        {"novelty", required_argument, 0, 'V'}, {"knn", required_argument, 0, 'K'},
        {"ipc-titles", required_argument, 0, 'I'},
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *titles[4];
    int ntitles = 0;
    const char *text = NULL, *file = NULL, *lang = "ja";
    char *homebuf = NULL;
    const char *homes[64];
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    long n = 10;
    int json = 0, c, bad = 0;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:jh", lo, NULL)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'H':
            free(homebuf);
            homebuf = strdup(optarg);
            io.nhome = homebuf ? split_codes(homebuf, homes, 64) : 0;
            io.home = homes;
            if (!io.nhome) { fprintf(stderr, "tenyo: --home needs codes\n"); bad = 1; }
            break;
        case 'D':
            if (!strcmp(optarg, "section")) io.distance = TENYO_DIST_SECTION;
            else if (!strcmp(optarg, "class")) io.distance = TENYO_DIST_CLASS;
            else if (!strcmp(optarg, "subclass")) io.distance = TENYO_DIST_SUBCLASS;
            else { fprintf(stderr, "tenyo: --distance must be section, class or subclass\n"); bad = 1; }
            break;
        case 'O': io.open_only = 1; break;
        case 'L':
            if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
                fprintf(stderr, "tenyo: --lang must be ja or en\n");
                bad = 1;
            }
            lang = optarg;
            break;
        case 'V':
            io.novelty = strtod(optarg, &end);
            if (*end || io.novelty < 0 || io.novelty > 1) {
                fprintf(stderr, "tenyo: --novelty must be in [0, 1]\n");
                bad = 1;
            }
            break;
        case 'K':
            io.knn = (int)strtol(optarg, &end, 10);
            if (*end || io.knn < 1 || io.knn > 100000) {
                fprintf(stderr, "tenyo: --knn must be between 1 and 100000\n");
                bad = 1;
            }
            break;
        case 'n':
            n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > MAX_IDEAS) {
                fprintf(stderr, "tenyo: -n must be between 1 and %d\n", MAX_IDEAS);
                bad = 1;
            }
            break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = optarg;
            break;
        case 'j': json = 1; break;
        case 'h': free(homebuf); fputs(ideas_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) fprintf(stderr, "tenyo ideas: give exactly one of ID, --text, --file\n");
        fputs(ideas_usage, stderr);
        free(homebuf);
        return EXIT_USAGE;
    }
    const char *path = argv[optind], *id = npos == 2 ? argv[optind + 1] : NULL;
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    char err[512] = "", *buf = NULL;
    int ec = EXIT_OK;
    int rc = tenyo_index_open(path, &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        free(homebuf);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) { fprintf(stderr, "tenyo: %s\n", err); ec = EXIT_INPUT; goto done; }
    }
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc) { fprintf(stderr, "tenyo: %s\n", err); ec = EXIT_RESOURCE; goto done; }
    tenyo_idea ideas[MAX_IDEAS];
    int64_t qdoc = -1;
    int got;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    if (qdoc >= 0) got = tenyo_ideas_doc(ctx, (uint64_t)qdoc, &io, (size_t)n, ideas);
    else got = tenyo_ideas_text(ctx, text, len, &io, (size_t)n, ideas);
    if (got < 0) {
        fprintf(stderr, "tenyo: %s\n", tenyo_ctx_error(ctx));
        ec = got == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(got);
        goto done;
    }
    int predicted = 0;
    const char *home = tenyo_ctx_home(ctx, &predicted);
    tenyo_doc_meta qm;
    if (qdoc >= 0) tenyo_index_doc(x, (uint64_t)qdoc, &qm);
    json_t *o = NULL, *arr = NULL;
    if (json) {
        o = json_object();
        json_t *q = json_object();
        if (qdoc >= 0) {
            json_object_set_new(q, "id", json_string(qm.id));
            json_object_set_new(q, "title", json_string(qm.title));
        } else {
            json_object_set_new(q, "text", json_string(text));
        }
        json_object_set_new(q, "home", cli_json_list(home));
        json_object_set_new(q, "home_predicted", json_boolean(predicted));
        json_object_set_new(o, "query", q);
        arr = json_array();
    } else {
        if (qdoc >= 0) printf("転用候補 / ideas for %s  %s\n", qm.id, qm.title);
        else printf("転用候補 / ideas for the query text\n");
        printf("home fields: %s%s\n\n", home[0] ? home : "-",
               predicted ? (strcmp(lang, "ja") ? " (predicted)" : "（推定）") : "");
    }
    for (int i = 0; i < got; i++) {
        const char *bt[NBRIDGE];
        int nb = tenyo_idea_bridge(ctx, &ideas[i], NBRIDGE, bt);
        if (nb < 0) nb = 0;
        const char *label = tenyo_field_label(x, ideas[i].code, lang);
        tenyo_doc_meta ev;
        int hasev = ideas[i].nevidence > 0 &&
                    tenyo_index_doc(x, ideas[i].evidence[0].doc, &ev) == TENYO_OK;
        char sent[2048];
        sentence(sent, sizeof sent, lang, bt, nb, ideas[i].code, label, hasev ? &ev : NULL);
        if (json) {
            json_t *it = json_object(), *b = json_array(), *e = json_array();
            json_object_set_new(it, "rank", json_integer(i + 1));
            json_object_set_new(it, "field", json_string(ideas[i].code));
            json_object_set_new(it, "label", json_string(label));
            json_object_set_new(it, "label_ja", json_string(tenyo_field_label(x, ideas[i].code, "ja")));
            json_object_set_new(it, "label_en", json_string(tenyo_field_label(x, ideas[i].code, "en")));
            json_object_set_new(it, "score", json_real(ideas[i].score));
            json_object_set_new(it, "relevance", json_real(ideas[i].relevance));
            json_object_set_new(it, "surprise", json_real(ideas[i].surprise));
            json_object_set_new(it, "expected", json_boolean(ideas[i].expected));
            for (int k = 0; k < nb; k++) json_array_append_new(b, json_string(bt[k]));
            json_object_set_new(it, "bridge_terms", b);
            for (int k = 0; k < ideas[i].nevidence; k++) {
                tenyo_doc_meta dm;
                tenyo_index_doc(x, ideas[i].evidence[k].doc, &dm);
                json_t *d = json_object();
                json_object_set_new(d, "id", json_string(dm.id));
                json_object_set_new(d, "title", json_string(dm.title));
                json_object_set_new(d, "similarity", json_real((double)ideas[i].evidence[k].score));
                json_object_set_new(d, "open", json_boolean(dm.open));
                json_array_append_new(e, d);
            }
            json_object_set_new(it, "evidence", e);
            json_object_set_new(it, "idea", json_string(sent));
            json_array_append_new(arr, it);
        } else {
            printf("%2d. %s %s   score %.3f  relevance %.3f  surprise %.2f%s\n", i + 1,
                   ideas[i].code, label, ideas[i].score, ideas[i].relevance,
                   ideas[i].surprise, ideas[i].expected ? "" : "  *");
            printf("    %s: ", strcmp(lang, "ja") ? "bridge terms" : "橋渡し語");
            for (int k = 0; k < nb; k++) printf("%s%s", k ? ", " : "", bt[k]);
            printf("\n    %s:\n", strcmp(lang, "ja") ? "evidence" : "根拠特許");
            for (int k = 0; k < ideas[i].nevidence; k++) {
                tenyo_doc_meta dm;
                tenyo_index_doc(x, ideas[i].evidence[k].doc, &dm);
                printf("      %.3f %s %s%s\n", (double)ideas[i].evidence[k].score, dm.id,
                       dm.title, dm.open ? "  [open]" : "");
            }
            printf("    → %s\n\n", sent);
        }
    }
    if (json) {
        json_object_set_new(o, "ideas", arr);
        cli_print_json(o);
        json_decref(o);
    } else if (got) {
        printf("* = a field co-classification statistics alone would not propose\n");
    }
done:
    free(buf);
    free(homebuf);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}
