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
 *     sparse TF-IDF part only, as the issue asks) and an idf from their
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
    uint64_t v[7] = {m->ndocs, m->nterms, m->dim, nnz, m->term_blob_len, m->meta_blob_len,
                     m->nfields};
    uint64_t h = ty_fnv1a(v, sizeof v);
    if (m->dim && m->sigma) h = h * 0x100000001b3ull ^ ty_fnv1a(m->sigma, m->dim * sizeof(float));
    size_t tl = m->term_blob_len < 4096 ? (size_t)m->term_blob_len : 4096;
    size_t ml = m->meta_blob_len < 4096 ? (size_t)m->meta_blob_len : 4096;
    if (tl) h = h * 0x100000001b3ull ^ ty_fnv1a(m->term_blob, tl);
    if (ml) h = h * 0x100000001b3ull ^ ty_fnv1a(m->meta_blob, ml);
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
} merge;

/* Append string s (with its NUL) to blob, recording its offset. */
static int put_str(ty_buf *blob, uint64_t *off, const char *s) {
    *off = blob->len;
    return ty_buf_append(blob, s, strlen(s) + 1);
}

/* Vocabulary, fields and phrases of the merged model, and the maps of the
 * segments' local ids to merged ones. */
static int merge_tables(merge *g, ty_model *M) {
    const ty_model *B = g->base;
    int rc = TENYO_ERR_NOMEM;
    ty_strmap *voc = ty_strmap_new(), *phr = ty_strmap_new();
    ty_buf tb = {0}, sb = {0}, pb = {0};
    char (*codes)[8] = NULL;
    uint32_t *cdf = NULL, *remap = NULL;
    if (!voc || !phr) goto done;
    for (uint64_t t = 0; t < B->nterms; t++) {
        const char *s = B->term_blob + B->term_off[t];
        if (ty_strmap_intern(voc, s, strlen(s), NULL) < 0) goto done;
    }
    for (uint64_t p = 0; p < B->nphrases; p++) {
        const char *s = B->phr_blob + B->phr_off[p];
        if (ty_strmap_intern(phr, s, strlen(s), NULL) < 0) goto done;
    }
    size_t ncode = B->nfields;
    for (size_t i = 0; i < g->nseg; i++) ncode += g->seg[i].nfields;
    codes = ty_mallocarray(ncode ? ncode : 1, sizeof *codes);
    if (!codes) goto done;
    memcpy(codes, B->field_code, B->nfields * sizeof *codes);
    ncode = B->nfields;
    int any_surf = B->surf_off != NULL;
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        g->tmap[i] = ty_mallocarray(S->nterms ? S->nterms : 1, sizeof **g->tmap);
        g->pmap[i] = ty_mallocarray(S->nphrases ? S->nphrases : 1, sizeof **g->pmap);
        g->fmap[i] = ty_mallocarray(S->nfields ? S->nfields : 1, sizeof **g->fmap);
        if (!g->tmap[i] || !g->pmap[i] || !g->fmap[i]) goto done;
        for (uint64_t t = 0; t < S->nterms; t++) {
            const char *s = S->term_blob + S->term_off[t];
            int64_t id = ty_strmap_intern(voc, s, strlen(s), NULL);
            if (id < 0) goto done;
            g->tmap[i][t] = (uint32_t)id;
        }
        for (uint64_t p = 0; p < S->nphrases; p++) {
            const char *s = S->phr_blob + S->phr_off[p];
            int64_t id = ty_strmap_intern(phr, s, strlen(s), NULL);
            if (id < 0) goto done;
            g->pmap[i][p] = (uint32_t)id;
        }
        memcpy(codes + ncode, S->field_code, S->nfields * sizeof *codes);
        ncode += S->nfields;
        any_surf |= S->surf_off != NULL;
    }
    /* fields: the sorted union (the field table is searched by code) */
    qsort(codes, ncode, sizeof *codes, cmp_code);
    size_t nf = 0;
    for (size_t i = 0; i < ncode; i++)
        if (nf == 0 || strncmp(codes[nf - 1], codes[i], 8)) memmove(codes[nf++], codes[i], 8);
    if (nf > TY_MAX_FIELDS) {
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    M->nfields = (uint32_t)nf;
    M->field_code = ty_mallocarray(nf ? nf : 1, sizeof *M->field_code);
    M->field_count = ty_calloc(nf ? nf : 1, sizeof *M->field_count);
    g->bfmap = ty_mallocarray(B->nfields ? B->nfields : 1, sizeof *g->bfmap);
    if (!M->field_code || !M->field_count || !g->bfmap) goto done;
    memcpy(M->field_code, codes, nf * sizeof *codes);
    for (uint32_t f = 0; f < B->nfields; f++)
        g->bfmap[f] = (uint16_t)(((char(*)[8])bsearch(B->field_code[f], codes, nf, 8, cmp_code)) - codes);
    for (size_t i = 0; i < g->nseg; i++)
        for (uint32_t f = 0; f < g->seg[i].nfields; f++)
            g->fmap[i][f] = (uint16_t)(((char(*)[8])bsearch(g->seg[i].field_code[f], codes, nf, 8,
                                                            cmp_code)) - codes);
    /* vocabulary: the base's terms, then the new terms that pass the base's
     * df filters among the live documents (a segment keeps every term, so
     * a term reaching min_df over several adds joins then) */
    uint64_t C = ty_strmap_size(voc), N = 0;
    cdf = ty_calloc(C ? C : 1, sizeof *cdf);
    remap = ty_mallocarray(C ? C : 1, sizeof *remap);
    if (!cdf || !remap) goto done;
    for (uint64_t d = 0, pos = 0; d < B->ndocs; d++, pos++) N += !g->dead[pos];
    for (size_t i = 0, pos = B->ndocs; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, pos++) {
            if (g->dead[pos]) continue;
            N++;
            for (uint64_t j = S->tfidf.rowptr[d]; j < S->tfidf.rowptr[d + 1]; j++)
                cdf[g->tmap[i][S->tfidf.col[j]]]++;
        }
    }
    uint64_t T = 0;
    double maxdf = B->max_df_ratio * (double)N;
    uint32_t mindf = B->min_df > 1 ? (uint32_t)B->min_df : 1;
    for (uint64_t t = 0; t < C; t++) {
        int keep = t < B->nterms ||
                   (cdf[t] >= (N < 10 ? 1 : mindf) && (N < 10 || (double)cdf[t] <= maxdf));
        remap[t] = keep ? (uint32_t)T++ : UINT32_MAX;
    }
    for (size_t i = 0; i < g->nseg; i++)
        for (uint64_t t = 0; t < g->seg[i].nterms; t++) g->tmap[i][t] = remap[g->tmap[i][t]];
    M->nterms = T;
    M->term_off = ty_mallocarray(T ? T : 1, sizeof *M->term_off);
    M->df = ty_calloc(T ? T : 1, sizeof *M->df);
    M->idf = ty_calloc(T ? T : 1, sizeof *M->idf);
    if (any_surf) M->surf_off = ty_mallocarray(T ? T : 1, sizeof *M->surf_off);
    const char **surf = any_surf ? ty_calloc(C ? C : 1, sizeof *surf) : NULL;
    if (!M->term_off || !M->df || !M->idf || (any_surf && (!M->surf_off || !surf))) {
        free(surf);
        goto done;
    }
    if (any_surf) {
        for (uint64_t t = 0; t < B->nterms && B->surf_off; t++) surf[t] = B->surf_blob + B->surf_off[t];
        for (size_t i = 0; i < g->nseg; i++) {
            const ty_model *S = &g->seg[i];
            if (!S->surf_off) continue;
            for (uint64_t t = 0; t < S->nterms; t++) {
                const char *k = S->term_blob + S->term_off[t];
                int64_t c = ty_strmap_get(voc, k, strlen(k));
                if (c >= (int64_t)B->nterms && !surf[c]) surf[c] = S->surf_blob + S->surf_off[t];
            }
        }
    }
    int bad = 0;
    for (uint64_t t = 0; t < C && !bad; t++) {
        uint32_t f = remap[t];
        if (f == UINT32_MAX) continue;
        bad |= put_str(&tb, &M->term_off[f], ty_strmap_key(voc, (uint32_t)t, NULL));
        if (any_surf) bad |= put_str(&sb, &M->surf_off[f], surf[t] ? surf[t] : "");
        M->df[f] = t < B->nterms ? B->df[t] : cdf[t];
    }
    free(surf);
    if (bad) goto done;
    memcpy(M->idf, B->idf, B->nterms * sizeof *M->idf);
    ty_idf_compute(M->df + B->nterms, T - B->nterms, N, M->idf + B->nterms);
    M->term_blob = tb.p ? tb.p : ty_strdup("");
    M->term_blob_len = tb.len;
    tb = (ty_buf){0};
    if (any_surf) {
        M->surf_blob = sb.p ? sb.p : ty_strdup("");
        M->surf_blob_len = sb.len;
        sb = (ty_buf){0};
        if (!M->surf_blob) goto done;
    }
    if (!M->term_blob) goto done;
    /* phrases */
    uint64_t P = ty_strmap_size(phr);
    if (P) {
        M->nphrases = P;
        M->phr_off = ty_mallocarray(P, sizeof *M->phr_off);
        if (!M->phr_off) goto done;
        for (uint64_t p = 0; p < P; p++)
            if (put_str(&pb, &M->phr_off[p], ty_strmap_key(phr, (uint32_t)p, NULL))) goto done;
        M->phr_blob = pb.p;
        M->phr_blob_len = pb.len;
        pb = (ty_buf){0};
    }
    rc = TENYO_OK;
