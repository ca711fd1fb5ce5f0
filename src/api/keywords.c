/*
 * keywords.c — keyword search: words and phrases that must or must not
 * occur in a record's text, the first of the open patent database's ways
 * in. A keyword query is a filter (tenyo_filter_keywords: usable on
 * similar and ideas like the other criteria) and, alone, a ranked search
 * (tenyo_search).
 *
 * Syntax (README "Keyword search"):
 *   a b          both (AND; the word AND itself is allowed and ignored)
 *   a OR b       either (also a | b, a|b, a｜b); OR binds tighter than AND:
 *                a b OR c = a AND (b OR c)
 *   NOT a, -a    a must not occur; NOT applies to one clause:
 *                NOT a OR b = neither a nor b
 *   "a b"        quoted: one phrase, the words adjacent and in order (also
 *                “...” and ＂...＂)
 *
 * What matches: a unit (a word or a quoted phrase) matches a record whose
 * text contains it, as J-PlatPat's users expect: 車両 matches every record
 * whose title or abstract holds 車両, however common the word (the TF-IDF
 * vocabulary leaves out words above --max-df), and 打継目 matches 水平打継目
 * although MeCab cut it 水平 / 継目. The text is the record's title and
 * abstract as the index stores them, NFKC case-folded (ＡＢＣ = abc, ｶﾒﾗ =
 * カメラ), J-PlatPat markup removed, white space runs made one space; the
 * unit is folded the same way. A unit starting with a Latin letter or digit
 * must start a word (arm does not match alarm; robot matches robots).
 * Claims and descriptions are not stored in the index, so they are not
 * searched.
 *
 * Where the text comes from. An index built with the keyword index
 * (section "keywords", search/kwindex.c: the builder folds every record's
 * title and whole abstract with ty_kw_record and packs them with
 * character-bigram postings) opens its text from the section on the first
 * keyword query, with the postings beside it (x->kwx; after updates, the
 * base's and each segment's, ty_kw_take_parts; layout 2 is read a frame
 * at a time, search/kwframes.c). Opening the index only
 * locates the section (store/lazysec.c): it is read and its frame checked
 * then, or by tenyo_index_load_all and check, so a command that never
 * searches keywords does not pay its ~360 bytes a document read and 1.2 KB
 * held. A unit of two or more
 * characters then reads only the records that hold all of its bigrams and
 * counts its hits in each as memmem finds them (count_unit; util/find.c):
 * the same counts as a scan of the whole text. An index made before the
 * section (or an update without one) builds the text in memory from the
 * titles and the 4 KiB of each abstract it keeps, once (ty_once), and
 * scans it whole; so does a one-character unit everywhere. Both
 * keep every record's text, NUL-separated, title and abstract split by a
 * newline, and its offsets; tenyo_index_keyword_stats gives its size,
 * tenyo_index_keyword_index the section's.
 * Rejected: the TF-IDF rows (a word above --max-df, or cut differently by
 * MeCab, matched nothing); the scan alone (4-6 ms a query on jplatpat.jsonl and a fold of the whole text,
 * about a second, on each process's first query; an abstract past the
 * 4 KiB kept for reading was cut); positional postings that answer without
 * the text (the text is needed anyway to count hits for BM25). Figures:
 * docs/keywords.md.
 *
 * Ranking (tenyo_search): the records the filter passes by BM25 over the
 * must-occur units (k1 1.2, b 0.75; a unit's count in the title counts
 * twice; idf from the unit's record count), so a record that says the
 * words often, and in its title, comes first; ties by record order.
 */
#include "api/api.h"
#include "search/kwindex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KW_MAX_UNITS 64      /* units per query (a bit each) */
#define KW_MAX_UNIT 512      /* bytes of a unit, folded */
#define KW_MAX_QUERY 4096    /* bytes of a keyword query */

