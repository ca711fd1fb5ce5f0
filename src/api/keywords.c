/*
 * keywords.c — keyword search: terms that must or must not occur, the
 * first of the open patent database's ways in (keyword, sentence,
 * English). A keyword query is a filter (tenyo_filter_keywords: usable on
 * similar and ideas like the other criteria) and, alone, a search ranked by
 * TF-IDF (tenyo_search).
 *
 * Syntax (README "Keyword search"):
 *   a b          both (AND; the word AND itself is allowed and ignored)
 *   a OR b       either (also a | b); OR binds tighter than AND:
 *                a b OR c = a AND (b OR c)
 *   NOT a, -a    a must not occur; NOT applies to one clause:
 *                NOT a OR b = neither a nor b
 *   "a b"        quoted: one unit (so NOT "robot arm" leaves out documents
 *                holding both); also “...” and ＂...＂
 * Each unit (a word or a quoted string) is tokenized exactly as the index
 * was: the index's own tokenizer (MeCab + ICU, NFKC, stopwords, stemming,
 * compounds), loaded through the context like a free-text query. A unit
 * matches a document that holds every term it gives. So a Japanese
 * compound typed as one word, 半導体基板, gives 半導体, 基板 and the
 * compound 半導体基板, and matches only documents that hold the compound
 * (the indexer emits it only where the words are joined), not those that
 * mention 半導体 and 基板 apart; "soft finger" needs both stems. The index
 * keeps term counts, not positions: a quoted string of separate English
 * words is all of them anywhere in the document, not the adjacent phrase.
 * A unit whose words the index does not hold matches nothing (they are
 * named by tenyo_filter_note); a unit that gives no term at all (a stop
 * word, punctuation) is an error, since it would silently mean "any".
 *
 * Evaluation: one pass over the sparse TF-IDF rows (term ids sorted within
 * a row): each of the query's distinct terms is looked up in the row by
 * binary search, a bit per unit records what was found, and the clauses
 * are evaluated per document. O(non-zeros · log), no postings needed.
 * Rejected: the postings (term -> documents) the scan builds lazily (they
 * exist only after TF-IDF scans repeat, and cost 8 bytes a non-zero).
 *
 * Ranking (tenyo_search): the documents the filter passes (keywords and
 * any other criteria) by TF-IDF cosine with the positive units' terms (the
 * terms of clauses not under NOT), through the scan of similar --mode
 * tfidf, so the same weighting and tie order.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KW_MAX_UNITS 64      /* units per query (a bit each) */
#define KW_MAX_TERMS 32      /* terms per unit */
#define KW_MAX_QUERY 4096    /* bytes of a keyword query */

typedef struct kw_unit {
    uint32_t terms[KW_MAX_TERMS]; /* term ids it needs (sorted, distinct) */
    int nterms;                   /* how many */
    int unknown;                  /* a term the index does not hold */
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
    char note[256];               /* words the index lacks */
    tenyo_ctx *c;                 /* for the vocabulary */
    kw_unit *cur;                 /* unit being tokenized */
    int toomany;                  /* more than KW_MAX_TERMS terms */
} kw_query;

/* ============================================================== parsing */

static void unit_term(void *ud, const char *t, size_t n) {
    kw_query *q = ud;
    kw_unit *u = q->cur;
    int64_t id = ty_strmap_get(q->c->idx->vocab, t, n);
    if (id < 0) {
        if (!u->unknown) {
            size_t l = strlen(q->note);
            if (l + n + 3 < sizeof q->note)
                snprintf(q->note + l, sizeof q->note - l, "%s%.*s", l ? ", " : "", (int)n, t);
        }
        u->unknown = 1;
        return;
    }
    for (int i = 0; i < u->nterms; i++)
        if (u->terms[i] == (uint32_t)id) return;
    if (u->nterms == KW_MAX_TERMS) {
        q->toomany = 1;
        return;
    }
    u->terms[u->nterms++] = (uint32_t)id;
}

/* Bytes of a quote mark at s (", “, ”, ＂), 0 when none. */
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

