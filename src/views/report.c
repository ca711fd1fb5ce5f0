/*
 * report.c — a report to hand over: one patent's ideas (`tenyo ideas
 * --html`) or one company's matches (`tenyo match --html`, the page's
 * "report" button through GET /api/report) as one self-contained HTML file
 * that prints to A4 (PDF through the browser's print).
 *
 * What a reader gets, in order: the heading (what the report is, the date,
 * the index it came from and its size), the subject (the patent with its
 * abstract, or the company's text), the map (the fields' 2-D map of
 * tenyo_map: home fields ringed, each proposal or match marked and
 * numbered), then one block per proposal or match with every number said
 * one way (confidence as a percentage; 意外性 explained once in the legend),
 * its evidence, the why sentences with the shared words marked, and the
 * idea sentence; the notes of the answer last. The report renders the JSON
 * objects the commands print (cli_ideas_json, cli_match_json), so it says
 * exactly what --json says.
 *
 * Every text of a record goes through esc: HTML-escaped, and without
 * bidirectional controls (tenyo_text_bidi), which would reorder the rest
 * of a printed line. Design: inline CSS with @page A4, an inline SVG map
 * (its labels placed as the page's map places them, below), no script and
 * no external file, so that the file opens and prints anywhere, offline.
 * A card may continue on the next page between its parts (heading, idea,
 * why, evidence table; each part and table row kept whole, the border
 * closed on both pages): whole cards left a third of most pages blank. Rejected: writing PDF ourselves (a
 * PDF library for layout and CJK fonts the browser already has; headless
 * Chromium --print-to-pdf makes the PDF from this file).
 *
 * Who calls whom: called by serve/serve_api.c, cli/cmd_ideas.c,
 * cli/cmd_match.c; calls map_labels.c, render.c and the library
 * (tenyo.h).
 */
#include "views.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ============================================================ escaping */

/* s HTML-escaped to f, without its bidirectional controls
 * (tenyo_text_bidi): an unclosed U+202E in an applicant would reverse the
 * rest of the printed line. */
static void esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        size_t b = tenyo_text_bidi(s);
        if (b) {
            s += b - 1;
            continue;
        }
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* s escaped, every occurrence of the strings of array t inside <mark>
 * (ASCII without case at a word start, as the why matched them). */
static void esc_marked(FILE *f, const char *s, const json_t *t) {
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t best = cli_mark_len(s, n, i, t);
        if (best) {
            char *piece = strndup(s + i, best);
            fputs("<mark>", f);
            esc(f, piece);
            fputs("</mark>", f);
            free(piece);
            i += best;
        } else if ((best = tenyo_text_bidi(s + i))) {
            i += best; /* left out, as esc does */
        } else {
            char c[2] = {s[i++], 0};
            esc(f, c);
        }
    }
}

/* A 0..1 confidence as a percentage: 13%, 0.4%. */
static void pct(FILE *f, double c) {
    char b[64];
    cli_pct_text(b, sizeof b, c, 1);
    fputs(b, f);
}

/* Array of strings joined by sep, escaped. */
static void join(FILE *f, const json_t *a, const char *sep) {
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (i) fputs(sep, f);
        esc(f, json_string_value(v));
    }
}

/* ================================================================= map */

/* Field number of code, or -1. */
static int64_t field_of(const tenyo_index *x, const char *code) {
    const char *c;
    for (uint32_t j = 0; tenyo_index_field(x, j, &c, NULL) == TENYO_OK; j++)
        if (!strcmp(c, code)) return j;
    return -1;
}

/*
 * The map is the page's map in print: every field a grey dot sized by its
 * documents, the home fields ringed, the proposals or matches numbered in
 * orange, the query a star, and the largest fields named. Its labels are
 * placed as the page's are (tenyo_map_place_labels over boxes sized by
 * map_labels.c: inside the picture, never over another label or a
 * numbered mark): the numbers and the home fields first, then the largest
 * fields while room is left. Each label is drawn with its box's width as
 * textLength and its box in data-box (x,y,w,h in the SVG's units), so the
 * text never runs past the box and a test reads the layout from the SVG.
 * A number or home field left unnamed for lack of room is said under the
 * map.
 */
