/*
 * write.c — a ty_model to an index file (store/), atomically: a temporary
 * file beside the path (ty_file_tmp, manifest.c), a header placeholder,
 * every section as one zstd frame (the int8 vectors raw in a skippable
 * one, to be mapped: q8_begin) in format.h's order, the real header over
 * the placeholder, fsync, rename, fsync of the directory. A crash at any
 * point leaves the old file, or the new one, never half of one. (A base's
 * one in-place write, its "updated" byte, is manifest.c's.)
 *
 * Design. The model is refused before a byte is written unless it passes
 * the reader's own invariant check (invariants.c), so every file written
 * loads. Sections are streamed: each array goes through a 64 KiB
 * little-endian staging buffer into one zstd context reset per section,
 * with the raw size pledged up front (the frame records it, and the reader
 * bounds its allocation by it; the LEB128 streams' sizes are counted in a
 * cheap pass first). No section is built whole in memory except the small
 * build text and the abstracts (packed by abstracts.c, which owns that
 * section's inner layout). The header goes last, over a placeholder of its
 * final size (sections_of counts the sections up front): only then are
 * the frames' offsets and sizes known. Errors are sticky in the writer
 * state, so the list of sections reads as straight code. ty_store_write_raw
 * writes given raw sections the same way (the pieces of a sharded index,
 * shards_write.c), through the same start (wr_start) and finish (wr_finish).
 *
 * The same section code also encodes a model into memory, raw, with no
 * file and no zstd (ty_store_encode_raw: the writer's sink is then one
 * buffer per section): a sharded write cuts those raw sections into its
 * shards' pieces (shards_write.c), so the layouts are written here once
 * whether the model becomes one file or many. Rejected: writing a whole
 * temporary file and reading it back raw to cut it (the index written,
 * read and decompressed once more than needed).
 *
 * For a sharded index whose rows are spread over processes (tenyo-mpi),
 * the rows' and vectors' sections (put_rows, put_f16) are also encoded
 * alone for a run of documents (ty_store_encode_rows: each document's
 * bytes there are its own row's and vector's, so that is the cut of the
 * whole file's), and the rest without them (ty_store_encode_meta, the
 * non-zeros counted by the caller, those sections neither checked nor
 * read): the same code, never a second encoder.
 *
 * The rows' two LEB128 streams of a file go as runs of frames of
 * STORE_ROWS_FRAME documents behind a seek table (format.h, "The rows in
 * frames": ty_wr_sec_begin_framed), each frame's raw bytes counted first,
 * so a query reads the frames of its documents alone; in memory they stay
 * the plain streams.
 *
 * ty_store_rewrite (rewrite.c) replaces a few sections of a file through
 * the same start and finish and section code (writer.h).
 *
 * Frames made ahead: ty_store_frame runs the same section code into memory
 * (the writer's sink), so a section compressed on another thread is the
 * bytes the write would have made; sec_frame writes it as it is. The
 * builder's keyword thread frames its section beside the SVD (ty_model
 * kw_frame), and with write_threads > 1 the abstracts are packed and
 * compressed on a second thread while the sections before them are written.
 */
#include "store/format.h"
#include "store/reader.h"
#include "store/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Sections written for m: the 14 required ones and the optional ones. */
static size_t sections_of(const ty_model *m) {
    return STORE_NSEC + (m->surf_blob != NULL) + 2u * (m->phr_ptr != NULL) +
           (m->labels_blob != NULL) + (m->ivf_blob != NULL) + (m->fm_blob != NULL) +
           (m->common_blob != NULL) + (m->abs_text != NULL) + (m->numbers_blob || m->numbers_sec) +
           (m->tf_blob != NULL) + (m->tp_blob != NULL) +
           (m->kw_blob != NULL || m->kw_frame != NULL) +
           (m->doc_h != NULL && m->ndocs && m->dim) + !m->no_docapp + (ty_vmap_want(m) != 0) +
           (ty_idmap_want(m) != 0);
}
/* The most sections_of counts fits the table (the optional sections: 16). */
_Static_assert(STORE_NSEC + 16 <= TENYO_MAX_SECTIONS, "a file of every section has room");

/* ================================================================ build */

/* Append "key=value\n" with value escaped (\\, \n, \r). */
static int build_put_str(ty_buf *b, const char *key, const char *v) {
    if (ty_buf_append(b, key, strlen(key)) || ty_buf_putc(b, '=')) return -1;
    for (const char *p = v ? v : ""; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
                        : *p == '\r' ? "\\r" : NULL;
        if (esc ? ty_buf_append(b, esc, 2) : ty_buf_putc(b, *p)) return -1;
    }
    return ty_buf_putc(b, '\n');
}

/* Append "key=" + formatted number + "\n" (numbers only, C locale). */
static int build_put_num(ty_buf *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int build_put_num(ty_buf *b, const char *key, const char *fmt, ...) {
    char v[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof v) return -1;
    return build_put_str(b, key, v);
}

/* The build section text of m. %.17g round-trips every double; it is
 * formatted under the C locale so a caller's LC_NUMERIC cannot turn the
 * point into a comma. */
static int build_text(const ty_model *m, uint64_t nnz, ty_buf *b) {
    char ratio[64];
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) return -1;
    locale_t old = uselocale(c);
    snprintf(ratio, sizeof ratio, "%.17g", m->max_df_ratio);
    uselocale(old);
    freelocale(c);
    if (build_put_str(b, "tokenizer", m->tokenizer) ||
        build_put_str(b, "writer", m->writer) ||
        build_put_str(b, "mecab_dicdir", m->mecab_dicdir) ||
        build_put_num(b, "keep_parts", "%d", m->keep_parts) ||
        build_put_num(b, "stem", "%d", m->stem) ||
        build_put_num(b, "seed", "%llu", (unsigned long long)m->seed) ||
        build_put_num(b, "min_df", "%ld", (long)m->min_df) ||
        build_put_str(b, "max_df_ratio", ratio) ||
        build_put_num(b, "oversample", "%ld", (long)m->oversample) ||
        build_put_num(b, "power_iters", "%ld", (long)m->power_iters) ||
        build_put_num(b, "created", "%lld", (long long)m->created) ||
        build_put_num(b, "dim", "%u", m->dim) ||
        build_put_num(b, "ndocs", "%llu", (unsigned long long)m->ndocs) ||
        build_put_num(b, "nterms", "%llu", (unsigned long long)m->nterms) ||
        build_put_num(b, "nnz", "%llu", (unsigned long long)nnz) ||
        build_put_num(b, "nfields", "%u", m->nfields) ||
        (m->max_terms && build_put_num(b, "max_terms", "%u", m->max_terms)))
        return -1;
    return 0;
}


