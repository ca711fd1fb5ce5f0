/*
 * patno.c — patent numbers as people type them.
 *
 * 特開２０２４－１２７４０７, JP2024-127407A or jp2024127407a find 特開2024-127407;
 * US 6,836,996 B2 or 6836996 find US06836996-20050104 (the USPTO bulk files'
 * id: number and grant date); sample-001 finds SAMPLE-001. In two steps:
 *
 *   1. the exact stored id (tenyo_index_find): an id is never reinterpreted
 *      when it is typed as stored;
 *   2. the canonical key of what was typed against the canonical keys of
 *      every indexed id (built once, on the first lookup that needs them,
 *      from any thread: ty_once). One key, one document: a key two
 *      documents share is not guessed between, both are offered instead.
 *
 * The key (tenyo_patno_key). NFKC with case folding first (ICU, the text
 * adapter: full-width digits and letters, ｰ, the ideographic space), then
 * separators dropped (spaces, - / , . _ : and the dashes people paste:
 * U+2010..2015, U+2212, ー). What remains is read as a patent number:
 *
 *   prefix   特開 特表 特許 → jp, 特公 → jp class b; 特願 → jpa, 実願 → jpa
 *            class u; 再表 → jpwo (a WO number republished, Google's
 *            JPWO…A1); 実登 実開 実全 実用新案登録 → jp class u (utility
 *            models: JP3123456U), 実公 → jp class y; an optional 第 and era
 *            昭 平 令 → s h r (JPH11123456A; a Western year before 2000 too:
 *            western_era); or a Latin country code (jp us wo ep
 *            cn kr de gb fr ca au tw) with at most two series letters (USD,
 *            USRE, USPP, JPH, JPWO);
 *   number   digit groups, joined (2024-127407, 6,836,996); an era year is
 *            two digits (平7 → h07); US numbers lose their leading zeros
 *            (US06836996 = US6836996, as Google writes them);
 *   kind     a letter and at most one digit (A, B2, A1, S) at the end,
 *            dropped: a publication (A) and its grant (B) carry different
 *            numbers in Japan, and one number one kind in the US, so the
 *            number alone names the document; classes stay (JP3123456U
 *            is not 特許3123456); B and Y of an era number are 特公 (b) and
 *            実公 (y), another application than the 特開 of that number;
 *   date     a last group of eight digits starting 19 or 20 after at least
 *            six digits of number (the -20050104 of the USPTO id), dropped;
 *   号, 公報 at the end are dropped.
 *
 * Anything else keeps its NFKC, case-folded, separator-free form
 * ("sample001"). The key also says whether the text has the shape of a
 * patent number: one of the forms above, bare digits (at least four), or
 * one to eight Latin letters then at least three digits (and an optional
 * kind). Free text never has it (it holds other words), so a page can
 * decide "id or text" by this rule and the index, never by length: an
 * input that resolves is an id; one shaped like a number that does not
 * is a mistyped number (answered with "did you mean", not searched as
 * text); anything else is text.
 *
 * Bare digits (2024127407, 6836996, 7398742) match the number part of the
 * keys (the key without its letters), the ids' and then the other
 * numbers' (a registration number typed bare): unique → that document.
 *
 * Other numbers (section "numbers": the application and registration
 * numbers the records carried, e.g. J-PlatPat's 出願番号 and 登録番号) get
 * keys too, pointing at their document: 特願2021-080612, 特願２０２１－０８０６１２
 * and 特許第7226841号 find the publication they belong to. An id's own key
 * wins over another document's number (特許7226841 indexed as a record of
 * its own is that record, not the publication that became it); a number two
 * documents claim is offered as both.
 *
 * "Did you mean", when nothing matches: the keys of the typed key's kind
 * (jpa for 特願 is not jp for 特開; any kind for bare digits) nearest by
 * Levenshtein distance on the ASCII keys, at most a quarter of the key's
 * length away, closest first, one per document; one pass over the keys,
 * only when a lookup fails. Rejected: a trigram index (memory for an error
 * path) and the raw ids' distance (特開２０２４… is 20 bytes from 特開2024…).
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

/* ============================================================ the key */