typedef struct kw_unit {
    char text[KW_MAX_UNIT + 1]; /* folded, NUL-terminated */
    size_t len;                 /* its bytes */
    int word_start;             /* starts with a Latin letter or digit:
                                   must start a word */
} kw_unit;

typedef struct kw_clause {
    int neg;                      /* NOT clause */
    uint64_t units;               /* bit per unit: any of them */
} kw_clause;

typedef struct kw_query {
    kw_unit unit[KW_MAX_UNITS];   /* the units */
    int nunits;
    kw_clause clause[KW_MAX_UNITS]; /* the clauses, AND-ed */
    int nclauses;
    char note[256];               /* units no record contains */
} kw_query;

static int is_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t quote_len(const char *s) {
    if (*s == '"') return 1;
    if (!strncmp(s, "\xe2\x80\x9c", 3) || !strncmp(s, "\xe2\x80\x9d", 3) ||
        !strncmp(s, "\xef\xbc\x82", 3))
        return 3;
    return 0;
}

/* Bytes of white space at s (ASCII or the ideographic space), 0 when none. */
static size_t space_len(const char *s) {
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') return 1;
    if (!strncmp(s, "\xe3\x80\x80", 3)) return 3;
    return 0;
}

/* Bytes of an OR bar at s ('|' or the full-width '｜'), 0 when none: a
 * bar stands between words with or without spaces (カメラ|眠気). */
static size_t bar_len(const char *s) {
    if (*s == '|') return 1;
    if (!strncmp(s, "\xef\xbd\x9c", 3)) return 3;
    return 0;
}

/* Fold the unit a[0..n) into u: 0, or a status with the message in err. */
static int take_unit(ty_icu *icu, kw_unit *u, const char *a, size_t n, char *err,
                     size_t errlen) {
    ty_buf out = {0}, tmp = {0};
    int rc = ty_icu_normalize(icu, a, n, &tmp);
    if (rc == TENYO_ERR_INPUT) {
        ty_seterr(err, errlen, "keyword query: '%.*s' is not UTF-8", (int)(n > 60 ? 60 : n), a);
    } else if (!rc) {
        rc = ty_kw_fold_append(icu, &tmp, a, n, &out);
        if (!rc && !out.len) {
            ty_seterr(err, errlen, "keyword query: '%.*s' holds no text",
                      (int)(n > 60 ? 60 : n), a);
            rc = TENYO_ERR_EMPTY;
        } else if (!rc && out.len > KW_MAX_UNIT) {
            ty_seterr(err, errlen, "keyword query: '%.*s...' is longer than %d bytes",
                      (int)(n > 60 ? 60 : n), a, KW_MAX_UNIT);
            rc = TENYO_ERR_LIMIT;
        } else if (!rc) {
            memcpy(u->text, out.p, out.len);
            u->text[out.len] = 0;
            u->len = out.len;
            u->word_start = is_alnum((unsigned char)u->text[0]);
        }
    }
    ty_buf_free(&out);
    ty_buf_free(&tmp);
    return rc;
}