/* ================================================================ write */



/* Write all of p[0..n) at the current end of the temp file. */
void ty_wr_raw(writer *w, const void *p, size_t n) {
    const unsigned char *b = p;
    if (w->sink && !w->rc) {
        if (ty_buf_append(w->sink, p, n)) {
            ty_seterr(w->err, w->errlen, "out of memory for a section's frame");
            w->rc = TENYO_ERR_NOMEM;
        } else {
            w->off += n;
        }
        return;
    }
    while (n && !w->rc) {
        ssize_t k = write(w->fd, b, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ty_seterr(w->err, w->errlen, "%s: cannot write: %s", w->path,
                      k < 0 ? strerror(errno) : "no progress");
            w->rc = TENYO_ERR_IO;
            return;
        }
        b += k;
        n -= (size_t)k;
        w->off += (uint64_t)k;
    }
}

/* Feed raw bytes to the current frame; end finishes the frame. */
static void wr_feed(writer *w, const void *p, size_t n, int end) {
    if (w->rc) return;
    if (w->mem) { /* raw into the section's buffer, sized by the pledge */
        ty_rawsec *s = &w->mem[w->nsec];
        if (n > w->raw_want - w->raw_fed) {
            ty_seterr(w->err, w->errlen, "%s: section '%s' over its %llu bytes", w->path,
                      w->sec[w->nsec].name, (unsigned long long)w->raw_want);
            w->rc = TENYO_ERR_IO;
            return;
        }
        if (n) memcpy(s->data + w->raw_fed, p, n);
        w->raw_fed += n;
        return;
    }
    if (w->rawframe) { /* stored as it is, hashed on the way */
        w->rsum = ty_fnv1a_add(w->rsum, p, n);
        ty_wr_raw(w, p, n);
        w->raw_fed += n;
        return;
    }
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {w->out, w->outcap, 0};
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in,
                                           end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) {
            ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path,
                      ZSTD_getErrorName(left));
            w->rc = TENYO_ERR_IO;
            return;
        }
        ty_wr_raw(w, w->out, out.pos);
        if (w->rc) return;
        if (end ? left == 0 : in.pos == in.size) break;
    }
    w->raw_fed += n;
}

static void wr_flush_stage(writer *w) {
    if (w->nstage) wr_feed(w, w->stage, w->nstage, 0);
    w->nstage = 0;
}

/* Start section `name` of raw bytes. */
void ty_wr_sec_begin(writer *w, const char *name, uint64_t raw) {
    if (w->rc) return;
    w->raw_want = raw;
    w->raw_fed = 0;
    w->nstage = 0;
    memset(w->sec[w->nsec].name, 0, 16);
    memcpy(w->sec[w->nsec].name, name, strlen(name));
    w->sec[w->nsec].off = w->off;
    w->sec[w->nsec].raw = raw;
    if (w->mem) {
        ty_rawsec *s = &w->mem[w->nsec];
        memset(s, 0, sizeof *s);
        memcpy(s->name, w->sec[w->nsec].name, 16);
        s->raw = raw;
        s->data = raw < SIZE_MAX ? ty_malloc((size_t)raw + 1) : NULL;
        if (!s->data) {
            ty_seterr(w->err, w->errlen, "%s: out of memory for section '%s'", w->path, name);
            w->rc = TENYO_ERR_NOMEM;
        }
        return;
    }
    size_t z = ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setPledgedSrcSize(w->cctx, raw);
    if (ZSTD_isError(z)) {
        ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path,
                  ZSTD_getErrorName(z));
        w->rc = TENYO_ERR_IO;
    }
}

/* Start section `name` of raw bytes stored raw in a skippable frame
 * (format.h, "Sections stored raw"): its 8-byte head now, the content as
 * it is fed, the checksum by sec_end. */
static void sec_begin_raw(writer *w, const char *name, uint64_t raw) {
    ty_wr_sec_begin(w, name, raw);
    if (w->rc) return;
    unsigned char h[STORE_RAW_HEAD];
    put_le32(h, STORE_RAW_MAGIC);
    put_le32(h + 4, (uint32_t)(raw + STORE_RAW_SUM));
    w->rawframe = 1;
    w->rsum = TY_FNV1A_BASIS;
    ty_wr_raw(w, h, sizeof h);
}

/* Start section `name` of raw bytes as a run of frames and a seek table
 * (format.h, "The rows in frames"): each frame between frame_begin and
 * frame_end, the table by sec_end. In memory (the shards' pieces), into a
 * frame made ahead, or with TENYO_ROWS_FRAMES=0: one frame, as sec_begin
 * (frame_begin and frame_end do nothing then). */
void ty_wr_sec_begin_framed(writer *w, const char *name, uint64_t raw) {
    ty_wr_sec_begin(w, name, raw);
    const char *e = getenv("TENYO_ROWS_FRAMES");
    if (w->rc || w->mem || w->sink || !raw || (e && !strcmp(e, "0"))) return; /* none: no table */
    w->framed = 1;
    w->nf = 0;
}

/* Start a frame of raw bytes in a framed section. */
void ty_wr_frame_begin(writer *w, uint64_t raw) {
    if (w->rc || !w->framed) return;
    wr_flush_stage(w);
    size_t z = ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setPledgedSrcSize(w->cctx, raw);
    if (ZSTD_isError(z)) {
        ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path, ZSTD_getErrorName(z));
        w->rc = TENYO_ERR_IO;
        return;
    }
    w->f_off = w->off;
    w->f_raw = w->raw_fed;
}

/* End the current frame of a framed section: its sizes into the table. */
void ty_wr_frame_end(writer *w) {
    if (w->rc || !w->framed) return;
    wr_flush_stage(w);
    wr_feed(w, NULL, 0, 1);
    if (w->rc) return;
    uint64_t st = w->off - w->f_off, rw = w->raw_fed - w->f_raw;
    if (st > UINT32_MAX || rw > UINT32_MAX) { /* 64 documents' rows: never */
        ty_seterr(w->err, w->errlen, "%s: section '%s': a frame over 4 GiB", w->path,
                  w->sec[w->nsec].name);
        w->rc = TENYO_ERR_IO;
        return;
    }
    if (w->nf == w->fcap) {
        size_t nc = w->fcap ? 2 * w->fcap : 1024;
        uint32_t *t = ty_reallocarray(w->ftab, nc, 2 * sizeof *t);
        if (!t) {
            ty_seterr(w->err, w->errlen, "out of memory for a section's frame table");
            w->rc = TENYO_ERR_NOMEM;
            return;
        }
        w->ftab = t;
        w->fcap = nc;
    }
    w->ftab[2 * w->nf] = (uint32_t)st;
    w->ftab[2 * w->nf + 1] = (uint32_t)rw;
    w->nf++;
}

