/*
 * segment.c — the merge that makes an index with updates look like one
 * index when opened (tenyo_index_open calls ty_seg_apply).
 *
 * Model (Lucene's, scaled down). An index is an immutable base file plus,
 * in "<path>.upd/", immutable segments of added documents, one deletion
 * file and a MANIFEST that names them (store/manifest.c: written aside,
 * fsync'd, renamed over the old one). A segment is an ordinary index file
 * written by tenyo_builder with the base's tokenizer and no LSA: its own
 * vocabulary, term counts, metadata, fields and phrases. Deletions are
 * global positions (base documents first, then each segment's in manifest
 * order), so replacing an id deletes exactly its old instance.
 *
 * Open = base + merge. tenyo_index_open reads the base, then ty_seg_apply
 * merges what the manifest names into one in-memory model holding the live
 * documents only, so that search, ideas, batch and the server need no
 * notion of segments or deleted documents at all:
 *   - vocabulary: the base terms keep their ids (the fit); terms first seen
 *     in segments follow, with a zero LSA basis row (they score in the
 *     sparse TF-IDF part only) and an idf from their
 *     document frequency among the live documents;
 *   - added documents are weighted with those idfs and folded into the
 *     base's LSA basis (exactly what a text query of the same document
 *     gets), so they rank like any document;
 *   - fields and phrases are united, field counts and co-classification
 *     recounted over live documents (a field left without any is dropped);
 *     the IVF lists are remapped (deleted
 *     documents dropped, added ones put in their nearest list), and the
 *     float16 vectors (section docvec.f16) follow the documents: a
 *     deleted one's row dropped, an added one's rounded from its fold-in.
 * The merge costs one pass over the index at open (no pass at all when
 * there are no updates). Rejected: searching segments separately and
 * merging hit lists (every consumer — scans, batch sgemm, ideas' field
 * statistics, the IVF — would need to know; the merged model keeps them
 * unchanged); folding documents in at add time and storing the vectors
 * (the basis is fixed until rebuild, so the vectors are a pure function of
 * the counts; computing them at open keeps segments small and makes a
 * segment valid for exactly one base).
 *
 * Staleness. The manifest records the "fit id" of its base (a hash of the
 * base's singular values, sizes and leading vocabulary and metadata: any
 * refit changes it). Updates whose fit id differs are stale — left over
 * from a rebuild or a new `tenyo index` interrupted before it removed them
 * — and are ignored, so such a crash leaves the new state, never a mix.
 * `tenyo info` reports the share of live documents added since the fit,
 * the share of term occurrences not in the fit, new terms, and fitted
 * documents since deleted, and advises a rebuild past 10% / 2% / 10%.
 *
 * The merge's steps: merge_tables (the union of the strings, then fields,
 * vocabulary with the df filter, phrases), merge_docs (sizes, arrays, the
 * base's documents copied, the segments' weighted and folded in, field
 * counts), then what the base carries unchanged, the keyword index, other
 * numbers and abstracts (merge_all); ty_seg_apply reads and checks the
 * files first (manifest_applies, read_segments, read_dead).
 *
 * The writers of updates (tenyo add / delete / rebuild) are api/update.c.
 */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Staleness past which `tenyo info` advises a rebuild. */
#define STALE_DOCS 0.10      /* live documents added since the fit */
#define STALE_NEW_MASS 0.02  /* occurrences of terms the fit lacks */
#define STALE_DELETED 0.10   /* fitted documents deleted since */

/* ty_seg_apply's positive results (for tenyo_index_open). */
#define SEG_STALE 1          /* manifest for another base: ignored */
#define SEG_VANISHED 2       /* a named file is gone (an update raced): retry */

uint64_t ty_model_fit_id(const ty_model *m) {
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0;
    uint64_t v[7] = {m->ndocs, m->nterms, m->dim, nnz, m->term_blob_len, ty_meta_len(m),
                     m->nfields};
    uint64_t h = ty_fnv1a(v, sizeof v);
    if (m->dim && m->sigma) h = h * 0x100000001b3ull ^ ty_fnv1a(m->sigma, m->dim * sizeof(float));
    size_t tl = m->term_blob_len < 4096 ? (size_t)m->term_blob_len : 4096;
    char mp[4096]; /* layout 1's first bytes, whichever layout was read */
    size_t ml = ty_meta_prefix(m, mp, sizeof mp);
    if (tl) h = h * 0x100000001b3ull ^ ty_fnv1a(m->term_blob, tl);
    if (ml) h = h * 0x100000001b3ull ^ ty_fnv1a(mp, ml);
    if (m->tokenizer) h = h * 0x100000001b3ull ^ ty_fnv1a(m->tokenizer, strlen(m->tokenizer));
    return h;
}

void ty_upd_free(ty_upd *u) {
    if (!u) return;
    free(u->gpos);
    free(u->base_map);
    memset(u, 0, sizeof *u);
}

/* ================================================================ merge */

static int cmp_code(const void *a, const void *b) { return strncmp(a, b, 8); }

/* Sort (term, count) pairs by term (insertion sort: rows are short and
 * mostly sorted already). */
static void sort_pairs(uint32_t *t, uint32_t *c, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint32_t a = t[i], b = c[i];
        size_t j = i;
        for (; j > 0 && t[j - 1] > a; j--) {
            t[j] = t[j - 1];
            c[j] = c[j - 1];
        }
        t[j] = a;
        c[j] = b;
    }
}

/* Everything the merge builds besides the model. */
typedef struct merge {
    const ty_model *base;     /* the base as read */
    ty_model *seg;            /* segments as read */
    size_t nseg;              /* their number */
    const uint8_t *dead;      /* per global position: 1 deleted */
    uint64_t *segpos;         /* first global position of each segment */
    uint32_t **tmap;          /* per segment: local term -> merged term */
    uint32_t **pmap;          /* per segment: local phrase -> merged phrase */
    uint16_t *bfmap;          /* base field -> merged field */
    uint16_t **fmap;          /* per segment: local field -> merged field */
    char *err;                /* the caller's message buffer */
    size_t errlen;
} merge;

