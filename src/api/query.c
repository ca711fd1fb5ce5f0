/*
 * query.c — from scores to answers: a query made from a document
 * (ty_ctx_query_doc), from free text (ty_ctx_query_text: tokenized like the
 * indexed documents, phrases folded in) or from terms, ranked into the k best
 * (exact, through the IVF lists, or int8 candidates re-scored in float), and
 * many queries answered as batches whose LSA scores one pass over the rows
 * computes together (ty_ctx_batch, tenyo_similar_batch).
 *
 * The tokenizer of a context is made on its first free-text query, like the
 * one that built the index. Its identity (dictionary file, version, size,
 * options, stopword hash) must equal the one recorded in the index;
 * otherwise terms would be split differently from the indexed documents and
 * scores silently wrong, so the query is refused with TENYO_ERR_MISMATCH.
 *
 * The scan itself (ty_ctx_score) is ctx.c's; this file calls it and never
 * the other way round.
 */
#include "api/api.h"

#include "model/blas.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LSA ranking through the IVF lists (c->nprobe > 0): the best k + 1
 * candidates re-scored exactly, the skipped document removed. */
static int rank_ivf(tenyo_ctx *c, size_t k, uint64_t skip, tenyo_hit *hits) {
    tenyo_hit *tmp = ty_mallocarray(k + 1, sizeof *tmp);
    if (!tmp) return TENYO_ERR_NOMEM;
    ty_ivf_query q = {c->nprobe, c->rerank ? c->rerank : 4 * (k + 1) > 64 ? 4 * (k + 1) : 64,
                      c->idx->m.doc_h, &c->idx->q8};
    int n = ty_ivf_search(c->idx->ivf, NULL, c->qlsa, k + 1, &q, &c->ivs, tmp);
    int out = 0;
    for (int i = 0; i < n && (size_t)out < k; i++)
        if (tmp[i].doc != skip) hits[out++] = tmp[i];
    free(tmp);
    return n < 0 ? n : out;
}

/* The documents rank_cand needs for k hits: the re-scored set of
 * ty_ctx_score (max(4 need, 256), need = k + 1) and k + 1 more; 0 (the
 * batch keeps scores) when that is beyond a few thousand. */
static size_t rank_cand_count(const tenyo_ctx *c, size_t k) {
    size_t need = k + 1, r = need * 4 > 256 ? need * 4 : 256;
    size_t nc = r + k + 1;
    if (nc > c->idx->m.ndocs) nc = (size_t)c->idx->m.ndocs;
    return k < 1024 ? nc : 0;
}

/* How far a document's exact LSA score (ty_q8_dot of its row, the codes
 * over their length, with the float query x) can lie from its int8 score
 * (the integer dot of the codes with the query's codes, times both
 * scales): the row is c/|c| and the query's codes stand for q^, so
 * exact - int8 = (c/|c|) . (x - q^), at most |x - q^| (Cauchy-Schwarz,
 * the row being unit; ty_q8_error); plus the float roundings of both sides
 * (the 1/|c| scale, the dot's 256 products and sums, the int8 score's two
 * scalings: a few units in the last place of |x| and of the score),
 * counted generously. */
static double q8_query_error(const float *x, size_t k) {
    double n, e = ty_q8_error(x, k, &n);
    return e * (1 + 1e-4) + 1e-4 * n + 1e-7;
}

/* rank() in LSA mode from a batch's candidates (c->pre_cand: the best by
 * int8 score, best first), the same hits bit for bit as scoring all:
 * ty_ctx_score would re-score the best r = max(4 need, 256) exactly (its
 * expression below, the same float operations) and leave every other
 * document at its int8 score; the candidates hold those r and the next
 * k + 1 by int8 score, which keep theirs. A document beyond them is worse
 * (score, then number) than each of those k + 1, at most one of which is
 * skipped, so it cannot be among the k best; ties break by document number
 * in the heap as in ty_ctx_topk. A candidate of the r is not re-scored
 * when even its int8 score plus the largest error (q8_query_error) is
 * below the k-th best score already held: its exact score, which scoring
 * all would give it, is below that too, so it is not among the k best
 * either way (the held k-th only rises). Fetching each row for its exact
 * dot was a fifth of a batched query at 100k; most of the 256 candidates
 * of a top 10 fall below the bound. */