void ty_wr_put_framed(writer *w, const unsigned char *data, const uint64_t *cut, uint64_t n) {
    for (uint64_t f = 0; f < n && !w->rc; f++) {
        ty_wr_frame_begin(w, cut[f + 1] - cut[f]);
        ty_wr_put_bytes(w, data + cut[f], (size_t)(cut[f + 1] - cut[f]));
        ty_wr_frame_end(w);
    }
}

/* The seek table of a framed section (format.h): a skippable frame of
 * the frames' sizes and the footer. */
static void seek_table(writer *w) {
    uint64_t body = (uint64_t)w->nf * STORE_SEEK_ENTRY + STORE_SEEK_FOOT;
    if (body > UINT32_MAX) {
        ty_seterr(w->err, w->errlen, "%s: section '%s': too many frames", w->path,
                  w->sec[w->nsec].name);
        w->rc = TENYO_ERR_IO;
        return;
    }
    unsigned char b[STORE_SEEK_ENTRY];
    put_le32(b, STORE_RAW_MAGIC);
    put_le32(b + 4, (uint32_t)body);
    ty_wr_raw(w, b, 8);
    for (size_t i = 0; i < w->nf && !w->rc; i++) {
        put_le32(b, w->ftab[2 * i]);
        put_le32(b + 4, w->ftab[2 * i + 1]);
        ty_wr_raw(w, b, sizeof b);
    }
    unsigned char f[STORE_SEEK_FOOT];
    put_le32(f, (uint32_t)w->nf);
    f[4] = 0; /* no per-frame checksums in the table: each frame has its own */
    put_le32(f + 5, STORE_SEEK_MAGIC);
    ty_wr_raw(w, f, sizeof f);
}

/* Finish the current section; the fed size must match the pledge. */
void ty_wr_sec_end(writer *w) {
    wr_flush_stage(w);
    if (w->rawframe) { /* the content's checksum ends the frame */
        unsigned char t[STORE_RAW_SUM];
        put_le64(t, w->rsum);
        ty_wr_raw(w, t, sizeof t);
        w->rawframe = 0;
    } else if (w->framed) { /* every frame ended: the table */
        w->framed = 0;
        if (!w->rc) seek_table(w);
    } else {
        wr_feed(w, NULL, 0, 1);
    }
    if (w->rc) return;
    if (w->raw_fed != w->raw_want) { /* a bug in this file, not in input */
        ty_seterr(w->err, w->errlen, "%s: section '%s' wrote %llu of %llu bytes",
                  w->path, w->sec[w->nsec].name,
                  (unsigned long long)w->raw_fed,
                  (unsigned long long)w->raw_want);
        w->rc = TENYO_ERR_IO;
        return;
    }
    w->sec[w->nsec].stored = w->off - w->sec[w->nsec].off;
    if (w->mem) w->mem[w->nsec].data[w->raw_want] = 0;
    w->nsec++;
}

/* Section `name` of raw bytes whose frame was made ahead (ty_store_frame,
 * the same code as sec_begin, put_bytes and sec_end over them): written as
 * it is. */
static void sec_frame(writer *w, const char *name, uint64_t raw, const void *frame,
                      size_t len) {
    if (w->rc) return;
    memset(w->sec[w->nsec].name, 0, 16);
    memcpy(w->sec[w->nsec].name, name, strlen(name));
    w->sec[w->nsec].off = w->off;
    w->sec[w->nsec].raw = raw;
    ty_wr_raw(w, frame, len);
    if (w->rc) return;
    w->sec[w->nsec].stored = w->off - w->sec[w->nsec].off;
    w->nsec++;
}

/* Section name of raw content p[0..n) as one frame of stored blocks
 * (ty_store_frame_stored: frames of its own inside, read in place). */
void ty_wr_sec_stored(writer *w, const char *name, const void *p, uint64_t n) {
    ty_buf f = {0};
    int rc = ty_store_frame_stored(p, n, &f, w->err, w->errlen);
    if (rc && !w->rc) w->rc = rc;
    if (!rc) sec_frame(w, name, n, (const unsigned char *)f.p, f.len);
    ty_buf_free(&f);
}

/* Bytes into the stage, feeding it to zstd as it fills. */
void ty_wr_put_bytes(writer *w, const void *p, size_t n) {
    const unsigned char *b = p;
    if (n >= STORE_STAGE) {
        wr_flush_stage(w);
        wr_feed(w, b, n, 0);
        return;
    }
    while (n && !w->rc) {
        size_t k = STORE_STAGE - w->nstage;
        if (k > n) k = n;
        memcpy(w->stage + w->nstage, b, k);
        w->nstage += k;
        b += k;
        n -= k;
        if (w->nstage == STORE_STAGE) wr_flush_stage(w);
    }
}

/* Section name of raw content p[0..n), compressed as every section. */
static void sec_blob(writer *w, const char *name, const void *p, uint64_t n) {
    ty_wr_sec_begin(w, name, n);
    ty_wr_put_bytes(w, p, (size_t)n);
    ty_wr_sec_end(w);
}

/* Make room for `need` (<= 16) bytes in the stage; pointer to them. */
static unsigned char *stage_room(writer *w, size_t need) {
    if (STORE_STAGE - w->nstage < need) wr_flush_stage(w);
    unsigned char *p = w->stage + w->nstage;
    w->nstage += need;
    return p;
}

static void put_u32s(writer *w, const uint32_t *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) put_le32(stage_room(w, 4), v[i]);
}

static void put_u16s(writer *w, const uint16_t *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) {
        unsigned char *p = stage_room(w, 2);
        p[0] = (unsigned char)v[i];
        p[1] = (unsigned char)(v[i] >> 8);
    }
}

static void put_f32s(writer *w, const float *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_le32(stage_room(w, 4), u);
    }
}

/* LEB128 bytes of v. */
static size_t leb_len(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) { v >>= 7; n++; }
    return n;
}