/* Japanese kind prefixes: the country (and series) they stand for, and
 * the class their keys end with. */
static const struct {
    const char *kanji; /* as written (UTF-8) */
    const char *pre;   /* key prefix */
    char cls;          /* 'u' utility model, 'b' 特公, 'y' 実公, 0 none */
} jp_prefix[] = {
    {"特開", "jp", 0}, {"特表", "jp", 0}, {"特許", "jp", 0}, {"特公", "jp", 'b'},
    {"再表", "jpwo", 0}, {"実登", "jp", 'u'}, {"実開", "jp", 'u'}, {"実全", "jp", 'u'},
    {"実公", "jp", 'y'}, {"特願", "jpa", 0}, {"実願", "jpa", 'u'},
    /* a utility model's registration written out (実用新案登録第3234843号,
     * the gazette's 登録実用新案第…号) is 実登 */
    {"実用新案登録", "jp", 'u'}, {"登録実用新案", "jp", 'u'},
};

/* The prefixes whose numbers start with a year (the others are serial):
 * before 2000 that year is an era's (特開平11-314709), which people also
 * write as the Western year (特開1999-314709; western_era). */
static const char *const year_prefixes[] = {"特開", "特表", "特公", "特願", "実開", "実公",
                                            "実全", "実願"};

/* Country codes read as the start of a Latin patent number. */
static const char *const countries[] = {"jp", "us", "wo", "ep", "cn", "kr",
                                        "de", "gb", "fr", "ca", "au", "tw"};

/* Bytes of the separator at s (UTF-8, NFKC'd), 0 when s is not one. */
static size_t sep_len(const unsigned char *s) {
    if (strchr(" \t\r\n-/,._:#", s[0]) && s[0]) return 1;
    /* U+2010..U+2015 (E2 80 90..95), U+2212 (E2 88 92), U+30FC ー (E3 83 BC),
     * U+30FB ・ (E3 83 BB) */
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0x95) return 3;
    if (s[0] == 0xE2 && s[1] == 0x88 && s[2] == 0x92) return 3;
    if (s[0] == 0xE3 && s[1] == 0x83 && (s[2] == 0xBC || s[2] == 0xBB)) return 3;
    return 0;
}

/* A digit group of the number part. */
typedef struct group {
    size_t off, len; /* in the compact string */
} group;

#define MAX_GROUPS 8

/* A Western year 1926-1999 where the number's era year belongs: the four
 * digits of the group at c[at] (followed by another group, or the ten
 * digits of an unseparated year and serial) rewritten in place as the
 * era's two (1989-1999 平 1-11, 1926-1988 昭 1-63), the groups after them
 * moved; the era's letter ('h', 's'), or 0 with nothing changed. */
static int western_era(ty_buf *c, group *g, size_t *ng, size_t at) {
    size_t i = 0;
    while (i < *ng && g[i].off != at) i++;
    if (i == *ng) return 0;
    int split = g[i].len == 10; /* 1999314709: year and serial in one group */
    if (!(g[i].len == 4 && i + 1 < *ng) && !(split && *ng < MAX_GROUPS)) return 0;
    int year = 0;
    for (size_t d = 0; d < 4; d++) year = year * 10 + (c->p[at + d] - '0');
    if (year < 1926 || year > 1999) return 0;
    int era = year >= 1989 ? 'h' : 's', ey = year >= 1989 ? year - 1988 : year - 1925;
    c->p[at] = (char)('0' + ey / 10);
    c->p[at + 1] = (char)('0' + ey % 10);
    memmove(c->p + at + 2, c->p + at + 4, c->len - at - 4 + 1);
    c->len -= 2;
    for (size_t j = i + 1; j < *ng; j++) g[j].off -= 2;
    if (split) { /* the serial a group of its own, after the year's */
        memmove(g + i + 2, g + i + 1, (*ng - i - 1) * sizeof *g);
        g[i + 1] = (group){at + 2, 6};
        (*ng)++;
    }
    g[i].len = 2;
    return era;
}