static int rank_cand(tenyo_ctx *c, size_t k, uint64_t skip, tenyo_hit *hits) {
    const ty_model *m = &c->idx->m;
    size_t need = k + 1, r = need * 4 > 256 ? need * 4 : 256;
    if (r > m->ndocs) r = m->ndocs;
    float v = 1.f; /* rescore_exact's weight in LSA mode */
    ty_topk t;
    ty_topk_init(&t, hits, k);
    const ty_q8 *q8 = &c->idx->q8;
    double err = q8_query_error(c->qlsa, q8->dim);
    for (size_t i = 0; i < c->pre_ncand; i++) {
        uint64_t d = c->pre_cand[i].doc;
        float s = c->pre_cand[i].score;
        if (i < r && t.n == t.k && t.k &&
            (double)s + err + 1e-6 * fabs((double)s) < (double)t.h[0].score)
            continue; /* cannot reach the k best, exact or not */
        if (i + 8 < r && i + 8 < c->pre_ncand) { /* the row re-scored 8 later, meanwhile */
            const int8_t *p = q8->q + c->pre_cand[i + 8].doc * q8->dim;
            for (size_t l = 0; l < q8->dim; l += 64) __builtin_prefetch(p + l);
        }
        if (i < r) {
            float exact = ty_q8_dot(&c->idx->q8, d, c->qlsa);
            s += v * (exact - c->pre_cand[i].score);
        }
        if (d != skip) ty_topk_push(&t, d, s);
    }
    return (int)ty_topk_finish(&t);
}

/* Score all documents and keep the k best in hits, skipping document `skip`
 * (UINT64_MAX: none); LSA mode goes through the IVF lists when nprobe is set,
 * or from a batch's candidates when it has them. */
static int rank_any(tenyo_ctx *c, tenyo_mode mode, size_t k, uint64_t skip,
                    size_t qn, tenyo_hit *hits) {
    const ty_model *m = &c->idx->m;
    if (mode == TENYO_MODE_LSA && c->pre_cand && !c->filter) return rank_cand(c, k, skip, hits);
    if (mode == TENYO_MODE_LSA && c->nprobe && c->idx->ivf && m->dim && !c->filter)
        return rank_ivf(c, k, skip, hits);
    int rc = ty_ctx_score(c, mode, qn, k + 1);
    if (rc) return rc;
    size_t n = ty_ctx_topk(c, c->s1, skip, NULL, k, hits);
    /* under a filter, fewer documents than k may match: the rest are the
     * left-out ones at -inf, not answers */
    while (c->filter && n && hits[n - 1].score == -INFINITY) n--;
    return (int)n;
}

/* The ranking, its answers' strings readable (store/docmeta.c: a damaged
 * frame refuses the query, naming it, rather than showing "" for them). */
static int rank(tenyo_ctx *c, tenyo_mode mode, size_t k, uint64_t skip,
                size_t qn, tenyo_hit *hits) {
    int n = rank_any(c, mode, k, skip, qn, hits);
    if (n > 0 && ty_meta_ready(&c->idx->m, &hits[0].doc, (size_t)n, sizeof *hits, c->err,
                               sizeof c->err))
        return TENYO_ERR_CORRUPT;
    return n;
}

static int check_query(tenyo_ctx *c, tenyo_mode mode, size_t k,
                       tenyo_hit *hits) {
    if (mode != TENYO_MODE_TFIDF && mode != TENYO_MODE_LSA &&
        mode != TENYO_MODE_HYBRID) {
        ty_seterr(c->err, sizeof c->err, "unknown search mode %d", (int)mode);
        return TENYO_ERR_ARG;
    }
    if (k > 0 && !hits) return TENYO_ERR_ARG;
    if (k > INT32_MAX) {
        ty_seterr(c->err, sizeof c->err, "k too large");
        return TENYO_ERR_LIMIT;
    }
    return TENYO_OK;
}

/* What a query of terms or vectors reads: the term table (its damage
 * first, as when it was hashed at open), then the vectors: their codes
 * alone for a query through the IVF lists (a whole scan, ty_ctx_score's
 * fallback included, asks for the rest itself). */
static int need_terms(tenyo_ctx *c) {
    int rc = ty_index_need_vocab(c->idx, c->err, sizeof c->err);
    if (rc) return rc;
    return c->nprobe && c->idx->ivf ? ty_index_need_codes(c->idx, c->err, sizeof c->err)
                                    : ty_index_need_query(c->idx, c->err, sizeof c->err);
}

int ty_ctx_set_query(tenyo_ctx *c, const uint32_t *qt, const float *qw,
                     size_t qn, const float *qlsa) {
    int rc = need_terms(c);
    if (rc) return rc;
    c->nunk = 0; /* a batch does not keep each query's unknown words */
    c->npart = 0;
    if (ty_ctx_reserve_query(c, qn + 1)) return TENYO_ERR_NOMEM;
    memcpy(c->qt, qt, qn * sizeof *c->qt);
    memcpy(c->qw, qw, qn * sizeof *c->qw);
    if (c->idx->m.dim && qlsa != c->qlsa)
        memcpy(c->qlsa, qlsa, c->idx->m.dim * sizeof *c->qlsa);
    return TENYO_OK;
}

