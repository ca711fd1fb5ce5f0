/*
 * map.c — the landscape map: technical fields (IPC subclasses) placed in
 * two dimensions so that an analyst sees at a glance where a patent sits,
 * which fields surround it and how far a proposed application travels.
 *
 * Method. Every field gets a centroid in the LSA space: the sum of the
 * (unit) vectors of its documents, L2-normalised — a direction, like the
 * documents themselves, so that fields and documents can be drawn on the
 * same axes and cosine closeness reads as nearness. The axes are the first
 * two principal components of the centroids, each centroid weighted by its
 * field's document count: eigenvectors of the weighted covariance
 *   C = sum_f w_f (c_f - mu)(c_f - mu)^T / sum_f w_f,  mu = weighted mean,
 * formed with one cblas_dsyrk and solved for its two largest eigenpairs with
 * LAPACKE_dsyevr (dim x dim, at most 4096; in practice 256). A document or a
 * query vector q lands at ((q - mu) . a0, (q - mu) . a1).
 *
 * Choices and what was rejected:
 *   - Weighting by field size: with equal weights, the long tail of fields
 *     that hold one or two stray documents (hundreds of them in a real
 *     corpus) steers the axes with the noise of single abstracts; weighted,
 *     the axes follow where the corpus actually is and the small fields are
 *     still placed, just not allowed to define the picture.
 *   - PCA rather than a non-linear embedding (t-SNE, UMAP, MDS on cosine
 *     distances): linear axes are deterministic, need no tuning, take
 *     milliseconds, and — what the server needs — any new query text can be
 *     projected exactly onto the same picture; t-SNE cannot place a new
 *     point without re-running.
 *   - Double precision for the centroids and the covariance: the singular
 *     values of field centroids are close together and float cancellation
 *     in C would reorder the axes between BLAS builds.
 *   - Signs: eigenvectors are defined up to sign, so each axis is flipped
 *     to make its largest-magnitude component positive (first index on
 *     ties); the picture is then the same on every machine and run.
 * This file adapts cblas/LAPACKE like model/svd.c and does no I/O.
 */
#include "ideas/ideas.h"

#include "model/blas.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The map: axes, mean and the field coordinates computed once. */
struct tenyo_map {
    const tenyo_index *idx; /* index mapped (borrowed; outlives the map) */
    uint32_t dim;           /* LSA rank of the index */
    uint32_t nfields;       /* fields in the index */
    double *mean;           /* dim: weighted mean of the field centroids */
    double *axis;           /* 2 x dim row-major: principal axes 0 and 1 */
    double share[2];        /* share of the weighted variance per axis */
    double *fxy;            /* nfields x 2: field coordinates */
    float *cent;            /* nfields x dim: unit field centroids (for the
                               true similarities the picture only suggests) */
};

/* ============================================================ building */

/* Flip v (length n) so that its largest-magnitude entry is positive. */
static void fix_sign(double *v, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(v[i]) > fabs(v[best])) best = i;
    if (v[best] < 0)
        for (size_t i = 0; i < n; i++) v[i] = -v[i];
}

/* Project the float vector q (dim entries) on the map's axes. */
static void project_f(const tenyo_map *m, const float *q, double xy[2]) {
    double x = 0, y = 0;
    for (uint32_t i = 0; i < m->dim; i++) {
        double d = (double)q[i] - m->mean[i];
        x += d * m->axis[i];
        y += d * m->axis[m->dim + i];
    }
    xy[0] = x;
    xy[1] = y;
}

/* Centroid directions of all fields into cent (nfields x dim, zeroed by the
 * caller): sum of the member documents' vectors, then L2-normalised (a
 * field whose documents all lack terms keeps a zero row). */
static void field_centroids(const tenyo_index *x, double *cent) {
    const ty_model *mm = &x->m;
    const size_t k = mm->dim;
    float v[TY_MAX_DIM];
    for (uint64_t d = 0; d < mm->ndocs; d++) {
        ty_q8_row(&x->q8, d, v);
        for (uint64_t j = mm->field_ptr[d]; j < mm->field_ptr[d + 1]; j++) {
            double *c = cent + (size_t)mm->field_ids[j] * k;
            for (size_t i = 0; i < k; i++) c[i] += v[i];
        }
    }
    for (uint32_t f = 0; f < mm->nfields; f++) {
        double *c = cent + (size_t)f * k, s = 0;
        for (size_t i = 0; i < k; i++) s += c[i] * c[i];
        if (s > 0) {
            s = 1.0 / sqrt(s);
            for (size_t i = 0; i < k; i++) c[i] *= s;
        }
    }
}