/* Read the separator-free tail t (after the prefix) as number, kind and
 * date. groups[] hold where separators cut the digits. Writes the key's
 * number part (and class) into k; 1 when t is a number, else 0. cls: the
 * class a kanji prefix gives; jp: a Latin JP number, whose kind letter
 * gives the class (B and Y of an era number, Y and U otherwise). */
static int read_number(const char *c, size_t at, const group *g, size_t ng,
                       int era, int strip_zeros, char cls, int jp, ty_buf *k) {
    /* the groups must tile the digits of c[at..), with only a kind code
     * (letter + optional digit) and号/公報 after them */
    size_t first = 0;
    while (first < ng && g[first].off < at) first++;
    if (first == ng || g[first].off != at) return 0;
    size_t end = at;
    size_t last = first;
    for (size_t i = first; i < ng; i++) {
        if (g[i].off != end) break;
        end = g[i].off + g[i].len;
        last = i;
    }
    /* a date: the last group, eight digits 19/20..., after >= 6 digits */
    size_t ndig = end - at;
    size_t datecut = end;
    if (last > first && g[last].len == 8 &&
        (!strncmp(c + g[last].off, "19", 2) || !strncmp(c + g[last].off, "20", 2)) &&
        ndig - 8 >= 6) {
        datecut = g[last].off;
    }
    const char *rest = c + end;
    /* kind code, and the date after it (US06836996B1-20050104) */
    char kind = 0;
    if (rest[0] >= 'a' && rest[0] <= 'z') {
        kind = rest[0];
        rest++;
        /* its digit, then a date (B1-20050104 is b120050104 here) */
        size_t dn = strspn(rest, "0123456789");
        size_t kd = dn == 1 || dn == 9 ? 1 : 0;
        if (dn - kd == 8 && (!strncmp(rest + kd, "19", 2) || !strncmp(rest + kd, "20", 2)))
            rest += dn;
        else if (dn == 1)
            rest++;
    }
    if (!strcmp(rest, "号")) rest += strlen("号");
    else if (!strcmp(rest, "号公報")) rest += strlen("号公報");
    else if (!strcmp(rest, "公報")) rest += strlen("公報");
    if (*rest) return 0;
    /* the digits, era year padded to two */
    size_t from = at;
    if (era) {
        if (g[first].len == 1 && last > first) {
            if (ty_buf_putc(k, '0')) return -1;
        }
    } else if (strip_zeros) {
        while (from + 1 < datecut && c[from] == '0') from++;
    }
    if (ty_buf_append(k, c + from, datecut - from)) return -1;
    if (!cls && kind == 'u') cls = 'u';
    if (!cls && jp && kind == 'y') cls = era ? 'y' : 'u';
    if (!cls && jp && kind == 'b' && era) cls = 'b';
    if (cls && ty_buf_putc(k, cls)) return -1;
    return 1;
}

/* The key of typed[0..len) into k (NUL-terminated): 1 when it has the
 * shape of a patent number, 0 when not, or a negative status. u: ICU
 * state; nb: scratch for the NFKC form. */