enum { MAP_W = 640, MAP_H = 400, MAP_PAD = 24, MAP_LARGEST = 8 };

/* What a thing on the report's map is (cli_map_item's tag): a numbered
 * proposal or match, a home field, the query, another field. */
enum { MAP_MARK, MAP_HOME, MAP_QUERY, MAP_FIELD };
static const char *const map_cls[] = {"mark", "home", "query", "field"};

/* The things on the map in placement order: the marks (n codes or docs),
 * the home fields, the query (a marker), the MAP_LARGEST largest other
 * fields with their titles, the rest as soft markers. 0, or -1 out of
 * memory. */
static int map_items(cli_map_labels *ml, const tenyo_ctx *ctx, const json_t *home,
                     const char *const *codes, const uint64_t *docs, int n) {
    const tenyo_index *x = ml->x;
    double xy[2];
    char t[160];
    for (int k = 0; k < n; k++) {
        int64_t j = docs ? -1 : field_of(x, codes[k]);
        int okp = docs ? tenyo_map_doc(ml->m, docs[k], xy) == TENYO_OK
                       : j >= 0 && tenyo_map_field(ml->m, (uint32_t)j, xy) == TENYO_OK;
        if (!okp) continue;
        snprintf(t, sizeof t, "%d%s%s", k + 1, docs ? "" : " ", docs ? "" : codes[k]);
        if (cli_map_labels_point(ml, xy, 6, t, j, 1, MAP_MARK)) return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(home, i, v) {
        int64_t j = field_of(x, json_string_value(v));
        const char *code;
        uint64_t cnt;
        if (j < 0 || tenyo_index_field(x, (uint32_t)j, &code, &cnt) != TENYO_OK) continue;
        if (cli_map_labels_field(ml, (uint32_t)j, cli_map_field_radius(cnt, ml->most) + 3,
                                 json_string_value(v), 1, MAP_HOME) < 0)
            return -1;
    }
    if (ctx && tenyo_map_query(ml->m, ctx, xy) == TENYO_OK &&
        cli_map_labels_point(ml, xy, 9, NULL, -1, 0, MAP_QUERY))
        return -1;
    return cli_map_labels_largest(ml, MAP_LARGEST, MAP_FIELD);
}

/* The map as inline SVG (see above). marks: n codes (fields) or docs. */
static void map_svg(FILE *f, const tenyo_index *x, const tenyo_ctx *ctx, const json_t *home,
                    const char *const *codes, const uint64_t *docs, int n, int ja) {
    tenyo_map *m = NULL;
    char err[256];
    if (tenyo_map_new(x, &m, err, sizeof err)) return;
    double lo[2] = {1e30, 1e30}, hi[2] = {-1e30, -1e30}, xy[2];
    uint32_t nf = 0;
    for (; tenyo_map_field(m, nf, xy) == TENYO_OK; nf++)
        for (int a = 0; a < 2; a++) {
            if (xy[a] < lo[a]) lo[a] = xy[a];
            if (xy[a] > hi[a]) hi[a] = xy[a];
        }
    for (int a = 0; a < 2; a++)
        if (hi[a] - lo[a] < 1e-9) hi[a] = lo[a] + 1;
    const cli_map_view view = {.x0 = lo[0], .y1 = hi[1], .pad = MAP_PAD,
                               .sx = (MAP_W - 2 * MAP_PAD) / (hi[0] - lo[0]),
                               .sy = (MAP_H - 2 * MAP_PAD) / (hi[1] - lo[1]),
                               .width = MAP_W, .height = MAP_H};
    cli_map_labels ml;
    if (!nf || cli_map_labels_init(&ml, x, m, &view, (size_t)n + json_array_size(home) + 1,
                                   ja ? "ja" : "en")) {
        tenyo_map_free(m);
        return;
    }
    if (map_items(&ml, ctx, home, codes, docs, n) || !ml.n) goto done;
    cli_map_labels_place(&ml);
    const tenyo_map_label *l = ml.l;
    const cli_map_item *it = ml.it;
    size_t c = ml.n;
    fprintf(f, "<section class=\"map\"><h2>%s</h2>\n<svg viewBox=\"0 0 %d %d\" width=\"100%%\" "
               "role=\"img\">\n<rect width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
            ja ? "分野マップ" : "Field map", MAP_W, MAP_H, MAP_W, MAP_H);
    for (size_t i = 0; i < c; i++) { /* the fields first, the rest over them */
        if (it[i].tag == MAP_FIELD)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#ccc\"/>\n", l[i].x, l[i].y,
                    l[i].r);
    }
    for (size_t i = 0; i < c; i++) {
        if (it[i].tag == MAP_HOME)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#ccc\" stroke=\"#1f5fa8\" "
                       "stroke-width=\"2\"/>\n", l[i].x, l[i].y, l[i].r - 2);
        else if (it[i].tag == MAP_MARK)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#d0531c\"/>\n", l[i].x, l[i].y);
        else if (it[i].tag == MAP_QUERY)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"query\">★</text>\n", l[i].x - 8,
                    l[i].y + 6);
    }
    char left[256] = "";
    for (size_t i = 0; i < c; i++) {
        if (!(l[i].w > 0)) continue;
        if (!l[i].placed) {
            size_t u = strlen(left);
            if (it[i].tag != MAP_FIELD && u + 24 < sizeof left)
                snprintf(left + u, sizeof left - u, "%s%s", u ? ", " : "", it[i].text);
            continue;
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" textLength=\"%.1f\" lengthAdjust=\"spacing\" "
                   "class=\"%s\" data-box=\"%.2f,%.2f,%.2f,%.2f\">", l[i].bx + 2,
                l[i].by + l[i].h - 3.5, l[i].w - 4, map_cls[it[i].tag], l[i].bx, l[i].by, l[i].w,
                l[i].h);
        esc(f, it[i].text);
        fputs("</text>\n", f);
    }
    fprintf(f, "</svg>\n<p class=\"legend\">%s", ja
            ? "灰色の点: 索引の各分野（IPC サブクラス、大きいほど特許が多い）。青い輪: 自社（本件）の分野。"
              "橙の番号: 下の提案・候補の番号。★: 本件（または会社の文章）の位置。近いほど使う語が似ています。"
            : "Grey dots: the index's fields (IPC subclasses; larger, more patents). Blue rings: "
              "the home fields. Orange numbers: the proposals or matches below. Star: the query. "
              "Closer means more shared vocabulary.");
    if (*left)
        fprintf(f, ja ? "地図に名前を置く余地がなかった点: %s。" : " No room on the map for the label of: %s.", left);
    fputs("</p></section>\n", f);
