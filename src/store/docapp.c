/*
 * docapp.c — the documents' first applicants as numbers (section
 * "docapp"): packed by the writer (ty_docapp_pack), read by a query
 * (ty_docapp_key), checked against the strings (ty_docapp_verify).
 *
 * What it answers. The neighbour vote's portfolio weights and the rule of
 * evidence of ideas (ideas/generate.c, ideas/pool.c) and match's fold of
 * one invention (ideas/match.c) ask one thing of a document's applicant:
 * is its first applicant (the applicant string up to the first comma;
 * none when that is empty) the same as another document's? Read from the
 * strings, the ~1,000 neighbours of one ideas query touch most blocks of
 * docmeta's layout 2 (338 of 475 at 60,620 documents), so the open decoded
 * every block on a thread for ideas and match (ty_meta_warm): about 35 ms
 * of CPU a query at 60k, 126 MB of strings at 1M. This column answers the
 * same question from one u32 a document.
 *
 * Layout (raw content; N = ndocs): 4N bytes, u32 little-endian per
 * document: 0 when it has no first applicant, else 1 + the rank of its
 * first applicant among the distinct first applicants of the file's
 * documents sorted bytewise (memcmp, a shorter prefix first). A pure
 * function of the strings: the same bytes whatever the threads or the
 * order the writer met them in, and two documents of the file have equal
 * non-zero numbers exactly when their first applicants are equal. One zstd
 * frame as every section: 242,480 bytes raw, 18,177 stored at 60,620
 * documents (2,267 distinct first applicants); 4 MB raw at 1M.
 *
 * Who writes it: ty_store_write (write.c) for every model but a segment of
 * updates (m->no_docapp: the merge numbers none), so tenyo index and
 * rebuild's refit; rebuild --no-ivf / --ivf of an index without updates
 * puts it into one written before it (api/update.c); ty_store_rewrite
 * copies it with the strings it numbers. Not a sharded index: tenyo-mpi's
 * shards make their strings on their own processes (no process could
 * number them), the one-process writer makes the same files, and the
 * shards' strings are docmeta's layout 1, read whole into the one model
 * the shards are read as: no block to spare.
 *
 * Who reads it: a query's open only locates it (read_rows.c, lazysec.c); the
 * first ty_docapp_key reads and decodes it whole (once, any thread). It
 * answers for a model it covers: read from one file, its N the model's. A
 * model merged with updates (api/segment.c) carries none, and an older
 * file has none: ty_docapp_key says so and its callers read the strings,
 * with the same answers. A damaged frame reads as no column (the strings
 * answer); check reports it, and a column whose numbers disagree with the
 * strings, naming the section (ty_docapp_verify), and check --repair drops
 * it. api/index.c starts docmeta's whole decode for ideas and match only
 * when the column is absent.
 */
#include "store/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One document's first applicant, for the sort. */
typedef struct app_ent {
    const char *s;             /* its bytes (in the model's strings) */
    uint32_t len;              /* up to the first comma */
    uint32_t doc;              /* the document */
} app_ent;

static int app_cmp(const void *a, const void *b) {
    const app_ent *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* The numbers of m's documents into col[0..ndocs) (host order). 0, or the
 * status with err. */
static int app_number(const ty_model *m, uint32_t *col, char *err, size_t errlen) {
    uint64_t nd = m->ndocs, n = 0;
    app_ent *e = ty_mallocarray(nd ? nd : 1, sizeof *e);
    if (!e) {
        ty_seterr(err, errlen, "out of memory numbering %llu documents' applicants",
                  (unsigned long long)nd);
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t d = 0; d < nd; d++) {
        const char *a = ty_meta_str(m, d, TY_META_APPLICANT);
        size_t l = strcspn(a, ",");
        col[d] = 0;
        if (l && l <= UINT32_MAX) e[n++] = (app_ent){a, (uint32_t)l, (uint32_t)d};
    }
    int rc = ty_meta_damage(m, err, errlen); /* a damaged block read as "" */
    if (!rc) {
        qsort(e, (size_t)n, sizeof *e, app_cmp);
        uint32_t k = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (!i || e[i].len != e[i - 1].len || memcmp(e[i].s, e[i - 1].s, e[i].len)) k++;
            col[e[i].doc] = k;
        }
    }
    free(e);
    return rc;
}

int ty_docapp_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t nd = m->ndocs;
    if (nd >= UINT32_MAX) { /* a number per document and the 0 must fit */
        ty_seterr(err, errlen, "%llu documents: too many to number their applicants",
                  (unsigned long long)nd);
        return TENYO_ERR_LIMIT;
    }
    uint32_t *col = ty_mallocarray(nd ? nd : 1, sizeof *col);
    int rc = col ? app_number(m, col, err, errlen) : TENYO_ERR_NOMEM;
    if (!col) ty_seterr(err, errlen, "out of memory numbering the applicants");
    if (!rc && ty_buf_reserve(out, (size_t)(4 * nd))) {
        ty_seterr(err, errlen, "out of memory for the section 'docapp'");
        rc = TENYO_ERR_NOMEM;
    }
    for (uint64_t d = 0; !rc && d < nd; d++)
        put_le32((unsigned char *)out->p + out->len + 4 * d, col[d]);
    if (!rc) {
        out->len += (size_t)(4 * nd);
        out->p[out->len] = 0;
    }
    free(col);
    return rc;
}

/* m's column (raw content), when it covers m's documents; else NULL. */
static const unsigned char *app_col(const ty_model *m) {
    if (!m->app_sec || ty_lazysec_size(m->app_sec) != 4 * m->ndocs) return NULL;
    const char *p;
    uint64_t n;
    if (ty_lazysec_get(m->app_sec, &p, &n, NULL, 0) || n != 4 * m->ndocs) return NULL;
    return (const unsigned char *)p;
}

int ty_docapp_has(const ty_model *m) {
    return m->app_sec && ty_lazysec_size(m->app_sec) == 4 * m->ndocs;
}

int ty_docapp_key(const ty_model *m, uint64_t d, uint32_t *key) {
    const unsigned char *c = app_col(m);
    if (!c) return 0;
    *key = d < m->ndocs ? get_le32(c + 4 * d) : 0;
    return 1;
}

int ty_docapp_verify(const ty_model *m, const char *path, char *err, size_t errlen) {
    if (!m->app_sec) return TENYO_OK;
    const char *p;
    uint64_t n, nd = m->ndocs;
    int rc = ty_lazysec_get(m->app_sec, &p, &n, err, errlen);
    if (rc) return rc;
    if (n != 4 * nd) {
        ty_seterr(err, errlen, "%s: section 'docapp' holds %llu bytes, expected %llu", path,
                  (unsigned long long)n, (unsigned long long)(4 * nd));
        return TENYO_ERR_CORRUPT;
    }
    uint32_t *col = ty_mallocarray(nd ? nd : 1, sizeof *col);
    rc = col ? app_number(m, col, err, errlen) : TENYO_ERR_NOMEM;
    if (!col) ty_seterr(err, errlen, "out of memory numbering the applicants");
    for (uint64_t d = 0; !rc && d < nd; d++) {
        uint32_t got = get_le32((const unsigned char *)p + 4 * d);
        if (got != col[d]) {
            ty_seterr(err, errlen, "%s: section 'docapp' is inconsistent with docmeta: "
                      "document %llu (%s) has number %u, its first applicant's is %u", path,
                      (unsigned long long)d, ty_meta_str(m, d, TY_META_ID), got, col[d]);
            rc = TENYO_ERR_CORRUPT;
        }
    }
    free(col);
    return rc;
}