static void put_leb(writer *w, uint32_t v) {
    unsigned char *p = stage_room(w, leb_len(v));
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p = (unsigned char)v;
}

/* A q8 section of a file begun stored raw, to be mapped (format.h,
 * "Sections stored raw"), unless TENYO_Q8_FORMAT=1 or it is past a
 * skippable frame's 4 GiB; in memory (the shards' pieces) raw content. */
void ty_wr_q8_begin(writer *w, const char *name, uint64_t n) {
    const char *e = getenv("TENYO_Q8_FORMAT");
    if (!w->mem && !w->sink && n <= UINT32_MAX - STORE_RAW_SUM && !(e && !strcmp(e, "1")))
        sec_begin_raw(w, name, n);
    else
        ty_wr_sec_begin(w, name, n);
}

void ty_wr_raw_begin(writer *w, const char *name, uint64_t n) {
    if (!w->mem && !w->sink && n <= UINT32_MAX - STORE_RAW_SUM) sec_begin_raw(w, name, n);
    else ty_wr_sec_begin(w, name, n);
}

/* A matrix (rows x k) as a q8 section (q8_begin): int8 rows (x ~= scale *
 * q, scale = max|row| / 127), then one f32 scale per row. Codes and scales
 * the model holds (loaded, or merged from updates) are written as they
 * are; else the float rows x are quantised (ty_q8_quantize). */
static void put_q8(writer *w, const char *name, const float *x, const int8_t *codes,
                   const float *scales, uint64_t rows, uint64_t k) {
    ty_wr_q8_begin(w, name, rows * k + 4 * rows);
    if (codes && scales) {
        ty_wr_put_bytes(w, codes, (size_t)(rows * k));
        put_f32s(w, scales, rows);
        ty_wr_sec_end(w);
        return;
    }
    int8_t q[TY_MAX_DIM];
    float *sc = ty_mallocarray(rows ? rows : 1, sizeof *sc);
    if (!sc) {
        if (!w->rc) {
            w->rc = TENYO_ERR_NOMEM;
            ty_seterr(w->err, w->errlen, "%s: out of memory writing '%s'", w->path, name);
        }
        return;
    }
    for (uint64_t r = 0; r < rows && !w->rc; r++) {
        int32_t sum;
        ty_q8_quantize(x + r * k, (size_t)k, q, &sc[r], &sum);
        ty_wr_put_bytes(w, q, (size_t)k);
    }
    put_f32s(w, sc, rows);
    free(sc);
    ty_wr_sec_end(w);
}

/* The first document of frame f of the rows' streams (nd documents; f
 * one past the last: nd). */
static uint64_t frame_doc(uint64_t f, uint64_t nd) {
    return f * STORE_ROWS_FRAME < nd ? f * STORE_ROWS_FRAME : nd;
}

/* The per-document sections of the rows and vectors, in the file's
 * order before "docmeta": docvec.q8, tfidf.rows, tfidf.cols, and tfidf.tf
 * (or tfidf.vals). Each document's bytes depend on its own row and vector
 * only, so these sections of documents d0..d1 encoded alone are exactly
 * the cut of the whole file's at d0..d1 (ty_store_encode_rows). */
static void put_rows(writer *w, const ty_model *m) {
    uint64_t nd = m->ndocs, k = m->dim;
    const ty_csr *a = &m->tfidf;
    uint64_t nnz = nd ? a->rowptr[nd] : 0;
    put_q8(w, "docvec.q8", m->docvec, m->doc_q, m->doc_qscale, nd, k);

    ty_wr_sec_begin(w, "tfidf.rows", 4 * nd);
    for (uint64_t i = 0; i < nd && !w->rc; i++)
        put_le32(stage_room(w, 4), (uint32_t)(a->rowptr[i + 1] - a->rowptr[i]));
    ty_wr_sec_end(w);

    /* the two streams in frames of STORE_ROWS_FRAME documents (format.h,
     * "The rows in frames"): each frame's raw bytes counted once into fb,
     * their sum the section's pledge */
    uint64_t nfr = (nd + STORE_ROWS_FRAME - 1) / STORE_ROWS_FRAME;
    uint64_t *fb = ty_mallocarray(nfr ? nfr : 1, sizeof *fb);
    if (!fb) {
        if (!w->rc) {
            ty_seterr(w->err, w->errlen, "out of memory for a section's frame table");
            w->rc = TENYO_ERR_NOMEM;
        }
        return;
    }
    uint64_t colbytes = 0;
    for (uint64_t f = 0; f < nfr; f++) {
        fb[f] = 0;
        for (uint64_t i = frame_doc(f, nd); i < frame_doc(f + 1, nd); i++)
            for (uint64_t j = a->rowptr[i]; j < a->rowptr[i + 1]; j++)
                fb[f] += leb_len(j > a->rowptr[i] ? a->col[j] - a->col[j - 1] : a->col[j]);
        colbytes += fb[f];
    }
    ty_wr_sec_begin_framed(w, "tfidf.cols", colbytes);
    for (uint64_t f = 0; f < nfr && !w->rc; f++) {
        ty_wr_frame_begin(w, fb[f]);
        for (uint64_t i = frame_doc(f, nd); i < frame_doc(f + 1, nd) && !w->rc; i++)
            for (uint64_t j = a->rowptr[i]; j < a->rowptr[i + 1]; j++)
                put_leb(w, j > a->rowptr[i] ? a->col[j] - a->col[j - 1] : a->col[j]);
        ty_wr_frame_end(w);
    }
    ty_wr_sec_end(w);

    if (m->tf) { /* counts: the weights follow from them and idf */
        uint64_t tfbytes = 0;
        for (uint64_t f = 0; f < nfr; f++) {
            fb[f] = 0;
            for (uint64_t j = a->rowptr[frame_doc(f, nd)]; j < a->rowptr[frame_doc(f + 1, nd)]; j++)
                fb[f] += leb_len(m->tf[j]);
            tfbytes += fb[f];
        }
        ty_wr_sec_begin_framed(w, "tfidf.tf", tfbytes);
        for (uint64_t f = 0; f < nfr && !w->rc; f++) {
            ty_wr_frame_begin(w, fb[f]);
            for (uint64_t j = a->rowptr[frame_doc(f, nd)];
                 j < a->rowptr[frame_doc(f + 1, nd)] && !w->rc; j++)
                put_leb(w, m->tf[j]);
            ty_wr_frame_end(w);
        }
        ty_wr_sec_end(w);
    } else if (m->tf_leb) { /* loaded and not decoded: the same bytes */
        ty_wr_sec_begin_framed(w, "tfidf.tf", m->tf_leb_len);
        if (w->framed) { /* each frame's bytes: where its first value starts */
            uint64_t *off = NULL, n = 0;
            int rc = ty_store_rows_cuts(a->rowptr, nd, m->tf_leb, m->tf_leb_len, &off, &n);
            if (rc) {
                ty_seterr(w->err, w->errlen, rc == TENYO_ERR_NOMEM
                          ? "out of memory for a section's frame table"
                          : "the loaded counts do not hold the rows' values"); /* a bug */
                w->rc = rc == TENYO_ERR_NOMEM ? rc : TENYO_ERR_IO;
            }
            ty_wr_put_framed(w, m->tf_leb, off, n);
            free(off);
        } else {
            ty_wr_put_bytes(w, m->tf_leb, (size_t)m->tf_leb_len);
        }
        ty_wr_sec_end(w);
    } else {
        ty_wr_sec_begin(w, "tfidf.vals", 4 * nnz);
        put_f32s(w, a->val, nnz);
        ty_wr_sec_end(w);
    }
    free(fb);
}