/* Parse query into q; 0, or a status with the message in err. */
static int parse(kw_query *q, ty_icu *icu, const char *query, char *err, size_t errlen) {
    size_t len = strlen(query);
    if (len > KW_MAX_QUERY) {
        ty_seterr(err, errlen, "keyword query longer than %d bytes", KW_MAX_QUERY);
        return TENYO_ERR_LIMIT;
    }
    const char *p = query, *end = query + len;
    int neg = 0, after_or = 0;
    while (p < end) {
        size_t sl = space_len(p);
        if (sl) {
            p += sl;
            continue;
        }
        /* the operator words, standing alone */
        size_t wl = bar_len(p);
        int bar = wl > 0;
        while (!bar && p + wl < end && !space_len(p + wl) && !quote_len(p + wl) &&
               !bar_len(p + wl))
            wl++;
        if ((wl == 2 && !strncmp(p, "OR", 2)) || bar) {
            if (!q->nclauses || after_or || neg) {
                ty_seterr(err, errlen, "keyword query: OR needs a term on each side");
                return TENYO_ERR_ARG;
            }
            after_or = 1;
            p += wl;
            continue;
        }
        if (wl == 3 && !strncmp(p, "AND", 3)) {
            if (after_or) {
                ty_seterr(err, errlen, "keyword query: OR needs a term on each side");
                return TENYO_ERR_ARG;
            }
            p += wl;
            continue;
        }
        if (wl == 3 && !strncmp(p, "NOT", 3)) {
            if (after_or || neg) {
                ty_seterr(err, errlen, "keyword query: NOT %s",
                          neg ? "twice" : "inside an OR: write NOT a OR b for neither");
                return TENYO_ERR_ARG;
            }
            neg = 1;
            p += wl;
            continue;
        }
        if (*p == '-' && p + 1 < end && !space_len(p + 1)) {
            if (after_or || neg) {
                ty_seterr(err, errlen, "keyword query: '-' inside an OR or after NOT");
                return TENYO_ERR_ARG;
            }
            neg = 1;
            p++;
            continue;
        }
        /* a unit: a quoted string, or a word */
        const char *a = p, *b;
        size_t ql = quote_len(p);
        if (ql) {
            a = p + ql;
            b = a;
            while (b < end && !quote_len(b)) b++;
            if (b == end) {
                ty_seterr(err, errlen, "keyword query: unclosed quote");
                return TENYO_ERR_ARG;
            }
            p = b + quote_len(b);
        } else {
            b = p + wl;
            p = b;
        }
        if (q->nunits == KW_MAX_UNITS) {
            ty_seterr(err, errlen, "keyword query: more than %d terms", KW_MAX_UNITS);
            return TENYO_ERR_LIMIT;
        }
        int rc = take_unit(icu, &q->unit[q->nunits], a, (size_t)(b - a), err, errlen);
        if (rc) return rc;
        uint64_t bit = 1ull << q->nunits++;
        if (after_or) {
            q->clause[q->nclauses - 1].units |= bit;
        } else {
            q->clause[q->nclauses++] = (kw_clause){neg, bit};
        }
        neg = after_or = 0;
    }
    if (after_or || neg) {
        ty_seterr(err, errlen, "keyword query: %s at the end needs a term",
                  after_or ? "OR" : "NOT");
        return TENYO_ERR_ARG;
    }
    if (!q->nunits) {
        ty_seterr(err, errlen, "keyword query: no term");
        return TENYO_ERR_EMPTY;
    }
    return TENYO_OK;
}

/* =========================================================== evaluation */

/* Count unit u in records [d, d1) of x's keyword text into tf (title hits
 * counted twice; tf zero there before); the records holding it. A unit
 * holds no NUL, so no hit spans two records. */
static uint64_t count_range(const tenyo_index *x, const kw_unit *u, const ty_finder *fu,
                            uint64_t d, uint64_t d1, uint32_t *tf) {
    uint64_t df = 0;
    const char *text = x->kw_text, *end = text + x->kw_off[d1], *p = text + x->kw_off[d];
    if (d1 == d + 1 && !u->word_start) { /* one record (a candidate): its hits counted in one call */
        uint64_t title = 0, n = ty_finder_count(fu, p, (size_t)(end - p), x->kw_tlen[d], &title);
        tf[d] = (uint32_t)(n + title);
        return n > 0;
    }
    while (p < end && (p = ty_finder_next(fu, p, (size_t)(end - p)))) {
        uint64_t at = (uint64_t)(p - text);
        while (d + 1 < d1 && x->kw_off[d + 1] <= at) d++; /* hits come in order */
        if (u->word_start && at > x->kw_off[d] && is_alnum((unsigned char)p[-1])) {
            p++;
            continue;
        }
        if (!tf[d]) df++;
        tf[d] += at < x->kw_off[d] + x->kw_tlen[d] ? 2 : 1;
        p += u->len;
    }
    return df;
}

