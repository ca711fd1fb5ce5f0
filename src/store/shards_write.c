/*
 * shards_write.c — writing a sharded index (store/; layout: format.h, "A
 * sharded index"; the manifest and the sections' cut: shards.c): a whole
 * file's raw sections cut into a shared part and one file per shard of
 * contiguous documents, each shard's file written where its pieces are,
 * the manifest replaced last.
 *
 * Design. Writing cuts a whole file's raw sections: write.c's one section
 * code encodes the model into memory, raw (ty_store_encode_raw, every
 * invariant checked), the shared part is written from its sections, and
 * each shard's per-document pieces are cut out as one message
 * (ty_shards_piece: raw bytes, its "shard" section and its abstracts'
 * text) that ty_shards_write_piece turns into the shard's file, packing
 * its abstracts and compressing (the store's one zstd writer), anywhere:
 * in this process (ty_store_write_shards) or in the process that owns
 * the shard (tenyo-mpi index --shards, src/mpi/tenyo_mpi.c), which
 * reports the file's size and header checksum; the writer checks each
 * file against its report (ty_shards_done) and replaces the manifest last
 * (ty_shards_commit: temporary file, fsync, rename), so a writer killed
 * at any point, in any process, leaves the previous manifest and the
 * files it names (collected afterwards: ty_shards_collect). Both ways go
 * through the same steps, so their files are the same bytes.
 *
 * Rows from elsewhere (tenyo-mpi --shards: no process holds every row).
 * ty_shards_begin_meta encodes the model without its rows' and vectors'
 * sections (docvec.q8, tfidf.*, docvec.f16; write.c leaves them out and
 * counts the non-zeros it is given), so the shared part and the metadata
 * pieces need no row; the processes that hold the rows encode each
 * shard's part of them with write.c's same section code
 * (ty_shards_rows_piece over a matrix of just those rows: every
 * document's bytes in those sections are its own row's and vector's, so
 * the part is the cut), and the shard's writer joins the parts (part A of
 * each, then part B, as the read assembles shards) and puts them in the
 * file's section order (ty_shards_write_pieces). The same bytes as the
 * whole model's cut (tests/mpi.sh: every file of tenyo-mpi index
 * --shards against tenyo index --shards).
 *
 * Text from elsewhere (tenyo-mpi --shards: no process holds every
 * document's text). ty_shards_begin_meta with docs_elsewhere leaves out
 * "docmeta" (write.c encodes the rest; the model has none, the invariant
 * check skips it: TY_CHECK_NO_DOCS) and cuts no abstracts' text; the
 * pieces say so (flag 2) and whether the index has abstracts (flag 1),
 * and the shard's writer, which made its documents' strings itself,
 * gives ty_shards_write_parts the docmeta section's raw bytes (its
 * documents' TY_META_NSTR strings in order: that section is only the
 * strings, so its cut is exactly them) and their abstracts' text, each
 * checked to hold one document's strings per document, put in the
 * file's order and packed as the piece's own would be.
 *
 * Rejected: cutting from the model's arrays, or a second encoder of the
 * per-document sections for a process's own rows (every layout would be
 * written twice; the rows' part is write.c's own code run on fewer rows);
 * writing a whole temporary file, reading it back and decompressing it to
 * be cut (one extra write and read of the index; the raw sections are
 * what that read would produce, without the file). The cost: every
 * section's raw bytes in memory at once, the shared ones freed once the
 * shared part is written, plus one shard's piece at a time.
 *
 * Left: the pieces of the globally numbered per-document sections
 * (docflags, docfields, phrase.docs) are cut on the process that numbers
 * them (tenyo-mpi's rank 0) and sent to the shards' writers; a rows
 * piece is not checked against the vocabulary where it is joined (the
 * reader checks every shard); updates (tenyo add / delete / rebuild)
 * refuse a sharded index.
 */
#include "store/format.h"
#include "store/shards.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A sharded write under way (store.h, ty_shards_begin): the model's
 * sections raw, where each shard's pieces are cut, the manifest made as
 * the shards are reported. */
struct ty_shards_out {
    ty_model *m;               /* the model written (the caller's) */
    char *path;                /* the manifest's path (malloc'd) */
    char *dir;                 /* its directory (malloc'd) */
    char *base;                /* its file name (malloc'd) */
    ty_rawfile f;              /* m's sections raw, no "abstracts"; the
                                  shared ones freed once written */
    uint64_t nd, dim;          /* documents, rank */
    uint32_t n;                /* shards */
    uint64_t *at;              /* n + 1 boundaries (document numbers) */
    uint64_t *aoff;            /* m->abs_text's offsets at them, or NULL */
    int docs_elsewhere;        /* docmeta and the abstracts' text are made by
                                  the shards' writers (ty_shards_write_parts) */
    int has_abs;               /* then: the index has abstracts */
    int nper;                  /* per-document sections in f */
    int perj[TENYO_MAX_SECTIONS];     /* their places in f.sec */
    uint64_t *bo[TENYO_MAX_SECTIONS]; /* their part B offsets at the boundaries */
    shard_mf mf;               /* the manifest: the shared part, the shards
                                  as they are reported */
    uint8_t *done;             /* n flags: shard reported */
    uint64_t total;            /* bytes of the files written so far */
};