static int patno_key(ty_icu *u, const char *typed, size_t len, ty_buf *nb, ty_buf *k) {
    int rc = ty_icu_normalize(u, typed, len, nb);
    if (rc) return rc;
    /* the compact form: separators removed, digit groups noted */
    ty_buf c = {0};
    group g[MAX_GROUPS];
    size_t ng = 0;
    int toomany = 0, prevdigit = 0;
    const unsigned char *s = (const unsigned char *)nb->p;
    for (size_t i = 0; i < nb->len;) {
        size_t sl = sep_len(s + i);
        if (sl) {
            i += sl;
            prevdigit = 0;
            continue;
        }
        if (s[i] >= '0' && s[i] <= '9') {
            if (!prevdigit) {
                if (ng == MAX_GROUPS) toomany = 1;
                else g[ng++] = (group){c.len, 0};
            }
            if (!toomany) g[ng - 1].len++;
            prevdigit = 1;
        } else {
            prevdigit = 0;
        }
        if (ty_buf_putc(&c, (char)s[i])) goto nomem;
        i++;
    }
    if (ty_buf_putc(&c, 0)) goto nomem;
    c.len--;
    k->len = 0;
    int shaped = 0;
    if (!toomany) {
        const char *p = c.p;
        /* Japanese prefix */
        for (size_t j = 0; j < sizeof jp_prefix / sizeof *jp_prefix; j++) {
            size_t pl = strlen(jp_prefix[j].kanji);
            if (strncmp(p, jp_prefix[j].kanji, pl)) continue;
            const char *q = p + pl;
            if (!strncmp(q, "第", strlen("第"))) q += strlen("第");
            int era = 0;
            if (!strncmp(q, "昭", 3)) era = 's';
            else if (!strncmp(q, "平", 3)) era = 'h';
            else if (!strncmp(q, "令", 3)) era = 'r';
            if (era) q += 3;
            for (size_t y = 0; !era && y < sizeof year_prefixes / sizeof *year_prefixes; y++)
                if (!strcmp(jp_prefix[j].kanji, year_prefixes[y]))
                    era = western_era(&c, g, &ng, (size_t)(q - c.p));
            if (ty_buf_append(k, jp_prefix[j].pre, strlen(jp_prefix[j].pre))) goto nomem;
            if (era && ty_buf_putc(k, (char)era)) goto nomem;
            shaped = read_number(c.p, (size_t)(q - c.p), g, ng, era, 0, jp_prefix[j].cls, 0, k);
            if (shaped < 0) goto nomem;
            break;
        }
        /* Latin country code and series letters */
        size_t al = strspn(p, "abcdefghijklmnopqrstuvwxyz");
        if (!shaped && k->len == 0 && al >= 2 && al <= 4) {
            for (size_t j = 0; j < sizeof countries / sizeof *countries; j++) {
                if (strncmp(p, countries[j], 2)) continue;
                int era = !strncmp(p, "jp", 2) && al == 3 && strchr("shr", p[2]) ? p[2] : 0;
                if (ty_buf_append(k, p, al)) goto nomem;
                shaped = read_number(c.p, al, g, ng, era, !strncmp(p, "us", 2), 0,
                                     !strncmp(p, "jp", 2), k);
                if (shaped < 0) goto nomem;
                if (!shaped) k->len = 0;
                break;
            }
        }
        if (!shaped) k->len = 0;
        /* bare digits */
        if (!shaped && ng >= 1 && g[0].off == 0 && c.len >= 4 &&
            strspn(c.p, "0123456789") == c.len) {
            size_t from = 0;
            while (from + 1 < c.len && c.p[from] == '0') from++;
            if (ty_buf_append(k, c.p + from, c.len - from)) goto nomem;
            shaped = 1;
        }
    }
    if (!shaped) {
        /* any other id: its compact form; shaped as 1-8 letters, >= 3
         * digits and an optional kind */
        k->len = 0;
        if (ty_buf_append(k, c.p, c.len)) goto nomem;
        size_t al = strspn(c.p, "abcdefghijklmnopqrstuvwxyz");
        size_t dl = strspn(c.p + al, "0123456789");
        const char *t = c.p + al + dl;
        if (t[0] >= 'a' && t[0] <= 'z') {
            t++;
            if (t[0] >= '0' && t[0] <= '9') t++;
        }
        shaped = al >= 1 && al <= 8 && dl >= 3 && !*t;
    }
    free(c.p);
    if (ty_buf_putc(k, 0)) return TENYO_ERR_NOMEM;
    k->len--;
    return shaped;
nomem:
    free(c.p);
    return TENYO_ERR_NOMEM;
}