/* A candidate's text asked of the memory KW_AHEAD candidates before it is
 * read: the candidates are records apart in the text, each a few hundred
 * bytes, and the processor's own prefetching, which follows one record,
 * starts cold at every next one (システム at 60k: 15,316 records, 11 MB, 135
 * ns a record without, 34 with; a whole record asked, up to 4 KiB). A
 * prefetch reads nothing: a frame not decoded yet is only asked early. */
#define KW_AHEAD 8
static inline void kw_prefetch(const tenyo_index *x, uint64_t d) {
    const char *p = x->kw_text + x->kw_off[d];
    uint64_t n = x->kw_off[d + 1] - x->kw_off[d];
    if (n > 4096) n = 4096;
    /* (the empty asm keeps the loop: GCC deletes a loop of prefetches
     * alone as one without effects) */
    for (uint64_t o = 0; o < n; o += 64) {
        __builtin_prefetch(p + o);
        __asm__ volatile("" : : "r"(p + o));
    }
}

/* Count unit u in every record: tf[d] (title hits counted twice), the
 * number of records holding it in *df. With a keyword index, a unit of two
 * characters is counted from its bigram's postings alone when they hold
 * the counts (layout 2; not for a unit that must start a word); a longer
 * one reads only the records holding all of its bigrams (the same counts:
 * each is verified against its text, its text frames decoded first);
 * else, or for a unit of one character, the whole text is scanned. 0 or a
 * status (message in err). */
static int count_unit(const tenyo_index *x, const kw_unit *u, uint32_t *tf, uint64_t *df,
                      char *err, size_t errlen) {
    uint64_t nd = x->m.ndocs, *cand = NULL, nc = 0;
    memset(tf, 0, (nd ? nd : 1) * sizeof *tf);
    int rc = x->kwx && !u->word_start ? ty_kwx_pair(x->kwx, u->text, u->len, tf, df, err, errlen)
                                      : 1;
    if (rc <= 0) return rc;
    memset(tf, 0, (nd ? nd : 1) * sizeof *tf); /* (a pair given up part way) */
    rc = x->kwx ? ty_kwx_candidates(x->kwx, u->text, u->len, &cand, &nc, err, errlen) : 1;
    if (rc < 0) return rc;
    ty_finder fu; /* the unit looked for in each record's text, prepared once */
    ty_finder_init(&fu, u->text, u->len);
    if (rc == 1 || nc >= nd / 64) ty_kwx_text_dense(x->kwx); /* most text frames read */
    if (rc == 1) {
        if ((rc = ty_kwx_need_text(x->kwx, 0, nd, err, errlen))) return rc;
        *df = count_range(x, u, &fu, 0, nd, tf);
        return TENYO_OK;
    }
    *df = 0;
    for (uint64_t i = 0; i < nc && !rc; i++) {
        if (i + KW_AHEAD < nc) kw_prefetch(x, cand[i + KW_AHEAD]);
        if (!(rc = ty_kwx_need_text(x->kwx, cand[i], cand[i] + 1, err, errlen)))
            *df += count_range(x, u, &fu, cand[i], cand[i] + 1, tf);
    }
    free(cand);
    return rc;
}

/* BM25's parts (k1 1.2, b 0.75, the title's hits counted twice by
 * count_unit): the mean text length, a unit's idf from its record count,
 * and a record's share for t hits in a text of len bytes. */
static double kw_avg(const tenyo_index *x) {
    uint64_t nd = x->m.ndocs;
    double avg = nd ? (double)x->kw_off[nd] / (double)nd : 1;
    return avg < 1 ? 1 : avg;
}

static double kw_idf(uint64_t nd, uint64_t df) {
    return log(1.0 + ((double)nd - (double)df + 0.5) / ((double)df + 0.5));
}