/* Append string s (with its NUL) to blob, recording its offset. */
static int put_str(ty_buf *blob, uint64_t *off, const char *s) {
    *off = blob->len;
    return ty_buf_append(blob, s, strlen(s) + 1);
}

/* The merge of the tables, in steps: the union of the strings, then the
 * fields, the vocabulary and the phrases built from it. */
typedef struct tables {
    ty_strmap *voc;           /* every term: the base's ids first, then new */
    ty_strmap *phr;           /* every phrase, the same way */
    char (*codes)[8];         /* every field code (sorted and unique once
                               * merge_fields has run) */
    size_t ncode;             /* used */
    int any_surf;             /* some part has surface words */
    uint32_t *cdf;            /* per voc term: live segment documents with it */
    uint64_t live;            /* live documents */
} tables;

/* Intern the base's terms and phrases (they keep their ids) and its field
 * codes, then each segment's, filling the segments' term and phrase maps
 * (ids in tb's maps, before the df filter). */
static int unite_strings(merge *g, tables *tb) {
    const ty_model *B = g->base;
    for (uint64_t t = 0; t < B->nterms; t++) {
        const char *s = B->term_blob + B->term_off[t];
        if (ty_strmap_intern(tb->voc, s, strlen(s), NULL) < 0) return TENYO_ERR_NOMEM;
    }
    for (uint64_t p = 0; p < B->nphrases; p++) {
        const char *s = B->phr_blob + B->phr_off[p];
        if (ty_strmap_intern(tb->phr, s, strlen(s), NULL) < 0) return TENYO_ERR_NOMEM;
    }
    size_t ncode = B->nfields;
    for (size_t i = 0; i < g->nseg; i++) ncode += g->seg[i].nfields;
    tb->codes = ty_mallocarray(ncode ? ncode : 1, sizeof *tb->codes);
    if (!tb->codes) return TENYO_ERR_NOMEM;
    memcpy(tb->codes, B->field_code, B->nfields * sizeof *tb->codes);
    tb->ncode = B->nfields;
    tb->any_surf = B->surf_off != NULL;
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        g->tmap[i] = ty_mallocarray(S->nterms ? S->nterms : 1, sizeof **g->tmap);
        g->pmap[i] = ty_mallocarray(S->nphrases ? S->nphrases : 1, sizeof **g->pmap);
        g->fmap[i] = ty_mallocarray(S->nfields ? S->nfields : 1, sizeof **g->fmap);
        if (!g->tmap[i] || !g->pmap[i] || !g->fmap[i]) return TENYO_ERR_NOMEM;
        for (uint64_t t = 0; t < S->nterms; t++) {
            const char *s = S->term_blob + S->term_off[t];
            int64_t id = ty_strmap_intern(tb->voc, s, strlen(s), NULL);
            if (id < 0) return TENYO_ERR_NOMEM;
            g->tmap[i][t] = (uint32_t)id;
        }
        for (uint64_t p = 0; p < S->nphrases; p++) {
            const char *s = S->phr_blob + S->phr_off[p];
            int64_t id = ty_strmap_intern(tb->phr, s, strlen(s), NULL);
            if (id < 0) return TENYO_ERR_NOMEM;
            g->pmap[i][p] = (uint32_t)id;
        }
        memcpy(tb->codes + tb->ncode, S->field_code, S->nfields * sizeof *tb->codes);
        tb->ncode += S->nfields;
        tb->any_surf |= S->surf_off != NULL;
    }
    return TENYO_OK;
}

/* Fields: the sorted union of the codes (the field table is searched by
 * code), and the base's and segments' field maps into it.
 * TENYO_ERR_LIMIT past TY_MAX_FIELDS. */
static int merge_fields(merge *g, tables *tb, ty_model *M) {
    const ty_model *B = g->base;
    char (*codes)[8] = tb->codes;
    qsort(codes, tb->ncode, sizeof *codes, cmp_code);
    size_t nf = 0;
    for (size_t i = 0; i < tb->ncode; i++)
        if (nf == 0 || strncmp(codes[nf - 1], codes[i], 8)) memmove(codes[nf++], codes[i], 8);
    tb->ncode = nf;
    if (nf > TY_MAX_FIELDS) return TENYO_ERR_LIMIT;
    M->nfields = (uint32_t)nf;
    M->field_code = ty_mallocarray(nf ? nf : 1, sizeof *M->field_code);
    M->field_count = ty_calloc(nf ? nf : 1, sizeof *M->field_count);
    g->bfmap = ty_mallocarray(B->nfields ? B->nfields : 1, sizeof *g->bfmap);
    if (!M->field_code || !M->field_count || !g->bfmap) return TENYO_ERR_NOMEM;
    memcpy(M->field_code, codes, nf * sizeof *codes);
    for (uint32_t f = 0; f < B->nfields; f++)
        g->bfmap[f] = (uint16_t)(((char(*)[8])bsearch(B->field_code[f], codes, nf, 8, cmp_code)) - codes);
    for (size_t i = 0; i < g->nseg; i++)
        for (uint32_t f = 0; f < g->seg[i].nfields; f++)
            g->fmap[i][f] = (uint16_t)(((char(*)[8])bsearch(g->seg[i].field_code[f], codes, nf, 8,
                                                            cmp_code)) - codes);
    return TENYO_OK;
}

/* The live documents (tb->live) and, per term, the live segment documents
 * that hold it (tb->cdf). */
static int count_live_df(const merge *g, tables *tb) {
    const ty_model *B = g->base;
    uint64_t C = ty_strmap_size(tb->voc), N = 0;
    tb->cdf = ty_calloc(C ? C : 1, sizeof *tb->cdf);
    if (!tb->cdf) return TENYO_ERR_NOMEM;
    for (uint64_t d = 0, pos = 0; d < B->ndocs; d++, pos++) N += !g->dead[pos];
    for (size_t i = 0, pos = B->ndocs; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, pos++) {
            if (g->dead[pos]) continue;
            N++;
            for (uint64_t j = S->tfidf.rowptr[d]; j < S->tfidf.rowptr[d + 1]; j++)
                tb->cdf[g->tmap[i][S->tfidf.col[j]]]++;
        }
    }
    tb->live = N;
    return TENYO_OK;
}

