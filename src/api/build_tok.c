/*
 * build_tok.c — from text to (term, count) pairs: a batch of pending
 * documents tokenized in parallel (one ty_tokctx per thread), merged in
 * document order into the raw vocabulary, the varint-coded pairs, the
 * surface-word votes and the phrases; the same over processes (a shared
 * build: each process tokenizes its own records and rank 0 merges their
 * chunks in record order); and documents given as counts (a rebuild). Term
 * ids depend only on the order records were added, never on threads or
 * batch cuts (builder.c's opening comment).
 */
#include "api/api.h"
#include "api/build.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ tokenize */

/* The work of one batch, shared by the workers. Entries are taken from
 * next as workers come free (documents differ in length, so fixed shares
 * would idle some workers); each entry's output goes to its own dt[i] and
 * the batch is merged in entry order afterwards, so which worker took an
 * entry changes no bit. */
typedef struct tok_job {
    tenyo_builder *b;          /* builder (its ctx) */
    pdoc *batch;               /* the entries (b->batch, or b->fbatch) */
    dterms *dt;                /* their tokenizer output */
    size_t n;                  /* entries */
    atomic_size_t next;        /* next batch entry to take */
    atomic_size_t done;        /* entries finished (progress) */
    size_t last;               /* done at the last progress report */
    pthread_mutex_t lock;      /* guards err_t and err */
    int err_t;                 /* worker whose failure err holds, or -1 */
    char err[TY_ERRLEN];       /* setup failure message of worker err_t */
} tok_job;

static void emit_term(void *ud, const char *t, size_t n) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->buf, t, n) || ty_buf_putc(&dt->buf, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->n++;
}

static void emit_surface(void *ud, const char *t, size_t n, const char *w,
                         size_t wn) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->surf, t, n) || ty_buf_putc(&dt->surf, 0x1f) ||
        ty_buf_append(&dt->surf, w, wn) || ty_buf_putc(&dt->surf, 0))
        dt->status = TENYO_ERR_NOMEM;
}

/* 1 when the "target\x1fexpression\0" list phr[0..len) already holds the
 * expression e[0..en). */
static int has_expression(const char *phr, size_t len, const char *e,
                          size_t en) {
    for (size_t at = 0; at < len;) {
        const char *q = phr + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        if (sep && (size_t)(q + ql - sep - 1) == en && memcmp(sep + 1, e, en) == 0)
            return 1;
        at += ql + 1;
    }
    return 0;
}

/* Keep the first BUILD_DOC_PHRASES distinct phrases of a document. */
static void emit_phrase(void *ud, const char *t, size_t tn, const char *e,
                        size_t en) {
    dterms *dt = ud;
    if (dt->status || dt->nphr >= BUILD_DOC_PHRASES || memchr(e, 0, en) ||
        memchr(t, 0x1f, tn) || memchr(e, 0x1f, en) || memchr(t, 0, tn))
        return;
    if (has_expression(dt->phr.p, dt->phr.len, e, en)) return;
    if (ty_buf_append(&dt->phr, t, tn) || ty_buf_putc(&dt->phr, 0x1f) ||
        ty_buf_append(&dt->phr, e, en) || ty_buf_putc(&dt->phr, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->nphr++;
}

/* ty_parallel worker t: tokenize batch entries until none is left, with
 * context t (made on first use and kept in the builder for later batches).
 * A context that cannot be made fails the worker; of several failures the
 * message kept is that of the lowest-numbered worker, whose status
 * ty_parallel returns, so the error does not depend on timing. */
static int tok_worker(void *ud, int t, int nt) {
    (void)nt;
    tok_job *j = ud;
    tenyo_builder *b = j->b;
    char err[TY_ERRLEN];
    int rc = b->ctx[t] ? TENYO_OK
                       : ty_tokctx_new(b->tok, &b->ctx[t], err, sizeof err);
    if (rc) {
        pthread_mutex_lock(&j->lock);
        if (j->err_t < 0 || t < j->err_t) {
            j->err_t = t;
            memcpy(j->err, err, sizeof err);
        }
        pthread_mutex_unlock(&j->lock);
        return rc;
    }
    ty_tokctx *c = b->ctx[t];
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n) break;
        pdoc *pd = &j->batch[i];
        dterms *dt = &j->dt[i];
        ty_tok_sink sink = {emit_term, emit_surface, emit_phrase, dt, NULL};
        int r = ty_tokenize_sink(c, pd->text, pd->len, &sink);
        if (r < 0 && !dt->status) dt->status = r;
        if (pd->lang < 0) {
            const char *l = ty_detect_lang(pd->text, pd->len);
            pd->lang = l && strcmp(l, "ja") == 0 ? 0 : 1;
        }
        free(pd->text);
        pd->text = NULL;
        atomic_fetch_add(&j->done, 1);
    }
    return TENYO_OK;
}

/* Progress of a batch, from the calling thread while the workers run. It
 * counts records (a repeated id too): the total is what has been added so
 * far, so done < total until write() ends the stage. */
static void tok_watch(void *ud) {
    tok_job *j = ud;
    tenyo_builder *b = j->b;
    size_t d = atomic_load(&j->done);
    uint64_t total = b->tokenized + j->n;
    if (d != j->last && b->tokenized + d < total)
        b->o.progress(b->o.progress_ud, "tokenize", b->tokenized + d, total);
    j->last = d;
}

/* Append v as a varint (7 bits a byte, low first) to b. */
static int put_varint(ty_buf *b, uint32_t v) {
    char tmp[5];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (char)v;
    return ty_buf_append(b, tmp, n);
}

/* Read a varint at *p (written by put_varint) and advance *p. */
uint32_t ty_bld_get_varint(const unsigned char **p) {
    uint32_t v = 0;
    int shift = 0;
    for (;;) {
        unsigned c = *(*p)++;
        v |= (uint32_t)(c & 0x7F) << shift;
        if (c < 0x80) return v;
        shift += 7;
    }
}

pair_it ty_bld_pairs_of(const tenyo_builder *b, const bdoc *d) {
    const unsigned char *p = (const unsigned char *)b->pairs.p + d->pairs;
    return (pair_it){p, p + d->pairs_len, 0};
}

/* Next pair into *id, *count; 0 at the end. */
int ty_bld_pair_next(pair_it *it, uint32_t *id, uint32_t *count) {
    if (it->p >= it->end) return 0;
    it->id += ty_bld_get_varint(&it->p);
    *id = it->id;
    *count = ty_bld_get_varint(&it->p);
    return 1;
}

