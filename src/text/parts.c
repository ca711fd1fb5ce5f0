/*
 * parts.c — what a patent says it does, read from its text: its parts and
 * its functions.
 *
 * Parts (ty_parts_split). A Japanese abstract usually marks them:
 * 【課題】 and 【目的】 open the purpose, 【解決手段】, 【手段】 and 【構成】
 * the means, 【効果】 the effect; 【選択図】 ends the text worth reading.
 * Text before the first mark, or a text without marks, is read sentence by
 * sentence: a sentence naming its aim (目的, 課題, ending in 提供する; in
 * English "object", "objective", "aim of", "purpose of") is purpose, one
 * that opens with a consequence (これにより, その結果; "thereby", "as a
 * result", "advantage") is effect, every other sentence is means — a
 * US abstract is mostly the claim's wording, which is the means.
 *
 * Functions (ty_fn_*). What is done to what: an object and an action.
 * Japanese, from MeCab's morphemes (the tokenizer's morph sink, so the
 * text is normalised as the index's terms are): a noun run followed by を
 * and then an action — a サ変 noun used as a verb (振動を抑制する), or a
 * verb whose サ変 equivalent is known (抑える -> 抑制, 防ぐ -> 防止); a noun
 * run ending in a light noun after の gives the object before it (渦の発生
 * を抑える -> 渦, 抑制); the noun form (振動の抑制を図る) counts the same.
 * The condition the technique responds to is a function too: a noun run
 * before に応じて / に基づいて (視線に基づいて -> 視線, 応答). Actions that
 * say nothing about a technique (備える, 有する, 用いる, 提供, 可能...) are
 * no function. An object loses its leading 前記 / 該 / 当該, and numbers
 * and reference signs inside it. English, from the tokenizer's stemmed
 * terms (stopwords are gone): an action stem of a list (reduc, prevent,
 * detect...) and each of the next two terms as its object.
 *
 * Each function is reported as (object, action) bytes; a caller that keys
 * them joins the two. Both the whole object and its head (its last content
 * noun: 振動 of 車体振動) are reported when they differ, so that a longer
 * wording still meets a shorter one.
 */
#include "text.h"

#include <string.h>

/* ============================================================ parts */

typedef struct mark { const char *label; int part; } mark;
static const mark marks[] = {
    {"課題", TY_PART_PURPOSE}, {"目的", TY_PART_PURPOSE},
    {"解決手段", TY_PART_MEANS}, {"手段", TY_PART_MEANS}, {"構成", TY_PART_MEANS},
    {"効果", TY_PART_EFFECT},  {"選択図", TY_PART_END},  {"要約", TY_PART_NONE},
};

/* The part a 【label】 of n bytes opens (TY_PART_OTHER for an unknown one). */
static int mark_part(const char *label, size_t n) {
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (memmem(label, n, marks[i].label, strlen(marks[i].label))) return marks[i].part;
    return TY_PART_OTHER;
}

static int has(const char *p, size_t n, const char *w) {
    return memmem(p, n, w, strlen(w)) != NULL;
}

/* ASCII-case-insensitive has(). */
static int has_ci(const char *p, size_t n, const char *w) {
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && (p[i + j] | 0x20) == w[j]) j++;
        if (j == k) return 1;
    }
    return 0;
}

/* The part of one unmarked sentence p[0..n). */
static int sentence_part(const char *p, size_t n) {
    if (has(p, n, "目的") || has(p, n, "課題") ||
        (n >= 12 && (has(p + n - 12, 12, "提供する") || has(p + n - 12, 12, "提供す"))))
        return TY_PART_PURPOSE;
    if (!strncmp(p, "これにより", 15) || !strncmp(p, "その結果", 12) ||
        !strncmp(p, "この結果", 12) || !strncmp(p, "それにより", 15))
        return TY_PART_EFFECT;
    if (has_ci(p, n, "object of") || has_ci(p, n, "objective") || has_ci(p, n, "aim of") ||
        has_ci(p, n, "purpose of") || has_ci(p, n, "an object"))
        return TY_PART_PURPOSE;
    if (has_ci(p, n, "thereby") || has_ci(p, n, "as a result") || has_ci(p, n, "advantage"))
        return TY_PART_EFFECT;
    return TY_PART_MEANS;
}

/* Length of the sentence at p (up to e): through 。．！？, ". " or a line
 * end, or up to the next 【. */