int tenyo_patno_key(const char *typed, char *out, size_t outlen) {
    if (!typed || !out || !outlen) return TENYO_ERR_ARG;
    ty_icu *u = NULL;
    int rc = ty_icu_new(&u, NULL, 0);
    if (rc) return rc;
    ty_buf nb = {0}, k = {0};
    rc = patno_key(u, typed, strlen(typed), &nb, &k);
    if (rc >= 0) {
        if (k.len + 1 > outlen) rc = TENYO_ERR_LIMIT;
        else memcpy(out, k.p, k.len + 1);
    }
    ty_icu_free(u);
    ty_buf_free(&nb);
    ty_buf_free(&k);
    return rc;
}

/* ====================================================== the index's keys */

/* Number part of a key: without its leading letters and class (u; b and
 * y of a JP key). */
static void number_part(const char *key, size_t len, const char **p, size_t *n) {
    size_t al = strspn(key, "abcdefghijklmnopqrstuvwxyz");
    *p = key + al;
    *n = len - al;
    char last = *n ? (*p)[*n - 1] : 0;
    if (last == 'u' || ((last == 'b' || last == 'y') && !strncmp(key, "jp", 2))) (*n)--;
    if (strspn(*p, "0123456789") < *n) *n = 0; /* not a number */
}

/* Insert key -> doc into map/docs (docs grown with the map): a key seen
 * before with another document becomes ambiguous (-2). */
static int map_put(ty_strmap *map, int64_t **docs, const char *key, size_t len,
                   uint64_t doc) {
    int is_new = 0;
    int64_t id = ty_strmap_intern(map, key, len, &is_new);
    if (id < 0) return (int)id;
    if (is_new) {
        uint32_t n = ty_strmap_size(map);
        if ((n & (n - 1)) == 0 || n == 1) { /* grow at powers of two */
            int64_t *d = ty_reallocarray(*docs, (size_t)n * 2, sizeof **docs);
            if (!d) return TENYO_ERR_NOMEM;
            *docs = d;
        }
        (*docs)[id] = (int64_t)doc;
    } else if ((*docs)[id] != (int64_t)doc) {
        (*docs)[id] = -2;
    }
    return 0;
}