int ty_ctx_query_doc(tenyo_ctx *c, uint64_t doc, int terms) {
    const ty_model *m = &c->idx->m;
    if (doc >= m->ndocs) {
        ty_seterr(c->err, sizeof c->err, "document %llu out of range",
                  (unsigned long long)doc);
        return TENYO_ERR_NOTFOUND;
    }
    int vrc = need_terms(c);
    if (vrc) return vrc;
    c->nunk = 0;
    c->npart = 0;
    if (terms) { /* its row (a block of rows decoded where read lazily) */
        int rc = ty_model_need_rows(m, &doc, 1, sizeof doc, c->err, sizeof c->err);
        if (rc) return rc;
    }
    uint64_t a = terms ? m->tfidf.rowptr[doc] : 0, e = terms ? m->tfidf.rowptr[doc + 1] : 0;
    if (ty_ctx_reserve_query(c, e - a + 1)) return TENYO_ERR_NOMEM;
    if (e > a) {
        memcpy(c->qt, m->tfidf.col + a, (e - a) * sizeof *c->qt);
        memcpy(c->qw, m->tfidf.val + a, (e - a) * sizeof *c->qw);
    }
    if (m->dim) ty_q8_row(&c->idx->q8, doc, c->qlsa);
    return (int)(e - a);
}

int tenyo_similar_doc(tenyo_ctx *c, uint64_t doc, tenyo_mode mode, size_t k,
                      tenyo_hit *hits) {
    if (!c) return TENYO_ERR_ARG;
    int rc = check_query(c, mode, k, hits);
    if (rc) return rc;
    int qn = ty_ctx_query_doc(c, doc, mode != TENYO_MODE_LSA);
    if (qn < 0) return qn;
    /* the query patent's strings too (shown beside its answers) */
    if (ty_meta_ready(&c->idx->m, &doc, 1, sizeof doc, c->err, sizeof c->err))
        return TENYO_ERR_CORRUPT;
    return rank(c, mode, k, doc, (size_t)qn, hits);
}

/* Tokenizer callback: collect the ids of terms the index knows.
 *
 * A compound noun of the query the index does not know (精密プレス加工: no
 * indexed document wrote it, or too few did) is searched by its parts. The
 * tokenizer emits a compound's parts (keep_parts) just before the compound,
 * so the last tokens seen, when they are pieces of it in order, are its
 * parts; they are already in the query. Added to them: the longest
 * sub-compounds the index does know (プレス加工), chosen greedily, longest
 * first, never overlapping, as a document that wrote them would hold them.
 * The compound is then noted as searched by those pieces; a word with no
 * known piece is noted as unknown (not used). */
#define COL_RECENT 8
typedef struct collect {
    tenyo_ctx *c;
    size_t n;
    int oom;
    char common[64]; /* the first too-common word met, for the error */
    char recent[COL_RECENT][48]; /* the last tokens, newest at (nrecent-1) % COL_RECENT */
    int64_t recent_id[COL_RECENT]; /* their ids, -1 unknown */
    size_t nrecent;
    /* the unknown words as the index's terms (a stem for English), for
     * telling them apart; c->unk and c->part hold the words as typed */
    char unk_term[2][8][48];
    char (*last)[48];  /* the entry the last term was put in (its word
                          follows: collect_surface), or NULL */
} collect;

/* 1 when t[0..n) is a term max_df dropped as too common (the "common"
 * section): known to the index, only not kept. */
static int common_term(const ty_model *m, const char *t, size_t n) {
    for (const char *s = m->common_blob; s && s < m->common_blob + m->common_len; s += strlen(s) + 1)
        if (strlen(s) == n && !memcmp(s, t, n)) return 1;
    return 0;
}

static void collect_add(collect *col, int64_t id) {
    tenyo_ctx *c = col->c;
    if (col->oom) return;
    if (col->n == c->qcap &&
        ty_ctx_reserve_query(c, c->qcap ? c->qcap * 2 : 256)) {
        col->oom = 1;
        return;
    }
    c->qt[col->n++] = (uint32_t)id;
}

static void collect_remember(collect *col, const char *t, size_t n, int64_t id) {
    size_t r = col->nrecent++ % COL_RECENT;
    if (n >= sizeof col->recent[r]) n = 0; /* too long to be a part: kept empty */
    memcpy(col->recent[r], t, n);
    col->recent[r][n] = 0;
    col->recent_id[r] = id;
}

/* A compound t[0..n) unknown to the index: its parts among the last tokens
 * (those right before it that are pieces of it, in order); adds the known
 * sub-compounds to the query and writes the pieces searched, " + " between,
 * to as. Returns how many pieces known to the index it was searched by. */