done:
    ty_strmap_free(voc);
    ty_strmap_free(phr);
    ty_buf_free(&tb);
    ty_buf_free(&sb);
    ty_buf_free(&pb);
    free(codes);
    free(cdf);
    free(remap);
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
        if (put_str(mb, &M->meta_off[n * TY_META_NSTR + s],
                    S->meta_blob + S->meta_off[d * TY_META_NSTR + s]))
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

/* Build the merged model M of the live documents (see the essay). */
static int merge_docs(merge *g, ty_model *M, ty_upd *u) {
    const ty_model *B = g->base;
    const uint64_t T0 = B->nterms, T = M->nterms, K = B->dim;
    int rc = TENYO_ERR_NOMEM;
    uint32_t *tt = NULL, *tc = NULL;
    float *scratch = NULL; /* ty_tfidf_prune's */
    ty_buf mb = {0};
    /* pass 1: live documents, and upper bounds of non-zeros, fields, phrases */
    uint64_t N = 0, nnz = 0, nfid = 0, nphr = 0, pos = 0, maxrow = 0;
    for (uint64_t d = 0; d < B->ndocs; d++, pos++) {
        if (g->dead[pos]) continue;
        N++;
        nnz += B->tfidf.rowptr[d + 1] - B->tfidf.rowptr[d];
        nfid += B->field_ptr[d + 1] - B->field_ptr[d];
        if (B->phr_ptr) nphr += B->phr_ptr[d + 1] - B->phr_ptr[d];
    }
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, pos++) {
            if (g->dead[pos]) continue;
            N++;
            uint64_t a = S->tfidf.rowptr[d], e = S->tfidf.rowptr[d + 1];
            nnz += e - a;
            if (e - a > maxrow) maxrow = e - a;
            nfid += S->field_ptr[d + 1] - S->field_ptr[d];
            if (S->phr_ptr) nphr += S->phr_ptr[d + 1] - S->phr_ptr[d];
        }
    }
    M->ndocs = N;
    /* arrays */
    ty_csr *A = &M->tfidf;
    A->nrows = N;
    A->ncols = T;
    A->rowptr = ty_calloc(N + 1, sizeof *A->rowptr);
    A->col = ty_mallocarray(nnz ? nnz : 1, sizeof *A->col);
    A->val = ty_mallocarray(nnz ? nnz : 1, sizeof *A->val);
    M->tf = ty_mallocarray(nnz ? nnz : 1, sizeof *M->tf);
    M->meta_off = ty_mallocarray(N ? N : 1, TY_META_NSTR * sizeof *M->meta_off);
    M->open = ty_mallocarray(N ? N : 1, 1);
    M->lang = ty_mallocarray(N ? N : 1, 1);
    M->field_ptr = ty_calloc(N + 1, sizeof *M->field_ptr);
    M->field_ids = ty_mallocarray(nfid ? nfid : 1, sizeof *M->field_ids);
    if (M->nphrases) {
        M->phr_ptr = ty_calloc(N + 1, sizeof *M->phr_ptr);
        M->phr_ids = ty_mallocarray(nphr ? nphr : 1, sizeof *M->phr_ids);
        if (!M->phr_ptr || !M->phr_ids) goto done;
    }
    if (K) {
        M->dim = (uint32_t)K;
        M->sigma = ty_mallocarray(K, sizeof *M->sigma);
        M->doc_q = ty_mallocarray(N ? N : 1, K);
        M->doc_qscale = ty_mallocarray(N ? N : 1, sizeof *M->doc_qscale);
        if (!M->sigma || !M->doc_q || !M->doc_qscale) goto done;
        if (B->doc_h) { /* float16 rows: the base's kept, added ones made */
            M->doc_h = ty_mallocarray(N ? N : 1, K * sizeof *M->doc_h);
            if (!M->doc_h) goto done;
        }
        memcpy(M->sigma, B->sigma, K * sizeof *M->sigma);
        /* the base's basis as it is held (codes, or floats from format 1);
         * terms new since the fit get zero rows */
        if (B->basis_q) {
            M->basis_q = ty_calloc(T ? T : 1, K);
            M->basis_qscale = ty_calloc(T ? T : 1, sizeof *M->basis_qscale);
            if (!M->basis_q || !M->basis_qscale) goto done;
            memcpy(M->basis_q, B->basis_q, T0 * K);
            memcpy(M->basis_qscale, B->basis_qscale, T0 * sizeof *M->basis_qscale);
        } else {
            M->basis = ty_calloc(T ? T : 1, K * sizeof *M->basis);
            if (!M->basis) goto done;
            memcpy(M->basis, B->basis, T0 * K * sizeof *M->basis);
        }
    }
    u->gpos = ty_mallocarray(N ? N : 1, sizeof *u->gpos);
    u->base_map = ty_mallocarray(B->ndocs ? B->ndocs : 1, sizeof *u->base_map);
    tt = ty_mallocarray(maxrow ? maxrow : 1, sizeof *tt);
    tc = ty_mallocarray(maxrow ? maxrow : 1, sizeof *tc);
    scratch = ty_mallocarray(maxrow ? maxrow : 1, sizeof *scratch);
    if (!A->rowptr || !A->col || !A->val || !M->tf || !M->meta_off || !M->open || !M->lang ||
        !M->field_ptr || !M->field_ids || !u->gpos || !u->base_map || !tt || !tc || !scratch)
        goto done;
    /* pass 2: copy base documents, weight and fold in segment documents */
    uint64_t n = 0, z = 0, fz = 0, pz = 0;
    pos = 0;
    for (uint64_t d = 0; d < B->ndocs; d++, pos++) {
        u->base_map[d] = UINT64_MAX;
        if (g->dead[pos]) {
            u->base_deleted++;
            continue;
        }
        u->base_map[d] = n;
        u->gpos[n] = pos;
        uint64_t a = B->tfidf.rowptr[d], e = B->tfidf.rowptr[d + 1];
        memcpy(A->col + z, B->tfidf.col + a, (e - a) * sizeof *A->col);
        memcpy(A->val + z, B->tfidf.val + a, (e - a) * sizeof *A->val);
        memcpy(M->tf + z, B->tf + a, (e - a) * sizeof *M->tf);
        for (uint64_t j = a; j < e; j++) u->mass += B->tf[j];
        z += e - a;
        A->rowptr[n + 1] = z;
        if (K && B->doc_q) { /* the stored codes as they are */
            memcpy(M->doc_q + n * K, B->doc_q + d * K, K);
            M->doc_qscale[n] = B->doc_qscale[d];
        } else if (K) { /* format 1: floats */
            int32_t sum;
            ty_q8_quantize(B->docvec + d * K, K, M->doc_q + n * K, &M->doc_qscale[n], &sum);
        }
        if (M->doc_h) memcpy(M->doc_h + n * K, B->doc_h + d * K, K * sizeof *M->doc_h);
        /* base phrases keep their ids */
        if (copy_doc(M, n, B, d, g->bfmap, NULL, &mb, &fz, &pz)) goto done;
        n++;
    }
    for (size_t i = 0; i < g->nseg; i++) {
        const ty_model *S = &g->seg[i];
        for (uint64_t d = 0; d < S->ndocs; d++, pos++) {
            if (g->dead[pos]) continue;
            u->gpos[n] = pos;
            uint64_t a = S->tfidf.rowptr[d], e = S->tfidf.rowptr[d + 1];
            size_t r = 0;
            for (uint64_t j = a; j < e; j++) {
                uint32_t t = g->tmap[i][S->tfidf.col[j]];
                if (t == UINT32_MAX) continue; /* below the df filter */
                tt[r] = t;
                tc[r] = S->tf[j];
                u->mass += tc[r];
                u->mass_added += tc[r];
                if (t >= T0) u->mass_new += tc[r];
                r++;
            }
            sort_pairs(tt, tc, r);
            memcpy(A->col + z, tt, r * sizeof *tt);
            memcpy(M->tf + z, tc, r * sizeof *tc);
            for (size_t j = 0; j < r; j++) A->val[z + j] = (float)tc[j];
            ty_tfidf_row(A->col + z, A->val + z, r, M->idf);
            if (B->max_terms && r > B->max_terms) /* the base's static pruning */
                r = ty_tfidf_prune(A->col + z, A->val + z, M->tf + z, r, B->max_terms, M->idf,
                                   scratch);
            if (K) {
                float v[TY_MAX_DIM];
                int32_t sum;
                ty_fold_in(M, A->col + z, A->val + z, r, v);
                ty_q8_quantize(v, K, M->doc_q + n * K, &M->doc_qscale[n], &sum);
                if (M->doc_h) ty_f16_from_floats(v, K, M->doc_h + n * K);
            }
            z += r;
            A->rowptr[n + 1] = z;
            if (copy_doc(M, n, S, d, g->fmap[i], g->pmap[i], &mb, &fz, &pz)) goto done;
            u->added++;
            n++;
        }
    }
    M->meta_blob = mb.p ? mb.p : ty_strdup("");
    M->meta_blob_len = mb.len;
    mb = (ty_buf){0};
    if (!M->meta_blob) goto done;
    for (uint64_t d = 0; d < N; d++)
        for (uint64_t j = M->field_ptr[d]; j < M->field_ptr[d + 1]; j++)
            M->field_count[M->field_ids[j]]++;
    /* a field whose documents were all deleted is no field of the index
     * (info and the map showed it with 0 documents): drop it, renumbering
     * the rest in order (the table stays sorted by code) */
    uint32_t nf = 0;
    uint16_t *fre = ty_mallocarray(M->nfields ? M->nfields : 1, sizeof *fre);
    if (!fre) goto done;
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
    rc = TENYO_OK;
