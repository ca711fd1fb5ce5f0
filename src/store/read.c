/*
 * read.c — an index file to a ty_model (store/): ty_store_read loads and
 * checks every section; ty_store_read_lazy does the same but leaves the
 * sparse rows for their first use (ty_model_need_sparse), decoded then on
 * all cores. Also ty_model_need_tf and ty_model_free (which frees what
 * reading made, the lazy rows' reader included).
 *
 * Reading treats the file as hostile: the header checksum, counts bounded by
 * TY_MAX_*, every section inside the file, disjoint, the last one ending
 * the file, each raw size equal to the size the counts imply (checked with
 * overflow-checked products) and to the frame's content size, and no
 * larger than a zstd frame of that many bytes can expand to, all before
 * allocating; after decoding, the same invariant check the writer runs
 * (invariants.c: sorted columns, finite floats, singular values >= 0, blob
 * string counts, field ids in range and listed once per document, field
 * counts equal to the documents listing them, field codes unique). The writer
 * refusing what the reader would refuse keeps "written" and "loadable" the
 * same set. Nothing is allocated beyond a small multiple of the raw sizes
 * the table declares, each capped at STORE_MAX_RATIO times its frame's
 * stored bytes (the most a zstd frame can expand); the damaged variants in
 * tests/fixtures (tests/fixtures.sh) check every refusal and its message.
 *
 * Lazy rows. An index opened for queries (ty_store_read_lazy) checks every
 * section but tfidf.cols / tfidf.tf as above, and of those two only what
 * needs no read (present, sizes within the bounds the counts imply, no
 * more than their frames can expand to); the file stays open, and the rows
 * are decompressed, decoded, checked and weighted on all cores by the
 * first caller of ty_model_need_sparse (a TF-IDF or hybrid query, ideas, an
 * update, the writer, tenyo_index_load_all), once, under a mutex, with the
 * same messages as an eager read. On a 1M index that is 3.9 of the 5.2 s an
 * eager open took on 2 cores, and 1.36 of its 2.05 KB per document, which
 * an index used for LSA or approximate search never pays. Rejected:
 * decoding them on a background thread at open (the 2 cores are then
 * shared with the first queries, and the memory is paid anyway).
 * A keyword search's open (ty_store_read_lazy_terms) leaves the term
 * tables and the rows' lengths so too, for ty_model_need_terms (the rows'
 * needs call it): 13 MB raw and 25 of a 110 ms process at 1M documents.
 * Two optional sections are only located at open, each a handle with a
 * duplicate of the descriptor, read on first use: "abstracts" (abstracts.c)
 * and "keywords" (lazysec.c; a sharded index's is wrapped as read).
 * The document vectors and the documents' strings are read on threads of
 * their own beside the rest (each its own zstd context; damage reported in
 * the order an eager one-thread read meets it); a lazy read maps the codes
 * stored raw (format.h) instead, unmapped by ty_model_free.
 *
 * Threads. The sparse rows' decode is a fan-out over row ranges
 * (ty_parallel, util/parallel.c); the document vectors' thread overlaps
 * one section with the rest of a sequential load and is joined at the end
 * (a pthread pair: its damage outranks all but the basis').
 *
 * Sections from memory. A sharded index (shards_read.c) is checked file by file
 * here (ty_store_raw_read: header, table, every frame) and its sections
 * reassembled; ty_store_read_mem then runs the same decoder over them
 * (reader.mem: ty_rd_section copies instead of reading a frame), eagerly and
 * on one thread, so the one decoder and its checks serve both forms.
 *
 * The files (reader.h: the reader they share). This one: a file read whole
 * or lazily (ty_store_read_file; load.c picks it or the sharded reader),
 * the raw sections a sharded index is cut from, and freeing a model;
 * read_head.c: the header, the section table, one frame, the build record
 * (the lowest); read_rows.c: the sections into the model.
 */
#include "store/format.h"
#include "store/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
/* What a lazy read left (the rows, the vectors, or both): the reader, its
 * file still open until the model is freed. Rows and vectors each have
 * their own once, message and reader (zstd context, buffer): two threads
 * may decode them at the same time; both read the one descriptor with
 * pread. */