/* Where the cuts of a whole file fall: for each shard boundary b (document
 * number), the offsets of part B of every per-document section. */
typedef struct cutter {
    const ty_rawfile *f;       /* the whole file, raw */
    uint64_t nd, dim;          /* documents, rank */
    uint32_t nb;               /* boundaries (shards + 1) */
    const uint64_t *at;        /* the boundaries' document numbers */
} cutter;

/* The offsets in part B of section s (of kind pd) at every boundary into
 * off[nb]; -1 when the content disagrees (a bug: the sections were just
 * encoded from a checked model). */
static int cut_offsets(const cutter *c, const ty_rawsec *s, const perdoc *pd,
                       uint64_t *off) {
    const unsigned char *p = s->data;
    uint64_t alen = ty_perdoc_unit(pd, c->dim) * c->nd;
    if (alen > s->raw) return -1;
    const unsigned char *b = p + alen;
    uint64_t blen = s->raw - alen;
    const ty_rawsec *rows = ty_rawsec_find(c->f, "tfidf.rows");
    const ty_rawsec *cnt = pd->b == B_FIELDS ? ty_rawsec_find(c->f, "docfields")
                         : pd->b == B_PHR    ? ty_rawsec_find(c->f, "phrase.docs") : rows;
    uint64_t doc = 0, acc = 0, pos = 0, vals = 0, unit = 0;
    for (uint32_t k = 0; k < c->nb; k++) {
        uint64_t want = c->at[k];
        switch (pd->b) {
        case B_NONE: off[k] = 0; break;
        case B_FIXED: off[k] = (pd->a < 0 ? 4 : 1) * want; break;
        case B_META: /* TY_META_NSTR strings per document */
            while (doc < want * TY_META_NSTR) {
                const unsigned char *z = pos < blen ? memchr(b + pos, 0, blen - pos) : NULL;
                if (!z) return -1;
                pos = (uint64_t)(z - b) + 1;
                doc++;
            }
            off[k] = pos;
            break;
        default: /* a prefix sum of u32 counts, in values */
            if (!cnt || cnt->raw < 4 * c->nd) return -1;
            while (doc < want) acc += get_le32(cnt->data + 4 * doc++);
            unit = pd->b == B_FIELDS ? 2 : 4;
            if (pd->b == B_LEB) { /* LEB128: count value ends */
                while (vals < acc && pos < blen)
                    if (!(b[pos++] & 0x80)) vals++;
                if (vals != acc) return -1;
                off[k] = pos;
            } else {
                off[k] = unit * acc;
            }
        }
        if (off[k] > blen) return -1;
    }
    return 0;
}

/* The generation after the one at path (1 when none is readable). */
static uint64_t next_gen(const char *path) {
    shard_mf mf;
    char e[TY_ERRLEN];
    if (!ty_shards_sniff(path) || ty_mf_read(path, &mf, e, sizeof e)) return 1;
    uint64_t g = mf.gen + 1;
    ty_mf_free(&mf);
    return g;
}

void ty_shards_out_free(ty_shards_out *o) {
    if (!o) return;
    ty_rawfile_free(&o->f);
    for (int q = 0; q < o->nper; q++) free(o->bo[q]);
    free(o->at);
    free(o->aoff);
    free(o->done);
    ty_mf_free(&o->mf);
    free(o->path);
    free(o->dir);
    free(o->base);
    free(o);
}

uint64_t ty_shards_first(uint64_t ndocs, uint32_t nshards, uint32_t i) {
    return i >= nshards ? ndocs : ndocs * i / nshards;
}

static int out_nomem(const char *path, char *err, size_t errlen) {
    ty_seterr(err, errlen, "%s: out of memory writing the shards", path);
    return TENYO_ERR_NOMEM;
}

/* The sections just encoded from a checked model did not cut (a bug). */
static int out_bug(const char *path, char *err, size_t errlen) {
    ty_seterr(err, errlen, "%s: the index's sections could not be cut into shards", path);
    return TENYO_ERR_IO;
}

/* nshards (1..TY_MAX_SHARDS) shards starting at first[] (NULL: even) are
 * contiguous documents from 0 to nd. */
static int check_cut(const char *path, uint32_t nshards, const uint64_t *first, uint64_t nd,
                     char *err, size_t errlen) {
    int badcut = nshards < 1 || nshards > TY_MAX_SHARDS;
    for (uint32_t i = 0; first && !badcut && i < nshards; i++)
        badcut = (i == 0 && first[0] != 0) || (i && first[i] < first[i - 1]) || first[i] > nd;
    if (!badcut) return TENYO_OK;
    ty_seterr(err, errlen, "%s: %u shards (1..%d) of contiguous documents from 0 to %llu",
              path, nshards, TY_MAX_SHARDS, (unsigned long long)nd);
    return TENYO_ERR_ARG;
}

