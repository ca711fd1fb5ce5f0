/*
 * phrases.c — application phrases: the expressions by which a patent says
 * what it is for (「内視鏡装置に用いる」「医療用」「監視システムに適用」
 * 「撮像部を備えた車両」, "for use in medical imaging", "suitable for
 * vehicles"). `tenyo ideas` quotes them from a proposed field's evidence
 * patents, so that an idea names a concrete application, not just a field.
 *
 * Found on MeCab's analysis, never with regular expressions over bytes: the
 * tokenizer (tokenizer.c) already walks every morpheme of the text once for
 * the index terms, and feeds each one here as well (ty_phr_morph), so
 * phrases cost no second parse. A regular expression over raw text cannot
 * tell where the noun phrase before 「に用いる」 begins (「前記車両の運転支援
 * に用いる」: the target is 車両の運転支援) nor that 「用」 in 「使用」 is not the
 * suffix of 「医療用」; the part-of-speech sequence can.
 *
 * Japanese patterns (ipadic features), NP = a noun phrase:
 *   NP に 用いる | 適する(適した)                 "NPに用いる", "NPに適した"
 *   (a も after に is skipped: 「NPにも適用」 is read as 「NPに適用」)
 *   NP に 適用 | 利用 | 応用 | 使用 | 好適 | 最適 | 搭載  "NPに適用" ...
 *   NP の ため                                  "NPのため" (not when the NP
 *                                               is one verbal noun: 操作のため)
 *   NP 用 | 向け  (名詞,接尾)                     "NP用", "NP向け" (not when
 *                                               the NP is verbal nouns only:
 *                                               表示用, 適用判定用)
 *   NP1 を 備える(備えた) NP2                     "NP1を備えたNP2" (target NP2;
 *                                               not when NP2 carries a
 *                                               reference sign or the title
 *                                               does not name NP1: parts of
 *                                               the mechanism described)
 * NP: a run of nouns (一般, 固有名詞, サ変接続, 形容動詞語幹, 接尾, 数) with
 * a leading 接頭詞,名詞接続 allowed and one 「の」 joining two nouns
 * (車両の運転支援). Leading determiners (前記, 上記, 当該, 該, 本, 各 ...) are
 * dropped; an NP longer than PH_MAX_CHARS keeps its rightmost members
 * (Japanese is head-final); an NP that is only a generic word (装置, もの,
 * 用途 ...) is no target.
 *
 * English patterns over ICU words (no tagger is available for English, so a
 * closed list of trigger word sequences and function words stands in for
 * part-of-speech tags): "for use in|with", "suitable for", "applicable
 * to", "useful for|in", "adapted for|to", "intended for", "designed for",
 * "used in|for", "applied to", then the target: up to PH_EN_WORDS words,
 * leading articles skipped, ended by punctuation or a function word (a
 * target still going on after PH_EN_WORDS words is cut back to its head
 * before "of", or dropped: a whole noun phrase or none); a
 * one-word generic target ("used in conjunction") is none, nor is one word
 * after a trigger ending in "to" (an infinitive: "applied to reduce"). After the first
 * word, a word ending in -ed or -ly (a participle or an adverb: "membrane
 * samples used") ends the target too. The target keeps the original case
 * of the text where the tokenizer has it (ASCII text, whose normalised
 * form is byte for byte the original but lowercased).
 *
 * Output goes to a callback as (target, expression) slices valid during the
 * call; the builder keeps a few distinct ones per document.
 */
#include "text/text.h"

#include <stdio.h>
#include <string.h>

/* Most characters of a Japanese target NP. */
#define PH_MAX_CHARS 24
/* Most words of an English target. */
#define PH_EN_WORDS 5
/* Most morphemes read past inside a parenthesis. */
#define PAREN_MAX 12

/* ================================================================ Japanese */

/* Morpheme kinds the patterns look at. */
enum { PK_OTHER, PK_NOUN, PK_SAHEN, PK_NUM, PK_PREFIX, PK_SUFFIX, PK_NO,
       PK_NI, PK_WO, PK_VERB, PK_AUX };

/* Members that make a noun phrase by themselves. */
#define IS_NOUN(k) ((k) == PK_NOUN || (k) == PK_SAHEN || (k) == PK_NUM)

/* Does the feature string start with the fields lit, e.g. "名詞,一般"? */
static int feat_n(const ty_morph *m, const char *lit, size_t k) {
    return m->pos_len >= k && memcmp(m->pos, lit, k) == 0 &&
           (m->pos_len == k || m->pos[k] == ',');
}
#define FEAT(m, lit) feat_n((m), (lit), sizeof(lit) - 1)