/* The surface word of each merged term (C of them, indexed as in tb->voc):
 * the base's, else the first segment's that has one (malloc'd array). */
static const char **merge_surfaces(const merge *g, const tables *tb, uint64_t C) {
    const ty_model *B = g->base;
    const char **surf = ty_calloc(C ? C : 1, sizeof *surf);
    if (!surf) return NULL;
    for (uint64_t t = 0; t < B->nterms && B->surf_off; t++) surf[t] = B->surf_blob + B->surf_off[t];
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        if (!S->surf_off) continue;
        for (uint64_t t = 0; t < S->nterms; t++) {
            const char *k = S->term_blob + S->term_off[t];
            int64_t c = ty_strmap_get(tb->voc, k, strlen(k));
            if (c >= (int64_t)B->nterms && !surf[c]) surf[c] = S->surf_blob + S->surf_off[t];
        }
    }
    return surf;
}

/* The terms kept (remap: voc id -> merged id, or UINT32_MAX): the base's
 * terms, then the new terms that pass the base's df filters among the
 * live documents (a segment keeps every term, so a term reaching min_df
 * over several adds joins then). The segments' term maps are remapped;
 * the number kept is returned. */
static uint64_t filter_terms(merge *g, const tables *tb, uint64_t C, uint32_t *remap) {
    const ty_model *B = g->base;
    uint64_t T = 0, N = tb->live;
    double maxdf = B->max_df_ratio * (double)N;
    uint32_t mindf = B->min_df > 1 ? (uint32_t)B->min_df : 1;
    for (uint64_t t = 0; t < C; t++) {
        int keep = t < B->nterms ||
                   (tb->cdf[t] >= (N < 10 ? 1 : mindf) && (N < 10 || (double)tb->cdf[t] <= maxdf));
        remap[t] = keep ? (uint32_t)T++ : UINT32_MAX;
    }
    for (size_t i = 0; i < g->nseg; i++)
        for (uint64_t t = 0; t < g->seg[i].nterms; t++) g->tmap[i][t] = remap[g->tmap[i][t]];
    return T;
}

/* The merged vocabulary: terms kept (filter_terms), their strings,
 * surface words, document frequencies and idfs (the base's as fitted, the
 * new terms' from their live document frequency). */
static int merge_vocab(merge *g, const tables *tb, ty_model *M) {
    const ty_model *B = g->base;
    uint64_t C = ty_strmap_size(tb->voc);
    int rc = TENYO_ERR_NOMEM, any_surf = tb->any_surf;
    ty_buf tbuf = {0}, sb = {0};
    const char **surf = NULL;
    uint32_t *remap = ty_mallocarray(C ? C : 1, sizeof *remap);
    if (!remap) goto done;
    uint64_t T = filter_terms(g, tb, C, remap);
    M->nterms = T;
    M->term_off = ty_mallocarray(T ? T : 1, sizeof *M->term_off);
    M->df = ty_calloc(T ? T : 1, sizeof *M->df);
    M->idf = ty_calloc(T ? T : 1, sizeof *M->idf);
    if (any_surf) M->surf_off = ty_mallocarray(T ? T : 1, sizeof *M->surf_off);
    if (any_surf) surf = merge_surfaces(g, tb, C);
    if (!M->term_off || !M->df || !M->idf || (any_surf && (!M->surf_off || !surf))) goto done;
    int bad = 0;
    for (uint64_t t = 0; t < C && !bad; t++) {
        uint32_t f = remap[t];
        if (f == UINT32_MAX) continue;
        bad |= put_str(&tbuf, &M->term_off[f], ty_strmap_key(tb->voc, (uint32_t)t, NULL));
        if (any_surf) bad |= put_str(&sb, &M->surf_off[f], surf[t] ? surf[t] : "");
        M->df[f] = t < B->nterms ? B->df[t] : tb->cdf[t];
    }
    if (bad) goto done;
    memcpy(M->idf, B->idf, B->nterms * sizeof *M->idf);
    ty_idf_compute(M->df + B->nterms, T - B->nterms, tb->live, M->idf + B->nterms);
    M->term_blob = tbuf.p ? tbuf.p : ty_strdup("");
    M->term_blob_len = tbuf.len;
    tbuf = (ty_buf){0};
    if (any_surf) {
        M->surf_blob = sb.p ? sb.p : ty_strdup("");
        M->surf_blob_len = sb.len;
        sb = (ty_buf){0};
        if (!M->surf_blob) goto done;
    }
    if (M->term_blob) rc = TENYO_OK;
done:
    free(surf);
    free(remap);
    ty_buf_free(&tbuf);
    ty_buf_free(&sb);
    return rc;
}

/* The merged phrase table: every phrase of tb->phr, in its id order. */
static int merge_phrases(const tables *tb, ty_model *M) {
    uint64_t P = ty_strmap_size(tb->phr);
    if (!P) return TENYO_OK;
    ty_buf pb = {0};
    M->nphrases = P;
    M->phr_off = ty_mallocarray(P, sizeof *M->phr_off);
    if (!M->phr_off) return TENYO_ERR_NOMEM;
    for (uint64_t p = 0; p < P; p++)
        if (put_str(&pb, &M->phr_off[p], ty_strmap_key(tb->phr, (uint32_t)p, NULL))) {
            ty_buf_free(&pb);
            return TENYO_ERR_NOMEM;
        }
    M->phr_blob = pb.p;
    M->phr_blob_len = pb.len;
    return TENYO_OK;
}

/* Vocabulary, fields and phrases of the merged model, and the maps of the
 * segments' local ids to merged ones. */