/* A new writer of m at path: its names, its boundaries, its manifest's
 * slots; NULL out of memory. */
static ty_shards_out *out_new(ty_model *m, const char *path, uint32_t nshards,
                              const uint64_t *first, int docs_elsewhere, int has_abs) {
    ty_shards_out *o = ty_calloc(1, sizeof *o);
    if (!o) return NULL;
    o->f.fd = -1;
    o->m = m;
    o->nd = m->ndocs;
    o->dim = m->dim;
    o->n = nshards;
    o->docs_elsewhere = docs_elsewhere;
    o->has_abs = docs_elsewhere ? has_abs != 0 : m->abs_text != NULL;
    const char *base;
    o->path = ty_strdup(path);
    o->dir = ty_shards_dir(path, &base);
    o->base = ty_strdup(base);
    o->at = ty_calloc((size_t)nshards + 1, sizeof *o->at);
    o->done = ty_calloc(nshards, 1);
    o->mf.s = ty_calloc(nshards, sizeof *o->mf.s);
    if (!o->path || !o->dir || !o->base || !o->at || !o->done || !o->mf.s) {
        ty_shards_out_free(o);
        return NULL;
    }
    for (uint32_t i = 0; i <= nshards; i++)
        o->at[i] = i == nshards ? o->nd : first ? first[i] : ty_shards_first(o->nd, nshards, i);
    return o;
}

/* The abstracts' string offsets at the boundaries (o->aoff). */
static int abs_cuts(ty_shards_out *o, char *err, size_t errlen) {
    o->aoff = ty_calloc((size_t)o->n + 1, sizeof *o->aoff);
    if (!o->aoff) return out_nomem(o->path, err, errlen);
    const char *abs = o->m->abs_text;
    uint64_t d = 0, pos = 0, alen = o->m->abs_text_len;
    for (uint32_t k = 0; k <= o->n; k++) {
        while (d < o->at[k]) {
            const char *z = pos < alen ? memchr(abs + pos, 0, (size_t)(alen - pos)) : NULL;
            if (!z) return out_bug(o->path, err, errlen);
            pos = (uint64_t)(z - abs) + 1;
            d++;
        }
        o->aoff[k] = pos;
    }
    return TENYO_OK;
}

/* Where every per-document section of o->f is cut at the boundaries
 * (o->perj, o->bo), and the abstracts' text when it is here. */
static int find_cuts(ty_shards_out *o, char *err, size_t errlen) {
    cutter c = {.f = &o->f, .nd = o->nd, .dim = o->dim, .nb = o->n + 1, .at = o->at};
    for (int j = 0; j < o->f.nsec; j++) {
        const perdoc *pd = ty_perdoc_of(o->f.sec[j].name);
        if (!pd) continue;
        uint64_t *bo = ty_calloc((size_t)o->n + 1, sizeof *bo);
        if (!bo) return out_nomem(o->path, err, errlen);
        o->bo[o->nper] = bo;
        o->perj[o->nper++] = j;
        if (cut_offsets(&c, &o->f.sec[j], pd, bo)) return out_bug(o->path, err, errlen);
    }
    if (o->m->abs_text && !o->docs_elsewhere) return abs_cuts(o, err, errlen);
    return TENYO_OK;
}

/* The shared part, written now (its checksum goes into every shard); its
 * sections are not needed after. Without the keyword index: a tenyo-mpi
 * writer holds no process with every document's text, so a sharded index
 * searches keywords by the scan, whoever wrote it (the same bytes both
 * ways). */
static int write_shared(ty_shards_out *o, char *err, size_t errlen) {
    ty_rawsec sec[TENYO_MAX_SECTIONS];
    int n = 0;
    for (int j = 0; j < o->f.nsec; j++)
        if (!ty_perdoc_of(o->f.sec[j].name) && strcmp(o->f.sec[j].name, "keywords"))
            sec[n++] = o->f.sec[j];
    snprintf(o->mf.shared.name, MF_NAME, "%s.%llu.shared", o->base,
             (unsigned long long)o->mf.gen);
    char *sp = ty_upd_path(o->dir, o->mf.shared.name);
    if (!sp) return out_nomem(o->path, err, errlen);
    int rc = ty_store_write_raw(sp, sec, n, &o->mf.shared.bytes, &o->mf.shared.hsum, err,
                                errlen);
    free(sp);
    if (rc && rc != TENYO_ERR_UNSYNCED) return rc;
    o->total = o->mf.shared.bytes;
    for (int j = 0; j < o->f.nsec; j++)
        if (!ty_perdoc_of(o->f.sec[j].name)) {
            free(o->f.sec[j].data);
            o->f.sec[j].data = NULL;
        }
    return TENYO_OK;
}