static int collect_backoff(collect *col, const char *t, size_t n, char *as, size_t aslen) {
    enum { MAXP = COL_RECENT };
    size_t st[MAXP], en[MAXP];
    int64_t pid[MAXP];
    int np = 0;
    /* walk back over the last tokens while each is a piece of t ending
     * before the previous piece's start */
    size_t limit = n;
    for (size_t b = 0; b < col->nrecent && b < COL_RECENT && np < MAXP; b++) {
        size_t r = (col->nrecent - 1 - b) % COL_RECENT;
        size_t pl = strlen(col->recent[r]);
        if (!pl || pl >= n || pl > limit) break;
        /* the last occurrence of the piece ending at or before limit */
        size_t at = SIZE_MAX;
        for (size_t o = limit - pl + 1; o-- > 0;)
            if (!memcmp(t + o, col->recent[r], pl)) { at = o; break; }
        if (at == SIZE_MAX) break;
        memmove(st + 1, st, (size_t)np * sizeof *st);
        memmove(en + 1, en, (size_t)np * sizeof *en);
        memmove(pid + 1, pid, (size_t)np * sizeof *pid);
        st[0] = at;
        en[0] = at + pl;
        pid[0] = col->recent_id[r];
        np++;
        limit = at;
    }
    if (np < 2) return 0; /* one word, or not seen as pieces: not a compound */
    /* candidate sub-compounds: from piece a's start to piece b's end, to
     * the next piece's start (a suffix between: 金型 of 金 型 設計) or, for
     * the last piece, to t's end (部品向け); longer than one piece alone,
     * shorter than t; tried longest first, kept when the index knows them
     * and they overlap no piece already covered */
    struct span { int a, b; size_t start, end; } cand[MAXP * MAXP * 4];
    int ncand = 0;
    for (int a = 0; a < np; a++)
        for (int b = a; b < np; b++) {
            size_t starts[2] = {st[a], a ? en[a - 1] : 0};
            size_t ends[2] = {en[b], b + 1 < np ? st[b + 1] : n};
            for (int f = 0; f < 2; f++)
                for (int e = 0; e < 2; e++) {
                    if ((f == 1 && starts[1] >= starts[0]) || (e == 1 && ends[1] <= ends[0]))
                        continue;
                    size_t sl = ends[e] - starts[f];
                    if (sl >= n || (a == b && f == 0 && e == 0)) continue;
                    cand[ncand++] = (struct span){a, b, starts[f], ends[e]};
                }
        }
    struct span kept[MAXP]; /* the sub-compounds kept, and their ids */
    int64_t keptid[MAXP];
    int cover[MAXP], nspan = 0; /* cover[k]: the kept span holding piece k, or -1 */
    for (int k = 0; k < np; k++) cover[k] = -1;
    while (nspan < MAXP) {
        int best = -1;
        for (int i = 0; i < ncand; i++) {
            if (cand[i].a < 0) continue;
            if (best < 0 || cand[i].end - cand[i].start > cand[best].end - cand[best].start) best = i;
        }
        if (best < 0) break;
        struct span sp = cand[best];
        cand[best].a = -1;
        int free_ = 1;
        for (int k = sp.a; k <= sp.b; k++) free_ &= cover[k] < 0;
        if (!free_) continue;
        int64_t id = ty_strmap_get(col->c->idx->vocab, t + sp.start, sp.end - sp.start);
        if (id < 0) continue;
        kept[nspan] = sp;
        keptid[nspan] = id;
        for (int k = sp.a; k <= sp.b; k++) cover[k] = nspan;
        nspan++;
    }
    int used = 0;
    size_t al = 0;
    as[0] = 0;
    for (int k = 0; k < np; k++) {
        const char *w;
        size_t wl;
        if (cover[k] >= 0) {
            const struct span *sp = &kept[cover[k]];
            if (k != sp->a) continue;
            collect_add(col, keptid[cover[k]]);
            w = t + sp->start;
            wl = sp->end - sp->start;
            k = sp->b;
        } else {
            if (pid[k] < 0) continue; /* a piece the index does not know */
            w = t + st[k];
            wl = en[k] - st[k];
        }
        int wrote = snprintf(as + al, aslen - al, "%s%.*s", used ? " + " : "", (int)wl, w);
        if (wrote < 0 || (size_t)wrote >= aslen - al) { as[al] = 0; break; }
        al += (size_t)wrote;
        used++;
    }
    return used;
}