/* The float16 vectors (section docvec.f16), after "ivf". */
static void put_f16(writer *w, const ty_model *m) {
    uint64_t nd = m->ndocs, k = m->dim;
    if (m->doc_h && nd && k) { /* float16 rows, u16 little-endian each */
        ty_wr_sec_begin(w, "docvec.f16", 2 * nd * k);
        put_u16s(w, m->doc_h, nd * k);
        ty_wr_sec_end(w);
    }
}

/* The abstracts section made beside the other sections (ty_store_write
 * with m->write_threads > 1): packed and framed by ty_abs_frame, the same
 * bytes as made in turn. */
typedef struct abs_ahead {
    const ty_model *m;
    ty_buf frame;              /* the section's frame */
    uint64_t raw;              /* its raw bytes */
    int rc;                    /* 0, or the status with err */
    pthread_t th;
    int started;               /* th runs */
    char err[TY_ERRLEN];
} abs_ahead;

static void *abs_main(void *ud) {
    abs_ahead *a = ud;
    a->rc = ty_abs_frame(a->m, &a->frame, &a->raw, a->err, sizeof a->err);
    return NULL;
}

/* Section name stored raw (ty_wr_raw_begin), its content made by pack
 * from m: the lookup tables (vocabmap.c, idmap.c). */
static void put_packed_raw(writer *w, const char *name,
                           int (*pack)(const ty_model *, ty_buf *, char *, size_t),
                           const ty_model *m) {
    if (w->rc) return;
    ty_buf b = {0};
    int rc = pack(m, &b, w->err, w->errlen);
    if (rc) {
        w->rc = rc;
    } else {
        ty_wr_raw_begin(w, name, b.len);
        ty_wr_put_bytes(w, b.p, b.len);
        ty_wr_sec_end(w);
    }
    ty_buf_free(&b);
}

/* Write every section of m, in the order of the layout table (the
 * abstracts from aa when it was started). */