static int eq(const char *s, size_t n, const char *lit) {
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int kind_of(const ty_morph *m) {
    if (FEAT(m, "名詞")) {
        if (FEAT(m, "名詞,接尾")) return PK_SUFFIX;
        if (FEAT(m, "名詞,サ変接続")) return PK_SAHEN;
        if (FEAT(m, "名詞,数")) return PK_NUM;
        if (FEAT(m, "名詞,一般") || FEAT(m, "名詞,固有名詞") ||
            FEAT(m, "名詞,形容動詞語幹"))
            return PK_NOUN;
        return PK_OTHER; /* 非自立 (こと, もの), 代名詞, 副詞可能 */
    }
    if (FEAT(m, "接頭詞,名詞接続")) return PK_PREFIX;
    if (FEAT(m, "助詞,連体化")) return PK_NO;
    if (FEAT(m, "助詞,格助詞") && eq(m->surface, m->surface_len, "に")) return PK_NI;
    if (FEAT(m, "助詞,格助詞") && eq(m->surface, m->surface_len, "を")) return PK_WO;
    if (FEAT(m, "動詞")) return PK_VERB;
    if (FEAT(m, "助動詞")) return PK_AUX;
    return PK_OTHER;
}

/* Words that are no application on their own. */
static const char *const generic_ja[] = {
    "装置", "機器", "部材", "部品", "用途", "分野", "もの", "方法", "システム",
    "構成", "技術", "発明", "本発明", "各種", "種々", "様々", "製品", "物品",
    "目的", "使用", "場合", "機構", "手段", "処理", "もの", "全般", "一般",
    "これら", "それら", NULL};

/* Determiners dropped from the front of an NP. */
static const char *const lead_ja[] = {
    "前記", "上記", "当該", "該", "本", "各", "同", "所定", "他", "別", "一",
    "複数", "少なくとも", NULL};

/* The document speaking of itself: dropped with the の that follows
 * (本発明の抗菌用 names 抗菌, not 発明の抗菌). */
static const char *const self_ja[] = {
    "発明", "本発明", "考案", "本考案", "本願", "実施形態", "実施例",
    "本実施形態", "本実施例", "実施", "形態", NULL};

static int in_list(const char *const *l, const char *s, size_t n) {
    for (; *l; l++)
        if (eq(s, n, *l)) return 1;
    return 0;
}

/* Code points of UTF-8 bytes s[0..n). */
static size_t nchars(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The target of noun phrase np (a slice of its text) after the cleanup
 * rules; 0 when it names no target. */
static int np_target(const ty_np *np, const char **s, size_t *n) {
    int first = 0, last = np->nmem; /* members [first, last) */
    /* drop determiners, numbers (第2の), dangling の / suffixes and the
     * document's words for itself before an の (本発明の, 実施形態の) in front */
    for (;;) {
        while (first < last && (np->kind[first] == PK_NO || np->kind[first] == PK_SUFFIX ||
                                np->kind[first] == PK_NUM ||
                                in_list(lead_ja, np->text + np->off[first],
                                        np->off[first + 1] - np->off[first])))
            first++;
        int k = first; /* 実施 形態 の: the self words may be several members */
        while (k < last && in_list(self_ja, np->text + np->off[k], np->off[k + 1] - np->off[k]))
            k++;
        if (k == first || k >= last || np->kind[k] != PK_NO) break;
        first = k + 1;
    }
    /* and reference numerals, labels or 用 at the end (車両1, 車両A, 自動車用) */
    while (last > first &&
           (np->kind[last - 1] == PK_NO || np->kind[last - 1] == PK_NUM ||
            (np->kind[last - 1] == PK_SUFFIX &&
             (eq(np->text + np->off[last - 1], np->off[last] - np->off[last - 1], "用") ||
              eq(np->text + np->off[last - 1], np->off[last] - np->off[last - 1], "向け"))) ||
            (np->off[last] - np->off[last - 1] == 1 &&
             (unsigned char)np->text[np->off[last - 1]] < 0x80)))
        last--;
    int cut = 0;
    while (first < last &&
           nchars(np->text + np->off[first], np->off[last] - np->off[first]) > PH_MAX_CHARS) {
        first++;
        cut = 1;
        while (first < last && (np->kind[first] == PK_SUFFIX || np->kind[first] == PK_NO))
            first++;
    }
    /* a cut must not leave half a word in front (制|御システム) */
    while (cut && first < last && nchars(np->text + np->off[first], np->off[first + 1] - np->off[first]) < 2)
        first++;
    if (first >= last) return 0;
    *s = np->text + np->off[first];
    *n = np->off[last] - np->off[first];
    if (nchars(*s, *n) < 2 || in_list(generic_ja, *s, *n)) return 0;
    /* a target must hold a kanji, kana or letter, not only digits */
    for (size_t i = 0; i < *n; i++)
        if ((unsigned char)(*s)[i] >= 0x80 || ((*s)[i] | 32) >= 'a') return 1;
    return 0;
}

/* Whether target t[0..tn) of np is one verbal noun (サ変接続) alone. */
static int bare_action(const ty_np *np, const char *t, size_t tn) {
    for (int i = 0; i < np->nmem; i++)
        if (np->text + np->off[i] == t)
            return np->off[i + 1] - np->off[i] == tn && np->kind[i] == PK_SAHEN;
    return 0;
}

/* Report target + expression built from parts. */
static void say(ty_phraser *p, const char *t, size_t tn, const char *pre,
                size_t pn, const char *mid, const char *post, size_t qn) {
    char e[TY_PHRASE_MAX];
    size_t ml = strlen(mid);
    if (pn + ml + qn >= sizeof e || tn == 0) return;
    memcpy(e, pre, pn);
    memcpy(e + pn, mid, ml);
    memcpy(e + pn + ml, post, qn);
    p->emit(p->ud, t, tn, e, pn + ml + qn);
}

/* Close the current NP: when it holds anything it becomes the last NP, and
 * a pending 「を備えた」 takes it as its target unless it is a part of the
 * mechanism described, not what the invention serves. */
static void np_close(ty_phraser *p) {
    ty_np *np = &p->cur;
    int part = 0;
    if (np->nmem && np->kind[np->nmem - 1] == PK_NO) np->nmem--; /* の not followed by a noun */
    /* NP2 with a reference sign (ロボット２０, 車両1a): an element of the
     * embodiment described, not what the invention serves */
    int l = np->nmem - 1;
    if (l >= 0 && (np->kind[l] == PK_NUM ||
                   (np->off[l + 1] - np->off[l] == 1 && (unsigned char)np->text[np->off[l]] < 0x80)))
        part = 1;
    /* NP1 is the invention when the title names it (a document with no
     * title line: its first line); else NP1 is a part and NP2 the larger
     * part holding it (流量制御装置を備えたバイパス経路) */
    const char *t0 = p->title0, *t1 = p->title1 ? p->title1 : p->prev_end;
    if (!t0 || !t1 || !memmem(t0, (size_t)(t1 - t0), p->sonae_np, p->sonae_len)) part = 1;
    if (np->nmem && p->sonae > 0 && !part) {
        const char *t;
        size_t tn;
        if (np_target(np, &t, &tn))
            say(p, t, tn, p->sonae_np, p->sonae_len, "を備えた", t, tn);
    }
    p->sonae = 0;
    if (np->nmem) p->last = *np;
    np->nmem = 0;
    np->off[0] = 0;
}

static void np_add(ty_phraser *p, const ty_morph *m, int kind) {
    ty_np *np = &p->cur;
    if (np->nmem >= TY_NP_MEMBERS || np->off[np->nmem] + m->surface_len > sizeof np->text) {
        /* too long: keep the newest half (head-final) */
        int keep = np->nmem / 2, drop = np->nmem - keep;
        uint32_t base = np->off[drop];
        memmove(np->text, np->text + base, np->off[np->nmem] - base);
        for (int i = 0; i <= keep; i++) {
            np->off[i] = np->off[i + drop] - base;
            if (i < keep) np->kind[i] = np->kind[i + drop];
        }
        np->nmem = keep;
        if (np->off[np->nmem] + m->surface_len > sizeof np->text) return;
    }
    memcpy(np->text + np->off[np->nmem], m->surface, m->surface_len);
    np->kind[np->nmem] = (uint8_t)kind;
    np->off[np->nmem + 1] = np->off[np->nmem] + (uint32_t)m->surface_len;
    np->nmem++;
}

void ty_phr_reset(ty_phraser *p) {
    p->cur.nmem = 0;
    p->cur.off[0] = 0;
    p->last.nmem = 0;
    p->last.off[0] = 0;
    p->prev = PK_OTHER;
    p->cur_has_no = 0;
    p->sonae = 0;
    p->paren = 0;
    p->en_state = 0;
    p->en_nw = 0;
    p->prev_end = NULL;
    p->title0 = p->title1 = NULL;
}

void ty_phr_morph(ty_phraser *p, const ty_morph *m) {
    /* white space between morphemes (a line break between title and
     * abstract) ends every pattern: nothing spans it */
    if (!p->title0) p->title0 = m->surface;
    if (p->prev_end && m->surface != p->prev_end) {
        if (!p->title1) p->title1 = p->prev_end; /* the first line ends */
        np_close(p);
        p->last.nmem = 0;
        p->prev = PK_OTHER;
        p->cur_has_no = 0;
        p->paren = 0;
    }
    p->prev_end = m->surface + m->surface_len;
    int k = kind_of(m);
    const char *s = m->surface;
    size_t n = m->surface_len;
    ty_np *np = &p->cur;
    /* a parenthesis (an abbreviation, a reference sign: 燃料電池（ＳＯＦＣ）
     * を備えた) is read past, as if absent; one left open past PAREN_MAX
     * morphemes ends every pattern instead */
    if (eq(s, n, "(") || eq(s, n, "（")) {
        if (p->paren == 0) p->paren = 1;
        return;
    }
    if (p->paren > 0) {
        if (eq(s, n, ")") || eq(s, n, "）")) p->paren = 0;
        else if (++p->paren > PAREN_MAX) {
            p->paren = 0;
            np_close(p);
            p->last.nmem = 0;
            p->prev = PK_OTHER;
            p->cur_has_no = 0;
        }
        return;
    }
    if (IS_NOUN(k) || k == PK_PREFIX || k == PK_SUFFIX ||
        (k == PK_NO && np->nmem && np->kind[np->nmem - 1] != PK_NO &&
         !p->cur_has_no)) {
        /* NP に 適用 / 利用 ...: an application noun right after に */
        if (IS_NOUN(k) && p->prev == PK_NI &&
            (eq(s, n, "適用") || eq(s, n, "利用") || eq(s, n, "応用") ||
             eq(s, n, "使用") || eq(s, n, "好適") || eq(s, n, "最適") ||
             eq(s, n, "搭載"))) {
            const char *t;
            size_t tn;
            if (np_target(&p->last, &t, &tn)) {
                char mid[32];
                memcpy(mid, "に", 3);
                memcpy(mid + 3, s, n < 24 ? n : 24);
                mid[3 + (n < 24 ? n : 24)] = 0;
                say(p, t, tn, t, tn, mid, "", 0);
            }
        }
        /* NP 用 / NP 向け: the suffix names what the NP is for */
        if (k == PK_SUFFIX && np->nmem && (eq(s, n, "用") || eq(s, n, "向け"))) {
            const char *t;
            size_t tn;
            char mid[8];
            memcpy(mid, s, n);
            mid[n] = 0;
            /* 表示用, 適用判定用: verbal nouns only name a function, not a use */
            int func = 1;
            for (int i = 0; i < np->nmem && func; i++) func = np->kind[i] == PK_SAHEN;
            if (!func && np_target(np, &t, &tn)) say(p, t, tn, t, tn, mid, "", 0);
        }
        if (k == PK_PREFIX && np->nmem) np_close(p);
        if (np->nmem == 0) p->cur_has_no = 0;
        if (k == PK_NO) p->cur_has_no = 1;
        np_add(p, m, k);
        p->prev = k;
        return;
    }
    /* に も 適用 (also applicable to): も after に changes nothing */
    if (p->prev == PK_NI && FEAT(m, "助詞,係助詞") && eq(s, n, "も")) {
        p->prev_end = m->surface + m->surface_len;
        return;
    }
    int sonae = p->sonae; /* np_close clears it */
    int had_np = np->nmem > 0 && np->kind[np->nmem - 1] != PK_NO;
    int after_no = p->prev == PK_NO && np->nmem > 0;
    np_close(p);
    /* NP の ため: the purpose the invention serves; not one verbal noun
     * alone (操作のため, 吸収のため: an action, no use; 衝突回避のため
     * names what is done to what) */
    if (after_no && eq(s, n, "ため")) {
        const char *t;
        size_t tn;
        if (np_target(&p->last, &t, &tn) && !bare_action(&p->last, t, tn))
            say(p, t, tn, t, tn, "のため", "", 0);
    }
    p->cur_has_no = 0;
    if (k == PK_VERB && p->prev == PK_NI) {
        const char *t;
        size_t tn;
        const char *b = m->base;
        size_t bn = m->base_len;
        if (np_target(&p->last, &t, &tn)) {
            if (eq(b, bn, "用いる")) say(p, t, tn, t, tn, "に用いる", "", 0);
            else if (eq(b, bn, "適する")) say(p, t, tn, t, tn, "に適した", "", 0);
        }
    }
    if (k == PK_VERB && p->prev == PK_WO && eq(m->base, m->base_len, "備える")) {
        const char *t;
        size_t tn;
        if (np_target(&p->last, &t, &tn) && tn < sizeof p->sonae_np) {
            memcpy(p->sonae_np, t, tn);
            p->sonae_len = tn;
            p->sonae = 2; /* the NP must start within the next two morphemes */
        }
    } else if (sonae > 0 && k == PK_AUX) {
        p->sonae = sonae - 1; /* 備え|た, 備え|て(no: break below) */
        if (!eq(s, n, "た") && !eq(s, n, "る")) p->sonae = 0;
    }
    /* last survives only as the NP right before に / を */
    if ((k != PK_NI && k != PK_WO) || !had_np) p->last.nmem = 0;
    p->prev = k;
}

/* ================================================================= English */

/* Triggers: word sequences ending in the word before the target. */
static const char *const en_triggers[][3] = {
    {"for", "use", "in"}, {"for", "use", "with"}, {"suitable", "for", NULL},
    {"applicable", "to", NULL}, {"useful", "for", NULL}, {"useful", "in", NULL},
    {"adapted", "for", NULL}, {"intended", "for", NULL}, {"designed", "for", NULL},
    {"used", "in", NULL}, {"applied", "to", NULL}, {"suited", "for", NULL},
    {"suited", "to", NULL}};

/* Words that end an English target. */
static const char *const en_stop[] = {
    "and", "or", "that", "which", "with", "wherein", "where", "whereby", "to",
    "by", "as", "is", "are", "be", "being", "been", "such", "including",
    "comprising", "in", "on", "at", "from", "for", "this", "these", "it",
    "its", "their", "can", "may", "will", "while", "when", "so", "than",
    "having", "has", "have", "was", "were", "into", "through", "via", "using",
    "without", "not", "each", "other", "also", "etc", "among", "between",
    "about", "after", "before", "during", "under", "over", "within", "upon",
    "then", "there", "here", "if", "but", "both", "either", "only", "more",
    "most", "less", "like", "should", "would", "could", "must", "shall", "do",
    "does", "did", "used", "thereof", "therein", "thereto", "herein", "e.g",
    "i.e", "what", "whose", "same", "described", "above", "below",
    NULL};

/* Articles skipped at the start of a target. */
static const char *const en_lead[] = {"a", "an", "the", "any", "various",
                                      "many", "all", "said", "example", NULL};

/* One-word English targets that name no application ("used in
 * conjunction", "adapted for connection"). */
static const char *const en_generic[] = {
    "conjunction", "connection", "combination", "accordance", "addition",
    "order", "response", "place", "part", "parts", "particular", "general",
    "practice", "process", "processes", "method", "methods", "system",
    "systems", "device", "devices", "apparatus", "use", "example", "case",
    "cases", "step", "steps", "same", "positioning", "operation", "various",
    "different", "other", "certain", "one", "two", NULL};

static void en_flush(ty_phraser *p) {
    if (p->en_state != 2) return;
    p->en_state = 0;
    size_t tn = p->en_tlen;
    while (tn && p->en_target[tn - 1] == ' ') tn--;
    /* a trailing "of" would dangle */
    if (tn >= 3 && memcmp(p->en_target + tn - 3, " of", 3) == 0) tn -= 3;
    if (tn < 3) return;
    int letters = 0;
    for (size_t i = 0; i < tn; i++)
        letters += (p->en_target[i] | 32) >= 'a' && (p->en_target[i] | 32) <= 'z';
    char low[sizeof p->en_target];
    for (size_t i = 0; i < tn; i++)
        low[i] = p->en_target[i] >= 'A' && p->en_target[i] <= 'Z' ? (char)(p->en_target[i] + 32)
                                                                 : p->en_target[i];
    if (letters < 3 || in_list(en_generic, low, tn)) return;
    /* "applied to reduce", "adapted to receive": one word after a "to"
     * trigger is an infinitive, not a use */
    size_t gl = strlen(p->en_trig);
    if (gl >= 3 && strcmp(p->en_trig + gl - 3, " to") == 0 && !memchr(low, ' ', tn)) return;
    say(p, p->en_target, tn, p->en_trig, strlen(p->en_trig), " ", p->en_target, tn);
}

/* A word ending in suffix (case-folded words). */
static int ends_with(const char *w, size_t n, const char *suf) {
    size_t k = strlen(suf);
    return n > k + 2 && memcmp(w + n - k, suf, k) == 0;
}

void ty_phr_word(ty_phraser *p, const char *w, size_t n, const char *orig, int punct_before) {
    if (punct_before) {
        en_flush(p);
        p->en_state = 0;
        p->en_nw = 0;
    }
    if (p->en_state == 2) {
        int stop = in_list(en_stop, w, n);
        /* after the first word, a participle or an adverb ends the noun
         * phrase ("membrane samples used ...", "devices typically ...") */
        if (p->en_tw > 0 && (ends_with(w, n, "ed") || ends_with(w, n, "ly"))) stop = 1;
        if (p->en_tw == 0) {
            /* "suitable for use in X": the target is X */
            if (eq(w, n, "use") && !p->en_use) {
                p->en_use = 1;
                return;
            }
            if (p->en_use == 1 && (eq(w, n, "in") || eq(w, n, "with") || eq(w, n, "on"))) {
                size_t l = strlen(p->en_trig);
                snprintf(p->en_trig + l, sizeof p->en_trig - l, " use %.*s", (int)n, w);
                p->en_use = 2;
                return;
            }
            if (!stop && in_list(en_lead, w, n)) return;
        }
        if (stop || p->en_tw >= PH_EN_WORDS || p->en_tlen + n + 1 >= sizeof p->en_target) {
            int of = eq(w, n, "of") && p->en_tw > 0 && p->en_tw < PH_EN_WORDS && !p->en_of &&
                     p->en_tlen + 3 < sizeof p->en_target;
            if (!of && !stop) {
                /* the noun phrase goes on past PH_EN_WORDS: a cut target
                 * ("administration of a stable dry") is no whole phrase;
                 * the head before an "of" is ("administration of a stable
                 * dry powder" -> "administration"); without an "of",
                 * nothing ("large flat panel liquid crystal display ...") */
                const char *o = NULL;
                for (size_t i = 0; i + 4 <= p->en_tlen; i++)
                    if (!memcmp(p->en_target + i, " of ", 4)) { o = p->en_target + i; break; }
                if (o) {
                    p->en_tlen = (size_t)(o - p->en_target);
                    en_flush(p);
                } else {
                    p->en_state = 0;
                }
            } else if (!of) en_flush(p);
            else {
                p->en_of = 1;
                memcpy(p->en_target + p->en_tlen, " of", 3);
                p->en_tlen += 3;
                return;
            }
        } else {
            if (p->en_tlen) p->en_target[p->en_tlen++] = ' ';
            /* the target in its original case where the caller has it */
            memcpy(p->en_target + p->en_tlen, orig ? orig : w, n);
            p->en_tlen += n;
            p->en_tw++;
            return;
        }
    }
    /* shift the window of the last words */
    if (n >= sizeof p->en_w[0]) n = sizeof p->en_w[0] - 1;
    memmove(p->en_w[0], p->en_w[1], sizeof p->en_w[0] * 2);
    memcpy(p->en_w[2], w, n);
    p->en_w[2][n] = 0;
    if (p->en_nw < 3) p->en_nw++;
    for (size_t t = 0; t < sizeof en_triggers / sizeof en_triggers[0]; t++) {
        int len = en_triggers[t][2] ? 3 : 2;
        if (p->en_nw < len) continue;
        int ok = 1;
        for (int i = 0; i < len && ok; i++)
            ok = strcmp(p->en_w[3 - len + i], en_triggers[t][i]) == 0;
        if (!ok) continue;
        size_t at = 0;
        for (int i = 0; i < len; i++)
            at += (size_t)snprintf(p->en_trig + at, sizeof p->en_trig - at, "%s%s",
                                   i ? " " : "", en_triggers[t][i]);
        p->en_state = 2;
        p->en_tlen = 0;
        p->en_tw = 0;
        p->en_of = 0;
        p->en_use = 0;
        p->en_nw = 0;
        return;
    }
}

void ty_phr_end(ty_phraser *p) {
    np_close(p);
    en_flush(p);
    ty_phr_reset(p);
}