done:
    ty_buf_free(&mb);
    free(tt);
    free(tc);
    free(scratch);
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
    M->common_blob = B->common_blob;
    M->common_len = B->common_len;
    B->ivf_blob = B->labels_blob = B->fm_blob = B->common_blob = NULL;
    M->file_bytes = B->file_bytes;
    M->nsections = B->nsections;
    memcpy(M->sections, B->sections, sizeof M->sections);
    return TENYO_OK;
}

int ty_seg_apply(const char *path, tenyo_index *x, char *err, size_t errlen) {
    ty_model *B = &x->m;
    char *dir = ty_upd_dir(path);
    if (!dir) return TENYO_ERR_NOMEM;
    ty_manifest mf;
    merge g = {0};
    x->upd.fit = ty_model_fit_id(B);
    ty_model M = {0};
    uint8_t *dead = NULL;
    uint64_t *del = NULL, ndel = 0;
    int rc = ty_manifest_read(dir, &mf, err, errlen);
    if (rc == TENYO_ERR_NOTFOUND) {
        /* the base says updates were committed for it: moved or copied
         * without its update directory (tenyo info warns) */
        x->upd.missing = B->updated;
        free(dir);
        return TENYO_OK;
    }
    if (rc) goto done;
    uint64_t fit = x->upd.fit;
    if (mf.fit != fit) {
        rc = SEG_STALE;
        goto done;
    }
    rc = TENYO_ERR_CORRUPT;
    if (mf.base_docs != B->ndocs) {
        ty_seterr(err, errlen, "%s/MANIFEST: made for a base of %llu documents, %s has %llu",
                  dir, (unsigned long long)mf.base_docs, path, (unsigned long long)B->ndocs);
        goto done;
    }
    {
        /* files committed after this manifest: an older copy was put back
         * (answering from it would bring deleted documents back and lose
         * segments); raced by two commits, it reads again */
        char nf[64];
        uint64_t ng = ty_upd_newest(dir, nf, sizeof nf);
        if (ng >= mf.generation + 2) {
            ty_seterr(err, errlen, "%s/MANIFEST generation %llu is older than %s beside it "
                      "(an older copy put back?)", dir, (unsigned long long)mf.generation, nf);
            rc = SEG_VANISHED;
            goto done;
        }
    }
    if (mf.nseg == 0 && !mf.del[0]) { /* nothing to apply */
        x->upd.generation = mf.generation;
        rc = TENYO_OK;
        goto done;
    }
    if (!ty_model_has_tf(B)) {
        ty_seterr(err, errlen, "%s: updates need the term counts of format 2; the base has none",
                  path);
        goto done;
    }
    rc = ty_model_need_tf(B, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    g.base = B;
    g.nseg = mf.nseg;
    g.seg = ty_calloc(mf.nseg ? mf.nseg : 1, sizeof *g.seg);
    g.segpos = ty_calloc(mf.nseg ? mf.nseg : 1, sizeof *g.segpos);
    g.tmap = ty_calloc(mf.nseg ? mf.nseg : 1, sizeof *g.tmap);
    g.pmap = ty_calloc(mf.nseg ? mf.nseg : 1, sizeof *g.pmap);
    g.fmap = ty_calloc(mf.nseg ? mf.nseg : 1, sizeof *g.fmap);
    if (!g.seg || !g.segpos || !g.tmap || !g.pmap || !g.fmap) goto done;
    uint64_t P = B->ndocs, bytes = 0;
    for (size_t i = 0; i < mf.nseg; i++) {
        char *sp = ty_upd_path(dir, mf.seg[i].file);
        if (!sp) goto done;
        rc = ty_store_read(sp, &g.seg[i], err, errlen);
        if (rc == TENYO_ERR_IO && access(sp, F_OK) != 0 && errno == ENOENT) rc = SEG_VANISHED;
        free(sp);
        if (rc) goto done;
        rc = ty_model_need_tf(&g.seg[i], err, errlen);
        if (rc) goto done;
        rc = TENYO_ERR_CORRUPT;
        const ty_model *S = &g.seg[i];
        if (S->ndocs != mf.seg[i].docs || !S->tf || !S->tokenizer || !B->tokenizer ||
            strcmp(S->tokenizer, B->tokenizer)) {
            ty_seterr(err, errlen, "%s/%s: segment does not match its manifest or base "
                      "(%llu documents, manifest says %llu; tokenizer %s)",
                      dir, mf.seg[i].file, (unsigned long long)S->ndocs,
                      (unsigned long long)mf.seg[i].docs,
                      S->tokenizer && B->tokenizer && !strcmp(S->tokenizer, B->tokenizer)
                          ? "same" : "differs");
            goto done;
        }
        g.segpos[i] = P;
        P += S->ndocs;
        bytes += S->file_bytes;
    }
    rc = TENYO_ERR_NOMEM;
    dead = ty_calloc(P ? P : 1, 1);
    if (!dead) goto done;
    if (mf.del[0]) {
        rc = ty_dels_read(dir, mf.del, P, &del, &ndel, err, errlen);
        if (rc == TENYO_ERR_NOTFOUND) rc = SEG_VANISHED;
        if (rc) goto done;
        if (ndel != mf.ndel) {
            rc = TENYO_ERR_CORRUPT;
            ty_seterr(err, errlen, "%s/%s: %llu deletions, the manifest says %llu", dir, mf.del,
                      (unsigned long long)ndel, (unsigned long long)mf.ndel);
            goto done;
        }
        for (uint64_t i = 0; i < ndel; i++) dead[del[i]] = 1;
        bytes += 32 + 8 * ndel;
    }
    g.dead = dead;
    ty_upd u = {0};
    rc = merge_tables(&g, &M);
    if (!rc) rc = merge_docs(&g, &M, &u);
    if (!rc) rc = carry_base(B, &M);
    if (!rc) { /* other numbers: the base's then each segment's lines (they
                * name ids, so a deleted or replaced document's lines find
                * nothing or its new version) */
        ty_buf nb = {0};
        int bad = B->numbers_blob && ty_buf_append(&nb, B->numbers_blob, B->numbers_len);
        for (size_t i = 0; i < mf.nseg && !bad; i++)
            bad = g.seg[i].numbers_blob &&
                  ty_buf_append(&nb, g.seg[i].numbers_blob, g.seg[i].numbers_len);
        if (bad || (nb.len && ty_buf_putc(&nb, 0))) {
            ty_buf_free(&nb);
            rc = TENYO_ERR_NOMEM;
        } else if (nb.len) {
            M.numbers_blob = nb.p;
            M.numbers_len = nb.len - 1;
        }
    }
    if (!rc) { /* abstracts: base and segments, by global position */
        int any = B->abs != NULL;
        for (size_t i = 0; i < mf.nseg; i++) any |= g.seg[i].abs != NULL;
        if (any) {
            ty_abs **parts = ty_mallocarray(mf.nseg + 1, sizeof *parts);
            uint64_t *first = ty_mallocarray(mf.nseg + 2, sizeof *first);
            if (parts && first) {
                parts[0] = B->abs;
                B->abs = NULL;
                first[0] = 0;
                for (size_t i = 0; i < mf.nseg; i++) {
                    parts[i + 1] = g.seg[i].abs;
                    g.seg[i].abs = NULL;
                    first[i + 1] = g.segpos[i];
                }
                first[mf.nseg + 1] = P;
                M.abs = ty_abs_compose(parts, first, (uint32_t)mf.nseg + 1, u.gpos, M.ndocs);
            }
            free(parts);
            free(first);
            if (!M.abs) rc = TENYO_ERR_NOMEM;
        }
    }
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
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: out of memory applying updates", path);
    for (size_t i = 0; g.seg && i < g.nseg; i++) {
        ty_model_free(&g.seg[i]);
        if (g.tmap) free(g.tmap[i]);
        if (g.pmap) free(g.pmap[i]);
        if (g.fmap) free(g.fmap[i]);
    }
    free(g.seg);
    free(g.segpos);
    free(g.tmap);
    free(g.pmap);
    free(g.fmap);
    free(g.bfmap);
    ty_model_free(&M);
    free(dead);
    free(del);
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