static void collect_cb(void *ud, const char *t, size_t n) {
    collect *col = ud;
    tenyo_ctx *c = col->c;
    col->last = NULL;
    int64_t id = ty_strmap_get(c->idx->vocab, t, n);
    /* a word in most documents (車両 in the jp corpus) is no unknown word:
     * the ideas notes must not say "not in the index" of it */
    if (id < 0 && common_term(&c->idx->m, t, n)) {
        if (!col->common[0] && n < sizeof col->common) {
            memcpy(col->common, t, n);
            col->common[n] = 0;
        }
        collect_remember(col, t, n, -1);
        return;
    }
    if (id < 0) {
        char as[sizeof c->part_as[0]];
        int pieces = collect_backoff(col, t, n, as, sizeof as);
        collect_remember(col, t, n, -1);
        /* remembered for the notes: distinct, first 8 */
        char (*list)[48] = pieces ? c->part : c->unk, (*terms)[48] = col->unk_term[pieces != 0];
        size_t *cnt = pieces ? &c->npart : &c->nunk;
        int seen = n >= sizeof c->unk[0];
        for (size_t i = 0; i < *cnt && i < 8 && !seen; i++)
            seen = strlen(terms[i]) == n && memcmp(terms[i], t, n) == 0;
        if (!seen) {
            if (*cnt < 8) {
                memcpy(list[*cnt], t, n);
                list[*cnt][n] = 0;
                memcpy(terms[*cnt], t, n);
                terms[*cnt][n] = 0;
                col->last = &list[*cnt];
                if (pieces) memcpy(c->part_as[*cnt], as, sizeof as);
            }
            (*cnt)++;
        }
        return;
    }
    collect_remember(col, t, n, id);
    collect_add(col, id);
}

/* The word as typed of a stemmed term (ty_tok_sink.surface, right after
 * collect_cb): an unknown word is said as the user wrote it ("fabrics"),
 * not as the index's stem ("fabric"). */
static void collect_surface(void *ud, const char *t, size_t n, const char *w, size_t wn) {
    collect *col = ud;
    (void)t;
    (void)n;
    if (col->last && wn < sizeof col->last[0]) {
        memcpy(*col->last, w, wn);
        (*col->last)[wn] = 0;
    }
    col->last = NULL;
}

static int ensure_tokenizer(tenyo_ctx *c) {
    if (c->tc) return TENYO_OK;
    const tenyo_index *x = c->idx;
    char err[TY_ERRLEN] = "";
    int rc = ty_tokenizer_new(&x->tok, &c->tok, err, sizeof err);
    if (rc) {
        ty_seterr(c->err, sizeof c->err, "cannot load the tokenizer: %s", err);
        return rc;
    }
    const char *have = ty_tokenizer_identity(c->tok);
    if (strcmp(have, x->m.tokenizer ? x->m.tokenizer : "") != 0) {
        ty_seterr(c->err, sizeof c->err,
                  "the index was built with tokenizer \"%s\" but this machine "
                  "has \"%s\"; rebuild the index or install the same dictionary",
                  x->m.tokenizer ? x->m.tokenizer : "", have);
        ty_tokenizer_free(c->tok);
        c->tok = NULL;
        return TENYO_ERR_MISMATCH;
    }
    rc = ty_tokctx_new(c->tok, &c->tc, err, sizeof err);
    if (rc) {
        ty_seterr(c->err, sizeof c->err, "cannot start the tokenizer: %s", err);
        ty_tokenizer_free(c->tok);
        c->tok = NULL;
    }
    return rc;
}

int ty_ctx_query_text(tenyo_ctx *c, const char *text, size_t len) {
    if (len > TY_MAX_QUERY) {
        ty_seterr(c->err, sizeof c->err, "query text of %zu bytes is longer than %u MiB", len,
                  TY_MAX_QUERY >> 20);
        return TENYO_ERR_LIMIT;
    }
    int rc = ensure_tokenizer(c);
    if (rc) return rc;
    rc = need_terms(c);
    if (rc) return rc;
    c->qtext.len = 0; /* kept for the why of ideas */
    if ((len && ty_buf_append(&c->qtext, text, len)) || ty_buf_putc(&c->qtext, 0))
        return TENYO_ERR_NOMEM;
    c->qtext.len--;
    collect col = {.c = c};
    c->nunk = 0;
    c->npart = 0;
    ty_tok_sink sink = {.term = collect_cb, .surface = collect_surface, .ud = &col};
    rc = ty_tokenize_sink(c->tc, text ? text : "", len, &sink);
    if (rc < 0) {
        ty_seterr(c->err, sizeof c->err, "query text: %s",
                  rc == TENYO_ERR_INPUT ? "not valid UTF-8" : tenyo_strerror(rc));
        return rc;
    }
    if (col.oom) return TENYO_ERR_NOMEM;
    if (col.n == 0) {
        /* the vocabulary lost both the rare and the common terms: say so
         * (a word in most documents is not "absent from the index") */
        const ty_model *m = &c->idx->m;
        if (col.common[0]) {
            ty_seterr(c->err, sizeof c->err,
                      "\"%s\" is in more than %g%% of the indexed documents "
                      "(max_df): too common to tell them apart, so the index does "
                      "not keep it, and the query has no other indexed term",
                      col.common, 100 * m->max_df_ratio);
            return TENYO_ERR_EMPTY;
        }
        ty_seterr(c->err, sizeof c->err,
                  "none of the query's terms is in the index's vocabulary, which keeps "
                  "only terms found in at least %d documents and in at most %g%% of them "
                  "(min_df, max_df: a word too rare or too common is not indexed)",
                  c->idx->m.min_df > 1 ? c->idx->m.min_df : 1, 100 * c->idx->m.max_df_ratio);
        return TENYO_ERR_EMPTY;
    }
    /* (term, count) pairs, then TF-IDF weights */
    qsort(c->qt, col.n, sizeof *c->qt, ty_cmp_u32);
    size_t n = 0;
    for (size_t i = 0; i < col.n;) {
        uint32_t t = c->qt[i];
        float cnt = 0;
        while (i < col.n && c->qt[i] == t) { cnt += 1; i++; }
        c->qt[n] = t;
        c->qw[n] = cnt;
        n++;
    }
    const ty_model *m = &c->idx->m;
    ty_tfidf_row(c->qt, c->qw, n, m->idf);
    if (m->dim) ty_fold_in(m, c->qt, c->qw, n, c->qlsa);
    return (int)n;
}