/* Make room for n raw ids in b->scratch. */
static int scratch_room(tenyo_builder *b, size_t n) {
    if (n <= b->capscratch) return TENYO_OK;
    size_t cap = b->capscratch ? b->capscratch : 1024;
    while (cap < n) cap *= 2;
    uint32_t *p = ty_reallocarray(b->scratch, cap, sizeof *p);
    if (!p) return TENYO_ERR_NOMEM;
    b->scratch = p;
    b->capscratch = cap;
    return TENYO_OK;
}

/* Store the raw ids ids[0..n) (with repeats; cnt[i] occurrences of ids[i],
 * or one each when cnt is NULL) as slot's pairs: sorted, counted, encoded
 * at the end of the arena. The slot's earlier pairs become dead bytes. */
static int set_pairs(tenyo_builder *b, size_t slot, uint32_t *ids,
                     const uint32_t *cnt, size_t n) {
    bdoc *d = &b->docs[slot];
    uint64_t start = b->pairs.len;
    uint32_t distinct = 0, last = 0;
    if (!cnt) {
        if (n > 1) qsort(ids, n, sizeof *ids, ty_cmp_u32); /* ids NULL when n is 0 */
        for (size_t k = 0; k < n;) {
            uint32_t id = ids[k], c = 0;
            while (k < n && ids[k] == id) c++, k++;
            if (put_varint(&b->pairs, id - last) || put_varint(&b->pairs, c))
                return TENYO_ERR_NOMEM;
            last = id;
            distinct++;
        }
    } else {
        /* ids are distinct here (the caller summed repeats), sorted */
        for (size_t k = 0; k < n; k++) {
            if (put_varint(&b->pairs, ids[k] - last) ||
                put_varint(&b->pairs, cnt[k]))
                return TENYO_ERR_NOMEM;
            last = ids[k];
            distinct++;
        }
    }
    if (b->pairs.len - start > UINT32_MAX) {
        ty_seterr(b->err, sizeof b->err, "document %s has too many terms",
                  ty_bld_meta_get(d, BM_ID));
        return TENYO_ERR_LIMIT;
    }
    b->dead_pairs += d->pairs_len;
    d->pairs = start;
    d->pairs_len = (uint32_t)(b->pairs.len - start);
    d->nterms = distinct;
    return TENYO_OK;
}

/* One surface vote: the stemmed term (raw id) t was written as word w
 * (Boyer-Moore majority vote, in document order). */
static int vote_id(tenyo_builder *b, int64_t t, int64_t wid);

static int vote(tenyo_builder *b, const char *term, size_t tn, const char *w,
                size_t wn) {
    int64_t t = ty_strmap_get(b->voc, term, tn);
    if (t < 0) return TENYO_OK; /* not a term: cannot be kept */
    int64_t wid = ty_strmap_intern(b->words, w, wn, NULL);
    if (wid < 0) return (int)wid;
    return vote_id(b, t, wid);
}

/* The vote of raw term t (>= 0) for word id wid of b->words. */
static int vote_id(tenyo_builder *b, int64_t t, int64_t wid) {
    uint32_t nraw = ty_strmap_size(b->voc);
    if (nraw > b->capvote) {
        size_t cap = b->capvote ? b->capvote : 4096;
        while (cap < nraw) cap *= 2;
        int64_t *c = ty_reallocarray(b->cand, cap, sizeof *c);
        if (!c) return TENYO_ERR_NOMEM;
        b->cand = c;
        uint32_t *v = ty_reallocarray(b->votes, cap, sizeof *v);
        if (!v) return TENYO_ERR_NOMEM;
        b->votes = v;
        for (size_t i = b->capvote; i < cap; i++) c[i] = -1, v[i] = 0;
        b->capvote = cap;
    }
    if (b->cand[t] == wid) b->votes[t]++;
    else if (b->votes[t] == 0) { b->cand[t] = wid; b->votes[t] = 1; }
    else b->votes[t]--;
    return TENYO_OK;
}

/* Intern the "target\x1fexpression" phrases of list[0..len) (each
 * NUL-terminated) as slot's phrase ids. */
static int set_phrases(tenyo_builder *b, size_t slot, const char *list,
                       size_t len) {
    bdoc *d = &b->docs[slot];
    uint8_t k = 0;
    uint64_t start = b->nphr;
    for (size_t at = 0; at < len && k < BUILD_DOC_PHRASES;) {
        const char *q = list + at;
        size_t ql = strlen(q);
        at += ql + 1;
        int64_t id = ty_strmap_intern(b->phrases, q, ql, NULL);
        if (id < 0) return (int)id;
        if (b->nphr == b->capphr) {
            uint64_t cap = b->capphr ? b->capphr * 2 : 4096;
            uint32_t *p = ty_reallocarray(b->phr, cap, sizeof *p);
            if (!p) return TENYO_ERR_NOMEM;
            b->phr = p;
            b->capphr = cap;
        }
        b->phr[b->nphr++] = (uint32_t)id;
        k++;
    }
    d->phr = start;
    d->nphr = k;
    return TENYO_OK;
}

/* Merge one tokenized batch entry into the build (main thread, in batch
 * order): intern its terms, store its pairs, vote, intern its phrases. */
/* The dt->n NUL-terminated terms of dt interned in m, in text order, their
 * ids into b->scratch (the build's vocabulary here; a process's own in a
 * shared build, share_put_one). */
static int intern_terms(tenyo_builder *b, ty_strmap *m, const dterms *dt) {
    int rc = scratch_room(b, dt->n);
    if (rc) return rc;
    const char *p = dt->buf.p;
    for (uint32_t k = 0; k < dt->n; k++) {
        size_t len = strlen(p);
        int64_t id = ty_strmap_intern(m, p, len, NULL);
        if (id < 0) return (int)id;
        b->scratch[k] = (uint32_t)id;
        p += len + 1;
    }
    return TENYO_OK;
}