done:
    cli_map_labels_free(&ml);
    tenyo_map_free(m);
}

/* ================================================================ page */

static const char *css =
    "@page{size:A4;margin:14mm 13mm}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAexGothic',sans-serif;font-size:10pt;"
    "line-height:1.5;color:#222;max-width:180mm;margin:0 auto}"
    "h1{font-size:16pt;margin:0 0 2mm}h2{font-size:12pt;border-bottom:1px solid #999;margin:5mm 0 2mm}"
    "h2,h3{break-after:avoid;page-break-after:avoid}td:first-child{white-space:nowrap}"
    "h3{font-size:11pt;margin:0 0 1mm}.meta{color:#555;font-size:9pt}"
    ".card{border:1px solid #ccc;border-radius:2mm;padding:2mm 3.5mm;margin:2.5mm 0;"
    "box-decoration-break:clone;-webkit-box-decoration-break:clone}"
    ".card,.card>*,tr{break-inside:avoid;page-break-inside:avoid}.card p{margin:1mm 0}"
    "th,.date,.nw{white-space:nowrap}"
    ".card h3,.card .head{break-after:avoid;page-break-after:avoid}thead{display:table-header-group}"
    ".num{font-weight:bold;color:#d0531c}.k{color:#555}mark{background:#ffe58a}"
    "table{border-collapse:collapse;width:100%;font-size:9pt}td,th{border-bottom:1px solid #eee;"
    "padding:0.6mm 1mm;text-align:left;vertical-align:top}"
    ".why{background:#f6f6f6;padding:1.5mm 2mm;margin:1.5mm 0}"
    ".idea{font-weight:bold}.legend{font-size:8.5pt;color:#555}"
    "svg text{font-size:11px}svg .mark{fill:#b8410f;font-weight:bold}svg .field{fill:#666}svg .home{fill:#1f5fa8}"
    "svg .query{font-size:16px;fill:#000}.map{break-inside:avoid}"
    ".kept{font-size:9pt;color:#fff;background:#2e7d32;border-radius:1mm;padding:0 1.5mm}"
    ".abs{white-space:pre-wrap;font-size:9pt}";