int ty_ctx_tokenize(tenyo_ctx *c, const char *text, size_t len,
                    void (*emit)(void *ud, const char *t, size_t n), void *ud) {
    return ty_ctx_tokenize_parts(c, text, len, emit, NULL, ud);
}

int ty_ctx_tokenize_parts(tenyo_ctx *c, const char *text, size_t len,
                          void (*emit)(void *ud, const char *t, size_t n),
                          void (*part)(void *ud, const char *t, size_t n), void *ud) {
    if (len > TY_MAX_QUERY) {
        ty_seterr(c->err, sizeof c->err, "query of %zu bytes is longer than %u MiB", len,
                  TY_MAX_QUERY >> 20);
        return TENYO_ERR_LIMIT;
    }
    int rc = ensure_tokenizer(c);
    if (!rc) rc = ty_index_need_vocab(c->idx, c->err, sizeof c->err);
    if (rc) return rc;
    ty_tok_sink sink = {.term = emit, .part = part, .ud = ud};
    rc = ty_tokenize_sink(c->tc, text ? text : "", len, &sink);
    if (rc < 0)
        ty_seterr(c->err, sizeof c->err, "query: %s",
                  rc == TENYO_ERR_INPUT ? "not valid UTF-8" : tenyo_strerror(rc));
    return rc < 0 ? rc : TENYO_OK;
}

/* emit, and the term kept (a u32 length and its bytes) for the memo */
typedef struct memo_keep {
    void (*emit)(void *ud, const char *t, size_t n);
    void *ud;
    ty_buf *terms;
    int bad; /* a term could not be kept: the sentence is not */
} memo_keep;

static void memo_emit(void *ud, const char *t, size_t n) {
    memo_keep *k = ud;
    k->emit(k->ud, t, n);
    uint32_t len = (uint32_t)n;
    if (!k->bad && (ty_buf_append(k->terms, &len, 4) || ty_buf_append(k->terms, t, n))) k->bad = 1;
}

int ty_ctx_tokenize_memo(tenyo_ctx *c, const char *text, size_t len,
                         void (*emit)(void *ud, const char *t, size_t n), void *ud) {
    if (len > TY_TOKMEMO_MAX || (!c->tokmemo && !(c->tokmemo = ty_calloc(TY_TOKMEMO_SLOTS, sizeof *c->tokmemo))))
        return ty_ctx_tokenize(c, text, len, emit, ud);
    uint64_t h = ty_fnv1a(text, len);
    struct ty_tokmemo *e = &c->tokmemo[h % TY_TOKMEMO_SLOTS];
    if (e->used && e->h == h && e->text.len == len && !memcmp(e->text.p, text, len)) {
        for (size_t i = 0; i + 4 <= e->terms.len;) {
            uint32_t n;
            memcpy(&n, e->terms.p + i, 4);
            emit(ud, e->terms.p + i + 4, n);
            i += 4 + (size_t)n;
        }
        return TENYO_OK;
    }
    e->used = 0;
    e->terms.len = 0;
    memo_keep k = {emit, ud, &e->terms, 0};
    int rc = ty_ctx_tokenize(c, text, len, memo_emit, &k);
    if (rc < 0) return rc;
    e->text.len = 0;
    if (!k.bad && !ty_buf_append(&e->text, text, len)) {
        e->h = h;
        e->used = 1;
    }
    return rc;
}

int ty_ctx_rank_terms(tenyo_ctx *c, const uint32_t *terms, size_t n, size_t k,
                      tenyo_hit *hits) {
    int rc = check_query(c, TENYO_MODE_TFIDF, k, hits);
    if (rc) return rc;
    rc = need_terms(c);
    if (rc) return rc;
    if (ty_ctx_reserve_query(c, n + 1)) return TENYO_ERR_NOMEM;
    memcpy(c->qt, terms, n * sizeof *c->qt);
    qsort(c->qt, n, sizeof *c->qt, ty_cmp_u32);
    size_t q = 0;
    for (size_t i = 0; i < n;) { /* (term, count) pairs, then TF-IDF weights */
        uint32_t t = c->qt[i];
        float cnt = 0;
        while (i < n && c->qt[i] == t) { cnt += 1; i++; }
        c->qt[q] = t;
        c->qw[q++] = cnt;
    }
    const ty_model *m = &c->idx->m;
    ty_tfidf_row(c->qt, c->qw, q, m->idf);
    if (m->dim) ty_fold_in(m, c->qt, c->qw, q, c->qlsa);
    c->nunk = 0;
    c->npart = 0;
    return rank(c, TENYO_MODE_TFIDF, k, UINT64_MAX, q, hits);
}