static size_t sentence_len(const char *p, const char *e) {
    for (const char *q = p; q < e; q++) {
        if (*q == '\n') return (size_t)(q + 1 - p);
        if (e - q >= 3 && (!memcmp(q, "。", 3) || !memcmp(q, "．", 3) ||
                           !memcmp(q, "！", 3) || !memcmp(q, "？", 3)))
            return (size_t)(q + 3 - p);
        if (q > p && e - q >= 3 && !memcmp(q, "【", 3)) return (size_t)(q - p);
        if ((*q == '.' || *q == ';' || *q == '?' || *q == '!') && (q + 1 == e || q[1] == ' '))
            return (size_t)(q + 1 - p);
    }
    return (size_t)(e - p);
}

/* Add span p[0..n) of part to out (merged with the last span when it
 * continues it in the same part). */
static void add_span(ty_span *out, size_t cap, size_t *k, const char *p, size_t n, int part) {
    if (!n) return;
    if (*k && out[*k - 1].part == part && out[*k - 1].p + out[*k - 1].n == p) {
        out[*k - 1].n += n;
        return;
    }
    if (*k < cap) out[(*k)++] = (ty_span){p, n, part};
}

size_t ty_parts_split(const char *text, size_t len, ty_span *out, size_t cap) {
    size_t k = 0;
    if (!text) return 0;
    const char *p = text, *e = text + len;
    int part = TY_PART_NONE; /* none yet: read sentence by sentence */
    while (p < e) {
        if (e - p >= 6 && !memcmp(p, "【", 3)) {
            size_t lim = (size_t)(e - p - 3) < 40 ? (size_t)(e - p - 3) : 40;
            const char *q = memmem(p + 3, lim, "】", 3);
            if (q) {
                int m = mark_part(p + 3, (size_t)(q - p - 3));
                if (m == TY_PART_END) break;
                if (m != TY_PART_NONE) part = m;
                p = q + 3;
                continue;
            }
        }
        size_t n = sentence_len(p, e);
        if (!n) n = 1;
        add_span(out, cap, &k, p, n, part == TY_PART_NONE ? sentence_part(p, n) : part);
        p += n;
    }
    return k;
}

/* ========================================================= functions */

/* Actions that say nothing about a technique. */
static const char *const generic_acts[] = {
    "する", "行う", "有する", "備える", "具備", "含む", "設ける", "用いる", "使用", "利用",
    "提供", "可能", "構成", "得る", "図る", "実現", "達成", "持つ", "なす", "介する",
    "通じる", "経る", "含有", "兼ねる", "目的", "課題", "解決", "特徴", "実施", "採用",
    "適用", "記載", "開示", "なる", "ある", "いう", "できる", "させる", "れる", "られる",
    "有", "備え", "設け", "用い", "もつ", "示す", "与える", "受ける", NULL};

/* Verbs and their サ変 equivalents. */
static const char *const verb_acts[][2] = {
    {"抑える", "抑制"}, {"防ぐ", "防止"}, {"減らす", "低減"}, {"高める", "向上"},
    {"取り除く", "除去"}, {"除く", "除去"}, {"冷やす", "冷却"}, {"温める", "加熱"},
    {"保つ", "保持"}, {"止める", "停止"}, {"知らせる", "報知"}, {"避ける", "回避"},
    {"促す", "促進"}, {"集める", "収集"}, {"伝える", "伝達"}, {"測る", "測定"},
    {"変える", "変更"}, {"切る", "切断"}, {"混ぜる", "混合"}, {"貯める", "貯留"},
    {"送る", "送出"}, {"吸う", "吸引"}, {"洗う", "洗浄"}, {"乾かす", "乾燥"},
    {"溶かす", "溶解"}, {"固める", "固化"}, {"分ける", "分離"}, {"覆う", "被覆"},
    {"遮る", "遮断"}, {"弱める", "低減"}, {"強める", "強化"}, {"抑え込む", "抑制"},
    {"なくす", "除去"}, {"下げる", "低下"}, {"上げる", "上昇"}, {"早める", "促進"},
    {"見る", "視認"}, {"照らす", "照明"}, {"調べる", "検査"}, {"掴む", "把持"},
    {"つかむ", "把持"}, {"運ぶ", "搬送"}, {"押す", "押圧"}, {"引く", "牽引"},
    {"回す", "回転"}, {"曲げる", "屈曲"}, {"削る", "切削"}, {"磨く", "研磨"},
    {"塗る", "塗布"}, {"貼る", "貼付"}, {"埋める", "充填"}, {"満たす", "充填"},
    {NULL, NULL}};