static int keys_build(void *arg) {
    tenyo_index *x = arg;
    ty_patno *pn = &x->patno;
    ty_icu *u = NULL;
    int rc = ty_icu_new(&u, NULL, 0);
    if (rc) return rc;
    ty_buf nb = {0}, k = {0};
    rc = TENYO_ERR_NOMEM;
    pn->keys = ty_strmap_new();
    pn->nums = ty_strmap_new();
    pn->doc_key = ty_mallocarray(x->m.ndocs ? x->m.ndocs : 1, sizeof *pn->doc_key);
    if (!pn->keys || !pn->nums || !pn->doc_key) goto out;
    for (uint64_t i = 0; i < x->m.ndocs; i++) {
        const char *id = ty_meta_str(&x->m, i, TY_META_ID); /* the frames of ids */
        int r = patno_key(u, id, strlen(id), &nb, &k);
        if (r == TENYO_ERR_INPUT) { /* not UTF-8: its bytes as they are */
            k.len = 0;
            if (ty_buf_append(&k, id, strlen(id)) || ty_buf_putc(&k, 0)) goto out;
            k.len--;
        } else if (r < 0) {
            rc = r;
            goto out;
        }
        if ((r = map_put(pn->keys, &pn->key_doc, k.p, k.len, i))) {
            rc = r;
            goto out;
        }
        pn->doc_key[i] = (uint32_t)ty_strmap_get(pn->keys, k.p, k.len);
        const char *np;
        size_t nn;
        number_part(k.p, k.len, &np, &nn);
        if (nn && (r = map_put(pn->nums, &pn->num_doc, np, nn, i))) {
            rc = r;
            goto out;
        }
    }
    /* the other numbers: "number\tid\n" lines naming live documents */
    uint32_t nidkeys = ty_strmap_size(pn->keys), nidnums = ty_strmap_size(pn->nums);
    const char *s = NULL; /* read now when the open only located them */
    uint64_t sl = 0;
    if ((rc = ty_model_numbers(&x->m, &s, &sl, NULL, 0))) goto out;
    rc = TENYO_ERR_NOMEM;
    const char *end = s ? s + sl : NULL;
    while (s && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end, *tab = memchr(s, '\t', (size_t)(e - s));
        if (tab && tab > s && e > tab + 1) {
            char id[256];
            size_t il = (size_t)(e - tab - 1);
            int64_t doc = il < sizeof id ? (memcpy(id, tab + 1, il), id[il] = 0,
                                            tenyo_index_find(x, id))
                                         : -1;
            int r = doc >= 0 ? patno_key(u, s, (size_t)(tab - s), &nb, &k) : -1;
            if (r == TENYO_ERR_NOMEM) goto out;
            if (r >= 0 && k.len) {
                int64_t kid = ty_strmap_get(pn->keys, k.p, k.len);
                if (kid < 0 || kid >= (int64_t)nidkeys) /* an id's key wins */
                    if ((r = map_put(pn->keys, &pn->key_doc, k.p, k.len, (uint64_t)doc))) {
                        rc = r;
                        goto out;
                    }
                /* its digits alone (7398742 for 特許第7398742号); an id's win */
                const char *np;
                size_t nn;
                number_part(k.p, k.len, &np, &nn);
                int64_t nid = nn ? ty_strmap_get(pn->nums, np, nn) : -1;
                if (nn && (nid < 0 || nid >= (int64_t)nidnums) &&
                    (r = map_put(pn->nums, &pn->num_doc, np, nn, (uint64_t)doc))) {
                    rc = r;
                    goto out;
                }
            }
        }
        s = e + 1;
    }
    rc = TENYO_OK;
out:
    ty_icu_free(u);
    ty_buf_free(&nb);
    ty_buf_free(&k);
    return rc;
}

void ty_patno_free(ty_patno *pn) {
    ty_strmap_free(pn->keys);
    ty_strmap_free(pn->nums);
    free(pn->key_doc);
    free(pn->num_doc);
    free(pn->doc_key);
}

int tenyo_edit_distance(const char *a, size_t na, const char *b, size_t nb, int limit) {
    if (!a || !b || na > 128 || nb > 128) return limit + 1;
    int row[129];
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0], lo;
        row[0] = lo = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
            if (best < lo) lo = best;
        }
        if (lo > limit) return limit + 1;
    }
    return row[nb];
}

/* Up to ns documents whose keys — their ids' and their other numbers' —
 * are within the limit of key, closest first (ties in key order: the ids'
 * in document order, then the other numbers'), into sug; returns the
 * count. same: only keys of key's kind (its letters: jpa, an application,
 * is not jp, a publication). */
static size_t suggest_keys(const tenyo_index *x, const char *key, size_t klen, int same,
                           uint64_t *sug, size_t ns) {
    const ty_patno *pn = &x->patno;
    int limit = (int)(klen / 4) > 1 ? (int)(klen / 4) : 1;
    size_t kl = strspn(key, "abcdefghijklmnopqrstuvwxyz");
    int dist[16];
    if (ns > 16) ns = 16;
    size_t n = 0;
    uint32_t nkeys = ty_strmap_size(pn->keys);
    for (uint32_t i = 0; i < nkeys && ns; i++) {
        size_t dl;
        const char *dk = ty_strmap_key(pn->keys, i, &dl);
        size_t diff = dl > klen ? dl - klen : klen - dl;
        if (diff > (size_t)limit || pn->key_doc[i] < 0) continue;
        if (same && (strspn(dk, "abcdefghijklmnopqrstuvwxyz") != kl || memcmp(dk, key, kl)))
            continue;
        int d = tenyo_edit_distance(key, klen, dk, dl, limit);
        if (d > limit || (n == ns && d >= dist[n - 1])) continue;
        uint64_t doc = (uint64_t)pn->key_doc[i];
        size_t seen = 0;
        while (seen < n && sug[seen] != doc) seen++;
        if (seen < n) { /* the document offered already: keep its closer key */
            if (dist[seen] <= d) continue;
            memmove(sug + seen, sug + seen + 1, (n - seen - 1) * sizeof *sug);
            memmove(dist + seen, dist + seen + 1, (n - seen - 1) * sizeof *dist);
            n--;
        }
        size_t at = n < ns ? n++ : ns - 1;
        while (at > 0 && dist[at - 1] > d) {
            dist[at] = dist[at - 1];
            sug[at] = sug[at - 1];
            at--;
        }
        dist[at] = d;
        sug[at] = doc;
    }
    return n;
}