int tenyo_similar_text(tenyo_ctx *c, const char *text, size_t len,
                       tenyo_mode mode, size_t k, tenyo_hit *hits) {
    if (!c || (!text && len)) return TENYO_ERR_ARG;
    int rc = check_query(c, mode, k, hits);
    if (rc) return rc;
    int qn = ty_ctx_query_text(c, text, len);
    if (qn < 0) return qn;
    return rank(c, mode, k, UINT64_MAX, (size_t)qn, hits);
}

/* =============================================================== batches */

/* Most queries whose LSA scores one pass computes together. */
#define BATCH_MAX 32
/* Cap on the score block (floats): B x ndocs stays under 64 MiB. */
#define BATCH_BLOCK_FLOATS ((size_t)16 << 20)
/* Document rows dequantised per sgemm of a batch (1 MiB at k = 256). */
#define BATCH_ROWS 1024

/* One prepared query of a batch block. */
typedef struct bquery {
    uint32_t *qt;        /* sparse query terms (copy) */
    float *qw;           /* their weights */
    size_t qn;           /* terms */
    int status;          /* < 0: preparing failed */
    char err[TY_ERRLEN]; /* its message */
} bquery;

int ty_ctx_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq, tenyo_mode mode, int terms,
                 size_t cand, int (*step)(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                             int status, void *ud),
                 void *ud) {
    if (!c || (nq && !q) || !step) return TENYO_ERR_ARG;
    int vrc = need_terms(c);
    if (!vrc) vrc = ty_index_need_vectors(c->idx, c->err, sizeof c->err); /* its scans */
    if (vrc) return vrc;
    const ty_model *m = &c->idx->m;
    size_t k = m->dim, nd = m->ndocs;
    size_t B = BATCH_MAX;
    if (nd && B > BATCH_BLOCK_FLOATS / nd) B = BATCH_BLOCK_FLOATS / nd;
    if (B < 1) B = 1;
    int share = mode != TENYO_MODE_TFIDF && k > 0 && nd > 0;
    int int8 = share && ty_ctx_scan_int8(c);
    /* candidates instead of scores: no score block, so no cap on B */
    int fused = int8 && mode == TENYO_MODE_LSA && cand > 0 && !c->filter;
    if (cand > nd) cand = (size_t)nd;
    if (fused) B = BATCH_MAX;
    int rc = TENYO_ERR_NOMEM;
    float *qv = share ? ty_mallocarray(B * k, sizeof *qv) : NULL;
    float *blk = share && !fused ? ty_mallocarray(B * nd, sizeof *blk) : NULL;
    float *rows = share && !int8 ? ty_mallocarray(BATCH_ROWS, k * sizeof *rows) : NULL;
    ty_q8_query *qp = int8 ? ty_mallocarray(B, sizeof *qp) : NULL;
    tenyo_hit *cb = fused ? ty_mallocarray(B, cand * sizeof *cb) : NULL;
    size_t *cn = fused ? ty_mallocarray(B, sizeof *cn) : NULL;
    bquery *bq = ty_calloc(B, sizeof *bq);
    if ((share && (!qv || (!blk && !fused) || (!rows && !qp))) || (fused && (!cb || !cn)) || !bq)
        goto done;
    for (size_t start = 0; start < nq; start += B) {
        size_t nb = nq - start < B ? nq - start : B;
        /* 1. prepare every query of the block: terms, weights, fold-in */
        for (size_t j = 0; j < nb; j++) {
            const tenyo_query *qq = &q[start + j];
            bquery *b = &bq[j];
            int r = qq->doc >= 0 ? ty_ctx_query_doc(c, (uint64_t)qq->doc, terms)
                                 : ty_ctx_query_text(c, qq->text, qq->len);
            b->status = r < 0 ? r : 0;
            b->qn = 0;
            if (r < 0) {
                snprintf(b->err, sizeof b->err, "%s", c->err);
                continue;
            }
            b->qn = (size_t)r;
            free(b->qt);
            free(b->qw);
            b->qt = ty_mallocarray(b->qn ? b->qn : 1, sizeof *b->qt);
            b->qw = ty_mallocarray(b->qn ? b->qn : 1, sizeof *b->qw);
            if (!b->qt || !b->qw) goto done;
            memcpy(b->qt, c->qt, b->qn * sizeof *b->qt);
            memcpy(b->qw, c->qw, b->qn * sizeof *b->qw);
            if (share) memcpy(qv + j * k, c->qlsa, k * sizeof *qv);
        }
        /* 2. the shared scan: LSA scores of the whole block in one pass
         *    over the document vectors: the int8 scan of all its queries
         *    (what each query's own scan gives), or blk = qv * rows^T with
         *    the rows dequantised BATCH_ROWS at a time */
        if (fused) {
            for (size_t j = 0; j < nb; j++) ty_q8_prepare(qv + j * k, k, &qp[j]);
            if (ty_q8_topk_multi(&c->idx->q8, qp, nb, NULL, cand, cb, cn)) goto nomem;
        } else if (int8) {
            for (size_t j = 0; j < nb; j++) ty_q8_prepare(qv + j * k, k, &qp[j]);
            ty_q8_scan_multi(&c->idx->q8, qp, nb, blk, nd);
        } else if (share)
            for (size_t d0 = 0; d0 < nd; d0 += BATCH_ROWS) {
                size_t n = nd - d0 < BATCH_ROWS ? nd - d0 : BATCH_ROWS;
                ty_q8_rows(&c->idx->q8, d0, n, rows);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)k,
                            1.f, qv, (int)k, rows, (int)k, 0.f, blk + d0, (int)nd);
            }
        /* 3. per query, in order */
        for (size_t j = 0; j < nb; j++) {
            const tenyo_query *qq = &q[start + j];
            bquery *b = &bq[j];
            uint64_t skip = qq->doc >= 0 ? (uint64_t)qq->doc : UINT64_MAX;
            if (b->status < 0) {
                snprintf(c->err, sizeof c->err, "%s", b->err);
                rc = step(c, start + j, skip, 0, b->status, ud);
                if (rc) goto done;
                continue;
            }
            if (ty_ctx_set_query(c, b->qt, b->qw, b->qn, share ? qv + j * k : c->qlsa))
                goto nomem;
            c->pre_lsa = share && !fused ? blk + j * nd : NULL;
            c->pre_approx = int8 && !fused;
            c->pre_cand = fused ? cb + j * cand : NULL;
            c->pre_ncand = fused ? cn[j] : 0;
            rc = step(c, start + j, skip, b->qn, 0, ud);
            c->pre_lsa = NULL;
            c->pre_approx = 0;
            c->pre_cand = NULL;
            c->pre_ncand = 0;
            if (rc) goto done;
        }
    }
    rc = TENYO_OK;
    goto done;