static inline float kw_bm25(const tenyo_index *x, uint64_t d, double idf, double t,
                            double avg) {
    double len = (double)(x->kw_off[d + 1] - x->kw_off[d]);
    return (float)(idf * t * 2.2 / (t + 1.2 * (0.25 + 0.75 * len / avg)));
}

/* Unit i named in q's note (a unit no record holds), while it fits. */
static void note_unit(kw_query *q, int i) {
    size_t l = strlen(q->note);
    if (l + q->unit[i].len + 3 < sizeof q->note)
        snprintf(q->note + l, sizeof q->note - l, "%s%s", l ? ", " : "", q->unit[i].text);
}

/* evaluate for a query of one unit in one clause (a word, a phrase, or NOT
 * one): its counts made in score's own memory and turned into the scores
 * in place, no other array (at 1M documents 12 MB of fresh memory fewer:
 * a keyword search's whole process 111 -> 72 ms). */
_Static_assert(sizeof(float) == sizeof(uint32_t), "a count and a score in one place");

static int evaluate_one(kw_query *q, const tenyo_index *x, uint8_t *kw, float *score,
                        char *err, size_t errlen) {
    uint64_t nd = x->m.ndocs;
    uint32_t *tf = (uint32_t *)(void *)score; /* read as counts, then written as scores */
    uint64_t df = 0;
    int rc = count_unit(x, &q->unit[0], tf, &df, err, errlen);
    if (rc) return rc;
    if (!df) note_unit(q, 0);
    int neg = q->clause[0].neg;
    double avg = kw_avg(x), idf = kw_idf(nd, df);
    for (uint64_t d = 0; d < nd; d++) {
        uint32_t t = tf[d];
        kw[d] = (uint8_t)((t != 0) != neg);
        score[d] = t && !neg ? kw_bm25(x, d, idf, t, avg) : 0.f;
    }
    return TENYO_OK;
}

/* One byte per document (1 when it satisfies every clause) into kw, and
 * the BM25 score of the must-occur units into score. */
static int evaluate(kw_query *q, const tenyo_index *x, uint8_t *kw, float *score, char *err,
                    size_t errlen) {
    uint64_t nd = x->m.ndocs;
    if (q->nunits == 1 && q->nclauses == 1 && (q->clause[0].units & 1))
        return evaluate_one(q, x, kw, score, err, errlen);
    /* which units each document holds: a byte where the query has at most
     * eight (1 MB at 1M documents against 8) */
    int narrow = q->nunits <= 8;
    uint64_t *found = narrow ? NULL : ty_calloc(nd ? nd : 1, sizeof *found);
    uint8_t *found8 = narrow ? ty_calloc(nd ? nd : 1, 1) : NULL;
    uint32_t *tf = ty_mallocarray(nd ? nd : 1, sizeof *tf);
    if ((!found && !found8) || !tf) {
        free(found);
        free(found8);
        free(tf);
        return TENYO_ERR_NOMEM;
    }
    double avg = kw_avg(x);
    memset(score, 0, (nd ? nd : 1) * sizeof *score);
    for (int i = 0; i < q->nunits; i++) {
        int positive = 0;
        for (int c = 0; c < q->nclauses; c++)
            if (!q->clause[c].neg && (q->clause[c].units >> i & 1)) positive = 1;
        uint64_t df = 0;
        int rc = count_unit(x, &q->unit[i], tf, &df, err, errlen);
        if (rc) {
            free(found);
            free(found8);
            free(tf);
            return rc;
        }
        if (!df) note_unit(q, i);
        double idf = kw_idf(nd, df);
        for (uint64_t d = 0; d < nd; d++) {
            if (!tf[d]) continue;
            if (narrow) found8[d] |= (uint8_t)(1u << i);
            else found[d] |= 1ull << i;
            if (positive) score[d] += kw_bm25(x, d, idf, tf[d], avg);
        }
    }
    for (uint64_t d = 0; d < nd; d++) {
        int ok = 1;
        for (int i = 0; i < q->nclauses && ok; i++) {
            int any = ((narrow ? found8[d] : found[d]) & q->clause[i].units) != 0;
            ok = q->clause[i].neg ? !any : any;
        }
        kw[d] = (uint8_t)ok;
        if (!ok) score[d] = 0;
    }
    free(found);
    free(found8);
    free(tf);
    return TENYO_OK;
}