static int merge_tables(merge *g, ty_model *M) {
    tables tb = {0};
    int rc = TENYO_ERR_NOMEM;
    tb.voc = ty_strmap_new();
    tb.phr = ty_strmap_new();
    if (tb.voc && tb.phr) rc = unite_strings(g, &tb);
    if (!rc) rc = merge_fields(g, &tb, M);
    if (!rc) rc = count_live_df(g, &tb);
    if (!rc) rc = merge_vocab(g, &tb, M);
    if (!rc) rc = merge_phrases(&tb, M);
    ty_strmap_free(tb.voc);
    ty_strmap_free(tb.phr);
    free(tb.codes);
    free(tb.cdf);
    return rc;
}

/* Metadata, flags, fields and phrases of document d of model S as document n
 * of the merged model M (its CSR row and vector are the caller's): field ids
 * through fmap (a monotonic map, so the list stays sorted), phrase ids
 * through pmap (NULL: the same ids). mb, *fz, *pz: M's metadata blob being
 * built and the fill positions of its field and phrase ids. -1 out of memory. */
static int copy_doc(ty_model *M, uint64_t n, const ty_model *S, uint64_t d,
                    const uint16_t *fmap, const uint32_t *pmap, ty_buf *mb, uint64_t *fz,
                    uint64_t *pz) {
    for (int s = 0; s < TY_META_NSTR; s++)
        if (put_str(mb, &M->meta_off[n * TY_META_NSTR + s], ty_meta_str(S, d, s)))
            return -1;
    M->open[n] = S->open[d];
    M->lang[n] = S->lang[d];
    for (uint64_t j = S->field_ptr[d]; j < S->field_ptr[d + 1]; j++)
        M->field_ids[(*fz)++] = fmap[S->field_ids[j]];
    M->field_ptr[n + 1] = *fz;
    if (M->phr_ptr) {
        if (S->phr_ptr)
            for (uint64_t j = S->phr_ptr[d]; j < S->phr_ptr[d + 1]; j++)
                M->phr_ids[(*pz)++] = pmap ? pmap[S->phr_ids[j]] : S->phr_ids[j];
        M->phr_ptr[n + 1] = *pz;
    }
    return 0;
}

/* Sizes of the merged document arrays (merge_docs' first pass). */
typedef struct doc_sizes {
    uint64_t live;            /* live documents */
    uint64_t nnz;             /* their non-zeros, at most (before the df filter) */
    uint64_t nfid;            /* their field ids */
    uint64_t nphr;            /* their phrase ids */
    uint64_t maxrow;          /* the longest live segment row */
} doc_sizes;

/* Fill positions of merge_docs' second pass, and its scratch space. */
typedef struct doc_fill {
    uint64_t n;               /* documents written */
    uint64_t z;               /* non-zeros written */
    uint64_t fz, pz;          /* field and phrase ids written */
    uint64_t pos;             /* global position of the document read */
    ty_buf mb;                /* the metadata blob being built */
    uint32_t *tt, *tc;        /* a segment row's merged terms and counts */
    float *scratch;           /* ty_tfidf_prune's */
} doc_fill;

/* Pass 1: live documents, and upper bounds of non-zeros, fields, phrases. */
static void count_docs(const merge *g, doc_sizes *z) {
    const ty_model *B = g->base;
    uint64_t pos = 0;
    memset(z, 0, sizeof *z);
    for (uint64_t d = 0; d < B->ndocs; d++, pos++) {
        if (g->dead[pos]) continue;
        z->live++;
        z->nnz += B->tfidf.rowptr[d + 1] - B->tfidf.rowptr[d];
        z->nfid += B->field_ptr[d + 1] - B->field_ptr[d];
        if (B->phr_ptr) z->nphr += B->phr_ptr[d + 1] - B->phr_ptr[d];
    }
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, pos++) {
            if (g->dead[pos]) continue;
            z->live++;
            uint64_t a = S->tfidf.rowptr[d], e = S->tfidf.rowptr[d + 1];
            z->nnz += e - a;
            if (e - a > z->maxrow) z->maxrow = e - a;
            z->nfid += S->field_ptr[d + 1] - S->field_ptr[d];
            if (S->phr_ptr) z->nphr += S->phr_ptr[d + 1] - S->phr_ptr[d];
        }
    }
}

/* The LSA part of M for N documents and T terms: the base's singular
 * values, room for the document codes (and float16 rows when the base has
 * them: the base's kept, added ones made), and the base's basis as it is
 * held (codes, or floats from format 1), terms new since the fit with zero
 * rows. */
static int alloc_lsa(const ty_model *B, ty_model *M, uint64_t N) {
    const uint64_t T0 = B->nterms, T = M->nterms, K = B->dim;
    M->dim = (uint32_t)K;
    M->sigma = ty_mallocarray(K, sizeof *M->sigma);
    M->doc_q = ty_mallocarray(N ? N : 1, K);
    M->doc_qscale = ty_mallocarray(N ? N : 1, sizeof *M->doc_qscale);
    if (!M->sigma || !M->doc_q || !M->doc_qscale) return TENYO_ERR_NOMEM;
    if (B->doc_h) {
        M->doc_h = ty_mallocarray(N ? N : 1, K * sizeof *M->doc_h);
        if (!M->doc_h) return TENYO_ERR_NOMEM;
    }
    memcpy(M->sigma, B->sigma, K * sizeof *M->sigma);
    if (B->basis_q) {
        M->basis_q = ty_calloc(T ? T : 1, K);
        M->basis_qscale = ty_calloc(T ? T : 1, sizeof *M->basis_qscale);
        if (!M->basis_q || !M->basis_qscale) return TENYO_ERR_NOMEM;
        memcpy(M->basis_q, B->basis_q, T0 * K);
        memcpy(M->basis_qscale, B->basis_qscale, T0 * sizeof *M->basis_qscale);
    } else {
        M->basis = ty_calloc(T ? T : 1, K * sizeof *M->basis);
        if (!M->basis) return TENYO_ERR_NOMEM;
        memcpy(M->basis, B->basis, T0 * K * sizeof *M->basis);
    }
    return TENYO_OK;
}