static int merge_one(tenyo_builder *b, pdoc *pd, dterms *dt) {
    bdoc *d = &b->docs[pd->slot];
    d->lang = (int8_t)(pd->lang == 0 ? 0 : 1);
    d->rec = pd->rec;
    d->remote = 0;
    if (dt->status == TENYO_ERR_NOMEM) return TENYO_ERR_NOMEM;
    if (dt->status < 0) {
        /* invalid text was reported by the reader; index it as empty */
        ty_bld_dterms_free(dt);
    }
    int rc = intern_terms(b, b->voc, dt);
    if (rc) return rc;
    if ((rc = set_pairs(b, pd->slot, b->scratch, NULL, dt->n))) return rc;
    for (size_t at = 0; at < dt->surf.len;) {
        const char *q = dt->surf.p + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (sep && (rc = vote(b, q, (size_t)(sep - q), sep + 1, strlen(sep + 1))))
            return rc;
    }
    if ((rc = set_phrases(b, pd->slot, dt->phr.p, dt->phr.len))) return rc;
    ty_bld_dterms_free(dt);
    return TENYO_OK;
}

/* ====================================================== shared tokenizing */

/* A shared build (ty_builder_share, tenyo-mpi index): each process is
 * given only its own records (the caller deals them out by position,
 * ty_builder_add_at), and what a record's merge needs in record order
 * travels from the process that read and tokenized it to process 0 — its
 * metadata and merge input, not its tokenizer output — while its (term,
 * count) pairs stay where they are. Each process other than 0 keeps a
 * local vocabulary (lvoc: its records' terms, ids in first-occurrence
 * order over its own records), a local word table (lwords) and its
 * records' sorted (local id, count) pairs (lp, in b->pairs), and sends
 * per chunk (ty_builder_share_end_chunk: every chunk the caller deals it,
 * in order, an empty one too)
 *   chunk head: u64 chunk number, u64 records, u64 x 3 the caller's
 *         counts (CHUNK_HEAD; tenyo-mpi: the file's good, skipped and
 *         empty records so far on that process)
 * then per record
 *   head: u64 position, i32 status, i32 lang, u32 new terms, u32
 *         distinct terms, u32 votes, u32 phrases, u64 body bytes, u64
 *         phrase bytes, u64 metadata bytes (SHARE_HEAD, host byte order:
 *         one binary per job)
 *   body: its metadata (u8 flags: 1 open, 2 has an abstract to keep
 *         elsewhere, 4 abstract follows, 8 other numbers follow; the id,
 *         the BM_N strings of its metadata block as process 0 keeps it
 *         (slim_meta with ty_bld_docs_elsewhere, else ty_bld_make_meta's), the abstract
 *         as kept and the numbers (tenyo_doc.numbers), each
 *         NUL-terminated); the terms this record added to lvoc,
 *         NUL-terminated, in local id order; its surface votes in text
 *         order, each varint (local term id + 1, or 0 and the stem string
 *         when the stem is not a local term) and varint local word id (the
 *         next id: the word string follows); its phrases as the tokenizer
 *         gave them.
 * Process 0 reads and tokenizes its own records only, and takes the other
 * processes' chunks in record order (ty_builder_share_take, the caller
 * choosing when: before its own next record of a later chunk), first
 * merging what it has pending of its own. Per record it does what
 * tenyo_builder_add does with the metadata (the document's place by id,
 * a repeated id replacing the earlier record's) and what merge_one does
 * with the merge input: it keeps per process the maps local term id ->
 * raw id and local word id -> word id and the document each of its
 * records is a version of, interns the new terms in order, votes,
 * interns the phrases; the document's pairs are the other process's (its
 * nterms is the distinct count, its pairs here none). Exact by
 * construction: a term new to the whole build at some record is new to
 * the process that tokenized it (its records are a subset of the earlier
 * ones), and the record's locally new terms are in first-occurrence order
 * within the record, so interning them in local id order gives every new
 * term the raw id the tokenizer's term stream would (merge_one); votes,
 * phrases and ids are replayed in the same order. At write every process
 * weighs its own live records' rows with the others ("weight": share_df,
 * share_rows): process 0 sends each its term map and which of its records
 * are live (a later record with the same id replaces one), document
 * frequencies are summed, every process makes the same kept terms and idf
 * and sends each weighted row to the owner of its SVD block; the pairs,
 * mapped to raw ids and sorted, are the same (id, count) set one process
 * has, so the rows are the same bits. The index is the same bytes for any
 * number of processes. The messages to process 0 are each record's
 * metadata, each term string once per process and a few bytes a surface
 * vote. */
#define SHARE_HEAD 56
#define CHUNK_HEAD 40

/* Append the NUL-terminated s[0..n) to o. */
static int put_str(ty_buf *o, const char *s, size_t n) {
    return ty_buf_append(o, s, n) || ty_buf_putc(o, 0) ? TENYO_ERR_NOMEM : TENYO_OK;
}

/* Rank != 0: record rec's local ids b->scratch[0..n) (with repeats) kept
 * here as its sorted (local id, count) pairs; *distinct of them. */