/* Weighted PCA of the unit centroids cent (nfields x dim): mean into
 * map->mean, the two leading eigenvectors into map->axis and their
 * variance shares into map->share. */
static int principal_axes(tenyo_map *map, const ty_model *mm, const double *cent,
                          char *err, size_t errlen) {
    const size_t k = map->dim, nf = map->nfields;
    int rc = TENYO_ERR_NOMEM;
    double *b = NULL, *cov = NULL, *z = NULL, w[2] = {0, 0}, total = 0;
    for (size_t f = 0; f < nf; f++) total += (double)mm->field_count[f];
    if (!(total > 0)) {
        ty_seterr(err, errlen, "landscape map: the fields hold no documents");
        rc = TENYO_ERR_EMPTY;
        goto done;
    }
    b = ty_mallocarray(nf * k, sizeof *b); /* nf * k checked by the caller */
    cov = ty_calloc(k * k, sizeof *cov);   /* k <= TY_MAX_DIM */
    z = ty_calloc(k * 2, sizeof *z);
    if (!b || !cov || !z) {
        ty_seterr(err, errlen, "landscape map: out of memory for %zu fields x %zu dimensions",
                  nf, k);
        goto done;
    }
    for (size_t f = 0; f < nf; f++) {
        double wf = (double)mm->field_count[f] / total;
        for (size_t i = 0; i < k; i++) map->mean[i] += wf * cent[f * k + i];
    }
    /* rows of B: sqrt(w_f) (c_f - mu), so that B^T B is the covariance */
    for (size_t f = 0; f < nf; f++) {
        double s = sqrt((double)mm->field_count[f] / total);
        for (size_t i = 0; i < k; i++) b[f * k + i] = s * (cent[f * k + i] - map->mean[i]);
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nf, 1.0, b, (int)k,
                0.0, cov, (int)k);
    double trace = 0;
    for (size_t i = 0; i < k; i++) trace += cov[i * k + i];
    /* the two largest eigenpairs (LAPACK numbers them ascending, from 1) */
    lapack_int il = k > 1 ? (lapack_int)k - 1 : 1, iu = (lapack_int)k, found = 0;
    lapack_int isuppz[4];
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)k, cov,
                                     (lapack_int)k, 0.0, 0.0, il, iu, 0.0, &found, w, z,
                                     2, isuppz);
    if (info != 0 || found < 1) {
        ty_seterr(err, errlen, "landscape map: eigen-solver failed (LAPACK info %d)", (int)info);
        rc = TENYO_ERR_DEPENDENCY;
        goto done;
    }
    /* column found-1 holds the largest eigenvalue's vector, column 0 the next */
    for (size_t i = 0; i < k; i++) {
        map->axis[i] = z[i * 2 + (size_t)(found - 1)];
        map->axis[k + i] = found > 1 ? z[i * 2] : 0.0;
    }
    fix_sign(map->axis, k);
    if (found > 1) fix_sign(map->axis + k, k);
    double e0 = w[found - 1] > 0 ? w[found - 1] : 0, e1 = found > 1 && w[0] > 0 ? w[0] : 0;
    map->share[0] = trace > 0 ? fmin(e0 / trace, 1.0) : 0;
    map->share[1] = trace > 0 ? fmin(e1 / trace, map->share[0]) : 0;
    rc = TENYO_OK;
done:
    free(b);
    free(cov);
    free(z);
    return rc;
}