static void write_sections(writer *w, const ty_model *m, const ty_buf *build, abs_ahead *aa) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim;

    sec_blob(w, "build", build->p, build->len);
    sec_blob(w, "vocab", m->term_blob, m->term_blob_len);
    if (!w->mem && !w->sink && ty_vmap_want(m)) /* a file's: mapped by queries */
        put_packed_raw(w, "vocab.map", ty_vmap_pack, m);

    ty_wr_sec_begin(w, "df", 4 * nt);
    put_u32s(w, m->df, nt);
    ty_wr_sec_end(w);

    ty_wr_sec_begin(w, "idf", 4 * nt);
    put_f32s(w, m->idf, nt);
    ty_wr_sec_end(w);

    ty_wr_sec_begin(w, "sigma", 4 * k);
    put_f32s(w, m->sigma, k);
    ty_wr_sec_end(w);

    put_q8(w, "basis.q8", m->basis, m->basis_q, m->basis_qscale, nt, k);
    if (!w->no_rows) put_rows(w, m);

    if (!w->no_docmeta && !w->mem && !w->sink && ty_dm_write_layout() == 2 && !w->rc) {
        /* layout 2: frames inside, read a block at a time in place */
        ty_buf raw = {0}, f = {0};
        int rc = ty_dm_pack(m, &raw, w->err, w->errlen);
        if (!rc) rc = ty_store_frame_stored(raw.p, raw.len, &f, w->err, w->errlen);
        if (rc) w->rc = rc;
        else sec_frame(w, "docmeta", raw.len, (const unsigned char *)f.p, f.len);
        ty_buf_free(&raw);
        ty_buf_free(&f);
    } else if (!w->no_docmeta) { /* layout 1: one blob (a shard's is cut from it) */
        sec_blob(w, "docmeta", m->meta_blob, m->meta_blob_len);
    }
    if (!w->no_docmeta && !w->mem && !w->sink && ty_idmap_want(m)) /* a file's */
        put_packed_raw(w, "ids.map", ty_idmap_pack, m);
    ty_buf app = {0}; /* the first applicants' numbers (docapp.c): a single file's */
    if (!w->no_docmeta && !w->mem && !m->no_docapp && !w->rc &&
        !(w->rc = ty_docapp_pack(m, &app, w->err, w->errlen)))
        sec_blob(w, "docapp", app.p, app.len);
    ty_buf_free(&app);

    ty_wr_sec_begin(w, "docflags", 2 * nd);
    ty_wr_put_bytes(w, m->open, nd);
    ty_wr_put_bytes(w, m->lang, nd);
    ty_wr_sec_end(w);

    uint64_t nids = nd ? m->field_ptr[nd] : 0;
    ty_wr_sec_begin(w, "docfields", 4 * nd + 2 * nids);
    for (uint64_t i = 0; i < nd && !w->rc; i++)
        put_le32(stage_room(w, 4), (uint32_t)(m->field_ptr[i + 1] - m->field_ptr[i]));
    put_u16s(w, m->field_ids, nids);
    ty_wr_sec_end(w);

    ty_wr_sec_begin(w, "fields", 16 * (uint64_t)m->nfields);
    for (uint32_t f = 0; f < m->nfields && !w->rc; f++) {
        unsigned char *p = stage_room(w, 16);
        memcpy(p, m->field_code[f], 8);
        put_le64(p + 8, m->field_count[f]);
    }
    ty_wr_sec_end(w);

    /* optional sections (format 1 readers before them skip them) */
    if (m->surf_blob) sec_blob(w, "surface", m->surf_blob, m->surf_blob_len);
    if (m->phr_ptr) {
        uint64_t nph = m->phr_ptr[nd];
        ty_wr_sec_begin(w, "phrase.text", m->phr_blob_len);
        ty_wr_put_bytes(w, m->phr_blob, m->phr_blob_len);
        ty_wr_sec_end(w);
        ty_wr_sec_begin(w, "phrase.docs", 4 * nd + 4 * nph);
        for (uint64_t i = 0; i < nd && !w->rc; i++)
            put_le32(stage_room(w, 4), (uint32_t)(m->phr_ptr[i + 1] - m->phr_ptr[i]));
        put_u32s(w, m->phr_ids, nph);
        ty_wr_sec_end(w);
    }
    if (m->labels_blob) sec_blob(w, "labels", m->labels_blob, m->labels_len);
    if (m->ivf_blob) sec_blob(w, "ivf", m->ivf_blob, m->ivf_len);
    if (!w->no_rows) put_f16(w, m);
    if (m->fm_blob) sec_blob(w, "fieldmodel", m->fm_blob, m->fm_len);
    if (m->tf_blob) sec_blob(w, "termfacts", m->tf_blob, m->tf_len);
    if (m->tp_blob && w->mem) { /* raw, as every section in memory */
        ty_wr_sec_begin(w, "tfidf.post", m->tp_len);
        ty_wr_put_bytes(w, m->tp_blob, m->tp_len);
        ty_wr_sec_end(w);
    } else if (m->tp_blob) { /* search/tpost.c's frames inside */
        ty_wr_sec_stored(w, "tfidf.post", m->tp_blob, m->tp_len);
    }
    if (m->common_blob) sec_blob(w, "common", m->common_blob, m->common_len);
    if (m->numbers_blob || m->numbers_sec) { /* a located section read now */
        const char *nb = NULL;
        uint64_t nl = 0;
        int rc = ty_model_numbers(m, &nb, &nl, w->err, w->errlen);
        if (rc && !w->rc) w->rc = rc;
        else if (!rc) sec_blob(w, "numbers", nb, nl);
    }
    if (m->kw_frame && !w->mem) { /* made ahead: the same bytes */
        sec_frame(w, "keywords", m->kw_len, m->kw_frame, m->kw_frame_len);
    } else if (m->kw_frame && !m->kw_blob && !w->rc) { /* raw wanted, frame only */
        ty_seterr(w->err, w->errlen, "%s: the keyword section is held only compressed",
                  w->path);
        w->rc = TENYO_ERR_ARG;
    } else if (m->kw_blob && !w->mem && m->kw_len >= 4 && !memcmp(m->kw_blob, "TKW2", 4)) {
        ty_wr_sec_stored(w, "keywords", m->kw_blob, m->kw_len); /* layout 2: frames inside */
    } else if (m->kw_blob) { /* search/kwindex.c's layout, checked when used */
        ty_wr_sec_begin(w, "keywords", m->kw_len);
        ty_wr_put_bytes(w, m->kw_blob, m->kw_len);
        ty_wr_sec_end(w);
    }
    if (aa && aa->started) { /* made beside the sections above */
        pthread_join(aa->th, NULL);
        aa->started = 0;
        if (aa->rc && !w->rc) {
            ty_seterr(w->err, w->errlen, "%s", aa->err);
            w->rc = aa->rc;
        }
        sec_frame(w, "abstracts", aa->raw, aa->frame.p, aa->frame.len);
    } else if (m->abs_text && !w->no_abs && !w->rc) {
        ty_buf f = {0};
        uint64_t raw = 0;
        if ((w->rc = ty_abs_frame(m, &f, &raw, w->err, w->errlen)) == TENYO_OK)
            sec_frame(w, "abstracts", raw, f.p, f.len);
        ty_buf_free(&f);
    }
}

/* Header bytes for the finished table; returns its size. */
static size_t header_bytes(const writer *w, unsigned char *h) {
    size_t n = STORE_FIXED + STORE_ENTRY * (size_t)w->nsec;
    memset(h, 0, n + 8);
    memcpy(h, STORE_MAGIC, 8);
    put_le32(h + 8, STORE_VERSION);
    put_le32(h + 12, 0);
    put_le32(h + 16, (uint32_t)w->nsec);
    put_le32(h + 20, 0);
    put_le64(h + 24, w->off);
    for (int i = 0; i < w->nsec; i++) {
        unsigned char *e = h + STORE_FIXED + STORE_ENTRY * (size_t)i;
        memcpy(e, w->sec[i].name, 16);
        put_le64(e + 16, w->sec[i].off);
        put_le64(e + 24, w->sec[i].stored);
        put_le64(e + 32, w->sec[i].raw);
    }
    put_le64(h + n, ty_fnv1a_std(h, n)); /* byte 20 (updated) is 0 here */
    h[STORE_UPDATED_AT] = w->updated;   /* outside the checksum */
    return n + 8;
}

/* fsync the directory holding path so the rename is durable. */
static int sync_dir(const char *path, char *err, size_t errlen) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? ty_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : ty_strdup(".");
    if (!dir) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        return TENYO_ERR_NOMEM;
    }
    int rc = TENYO_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        ty_seterr(err, errlen, "%s: cannot sync directory %s: %s", path, dir,
                  strerror(errno));
        rc = TENYO_ERR_IO;
    }
    if (fd >= 0) close(fd);
    free(dir);
    return rc;
}

/* A writer for path (messages into err), no file yet; NULL: no memory. */
writer *ty_wr_new(const char *path, char *err, size_t errlen) {
    writer *w = ty_calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fd = -1;
    w->path = path;
    w->err = err;
    w->errlen = errlen;
    return w;
}

/* Free w and its temporary file (tmp, NULL once renamed); a bare NOMEM
 * gets its message. */
void ty_wr_end(writer *w, char *tmp, int rc, const char *path, char *err,
                   size_t errlen) {
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "%s: out of memory writing the index", path);
    if (w && w->fd >= 0) close(w->fd);
    if (tmp) unlink(tmp);
    free(tmp);
    if (w) {
        ZSTD_freeCCtx(w->cctx);
        free(w->out);
        free(w->ftab);
    }
    free(w);
}

/* w's zstd context and output buffer, every section's parameters set: 0,
 * or the status with the message. */