/* Parse and tokenize query into q; 0, or a status with the message in err. */
static int parse(kw_query *q, const char *query, char *err, size_t errlen) {
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
        size_t wl = 0;
        while (p + wl < end && !space_len(p + wl) && !quote_len(p + wl)) wl++;
        if ((wl == 2 && !strncmp(p, "OR", 2)) || (wl == 1 && *p == '|')) {
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
        kw_unit *u = &q->unit[q->nunits];
        q->cur = u;
        int rc = ty_ctx_tokenize(q->c, a, (size_t)(b - a), unit_term, q);
        if (rc) {
            ty_seterr(err, errlen, "%s", tenyo_ctx_error(q->c));
            return rc;
        }
        if (q->toomany) {
            ty_seterr(err, errlen, "keyword query: '%.*s' gives more than %d terms",
                      (int)(b - a > 60 ? 60 : b - a), a, KW_MAX_TERMS);
            return TENYO_ERR_LIMIT;
        }
        if (!u->nterms && !u->unknown) {
            ty_seterr(err, errlen,
                      "keyword query: '%.*s' gives no index term (a stop word or punctuation)",
                      (int)(b - a > 60 ? 60 : b - a), a);
            return TENYO_ERR_EMPTY;
        }
        qsort(u->terms, (size_t)u->nterms, sizeof *u->terms, ty_cmp_u32);
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

/* 1 when term t is in the sorted row col[0..n). */
static int in_row(const uint32_t *col, uint64_t n, uint32_t t) {
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (col[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && col[lo] == t;
}

/* One byte per document: 1 when it satisfies every clause. */
static uint8_t *evaluate(const kw_query *q, const ty_model *m) {
    uint8_t *kw = ty_malloc(m->ndocs ? m->ndocs : 1);
    if (!kw) return NULL;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        const uint32_t *col = m->tfidf.col + m->tfidf.rowptr[d];
        uint64_t n = m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d];
        uint64_t found = 0;
        for (int i = 0; i < q->nunits; i++) {
            const kw_unit *u = &q->unit[i];
            int all = !u->unknown;
            for (int j = 0; j < u->nterms && all; j++) all = in_row(col, n, u->terms[j]);
            if (all) found |= 1ull << i;
        }
        int ok = 1;
        for (int i = 0; i < q->nclauses && ok; i++) {
            int any = (found & q->clause[i].units) != 0;
            ok = q->clause[i].neg ? !any : any;
        }
        kw[d] = (uint8_t)ok;
    }
    return kw;
}

int tenyo_filter_keywords(tenyo_filter *f, tenyo_ctx *c, const char *query) {
    if (!f || !c || !query) return TENYO_ERR_ARG;
    char *err = ty_filter_errbuf(f);
    if (ty_filter_index(f) != c->idx) {
        ty_seterr(err, TY_ERRLEN, "the filter and the context belong to different indexes");
        return TENYO_ERR_ARG;
    }
    const ty_model *m = &c->idx->m;
    int rc = ty_model_need_sparse(m, err, TY_ERRLEN);
    if (rc) return rc;
    kw_query *q = ty_calloc(1, sizeof *q);
    if (!q) return TENYO_ERR_NOMEM;
    q->c = c;
    rc = parse(q, query, err, TY_ERRLEN);
    uint8_t *kw = NULL;
    uint32_t *terms = NULL;
    size_t nt = 0;
    if (!rc) {
        kw = evaluate(q, m);
        terms = ty_mallocarray(KW_MAX_UNITS * KW_MAX_TERMS, sizeof *terms);
        if (!kw || !terms) rc = TENYO_ERR_NOMEM;
    }
    if (!rc) {
        for (int i = 0; i < q->nclauses; i++) {
            if (q->clause[i].neg) continue;
            for (int j = 0; j < q->nunits; j++)
                if (q->clause[i].units >> j & 1)
                    for (int t = 0; t < q->unit[j].nterms; t++) terms[nt++] = q->unit[j].terms[t];
        }
        ty_filter_set_keywords(f, kw, terms, nt);
        ty_filter_set_note(f, q->note);
        kw = NULL;
        terms = NULL;
    }
    free(kw);
    free(terms);
    free(q);
    return rc;
}

int tenyo_search(tenyo_ctx *c, tenyo_filter *f, size_t k, tenyo_hit *hits) {
    if (!c || !f || (k && !hits)) return TENYO_ERR_ARG;
    size_t n;
    const uint32_t *terms = ty_filter_terms(f, &n);
    if (!terms) {
        ty_seterr(c->err, sizeof c->err, "the filter holds no keyword query to search with");
        return TENYO_ERR_ARG;
    }
    if (!n) {
        int64_t m = tenyo_filter_count(f);
        if (m <= 0) return m < 0 ? (int)m : 0; /* its words are not indexed */
        ty_seterr(c->err, sizeof c->err,
                  "a keyword search needs a term that must occur (only NOT terms given)");
        return TENYO_ERR_EMPTY;
    }
    tenyo_filter *keep = c->filter;
    int rc = tenyo_ctx_set_filter(c, f);
    if (rc) return rc;
    rc = ty_ctx_rank_terms(c, terms, n, k, hits);
    c->filter = keep;
    return rc;
}