/* Light nouns: "X の <light> を 抑える" is a function on X. */
static const char *const light_nouns[] = {"発生", "生成", "形成", "付着", "侵入", "流出",
                                          "漏れ", "漏洩", "進行", "拡散", NULL};

/* The condition verbs after に: "X に応じて" is the technique responding
 * to X. */
static const char *const cond_verbs[] = {"応じる", "基づく", "従う", "対応", "応答", NULL};

/* English action stems (Porter2). */
static const char *const en_acts[] = {
    "reduc", "prevent", "suppress", "remov", "detect", "cool", "heat", "display", "measur",
    "increas", "decreas", "improv", "avoid", "limit", "inhibit", "protect", "clean", "separ",
    "absorb", "filter", "convert", "transmit", "store", "generat", "maintain", "adjust",
    "compens", "elimin", "minim", "maxim", "enhanc", "damp", "attenu", "regul", "monitor",
    "estim", "predict", "stabil", "seal", "dissip", "captur", "recov", "purifi", "steril",
    "dispens", "dri", "mix", "cut", "grind", "coat", "bond", "weld", "lubric", "charg",
    "discharg", "illumin", "sens", "control", "correct", "compress", "insul", "shield",
    "block", "cancel", "identifi", "classifi", "locat", "track", "align", "posit", "rotat",
    "transport", "convey", "deliv", "suppli", "inject", "extract", "dissolv", "emit", NULL};

static int in_list(const char *const *l, const char *p, size_t n) {
    for (; *l; l++)
        if (strlen(*l) == n && !memcmp(*l, p, n)) return 1;
    return 0;
}

static int feat(const ty_morph *m, const char *lit) {
    size_t k = strlen(lit);
    return m->pos_len >= k && !memcmp(m->pos, lit, k) && (m->pos_len == k || m->pos[k] == ',');
}

/* Kinds of a morpheme for the function reader. */
enum { F_OTHER, F_NOUN, F_SAHEN, F_SKIP, F_WO, F_NO, F_NI, F_VERB };

static int fkind(const ty_morph *m) {
    if (feat(m, "名詞,数") || feat(m, "記号")) return F_SKIP;
    if (feat(m, "名詞,サ変接続")) return F_SAHEN;
    if (feat(m, "名詞,一般") || feat(m, "名詞,固有名詞") || feat(m, "名詞,形容動詞語幹") ||
        feat(m, "名詞,接尾,一般") || feat(m, "名詞,接尾,サ変接続") || feat(m, "接頭詞,名詞接続"))
        return F_NOUN;
    if (feat(m, "助詞,格助詞")) {
        if (m->surface_len == 3 && !memcmp(m->surface, "を", 3)) return F_WO;
        if (m->surface_len == 3 && !memcmp(m->surface, "に", 3)) return F_NI;
    }
    if (feat(m, "助詞,連体化") && m->surface_len == 3 && !memcmp(m->surface, "の", 3)) return F_NO;
    if (feat(m, "動詞,自立")) return F_VERB;
    return F_OTHER;
}

void ty_fn_begin(ty_fn_reader *r, void (*emit)(void *, const char *, size_t, const char *, size_t),
                 void *ud) {
    memset(r, 0, sizeof *r);
    r->emit = emit;
    r->ud = ud;
}

/* Report object o (bytes of a noun run, with its head's offset) and action. */
static void report(ty_fn_reader *r, const char *o, size_t on, size_t head, const char *a,
                   size_t an) {
    static const char *const lead[] = {"前記", "上記", "当該", "該", "各", "所定", NULL};
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; lead[i]; i++) {
            size_t k = strlen(lead[i]);
            if (on > k && !memcmp(o, lead[i], k)) {
                o += k;
                on -= k;
                head = head >= k ? head - k : 0;
                again = 1;
            }
        }
    }
    if (!on || !an || in_list(generic_acts, a, an) || in_list(generic_acts, o, on)) return;
    r->emit(r->ud, o, on, a, an);
    if (head > 0 && head < on && on - head >= 6) r->emit(r->ud, o + head, on - head, a, an);
}