static int wr_zstd(writer *w) {
    w->cctx = ZSTD_createCCtx();
    w->outcap = ZSTD_CStreamOutSize();
    w->out = ty_malloc(w->outcap);
    if (!w->cctx || !w->out) return TENYO_ERR_NOMEM;
    size_t z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, STORE_LEVEL);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_nbWorkers, 0);
    if (ZSTD_isError(z)) {
        ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path, ZSTD_getErrorName(z));
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Set up w (zstd context, the temporary file beside w->path, the header
 * placeholder of hlen bytes): 0, or the status with the message. */
int ty_wr_start(writer *w, unsigned char *hdr, size_t hlen, char **tmp) {
    const char *path = w->path;
    int rc = wr_zstd(w);
    if (rc) return rc;
    /* an existing file's permissions, else 0666 less the umask */
    rc = ty_file_tmp(path, &w->fd, tmp, w->err, w->errlen);
    if (rc) return rc;
    /* header placeholder, sections, then the real header over it */
    memset(hdr, 0, STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8);
    ty_wr_raw(w, hdr, hlen);
    return w->rc;
}

/* After the sections: the real header over the placeholder, fsync, close,
 * rename over w->path, sync the directory. 0, TENYO_ERR_UNSYNCED (in place,
 * directory not synced), or the status with *tmp still to unlink. */
int ty_wr_finish(writer *w, unsigned char *hdr, size_t hlen, char **tmp) {
    const char *path = w->path;
    char *err = w->err;
    size_t errlen = w->errlen;
    if (w->rc) return w->rc;
    if (header_bytes(w, hdr) != hlen) { /* section count changed: a bug */
        ty_seterr(err, errlen, "%s: header size mismatch", path);
        return TENYO_ERR_IO;
    }
    for (size_t put = 0; put < hlen;) {
        ssize_t k = pwrite(w->fd, hdr + put, hlen - put, (off_t)put);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ty_seterr(err, errlen, "%s: cannot write header: %s", path,
                      k < 0 ? strerror(errno) : "no progress");
            return TENYO_ERR_IO;
        }
        put += (size_t)k;
    }
    if (fsync(w->fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot sync %s: %s", path, *tmp, strerror(errno));
        return TENYO_ERR_IO;
    }
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot close %s: %s", path, *tmp, strerror(errno));
        return TENYO_ERR_IO;
    }
    if (rename(*tmp, path) != 0) {
        ty_seterr(err, errlen, "%s: cannot rename %s over it: %s", path, *tmp,
                  strerror(errno));
        return TENYO_ERR_IO;
    }
    free(*tmp);
    *tmp = NULL; /* renamed: nothing to unlink */
    /* the file is in place whatever happens now: a failed directory sync
     * is reported as such (committed, durability unknown), not as a failure
     * that left the old file */
    return sync_dir(path, err, errlen) ? TENYO_ERR_UNSYNCED : TENYO_OK;
}

/* What every write of m starts with: its sparse rows decoded, every
 * invariant checked, the build text made into *build. With no_rows
 * (TY_CHECK_NO_ROWS or TY_CHECK_NO_DOCS), m's rows and vectors are
 * elsewhere (ty_store_encode_meta): neither checked nor counted here, the
 * build text's non-zeros are nnz; with TY_CHECK_NO_DOCS its docmeta too.
 * 0, or the status with the message (naming path). */
static int model_ready(ty_model *m, const char *path, int no_rows, uint64_t nnz,
                       ty_buf *build, char *err, size_t errlen) {
    int rc = ty_model_need_sparse(m, err, errlen);
    if (!rc) rc = ty_model_need_vectors(m, err, errlen);
    if (!rc && no_rows != TY_CHECK_NO_DOCS) rc = ty_model_need_meta(m, err, errlen);
    if (rc) return rc;
    char why[TY_ERRLEN];
    if (ty_model_check(m, no_rows, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: refusing to write an inconsistent model: %s",
                  path, why);
        return TENYO_ERR_ARG;
    }
    if (!no_rows) nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0; /* checked */
    if (build_text(m, nnz, build)) {
        ty_seterr(err, errlen, "%s: out of memory writing the index", path);
        return TENYO_ERR_NOMEM;
    }
    if (build->len > STORE_BUILD_MAX) {
        ty_seterr(err, errlen, "%s: build strings too long (%zu bytes)", path,
                  build->len);
        return TENYO_ERR_ARG;
    }
    return TENYO_OK;
}

int ty_store_write(ty_model *m, const char *path, char *err, size_t errlen) {
    if (!m || !path || !*path) return TENYO_ERR_ARG;
    abs_ahead aa = {0};
    writer *w = ty_wr_new(path, err, errlen);
    ty_buf build = {0};
    char *tmp = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!w) goto done;
    rc = model_ready(m, path, 0, 0, &build, err, errlen);
    if (rc) goto done;
    unsigned char hdr[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    size_t hlen = STORE_FIXED + STORE_ENTRY * sections_of(m) + 8;
    rc = ty_wr_start(w, hdr, hlen, &tmp);
    if (rc) goto done;
    /* the abstracts (a fifth of a 60,000-document write, packed and
     * compressed) on a second thread while the sections before them are
     * written */
    aa.m = m;
    if (m->write_threads > 1 && m->abs_text &&
        pthread_create(&aa.th, NULL, abs_main, &aa) == 0)
        aa.started = 1;
    write_sections(w, m, &build, &aa);
    if (aa.started) pthread_join(aa.th, NULL); /* a failure before the abstracts */
    ty_buf_free(&aa.frame);
    rc = ty_wr_finish(w, hdr, hlen, &tmp);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done;
    m->format_version = STORE_VERSION;
    m->updated = 0;
    m->file_bytes = w->off;
    m->nsections = w->nsec;
    memset(m->sections, 0, sizeof m->sections);
    for (int i = 0; i < w->nsec; i++) {
        memcpy(m->sections[i].name, w->sec[i].name, 16);
        m->sections[i].stored = w->sec[i].stored;
        m->sections[i].raw = w->sec[i].raw;
    }
done:
    ty_wr_end(w, tmp, rc, path, err, errlen);
    ty_buf_free(&build);
    return rc;
}