/* ty_shards_begin, and with no_rows ty_shards_begin_meta (nnz: every
 * process's non-zeros; with docs_elsewhere no docmeta nor abstracts' text
 * here, has_abs: whether the index has abstracts). */
static int begin(ty_model *m, const char *path, uint32_t nshards, const uint64_t *first,
                 int no_rows, uint64_t nnz, int docs_elsewhere, int has_abs,
                 ty_shards_out **out, char *err, size_t errlen) {
    *out = NULL;
    if (!m || !path || !*path) return TENYO_ERR_ARG;
    int rc = check_cut(path, nshards, first, m->ndocs, err, errlen);
    if (rc) return rc;
    ty_shards_out *o = out_new(m, path, nshards, first, no_rows && docs_elsewhere, has_abs);
    if (!o) return out_nomem(path, err, errlen);
    /* the sections, raw, by write.c's one encoder (the model checked);
     * no_rows: without the rows' and vectors', which come to each shard's
     * writer from where they are (ty_shards_rows_piece) */
    rc = no_rows ? ty_store_encode_meta(m, path, nnz, o->docs_elsewhere, &o->f, err, errlen)
                 : ty_store_encode_raw(m, path, 0, &o->f, err, errlen);
    if (!rc) {
        o->mf.gen = next_gen(path);
        o->mf.ndocs = o->nd;
        o->mf.n = nshards;
        rc = find_cuts(o, err, errlen);
    }
    if (!rc) rc = write_shared(o, err, errlen);
    if (rc) {
        ty_shards_out_free(o);
        return rc;
    }
    *out = o;
    return TENYO_OK;
}

int ty_shards_begin(ty_model *m, const char *path, uint32_t nshards, const uint64_t *first,
                    ty_shards_out **out, char *err, size_t errlen) {
    return begin(m, path, nshards, first, 0, 0, 0, 0, out, err, errlen);
}

int ty_shards_begin_meta(ty_model *m, const char *path, uint32_t nshards, uint64_t nnz,
                         int docs_elsewhere, int has_abs, ty_shards_out **out, char *err,
                         size_t errlen) {
    return begin(m, path, nshards, NULL, 1, nnz, docs_elsewhere, has_abs, out, err, errlen);
}

const char *ty_shards_shared(const ty_shards_out *o, uint64_t *bytes) {
    *bytes = o->mf.shared.bytes;
    return o->mf.shared.name;
}

/* A piece (ty_shards_piece), little-endian:
 *   0   8  "TYSHARD1"
 *   8   4  the shard's number
 *   12  4  sections that follow (its "shard" section first)
 *   16  8  its documents
 *   24  8  bytes of its abstracts' text (NUL-terminated strings)
 *   32  4  flags: 1 the index has abstracts; 2 the docmeta section and
 *          the abstracts' text are not here: the writer makes them
 *          (ty_shards_write_parts)
 *   36  4  bytes L of the file's path
 *   40  L  the path (no NUL)
 *   then per section: name (16, NUL-padded), u64 raw bytes, the bytes;
 *   then the abstracts' text. */
#define PIECE_MAGIC "TYSHARD1"
#define PIECE_HEAD 40u

int ty_shards_piece(const ty_shards_out *o, uint32_t i, void **p, size_t *len, char *err,
                    size_t errlen) {
    *p = NULL;
    *len = 0;
    if (!o || i >= o->n) return TENYO_ERR_ARG;
    uint64_t d0 = o->at[i], d1 = o->at[i + 1];
    char info[256];
    int il = snprintf(info, sizeof info,
                      "first=%llu\ndocs=%llu\nshard=%u\nshards=%u\nshared=%016llx\n",
                      (unsigned long long)d0, (unsigned long long)(d1 - d0), i, o->n,
                      (unsigned long long)o->mf.shared.hsum);
    char name[MF_NAME + 32];
    snprintf(name, sizeof name, "%s.%llu.s%03u", o->base, (unsigned long long)o->mf.gen, i);
    char *path = ty_upd_path(o->dir, name);
    if (!path) goto nomem;
    uint64_t pl = strlen(path), a0 = o->aoff ? o->aoff[i] : 0, a1 = o->aoff ? o->aoff[i + 1] : 0;
    uint64_t size = PIECE_HEAD + pl + 24 + (uint64_t)il + (a1 - a0);
    for (int q = 0; q < o->nper; q++) {
        const ty_rawsec *s = &o->f.sec[o->perj[q]];
        uint64_t unit = ty_perdoc_unit(ty_perdoc_of(s->name), o->dim);
        size += 24 + unit * (d1 - d0) + o->bo[q][i + 1] - o->bo[q][i];
    }
    unsigned char *b = size < SIZE_MAX ? ty_malloc((size_t)size) : NULL;
    if (!b) {
        free(path);
        goto nomem;
    }
    memcpy(b, PIECE_MAGIC, 8);
    put_le32(b + 8, i);
    put_le32(b + 12, (uint32_t)o->nper + 1);
    put_le64(b + 16, d1 - d0);
    put_le64(b + 24, a1 - a0);
    put_le32(b + 32, (uint32_t)o->has_abs | (o->docs_elsewhere ? 2u : 0u));
    put_le32(b + 36, (uint32_t)pl);
    memcpy(b + PIECE_HEAD, path, (size_t)pl);
    free(path);
    unsigned char *w = b + PIECE_HEAD + pl;
    memset(w, 0, 16);
    memcpy(w, "shard", 5);
    put_le64(w + 16, (uint64_t)il);
    memcpy(w + 24, info, (size_t)il);
    w += 24 + il;
    for (int q = 0; q < o->nper; q++) { /* part A of its documents, then part B */
        const ty_rawsec *s = &o->f.sec[o->perj[q]];
        uint64_t unit = ty_perdoc_unit(ty_perdoc_of(s->name), o->dim);
        uint64_t an = unit * (d1 - d0), bb = unit * o->nd + o->bo[q][i];
        uint64_t bn = o->bo[q][i + 1] - o->bo[q][i];
        memcpy(w, s->name, 16);
        put_le64(w + 16, an + bn);
        memcpy(w + 24, s->data + unit * d0, (size_t)an);
        memcpy(w + 24 + an, s->data + bb, (size_t)bn);
        w += 24 + an + bn;
    }
    if (a1 > a0) memcpy(w, o->m->abs_text + a0, (size_t)(a1 - a0));
    *p = b;
    *len = (size_t)size;
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "%s: out of memory for shard %u's pieces", o->path, i);
    return TENYO_ERR_NOMEM;
}

