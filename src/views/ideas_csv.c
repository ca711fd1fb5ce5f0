/*
 * ideas_csv.c — the CSV of an ideas answer (one row per proposal, one row
 * with the error of a failed batch line, one row saying why when there is
 * none): the one writer behind `tenyo ideas --csv` and the page's CSV
 * download (POST /api/ideas.csv), so both have the same columns and bytes.
 *
 * Who calls whom: called by serve/serve_api.c, cli/cmd_ideas.c; calls
 * render.c, safe.c and the library (tenyo.h).
 */
#include "views.h"

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

/* The columns: the name a script keys on (English, and the header of
 * --lang en), and the header of --lang ja, which says each scale. */
static const struct {
    const char *en, *ja;
} cols[] = {
    {"query", "問い合わせ"}, {"home", "自分の分野"}, {"rank", "順位"}, {"field", "分野"},
    {"label", "分野名"}, {"score", "スコア"}, {"relevance", "関連度"},
    {"surprise", "共分類での珍しさ（−ln P、0 以上）"}, {"expected", "共分類で予想される分野"},
    {"bridge_terms", "橋渡し語"}, {"phrases", "用途表現"}, {"evidence", "根拠特許"},
    {"evidence_titles", "根拠特許の題名"}, {"evidence_details", "根拠特許の出願人・日付"},
    {"idea", "転用案"}, {"confidence", "確信度（0〜1）"}, {"also_fields", "同じ根拠の分野"},
    {"cautions", "注意"}, {"warnings", "警告"}, {"why_query", "理由（本件の文）"},
    {"why_evidence", "理由（根拠特許の文）"}, {"band", "区分"}, {"weak_reason", "弱い理由"},
    {"unexpected", "意外性（0〜1、珍しさから換算）"}, {"error", "エラー"},
};
#define NCOL ((int)(sizeof cols / sizeof cols[0]))

/* The cautions' codes as a Japanese reader reads them (the page's words). */
static const char *caution_ja(const char *code) {
    static const char *const t[][2] = {
        {"one_patent", "根拠特許が 1 件だけ"}, {"one_word", "共通の内容の大半が 1 語に偏る"},
        {"generic_words", "共通語の多くが一般的な語"},
        {"title_only_evidence", "根拠特許は題名だけ（要約なし）"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(code, t[i][0])) return t[i][1];
    return code;
}

/* The cautions of it joined by "; " (in Japanese when ja). */
static void cautions(const json_t *it, int ja, char *out, size_t len) {
    size_t i, at = 0;
    json_t *v;
    out[0] = 0;
    json_array_foreach(json_object_get(it, "cautions"), i, v) {
        const char *c = json_string_value(v);
        if (!c) continue;
        int w = snprintf(out + at, len - at, "%s%s", at ? "; " : "", ja ? caution_ja(c) : c);
        if (w < 0 || (size_t)w >= len - at) break;
        at += (size_t)w;
    }
}

/* CSV rows (one per proposal; one row with the error for a failed batch
 * line) of one result object, after the header when header is set. The
 * language (lang, else the answer's query.lang, else ja) picks the
 * header and the words of the band, expected and cautions cells; the
 * numbers and the rest are the answer's. */
void cli_ideas_csv(FILE *f, const json_t *o, int header, int bom, const char *lang, int all) {
    const json_t *q = json_object_get(o, "query");
    if (!lang) lang = json_object_get(q, "lang") ? cli_jstr(q, "lang") : "ja";
    int ja = strcmp(lang, "en") != 0;
    if (header && bom) fputs("\xEF\xBB\xBF", f);
    if (header)
        for (int c = 0; c < NCOL; c++) csv_field(f, ja ? cols[c].ja : cols[c].en, c == NCOL - 1);
    char qid[256], home[512], num[64];
    snprintf(qid, sizeof qid, "%s", json_object_get(q, "id") ? cli_jstr(q, "id")
                                                              : ja ? "（テキスト）" : "(text)");
    cli_jjoin(json_object_get(q, "home"), NULL, ",", home, sizeof home);
    if (json_object_get(o, "error")) {
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        for (int c = 2; c < NCOL - 1; c++) csv_field(f, "", 0);
        csv_field(f, cli_jstr(o, "error"), 1);
        return;
    }
    /* the list shown, in its order (cli_ideas_order); with all, every card
     * in the engine's order */
    const json_t *arr = json_object_get(o, "ideas");
    size_t na = json_array_size(arr), nshown, *ord = all ? NULL : malloc((na ? na : 1) * sizeof *ord);
    size_t nrow = all ? na : ord ? cli_ideas_order(arr, 0, ord, &nshown) : 0;
    for (size_t k = 0; k < nrow; k++) {
        json_t *it = json_array_get(arr, all ? k : ord[k]);
        char list[2048];
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        snprintf(num, sizeof num, "%d", (int)json_integer_value(json_object_get(it, "rank"))), csv_field(f, num, 0);
        csv_field(f, cli_jstr(it, "field"), 0);
        csv_field(f, cli_jstr(it, "label"), 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "score"))), csv_field(f, num, 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "relevance"))), csv_field(f, num, 0);
        snprintf(num, sizeof num, "%.3f", json_real_value(json_object_get(it, "surprise"))), csv_field(f, num, 0);
        int ex = json_is_true(json_object_get(it, "expected"));
        csv_field(f, ja ? (ex ? "はい" : "いいえ") : ex ? "1" : "0", 0);
        cli_jjoin(json_object_get(it, "bridge_terms"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "phrases"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "evidence"), "id", "; ", list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(it, "evidence"), "title", "; ", list, sizeof list), csv_field(f, list, 0);
        evidence_details(json_object_get(it, "evidence"), list, sizeof list), csv_field(f, list, 0);
        csv_field(f, cli_jstr(it, "idea"), 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "confidence"))), csv_field(f, num, 0);
        cli_jjoin(json_object_get(it, "also_fields"), NULL, "; ", list, sizeof list), csv_field(f, list, 0);
        cautions(it, ja, list, sizeof list), csv_field(f, list, 0);
        cli_jjoin(json_object_get(o, "warnings"), "message", " / ", list, sizeof list), csv_field(f, list, 0);
        const json_t *wj = json_object_get(it, "why");
        csv_field(f, wj ? cli_jstr(wj, "query") : "", 0);
        if (wj) snprintf(list, sizeof list, "%s: %s", cli_jstr(wj, "evidence_id"), cli_jstr(wj, "evidence"));
        csv_field(f, wj ? list : "", 0);
        csv_field(f, ja && *cli_jstr(it, "band_label") ? cli_jstr(it, "band_label") : cli_jstr(it, "band"), 0);
        csv_field(f, cli_jstr(it, "weak_reason"), 0);
        snprintf(num, sizeof num, "%.3f", json_real_value(json_object_get(it, "unexpected"))), csv_field(f, num, 0);
        csv_field(f, "", 1);
    }
    free(ord);
    if (json_array_size(json_object_get(o, "ideas")) == 0) { /* nothing: say why in one row */
        char list[2048];
        csv_field(f, qid, 0);
        csv_field(f, home, 0);
        for (int c = 2; c < NCOL - 1; c++) {
            if (!strcmp(cols[c].en, "warnings"))
                cli_jjoin(json_object_get(o, "warnings"), "message", " / ", list, sizeof list);
            else
                list[0] = 0;
            csv_field(f, list, 0);
        }
        csv_field(f, "", 1);
    }
}