int ty_store_frame(const void *p, uint64_t n, ty_buf *out, char *err, size_t errlen) {
    if ((!p && n) || !out) return TENYO_ERR_ARG;
    writer *w = ty_wr_new("section frame", err, errlen);
    if (!w) return TENYO_ERR_NOMEM;
    out->len = 0;
    w->sink = out;
    int rc = wr_zstd(w);
    if (!rc) {
        ty_wr_sec_begin(w, "frame", n);
        ty_wr_put_bytes(w, p, (size_t)n);
        ty_wr_sec_end(w);
        rc = w->rc;
    }
    ty_wr_end(w, NULL, rc, "section frame", err, errlen);
    return rc;
}


/* ty_store_encode_raw and ty_store_encode_meta: with no_rows, the rows'
 * and vectors' sections left out and the build text counting nnz; with
 * no_docmeta (and no_rows) "docmeta" too, m holding none. */
static int encode_raw(ty_model *m, const char *label, int with_abs, int no_rows,
                      int no_docmeta, uint64_t nnz, ty_rawfile *f, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (!m || !label) return TENYO_ERR_ARG;
    writer *w = ty_wr_new(label, err, errlen);
    ty_buf build = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!w) goto done;
    rc = model_ready(m, label, no_rows ? (no_docmeta ? TY_CHECK_NO_DOCS : TY_CHECK_NO_ROWS) : 0,
                     nnz, &build, err, errlen);
    if (rc) goto done;
    w->mem = f->sec;
    w->no_docmeta = no_rows && no_docmeta;
    w->no_abs = !with_abs;
    w->no_rows = no_rows;
    write_sections(w, m, &build, NULL);
    f->nsec = w->nsec + (w->rc && w->mem[w->nsec].data); /* the one begun, to free */
    rc = w->rc;
done:
    if (rc) ty_rawfile_free(f);
    ty_wr_end(w, NULL, rc, label, err, errlen);
    ty_buf_free(&build);
    return rc;
}

int ty_store_encode_raw(ty_model *m, const char *label, int with_abs, ty_rawfile *f,
                        char *err, size_t errlen) {
    return encode_raw(m, label, with_abs, 0, 0, 0, f, err, errlen);
}

int ty_store_encode_meta(ty_model *m, const char *label, uint64_t nnz, int no_docmeta,
                         ty_rawfile *f, char *err, size_t errlen) {
    return encode_raw(m, label, 0, 1, no_docmeta, nnz, f, err, errlen);
}

int ty_store_encode_rows(const ty_csr *a, const uint32_t *tf, const float *docvec,
                         const uint16_t *doc_h, uint32_t dim, const char *label, ty_rawfile *f,
                         char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (!a || !label || (a->nrows && (!a->rowptr || (dim && !docvec)))) return TENYO_ERR_ARG;
    ty_model m;
    memset(&m, 0, sizeof m);
    m.ndocs = a->nrows;
    m.dim = dim;
    m.tfidf = *a;
    m.tf = (uint32_t *)tf;         /* read only */
    m.docvec = (float *)docvec;    /* read only */
    m.doc_h = (uint16_t *)doc_h;   /* read only */
    writer *w = ty_wr_new(label, err, errlen);
    if (!w) return TENYO_ERR_NOMEM;
    w->mem = f->sec;
    put_rows(w, &m);
    if (doc_h && dim) { /* even of no documents: a shard of none has it */
        ty_wr_sec_begin(w, "docvec.f16", 2 * m.ndocs * dim);
        put_u16s(w, doc_h, m.ndocs * dim);
        ty_wr_sec_end(w);
    }
    f->nsec = w->nsec + (w->rc && w->mem[w->nsec].data); /* the one begun, to free */
    int rc = w->rc;
    if (rc) ty_rawfile_free(f);
    ty_wr_end(w, NULL, rc, label, err, errlen);
    return rc;
}

int ty_store_rows_put(const ty_model *m, const char *label, ty_secput put[2], char *err,
                      size_t errlen) {
    memset(put, 0, 2 * sizeof *put);
    ty_rawfile f;
    int rc = ty_store_encode_rows(&m->tfidf, m->tf, NULL, NULL, 0, label, &f, err, errlen);
    for (int i = 0; !rc && i < f.nsec; i++) {
        int t = !strncmp(f.sec[i].name, "tfidf.tf", 16);
        if (!t && strncmp(f.sec[i].name, "tfidf.cols", 16)) continue;
        uint64_t *cut = NULL, n = 0;
        rc = ty_store_rows_cuts(m->tfidf.rowptr, m->ndocs, f.sec[i].data, f.sec[i].raw, &cut, &n);
        if (rc) {
            ty_seterr(err, errlen, "%s: %s", label, rc == TENYO_ERR_NOMEM
                      ? "out of memory framing the rows" : "the rows do not encode");
            break;
        }
        put[t] = (ty_secput){t ? "tfidf.tf" : "tfidf.cols", f.sec[i].data, f.sec[i].raw, cut, n};
        f.sec[i].data = NULL; /* the put's now */
    }
    if (!rc) ty_rawfile_free(&f);
    if (!rc && (!put[0].data || !put[1].data)) {
        ty_seterr(err, errlen, "%s: the rows' streams were not encoded", label);
        rc = TENYO_ERR_ARG;
    }
    if (rc) ty_store_rows_put_free(put);
    return rc;
}

void ty_store_rows_put_free(ty_secput put[2]) {
    for (int i = 0; i < 2; i++) {
        free((void *)put[i].data);
        free((void *)put[i].cut);
        memset(&put[i], 0, sizeof put[i]);
    }
}

int ty_store_write_raw(const char *path, const ty_rawsec *sec, int n, uint64_t *bytes,
                       uint64_t *hsum, char *err, size_t errlen) {
    if (!path || n < 1 || n > TENYO_MAX_SECTIONS) return TENYO_ERR_ARG;
    writer *w = ty_wr_new(path, err, errlen);
    char *tmp = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!w) goto done;
    unsigned char hdr[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    size_t hlen = STORE_FIXED + STORE_ENTRY * (size_t)n + 8;
    rc = ty_wr_start(w, hdr, hlen, &tmp);
    if (rc) goto done;
    for (int i = 0; i < n; i++) {
        ty_wr_sec_begin(w, sec[i].name, sec[i].raw);
        ty_wr_put_bytes(w, sec[i].data, (size_t)sec[i].raw);
        ty_wr_sec_end(w);
    }
    rc = ty_wr_finish(w, hdr, hlen, &tmp);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done;
    *bytes = w->off;
    *hsum = get_le64(hdr + hlen - 8);
done:
    ty_wr_end(w, tmp, rc, path, err, errlen);
    return rc;
}
