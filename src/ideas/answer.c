/*
 * answer.c — the results of ideas, match, similar and search as JSON, in
 * the one schema that the command line's --json prints, the HTTP server
 * (POST /api/ideas, /api/match, ...) answers with and the Python binding
 * returns (json.loads of the same text): tenyo_ideas_json, tenyo_match_json,
 * tenyo_similar_json, tenyo_search_json. The idea sentence
 * (tenyo_idea_sentence) and a record's public link (tenyo_doc_link) are
 * built here too, so that no embedder rebuilds them.
 *
 * Design: the library renders the JSON (jansson; this file and the two
 * readers of JSON input, io/jsonl.c and store/manifest.c, are its only
 * users) from an answer the caller already has (the ideas or matches of
 * the last call on the context), and returns it as a malloc'd string. A
 * binding parses that string instead of rebuilding the members from the
 * structs, so the members, their names and their values cannot drift
 * between the command line, the server and the bindings. Rejected: a
 * tenyo_result handle with one getter per member (dozens of calls to
 * keep in step with the JSON, and the JSON would still be a second copy),
 * and building the JSON in the CLI (the state of 2026: Python then rebuilt
 * its own, thinner dicts with other names).
 *
 * The idea sentence: bridge terms, the field, the best application
 * phrase written in the answer's language that names a use in the field,
 * and the evidence it came from: "画像・撮像に関する本技術を、医療
 * （A61B）分野の「内視鏡装置」に転用できる可能性（根拠: 特開…「…」）".
 * The use sentence of a match names the patent itself (not the
 * proposal's best evidence, as the idea sentence does): "特開… を、医療
 * （A61B）分野の「内視鏡装置」で活用できる可能性（共通する語: 画像・撮
 * 像）". Its phrase is one of the patent's own application phrases in
 * that field, or one the field's evidence names, or none.
 */
#include "tenyo.h"
#include "api/api.h"
#include "ideas/stages.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NBRIDGE 5
#define NPHRASE 3
#define MATCH_PHRASES 6      /* phrases looked through per use */

/* ============================================================ helpers */