/* A rows piece (ty_shards_rows_piece), little-endian:
 *   0   8  "TYROWS01"
 *   8   4  sections that follow
 *   12  4  the vectors' floats (dim)
 *   16  8  its documents
 *   then per section: name (16, NUL-padded), u64 raw bytes, the bytes. */
#define ROWS_MAGIC "TYROWS01"
#define ROWS_HEAD 24u

int ty_shards_rows_piece(const ty_csr *a, const uint32_t *tf, const float *docvec,
                         const uint16_t *doc_h, uint32_t dim, void **p, size_t *len,
                         char *err, size_t errlen) {
    *p = NULL;
    *len = 0;
    ty_rawfile f;
    int rc = ty_store_encode_rows(a, tf, docvec, doc_h, dim, "a shard's rows", &f, err, errlen);
    if (rc) return rc;
    uint64_t size = ROWS_HEAD;
    for (int j = 0; j < f.nsec; j++) size += 24 + f.sec[j].raw;
    unsigned char *b = size < SIZE_MAX ? ty_malloc((size_t)size) : NULL;
    if (!b) {
        ty_rawfile_free(&f);
        ty_seterr(err, errlen, "out of memory for a shard's rows");
        return TENYO_ERR_NOMEM;
    }
    memcpy(b, ROWS_MAGIC, 8);
    put_le32(b + 8, (uint32_t)f.nsec);
    put_le32(b + 12, dim);
    put_le64(b + 16, a->nrows);
    unsigned char *w = b + ROWS_HEAD;
    for (int j = 0; j < f.nsec; j++) {
        memcpy(w, f.sec[j].name, 16);
        put_le64(w + 16, f.sec[j].raw);
        if (f.sec[j].raw) memcpy(w + 24, f.sec[j].data, (size_t)f.sec[j].raw);
        w += 24 + f.sec[j].raw;
    }
    ty_rawfile_free(&f);
    *p = b;
    *len = (size_t)size;
    return TENYO_OK;
}

/* The sections of rows pieces rows[0..n) (of consecutive documents, in
 * order) joined into one per section, as the whole file's cut at those
 * documents (part A of each piece, then part B of each: the read's
 * assembly, ty_shards_read_part); out[*nout] malloc'd (NUL after each);
 * docs: the documents they hold in all. 0, or -1: malformed. */