/* The arrays of M (rows, metadata, fields, phrases, the LSA part), of u
 * (document maps) and f's scratch, sized by z. */
static int alloc_docs(const merge *g, ty_model *M, ty_upd *u, const doc_sizes *z,
                      doc_fill *f) {
    const ty_model *B = g->base;
    const uint64_t N = z->live, nnz = z->nnz, maxrow = z->maxrow;
    M->ndocs = N;
    ty_csr *A = &M->tfidf;
    A->nrows = N;
    A->ncols = M->nterms;
    A->rowptr = ty_calloc(N + 1, sizeof *A->rowptr);
    A->col = ty_mallocarray(nnz ? nnz : 1, sizeof *A->col);
    A->val = ty_mallocarray(nnz ? nnz : 1, sizeof *A->val);
    M->tf = ty_mallocarray(nnz ? nnz : 1, sizeof *M->tf);
    M->meta_off = ty_mallocarray(N ? N : 1, TY_META_NSTR * sizeof *M->meta_off);
    M->open = ty_mallocarray(N ? N : 1, 1);
    M->lang = ty_mallocarray(N ? N : 1, 1);
    M->field_ptr = ty_calloc(N + 1, sizeof *M->field_ptr);
    M->field_ids = ty_mallocarray(z->nfid ? z->nfid : 1, sizeof *M->field_ids);
    if (M->nphrases) {
        M->phr_ptr = ty_calloc(N + 1, sizeof *M->phr_ptr);
        M->phr_ids = ty_mallocarray(z->nphr ? z->nphr : 1, sizeof *M->phr_ids);
        if (!M->phr_ptr || !M->phr_ids) return TENYO_ERR_NOMEM;
    }
    if (B->dim && alloc_lsa(B, M, N)) return TENYO_ERR_NOMEM;
    u->gpos = ty_mallocarray(N ? N : 1, sizeof *u->gpos);
    u->base_map = ty_mallocarray(B->ndocs ? B->ndocs : 1, sizeof *u->base_map);
    f->tt = ty_mallocarray(maxrow ? maxrow : 1, sizeof *f->tt);
    f->tc = ty_mallocarray(maxrow ? maxrow : 1, sizeof *f->tc);
    f->scratch = ty_mallocarray(maxrow ? maxrow : 1, sizeof *f->scratch);
    if (!A->rowptr || !A->col || !A->val || !M->tf || !M->meta_off || !M->open || !M->lang ||
        !M->field_ptr || !M->field_ids || !u->gpos || !u->base_map || !f->tt || !f->tc ||
        !f->scratch)
        return TENYO_ERR_NOMEM;
    return TENYO_OK;
}

/* Pass 2, the base: its live documents copied as they are (rows, vector
 * codes, float16 rows; format 1's float vectors quantized), their phrases
 * keeping their ids. */
static int copy_base_docs(const merge *g, ty_model *M, ty_upd *u, doc_fill *f) {
    const ty_model *B = g->base;
    const uint64_t K = B->dim;
    ty_csr *A = &M->tfidf;
    for (uint64_t d = 0; d < B->ndocs; d++, f->pos++) {
        u->base_map[d] = UINT64_MAX;
        if (g->dead[f->pos]) {
            u->base_deleted++;
            continue;
        }
        uint64_t n = f->n;
        u->base_map[d] = n;
        u->gpos[n] = f->pos;
        uint64_t a = B->tfidf.rowptr[d], e = B->tfidf.rowptr[d + 1];
        memcpy(A->col + f->z, B->tfidf.col + a, (e - a) * sizeof *A->col);
        memcpy(A->val + f->z, B->tfidf.val + a, (e - a) * sizeof *A->val);
        memcpy(M->tf + f->z, B->tf + a, (e - a) * sizeof *M->tf);
        for (uint64_t j = a; j < e; j++) u->mass += B->tf[j];
        f->z += e - a;
        A->rowptr[n + 1] = f->z;
        if (K && B->doc_q) { /* the stored codes as they are */
            memcpy(M->doc_q + n * K, B->doc_q + d * K, K);
            M->doc_qscale[n] = B->doc_qscale[d];
        } else if (K) { /* format 1: floats */
            int32_t sum;
            ty_q8_quantize(B->docvec + d * K, K, M->doc_q + n * K, &M->doc_qscale[n], &sum);
        }
        if (M->doc_h) memcpy(M->doc_h + n * K, B->doc_h + d * K, K * sizeof *M->doc_h);
        if (copy_doc(M, n, B, d, g->bfmap, NULL, &f->mb, &f->fz, &f->pz)) return TENYO_ERR_NOMEM;
        f->n++;
    }
    return TENYO_OK;
}

/* Row d of segment i as row f->n of M: its terms through the segment's map
 * (those below the df filter left out), sorted, weighted with M's idfs,
 * pruned as the base was; the occurrence counts go to u. Returns the row's
 * length. */
static size_t weigh_seg_row(const merge *g, size_t i, uint64_t d, ty_model *M, ty_upd *u,
                            doc_fill *f) {
    const ty_model *S = &g->seg[i], *B = g->base;
    ty_csr *A = &M->tfidf;
    uint64_t a = S->tfidf.rowptr[d], e = S->tfidf.rowptr[d + 1], z = f->z;
    size_t r = 0;
    for (uint64_t j = a; j < e; j++) {
        uint32_t t = g->tmap[i][S->tfidf.col[j]];
        if (t == UINT32_MAX) continue; /* below the df filter */
        f->tt[r] = t;
        f->tc[r] = S->tf[j];
        u->mass += f->tc[r];
        u->mass_added += f->tc[r];
        if (t >= B->nterms) u->mass_new += f->tc[r];
        r++;
    }
    sort_pairs(f->tt, f->tc, r);
    memcpy(A->col + z, f->tt, r * sizeof *f->tt);
    memcpy(M->tf + z, f->tc, r * sizeof *f->tc);
    for (size_t j = 0; j < r; j++) A->val[z + j] = (float)f->tc[j];
    ty_tfidf_row(A->col + z, A->val + z, r, M->idf);
    if (B->max_terms && r > B->max_terms) /* the base's static pruning */
        r = ty_tfidf_prune(A->col + z, A->val + z, M->tf + z, r, B->max_terms, M->idf,
                           f->scratch);
    return r;
}