/* The space between the parts of a line: the ideographic space in
 * Japanese, a middle dot between spaces in English (full-width signs in
 * an English report read as a mistake). */
static const char *gap(int ja) { return ja ? "　" : " · "; }

/* The heading: what, when, from which index. */
static void head(FILE *f, const tenyo_index *x, const char *path, const char *title, int ja) {
    char day[32] = "";
    time_t now = time(NULL);
    struct tm tmv;
    if (localtime_r(&now, &tmv)) strftime(day, sizeof day, "%Y-%m-%d", &tmv);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
            ja ? "ja" : "en");
    esc(f, title);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>", css);
    esc(f, title);
    fprintf(f, "</h1>\n<p class=\"meta\">%s %s%s%s ", ja ? "作成日" : "Date", day, gap(ja),
            ja ? "索引" : "Index");
    esc(f, path);
    fprintf(f, ja ? "（%llu 件の特許、うち開放特許 %llu 件）　tenyo %s</p>\n"
                  : " (%llu patents, %llu licensable) · tenyo %s</p>\n",
            (unsigned long long)in.ndocs, (unsigned long long)in.nopen, tenyo_version());
}

/* The legend of the numbers, once. */
static void legend(FILE *f, int ja) {
    const char *l = ja ? "ja" : "en";
    fprintf(f, "<h2>%s</h2><p class=\"legend\">", ja ? "数値の見方" : "Reading the numbers");
    esc(f, tenyo_idea_legend("bands", l));
    fputs("<br>", f);
    esc(f, tenyo_idea_legend("confidence", l));
    fputs("<br>", f);
    esc(f, tenyo_idea_legend("unexpected", l));
    fprintf(f, "<br>%s</p>\n",
            ja ? "類似度: 文章・特許の語の重なり（0〜1）。"
                 "共通する語: 両方の文に現れる具体的な語（文中で <mark>強調</mark>）。"
               : "Similarity: overlap of vocabulary (0 to 1). Shared words: "
                 "specific words in both sentences (<mark>marked</mark>).");
}

/* Notes of the answer, for the reader of a printed report: a predicted
 * home is said beside the home fields, not as advice to run the command
 * again with --home (the reader is a client, not the analyst). */