/* The noun run being read ends. */
static void run_end(ty_fn_reader *r) {
    if (!r->run.len) return;
    memcpy(&r->last, &r->run, sizeof r->run);
    r->run.len = 0;
    r->run.head = 0;
    r->run.sahen = 1;
}

static void run_add(ty_fn_reader *r, const ty_morph *m, int k) {
    if (r->run.len == 0) r->run.sahen = 1;
    if (r->run.len + m->surface_len >= sizeof r->run.text) return; /* too long: kept as is */
    if (k == F_NOUN || k == F_SAHEN) r->run.head = r->run.len;
    if (k != F_SAHEN) r->run.sahen = 0;
    memcpy(r->run.text + r->run.len, m->surface, m->surface_len);
    r->run.len += m->surface_len;
}

void ty_fn_morph(ty_fn_reader *r, const ty_morph *m) {
    int k = fkind(m);
    if (k == F_SKIP && r->run.len) return; /* a number or sign inside a run */
    if (k == F_NOUN || k == F_SAHEN) {
        run_add(r, m, k);
        return;
    }
    int had_run = r->run.len > 0;
    run_end(r);
    if (r->wait) r->wait--;
    switch (k) {
    case F_NO:
        if (had_run) {
            memcpy(&r->of, &r->last, sizeof r->last);
            r->of_fresh = 2;
        }
        return;
    case F_WO:
        if (!had_run) break;
        /* X の <light noun> を / X の <action noun> を <verb> */
        if (r->of_fresh && in_list(light_nouns, r->last.text, r->last.len)) {
            memcpy(&r->obj, &r->of, sizeof r->of);
        } else if (r->of_fresh && r->last.sahen) {
            report(r, r->of.text, r->of.len, r->of.head, r->last.text, r->last.len);
            memcpy(&r->obj, &r->last, sizeof r->last);
        } else {
            memcpy(&r->obj, &r->last, sizeof r->last);
        }
        r->wait = 3;
        r->of_fresh = 0;
        return;
    case F_NI:
        if (had_run) {
            memcpy(&r->ni, &r->last, sizeof r->last);
            r->ni_wait = 2;
        }
        break;
    case F_VERB:
        if (r->ni_wait && (in_list(cond_verbs, m->base, m->base_len) ||
                           (had_run && in_list(cond_verbs, r->last.text, r->last.len)))) {
            report(r, r->ni.text, r->ni.len, r->ni.head, "応答", 6);
            r->ni_wait = 0;
        }
        if (r->wait && r->obj.len) {
            if (had_run && r->last.sahen) { /* 振動を抑制する */
                report(r, r->obj.text, r->obj.len, r->obj.head, r->last.text, r->last.len);
            } else if (!had_run) { /* 振動を抑える */
                for (int i = 0; verb_acts[i][0]; i++)
                    if (strlen(verb_acts[i][0]) == m->base_len &&
                        !memcmp(verb_acts[i][0], m->base, m->base_len)) {
                        report(r, r->obj.text, r->obj.len, r->obj.head, verb_acts[i][1],
                               strlen(verb_acts[i][1]));
                        break;
                    }
            }
            r->wait = 0;
            r->obj.len = 0;
        }
        break;
    default:
        break;
    }
    if (r->of_fresh) r->of_fresh--;
    if (r->ni_wait) r->ni_wait--;
    if (!r->wait) r->obj.len = 0;
}

void ty_fn_end(ty_fn_reader *r) {
    /* a sentence ending on 振動を抑制 (no verb after it) */
    int had_run = r->run.len > 0;
    run_end(r);
    if (r->wait && r->obj.len && had_run && r->last.sahen)
        report(r, r->obj.text, r->obj.len, r->obj.head, r->last.text, r->last.len);
    r->wait = 0;
    r->obj.len = 0;
    r->of_fresh = 0;
    r->ni_wait = 0;
}

void ty_fn_term(ty_fn_reader *r, const char *t, size_t n) {
    if (r->en_act[0]) {
        report(r, t, n, 0, r->en_act, strlen(r->en_act));
        if (++r->en_n >= 2) r->en_act[0] = 0;
    }
    if (in_list(en_acts, t, n) && n < sizeof r->en_act) {
        memcpy(r->en_act, t, n);
        r->en_act[n] = 0;
        r->en_n = 0;
    }
}