int tenyo_map_new(const tenyo_index *idx, tenyo_map **out, char *err,
                  size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!idx) return TENYO_ERR_ARG;
    const ty_model *mm = &idx->m;
    int vrc = ty_index_need_vectors(idx, err, errlen);
    if (vrc) return vrc;
    if (mm->dim == 0 || !idx->q8.q || mm->nfields == 0) {
        ty_seterr(err, errlen, "landscape map: the index has %s",
                  mm->nfields ? "no LSA vectors" : "no classified documents (no fields)");
        return TENYO_ERR_EMPTY;
    }
    int rc = ty_model_need_docfields(mm, err, errlen); /* the fields' centroids */
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    double *cent = NULL;
    size_t cells = 0;
    tenyo_map *map = calloc(1, sizeof *map);
    if (map && !ty_mul_overflow(mm->nfields, mm->dim, &cells)) {
        map->idx = idx;
        map->dim = mm->dim;
        map->nfields = mm->nfields;
        cent = ty_calloc(cells, sizeof *cent);
        map->mean = ty_calloc(mm->dim, sizeof *map->mean);
        map->axis = ty_calloc((size_t)mm->dim * 2, sizeof *map->axis);
        map->fxy = ty_calloc((size_t)mm->nfields * 2, sizeof *map->fxy);
    }
    if (!map || !cent || !map->mean || !map->axis || !map->fxy) {
        ty_seterr(err, errlen, "landscape map: out of memory for %u fields x %u dimensions",
                  mm->nfields, mm->dim);
        goto done;
    }
    field_centroids(idx, cent);
    rc = principal_axes(map, mm, cent, err, errlen);
    if (rc) goto done;
    const size_t k = mm->dim;
    for (uint32_t f = 0; f < mm->nfields; f++) {
        double x = 0, y = 0;
        for (size_t i = 0; i < k; i++) {
            double d = cent[(size_t)f * k + i] - map->mean[i];
            x += d * map->axis[i];
            y += d * map->axis[k + i];
        }
        map->fxy[2 * (size_t)f] = x;
        map->fxy[2 * (size_t)f + 1] = y;
    }
    map->cent = ty_mallocarray(cells, sizeof *map->cent);
    if (!map->cent) {
        ty_seterr(err, errlen, "landscape map: out of memory for %u fields x %u dimensions",
                  mm->nfields, mm->dim);
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < cells; i++) map->cent[i] = (float)cent[i];
    *out = map;
    map = NULL;
done:
    free(cent);
    tenyo_map_free(map);
    return rc;
}

void tenyo_map_free(tenyo_map *m) {
    if (!m) return;
    free(m->mean);
    free(m->axis);
    free(m->fxy);
    free(m->cent);
    free(m);
}

/* ============================================================= queries */

void tenyo_map_variance(const tenyo_map *m, double share[2]) {
    if (!share) return;
    share[0] = m ? m->share[0] : 0;
    share[1] = m ? m->share[1] : 0;
}

int tenyo_map_field(const tenyo_map *m, uint32_t j, double xy[2]) {
    if (!m || !xy || j >= m->nfields) return TENYO_ERR_ARG;
    xy[0] = m->fxy[2 * (size_t)j];
    xy[1] = m->fxy[2 * (size_t)j + 1];
    return TENYO_OK;
}

int tenyo_map_doc(const tenyo_map *m, uint64_t doc, double xy[2]) {
    if (!m || !xy || doc >= m->idx->m.ndocs) return TENYO_ERR_ARG;
    float v[TY_MAX_DIM];
    ty_q8_row(&m->idx->q8, doc, v);
    project_f(m, v, xy);
    return TENYO_OK;
}

int tenyo_map_query(const tenyo_map *m, const tenyo_ctx *c, double xy[2]) {
    if (!m || !c || !xy || c->idx != m->idx || !c->qlsa) return TENYO_ERR_ARG;
    int any = 0;
    for (uint32_t i = 0; i < m->dim && !any; i++) any = c->qlsa[i] != 0.0f;
    if (!any) return TENYO_ERR_ARG; /* no query yet, or no LSA weight */
    project_f(m, c->qlsa, xy);
    return TENYO_OK;
}

/* Cosine similarity of the vector q (dim entries) with every field
 * centroid, into sim[0..min(n, nfields)); the count written. A zero q gives
 * zeros. */
static size_t similarities(const tenyo_map *m, const float *q, double *sim, size_t n) {
    double qq = 0;
    for (uint32_t i = 0; i < m->dim; i++) qq += (double)q[i] * q[i];
    double inv = qq > 0 ? 1.0 / sqrt(qq) : 0;
    if (n > m->nfields) n = m->nfields;
    for (size_t f = 0; f < n; f++) {
        const float *c = m->cent + f * m->dim;
        double d = 0;
        for (uint32_t i = 0; i < m->dim; i++) d += (double)q[i] * c[i];
        sim[f] = d * inv;
    }
    return n;
}

int tenyo_map_doc_similarity(const tenyo_map *m, uint64_t doc, double *sim, size_t n) {
    if (!m || (n && !sim) || doc >= m->idx->m.ndocs) return TENYO_ERR_ARG;
    float v[TY_MAX_DIM];
    ty_q8_row(&m->idx->q8, doc, v);
    return (int)similarities(m, v, sim, n);
}