static void notes(FILE *f, const json_t *o, int ja) {
    const json_t *w = json_object_get(o, "warnings");
    size_t i, shown = 0;
    json_t *v;
    json_array_foreach(w, i, v) shown += strcmp(cli_jstr(v, "code"), "home_predicted") != 0;
    if (!shown) return;
    fprintf(f, "<h2>%s</h2><ul>\n", ja ? "注意" : "Notes");
    json_array_foreach(w, i, v) {
        if (!strcmp(cli_jstr(v, "code"), "home_predicted")) continue;
        fputs("<li>", f);
        esc(f, cli_jstr(v, "message"));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The analyst's decisions of the list (o's "worksheet", set by
 * cli_ideas_ws_report): how many cards kept, which rejected (with their
 * notes), the struck words and the focus. Nothing without decisions. */
static void ws_decisions(FILE *f, const json_t *o, int ja) {
    const json_t *w = json_object_get(o, "worksheet");
    const json_t *kept = json_object_get(w, "kept"), *rej = json_object_get(w, "rejected"),
                 *st = json_object_get(w, "strike");
    const char *focus = cli_jstr(w, "focus"), *ft = cli_jstr(w, "focus_text");
    if (!json_array_size(kept) && !json_array_size(rej) && !json_array_size(st) && !*focus && !*ft)
        return;
    fprintf(f, "<h2>%s</h2><ul class=\"ws\">\n",
            ja ? "作業シートの判断（この一覧に反映済み）" : "The analyst's decisions (applied to this list)");
    if (json_array_size(kept)) {
        fprintf(f, "<li><span class=\"k\">%s</span> ", ja ? "採用" : "Kept");
        join(f, kept, ", ");
        fputs("</li>\n", f);
    }
    if (json_array_size(rej)) {
        fprintf(f, "<li><span class=\"k\">%s</span> ",
                ja ? "却下（一覧から外したカード）" : "Rejected (taken off the list)");
        size_t i;
        json_t *r;
        json_array_foreach(rej, i, r) {
            if (i) fputs(", ", f);
            esc(f, cli_jstr(r, "field"));
            if (*cli_jstr(r, "note")) {
                fputs(ja ? "（" : " (", f);
                esc(f, cli_jstr(r, "note"));
                fputs(ja ? "）" : ")", f);
            }
        }
        fputs("</li>\n", f);
    }
    if (json_array_size(st)) {
        fprintf(f, "<li><span class=\"k\">%s</span> ",
                ja ? "除外した語（別の意味）" : "Struck words (another sense)");
        join(f, st, ja ? "・" : ", ");
        fputs("</li>\n", f);
    }
    if (*focus) {
        fprintf(f, "<li><span class=\"k\">%s</span> ", ja ? "選んだ文" : "Chosen sentences");
        esc(f, focus);
        fputs("</li>\n", f);
    } else if (*ft) {
        fprintf(f, "<li><span class=\"k\">%s</span> ", ja ? "焦点のテキスト" : "Focus text");
        esc(f, ft);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* One proposal of an ideas object. */
static void idea_card(FILE *f, const json_t *it, int rank, int ja) {
    fprintf(f, "<div class=\"card\"><h3><span class=\"num\">%d.</span> ", rank);
    if (*cli_jstr(it, "band_label")) {
        fputs("[", f);
        esc(f, cli_jstr(it, "band_label"));
        fputs("] ", f);
    }
    esc(f, cli_jstr(it, "field"));
    fputs(" ", f);
    esc(f, cli_jstr(it, "label"));
    if (!strcmp(cli_jstr(it, "decision"), "kept")) /* the analyst's (a worksheet's) */
        fprintf(f, " <span class=\"kept\">%s</span>", ja ? "採用" : "kept");
    fprintf(f, "</h3>\n<p><span class=\"k\">%s</span> ", ja ? "確信度" : "Confidence");
    pct(f, json_real_value(json_object_get(it, "confidence")));
    fprintf(f, "%s<span class=\"k\">%s</span> %.2f", gap(ja), ja ? "意外性" : "Unexpected",
            json_real_value(json_object_get(it, "unexpected")));
    if (*cli_jstr(it, "weak_reason")) {
        fprintf(f, "<br><span class=\"k\">%s</span> ", ja ? "弱い点" : "Weak");
        esc(f, cli_jstr(it, "weak_reason"));
    }
    const json_t *bt = json_object_get(it, "bridge_terms");
    if (json_array_size(bt)) {
        fprintf(f, "%s<span class=\"k\">%s</span> ", gap(ja), ja ? "橋渡し語" : "Bridge terms");
        join(f, bt, ja ? "・" : ", ");
    }
    const json_t *sw = json_object_get(it, "struck"); /* a steered list: what it lost */
    if (json_array_size(sw)) {
        fprintf(f, "<br><span class=\"k\">%s</span> ",
                ja ? "除外した語（別の意味）" : "Struck words (another sense)");
        join(f, sw, ja ? "・" : ", ");
    }
    const json_t *ph = json_object_get(it, "phrases");
    if (json_array_size(ph)) {
        fprintf(f, "<br><span class=\"k\">%s</span> ", ja ? "用途表現" : "Applications");
        join(f, ph, ja ? "、" : "; ");
    }
    fputs("</p>\n<p class=\"idea\">→ ", f);
    esc(f, cli_jstr(it, "idea"));
    fputs("</p>\n", f);
    if (*cli_jstr(it, "note")) { /* the analyst's note (a worksheet's) */
        fprintf(f, "<p class=\"note\"><span class=\"k\">%s</span> ", ja ? "メモ" : "Note");
        esc(f, cli_jstr(it, "note"));
        fputs("</p>\n", f);
    }
    const json_t *w = json_object_get(it, "why");
    if (w && json_is_object(w)) {
        const json_t *t = json_object_get(w, "terms");
        fprintf(f, "<div class=\"why\"><span class=\"k\">%s</span> ", ja ? "理由　本件:" : "Why — this patent:");
        esc_marked(f, cli_jstr(w, "query"), t);
        fprintf(f, "<br><span class=\"k\">%s ", ja ? "　　　根拠" : "— evidence");
        esc(f, cli_jstr(w, "evidence_id"));
        fputs(":</span> ", f);
        esc_marked(f, cli_jstr(w, "evidence"), t);
        fputs("</div>\n", f);
    }
    fprintf(f, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n",
            ja ? "根拠特許" : "Evidence", ja ? "発明の名称" : "Title", ja ? "出願人・公知日" : "Applicant, date",
            ja ? "類似度" : "Similarity");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(it, "evidence"), i, e) {
        fputs("<tr><td>", f);
        esc(f, cli_jstr(e, "id"));
        fputs("</td><td>", f);
        esc(f, cli_jstr(e, "title"));
        fputs("</td><td>", f);
        esc(f, cli_jstr(e, "applicant"));
        fputs(" <span class=\"date\">", f);
        esc(f, cli_jstr(e, "date"));
        fprintf(f, "</span></td><td class=\"nw\">%.2f</td></tr>\n",
                json_real_value(json_object_get(e, "similarity")));
    }
    fputs("</table></div>\n", f);
}

int cli_report_ideas(FILE *f, const tenyo_index *x, tenyo_ctx *ctx, const json_t *o,
                     const char *path, const char *lang) {
    int ja = strcmp(lang, "en") != 0;
    const json_t *q = json_object_get(o, "query");
    head(f, x, path, ja ? "技術転用提案レポート" : "Technology transfer report", ja);
    fprintf(f, "<h2>%s</h2>\n", ja ? "対象" : "Subject");
    const char *id = cli_jstr(q, "id");
    int64_t doc = *id ? tenyo_index_find(x, id) : -1;
    if (doc >= 0) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, (uint64_t)doc, &dm);
        fputs("<p><b>", f);
        esc(f, dm.id);
        fputs("</b>", f);
        fputs(gap(ja), f);
        esc(f, dm.title);
        fputs("<br><span class=\"meta\">", f);
        esc(f, dm.applicant);
        fputs(gap(ja), f);
        fputs("<span class=\"date\">", f);
        esc(f, dm.date);
        fputs("</span>", f);
        fputs(gap(ja), f);
        esc(f, dm.fields);
        fputs("</span></p>\n", f);
        const char *ab = NULL;
        size_t al = 0;
        if (ctx && tenyo_doc_abstract(ctx, (uint64_t)doc, &ab, &al) == TENYO_OK && al) {
            fputs("<p class=\"abs\">", f);
            esc(f, ab);
            fputs("</p>\n", f);
        }
    } else {
        fputs("<p class=\"abs\">", f);
        esc(f, cli_jstr(q, "text"));
        fputs("</p>\n", f);
    }
    fprintf(f, "<p><span class=\"k\">%s</span> ", ja ? "自社（本件）の分野" : "Home fields");
    join(f, json_object_get(q, "home"), ", ");
    if (json_is_true(json_object_get(q, "home_predicted"))) fputs(ja ? "（推定）" : " (predicted)", f);
    fputs("</p>\n", f);
    const json_t *ideas = json_object_get(o, "ideas");
    const char *codes[64] = {0};
    int n = 0;
    size_t i, na = json_array_size(ideas), nshown;
    json_t *it;
    /* the list shown by default, in its order; the others named after it */
    size_t *ord = calloc(na ? na : 1, sizeof *ord);
    if (!ord) return -1;
    size_t nord = cli_ideas_order(ideas, 0, ord, &nshown);
    for (size_t k = 0; k < nord && n < 64; k++) codes[n++] = cli_jstr(json_array_get(ideas, ord[k]), "field");
    map_svg(f, x, ctx, json_object_get(q, "home"), codes, NULL, n, ja);
    fprintf(f, ja ? "<h2>%s（%d %s）</h2>\n" : "<h2>%s (%d %s)</h2>\n", ja ? "転用の提案" : "Proposals", n,
            ja ? "件" : (n == 1 ? "proposal" : "proposals"));
    for (size_t k = 0; k < nord; k++) idea_card(f, json_array_get(ideas, ord[k]), (int)k + 1, ja);
    free(ord);
    if (na > nshown) {
        fprintf(f, "<p>%s", ja ? "一覧に入らなかったほかのカード（判定器の評価が低いため省略）: "
                                : "Other cards, left out of the list (the judge trusts them less): ");
        int first = 1;
        json_array_foreach(ideas, i, it) {
            if (json_integer_value(json_object_get(it, "shown")) > 0) continue;
            fputs(first ? "" : ", ", f);
            esc(f, cli_jstr(it, "field"));
            first = 0;
        }
        fputs("</p>\n", f);
    }
    if (!n) fprintf(f, "<p>%s</p>\n", ja ? "提案はありません。" : "No proposal.");
    ws_decisions(f, o, ja);
    notes(f, o, ja);
    legend(f, ja);
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}