static int keep_local_pairs(tenyo_builder *b, uint64_t rec, uint32_t n, uint32_t *distinct) {
    if (b->nlp == b->caplp) {
        uint64_t cap = b->caplp ? 2 * b->caplp : 1024;
        lpairs *q = ty_reallocarray(b->lp, cap, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        b->lp = q;
        b->caplp = cap;
    }
    uint64_t start = b->pairs.len;
    if (n > 1) qsort(b->scratch, n, sizeof *b->scratch, ty_cmp_u32);
    *distinct = 0;
    for (uint32_t k = 0, last = 0; k < n;) {
        uint32_t id = b->scratch[k], c = 0;
        while (k < n && b->scratch[k] == id) c++, k++;
        if (put_varint(&b->pairs, id - last) || put_varint(&b->pairs, c))
            return TENYO_ERR_NOMEM;
        last = id;
        (*distinct)++;
    }
    if (b->pairs.len - start > UINT32_MAX) {
        ty_seterr(b->err, sizeof b->err, "record %llu has too many terms",
                  (unsigned long long)rec);
        return TENYO_ERR_LIMIT;
    }
    b->lp[b->nlp++] = (lpairs){start, (uint32_t)(b->pairs.len - start)};
    return TENYO_OK;
}

/* Rank != 0: serialize one tokenized record (batch entry pd) into the
 * pending chunk. */
static int share_put_one(tenyo_builder *b, const pdoc *pd, dterms *dt) {
    if (dt->status == TENYO_ERR_NOMEM) return TENYO_ERR_NOMEM;
    int32_t st = dt->status, lang = pd->lang;
    if (st < 0) ty_bld_dterms_free(dt); /* invalid text: indexed as empty */
    uint32_t before = ty_strmap_size(b->lvoc);
    int rc = intern_terms(b, b->lvoc, dt);
    if (rc) return rc;
    uint32_t nnew = ty_strmap_size(b->lvoc) - before, npairs = 0, nvotes = 0;
    uint32_t nphr = dt->nphr;
    if (!b->out.len && ty_buf_append(&b->out, (char[CHUNK_HEAD]){0}, CHUNK_HEAD))
        return TENYO_ERR_NOMEM;
    size_t at0 = b->out.len;
    unsigned char h[SHARE_HEAD] = {0};
    if (ty_buf_append(&b->out, h, sizeof h) ||
        ty_buf_append(&b->out, b->mbuf.p + pd->moff, pd->mlen))
        return TENYO_ERR_NOMEM;
    for (uint32_t t = before; t < before + nnew; t++) {
        size_t len;
        const char *key = ty_strmap_key(b->lvoc, t, &len);
        if (put_str(&b->out, key, len)) return TENYO_ERR_NOMEM;
    }
    if ((rc = keep_local_pairs(b, pd->rec, dt->n, &npairs))) return rc;
    for (size_t at = 0; at < dt->surf.len;) {
        const char *q = dt->surf.p + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (!sep) continue;
        size_t tn = (size_t)(sep - q), wn = strlen(sep + 1);
        int64_t t = ty_strmap_get(b->lvoc, q, tn);
        if (put_varint(&b->out, t >= 0 ? (uint32_t)t + 1 : 0) ||
            (t < 0 && put_str(&b->out, q, tn)))
            return TENYO_ERR_NOMEM;
        uint32_t wb = ty_strmap_size(b->lwords);
        int64_t w = ty_strmap_intern(b->lwords, sep + 1, wn, NULL);
        if (w < 0) return (int)w;
        if (put_varint(&b->out, (uint32_t)w) ||
            ((uint32_t)w == wb && put_str(&b->out, sep + 1, wn)))
            return TENYO_ERR_NOMEM;
        nvotes++;
    }
    uint64_t phrlen = dt->phr.len, mlen = pd->mlen;
    if (phrlen && ty_buf_append(&b->out, dt->phr.p, phrlen)) return TENYO_ERR_NOMEM;
    uint64_t body = b->out.len - at0 - SHARE_HEAD;
    unsigned char *o = (unsigned char *)b->out.p + at0;
    memcpy(o, &pd->rec, 8);
    memcpy(o + 8, &st, 4);
    memcpy(o + 12, &lang, 4);
    memcpy(o + 16, &nnew, 4);
    memcpy(o + 20, &npairs, 4);
    memcpy(o + 24, &nvotes, 4);
    memcpy(o + 28, &nphr, 4);
    memcpy(o + 32, &body, 8);
    memcpy(o + 40, &phrlen, 8);
    memcpy(o + 48, &mlen, 8);
    b->out_nrec++;
    ty_bld_dterms_free(dt);
    return TENYO_OK;
}

/* Rank != 0: one of its records queued, its metadata part (share_put_one's
 * layout) kept in b->mbuf until the batch is tokenized. */
int ty_bld_share_add(tenyo_builder *b, uint64_t rec, ty_buf *text, int lang,
                     const tenyo_doc *d) {
    char *meta = NULL, *ab = NULL;
    uint8_t has_abs = 0;
    if (ty_bld_batch_room(b) || ty_bld_doc_keep(b, ty_bld_slim_docs(b), d, &meta, &ab, &has_abs)) goto nomem;
    size_t ml = 0;
    for (int k = 0; k < BM_N; k++) ml += strlen(meta + ml) + 1;
    uint64_t moff = b->mbuf.len;
    int nums = d->numbers && *d->numbers;
    unsigned char fl = (unsigned char)((d->open ? 1 : 0) | (has_abs ? 2 : 0) | (ab ? 4 : 0) |
                                       (nums ? 8 : 0));
    int bad = ty_buf_putc(&b->mbuf, (char)fl) || put_str(&b->mbuf, d->id, strlen(d->id)) ||
              ty_buf_append(&b->mbuf, meta, ml) || (ab && put_str(&b->mbuf, ab, strlen(ab))) ||
              (nums && put_str(&b->mbuf, d->numbers, strlen(d->numbers)));
    free(meta);
    free(ab);
    meta = ab = NULL;
    if (bad || b->mbuf.len - moff > UINT32_MAX) goto nomem;
    b->batch[b->nbatch++] = (pdoc){.text = text->p, .len = text->len, .lang = lang,
                                   .rec = rec, .moff = moff,
                                   .mlen = (uint32_t)(b->mbuf.len - moff)};
    b->batch_bytes += text->len;
    *text = (ty_buf){0};
    if (b->nbatch >= b->batch_docs || b->batch_bytes >= b->batch_max) return ty_bld_tokenize_batch(b);
    return TENYO_OK;
nomem:
    free(meta);
    free(ab);
    ty_buf_free(text);
    ty_seterr(b->err, sizeof b->err, "out of memory queueing a record");
    return TENYO_ERR_NOMEM;
}

int ty_builder_share_end_chunk(tenyo_builder *b, uint64_t chunk, const uint64_t counts[3]) {
    if (!b || b->sh.size <= 1 || b->sh.rank == 0 || b->written) return TENYO_ERR_ARG;
    int rc = ty_bld_tokenize_batch(b);
    if (rc) return rc;
    if (!b->out.len && ty_buf_append(&b->out, (char[CHUNK_HEAD]){0}, CHUNK_HEAD)) {
        ty_seterr(b->err, sizeof b->err, "out of memory ending chunk %llu",
                  (unsigned long long)chunk);
        return TENYO_ERR_NOMEM;
    }
    uint64_t h[5] = {chunk, b->out_nrec, counts ? counts[0] : 0, counts ? counts[1] : 0,
                     counts ? counts[2] : 0};
    memcpy(b->out.p, h, sizeof h);
    void *p = b->out.p;
    size_t n = b->out.len;
    b->out = (ty_buf){0};
    b->out_nrec = 0;
    rc = b->sh.put(b->sh.ud, chunk, p, n);
    if (rc) ty_seterr(b->err, sizeof b->err, "cannot send tokenized chunk %llu",
                      (unsigned long long)chunk);
    return rc;
}

/* A bounded varint at *p (< end) into *v; 0 when it runs past end. */
static int take_varint(const unsigned char **p, const unsigned char *end, uint32_t *v) {
    uint32_t x = 0;
    for (int shift = 0; shift < 35 && *p < end; shift += 7) {
        unsigned c = *(*p)++;
        x |= (uint32_t)(c & 0x7F) << shift;
        if (c < 0x80) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* A NUL-terminated string at *p (< end): its length into *n, *p past it;
 * 0 when it is not terminated before end. */
static int take_str(const unsigned char **p, const unsigned char *end, const char **s,
                    size_t *n) {
    const unsigned char *z = memchr(*p, 0, (size_t)(end - *p));
    if (!z) return 0;
    *s = (const char *)*p;
    *n = (size_t)(z - *p);
    *p = z + 1;
    return 1;
}

/* Append v to the map m (*n used, *cap allocated). */
static int map_push(uint32_t **m, uint32_t *n, uint32_t *cap, uint32_t v) {
    if (*n == *cap) {
        uint32_t c = *cap ? 2 * *cap : 1024;
        uint32_t *q = ty_reallocarray(*m, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        *m = q;
        *cap = c;
    }
    (*m)[(*n)++] = v;
    return TENYO_OK;
}

/* Append (slot, rec) to rm's records. */
static int slot_push(share_map *rm, uint64_t slot, uint64_t rec) {
    if (rm->nslot == rm->capslot) {
        uint64_t c = rm->capslot ? 2 * rm->capslot : 1024;
        uint64_t *q = ty_reallocarray(rm->slot, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        rm->slot = q;
        q = ty_reallocarray(rm->rec, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        rm->rec = q;
        rm->capslot = c;
    }
    rm->slot[rm->nslot] = slot;
    rm->rec[rm->nslot++] = rec;
    return TENYO_OK;
}

/* Rank 0: merge the record at h (left bytes) of chunk `chunk` from process
 * owner, whose position follows *last (strictly): its metadata takes its
 * document's place (ty_bld_doc_place), then its merge input is merged as
 * merge_one merges what this process tokenized. *used: its bytes. */
static int share_merge_remote(tenyo_builder *b, int owner, uint64_t chunk,
                              const unsigned char *h, size_t left, uint64_t *last,
                              size_t *used) {
    share_map *rm = &b->rmap[owner];
    uint64_t rec = 0, body, phrlen, mlen;
    int32_t st, lang;
    uint32_t nnew, npairs, nvotes, nphr;
    if (left < SHARE_HEAD) goto bad;
    memcpy(&rec, h, 8);
    memcpy(&st, h + 8, 4);
    memcpy(&lang, h + 12, 4);
    memcpy(&nnew, h + 16, 4);
    memcpy(&npairs, h + 20, 4);
    memcpy(&nvotes, h + 24, 4);
    memcpy(&nphr, h + 28, 4);
    memcpy(&body, h + 32, 8);
    memcpy(&phrlen, h + 40, 8);
    memcpy(&mlen, h + 48, 8);
    if ((*last != UINT64_MAX && rec <= *last) || body > left - SHARE_HEAD ||
        phrlen > body || mlen > body - phrlen || mlen < 2 + BM_N ||
        nphr > BUILD_DOC_PHRASES || (phrlen && h[SHARE_HEAD + body - 1] != 0))
        goto bad;
    *last = rec;
    /* the metadata: flags, id, the block, the abstract */
    const unsigned char *q = h + SHARE_HEAD, *mend = q + mlen;
    unsigned fl = *q++;
    const char *id, *blk, *s;
    size_t idn, n;
    if (fl > 15 || !take_str(&q, mend, &id, &idn) || !idn) goto bad;
    blk = (const char *)q;
    for (int k = 0; k < BM_N; k++)
        if (!take_str(&q, mend, &s, &n)) goto bad;
    size_t bl = (size_t)((const char *)q - blk);
    const char *abs = NULL;
    size_t absn = 0;
    if ((fl & 4) && !take_str(&q, mend, &abs, &absn)) goto bad;
    const char *nums = NULL;
    size_t numsn = 0;
    if ((fl & 8) && !take_str(&q, mend, &nums, &numsn)) goto bad;
    if (q != mend) goto bad;
    char *meta = malloc(bl), *ab = abs ? ty_strndup(abs, absn) : NULL;
    if (meta) memcpy(meta, blk, bl);
    if (!meta || (abs && !ab)) {
        free(meta);
        free(ab);
        goto nomem;
    }
    size_t slot;
    b->added++;
    int rc = ty_bld_doc_place(b, id, meta, ab, (uint8_t)((fl & 2) != 0), fl & 1, &slot);
    if (rc) goto nomem; /* its only failure */
    free(b->docs[slot].nums); /* a record's numbers replace its earlier version's */
    b->docs[slot].nums = nums ? ty_strndup(nums, numsn) : NULL;
    if (nums && !b->docs[slot].nums) goto nomem;
    q = mend;
    const unsigned char *end = h + SHARE_HEAD + body - phrlen;
    bdoc *d = &b->docs[slot];
    d->lang = (int8_t)(lang == 0 ? 0 : 1);
    rc = TENYO_ERR_NOMEM;
    for (uint32_t k = 0; k < nnew; k++) {
        if (!take_str(&q, end, &s, &n)) goto bad;
        int64_t tid = ty_strmap_intern(b->voc, s, n, NULL);
        if (tid < 0) return (int)tid;
        if (map_push(&rm->term, &rm->nterm, &rm->capterm, (uint32_t)tid)) goto nomem;
    }
    /* the pairs stay with the owner (share_rows); the slot is its */
    b->dead_pairs += d->pairs_len;
    d->pairs = 0;
    d->pairs_len = 0;
    d->nterms = npairs;
    d->rec = rec;
    d->remote = 1;
    if (slot_push(rm, slot, rec)) goto nomem;
    for (uint32_t k = 0; k < nvotes; k++) {
        uint32_t tc, wc;
        int64_t t;
        if (!take_varint(&q, end, &tc)) goto bad;
        if (tc == 0) {
            if (!take_str(&q, end, &s, &n)) goto bad;
            t = ty_strmap_get(b->voc, s, n);
        } else {
            if (tc > rm->nterm) goto bad;
            t = rm->term[tc - 1];
        }
        if (!take_varint(&q, end, &wc) || wc > rm->nword) goto bad;
        if (wc == rm->nword) {
            if (!take_str(&q, end, &s, &n)) goto bad;
            int64_t w = ty_strmap_intern(b->words, s, n, NULL);
            if (w < 0) return (int)w;
            if (map_push(&rm->word, &rm->nword, &rm->capword, (uint32_t)w)) goto nomem;
        }
        if (t >= 0 && (rc = vote_id(b, t, rm->word[wc]))) return rc;
    }
    if (q != end) goto bad;
    /* the phrases: nphr NUL-terminated strings */
    uint32_t nul = 0;
    for (uint64_t i = 0; i < phrlen; i++) nul += end[i] == 0;
    if (nul != nphr) goto bad;
    if ((rc = set_phrases(b, slot, (const char *)end, phrlen))) return rc;
    *used = SHARE_HEAD + body;
    return TENYO_OK;
nomem:
    ty_seterr(b->err, sizeof b->err, "out of memory merging tokenized records");
    return TENYO_ERR_NOMEM;
bad:
    ty_seterr(b->err, sizeof b->err, "process %d sent a damaged chunk %llu (record at "
              "position %llu)", owner, (unsigned long long)chunk, (unsigned long long)rec);
    return TENYO_ERR_CORRUPT;
}

int ty_builder_share_take(tenyo_builder *b, uint64_t chunk, int owner, uint64_t counts[3]) {
    if (!b || b->sh.size <= 1 || b->sh.rank != 0 || owner <= 0 || owner >= b->sh.size ||
        b->written)
        return TENYO_ERR_ARG;
    int rc = ty_bld_tokenize_batch(b); /* its own records before these */
    if (rc) return rc;
    double t0 = ty_now();
    void *p = NULL;
    size_t n = 0;
    if ((rc = b->sh.get(b->sh.ud, chunk, owner, &p, &n, b->err, sizeof b->err))) return rc;
    b->take_wait += ty_now() - t0;
    double c1 = ty_cpu_now(1);
    const unsigned char *c = p;
    uint64_t h[5];
    if (n < CHUNK_HEAD) goto bad;
    memcpy(h, c, sizeof h);
    if (h[0] != chunk || h[1] > n / SHARE_HEAD) goto bad;
    if (counts) memcpy(counts, h + 2, 3 * sizeof *counts);
    size_t at = CHUNK_HEAD;
    for (uint64_t i = 0; i < h[1] && !rc; i++) {
        size_t used = 0;
        rc = share_merge_remote(b, owner, chunk, c + at, n - at, &b->last_rec, &used);
        at += used;
    }
    if (!rc && at != n) goto bad;
    free(p);
    b->tokenized += h[1];
    b->take_recs += h[1];
    b->take_merge += ty_cpu_now(1) - c1;
    b->sec_tok += ty_now() - t0;
    if (rc) b->written = 1; /* a failed merge leaves the build unusable */
    return rc;
bad:
    free(p);
    ty_seterr(b->err, sizeof b->err, "process %d sent a damaged chunk %llu (%zu bytes)",
              owner, (unsigned long long)chunk, n);
    b->written = 1;
    return TENYO_ERR_CORRUPT;
}

void ty_builder_share_took(const tenyo_builder *b, uint64_t *recs, double *wait,
                           double *merge) {
    *recs = b ? b->take_recs : 0;
    *wait = b ? b->take_wait : 0;
    *merge = b ? b->take_merge : 0;
}

int ty_builder_set_share(tenyo_builder *b, const ty_builder_share *s) {
    if (!b || !s || s->size < 1 || s->rank < 0 || s->rank >= s->size || b->added ||
        b->written || (s->size > 1 && s->rank != 0 && !s->put) ||
        (s->size > 1 && s->rank == 0 &&
         (!s->get || !s->lsa || !s->vecs || !s->ksample || !s->rows || !s->assign ||
          !s->gather)) ||
        (s->size > 1 && (!s->bcast || !s->sum_u32 || !s->exchange)))
        return TENYO_ERR_ARG;
    if (s->size > 1 && s->rank != 0) {
        b->lvoc = ty_strmap_new();
        b->lwords = ty_strmap_new();
        if (!b->lvoc || !b->lwords) return TENYO_ERR_NOMEM;
    } else if (s->size > 1) {
        b->rmap = ty_calloc((size_t)s->size, sizeof *b->rmap);
        if (!b->rmap) return TENYO_ERR_NOMEM;
    }
    b->sh = *s;
    b->last_rec = UINT64_MAX;
    return TENYO_OK;
}

int ty_builder_share_flush(tenyo_builder *b) {
    if (!b || b->sh.size <= 1 || b->sh.rank == 0 || b->written) return TENYO_ERR_ARG;
    int rc = ty_bld_tokenize_batch(b);
    if (!rc && (b->out.len || b->out_nrec)) {
        ty_seterr(b->err, sizeof b->err, "%llu records were added after the last chunk "
                  "ended", (unsigned long long)b->out_nrec);
        rc = TENYO_ERR_ARG;
    }
    b->written = 1;
    return rc;
}

/* Merge the n tokenized entries batch[0..n) in order (rc: the tokenizing's
 * status; on failure none is merged), then free their text and output.
 * 0 or a status (b->err); a failure leaves the build unusable. */
static int merge_entries(tenyo_builder *b, pdoc *batch, dterms *dt, size_t n, int rc) {
    for (size_t i = 0; i < n && !rc; i++) {
        if (b->sh.size > 1 && b->sh.rank != 0) {
            rc = share_put_one(b, &batch[i], &dt[i]);
            continue;
        }
        rc = merge_one(b, &batch[i], &dt[i]);
    }
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory tokenizing");
    for (size_t i = 0; i < n; i++) {
        free(batch[i].text);
        batch[i].text = NULL;
        ty_bld_dterms_free(&dt[i]);
    }
    b->tokenized += n;
    if (rc) b->written = 1;
    return rc;
}

/* A batch tokenized in the background (ty_bld_tokenize_async) while the
 * caller reads and adds the next: a driver thread runs the workers over
 * b->fbatch; the next full batch waits for it, sends itself to flight and
 * merges it while the workers tokenize (write: waits and merges), so
 * batches are merged in add order as before. */
typedef struct tok_fly {
    tok_job j;                 /* the workers' job over b->fbatch */
    pthread_t th;              /* the driver thread */
    int threaded;              /* th was started (else it ran here) */
    int nt;                    /* workers */
    int rc;                    /* the workers' status */
} tok_fly;

static void *fly_main(void *arg) {
    tok_fly *f = arg;
    f->rc = ty_parallel(f->nt, tok_worker, &f->j);
    return NULL;
}

/* Wait for the batch in flight (if any) and end it: merged (merge) or
 * only freed. 0 or a status (b->err). */
static int fly_end(tenyo_builder *b, int merge) {
    tok_fly *f = b->fly;
    if (!f) return TENYO_OK;
    if (f->threaded) pthread_join(f->th, NULL);
    b->fly = NULL;
    int rc = f->rc;
    pthread_mutex_destroy(&f->j.lock);
    if (rc) ty_seterr(b->err, sizeof b->err, "tokenizer: %s", f->j.err);
    if (!merge && !rc) rc = TENYO_ERR_ARG; /* only freed */
    rc = merge_entries(b, b->fbatch, b->fdt, b->nfbatch, rc);
    b->nfbatch = 0;
    free(f);
    return merge ? rc : TENYO_OK;
}

void ty_bld_fly_drop(tenyo_builder *b) {
    int written = b->written;
    char err[TY_ERRLEN];
    memcpy(err, b->err, sizeof err);
    fly_end(b, 0);
    b->written = written; /* dropping is not a failure of the build */
    memcpy(b->err, err, sizeof err);
    free(b->fbatch);
    b->fbatch = NULL;
    if (b->fdt)
        for (size_t i = 0; i < b->capfbatch; i++) ty_bld_dterms_free(&b->fdt[i]);
    free(b->fdt);
    b->fdt = NULL;
    b->capfbatch = 0;
}

/* Tokenize the pending batch with b->o.threads workers (progress from this
 * thread while they run), then merge it in order; a batch in flight is
 * merged first. */
int ty_bld_tokenize_batch(tenyo_builder *b) {
    double t0 = ty_now();
    int rc = fly_end(b, 1);
    if (rc || !b->nbatch) {
        b->sec_tok += ty_now() - t0;
        return rc;
    }
    tok_job j = {.b = b, .batch = b->batch, .dt = b->dt, .n = b->nbatch, .last = (size_t)-1,
                 .err_t = -1};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    pthread_mutex_init(&j.lock, NULL);
    int nt = ty_parallel_workers(b->o.threads, b->nbatch, 1);
    rc = ty_parallel_watch(nt, tok_worker, &j, b->o.progress ? tok_watch : NULL, &j, 100);
    pthread_mutex_destroy(&j.lock);
    if (rc) ty_seterr(b->err, sizeof b->err, "tokenizer: %s", j.err);
    rc = merge_entries(b, b->batch, b->dt, b->nbatch, rc);
    b->nbatch = 0;
    b->batch_bytes = 0;
    b->mbuf.len = 0;
    b->sec_tok += ty_now() - t0;
    return rc;
}

int ty_bld_tokenize_async(tenyo_builder *b) {
    if (b->sh.size > 1 || b->o.threads < 2) return ty_bld_tokenize_batch(b);
    tok_fly *f = ty_calloc(1, sizeof *f);
    if (!f) return ty_bld_tokenize_batch(b);
    double t0 = ty_now();
    /* the batch in flight ends first (its workers are done with it) */
    tok_fly *prev = b->fly;
    size_t ln = b->nfbatch;
    if (prev) {
        if (prev->threaded) pthread_join(prev->th, NULL);
        b->fly = NULL;
        int prc = prev->rc;
        pthread_mutex_destroy(&prev->j.lock);
        if (prc) {
            ty_seterr(b->err, sizeof b->err, "tokenizer: %s", prev->j.err);
            free(prev);
            free(f);
            prc = merge_entries(b, b->fbatch, b->fdt, ln, prc); /* frees it */
            b->nfbatch = 0;
            b->sec_tok += ty_now() - t0;
            return prc;
        }
        free(prev);
    }
    /* the full batch goes to flight at once; the last one, in the arrays
     * it leaves, is merged here meanwhile, and they take the next adds */
    pdoc *tp = b->fbatch;
    dterms *td = b->fdt;
    size_t tc = b->capfbatch;
    b->fbatch = b->batch;
    b->fdt = b->dt;
    b->capfbatch = b->capbatch;
    b->nfbatch = b->nbatch;
    b->batch = tp;
    b->dt = td;
    b->capbatch = tc;
    b->nbatch = 0;
    b->batch_bytes = 0;
    f->j = (tok_job){.b = b, .batch = b->fbatch, .dt = b->fdt, .n = b->nfbatch,
                     .last = (size_t)-1, .err_t = -1};
    atomic_init(&f->j.next, 0);
    atomic_init(&f->j.done, 0);
    pthread_mutex_init(&f->j.lock, NULL);
    f->nt = ty_parallel_workers(b->o.threads, b->nfbatch, 1);
    b->fly = f;
    if (pthread_create(&f->th, NULL, fly_main, f) == 0) f->threaded = 1;
    else fly_main(f); /* no thread: tokenized now, merged at the next call */
    int rc = prev ? merge_entries(b, b->batch, b->dt, ln, 0) : TENYO_OK;
    if (!rc && b->o.progress)
        b->o.progress(b->o.progress_ud, "tokenize", b->tokenized, b->tokenized + b->nfbatch);
    b->sec_tok += ty_now() - t0;
    return rc;
}

const char *ty_builder_tokenizer(const tenyo_builder *b) {
    return ty_tokenizer_identity(b->tok);
}

int ty_builder_set_labels(tenyo_builder *b, const char *blob, size_t len) {
    if (!b || (!blob && len)) return TENYO_ERR_ARG;
    /* checked now, so that write() cannot fail on it */
    ty_labels *lab = NULL;
    int rc = ty_labels_new(&lab);
    if (!rc) rc = ty_labels_deserialize(lab, blob, len, b->err, sizeof b->err);
    ty_labels_free(lab);
    if (rc) return rc;
    char *c = ty_malloc(len ? len : 1);
    if (!c) return TENYO_ERR_NOMEM;
    if (len) memcpy(c, blob, len);
    free(b->labels);
    b->labels = c;
    b->labels_len = len;
    return TENYO_OK;
}

int ty_builder_set_common(tenyo_builder *b, const char *blob, size_t len) {
    if (!b || (!blob && len) || (len && blob[len - 1])) return TENYO_ERR_ARG;
    char *c = ty_malloc(len ? len : 1);
    if (!c) return TENYO_ERR_NOMEM;
    if (len) memcpy(c, blob, len);
    free(b->common);
    b->common = c;
    b->common_len = len;
    return TENYO_OK;
}

void ty_builder_set_batch(tenyo_builder *b, size_t docs, size_t bytes) {
    if (!b) return;
    b->batch_docs = docs ? docs : BATCH_DOCS;
    b->batch_max = bytes ? bytes : BATCH_BYTES;
}

int ty_bld_add_check(tenyo_builder *b, const char *id) {
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (!*id) {
        ty_seterr(b->err, sizeof b->err, "record without id");
        return TENYO_ERR_INPUT;
    }
    return TENYO_OK;
}

/* ========================================================== counts in */

int ty_builder_keep_long(tenyo_builder *b, const char *id, const char *abs, size_t len) {
    int64_t slot = len < BUILD_ABS_MAX ? -1 : ty_strmap_get(b->ids, id, strlen(id));
    if (slot < 0 || (uint64_t)slot >= b->n || !b->docs[slot].abs) return TENYO_OK;
    free(b->docs[slot].abs_long);
    b->docs[slot].abs_long = ty_strndup(abs, len);
    return b->docs[slot].abs_long ? TENYO_OK : TENYO_ERR_NOMEM;
}

int ty_builder_add_counts(tenyo_builder *b, const tenyo_doc *meta,
                          const char *const *terms, const uint32_t *counts,
                          size_t n, const char *surf, size_t surf_len,
                          const char *phr, size_t phr_len) {
    if (!b || !meta || !meta->id || (n && (!terms || !counts)) ||
        (!surf && surf_len) || (!phr && phr_len))
        return TENYO_ERR_ARG;
    int rc = ty_bld_add_check(b, meta->id);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (!terms[i] || !*terms[i] || !counts[i]) {
            ty_seterr(b->err, sizeof b->err,
                      "%s: term %zu is empty or has count 0", meta->id, i);
            return TENYO_ERR_ARG;
        }
    if (surf_len && surf[surf_len - 1]) {
        ty_seterr(b->err, sizeof b->err, "%s: surface list not NUL-terminated",
                  meta->id);
        return TENYO_ERR_ARG;
    }
    if (phr_len && phr[phr_len - 1]) {
        ty_seterr(b->err, sizeof b->err, "%s: phrase list not NUL-terminated",
                  meta->id);
        return TENYO_ERR_ARG;
    }
    if (b->n == 0 && b->t0 == 0) b->t0 = ty_now();
    /* keep the order of documents: what is pending goes first */
    rc = ty_bld_tokenize_batch(b);
    if (rc) return rc;
    char *m = ty_bld_make_meta(meta, 0);
    ty_buf plist = {0};
    uint32_t *cnt = NULL;
    rc = TENYO_ERR_NOMEM;
    if (!m) goto fail;
    /* the first BUILD_DOC_PHRASES distinct phrases, as the tokenizer keeps */
    uint32_t np = 0;
    for (size_t at = 0; at < phr_len && np < BUILD_DOC_PHRASES;) {
        const char *q = phr + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (!sep || !ql) continue;
        const char *e = sep + 1;
        if (has_expression(plist.p, plist.len, e, strlen(e))) continue;
        if (ty_buf_append(&plist, q, ql + 1)) goto fail;
        np++;
    }
    int is_new = 0;
    int64_t slot = ty_bld_take_slot(b, meta->id, &is_new);
    if (slot < 0) {
        rc = (int)slot;
        goto fail;
    }
    bdoc *d = &b->docs[slot];
    int oom;
    char *ab = ty_bld_keep_abstract(b->o.no_abstracts, meta->abstract, &oom);
    if (oom) goto fail;
    ty_bld_grow_drop(d);
    free(d->meta);
    d->meta = m;
    m = NULL;
    free(d->abs);
    d->abs = ab;
    d->open = meta->open ? 1 : 0;
    free(d->nums); /* its other numbers, as for a record */
    d->nums = NULL;
    if (meta->numbers && *meta->numbers && !(d->nums = ty_strdup(meta->numbers))) goto fail;
    d->text = ty_bld_text_fields(meta); /* what a later record of its id merges with */
    d->lang = (int8_t)ty_bld_lang_code(meta->lang);
    if (d->lang < 0) {
        /* no text: tell the language from the terms */
        ty_buf all = {0};
        for (size_t i = 0; i < n && all.len < 4096; i++)
            if (ty_buf_append(&all, terms[i], strlen(terms[i])) ||
                ty_buf_putc(&all, ' ')) {
                ty_buf_free(&all);
                goto fail;
            }
        const char *l = ty_detect_lang(all.p ? all.p : "", all.len);
        d->lang = l && strcmp(l, "ja") == 0 ? 0 : 1;
        ty_buf_free(&all);
    }
    /* intern in the given order, then sum repeats */
    if ((rc = scratch_room(b, n))) goto fail;
    cnt = ty_mallocarray(n ? n : 1, sizeof *cnt);
    rc = TENYO_ERR_NOMEM;
    if (!cnt) goto fail;
    for (size_t i = 0; i < n; i++) {
        int64_t id = ty_strmap_intern(b->voc, terms[i], strlen(terms[i]), NULL);
        if (id < 0) {
            rc = (int)id;
            goto fail;
        }
        b->scratch[i] = (uint32_t)id;
    }
    /* sort (id, count) by id: an index sort through packed 64-bit keys */
    uint64_t *key = ty_mallocarray(n ? n : 1, sizeof *key);
    if (!key) goto fail;
    for (size_t i = 0; i < n; i++) key[i] = (uint64_t)b->scratch[i] << 32 | i;
    qsort(key, n, sizeof *key, ty_cmp_u64);
    size_t m2 = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = (uint32_t)(key[i] >> 32);
        uint32_t c = counts[(uint32_t)key[i]];
        if (m2 && b->scratch[m2 - 1] == id) {
            cnt[m2 - 1] = cnt[m2 - 1] + c < cnt[m2 - 1] ? UINT32_MAX
                                                        : cnt[m2 - 1] + c;
        } else {
            b->scratch[m2] = id;
            cnt[m2++] = c;
        }
    }
    free(key);
    if ((rc = set_pairs(b, (size_t)slot, b->scratch, cnt, m2))) goto fail;
    for (size_t at = 0; at < surf_len;) {
        const char *q = surf + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (sep && (rc = vote(b, q, (size_t)(sep - q), sep + 1, strlen(sep + 1))))
            goto fail;
    }
    if ((rc = set_phrases(b, (size_t)slot, plist.p, plist.len))) goto fail;
    b->tokenized++;
    ty_buf_free(&plist);
    free(cnt);
    return TENYO_OK;
fail:
    free(m);
    ty_buf_free(&plist);
    free(cnt);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory adding %s", meta->id);
    if (rc != TENYO_ERR_ARG) b->written = 1; /* the build is unusable */
    return rc;
}
