/*
 * ideas_csv.c — the CSV of an ideas answer (one row per proposal, one row
 * with the error of a failed batch line, one row saying why when there is
 * none): the one writer behind `tenyo ideas --csv` and the page's CSV
 * download (POST /api/ideas.csv), so both have the same columns and bytes.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Join the strings of a JSON array (or one member of each object in it). */
void cli_jjoin(const json_t *a, const char *member, const char *sep, char *out,
               size_t len) {
    size_t i, at = 0;
    json_t *v;
    out[0] = 0;
    json_array_foreach(a, i, v) {
        const char *t = member ? cli_jstr(v, member) : json_string_value(v);
        if (!t) continue;
        int w = snprintf(out + at, len - at, "%s%s", at ? sep : "", t);
        if (w < 0 || (size_t)w >= len - at) break;
        at += (size_t)w;
    }
}

/* One CSV field, then a comma or newline: cli_csv_field (safe.c), the
 * CSV cell writer of every CSV output. */
static void csv_field(FILE *f, const char *s, int last) { cli_csv_field(f, s, last ? "\n" : ","); }

/* The evidence of one proposal as "ID (applicant, date)" entries joined
 * by "; " (what a licensing analyst needs beside the ids). */
static void evidence_details(const json_t *ev, char *out, size_t len) {
    size_t i, at = 0;
    json_t *e;
    out[0] = 0;
    json_array_foreach(ev, i, e) {
        const char *ap = cli_jstr(e, "applicant"), *dt = cli_jstr(e, "date");
        int w = snprintf(out + at, len - at, "%s%s (%s, %s)", at ? "; " : "", cli_jstr(e, "id"),
                         ap && *ap ? ap : "-", dt && *dt ? dt : "-");
        if (w < 0 || (size_t)w >= len - at) break;
        at += (size_t)w;
    }
}

/* CSV rows (one per proposal; one row with the error for a failed batch
 * line) of one result object, after the header when header is set. */
void cli_ideas_csv(FILE *f, const json_t *o, int header, int bom) {
    static const char *cols[] = {"query", "home", "rank", "field", "label", "score",
                                 "relevance", "surprise", "expected", "bridge_terms",
                                 "phrases", "evidence", "evidence_details", "idea",
                                 "confidence", "also_fields", "cautions", "warnings",
                                 "why_query", "why_evidence", "band", "weak_reason",
                                 "unexpected", "error"};
    const int ncol = (int)(sizeof cols / sizeof cols[0]);
    if (header && bom) fputs("\xEF\xBB\xBF", f);
    if (header)
        for (int c = 0; c < ncol; c++) csv_field(f, cols[c], c == ncol - 1);
    const json_t *q = json_object_get(o, "query");
    char qid[256], home[512], num[64];
    snprintf(qid, sizeof qid, "%s", json_object_get(q, "id") ? cli_jstr(q, "id") : "(text)");
    cli_jjoin(json_object_get(q, "home"), NULL, ",", home, sizeof home);
    if (json_object_get(o, "error")) {
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        for (int c = 2; c < ncol - 1; c++) csv_field(f, "", 0);
        csv_field(f, cli_jstr(o, "error"), 1);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o, "ideas"), i, it) {
        char list[2048];
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        snprintf(num, sizeof num, "%d", (int)json_integer_value(json_object_get(it, "rank"))), csv_field(f, num, 0);
        csv_field(f, cli_jstr(it, "field"), 0);
        csv_field(f, cli_jstr(it, "label"), 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "score"))), csv_field(f, num, 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "relevance"))), csv_field(f, num, 0);
        snprintf(num, sizeof num, "%.3f", json_real_value(json_object_get(it, "surprise"))), csv_field(f, num, 0);
        csv_field(f, json_is_true(json_object_get(it, "expected")) ? "1" : "0", 0);
        cli_jjoin(json_object_get(it, "bridge_terms"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "phrases"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "evidence"), "id", "; ", list, sizeof list), csv_field(f, list, 0);
        evidence_details(json_object_get(it, "evidence"), list, sizeof list), csv_field(f, list, 0);
        csv_field(f, cli_jstr(it, "idea"), 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "confidence"))), csv_field(f, num, 0);
        cli_jjoin(json_object_get(it, "also_fields"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "cautions"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(o, "warnings"), "message", " / ", list, sizeof list), csv_field(f, list, 0);
        const json_t *wj = json_object_get(it, "why");
        csv_field(f, wj ? cli_jstr(wj, "query") : "", 0);
        if (wj) snprintf(list, sizeof list, "%s: %s", cli_jstr(wj, "evidence_id"), cli_jstr(wj, "evidence"));
        csv_field(f, wj ? list : "", 0);
        csv_field(f, cli_jstr(it, "band"), 0);
        csv_field(f, cli_jstr(it, "weak_reason"), 0);
        snprintf(num, sizeof num, "%.3f", json_real_value(json_object_get(it, "unexpected"))), csv_field(f, num, 0);
        csv_field(f, "", 1);
    }
    if (json_array_size(json_object_get(o, "ideas")) == 0) { /* nothing: say why in one row */
        char list[2048];
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        for (int c = 2; c < ncol - 1; c++) {
            if (!strcmp(cols[c], "warnings"))
                cli_jjoin(json_object_get(o, "warnings"), "message", " / ", list, sizeof list);
            else
                list[0] = 0;
            csv_field(f, list, 0);
        }
        csv_field(f, "", 1);
    }
}