static int join_rows(const void *const *rows, const size_t *rowlen, int n, ty_rawsec *out,
                     int *nout, uint64_t *docs) {
    *nout = 0;
    *docs = 0;
    uint32_t nsec = 0, dim = 0;
    for (int r = 0; r < n; r++) { /* every piece: the same sections, sized */
        const unsigned char *b = rows[r];
        if (rowlen[r] < ROWS_HEAD || memcmp(b, ROWS_MAGIC, 8)) return -1;
        uint32_t ns = get_le32(b + 8), dm = get_le32(b + 12);
        if (ns >= TENYO_MAX_SECTIONS || dm > TY_MAX_DIM || (r && (ns != nsec || dm != dim)))
            return -1;
        nsec = ns;
        dim = dm;
        uint64_t d = get_le64(b + 16), at = ROWS_HEAD;
        for (uint32_t j = 0; j < ns; j++) {
            if (rowlen[r] - at < 24) return -1;
            const perdoc *pd = ty_perdoc_of((const char *)b + at);
            uint64_t raw = get_le64(b + at + 16);
            if (!pd || memchr(b + at, 0, 16) == NULL || raw > rowlen[r] - at - 24 ||
                raw < ty_perdoc_unit(pd, dim) * d || (r && strncmp((const char *)b + at,
                                                            out[j].name, 16)))
                return -1;
            if (!r) memcpy(out[j].name, b + at, 16);
            out[j].raw += raw;
            at += 24 + raw;
        }
        if (at != rowlen[r]) return -1;
        *docs += d;
    }
    for (uint32_t j = 0; j < nsec; j++) {
        out[j].data = ty_malloc((size_t)out[j].raw + 1);
        if (!out[j].data) return -2;
        *nout = (int)j + 1;
        uint64_t unit = ty_perdoc_unit(ty_perdoc_of(out[j].name), dim), w = 0;
        for (int part = 0; part < 2; part++)
            for (int r = 0; r < n; r++) {
                const unsigned char *b = rows[r];
                uint64_t d = get_le64(b + 16), at = ROWS_HEAD;
                for (uint32_t q = 0; q < j; q++) at += 24 + get_le64(b + at + 16);
                uint64_t raw = get_le64(b + at + 16), alen = unit * d;
                uint64_t lo = part ? alen : 0, hi = part ? raw : alen;
                if (hi > lo) memcpy(out[j].data + w, b + at + 24 + lo, (size_t)(hi - lo));
                w += hi - lo;
            }
        out[j].data[w] = 0;
    }
    return 0;
}

int ty_shards_write_piece(const void *piece, size_t len, ty_shard_report *rep, char *err,
                          size_t errlen) {
    return ty_shards_write_pieces(piece, len, NULL, NULL, 0, rep, err, errlen);
}

int ty_shards_write_pieces(const void *piece, size_t len, const void *const *rows,
                           const size_t *rowlen, int nrows, ty_shard_report *rep, char *err,
                           size_t errlen) {
    return ty_shards_write_parts(piece, len, rows, rowlen, nrows, NULL, 0, NULL, 0, rep, err,
                                 errlen);
}

/* A piece being written into its shard's file (ty_shards_write_parts):
 * its header, and the file's sections in order (those of the piece point
 * into it, read only). */
typedef struct piece_in {
    const unsigned char *b;    /* the piece */
    size_t len;                /* its bytes */
    uint32_t shard, nsec;      /* its number, its sections */
    uint32_t has_abs;          /* the index has abstracts */
    uint32_t elsewhere;        /* docmeta and the abstracts' text come apart */
    uint64_t docs, alen, pl;   /* documents, abstracts' text bytes, path bytes */
    const char *text;          /* the abstracts' text in the piece */
    ty_rawsec ss[TENYO_MAX_SECTIONS]; /* the file's sections */
    int ns;                    /* entries in ss */
} piece_in;

/* The piece's fixed header, checked: 0, or -1 malformed. */
static int piece_head(piece_in *pc) {
    const unsigned char *b = pc->b;
    if (!b || pc->len < PIECE_HEAD || memcmp(b, PIECE_MAGIC, 8)) return -1;
    uint32_t flags = get_le32(b + 32);
    pc->shard = get_le32(b + 8);
    pc->nsec = get_le32(b + 12);
    pc->has_abs = flags & 1;
    pc->elsewhere = (flags & 2) != 0;
    pc->docs = get_le64(b + 16);
    pc->alen = get_le64(b + 24);
    pc->pl = get_le32(b + 36);
    if (pc->nsec < 1 || pc->nsec >= TENYO_MAX_SECTIONS || flags > 3 || pc->pl == 0 ||
        pc->pl > pc->len - PIECE_HEAD)
        return -1;
    return 0;
}

/* 1 when p[0..n) is exactly k NUL-terminated strings. */
static int nstrings(const char *p, uint64_t n, uint64_t k) {
    uint64_t z = 0;
    for (const char *q = p, *e = p + n; q < e; q++) {
        q = memchr(q, 0, (size_t)(e - q));
        if (!q) return 0;
        z++;
    }
    return z == k && (n == 0 || p[n - 1] == 0);
}

/* 1 when docmeta and the abstracts' text come from the writer exactly
 * when the piece says so, each holding its documents' strings. */
static int parts_agree(const piece_in *pc, const char *docmeta, size_t dmlen, const char *abs,
                       size_t abslen) {
    return pc->elsewhere == (docmeta != NULL) && !(!pc->elsewhere && abs) &&
           !(pc->elsewhere && pc->has_abs != (abs != NULL)) &&
           !(docmeta && !nstrings(docmeta, dmlen, pc->docs * TY_META_NSTR)) &&
           !(abs && !nstrings(abs, abslen, pc->docs));
}

/* The piece's sections (after its header and path) into pc->ss, and its
 * abstracts' text after them: 0, or -1 malformed. */