nomem:
    rc = TENYO_ERR_NOMEM;
done:
    c->pre_lsa = NULL;
    c->pre_approx = 0;
    c->pre_cand = NULL;
    c->pre_ncand = 0;
    free(cb);
    free(cn);
    if (bq)
        for (size_t j = 0; j < B; j++) {
            free(bq[j].qt);
            free(bq[j].qw);
        }
    free(bq);
    free(qv);
    free(blk);
    free(rows);
    free(qp);
    if (rc == TENYO_ERR_NOMEM) ty_seterr(c->err, sizeof c->err, "out of memory in a batch");
    return rc;
}

/* State of one tenyo_similar_batch call. */
typedef struct sbatch {
    tenyo_mode mode;     /* scoring */
    size_t k;            /* results per query */
    tenyo_hit *hits;     /* results of the current query */
    tenyo_similar_cb cb; /* caller's callback */
    void *ud;            /* its argument */
} sbatch;

static int similar_step(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                        int status, void *ud) {
    sbatch *b = ud;
    if (status < 0) {
        b->cb(b->ud, i, status, NULL);
        return TENYO_OK;
    }
    int n = rank(c, b->mode, b->k, skip, qn, b->hits);
    b->cb(b->ud, i, n, n >= 0 ? b->hits : NULL);
    return TENYO_OK;
}

int tenyo_similar_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq,
                        tenyo_mode mode, size_t k, tenyo_similar_cb cb, void *ud) {
    if (!c || (nq && !q) || !cb) return TENYO_ERR_ARG;
    sbatch b = {mode, k, ty_mallocarray(k ? k : 1, sizeof(tenyo_hit)), cb, ud};
    if (!b.hits) return TENYO_ERR_NOMEM;
    int rc = check_query(c, mode, k, b.hits);
    if (rc) {
        free(b.hits);
        return rc;
    }
    /* the IVF path (nprobe) scores its own lists: no shared block then */
    int share_mode = mode == TENYO_MODE_LSA && c->nprobe && c->idx->ivf ? TENYO_MODE_TFIDF : mode;
    rc = ty_ctx_batch(c, q, nq, (tenyo_mode)share_mode, mode != TENYO_MODE_LSA,
                      share_mode == TENYO_MODE_LSA ? rank_cand_count(c, k) : 0, similar_step, &b);
    free(b.hits);
    return rc;
}