/* Pass 2, the segments: each live document weighted (weigh_seg_row) and
 * folded into the base's basis (its codes and float16 row made from the
 * fold-in), its fields and phrases mapped. */
static int fold_seg_docs(const merge *g, ty_model *M, ty_upd *u, doc_fill *f) {
    const uint64_t K = g->base->dim;
    ty_csr *A = &M->tfidf;
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, f->pos++) {
            if (g->dead[f->pos]) continue;
            uint64_t n = f->n, z = f->z;
            u->gpos[n] = f->pos;
            size_t r = weigh_seg_row(g, i, d, M, u, f);
            if (K) {
                float v[TY_MAX_DIM];
                int32_t sum;
                ty_fold_in(M, A->col + z, A->val + z, r, v);
                ty_q8_quantize(v, K, M->doc_q + n * K, &M->doc_qscale[n], &sum);
                if (M->doc_h) ty_f16_from_floats(v, K, M->doc_h + n * K);
            }
            f->z += r;
            A->rowptr[n + 1] = f->z;
            if (copy_doc(M, n, S, d, g->fmap[i], g->pmap[i], &f->mb, &f->fz, &f->pz))
                return TENYO_ERR_NOMEM;
            u->added++;
            f->n++;
        }
    }
    return TENYO_OK;
}

/* Field counts over the live documents. A field whose documents were all
 * deleted is no field of the index (info and the map showed it with 0
 * documents): it is dropped, the rest renumbered in order (the table stays
 * sorted by code). */
static int count_fields(ty_model *M) {
    const uint64_t N = M->ndocs;
    for (uint64_t d = 0; d < N; d++)
        for (uint64_t j = M->field_ptr[d]; j < M->field_ptr[d + 1]; j++)
            M->field_count[M->field_ids[j]]++;
    uint32_t nf = 0;
    uint16_t *fre = ty_mallocarray(M->nfields ? M->nfields : 1, sizeof *fre);
    if (!fre) return TENYO_ERR_NOMEM;
    for (uint32_t f = 0; f < M->nfields; f++) {
        fre[f] = (uint16_t)nf;
        if (!M->field_count[f]) continue;
        memmove(M->field_code[nf], M->field_code[f], sizeof *M->field_code);
        M->field_count[nf++] = M->field_count[f];
    }
    if (nf < M->nfields)
        for (uint64_t j = 0; j < M->field_ptr[N]; j++) M->field_ids[j] = fre[M->field_ids[j]];
    M->nfields = nf;
    free(fre);
    return TENYO_OK;
}

/* Build the merged model M of the live documents (see the essay): sized
 * in a first pass, then the base's documents copied and the segments'
 * weighted and folded in, in global order. */
static int merge_docs(merge *g, ty_model *M, ty_upd *u) {
    doc_sizes z;
    doc_fill f = {0};
    count_docs(g, &z);
    int rc = alloc_docs(g, M, u, &z, &f);
    if (!rc) rc = copy_base_docs(g, M, u, &f);
    if (!rc) rc = fold_seg_docs(g, M, u, &f);
    /* a damaged frame of strings read above ("" copied) refuses the merge */
    if (!rc) rc = ty_meta_damage(g->base, g->err, g->errlen);
    for (size_t i = 0; !rc && i < g->nseg; i++)
        rc = ty_meta_damage(&g->seg[i], g->err, g->errlen);
    if (!rc) {
        M->meta_blob = f.mb.p ? f.mb.p : ty_strdup("");
        M->meta_blob_len = f.mb.len;
        f.mb = (ty_buf){0};
        rc = M->meta_blob ? count_fields(M) : TENYO_ERR_NOMEM;
    }
    ty_buf_free(&f.mb);
    free(f.tt);
    free(f.tc);
    free(f.scratch);
    return rc;
}

/* Move what the merged model keeps unchanged from the base. */
static int carry_base(ty_model *B, ty_model *M) {
    M->format_version = B->format_version;
    M->tokenizer = B->tokenizer;
    M->writer = B->writer;
    M->mecab_dicdir = B->mecab_dicdir;
    B->tokenizer = B->writer = B->mecab_dicdir = NULL;
    M->keep_parts = B->keep_parts;
    M->stem = B->stem;
    M->seed = B->seed;
    M->min_df = B->min_df;
    M->max_df_ratio = B->max_df_ratio;
    M->oversample = B->oversample;
    M->power_iters = B->power_iters;
    M->max_terms = B->max_terms;
    M->created = B->created;
    M->ivf_blob = B->ivf_blob;
    M->ivf_len = B->ivf_len;
    M->labels_blob = B->labels_blob;
    M->labels_len = B->labels_len;
    M->fm_blob = B->fm_blob;
    M->fm_len = B->fm_len;
    M->fm_sec = B->fm_sec;
    M->docmeta_layout = B->docmeta_layout;
    M->rows_frame = B->rows_frame;
    B->fm_sec = NULL;
    M->common_blob = B->common_blob;
    M->common_len = B->common_len;
    B->ivf_blob = B->labels_blob = B->fm_blob = B->common_blob = NULL;
    M->file_bytes = B->file_bytes;
    M->nsections = B->nsections;
    memcpy(M->sections, B->sections, sizeof M->sections);
    return TENYO_OK;
}

/* Free what the merge built besides the model. */
static void merge_free(merge *g) {
    for (size_t i = 0; g->seg && i < g->nseg; i++) {
        ty_model_free(&g->seg[i]);
        if (g->tmap) free(g->tmap[i]);
        if (g->pmap) free(g->pmap[i]);
        if (g->fmap) free(g->fmap[i]);
    }
    free(g->seg);
    free(g->segpos);
    free(g->tmap);
    free(g->pmap);
    free(g->fmap);
    free(g->bfmap);
    memset(g, 0, sizeof *g);
}