/* Comma-separated string -> JSON array of its non-empty parts. */
static json_t *json_list(const char *csv) {
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

/* String member key of object o, "" when absent. */
static const char *jstr(const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* s on one line: each run of line breaks and tabs (US abstracts used as
 * titles hold them) as one space, into out (cap > 0), never cut inside a
 * character; returns out. */
static char *one_line(const char *s, char *out, size_t cap) {
    size_t n = 0;
    const char *p = s ? s : "";
    for (; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            if (n && out[n - 1] != ' ') out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    if (((unsigned char)*p & 0xC0) == 0x80) { /* cut inside a character: drop its start */
        while (n && ((unsigned char)out[n - 1] & 0xC0) == 0x80) n--;
        if (n) n--;
    }
    out[n] = 0;
    return out;
}

/* o as the compact text the command line prints (members in insertion
 * order), into *out; o is released. */
static int dump(json_t *o, char **out) {
    *out = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(o);
    return *out ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* ============================================================== links */

/* Digits of s[0..) after skipping '-', '/' and spaces, into out (cap). */
static size_t digits(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        if (*s >= '0' && *s <= '9') out[n++] = *s;
        else if (*s != '-' && *s != '/' && *s != ' ') break;
    }
    out[n] = 0;
    return n;
}

const char *tenyo_doc_link(const char *id, char *buf, size_t cap) {
    static const char jpp[] = "https://www.j-platpat.inpit.go.jp/c1801/PU/JP-";
    static const char gp[] = "https://patents.google.com/patent/";
    char d[32];
    if (!buf || !cap) return "";
    buf[0] = 0;
    if (!id) return buf;
    /* J-PlatPat's fixed addresses (2024): JP-YYYY-NNNNNN/11 for a
     * publication of an application (特開), JP-N/15 for a granted patent
     * (特許), JP-N/25 for a registered utility model (実登); other
     * Japanese forms and US numbers on Google Patents */
    if (!strncmp(id, "特開", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, d, d + 4);
    else if (!strncmp(id, "特許", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/15/ja", jpp, d);
    else if (!strncmp(id, "実登", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/25/ja", jpp, d);
    else if (!strncmp(id, "特表", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%sJP%sA/ja", gp, d);
    else if (!strncmp(id, "特開平", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPH%sA/ja", gp, d);
    else if (!strncmp(id, "特開昭", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPS%sA/ja", gp, d);
    else if (!strncmp(id, "再表", 6) && digits(id + 6, d, sizeof d) >= 8)
        snprintf(buf, cap, "%sWO%sA1/ja", gp, d);
    else {
        char key[64];
        if (tenyo_patno_key(id, key, sizeof key) == 1) {
            if (!strncmp(key, "us", 2) && strspn(key + 2, "0123456789") == strlen(key + 2) &&
                key[2])
                snprintf(buf, cap, "%sUS%s/en", gp, key + 2);
            else if (!strncmp(key, "jp", 2) && strlen(key + 2) == 10 &&
                     strspn(key + 2, "0123456789") == 10)
                snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, key + 2, key + 6);
        }
    }
    return buf;
}

/* ============================================================== ideas */

static const char *band_code(int band) {
    return band == TENYO_BAND_STRONG ? "strong" : band == TENYO_BAND_CANDIDATE ? "candidate" : "reference";
}

static const char *band_label(int band, const char *lang) {
    int ja = !lang || strcmp(lang, "en");
    if (band == TENYO_BAND_STRONG) return ja ? "有力" : "strong";
    if (band == TENYO_BAND_CANDIDATE) return ja ? "候補" : "candidate";
    return ja ? "参考" : "for reference";
}

static const struct { unsigned bit; const char *code, *ja, *en; } weak_text[] = {
    {TENYO_WEAK_FEW_WORDS, "few_words", "同じ根拠特許と共有する具体的な語が 4 語未満",
     "fewer than 4 specific words shared with any one evidence patent"},
    {TENYO_WEAK_GENERIC, "generic_words", "共通語の多くが一般的な語", "the shared words are mostly generic"},
    {TENYO_WEAK_ONE_WORD, "one_word", "共通の内容が 1 語に偏る", "the shared content rests on one word"},
    {TENYO_WEAK_ONE_PATENT, "one_patent", "根拠特許が 1 件だけ", "one evidence patent only"},
    {TENYO_WEAK_PORTFOLIO, "one_applicant", "根拠が 1 出願人の特許だけ", "the evidence is one applicant's patents"},
    {TENYO_WEAK_SIDE_CODE, "side_code", "共通語がこの分野を示さず、根拠特許の副分類にすぎない",
     "no shared word names the field: it is only a side code of the evidence"},
    {TENYO_WEAK_LOW_CONFIDENCE, "low_confidence", "実際の用途である見込みが低い（確信度 3% 未満）",
     "the field is rarely a real use of such a patent (confidence below 3%)"},
    {TENYO_WEAK_NO_USE, "no_use", "確かな用途が見つからない", "no credible use found"},
    {TENYO_WEAK_TWO_SENSES, "two_senses", "共通語が両側で別の語と使われ、別の意味の可能性",
     "the shared words stand among different words on each side: likely two senses"},
    {TENYO_WEAK_NO_TERM, "no_term", "両側が語として使う具体的な共通語がない",
     "no specific word that both texts write as a word"}};

static const char *weak_code(unsigned bit) {
    for (size_t i = 0; i < sizeof weak_text / sizeof weak_text[0]; i++)
        if (weak_text[i].bit == bit) return weak_text[i].code;
    return "";
}

static void weak_reason(unsigned weak, int band, const char *lang, char *out, size_t cap) {
    int ja = !lang || strcmp(lang, "en");
    size_t l = 0;
    out[0] = 0;
    if (band == TENYO_BAND_STRONG || !cap) return;
    for (size_t i = 0; i < sizeof weak_text / sizeof weak_text[0] && l < cap; i++)
        if (weak & weak_text[i].bit)
            l += (size_t)snprintf(out + l, cap - l, "%s%s", l ? (ja ? "、" : "; ") : "",
                                  ja ? weak_text[i].ja : weak_text[i].en);
}

static const struct { const char *key, *ja, *en; } legend_text[] = {
    {"confidence", "確信度: この種の特許がその分野にも実際に分類される確率（共分類の実績から推定）",
     "confidence: the probability that such a patent really is classified in the field too (estimated from co-classifications)"},
    {"unexpected", "意外性: 本件の分野の特許がその分野に分類されることの珍しさ（0 = よくある、1 = ほぼ例がない）",
     "unexpected: how rarely patents of the home fields are also classified in the field (0 = common, 1 = almost never)"},
    {"bands", "有力・候補・参考 = 分析者が根拠として使えると判断する見込みの高い順（これまでの読み手の判定から学んだ判定器による）。弱い点は理由として表示",
     "strong, candidate, for reference = how likely an analyst is to find the card usable, highest first "
     "(a judge fitted on earlier readers' labels); weak points are shown as reasons"}};

const char *tenyo_idea_legend(const char *key, const char *lang) {
    if (!key) return ""; /* as an unknown key */
    int ja = !lang || strcmp(lang, "en");
    for (size_t i = 0; i < sizeof legend_text / sizeof legend_text[0]; i++)
        if (!strcmp(legend_text[i].key, key)) return ja ? legend_text[i].ja : legend_text[i].en;
    return "";
}

static json_t *ideas_legend(void) {
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof legend_text / sizeof legend_text[0]; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "ja", json_string(legend_text[i].ja));
        json_object_set_new(e, "en", json_string(legend_text[i].en));
        json_object_set_new(o, legend_text[i].key, e);
    }
    return o;
}

/* The idea sentence: bridge terms, the field, the best application phrase
 * when there is one, and the evidence it came from. */
static void sentence(char *out, size_t len, const char *lang, const char **bt,
                     int nb, const char *code, const char *label,
                     const tenyo_phrase *ph, const tenyo_doc_meta *ev) {
    char terms[512] = "", head[256];
    int ja = !strcmp(lang, "ja");
    for (int i = 0; i < nb && i < 3; i++) {
        size_t l = strlen(terms);
        snprintf(terms + l, sizeof terms - l, "%s%s", i ? (ja ? "・" : ", ") : "", bt[i]);
    }
    snprintf(head, sizeof head, "%s", label); /* whole: 診断；手術 cut at 「；」 said 診断 */
    const char *id = ev ? ev->id : "-";
    /* the title on one line: a US abstract used as a title holds line
     * breaks, which the sentence (text, JSON, CSV, the page) must not */
    char title[1024];
    one_line(ev ? ev->title : "", title, sizeof title);
    if (ph && !ph->field_fit) ph = NULL; /* quote only a use in the field */
    if (ja && ph)
        snprintf(out, len, "%s%s本技術を、%s（%s）分野の「%.*s」に転用できる可能性（根拠: %s「%s」）",
                 terms, nb ? "に関する" : "", head, code, (int)ph->target_len, ph->target,
                 id, title);
    else if (ja)
        snprintf(out, len, "%s%s本技術を、%s（%s）分野に転用できる可能性（根拠: %s「%s」）",
                 terms, nb ? "に関する" : "", head, code, id, title);
    else if (ph)
        snprintf(out, len, "The technology%s%s could be applied in %s (%s), e.g. \"%s\" "
                 "(evidence: %s \"%s\")", nb ? " around " : "", terms, head, code,
                 ph->text, id, title);
    else
        snprintf(out, len, "The technology%s%s could be applied in %s (%s) (evidence: %s \"%s\")",
                 nb ? " around " : "", terms, head, code, id, title);
}

/* Bridge terms (into bt, NBRIDGE entries; returns their count), phrases
 * (into ph, NPHRASE entries; count in *nph), label and idea sentence of one
 * proposal of the last ideas call on ctx. */
static int explain(const tenyo_index *x, const tenyo_ctx *ctx,
                   const tenyo_idea *idea, const char *lang, const char **bt,
                   tenyo_phrase *ph, int *nph, const char **label, char *sent,
                   size_t sentlen, uint64_t why_doc) {
    int nb = tenyo_idea_bridge(ctx, idea, NBRIDGE, bt);
    if (nb < 0) nb = 0;
    *nph = tenyo_idea_phrases(ctx, idea, NPHRASE, ph);
    if (*nph < 0) *nph = 0;
    *label = tenyo_field_label(x, idea->code, lang);
    tenyo_doc_meta ev;
    /* the sentence quotes the best phrase written in its language (an
     * English sentence does not quote 「車両用」) that names a use in the
     * field, and cites the patent the phrase came from. One card, one
     * citation: with a why, only a phrase of the patent the why quotes
     * (a phrase of another evidence patent beside a why from this one read
     * as two sources to Protocol A's readers); the other phrases stay
     * listed on the card. */
    const tenyo_phrase *use = NULL;
    for (int i = 0; i < *nph && !use; i++) {
        int ascii = 1;
        for (const char *q = ph[i].text; *q && ascii; q++) ascii = (unsigned char)*q < 0x80;
        if (ascii == !strcmp(lang, "en") && ph[i].field_fit &&
            (why_doc == UINT64_MAX || ph[i].doc == why_doc))
            use = &ph[i];
    }
    /* without a phrase, the patent the why quotes */
    uint64_t evdoc = use                      ? use->doc
                     : why_doc != UINT64_MAX  ? why_doc
                     : idea->nevidence        ? idea->evidence[0].doc
                                              : UINT64_MAX;
    int hasev = evdoc != UINT64_MAX && tenyo_index_doc(x, evdoc, &ev) == TENYO_OK;
    sentence(sent, sentlen, lang, bt, nb, idea->code, *label, use, hasev ? &ev : NULL);
    return nb;
}

/* The judge's probability and the facts it weighed (eval/fit_judge.py
 * --cards reads them). */
static void judge_members(const tenyo_ctx *ctx, const tenyo_idea *idea, json_t *it) {
    json_object_set_new(it, "judge", json_real(idea->judge));
    json_object_set_new(it, "sense", json_real(idea->sense));
    double f[TY_CJ_N];
    if (ty_card_facts(ctx, idea, f)) return;
    json_t *jf = json_object();
    const char *const *names = ty_judge_card_names();
    for (int i = 1; i < TY_CJ_N; i++) json_object_set_new(jf, names[i] + strlen("card."), json_real(f[i]));
    json_object_set_new(it, "judge_facts", jf);
}

/* One proposal as JSON (the schema of README "ideas --json"). */
static json_t *idea_json(const tenyo_index *x, const tenyo_idea *idea, int rank,
                         const char *label, const char **bt, int nb,
                         const tenyo_phrase *ph, int nph, const char *sent,
                         const char *lang, int with_evidence) {
    json_t *it = json_object(), *b = json_array(), *e = json_array();
    json_object_set_new(it, "rank", json_integer(rank));
    json_object_set_new(it, "field", json_string(idea->code));
    json_object_set_new(it, "label", json_string(label));
    json_object_set_new(it, "label_ja", json_string(tenyo_field_label(x, idea->code, "ja")));
    json_object_set_new(it, "label_en", json_string(tenyo_field_label(x, idea->code, "en")));
    json_object_set_new(it, "score", json_real(idea->score));
    json_object_set_new(it, "confidence", json_real(idea->confidence));
    json_object_set_new(it, "usable", json_real(idea->usable));
    json_object_set_new(it, "content", json_real(idea->content));
    json_object_set_new(it, "unexpected", json_real(idea->unexpected));
    json_object_set_new(it, "band", json_string(band_code(idea->band)));
    json_object_set_new(it, "band_label", json_string(band_label(idea->band, lang)));
    json_object_set_new(it, "shown", json_integer(idea->shown));
    json_t *weak = json_array();
    char reason[512];
    for (unsigned k = 1; k <= TENYO_WEAK_NO_TERM; k <<= 1)
        if ((idea->weak & k) && k != TENYO_WEAK_NO_USE) json_array_append_new(weak, json_string(weak_code(k)));
    json_object_set_new(it, "weak", weak);
    weak_reason(idea->weak, -1, lang, reason, sizeof reason); /* every weak point, whatever the judge made of it */
    json_object_set_new(it, "weak_reason", json_string(reason));
    json_t *also = json_array();
    for (int k = 0; k < idea->nalso; k++) json_array_append_new(also, json_string(idea->also[k]));
    json_object_set_new(it, "also_fields", also);
    json_object_set_new(it, "support", json_integer(idea->support));
    json_t *why = json_array();
    static const struct { unsigned f; const char *s; } wf[] = {
        {TENYO_IDEA_ONE_PATENT, "one_patent"}, {TENYO_IDEA_ONE_WORD, "one_word"},
        {TENYO_IDEA_GENERIC, "generic_words"}, {TENYO_IDEA_TITLE_ONLY, "title_only_evidence"}};
    for (size_t k = 0; k < sizeof wf / sizeof wf[0]; k++)
        if (idea->flags & wf[k].f) json_array_append_new(why, json_string(wf[k].s));
    json_object_set_new(it, "cautions", why);
    json_t *basis = json_object();
    json_object_set_new(basis, "vote_share", json_real(idea->basis.vote_share));
    json_object_set_new(basis, "prior", json_real(idea->basis.prior));
    json_object_set_new(basis, "field_share", json_real(idea->basis.field_share));
    json_object_set_new(basis, "focus", json_real(idea->focus));
    json_object_set_new(basis, "generic_share", json_real(idea->basis.generic_share));
    json_object_set_new(basis, "title_only", json_real(idea->basis.title_only));
    json_object_set_new(basis, "model", json_real(idea->basis.model));
    json_object_set_new(basis, "specific_words", json_real(idea->basis.specific_words));
    json_object_set_new(it, "basis", basis);
    json_object_set_new(it, "relevance", json_real(idea->relevance));
    json_object_set_new(it, "surprise", json_real(idea->surprise));
    json_object_set_new(it, "expected", json_boolean(idea->expected));
    for (int k = 0; k < nb; k++) json_array_append_new(b, json_string(bt[k]));
    json_object_set_new(it, "bridge_terms", b);
    json_t *pa = json_array();
    for (int k = 0; k < nph; k++) json_array_append_new(pa, json_string(ph[k].text));
    json_object_set_new(it, "phrases", pa);
    for (int k = 0; with_evidence && k < idea->nevidence; k++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, idea->evidence[k].doc, &dm);
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(dm.id));
        json_object_set_new(d, "title", json_string(dm.title));
        json_object_set_new(d, "similarity", json_real((double)idea->evidence[k].score));
        json_object_set_new(d, "open", json_boolean(dm.open));
        json_object_set_new(d, "applicant", json_string(dm.applicant ? dm.applicant : ""));
        json_object_set_new(d, "date", json_string(dm.date ? dm.date : ""));
        char link[256];
        json_object_set_new(d, "link", json_string(tenyo_doc_link(dm.id, link, sizeof link)));
        json_array_append_new(e, d);
    }
    json_object_set_new(it, "evidence", e);
    json_object_set_new(it, "idea", json_string(sent));
    return it;
}


/* With a focus in the steer set on ctx: the query's "focus", {"sentences":
 * [2, 3]} or {"text": "..."}. */
static void focus_member(const tenyo_ctx *ctx, json_t *q) {
    const char *text = NULL;
    uint64_t bits = tenyo_steer_focus_get(tenyo_ctx_steer(ctx), &text);
    if (!bits && !text) return;
    json_t *f = json_object();
    if (text) {
        json_object_set_new(f, "text", json_string(text));
    } else {
        json_t *a = json_array();
        for (int i = 0; i < 64; i++)
            if (bits & (1ull << i)) json_array_append_new(a, json_integer(i + 1));
        json_object_set_new(f, "sentences", a);
    }
    json_object_set_new(q, "focus", f);
}

/* With decisions in the steer set on ctx: the query's "steer", {"struck",
 * "kept", "rejected"} (each a list, left out when empty), so that a reader
 * of the list sees what it was made under, the rejected fields above all
 * (their cards are not in it). */
static void steer_member(const tenyo_ctx *ctx, json_t *q) {
    static const char *const names[] = {"struck", "kept", "rejected"};
    static const int what[] = {TENYO_STEER_STRUCK, TENYO_STEER_KEPT, TENYO_STEER_REJECTED};
    const tenyo_steer *st = tenyo_ctx_steer(ctx);
    json_t *o = NULL;
    for (int k = 0; st && k < 3; k++) {
        size_t n = tenyo_steer_count(st, what[k]);
        if (!n) continue;
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_string(tenyo_steer_item(st, what[k], i)));
        if (!o) o = json_object();
        json_object_set_new(o, names[k], a);
    }
    if (o) json_object_set_new(q, "steer", o);
}

/* With a steer set on ctx (tenyo_ctx_set_steer): "kept" and the struck
 * words the card lost ("struck"); without one, nothing (the answer is the
 * unsteered schema). */
static void steer_members(const tenyo_ctx *ctx, const tenyo_idea *idea, json_t *it) {
    if (!tenyo_ctx_steer(ctx)) return;
    const char *w[16];
    int n = tenyo_idea_struck(ctx, idea, 16, w);
    json_t *a = json_array();
    for (int k = 0; k < n; k++) json_array_append_new(a, json_string(w[k]));
    json_object_set_new(it, "struck", a);
    json_object_set_new(it, "kept", json_boolean(tenyo_idea_kept(ctx, idea)));
}

/* Append one warning {"code", "message"} to arr. */
static void warn(json_t *arr, const char *code, const char *msg) {
    json_t *w = json_object();
    json_object_set_new(w, "code", json_string(code));
    json_object_set_new(w, "message", json_string(msg));
    json_array_append_new(arr, w);
}

/* items[0..n) into buf joined as a reader of lang lists them (、 or ", "). */
static void join_list(char *buf, size_t cap, const char *const *items, size_t n, int ja) {
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, "%s%s", i ? (ja ? "、" : ", ") : "", items[i]);
    }
}

/* The warnings of the last ideas call on ctx that asked for `asked` and got
 * `got` proposals, in lang: why the answer is thin or must be read with
 * care. */
/* 1 when most of the index's patents are English (an English corpus),
 * from up to 256 documents spread over it: their records' language (the
 * flags the index keeps a byte each of), else their titles' script.
 * Rejected: the titles wherever the flags are (a block of strings decoded
 * per title: 256 of 474 blocks at 60,620 documents, about 19 ms of an
 * ideas query's CPU). */
static int index_english(const tenyo_index *x) {
    const ty_model *m = &x->m;
    uint64_t n = m->ndocs, step = n > 256 ? n / 256 : 1, latin = 0, seen = 0;
    for (uint64_t d = 0; d < n; d += step, seen++) {
        if (m->lang) {
            latin += m->lang[d] == 1;
            continue;
        }
        const char *t = ty_meta_str(m, d, TY_META_TITLE);
        latin += *t && (unsigned char)*t < 0x80;
    }
    return seen && 2 * latin > seen;
}

static json_t *ideas_warnings(const tenyo_ctx *ctx, const tenyo_idea *ideas, int got,
                              size_t asked, const char *lang) {
    const tenyo_ideas_notes *nt = tenyo_ctx_notes(ctx);
    int ja = !strcmp(lang, "ja");
    json_t *arr = json_array();
    char msg[1024];
    if (ctx->idx->upd.missing) /* deletions and additions not applied */
        warn(arr, "updates_missing",
             ja ? "この索引には更新（追加・削除）が記録されていますが、その .upd フォルダがありません。更新前の索引だけで答えています（tenyo check で確かめてください）"
                : "updates were committed to this index but its .upd folder is missing: the answer "
                  "comes from the index as it was before them (see tenyo check)");
    if (nt->flags & TENYO_NOTE_NO_CODES)
        warn(arr, "no_codes", ja ? "この索引には分類コードがないため、分野を提案できません（分類コード付きの文献で索引を作ってください）"
                                 : "the index has no classification codes, so no field can be proposed "
                                   "(index documents that carry IPC/FI/CPC codes)");
    if (nt->flags & TENYO_NOTE_UNKNOWN_WORDS) {
        char list[512];
        join_list(list, sizeof list, nt->unknown, nt->nunknown < 8 ? nt->nunknown : 8, ja);
        if (ja)
            snprintf(msg, sizeof msg, "索引にない語 %zu 個は検索に使われていません: %s%s",
                     nt->nunknown, list, nt->nunknown > 8 ? " ほか" : "");
        else
            snprintf(msg, sizeof msg, "%zu query %s unknown to the index and %s not used: %s%s",
                     nt->nunknown, nt->nunknown == 1 ? "word is" : "words are",
                     nt->nunknown == 1 ? "was" : "were", list, nt->nunknown > 8 ? ", ..." : "");
        warn(arr, "unknown_words", msg);
    }
    /* a query in one language on an index of the other: the few words the
     * two share (English words inside Japanese patents) carry it alone */
    size_t qn = ty_ideas_qn(ctx);
    int qen = qn ? ty_query_english(ctx, qn) : 0;
    if (qn && qen != index_english(ctx->idx)) {
        if (ja)
            snprintf(msg, sizeof msg, qen ? "問い合わせは英語ですが、索引の特許はおもに日本語です。共通する少数の英単語だけで答えているため、日本語で書き直すか英語の索引を使ってください"
                                          : "問い合わせは日本語ですが、索引の特許はおもに英語です。共通する少数の語だけで答えているため、英語で書き直すか日本語の索引を使ってください");
        else
            snprintf(msg, sizeof msg, qen ? "the query is English but the index's patents are mostly Japanese: the answer rests on the few English words they share; write it in Japanese or use an English index"
                                          : "the query is Japanese but the index's patents are mostly English: the answer rests on the few words they share; write it in English or use a Japanese index");
        warn(arr, "other_language", msg);
    }
    if (nt->flags & TENYO_NOTE_PARTIAL_WORDS) {
        /* "精密プレス加工（精密 + プレス加工）" */
        char list[768] = "";
        size_t l = 0, shown = nt->npartial < 8 ? nt->npartial : 8;
        for (size_t i = 0; i < shown && l < sizeof list; i++)
            l += (size_t)snprintf(list + l, sizeof list - l, ja ? "%s%s（%s）" : "%s%s (%s)",
                                  i ? (ja ? "、" : ", ") : "", nt->partial[i], nt->partial_as[i]);
        if (ja)
            snprintf(msg, sizeof msg, "索引にない複合語 %zu 個は、索引にある部分で検索しました: %s%s",
                     nt->npartial, list, nt->npartial > 8 ? " ほか" : "");
        else
            snprintf(msg, sizeof msg, "%zu compound %s unknown to the index %s searched by %s "
                     "known parts: %s%s", nt->npartial, nt->npartial == 1 ? "word" : "words",
                     nt->npartial == 1 ? "was" : "were", nt->npartial == 1 ? "its" : "their", list,
                     nt->npartial > 8 ? ", ..." : "");
        warn(arr, "partial_words", msg);
    }
    if (nt->flags & TENYO_NOTE_TITLE_ONLY_QUERY)
        warn(arr, "title_only_query", ja ? "この特許は題名だけで要約がないため、提案は題名の数語に基づいています"
                                         : "the query patent has a title only (no abstract): the proposals rest on a few words");
    if (nt->flags & TENYO_NOTE_HOME_PREDICTED)
        warn(arr, "home_predicted", ja ? "自分の分野（home）は近い特許から推定しました。--home で指定すると確実です"
                                       : "the home fields were predicted from the nearest patents; --home states them");
    if (nt->flags & TENYO_NOTE_OPEN_ONLY_EMPTY)
        warn(arr, "open_only_empty", ja ? "--open-only: 近い開放特許が索引にありません（開放特許の指定がない索引かもしれません）"
                                        : "--open-only: no licensable patent in the index is near the query "
                                          "(the index may mark no patent as open)");
    if (nt->flags & TENYO_NOTE_WEAK_QUERY) {
        snprintf(msg, sizeof msg, ja ? "最も近い特許でも類似度 %.2f と低く、どの提案も根拠が弱いものです"
                                     : "the nearest patent is only %.2f similar: every proposal rests on weak evidence",
                 (double)nt->best_similarity);
        warn(arr, "weak_match", msg);
    }
    if ((size_t)got < asked && !(nt->flags & TENYO_NOTE_NO_CODES)) {
        /* why they were left out: the thresholds in use, named */
        char why[384] = "";
        size_t l = 0;
        if (nt->min_confidence > 0)
            l += (size_t)snprintf(why + l, sizeof why - l,
                                  ja ? "確信度が %.2f 未満か共通する具体的な語が 1 語以下" : "confidence below %.2f or at most one specific shared word",
                                  nt->min_confidence);
        if (nt->min_usable > 0 && l < sizeof why)
            l += (size_t)snprintf(why + l, sizeof why - l,
                                  ja ? "%s分析者に使える見込み（読み手モデル）が %.2f 未満" : "%sa reader-model usability below %.2f",
                                  l ? (ja ? "か、" : ", or ") : "", nt->min_usable);
        if (nt->min_content > 0 && l < sizeof why)
            snprintf(why + l, sizeof why - l,
                     ja ? "%s共通する具体的な内容が %.2f 未満" : "%sspecific shared content below %.2f",
                     l ? (ja ? "か、" : ", or ") : "", nt->min_content);
        if (nt->hidden && got == 0)
            snprintf(msg, sizeof msg, ja ? "提案なし（%zu 件要求）: 根拠のある %zu 分野すべてが%sのため省かれました（しきい値を外すと表示）"
                                         : "nothing shown of %zu asked: all %zu fields with evidence had %s "
                                           "(drop the threshold to show them)",
                     asked, nt->hidden, why);
        else if (nt->hidden)
            snprintf(msg, sizeof msg, ja ? "%d 件だけ表示（%zu 件要求）: ほかの %zu 分野は%sのため省きました（しきい値を外すと表示）"
                                         : "%d shown of %zu asked: %zu more fields had %s "
                                           "(drop the threshold to show them)",
                     got, asked, nt->hidden, why);
        else
            snprintf(msg, sizeof msg, ja ? "%d 件だけ表示（%zu 件要求）: 根拠のある分野がほかにありません"
                                         : "%d shown of %zu asked: no other field has any evidence",
                     got, asked);
        warn(arr, "fewer_than_asked", msg);
    }
    /* of the cards the list shows (all of them on a later page, where
     * every card is shown) */
    int one = 0;
    for (int i = 0; i < got; i++)
        one += (ideas[i].flags & TENYO_IDEA_ONE_PATENT) && ideas[i].shown > 0;
    if (one) {
        snprintf(msg, sizeof msg, ja ? "示した提案のうち %d 件は根拠特許が 1 件だけです"
                                     : "%d of the proposals shown rest on one patent only", one);
        warn(arr, "one_patent", msg);
    }
    return arr;
}

/* A warning for each field the steer keeps or rejects that is one of the
 * query's own (home, comma-separated): no card is proposed there, so the
 * decision changes nothing, and the analyst is told so. */
static void home_steered(const tenyo_ctx *ctx, const char *home, int ja, json_t *warns) {
    const tenyo_steer *s = tenyo_ctx_steer(ctx);
    for (int k = TENYO_STEER_KEPT; s && home && k <= TENYO_STEER_REJECTED; k++)
        for (size_t i = 0; i < tenyo_steer_count(s, k); i++) {
            const char *f = tenyo_steer_item(s, k, i), *h = home;
            size_t fl = strlen(f);
            int in = 0;
            for (; *h && !in; h += strcspn(h, ",") + (h[strcspn(h, ",")] == ',')) {
                in = strcspn(h, ",") == fl && !strncasecmp(h, f, fl);
                if (in) break;
            }
            if (!in) continue;
            char msg[256];
            snprintf(msg, sizeof msg, ja ? "%s は問い合わせ自身の分野（home）です。その分野の提案は出ないため、%s しても何も変わりません"
                                         : "%s is the query's own field (home): no card is proposed there, so %s it changes nothing",
                     f, k == TENYO_STEER_KEPT ? (ja ? "keep" : "keeping") : (ja ? "reject" : "rejecting"));
            warn(warns, "home_steered", msg);
        }
}

/* {"query": {...}, "ideas": [...], "warnings": [...]} of ideas[0..got) just
 * computed on ctx for a request of `asked` proposals. */
/* brief: the cards not shown by default written without their
 * explanation (tenyo_ideas_json_shown). */
static json_t *ideas_render(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                           const char *text, size_t len, const tenyo_idea *ideas,
                           int got, size_t asked, const char *lang, int brief) {
    int predicted = 0;
    const char *home = tenyo_ctx_home(ctx, &predicted);
    char why_err[512] = "";
    json_t *o = json_object(), *q = json_object(), *arr = json_array();
    if (qdoc >= 0) {
        tenyo_doc_meta qm;
        tenyo_index_doc(x, (uint64_t)qdoc, &qm);
        json_object_set_new(q, "id", json_string(qm.id));
        json_object_set_new(q, "title", json_string(qm.title));
    } else if (text) {
        json_object_set_new(q, "text", json_stringn(text, len));
    }
    json_object_set_new(q, "home", json_list(home));
    json_object_set_new(q, "home_predicted", json_boolean(predicted));
    json_object_set_new(q, "lang", json_string(lang));
    focus_member(ctx, q);
    steer_member(ctx, q);
    if (tenyo_ctx_notes(ctx)->offset) /* a later page: where it starts */
        json_object_set_new(q, "offset", json_integer((json_int_t)tenyo_ctx_notes(ctx)->offset));
    json_object_set_new(o, "query", q);
    for (int i = 0; i < got; i++) {
        const char *bt[NBRIDGE], *label;
        tenyo_phrase ph[NPHRASE];
        int nph;
        char sent[2048];
        /* why: the query's sentence and an evidence sentence sharing the
         * bridge terms (tenyo_idea_why) */
        tenyo_why w;
        if (brief && ideas[i].shown <= 0) {
            json_t *it = idea_json(x, &ideas[i], (int)tenyo_ctx_notes(ctx)->offset + i + 1,
                                   tenyo_field_label(x, ideas[i].code, lang), bt, 0, ph, 0, "",
                                   lang, 0);
            json_object_set_new(it, "explained", json_false());
            steer_members(ctx, &ideas[i], it);
            json_array_append_new(arr, it);
            continue;
        }
        int wr = tenyo_idea_why(ctx, &ideas[i], &w);
        int nb = explain(x, ctx, &ideas[i], lang, bt, ph, &nph, &label, sent, sizeof sent,
                         wr > 0 ? w.doc : UINT64_MAX);
        json_t *it = idea_json(x, &ideas[i], (int)tenyo_ctx_notes(ctx)->offset + i + 1, label, bt,
                               nb, ph, nph, sent, lang, 1);
        if (wr > 0) {
            tenyo_doc_meta dm;
            tenyo_index_doc(x, w.doc, &dm);
            json_t *wj = json_object(), *wt = json_array();
            json_object_set_new(wj, "query", json_string(w.query));
            json_object_set_new(wj, "evidence_id", json_string(dm.id));
            json_object_set_new(wj, "evidence", json_string(w.evidence));
            for (int k = 0; k < w.nterms; k++) json_array_append_new(wt, json_string(w.terms[k]));
            json_object_set_new(wj, "terms", wt);
            json_object_set_new(it, "why", wj);
        } else if (wr < 0 && !why_err[0]) {
            snprintf(why_err, sizeof why_err, "%s", tenyo_ctx_error(ctx));
        }
        steer_members(ctx, &ideas[i], it);
        judge_members(ctx, &ideas[i], it);
        json_array_append_new(arr, it);
    }
    json_object_set_new(o, "ideas", arr);
    json_t *warns = ideas_warnings(ctx, ideas, got, asked, lang);
    if (why_err[0]) warn(warns, "abstracts_unreadable", why_err);
    home_steered(ctx, home, !strcmp(lang, "ja"), warns);
    json_object_set_new(o, "warnings", warns);
    json_object_set_new(o, "hidden", json_integer((json_int_t)tenyo_ctx_notes(ctx)->hidden));
    json_object_set_new(o, "hidden_thin", json_integer((json_int_t)tenyo_ctx_notes(ctx)->hidden_thin));
    const tenyo_ideas_notes *nt = tenyo_ctx_notes(ctx);
    json_object_set_new(o, "hidden_content", json_integer((json_int_t)nt->hidden_content));
    json_t *bands = json_object();
    for (int b = TENYO_BAND_STRONG; b >= TENYO_BAND_REFERENCE; b--)
        json_object_set_new(bands, band_code(b), json_integer((json_int_t)nt->nbands[b]));
    json_object_set_new(o, "bands", bands);
    size_t nshown = 0;
    for (int i = 0; i < got; i++) nshown += ideas[i].shown > 0;
    json_object_set_new(o, "shown", json_integer((json_int_t)nshown));
    json_object_set_new(o, "more", json_integer((json_int_t)((size_t)got - nshown)));
    json_object_set_new(o, "legend", ideas_legend());
    return o;
}

/* ============================================================== match */

/* The use sentence of patent dm in idea's field. */
static void use_sentence(char *out, size_t cap, const char *lang, const tenyo_doc_meta *dm,
                         const char *code, const char *label, const json_t *bridge,
                         const tenyo_phrase *ph) {
    int ja = !strcmp(lang, "ja");
    char terms[512] = "";
    size_t i;
    json_t *v;
    json_array_foreach(bridge, i, v) {
        if (i == 3) break;
        size_t l = strlen(terms);
        snprintf(terms + l, sizeof terms - l, "%s%s", i ? (ja ? "・" : ", ") : "",
                 json_string_value(v) ? json_string_value(v) : "");
    }
    char words[600] = "";
    if (*terms) snprintf(words, sizeof words, ja ? "（共通する語: %s）" : " (shared words: %s)", terms);
    if (ja && ph && ph->doc != UINT64_MAX)
        snprintf(out, cap, "%s「%s」を、%s（%s）分野の「%.*s」で活用できる可能性%s", dm->id,
                 dm->title, label, code, (int)ph->target_len, ph->target, words);
    else if (ja && ph) /* a use the field's evidence names, not this patent */
        snprintf(out, cap, "%s「%s」を、%s（%s）分野で、例えば「%.*s」に活用できる可能性%s",
                 dm->id, dm->title, label, code, (int)ph->target_len, ph->target, words);
    else if (ph && ph->doc == UINT64_MAX)
        snprintf(out, cap, "%s \"%s\" could be used in %s (%s), for example \"%s\"%s", dm->id,
                 dm->title, label, code, ph->text, words);
    else if (ja)
        snprintf(out, cap, "%s「%s」を、%s（%s）分野で活用できる可能性%s", dm->id, dm->title,
                 label, code, words);
    else if (ph)
        snprintf(out, cap, "%s \"%s\" could be used in %s (%s), e.g. \"%s\"%s", dm->id,
                 dm->title, label, code, ph->text, words);
    else
        snprintf(out, cap, "%s \"%s\" could be used in %s (%s)%s", dm->id, dm->title, label,
                 code, words);
}

/* A confidence as text: 13%, 0.4%, <0.1%, never a bare 0; c < 0 (none
 * estimated) in words. */
static void pct_text(char *out, size_t n, double c, int ja) {
    if (c < 0) snprintf(out, n, "%s", ja ? "推定できません" : "cannot be estimated");
    else if (c < 0.0005) snprintf(out, n, "<0.1%%");
    else if (c < 0.0095) snprintf(out, n, "%.1f%%", 100 * c);
    else snprintf(out, n, "%.0f%%", 100 * c);
}

/* The application object of a match (tenyo_match_app ap of patent dm). */
static json_t *app_json(const tenyo_index *x, const tenyo_match_app *ap, const tenyo_doc_meta *dm,
                        const char *lang) {
    int ja = !strcmp(lang, "ja");
    tenyo_doc_meta em;
    tenyo_index_doc(x, ap->evidence, &em);
    const char *label = tenyo_field_label(x, ap->code, lang);
    char target[512], use[2048];
    if (ap->phrase) snprintf(target, sizeof target, "%.*s", (int)ap->target_len, ap->target);
    else snprintf(target, sizeof target, "%s", em.title);
    (void)dm;
    if (ap->own && ap->phrase && ja)
        snprintf(use, sizeof use, "「%s」を「%s」に（用途は特許自身の記載「%s」）", em.title, target,
                 ap->phrase);
    else if (ap->own && ap->phrase)
        snprintf(use, sizeof use, "\"%s\" for %s (the patent's own words: \"%s\")", em.title,
                 target, ap->phrase);
    else if (ap->own && ja)
        snprintf(use, sizeof use, "「%s」そのもの（特許の題名が示す製品・方法）", em.title);
    else if (ap->own)
        snprintf(use, sizeof use, "\"%s\" itself (the claimed object, as the patent's title names it)",
                 em.title);
    else if (ap->phrase && ja)
        snprintf(use, sizeof use, "%s（%s）分野の「%s」に（根拠: %s「%s」の「%s」）", label, ap->code,
                 target, em.id, em.title, ap->phrase);
    else if (ap->phrase)
        snprintf(use, sizeof use, "%s (%s): \"%s\" (evidence: %s \"%s\", \"%s\")", label,
                 ap->code, target, em.id, em.title, ap->phrase);
    else if (ja)
        snprintf(use, sizeof use, "%s（%s）分野の「%s」のような製品に（根拠: %s の題名）", label,
                 ap->code, target, em.id);
    else
        snprintf(use, sizeof use, "%s (%s): products like \"%s\" (evidence: the title of %s)",
                 label, ap->code, target, em.id);
    json_t *a = json_object();
    json_object_set_new(a, "field", json_string(ap->code));
    json_object_set_new(a, "label", json_string(label));
    json_object_set_new(a, "kind", json_string(ap->own ? (ap->phrase ? "own_phrase" : "own_title")
                                                       : "evidence_phrase"));
    json_object_set_new(a, "target", json_string(target));
    json_object_set_new(a, "phrase", ap->phrase ? json_string(ap->phrase) : json_null());
    json_object_set_new(a, "evidence", json_pack("{s:s, s:s, s:f}", "id", em.id, "title", em.title,
                                                 "similarity", (double)ap->evidence_similarity));
    json_object_set_new(a, "confidence", ap->own ? json_null() : json_real(ap->confidence));
    json_object_set_new(a, "source", json_string(ap->own ? "own_text" : ap->from_company ? "company" : "patent"));
    json_object_set_new(a, "in_company_field", json_boolean(ap->in_home));
    json_object_set_new(a, "company_affinity", json_real(ap->affinity));
    json_object_set_new(a, "use", json_string(use));
    return a;
}

/* One match card (match mt, its use ap) as JSON, rank its place among the
 * cards: the patent, its band and weak reasons (as an ideas card's, with
 * "no use found" added), the uses of the company's proposals, the
 * application and why it fits. */
static json_t *match_card(const tenyo_index *x, tenyo_ctx *ctx, const char *text, size_t len,
                          const tenyo_idea *ideas, const json_t *iarr, const tenyo_match *mt,
                          const tenyo_match_app *ap, int rank, const char *lang) {
    int ja = !strcmp(lang, "ja");
    tenyo_doc_meta dm;
    tenyo_index_doc(x, mt->doc, &dm);
    json_t *r = json_object(), *uses = json_array();
    char link[256];
    json_object_set_new(r, "rank", json_integer(rank));
    json_object_set_new(r, "id", json_string(dm.id));
    json_object_set_new(r, "title", json_string(dm.title));
    json_object_set_new(r, "applicant", json_string(dm.applicant));
    json_object_set_new(r, "date", json_string(dm.date));
    json_object_set_new(r, "fields", json_list(dm.fields));
    json_object_set_new(r, "link", json_string(tenyo_doc_link(dm.id, link, sizeof link)));
    json_object_set_new(r, "similarity", json_real((double)mt->similarity));
    json_object_set_new(r, "own_field", json_boolean(mt->own_field));
    json_t *same = json_array(); /* near-identical patents folded under it */
    for (int s = 0; s < mt->nsame; s++) {
        tenyo_doc_meta sm;
        tenyo_index_doc(x, mt->same[s], &sm);
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(sm.id));
        json_object_set_new(e, "title", json_string(sm.title));
        json_object_set_new(e, "applicant", json_string(sm.applicant));
        json_object_set_new(e, "date", json_string(sm.date));
        json_array_append_new(same, e);
    }
    json_object_set_new(r, "same_invention", same);
    for (int u = 0; u < mt->nuses; u++) {
        const tenyo_idea *id = &ideas[mt->uses[u]];
        const json_t *ij = json_array_get(iarr, (size_t)mt->uses[u]);
        tenyo_phrase ph[MATCH_PHRASES];
        int nph = tenyo_idea_phrases(ctx, id, MATCH_PHRASES, ph);
        const tenyo_phrase *own = NULL;
        tenyo_phrase other; /* else a use the field's evidence names */
        for (int p = 0; p < nph && !own; p++)
            if (ph[p].doc == mt->doc && ph[p].field_fit) own = &ph[p];
        for (int p = 0; p < nph && !own; p++)
            if (ph[p].field_fit && ((unsigned char)ph[p].text[0] >= 0x80) == ja) {
                other = ph[p];
                other.doc = UINT64_MAX;
                own = &other;
            }
        const char *label = tenyo_field_label(x, id->code, lang);
        char sent[2048];
        use_sentence(sent, sizeof sent, lang, &dm, id->code, label,
                     json_object_get(ij, "bridge_terms"), own);
        json_t *uj = json_object();
        json_object_set_new(uj, "idea", json_integer(mt->uses[u] + 1));
        json_object_set_new(uj, "field", json_string(id->code));
        json_object_set_new(uj, "label", json_string(label));
        json_object_set_new(uj, "confidence", json_real(id->confidence));
        json_object_set_new(uj, "expected", json_boolean(id->expected));
        json_object_set_new(uj, "bridge_terms", json_deep_copy(json_object_get(ij, "bridge_terms")));
        json_object_set_new(uj, "cautions", json_deep_copy(json_object_get(ij, "cautions")));
        if (own) json_object_set_new(uj, "phrase", json_string(own->text));
        if (own) json_object_set_new(uj, "phrase_from", json_string(own->doc == UINT64_MAX
                                                                     ? "field" : "patent"));
        json_object_set_new(uj, "use", json_string(sent));
        json_array_append_new(uses, uj);
    }
    json_object_set_new(r, "uses", uses);
    /* what the company could make with it: one concrete use named in
     * the patents' own text, or a plain "none" */
    double conf = ap->found && !ap->own ? ap->confidence : -1;
    json_object_set_new(r, "confidence", conf >= 0 ? json_real(conf) : json_null());
    char ct[256];
    if (ap->own) /* the patent says so: nothing to estimate */
        snprintf(ct, sizeof ct, "%s", ja ? "なし（用途は特許自身の記載で、推定ではありません）"
                                         : "none (the use is the patent's own statement, not an "
                                           "estimate)");
    else if (ap->found) {
        char pc[32];
        pct_text(pc, sizeof pc, conf, ja);
        snprintf(ct, sizeof ct, ja ? "%s（この種の特許がこの分野にも実際に分類される確率、共分類の実績で較正）"
                                   : "%s (the probability that such a patent is really classified "
                                     "in this field too, calibrated on co-classifications)", pc);
    } else
        snprintf(ct, sizeof ct, "%s", ja ? "なし（用途が見つからないため）" : "none (no use found)");
    json_object_set_new(r, "confidence_text", json_string(ct));
    if (ap->found) json_object_set_new(r, "application", app_json(x, ap, &dm, lang));
    else {
        json_object_set_new(r, "application", json_null());
        json_object_set_new(r, "application_none",
                            json_string(ja ? "確かな用途は見つかりませんでした（特許の文章に用途の記載がなく、"
                                             "技術を共有する根拠特許も用途を名指していません）。用途を推測で示すことはしません"
                                           : "no credible use found (the patent's text states none, and "
                                             "no evidence patent sharing its content names one): "
                                             "none is guessed"));
    }
    char fe[256];
    snprintf(fe, sizeof fe, ja ? "適合度 %.2f = 会社の説明文と特許の題名・要約の類似度（0〜1）"
                               : "fit %.2f = similarity of the company's text and the patent's "
                                 "title and abstract (0..1)",
             (double)mt->similarity);
    json_object_set_new(r, "fit", json_pack("{s:f, s:s}", "score", (double)mt->similarity,
                                            "explain", fe));
    /* why it fits: the sentences of patent and company sharing the most
     * specific terms */
    tenyo_why w;
    if (tenyo_match_why(ctx, text, len, mt->doc, &w) == 1) {
        json_t *wt = json_array();
        for (int t = 0; t < w.nterms; t++) json_array_append_new(wt, json_string(w.terms[t]));
        json_object_set_new(r, "why", json_pack("{s:s, s:s, s:o}", "company", w.query,
                                                "patent", w.evidence, "terms", wt));
        /* what the company would do with it: its own clause joined to
         * the patent's, on one shared term (matchuse.c) */
        ty_buf cb = {0}, tb = {0};
        const char *term = NULL;
        if (ty_match_use(&w, &cb, &tb, &term) == 1) {
            char use[1024];
            if (ja)
                snprintf(use, sizeof use, "自社の「%s」に、この特許の「%s」を取り入れる", cb.p, tb.p);
            else
                snprintf(use, sizeof use, "apply the patent's \"%s\" to the company's \"%s\"", tb.p,
                         cb.p);
            json_object_set_new(r, "company_use",
                                json_pack("{s:s, s:s, s:s, s:s}", "company", cb.p, "technique", tb.p,
                                          "term", term, "use", use));
        }
        ty_buf_free(&cb);
        ty_buf_free(&tb);
    }
    unsigned weak = ap->weak; /* the judge's, with the use known (tenyo_match_apply) */
    int band = ap->band;
    char reason[512];
    weak_reason(weak, band, lang, reason, sizeof reason);
    json_t *wk = json_array();
    for (unsigned bit = 1; bit <= TENYO_WEAK_NO_TERM; bit <<= 1)
        if (weak & bit) json_array_append_new(wk, json_string(weak_code(bit)));
    json_object_set_new(r, "band", json_string(band_code(band)));
    json_object_set_new(r, "band_label", json_string(band_label(band, lang)));
    json_object_set_new(r, "weak", wk);
    json_object_set_new(r, "weak_reason", json_string(reason));
    json_object_set_new(r, "specific_words", json_integer(mt->nspecific));
    json_object_set_new(r, "content", json_real(mt->content));
    return r;
}

/* The match object of matches mt[0..n) and proposals ideas[0..got) just
 * computed on ctx (tenyo_match_text) for text and a request of k. */
static json_t *match_render(const tenyo_index *x, tenyo_ctx *ctx, const char *text, size_t len,
                            const tenyo_idea *ideas, int got, const tenyo_match *mt, int n,
                            size_t k, const char *lang) {
    int ja = !strcmp(lang, "ja");
    /* the proposals explained as `ideas` explains them */
    json_t *o = ideas_render(x, ctx, -1, text, len, ideas, got, (size_t)(got > 0 ? got : 0), lang, 0);
    json_t *iarr = json_object_get(o, "ideas"), *warns = json_object_get(o, "warnings");
    /* "fewer than asked" is about the 20 proposals computed for the uses,
     * not about what was asked here */
    for (size_t i = json_array_size(warns); i-- > 0;)
        if (!strcmp(jstr(json_array_get(warns, i), "code"), "fewer_than_asked"))
            json_array_remove(warns, i);
    json_t *q = json_object_get(o, "query");
    json_object_set_new(q, "k", json_integer((json_int_t)k));
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_object_set_new(q, "licensable", json_integer((json_int_t)in.nopen));
    /* what the company could make with each: one batch */
    tenyo_match_app *apps = ty_calloc(n > 0 ? (size_t)n : 1, sizeof *apps);
    if (!apps || tenyo_match_apply(ctx, mt, n > 0 ? (size_t)n : 0, ideas, got, NULL, apps) < 0) {
        free(apps);
        json_decref(o);
        return NULL;
    }
    json_t *arr = json_array(), *ref = json_array();
    for (int i = 0; i < n; i++) {
        json_t *r = match_card(x, ctx, text, len, ideas, iarr, &mt[i], &apps[i],
                               (int)json_array_size(arr) + 1, lang);
        /* the judge's decision (tenyo_match_apply): a match on generic
         * words only, on one word of a weak similarity, or on none its why
         * line can show, is no card: listed apart, so the cards are what
         * fits and the answer says plainly that nothing else does */
        if (apps[i].card) json_array_append_new(arr, r);
        else {
            json_object_del(r, "rank");
            json_array_append_new(ref, r);
        }
    }
    json_object_set_new(o, "matches", arr);
    json_object_set_new(o, "reference", ref);
    free(apps);
    /* "N proposals rest on one patent" counted over the uses the cards
     * show (a card's application and other fields), not over the
     * proposals computed for them, most of which no card shows */
    for (size_t i = json_array_size(warns); i-- > 0;)
        if (!strcmp(jstr(json_array_get(warns, i), "code"), "one_patent"))
            json_array_remove(warns, i);
    int one = 0;
    for (int i = 0; i < got; i++) {
        if (!(ideas[i].flags & TENYO_IDEA_ONE_PATENT)) continue;
        int seen = 0;
        size_t a, u;
        json_t *m, *v;
        json_array_foreach(arr, a, m) {
            const json_t *ap = json_object_get(m, "application");
            seen |= json_is_object(ap) && !strcmp(jstr(ap, "field"), ideas[i].code) &&
                    strcmp(jstr(ap, "source"), "own_text"); /* the patent's own words: no proposal */
            json_array_foreach(json_object_get(m, "uses"), u, v)
                seen |= !strcmp(jstr(v, "field"), ideas[i].code);
            if (seen) break;
        }
        one += seen;
    }
    if (one) {
        char msg[256];
        snprintf(msg, sizeof msg, ja ? "示した用途のうち %d 件は根拠特許が 1 件だけです"
                                     : "%d of the uses shown rest on one patent only", one);
        warn(warns, "one_patent", msg);
    }
    /* a company's prose holds words no patent uses (当社, 得意): not worth
     * a warning here */
    for (size_t i = json_array_size(warns); i-- > 0;)
        if (!strcmp(jstr(json_array_get(warns, i), "code"), "unknown_words"))
            json_array_remove(warns, i);
    json_object_set_new(q, "licence_known", json_boolean(in.nopen > 0));
    json_t *w = NULL;
    if (in.nopen == 0)
        w = json_pack("{s:s, s:s}", "code", "licence_unknown", "message",
                      ja ? "この索引には開放特許（ライセンス可能）の指定がないため、全特許から選びました。ライセンスの可否は未確認です。"
                           "開放特許の一覧（INPIT 開放特許情報データベースや J-PlatPat の検索結果の CSV）を "
                           "tenyo open INDEX --from FILE で読み込むと、開放特許だけから選びます"
                         : "the index marks no patent licensable, so all patents were matched: "
                           "licence status unknown. Load a list of licensable patents (a CSV "
                           "from INPIT's open patent database or a J-PlatPat list) with "
                           "'tenyo open INDEX --from FILE' to match those only");
    else if (n == 0)
        w = json_pack("{s:s, s:s}", "code", "no_match", "message",
                      ja ? "条件に合い、文章に近い開放特許がありません（フィルタを緩めるか、文章に具体的な技術の語を加えてください）"
                         : "no licensable patent within the filters is near the text (loosen the "
                           "filters, or name the technology in more specific words)");
    if (w) json_array_insert_new(warns, 0, w);
    if (json_array_size(ref)) {
        char msg[1024];
        size_t nr = json_array_size(ref), na = json_array_size(arr);
        if (ja)
            snprintf(msg, sizeof msg, na ? "この %zu 件のほかに会社に合う開放特許は見つかりませんでした。次に近い %zu 件は"
                                           "一般的な語だけ、または遠い特許と 1 語だけで重なるもので、合うとは言えません（参考として下に挙げます）"
                                         : "会社に合う開放特許は見つかりませんでした。近い %zu 件も"
                                           "一般的な語だけ、または遠い特許と 1 語だけで重なるもので、合うとは言えません（参考として下に挙げます）",
                     na ? na : nr, nr);
        else
            snprintf(msg, sizeof msg, na ? "nothing else in the licensable list fits this company beyond these %zu: "
                                           "the next %zu nearest share generic words only, or one word with a far "
                                           "patent (listed below for reference)"
                                         : "nothing in the licensable list fits this company: the %zu nearest "
                                           "share generic words only, or one word with a far patent (listed below "
                                           "for reference)",
                     na ? na : nr, nr);
        json_array_append_new(warns, json_pack("{s:s, s:s}", "code", "nothing_else_fits", "message", msg));
    }
    return o;
}


/* ========================================================= similar */

/* {"query": {...}, "results": [...], "warnings": [...]} of hits[0..n); the
 * warnings say an index answering without its updates (updates_missing). */
static json_t *hits_render(const tenyo_index *x, const tenyo_query *qq, const char *mode,
                           size_t k, const tenyo_hit *hits, int n) {
    json_t *o = json_object(), *q = json_object(), *res = json_array();
    if (qq && qq->doc >= 0) {
        tenyo_doc_meta qm;
        tenyo_index_doc(x, (uint64_t)qq->doc, &qm);
        json_object_set_new(q, "id", json_string(qm.id));
        json_object_set_new(q, "title", json_string(qm.title));
        json_object_set_new(q, "fields", json_list(qm.fields));
    } else if (qq) {
        json_object_set_new(q, "text", qq->text ? json_stringn(qq->text, qq->len) : json_string(""));
    }
    json_object_set_new(q, "mode", json_string(mode));
    json_object_set_new(q, "k", json_integer((json_int_t)k));
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        if (tenyo_index_doc(x, hits[i].doc, &dm) != TENYO_OK) continue;
        json_t *r = json_object();
        json_object_set_new(r, "rank", json_integer(i + 1));
        json_object_set_new(r, "id", json_string(dm.id));
        json_object_set_new(r, "score", json_real((double)hits[i].score));
        json_object_set_new(r, "title", json_string(dm.title));
        json_object_set_new(r, "fields", json_list(dm.fields));
        json_object_set_new(r, "applicant", json_string(dm.applicant));
        json_object_set_new(r, "date", json_string(dm.date));
        json_object_set_new(r, "open", json_boolean(dm.open));
        char link[256];
        json_object_set_new(r, "link", json_string(tenyo_doc_link(dm.id, link, sizeof link)));
        json_array_append_new(res, r);
    }
    json_object_set_new(o, "query", q);
    json_object_set_new(o, "results", res);
    json_t *warns = json_array();
    if (x->upd.missing) /* deletions and additions not applied: as ideas says */
        warn(warns, "updates_missing",
             "updates were committed to this index but its .upd folder is missing: the answer "
             "comes from the index as it was before them (see tenyo check)");
    json_object_set_new(o, "warnings", warns);
    return o;
}

/* ====================================================== public calls */

int tenyo_idea_sentence(tenyo_ctx *c, const tenyo_idea *idea, const char *lang, char *out,
                        size_t cap) {
    if (!c || !idea || !out || !cap) return TENYO_ERR_ARG;
    if (!lang) lang = "ja";
    if (strcmp(lang, "ja") && strcmp(lang, "en")) return TENYO_ERR_ARG;
    const char *bt[NBRIDGE], *label;
    tenyo_phrase ph[NPHRASE];
    int nph;
    tenyo_why w;
    int wr = tenyo_idea_why(c, idea, &w);
    explain(c->idx, c, idea, lang, bt, ph, &nph, &label, out, cap, wr > 0 ? w.doc : UINT64_MAX);
    return (int)strlen(out);
}

/* tenyo_ideas_json (brief 0) and tenyo_ideas_json_shown (1). */
static int ideas_json_any(tenyo_ctx *c, const tenyo_query *q, const tenyo_idea *ideas, int got,
                          size_t asked, const char *lang, char **out, int brief) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!c || !q || got < 0 || (got > 0 && !ideas)) return TENYO_ERR_ARG;
    if (!lang) lang = "ja";
    if (strcmp(lang, "ja") && strcmp(lang, "en")) return TENYO_ERR_ARG;
    return dump(ideas_render(c->idx, c, q->doc, q->doc < 0 ? q->text : NULL, q->len, ideas,
                             got, asked, lang, brief),
                out);
}

int tenyo_ideas_json(tenyo_ctx *c, const tenyo_query *q, const tenyo_idea *ideas, int got,
                     size_t asked, const char *lang, char **out) {
    return ideas_json_any(c, q, ideas, got, asked, lang, out, 0);
}

int tenyo_ideas_json_shown(tenyo_ctx *c, const tenyo_query *q, const tenyo_idea *ideas, int got,
                           size_t asked, const char *lang, char **out) {
    return ideas_json_any(c, q, ideas, got, asked, lang, out, 1);
}

int tenyo_match_json(tenyo_ctx *c, const char *text, size_t len, const tenyo_idea *ideas,
                     int got_ideas, const tenyo_match *m, int n, size_t k, const char *lang,
                     char **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!c || !text || got_ideas < 0 || n < 0 || (got_ideas > 0 && !ideas) || (n > 0 && !m))
        return TENYO_ERR_ARG;
    for (int i = 0; i < n; i++)
        for (int u = 0; u < m[i].nuses; u++)
            if (m[i].uses[u] < 0 || m[i].uses[u] >= got_ideas) return TENYO_ERR_ARG;
    if (!lang) lang = "ja";
    if (strcmp(lang, "ja") && strcmp(lang, "en")) return TENYO_ERR_ARG;
    return dump(match_render(c->idx, c, text, len, ideas, got_ideas, m, n, k, lang), out);
}

int tenyo_similar_json(const tenyo_index *idx, const tenyo_query *q, tenyo_mode mode,
                       size_t k, const tenyo_hit *hits, int n, char **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!idx || !q || n < 0 || (n > 0 && !hits)) return TENYO_ERR_ARG;
    const char *name = mode == TENYO_MODE_TFIDF ? "tfidf" : mode == TENYO_MODE_LSA ? "lsa"
                                                                                 : "hybrid";
    return dump(hits_render(idx, q, name, k, hits, n), out);
}

int tenyo_search_json(const tenyo_index *idx, tenyo_filter *f, size_t k,
                      const tenyo_hit *hits, int n, char **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!idx || n < 0 || (n > 0 && !hits)) return TENYO_ERR_ARG;
    json_t *o = hits_render(idx, NULL, "keywords", k, hits, n); /* BM25: api/keywords.c */
    json_t *warns = json_object_get(o, "warnings");
    char msg[600];
    if (f && *tenyo_filter_note(f)) {
        snprintf(msg, sizeof msg, "no record contains: %s", tenyo_filter_note(f));
        warn(warns, "unknown_words", msg);
    }
    if (f && tenyo_filter_count(f) == 0) {
        snprintf(msg, sizeof msg, "no indexed patent matches the query and filters (0 of %llu)",
                 (unsigned long long)tenyo_index_ndocs(idx));
        warn(warns, "no_match", msg);
    }
    return dump(o, out);
}

void tenyo_json_free(char *s) { free(s); }