struct ty_lazy {
    ty_once once;              /* rows decoded or refused, once */
    ty_model *m;               /* the model whose rows these are */
    char err[TY_ERRLEN];       /* the refusal's message */
    reader r;                  /* path and fd its own */
    int rows;                  /* the rows were left */
    int vec;                   /* the vectors were left */
    ty_once vonce;             /* vectors decoded or refused, once */
    char verr[TY_ERRLEN];      /* their refusal's message */
    reader rv;                 /* r's path and fd, its own zstd and buffer */
    pthread_t vthr;            /* reading the vectors from the start of the
                                  read (ty_store_read_lazy_for, vectors) */
    int vthr_started;          /* ... not joined yet */
    ty_once bonce;             /* the rows' streams read for blocks, once */
    ty_rows *blk;              /* ... the blocks (rows.c); NULL: not so */
    char berr[TY_ERRLEN];      /* that read's refusal */
    int terms;                 /* the term tables and rows' lengths were left */
    uint64_t nnz;              /* ... the build record's non-zeros */
    ty_once tonce;             /* ... read and checked, once */
    char terr[TY_ERRLEN];      /* ... or refused */
    int fields;                /* the documents' field lists were left */
    ty_once fonce;             /* ... read and checked, once */
    char ferr[TY_ERRLEN];      /* ... or refused */
};

static void *lazy_vectors_run(void *arg);

/* Wait for the vectors' thread, if one runs. */
static void lazy_join(ty_lazy *z) {
    if (z && z->vthr_started) {
        pthread_join(z->vthr, NULL);
        z->vthr_started = 0;
    }
}

static void lazy_free(ty_lazy *z) {
    if (!z) return;
    lazy_join(z);
    if (z->r.fd >= 0) close(z->r.fd);
    ZSTD_freeDCtx(z->r.dctx);
    free(z->r.cbuf);
    ZSTD_freeDCtx(z->rv.dctx);
    free(z->rv.cbuf);
    free((char *)z->r.path);
    ty_rows_free(z->blk);
    ty_once_destroy(&z->once);
    ty_once_destroy(&z->vonce);
    ty_once_destroy(&z->bonce);
    ty_once_destroy(&z->tonce);
    ty_once_destroy(&z->fonce);
    free(z);
}

/* Zero r, open path for it and read and check the header and table: 0, or
 * the status with the message (r->fd closed by the caller when >= 0). */
static int rd_open(reader *r, const char *path, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->err = err;
    r->errlen = errlen;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
     * forever; it has no effect on the regular file read afterwards */
    r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (r->fd < 0) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TENYO_ERR_IO;
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ty_seterr(err, errlen, "%s: not a regular file", path);
        return TENYO_ERR_IO;
    }
    r->fsize = (uint64_t)st.st_size;
    return ty_rd_header(r);
}

/* What rd_open and the reads after it hold: the file, zstd, the buffer. */
static void rd_close(reader *r) {
    if (r->fd >= 0) close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    free(r->cbuf);
}