/* Did you mean: the documents whose keys of the typed key's kind are
 * closest (a mistyped 特願 number offers the documents of the application
 * numbers near it, never publications whose digits happen to be near);
 * keys of any kind for bare digits. */
static size_t suggest(const tenyo_index *x, const char *key, size_t klen, uint64_t *sug,
                      size_t ns) {
    int kind = strspn(key, "abcdefghijklmnopqrstuvwxyz") > 0;
    return suggest_keys(x, key, klen, kind, sug, ns);
}

int tenyo_index_resolve(const tenyo_index *xc, const char *typed, int64_t *doc,
                        uint64_t *sug, size_t nsug, size_t *nsugged) {
    if (!xc || !typed || !doc || (nsug && !sug)) return TENYO_ERR_ARG;
    tenyo_index *x = (tenyo_index *)xc; /* the key tables are built once */
    *doc = -1;
    if (nsugged) *nsugged = 0;
    int64_t d = tenyo_index_find(x, typed);
    if (d >= 0) {
        *doc = d;
        return TENYO_ID_EXACT;
    }
    if (__atomic_load_n(&x->id_damaged, __ATOMIC_ACQUIRE)) return TENYO_ERR_CORRUPT;
    int rc = ty_once_run(&x->patno_once, keys_build, x);
    if (rc) return rc;
    ty_icu *u = NULL;
    rc = ty_icu_new(&u, NULL, 0);
    if (rc) return rc;
    ty_buf nb = {0}, k = {0};
    int shaped = patno_key(u, typed, strlen(typed), &nb, &k);
    ty_icu_free(u);
    ty_buf_free(&nb);
    if (shaped < 0) {
        ty_buf_free(&k);
        return shaped == TENYO_ERR_INPUT ? TENYO_ERR_NOTFOUND : shaped;
    }
    const ty_patno *pn = &x->patno;
    int64_t id = k.len ? ty_strmap_get(pn->keys, k.p, k.len) : -1;
    int64_t hit = id >= 0 ? pn->key_doc[id] : -1;
    if (hit < 0 && id < 0 && k.len && strspn(k.p, "0123456789") == k.len) {
        int64_t nid = ty_strmap_get(pn->nums, k.p, k.len);
        if (nid >= 0) {
            hit = pn->num_doc[nid];
            id = -3; /* the number part */
        }
    }
    if (hit >= 0) {
        *doc = hit;
        ty_buf_free(&k);
        return TENYO_ID_NORMALISED;
    }
    size_t n = 0;
    if (hit == -2) { /* ambiguous: every document with that key */
        for (uint64_t i = 0; i < x->m.ndocs && n < nsug; i++) {
            size_t dl;
            const char *dk = ty_strmap_key(pn->keys, pn->doc_key[i], &dl);
            const char *np;
            size_t nn;
            number_part(dk, dl, &np, &nn);
            if ((id >= 0 && pn->doc_key[i] == (uint32_t)id) ||
                (id == -3 && nn == k.len && !memcmp(np, k.p, nn)))
                sug[n++] = i;
        }
    } else if (nsug && k.len) {
        n = suggest(x, k.p, k.len, sug, nsug);
    }
    if (nsugged) *nsugged = n;
    ty_buf_free(&k);
    return TENYO_ERR_NOTFOUND;
}