/* Whether the manifest mf of dir applies to the base B of path: SEG_STALE
 * when it is another base's, SEG_VANISHED when files committed after it
 * lie beside it (an older copy was put back: answering from it would bring
 * deleted documents back and lose segments; raced by two commits, the open
 * reads again), TENYO_ERR_CORRUPT when it was made for another number of
 * base documents or the base lacks the term counts updates need. */
static int manifest_applies(const char *path, const char *dir, const ty_manifest *mf,
                            ty_model *B, uint64_t fit, char *err, size_t errlen) {
    if (mf->fit != fit) return SEG_STALE;
    if (mf->base_docs != B->ndocs) {
        ty_seterr(err, errlen, "%s/MANIFEST: made for a base of %llu documents, %s has %llu",
                  dir, (unsigned long long)mf->base_docs, path, (unsigned long long)B->ndocs);
        return TENYO_ERR_CORRUPT;
    }
    char nf[64];
    uint64_t ng = ty_upd_newest(dir, nf, sizeof nf);
    if (ng >= mf->generation + 2) {
        ty_seterr(err, errlen, "%s/MANIFEST generation %llu is older than %s beside it "
                  "(an older copy put back?)", dir, (unsigned long long)mf->generation, nf);
        return SEG_VANISHED;
    }
    if (mf->nseg == 0 && !mf->del[0]) return TENYO_OK; /* nothing to apply */
    if (!ty_model_has_tf(B)) {
        ty_seterr(err, errlen, "%s: updates need the term counts of format 2; the base has none",
                  path);
        return TENYO_ERR_CORRUPT;
    }
    return ty_model_need_tf(B, err, errlen);
}

/* Read the segments mf names into g (allocated here), each matched with its
 * entry and the base's tokenizer; *P: the global positions they end at,
 * *bytes: their file sizes. A file gone is SEG_VANISHED (an update raced). */
static int read_segments(const char *dir, const ty_manifest *mf, merge *g, uint64_t *P,
                         uint64_t *bytes, char *err, size_t errlen) {
    const ty_model *B = g->base;
    g->nseg = mf->nseg;
    g->seg = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *g->seg);
    g->segpos = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *g->segpos);
    g->tmap = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *g->tmap);
    g->pmap = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *g->pmap);
    g->fmap = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *g->fmap);
    if (!g->seg || !g->segpos || !g->tmap || !g->pmap || !g->fmap) return TENYO_ERR_NOMEM;
    *P = B->ndocs;
    *bytes = 0;
    for (size_t i = 0; i < mf->nseg; i++) {
        char *sp = ty_upd_path(dir, mf->seg[i].file);
        if (!sp) return TENYO_ERR_NOMEM;
        int rc = ty_store_read(sp, &g->seg[i], err, errlen);
        if (rc == TENYO_ERR_IO && access(sp, F_OK) != 0 && errno == ENOENT) rc = SEG_VANISHED;
        free(sp);
        if (rc) return rc;
        rc = ty_model_need_tf(&g->seg[i], err, errlen);
        if (rc) return rc;
        const ty_model *S = &g->seg[i];
        if (S->ndocs != mf->seg[i].docs || !S->tf || !S->tokenizer || !B->tokenizer ||
            strcmp(S->tokenizer, B->tokenizer)) {
            ty_seterr(err, errlen, "%s/%s: segment does not match its manifest or base "
                      "(%llu documents, manifest says %llu; tokenizer %s)",
                      dir, mf->seg[i].file, (unsigned long long)S->ndocs,
                      (unsigned long long)mf->seg[i].docs,
                      S->tokenizer && B->tokenizer && !strcmp(S->tokenizer, B->tokenizer)
                          ? "same" : "differs");
            return TENYO_ERR_CORRUPT;
        }
        g->segpos[i] = *P;
        *P += S->ndocs;
        *bytes += S->file_bytes;
    }
    return TENYO_OK;
}

/* The deleted positions of mf's deletion file as one byte per global
 * position (*dead, P of them: 1 deleted); the file's size is added to
 * *bytes. A file gone is SEG_VANISHED. */
static int read_dead(const char *dir, const ty_manifest *mf, uint64_t P, uint8_t **dead,
                     uint64_t *bytes, char *err, size_t errlen) {
    uint64_t *del = NULL, ndel = 0;
    *dead = ty_calloc(P ? P : 1, 1);
    if (!*dead) return TENYO_ERR_NOMEM;
    if (!mf->del[0]) return TENYO_OK;
    int rc = ty_dels_read(dir, mf->del, P, &del, &ndel, err, errlen);
    if (rc == TENYO_ERR_NOTFOUND) rc = SEG_VANISHED;
    if (rc) goto done;
    if (ndel != mf->ndel) {
        rc = TENYO_ERR_CORRUPT;
        ty_seterr(err, errlen, "%s/%s: %llu deletions, the manifest says %llu", dir, mf->del,
                  (unsigned long long)ndel, (unsigned long long)mf->ndel);
        goto done;
    }
    for (uint64_t i = 0; i < ndel; i++) (*dead)[del[i]] = 1;
    *bytes += 32 + 8 * ndel;
done:
    free(del);
    return rc;
}

/* Other numbers: the base's then each segment's lines (they name ids, so a
 * deleted or replaced document's lines find nothing or its new version). */
static int merge_numbers(const ty_model *B, const merge *g, ty_model *M) {
    ty_buf nb = {0};
    const char *bn = NULL; /* the base's, read now when only located */
    uint64_t bl = 0;
    int rc = ty_model_numbers(B, &bn, &bl, g->err, g->errlen);
    if (rc) return rc;
    int bad = bn && ty_buf_append(&nb, bn, bl);
    for (size_t i = 0; i < g->nseg && !bad; i++)
        bad = g->seg[i].numbers_blob &&
              ty_buf_append(&nb, g->seg[i].numbers_blob, g->seg[i].numbers_len);
    if (bad || (nb.len && ty_buf_putc(&nb, 0))) {
        ty_buf_free(&nb);
        return TENYO_ERR_NOMEM;
    }
    if (nb.len) {
        M->numbers_blob = nb.p;
        M->numbers_len = nb.len - 1;
    }
    return TENYO_OK;
}