int tenyo_map_query_similarity(const tenyo_map *m, const tenyo_ctx *c, double *sim, size_t n) {
    double xy[2];
    if (!m || (n && !sim)) return TENYO_ERR_ARG;
    int rc = tenyo_map_query(m, c, xy); /* the same checks: a query with LSA weight */
    if (rc) return rc;
    return (int)similarities(m, c->qlsa, sim, n);
}

/* ============================================================== labels */

/*
 * Label placement. A map whose labels pile on each other is read as
 * decoration, so the labels that matter (the caller orders them: home
 * fields, proposals, the largest fields) are placed greedily in that order,
 * each at the first free one of eight positions around its marker — the
 * classic point-feature candidate model (Christensen, Marks and Shieber
 * 1995), with the right-hand position first as cartographers prefer. A box
 * is free when it stays inside the picture, overlaps no box placed before
 * it and no marker of the list (so a label never hides the dot of a
 * proposal, an evidence patent or the query; the background dots of
 * unlabelled fields are soft: only a label the caller marks important —
 * home, proposals — may cover them, and only when no place is free).
 * Greedy rather than simulated
 * annealing: a hundred labels at most, the important ones first, and the
 * same answer on every run; what does not fit is left out, the table beside
 * the map lists it. Pure geometry in the caller's units, no I/O.
 */

#define MAP_LABEL_GAP 2.0 /* units between a marker and its label */

/* 1 when the rectangle (x, y, w, h) and the circle (cx, cy, r) overlap. */
static int box_hits_circle(double x, double y, double w, double h, double cx, double cy,
                           double r) {
    double nx = cx < x ? x : cx > x + w ? x + w : cx;
    double ny = cy < y ? y : cy > y + h ? y + h : cy;
    double dx = cx - nx, dy = cy - ny;
    return dx * dx + dy * dy < r * r;
}

/* 1 when two rectangles overlap (touching edges do not). */
static int box_hits_box(double ax, double ay, double aw, double ah, double bx, double by,
                        double bw, double bh) {
    return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

static int finite_pos(double v) { return isfinite(v) && v > 0; }

int tenyo_map_place_labels(tenyo_map_label *l, size_t n, double width, double height) {
    if (n && !l) return TENYO_ERR_ARG;
    if (!finite_pos(width) || !finite_pos(height)) return TENYO_ERR_ARG;
    int placed = 0;
    for (size_t i = 0; i < n; i++) l[i].placed = 0, l[i].bx = l[i].by = 0;
    for (size_t i = 0; i < n; i++) {
        tenyo_map_label *a = &l[i];
        if (!(a->w > 0) || !finite_pos(a->h) || !isfinite(a->w) || !isfinite(a->x) ||
            !isfinite(a->y) || !isfinite(a->r) || a->r < 0)
            continue;
        const double w = a->w, h = a->h, g = MAP_LABEL_GAP;
        const double r = a->r, d = a->r * 0.7071067811865476; /* r / sqrt 2 */
        const double cand[8][2] = {
            {a->x + r + g, a->y - h / 2},         /* right */
            {a->x - r - g - w, a->y - h / 2},     /* left */
            {a->x - w / 2, a->y - r - g - h},     /* above */
            {a->x - w / 2, a->y + r + g},         /* below */
            {a->x + d + g, a->y - d - g - h},     /* above right */
            {a->x - d - g - w, a->y - d - g - h}, /* above left */
            {a->x + d + g, a->y + d + g},         /* below right */
            {a->x - d - g - w, a->y + d + g},     /* below left */
        };
        /* pass 0 avoids every marker; pass 1, for an important label only,
         * lets it cover the soft (background) ones */
        for (int pass = 0; pass < (a->important ? 2 : 1) && !a->placed; pass++) {
            for (int c = 0; c < 8 && !a->placed; c++) {
                double x = cand[c][0], y = cand[c][1];
                if (x < 0 || y < 0 || x + w > width || y + h > height) continue;
                int free_ = 1;
                for (size_t j = 0; j < n && free_; j++) {
                    const tenyo_map_label *b = &l[j];
                    if (b->placed && box_hits_box(x, y, w, h, b->bx, b->by, b->w, b->h))
                        free_ = 0;
                    else if (j != i && b->r > 0 && isfinite(b->r) && !(pass && b->soft) &&
                             box_hits_circle(x, y, w, h, b->x, b->y, b->r))
                        free_ = 0;
                }
                if (free_) {
                    a->bx = x;
                    a->by = y;
                    a->placed = 1;
                    placed++;
                }
            }
        }
    }
    return placed;
}