int cli_report_match(FILE *f, const tenyo_index *x, tenyo_ctx *ctx, const json_t *o,
                     const char *path, const char *lang) {
    int ja = strcmp(lang, "en") != 0;
    const json_t *q = json_object_get(o, "query");
    head(f, x, path, ja ? "開放特許マッチングレポート" : "Licensable patent matching report", ja);
    fprintf(f, "<h2>%s</h2>\n<p class=\"abs\">", ja ? "会社の強み（入力）" : "The company (as described)");
    esc(f, cli_jstr(q, "text"));
    fprintf(f, "</p>\n<p><span class=\"k\">%s</span> ", ja ? "自社の分野" : "Home fields");
    join(f, json_object_get(q, "home"), ", ");
    if (json_is_true(json_object_get(q, "home_predicted")))
        fputs(ja ? "（文章から推定）" : " (predicted from the text)", f);
    if (!json_is_true(json_object_get(q, "licence_known")))
        fputs(ja ? "<br><b>ライセンスの可否は未確認です（開放特許の一覧が読み込まれていません）。</b>"
                 : "<br><b>Licence status unknown (no list of licensable patents loaded).</b>", f);
    fputs("</p>\n", f);
    const json_t *ms = json_object_get(o, "matches");
    uint64_t docs[100];
    int n = 0;
    size_t i, j;
    json_t *m, *u;
    json_array_foreach(ms, i, m) {
        int64_t d = tenyo_index_find(x, cli_jstr(m, "id"));
        if (d >= 0 && n < 100) docs[n++] = (uint64_t)d;
    }
    map_svg(f, x, ctx, json_object_get(q, "home"), NULL, docs, n, ja);
    fprintf(f, ja ? "<h2>%s（%zu %s）</h2>\n" : "<h2>%s (%zu %s)</h2>\n",
            ja ? "使える特許と作れるもの" : "Patents and what they could make",
            json_array_size(ms), ja ? "件" : "patents");
    json_array_foreach(ms, i, m) {
        fprintf(f, "<div class=\"card\"><h3><span class=\"num\">%d.</span> ", (int)i + 1);
        if (*cli_jstr(m, "band_label")) { /* as the ideas report's cards */
            fputs("[", f);
            esc(f, cli_jstr(m, "band_label"));
            fputs("] ", f);
        }
        esc(f, cli_jstr(m, "id"));
        fputs(gap(ja), f);
        esc(f, cli_jstr(m, "title"));
        fputs("</h3>\n<p class=\"meta\">", f);
        esc(f, cli_jstr(m, "applicant"));
        fputs(gap(ja), f);
        fputs("<span class=\"date\">", f);
        esc(f, cli_jstr(m, "date"));
        fputs("</span>", f);
        fputs(gap(ja), f);
        join(f, json_object_get(m, "fields"), ",");
        if (*cli_jstr(m, "weak_reason")) {
            fprintf(f, "<br><span class=\"k\">%s</span> ", ja ? "弱い点" : "Weak");
            esc(f, cli_jstr(m, "weak_reason"));
        }
        fputs("</p>\n<p class=\"meta\">", f);
        esc(f, cli_jstr(json_object_get(m, "fit"), "explain"));
        fputs("</p>\n", f);
        const json_t *w = json_object_get(m, "why");
        if (w) {
            const json_t *t = json_object_get(w, "terms");
            fprintf(f, "<div class=\"why\"><span class=\"k\">%s ", ja ? "合う理由（共通する語:" : "Why it fits (shared:");
            join(f, t, ja ? "・" : ", ");
            fprintf(f, "%s</span><br>%s ", ja ? "）" : ")", ja ? "会社:" : "Company:");
            esc_marked(f, cli_jstr(w, "company"), t);
            fprintf(f, "<br>%s ", ja ? "特許:" : "Patent:");
            esc_marked(f, cli_jstr(w, "patent"), t);
            fputs("</div>\n", f);
        }
        const json_t *ap = json_object_get(m, "application"), *cu = json_object_get(m, "company_use");
        if (json_is_object(cu)) { /* the company's clause joined to the patent's */
            fprintf(f, "<p class=\"idea\">→ %s: ", ja ? "使い道" : "Use");
            esc(f, cli_jstr(cu, "use"));
            fputs("</p>\n", f);
        }
        fprintf(f, "<p class=\"idea\">→ %s ", ja ? "作れるもの（確信度" : "Could make (confidence");
        esc(f, cli_jstr(m, "confidence_text"));
        fputs(ja ? "）: " : "): ", f);
        esc(f, json_is_object(ap) ? cli_jstr(ap, "use") : cli_jstr(m, "application_none"));
        fputs("</p>\n", f);
        const json_t *uses = json_object_get(m, "uses");
        if (json_array_size(uses)) {
            fprintf(f, "<p class=\"meta\">%s: ", ja ? "会社の文章から見た他の分野" : "Other fields from the company's text");
            json_array_foreach(uses, j, u) {
                if (j) fputs(", ", f);
                esc(f, cli_jstr(u, "field"));
                fputs(" ", f);
                esc(f, cli_jstr(u, "label"));
                fputs(" ", f);
                pct(f, json_real_value(json_object_get(u, "confidence")));
            }
            fputs("</p>\n", f);
        }
        if (*cli_jstr(m, "link")) {
            fputs("<p class=\"meta\">", f);
            esc(f, cli_jstr(m, "link"));
            fputs("</p>\n", f);
        }
        fputs("</div>\n", f);
    }
    notes(f, o, ja);
    legend(f, ja);
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