static int piece_sections(piece_in *pc) {
    const unsigned char *b = pc->b;
    size_t len = pc->len;
    uint64_t at = PIECE_HEAD + pc->pl;
    for (uint32_t k = 0; k < pc->nsec; k++) {
        ty_rawsec *s = &pc->ss[k];
        if (len - at < 24) return -1;
        memcpy(s->name, b + at, 15);
        s->raw = get_le64(b + at + 16);
        at += 24;
        if (s->raw > len - at) return -1;
        s->data = (unsigned char *)b + at; /* read only */
        at += s->raw;
    }
    if (pc->alen != len - at || (!pc->has_abs && pc->alen) || (pc->elsewhere && pc->alen))
        return -1;
    pc->text = (const char *)b + at;
    pc->ns = (int)pc->nsec;
    return 0;
}

/* Section x into pc->ss at its place in the file's order, after "shard"
 * (room for it checked by the caller). */
static void insert_sec(piece_in *pc, const ty_rawsec *x) {
    int at = pc->ns;
    while (at > 1 && ty_sec_rank(pc->ss[at - 1].name) > ty_sec_rank(x->name)) at--;
    memmove(&pc->ss[at + 1], &pc->ss[at], (size_t)(pc->ns - at) * sizeof *pc->ss);
    pc->ss[at] = *x;
    pc->ns++;
}

/* The shard's own "abstracts" (its documents' text from the writer, abs,
 * or from the piece), packed into pk and added last. */
static int pack_abstracts(piece_in *pc, const char *abs, size_t abslen, ty_buf *pk,
                          char *err, size_t errlen) {
    ty_model sub;
    memset(&sub, 0, sizeof sub);
    sub.ndocs = pc->docs;
    sub.abs_text = abs ? (char *)abs : (char *)pc->text;
    sub.abs_text_len = abs ? abslen : pc->alen;
    int rc = ty_abs_pack(&sub, pk, err, errlen);
    if (rc) return rc;
    ty_rawsec *s = &pc->ss[pc->ns++];
    memcpy(s->name, "abstracts", 9);
    s->data = (unsigned char *)pk->p;
    s->raw = pk->len;
    return TENYO_OK;
}

int ty_shards_write_parts(const void *piece, size_t len, const void *const *rows,
                          const size_t *rowlen, int nrows, const char *docmeta, size_t dmlen,
                          const char *abs, size_t abslen, ty_shard_report *rep, char *err,
                          size_t errlen) {
    memset(rep, 0, sizeof *rep);
    piece_in in, *pc = &in;
    memset(pc, 0, sizeof *pc);
    ty_rawsec js[TENYO_MAX_SECTIONS]; /* the rows' sections, joined */
    int nj = 0;
    memset(js, 0, sizeof js);
    ty_buf pk = {0};
    char *path = NULL;
    const char *name = NULL;
    int rc = TENYO_ERR_CORRUPT;
    pc->b = piece;
    pc->len = len;
    if (piece_head(pc) || nrows < 0 || (nrows && (!rows || !rowlen)) ||
        !parts_agree(pc, docmeta, dmlen, abs, abslen))
        goto bad;
    path = ty_strndup((const char *)pc->b + PIECE_HEAD, (size_t)pc->pl);
    if (!path) goto nomem;
    const char *slash = strrchr(path, '/');
    name = slash ? slash + 1 : path;
    if (strlen(path) != pc->pl || !ty_mf_name_ok(name) || piece_sections(pc)) goto bad;
    if (docmeta) { /* the writer's docmeta, in its file place */
        if (pc->ns + 1 >= TENYO_MAX_SECTIONS) goto bad;
        ty_rawsec dm;
        memset(&dm, 0, sizeof dm);
        memcpy(dm.name, "docmeta", 7);
        dm.data = (unsigned char *)docmeta; /* read only */
        dm.raw = dmlen;
        insert_sec(pc, &dm);
    }
    if (nrows > 0) { /* the rows' sections, joined, in their file places */
        uint64_t rd = 0;
        int jr = join_rows(rows, rowlen, nrows, js, &nj, &rd);
        if (jr == -2) goto nomem;
        if (jr || rd != pc->docs || pc->ns + nj >= TENYO_MAX_SECTIONS) goto bad;
        for (int q = 0; q < nj; q++) insert_sec(pc, &js[q]);
    }
    if (pc->has_abs && (rc = pack_abstracts(pc, abs, abslen, &pk, err, errlen))) goto done;
    rc = ty_store_write_raw(path, pc->ss, pc->ns, &rep->bytes, &rep->hsum, err, errlen);
    if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_OK; /* in place; the manifest's sync follows */
    if (rc) goto done;
    rep->shard = pc->shard;
    snprintf(rep->name, sizeof rep->name, "%.255s", name);
    goto done;
bad:
    ty_seterr(err, errlen, "a shard's pieces are malformed (%zu bytes)", len);
    rc = TENYO_ERR_CORRUPT;
    goto done;
nomem:
    ty_seterr(err, errlen, "out of memory writing a shard");
    rc = TENYO_ERR_NOMEM;
done:
    for (int q = 0; q < nj; q++) free(js[q].data);
    ty_buf_free(&pk);
    free(path);
    return rc;
}