int ty_store_read_file(const char *path, ty_model *m, char *err, size_t errlen, int lazy) {
    if (!path || !m) return TENYO_ERR_ARG;
    memset(m, 0, sizeof *m);
    reader r;
    int rc = rd_open(&r, path, err, errlen);
    r.lazy = lazy != 0;
    r.prefetch_kw = (lazy & 2) != 0;
    r.numbers_on_need = (lazy & 8) != 0;
    r.terms_on_need = (lazy & 16) != 0;
    r.fields_on_need = (lazy & 32) != 0;
    if (rc) goto done;
    r.dctx = ZSTD_createDCtx();
    if (!r.dctx) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    uint64_t nnz = 0;
    rc = ty_rd_build(&r, m, &nnz);
    if (rc) goto done;
    ty_lazy *z = NULL;
    if (r.lazy) { /* a reader of its own (the file duplicated) for what waits */
        z = ty_calloc(1, sizeof *z);
        char *pc = z ? strdup(path) : NULL;
        int fd = pc ? fcntl(r.fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (fd < 0) {
            free(pc);
            free(z);
            ty_seterr(err, errlen, "%s: out of memory loading the index", path);
            rc = TENYO_ERR_NOMEM;
            goto done;
        }
        ty_once_init(&z->once);
        ty_once_init(&z->vonce);
        ty_once_init(&z->bonce);
        ty_once_init(&z->tonce);
        ty_once_init(&z->fonce);
        z->m = m;
        z->r = r;
        z->r.fd = fd;
        z->r.path = pc;
        z->r.err = z->err;
        z->r.errlen = sizeof z->err;
        z->r.dctx = NULL; /* made when needed */
        z->r.cbuf = NULL;
        z->r.ccap = 0;
        z->rv = z->r;
        z->rv.stream_q8 = (lazy & 128) || ((lazy & 64) && m->ndocs * (uint64_t)m->dim >=
                                                               TY_STREAM_CODES_MIN);
        z->rv.err = z->verr;
        z->rv.errlen = sizeof z->verr;
        m->lazy = z;
        /* the vectors named: their read starts now, beside every other
         * section's (a refusal of their sizes is left for ty_rd_sections to
         * make in its order) */
        if ((lazy & 4) && r.version >= 2 && !r.mem && ty_ncores() > 1) {
            int msg = err && errlen;
            char keep = msg ? err[0] : 0;
            if (ty_rd_vectors_defer(&r, m) == TENYO_OK) {
                z->vec = 1;
                z->vthr_started = pthread_create(&z->vthr, NULL, lazy_vectors_run, z) == 0;
            } else if (msg) {
                err[0] = keep;
            }
        }
    }
    rc = ty_rd_sections(&r, m, nnz);
    if (rc) goto done;
    if (z) {
        z->rows = r.deferred;
        z->vec = r.deferred_vec;
        z->terms = r.deferred_terms;
        z->fields = r.deferred_fields;
        z->nnz = nnz;
        m->rows_deferred = z->rows;
        if (!z->rows && !z->vec && !z->fields) { /* nothing waits: no reader kept */
            lazy_free(z);
            m->lazy = NULL;
        }
    }
    char why[TY_ERRLEN];
    m->format_version = r.version;
    if (ty_model_check(m, r.deferred_terms || r.deferred_fields ? TY_CHECK_TERMS_LATER : 1, why,
                       sizeof why)) {
        ty_seterr(err, errlen, "%s: section %s", path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->format_version = r.version;
    m->updated = r.updated;
    m->file_bytes = r.fsize;
    m->nsections = r.nsec;
    for (int i = 0; i < r.nsec; i++) {
        memcpy(m->sections[i].name, r.sec[i].name, 16);
        m->sections[i].stored = r.sec[i].stored;
        m->sections[i].raw = r.sec[i].raw;
    }
    rc = TENYO_OK;
done:
    rd_close(&r);
    if (rc) ty_model_free(m);
    return rc;
}

/* ============================================== raw sections, shards */

int ty_store_raw_read(const char *path, ty_rawfile *f, int with_abs, char *err,
                      size_t errlen) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    reader r;
    int rc = rd_open(&r, path, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    r.dctx = ZSTD_createDCtx();
    f->path = ty_strdup(path);
    if (!r.dctx || !f->path) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        goto done;
    }
    f->fsize = r.fsize;
    f->hsum = r.hsum;
    for (int i = 0; i < r.nsec; i++) {
        ty_rawsec *s = &f->sec[i];
        memcpy(s->name, r.sec[i].name, 16);
        s->off = r.sec[i].off;
        s->stored = r.sec[i].stored;
        s->raw = r.sec[i].raw;
        f->nsec = i + 1;
        if (!with_abs && strcmp(s->name, "abstracts") == 0) {
            if (!ty_rd_locate(&r, s->name, ABS_HEAD, UINT64_MAX, 0)) {
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
            continue;
        }
        void *p = NULL;
        uint64_t raw = 0;
        rc = ty_rd_section(&r, s->name, 0, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        ((unsigned char *)p)[raw] = 0;
        s->data = p;
    }
    f->fd = r.fd;
    r.fd = -1;
    rc = TENYO_OK;
done:
    rd_close(&r);
    if (rc) ty_rawfile_free(f);
    return rc;
}

void ty_rawfile_free(ty_rawfile *f) {
    if (!f) return;
    for (int i = 0; i < f->nsec; i++) free(f->sec[i].data);
    if (f->fd >= 0) close(f->fd);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

int ty_store_read_mem(const char *label, ty_rawsec *sec, int nsec, int partial,
                      ty_model *m, char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    m->partial = partial;
    if (nsec < 1 || nsec > TENYO_MAX_SECTIONS) return TENYO_ERR_ARG;
    reader r;
    memset(&r, 0, sizeof r);
    r.fd = -1;
    r.path = label;
    r.err = err;
    r.errlen = errlen;
    r.version = STORE_VERSION;
    r.mem = sec;
    r.partial = partial;
    r.nsec = nsec;
    for (int i = 0; i < nsec; i++) {
        memcpy(r.sec[i].name, sec[i].name, 16);
        r.sec[i].stored = r.sec[i].raw = sec[i].raw;
    }
    uint64_t nnz = 0;
    int rc = ty_rd_build(&r, m, &nnz);
    if (!rc) rc = ty_rd_sections(&r, m, nnz);
    char why[TY_ERRLEN];
    m->format_version = STORE_VERSION;
    if (!rc && ty_model_check(m, 1, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: section %s", label, why);
        rc = TENYO_ERR_CORRUPT;
    }
    if (rc) ty_model_free(m);
    return rc;
}

/* A reader of its own for one of what a lazy read left (z->r's file and
 * table: ty_rd_side). */
static int side_reader(const ty_lazy *z, reader *r, char *err, size_t errlen) {
    return ty_rd_side(&z->r, r, err, errlen);
}

/* The rows' streams read for decoding a block at a time (ty_once_run):
 * z->blk, or NULL where they cannot be read so (ty_rows_open's 1). A
 * reader of its own: z->r stays the whole decode's. */
static int lazy_blocks(void *arg) {
    ty_lazy *z = arg;
    reader r;
    int rc = side_reader(z, &r, z->berr, sizeof z->berr);
    if (!rc) rc = ty_rows_open(&r, z->m, &z->blk);
    if (rc == 1) rc = TENYO_OK;
    ty_rd_side_done(&r);
    return rc;
}

/* The rows' first whole use (ty_once_run): every block decoded where the
 * streams were read for blocks (what a block reader decoded stays, none
 * is freed under it), else the whole decode, leaving none behind. */
static int lazy_decode(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    int rc = ty_once_run(&z->bonce, lazy_blocks, z);
    if (rc) {
        ty_seterr(z->err, sizeof z->err, "%s", z->berr);
        return rc;
    }
    if (z->blk) return ty_rows_all(z->blk, m, z->err, sizeof z->err);
    z->r.dctx = ZSTD_createDCtx();
    if (z->r.dctx) {
        rc = ty_rd_rows(&z->r, m, m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0);
    } else {
        ty_seterr(z->err, sizeof z->err, "%s: out of memory", z->r.path);
        rc = TENYO_ERR_NOMEM;
    }
    if (rc) { /* nothing half-made is left to read */
        free(m->tfidf.col);
        free(m->tfidf.val);
        free(m->tf_leb);
        m->tfidf.col = NULL;
        m->tfidf.val = NULL;
        m->tf_leb = NULL;
        m->tf_leb_len = 0;
    }
    ZSTD_freeDCtx(z->r.dctx); /* the file stays open for the vectors */
    z->r.dctx = NULL;
    free(z->r.cbuf);
    z->r.cbuf = NULL;
    z->r.ccap = 0;
    return rc;
}

/* A q8 section's codes (mapped, or malloc'd when map is NULL) and
 * scales given back. */
static void q8_drop(int8_t **q, float **scale, void **map, size_t *len) {
    if (*map) munmap(*map, *len);
    else free(*q);
    free(*scale);
    *q = NULL;
    *scale = NULL;
    *map = NULL;
    *len = 0;
}

/* The vectors' first use (ty_once_run): decode them, or leave none. */
static int lazy_vectors(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    int rc;
    z->rv.dctx = ZSTD_createDCtx();
    if (z->rv.dctx) {
        rc = ty_rd_vectors(&z->rv, m);
    } else {
        ty_seterr(z->verr, sizeof z->verr, "%s: out of memory", z->rv.path);
        rc = TENYO_ERR_NOMEM;
    }
    if (rc) {
        q8_drop(&m->basis_q, &m->basis_qscale, &m->basis_qmap, &m->basis_qmap_len);
        q8_drop(&m->doc_q, &m->doc_qscale, &m->doc_qmap, &m->doc_qmap_len);
    }
    ZSTD_freeDCtx(z->rv.dctx);
    z->rv.dctx = NULL;
    free(z->rv.cbuf);
    z->rv.cbuf = NULL;
    z->rv.ccap = 0;
    return rc;
}

static void *lazy_vectors_run(void *arg) {
    ty_lazy *z = arg;
    (void)ty_once_run(&z->vonce, lazy_vectors, z); /* the outcome stays in the once */
    return NULL;
}

/* The term tables' and rows' lengths' first use (ty_once_run): read and
 * checked as an eager open reads and checks them, or none left. A reader
 * of its own (z->r stays the rows'). */
static int lazy_terms(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    reader r;
    int rc = side_reader(z, &r, z->terr, sizeof z->terr);
    if (!rc && !m->vmap) { /* the terms from "vocab.map" where it maps */
        int vm = ty_rd_vmap(&r, m);
        if (vm < 0) rc = vm;
    }
    if (!rc) rc = ty_rd_terms(&r, m);
    if (!rc) rc = ty_rd_rowptr(&r, m, z->nnz);
    char why[TY_ERRLEN];
    if (!rc && ty_model_check_terms(m, why, sizeof why)) {
        ty_seterr(z->terr, sizeof z->terr, "%s: section %s", r.path, why);
        rc = TENYO_ERR_CORRUPT;
    }
    if (rc) { /* none of them half-made */
        if (!m->term_blob_mapped) free(m->term_blob);
        m->term_blob_mapped = 0;
        free(m->term_off);
        free(m->df);
        free(m->idf);
        free(m->sigma);
        free(m->tfidf.rowptr);
        m->term_blob = NULL;
        m->term_off = NULL;
        m->df = NULL;
        m->idf = NULL;
        m->sigma = NULL;
        m->tfidf.rowptr = NULL;
        m->term_blob_len = 0;
    }
    ty_rd_side_done(&r);
    return rc;
}

/* The field lists' first use (ty_once_run), as lazy_terms. */
static int lazy_docfields(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    reader r;
    int rc = side_reader(z, &r, z->ferr, sizeof z->ferr);
    r.fields_on_need = 0; /* read now */
    if (!rc) rc = ty_rd_docfields(&r, m);
    char why[TY_ERRLEN];
    if (!rc && ty_model_check_docfields(m, why, sizeof why)) {
        ty_seterr(z->ferr, sizeof z->ferr, "%s: section %s", r.path, why);
        rc = TENYO_ERR_CORRUPT;
    }
    if (rc) {
        free(m->field_ptr);
        free(m->field_ids);
        m->field_ptr = NULL;
        m->field_ids = NULL;
    }
    ty_rd_side_done(&r);
    return rc;
}

int ty_model_need_docfields(const ty_model *m, char *err, size_t errlen) {
    ty_lazy *z = m->lazy;
    if (!z || !z->fields) return TENYO_OK;
    int rc = ty_once_run(&z->fonce, lazy_docfields, z);
    if (rc) ty_seterr(err, errlen, "%s", z->ferr);
    return rc;
}

int ty_model_need_terms(const ty_model *m, char *err, size_t errlen) {
    /* logically const, as ty_model_need_sparse */
    ty_lazy *z = m->lazy;
    if (!z || !z->terms) return TENYO_OK;
    int rc = ty_once_run(&z->tonce, lazy_terms, z);
    if (rc) ty_seterr(err, errlen, "%s", z->terr);
    return rc;
}

int ty_model_codes_streamed(const ty_model *m) {
    return m->lazy && m->lazy->rv.stream_q8; /* set before the vectors' read */
}

int ty_model_need_vectors(const ty_model *m, char *err, size_t errlen) {
    ty_lazy *z = m->lazy;
    if (!z || !z->vec) return TENYO_OK;
    int rc = ty_once_run(&z->vonce, lazy_vectors, z);
    if (rc) ty_seterr(err, errlen, "%s", z->verr);
    return rc;
}

int ty_model_need_sparse(const ty_model *m, char *err, size_t errlen) {
    /* The model is logically const: its rows were always its own, only not
     * decoded yet; readers see them after ty_once_run's release store, and
     * none reads them before. */
    ty_lazy *z = m->lazy;
    if (!z || !z->rows) return TENYO_OK;
    int rc = ty_model_need_terms(m, err, errlen);
    if (rc) return rc;
    rc = ty_once_run(&z->once, lazy_decode, z);
    if (rc) ty_seterr(err, errlen, "%s", z->err);
    return rc;
}

/* The rows of documents docs[k0..k1) (stride bytes apart) decoded from
 * their blocks: 0, or the first failure's status with its message. */
static int rows_get(ty_lazy *z, const uint64_t *docs, size_t stride, size_t k0, size_t k1,
                    char *err, size_t errlen) {
    for (size_t k = k0; k < k1; k++) {
        uint64_t d = *(const uint64_t *)(const void *)((const char *)docs + k * stride);
        int rc = ty_rows_get(z->blk, z->m, d, err, errlen);
        if (rc) return rc;
    }
    return TENYO_OK;
}

/* The documents of one part of ty_model_need_rows_nt's claim. */
typedef struct {
    ty_lazy *z;
    const uint64_t *docs;
    size_t n, stride;
} rows_job;

enum { ROWS_PARTS = 16 };    /* parts of the documents' list claimed */

static int rows_part(void *ud, int i, int np) {
    rows_job *j = ud;
    char msg[TY_ERRLEN];
    return rows_get(j->z, j->docs, j->stride, ty_split(j->n, i, np), ty_split(j->n, i + 1, np),
                    msg, sizeof msg);
}

int ty_model_need_rows_nt(const ty_model *m, const uint64_t *docs, size_t n, size_t stride,
                          int nt, char *err, size_t errlen) {
    ty_lazy *z = m->lazy;
    if (!z || !z->rows || ty_once_done(&z->once)) return TENYO_OK;
    int rc = ty_model_need_terms(m, err, errlen);
    if (rc) return rc;
    rc = ty_once_run(&z->bonce, lazy_blocks, z);
    if (rc) {
        ty_seterr(err, errlen, "%s", z->berr);
        return rc;
    }
    if (!z->blk) return ty_model_need_sparse(m, err, errlen);
    if (nt > 1 && n >= 2 * ROWS_PARTS) {
        /* each block decoded once, by whichever thread claims it first
         * (rows.c): the rows are the same whoever decodes them */
        rows_job j = {.z = z, .docs = docs, .n = n, .stride = stride};
        if (!ty_parallel_claim(nt, ROWS_PARTS, rows_part, &j)) return TENYO_OK;
    }
    /* one thread, or a failure told as one thread meets it first (a
     * damaged block stays damaged: rows.c) */
    return rows_get(z, docs, stride, 0, n, err, errlen);
}

int ty_model_need_rows(const ty_model *m, const uint64_t *docs, size_t n, size_t stride,
                       char *err, size_t errlen) {
    return ty_model_need_rows_nt(m, docs, n, stride, 1, err, errlen);
}

int ty_model_rows_decoded(const ty_model *m) {
    const ty_lazy *z = m->lazy;
    return !z || !z->rows || ty_once_done(&z->once);
}

int ty_model_need_tf(ty_model *m, char *err, size_t errlen) {
    int rc = ty_model_need_sparse(m, err, errlen);
    if (rc) return rc;
    if (m->tf || !m->tf_leb) return TENYO_OK;
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0, pos = 0;
    uint32_t *tf = ty_mallocarray(nnz ? nnz : 1, sizeof *tf);
    if (!tf) {
        ty_seterr(err, errlen, "out of memory decoding the term counts");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t j = 0; j < nnz; j++) { /* checked when loaded */
        uint64_t v = 0;
        if (ty_rd_leb_get(m->tf_leb, m->tf_leb_len, &pos, &v)) v = 0;
        tf[j] = (uint32_t)v;
    }
    m->tf = tf;
    free(m->tf_leb);
    m->tf_leb = NULL;
    m->tf_leb_len = 0;
    return TENYO_OK;
}

int ty_model_numbers(const ty_model *m, const char **p, uint64_t *len, char *err,
                     size_t errlen) {
    if (m->numbers_blob || !m->numbers_sec) {
        *p = m->numbers_blob;
        *len = m->numbers_blob ? m->numbers_len : 0;
        return TENYO_OK;
    }
    return ty_lazysec_get(m->numbers_sec, p, len, err, errlen);
}

/* ================================================================= free */

void ty_model_free(ty_model *m) {
    if (!m) return;
    lazy_join(m->lazy); /* its thread writes the vectors freed below */
    free(m->tokenizer);
    free(m->writer);
    free(m->mecab_dicdir);
    if (!m->term_blob_mapped) free(m->term_blob);
    free(m->term_off);
    if (m->vmap) munmap(m->vmap, m->vmap_len);
    if (m->idmap) munmap(m->idmap, m->idmap_len);
    free(m->df);
    free(m->idf);
    free(m->sigma);
    free(m->basis);
    q8_drop(&m->basis_q, &m->basis_qscale, &m->basis_qmap, &m->basis_qmap_len);
    free(m->docvec);
    free(m->doc_h);
    q8_drop(&m->doc_q, &m->doc_qscale, &m->doc_qmap, &m->doc_qmap_len);
    if (m->doc_qstream) close(m->doc_qfd);
    m->doc_qstream = 0;
    free(m->tfidf.rowptr); /* not ty_csr_free: the store needs no model/ */
    if (m->rows_mapped) {
        ty_map_free(m->tfidf.col, m->rows_mapped);
        ty_map_free(m->tfidf.val, m->rows_mapped);
    } else {
        free(m->tfidf.col);
        free(m->tfidf.val);
    }
    free(m->meta_blob);
    free(m->meta_off);
    ty_dm_free(m->dm);
    free(m->open);
    free(m->lang);
    free(m->field_ptr);
    free(m->field_ids);
    free(m->field_code);
    free(m->field_count);
    free(m->tf);
    free(m->tf_leb);
    free(m->surf_blob);
    free(m->surf_off);
    free(m->phr_blob);
    free(m->phr_off);
    free(m->phr_ptr);
    free(m->phr_ids);
    free(m->labels_blob);
    free(m->common_blob);
    free(m->numbers_blob);
    free(m->kw_blob);
    free(m->kw_frame);
    ty_lazysec_free(m->kw_sec);
    free(m->ivf_blob);
    free(m->fm_blob);
    ty_lazysec_free(m->fm_sec);
    ty_lazysec_free(m->numbers_sec);
    free(m->tf_blob);
    ty_lazysec_free(m->tf_sec);
    ty_lazysec_free(m->app_sec);
    ty_lazysec_free(m->tp_sec);
    free(m->tp_blob);
    free(m->abs_text);
    ty_abs_free(m->abs);
    lazy_free(m->lazy);
    free(m->shard_docs);
    free(m->shard_bytes);
    memset(m, 0, sizeof *m);
}