int tenyo_filter_keywords(tenyo_filter *f, tenyo_ctx *c, const char *query) {
    if (!f || !c || !query) return TENYO_ERR_ARG;
    char *err = ty_filter_errbuf(f);
    if (ty_filter_index(f) != c->idx) {
        ty_seterr(err, TY_ERRLEN, "the filter and the context belong to different indexes");
        return TENYO_ERR_ARG;
    }
    tenyo_index *x = (tenyo_index *)c->idx; /* the keyword text: built once */
    kw_query *q = ty_calloc(1, sizeof *q);
    ty_icu *icu = NULL;
    uint8_t *kw = NULL;
    float *score = NULL;
    int rc = q ? ty_icu_new(&icu, err, TY_ERRLEN) : TENYO_ERR_NOMEM;
    if (!rc) rc = parse(q, icu, query, err, TY_ERRLEN);
    if (!rc && (rc = ty_kw_text(x)))
        ty_seterr(err, TY_ERRLEN, "cannot build the keyword text: %s",
                  x->kw_err[0] ? x->kw_err : tenyo_strerror(rc));
    if (!rc) {
        kw = ty_malloc(x->m.ndocs ? x->m.ndocs : 1);
        score = ty_mallocarray(x->m.ndocs ? x->m.ndocs : 1, sizeof *score);
        rc = kw && score ? evaluate(q, x, kw, score, err, TY_ERRLEN) : TENYO_ERR_NOMEM;
    }
    if (!rc) {
        int positive = 0;
        for (int i = 0; i < q->nclauses; i++) positive |= !q->clause[i].neg;
        ty_filter_set_keywords(f, kw, NULL, 0);
        ty_filter_set_kw_scores(f, score, positive);
        ty_filter_set_note(f, q->note);
        kw = NULL;
        score = NULL;
    }
    free(kw);
    free(score);
    ty_icu_free(icu);
    free(q);
    return rc;
}

int tenyo_search(tenyo_ctx *c, tenyo_filter *f, size_t k, tenyo_hit *hits) {
    if (!c || !f || (k && !hits)) return TENYO_ERR_ARG;
    int positive = 0;
    const float *score = ty_filter_kw_scores(f, &positive);
    if (!score) {
        ty_seterr(c->err, sizeof c->err, "the filter holds no keyword query to search with");
        return TENYO_ERR_ARG;
    }
    if (!positive) {
        ty_seterr(c->err, sizeof c->err,
                  "a keyword search needs a term that must occur (only NOT terms given)");
        return TENYO_ERR_EMPTY;
    }
    tenyo_filter *keep = c->filter;
    int rc = tenyo_ctx_set_filter(c, f);
    if (rc) return rc;
    const uint8_t *mask = ty_ctx_mask(c, &rc);
    size_t n = 0;
    if (!rc && k) n = ty_ctx_topk(c, score, UINT64_MAX, mask, k, hits);
    c->filter = keep;
    if (rc) return rc;
    /* records the filter passes all score > 0; a k beyond them gets zeros */
    while (n && !(hits[n - 1].score > 0)) n--;
    /* their strings readable (a damaged frame refuses the search) */
    if (n && ty_meta_ready(&c->idx->m, &hits[0].doc, n, sizeof *hits, c->err, sizeof c->err))
        return TENYO_ERR_CORRUPT;
    return (int)n;
}