/* The size and stored header checksum of the index file at path, the
 * checksum verified against the header (byte 20 taken as 0). 0, or -1. */
static int file_head(const char *path, uint64_t *size, uint64_t *hsum) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    unsigned char h[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    struct stat st;
    int ok = fstat(fd, &st) == 0 && pread(fd, h, STORE_FIXED, 0) == (ssize_t)STORE_FIXED &&
             memcmp(h, STORE_MAGIC, 8) == 0;
    uint32_t n = ok ? get_le32(h + 16) : 0;
    size_t hl = STORE_FIXED + STORE_ENTRY * (size_t)n;
    ok = ok && n >= 1 && n <= TENYO_MAX_SECTIONS &&
         pread(fd, h, hl + 8, 0) == (ssize_t)(hl + 8);
    close(fd);
    if (!ok) return -1;
    h[STORE_UPDATED_AT] = 0;
    *size = (uint64_t)st.st_size;
    *hsum = get_le64(h + hl);
    return ty_fnv1a_std(h, hl) == *hsum ? 0 : -1;
}

int ty_shards_done(ty_shards_out *o, const ty_shard_report *rep, char *err, size_t errlen) {
    if (!o || !rep) return TENYO_ERR_ARG;
    uint32_t i = rep->shard;
    char name[MF_NAME + 32];
    snprintf(name, sizeof name, "%s.%llu.s%03u", o->base, (unsigned long long)o->mf.gen, i);
    if (i >= o->n || o->done[i] || strncmp(rep->name, name, sizeof rep->name)) {
        ty_seterr(err, errlen, "%s: a report of shard %u (%.64s) that was not asked for",
                  o->path, i, rep->name);
        return TENYO_ERR_CORRUPT;
    }
    /* the file as the writer reported it, seen from here */
    char *p = ty_upd_path(o->dir, name);
    uint64_t size = 0, hsum = 0;
    if (!p) {
        ty_seterr(err, errlen, "%s: out of memory", o->path);
        return TENYO_ERR_NOMEM;
    }
    int bad = file_head(p, &size, &hsum) || size != rep->bytes || hsum != rep->hsum;
    if (bad)
        ty_seterr(err, errlen, "%s: %llu bytes, header checksum %016llx; its writer reported "
                  "%llu, %016llx", p, (unsigned long long)size, (unsigned long long)hsum,
                  (unsigned long long)rep->bytes, (unsigned long long)rep->hsum);
    free(p);
    if (bad) return TENYO_ERR_IO;
    mf_file *e = &o->mf.s[i];
    snprintf(e->name, MF_NAME, "%.255s", name);
    e->first = o->at[i];
    e->docs = o->at[i + 1] - o->at[i];
    e->bytes = rep->bytes;
    e->hsum = rep->hsum;
    o->done[i] = 1;
    o->total += rep->bytes;
    return TENYO_OK;
}

int ty_shards_commit(ty_shards_out *o, char *err, size_t errlen) {
    if (!o) return TENYO_ERR_ARG;
    for (uint32_t i = 0; i < o->n; i++)
        if (!o->done[i]) {
            ty_seterr(err, errlen, "%s: shard %u was not written", o->path, i);
            return TENYO_ERR_ARG;
        }
    /* the manifest, last and atomically: from here the new index is it */
    ty_buf text = {0};
    if (ty_mf_format(&o->mf, &text)) {
        ty_buf_free(&text);
        ty_seterr(err, errlen, "%s: out of memory writing the shards", o->path);
        return TENYO_ERR_NOMEM;
    }
    int rc = ty_store_write_atomic(o->dir, o->base, text.p, text.len, err, errlen);
    if (!rc || rc == TENYO_ERR_UNSYNCED) {
        o->m->file_bytes = o->total + text.len;
        ty_shards_collect(o->path);
    }
    ty_buf_free(&text);
    return rc;
}

int ty_store_write_shards(ty_model *m, const char *path, uint32_t nshards,
                          const uint64_t *first, char *err, size_t errlen) {
    ty_shards_out *o = NULL;
    int rc = ty_shards_begin(m, path, nshards, first, &o, err, errlen);
    for (uint32_t i = 0; !rc && i < nshards; i++) {
        void *p = NULL;
        size_t len = 0;
        ty_shard_report rep;
        rc = ty_shards_piece(o, i, &p, &len, err, errlen);
        if (!rc) rc = ty_shards_write_piece(p, len, &rep, err, errlen);
        if (!rc) rc = ty_shards_done(o, &rep, err, errlen);
        free(p);
    }
    if (!rc) rc = ty_shards_commit(o, err, errlen);
    ty_shards_out_free(o);
    return rc;
}