/* Abstracts: the base's and the segments' parts (moved out of them),
 * composed by global position for the live documents (u->gpos); P: the
 * positions in all. */
static int merge_abstracts(ty_model *B, merge *g, uint64_t P, const ty_upd *u, ty_model *M) {
    int any = B->abs != NULL;
    for (size_t i = 0; i < g->nseg; i++) any |= g->seg[i].abs != NULL;
    if (!any) return TENYO_OK;
    ty_abs **parts = ty_mallocarray(g->nseg + 1, sizeof *parts);
    uint64_t *first = ty_mallocarray(g->nseg + 2, sizeof *first);
    if (parts && first) {
        parts[0] = B->abs;
        B->abs = NULL;
        first[0] = 0;
        for (size_t i = 0; i < g->nseg; i++) {
            parts[i + 1] = g->seg[i].abs;
            g->seg[i].abs = NULL;
            first[i + 1] = g->segpos[i];
        }
        first[g->nseg + 1] = P;
        M->abs = ty_abs_compose(parts, first, (uint32_t)g->nseg + 1, u->gpos, M->ndocs);
    }
    free(parts);
    free(first);
    return M->abs ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* Merge base B with the segments and deletions of g into M and u (see the
 * essay): tables, documents, what the base carries unchanged, the keyword
 * index, other numbers and abstracts. */
static int merge_all(tenyo_index *x, merge *g, uint64_t P, ty_model *M, ty_upd *u) {
    ty_model *B = &x->m;
    int rc = merge_tables(g, M);
    if (!rc) rc = merge_docs(g, M, u);
    if (!rc) rc = carry_base(B, M);
    if (!rc) rc = ty_kw_take_parts(x, B, g->seg, g->nseg); /* keyword index: every part's */
    if (!rc) rc = merge_numbers(B, g, M);
    if (!rc) rc = merge_abstracts(B, g, P, u, M);
    return rc;
}

int ty_seg_apply(const char *path, tenyo_index *x, char *err, size_t errlen) {
    ty_model *B = &x->m;
    char *dir = ty_upd_dir(path);
    if (!dir) return TENYO_ERR_NOMEM;
    ty_manifest mf;
    merge g = {0};
    g.err = err;
    g.errlen = errlen;
    ty_model M = {0};
    uint8_t *dead = NULL;
    int rc = ty_manifest_read(dir, &mf, err, errlen);
    if (rc == TENYO_ERR_NOTFOUND) {
        /* the base says updates were committed for it: moved or copied
         * without its update directory (tenyo info warns) */
        x->upd.missing = B->updated;
        free(dir);
        return TENYO_OK;
    }
    if (rc) goto done;
    /* the base's fit id only where a manifest is to be matched (it reads
     * the first documents' strings: a frame of ids of layout 2); without
     * one, the writer that makes one computes it (api/update.c) */
    rc = ty_model_need_terms(B, err, errlen); /* the fit id reads them */
    if (!rc) rc = ty_model_need_docfields(B, err, errlen); /* merged below */
    if (rc) goto done;
    x->upd.fit = ty_model_fit_id(B);
    uint64_t fit = x->upd.fit;
    rc = manifest_applies(path, dir, &mf, B, fit, err, errlen);
    if (rc) goto done;
    if (mf.nseg == 0 && !mf.del[0]) { /* nothing to apply */
        x->upd.generation = mf.generation;
        goto done;
    }
    rc = ty_model_need_vectors(B, err, errlen); /* merged below */
    if (rc) goto done;
    uint64_t P, bytes;
    g.base = B;
    rc = read_segments(dir, &mf, &g, &P, &bytes, err, errlen);
    if (!rc) rc = read_dead(dir, &mf, P, &dead, &bytes, err, errlen);
    if (rc) goto done;
    g.dead = dead;
    ty_upd u = {0};
    rc = merge_all(x, &g, P, &M, &u);
    if (rc) {
        ty_upd_free(&u);
        if (rc == TENYO_ERR_LIMIT)
            ty_seterr(err, errlen, "%s: more than %d fields after the updates", path,
                      TY_MAX_FIELDS);
        goto done;
    }
    u.fit = fit;
    u.generation = mf.generation;
    u.nseg = (uint32_t)mf.nseg;
    u.bytes = bytes;
    u.base_docs = B->ndocs;
    u.positions = P;
    u.fit_terms = B->nterms;
    ty_model_free(B);
    *B = M;
    memset(&M, 0, sizeof M);
    x->upd = u;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: out of memory applying updates", path);
    merge_free(&g);
    ty_model_free(&M);
    free(dead);
    ty_manifest_free(&mf);
    free(dir);
    return rc;
}

/* Staleness figures for tenyo_index_info_get. */
void ty_upd_info(const tenyo_index *x, tenyo_index_info *in) {
    const ty_upd *u = &x->upd;
    in->updates_missing = u->missing;
    in->generation = u->generation;
    in->nsegments = u->nseg;
    in->update_bytes = u->bytes;
    if (!u->gpos) { /* no update applied: the whole index is the fit */
        in->docs_fit = x->m.ndocs;
        return;
    }
    in->docs_fit = u->base_docs;
    in->docs_added = u->added;
    in->docs_deleted = u->base_deleted;
    in->terms_new = x->m.nterms - u->fit_terms;
    in->stale_docs = x->m.ndocs ? (double)u->added / (double)x->m.ndocs : 0;
    in->stale_mass = u->mass ? (double)(u->mass_added) / (double)u->mass : 0;
    in->new_term_mass = u->mass ? (double)u->mass_new / (double)u->mass : 0;
    in->rebuild_advised = in->stale_docs > STALE_DOCS || in->new_term_mass > STALE_NEW_MASS ||
                          (u->base_docs &&
                           (double)u->base_deleted / (double)u->base_docs > STALE_DELETED);
}
