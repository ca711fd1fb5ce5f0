/*
 * docmeta.c — the documents' strings (section "docmeta"): its layout 2 of
 * independent frames, packed for the writer (ty_dm_pack) and read a frame
 * at a time by the ty_docmeta handle; and the one accessor every reader
 * of a document's strings goes through (ty_meta_str, ty_meta_doc,
 * ty_meta_ids), whichever layout the index holds.
 *
 * Layout 1 (written before, and still by sharded writers and for
 * TENYO_DOCMETA_FORMAT=1) is one blob: TY_META_NSTR NUL-terminated strings
 * a document, decoded whole by the open into m->meta_blob / m->meta_off.
 * Layout 2 (little-endian) is what a single file's writer makes:
 *
 *   0   8   magic "\0TYDM2\0\0" (layout 1 cannot start so: its first
 *           string is a document id, never empty)
 *   8   4   documents per block B (DM_BLOCK, 128; 1..65536)
 *   12  4   blocks NB = ceil(N / B)
 *   16  8   documents N
 *   24  8   bytes of the strings as layout 1 holds them (its content size)
 *   32  8   FNV-1a 64 (as published) of bytes 0 .. the table's end, these
 *           8 taken as 0
 *   40  4   documents per frame of ids I (DM_IDS, 256; 1..65536)
 *   44  4   frames of ids NI = ceil(N / I)
 *   48  16  per frame (NI + NB): u64 offset from the table's end, u32
 *           stored bytes, u32 raw bytes
 *   ..      the frames, each a checksummed zstd frame: frame j < NI the ids
 *           of documents jI .. min(N, (j+1)I) - 1, frame NI + i block i:
 *           documents iB .. min(N, (i+1)B) - 1, each its title, applicant,
 *           date, codes and fields (NUL-terminated each)
 *
 * The store writes the section as one zstd frame of stored blocks
 * (ty_store_frame_stored), so that lazysec.c reads a range of it in place.
 * The open reads the header and table only (48 + 16 (NI + NB) bytes: 11 KB
 * at 60k documents) and checks them (sum, sizes adding up, N the model's).
 * A document's strings then cost its block and its frame of ids, each
 * decoded the first time any thread asks (under the handle's mutex; each
 * once, kept until the model is freed); the id -> document table, which
 * needs every id, decodes the frames of ids into one blob (once).
 * Ids apart, 256 a frame: the id table reads ids only (0.26 MB stored at
 * 60k, the blocks 3.28 MB), and a result shown reads 5 KB of them where
 * one frame of every id (1.2 MB raw) cost a ten-result search 4 ms.
 *
 * Who reads what (the decision per user):
 *   a result shown, a title or applicant an answer cites (api/meta.c,
 *     views, ideas/answer.c, match.c, pool.c, sentences.c, kwtext.c):
 *     ty_meta_str / ty_meta_doc, the blocks of those documents only
 *     (without docapp.c's column, ideas and match warm all: ty_meta_warm);
 *   the id -> document table (api/index.c): ty_meta_ids, the frames of
 *     ids only; typed numbers, id kinds, check's messages (patno.c,
 *     filter.c, check.c): ty_meta_str of the id, the frames of ids;
 *   filters by date or applicant, writers and merges (store/write.c,
 *     api/segment.c, build_fields.c: index, rebuild, add): every block
 *     decoded once into layout 1's arrays (ty_model_need_meta);
 *   check, info, a server's load: ty_meta_verify, every frame checked.
 * A damaged frame is reported by the use that reads it, naming the
 * section, the frame and its documents: ty_meta_doc and ty_meta_ids
 * return TENYO_ERR_CORRUPT with the message; ty_meta_str gives "" and
 * keeps the message, which ty_meta_damage returns to the query that
 * asked (its answer is refused, not shown with empty strings).
 * Sizes on the 60k and jp corpora: docs/index-format.md.
 */
#include "store/format.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DM_MAGIC "\0TYDM2\0\0"
#define DM_BLOCK 128u
#define DM_MAX_BLOCK 65536u
#define DM_HEAD 48u
#define DM_IDS 256u
#define DM_NSTR_B (TY_META_NSTR - 1) /* strings a document in a block */

/* One decoded frame: its raw bytes and where each string starts. */
typedef struct dm_frame {
    char *raw;
    uint32_t *off;             /* strings' starts in raw */
} dm_frame;

struct ty_docmeta {
    ty_lazysec *sec;           /* the section (owned) */
    char *path;                /* for messages */
    uint64_t ndocs, rawlen;    /* N, layout 1's bytes */
    uint32_t per, nb;          /* B, NB */
    uint32_t iper, ni;         /* I, NI */
    unsigned char *tab;        /* (1 + NB) x 16: the table */
    uint64_t head;             /* bytes before the frames */
    pthread_mutex_t mu;        /* decodes a frame */
    dm_frame *fr;              /* NI + NB; fr[i].raw set (atomic) once decoded */
    int damaged;               /* some frame failed (atomic) */
    char err[TY_ERRLEN];       /* the first failure's message (under mu) */
    ty_once ids_once;          /* every id into ids_blob, once */
    char *ids_blob;            /* the ids of all documents, NUL-terminated */
    uint64_t *id_off;          /* N offsets into ids_blob */
    char ids_err[TY_ERRLEN];   /* why they could not be read */
    ty_once whole;             /* ty_model_need_meta, once */
    char werr[TY_ERRLEN];      /* why it failed */
};

/* ============================================================== packing */

int ty_dm_is_layout2(const void *p, uint64_t len) {
    return len >= DM_HEAD && ty_dm_is_magic(p);
}

int ty_dm_is_magic(const void *p) { return !memcmp(p, DM_MAGIC, 8); }

/* Compress src[0..n) into one checksummed frame appended to pay. */
static int dm_compress(ZSTD_CCtx *cc, const char *src, size_t n, ty_buf *pay, uint32_t *zs,
                       char *err, size_t errlen) {
    size_t cap = ZSTD_compressBound(n);
    if (ty_buf_reserve(pay, pay->len + cap)) return TENYO_ERR_NOMEM;
    size_t z = ZSTD_compress2(cc, pay->p + pay->len, cap, src, n);
    if (ZSTD_isError(z) || z > UINT32_MAX) {
        ty_seterr(err, errlen, "zstd: %s",
                  ZSTD_isError(z) ? ZSTD_getErrorName(z) : "frame too large");
        return TENYO_ERR_DEPENDENCY;
    }
    pay->len += z;
    *zs = (uint32_t)z;
    return TENYO_OK;
}

int ty_dm_write_layout(void) {
    const char *e = getenv("TENYO_DOCMETA_FORMAT");
    return e && !strcmp(e, "1") ? 1 : 2;
}

int ty_dm_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t n = m->ndocs, nb = (n + DM_BLOCK - 1) / DM_BLOCK, ni = (n + DM_IDS - 1) / DM_IDS;
    uint64_t head = DM_HEAD + 16 * (ni + nb);
    ty_buf pay = {0}, raw = {0};
    unsigned char *tab = ty_calloc(head, 1);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = TENYO_ERR_NOMEM;
    if (!cc || !tab) goto done;
    if (nb > UINT32_MAX || !m->meta_off) {
        rc = TENYO_ERR_ARG;
        ty_seterr(err, errlen, "docmeta: %llu documents cannot be packed",
                  (unsigned long long)n);
        goto done;
    }
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, STORE_LEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1))) {
        rc = TENYO_ERR_DEPENDENCY;
        ty_seterr(err, errlen, "zstd refused the docmeta's parameters");
        goto done;
    }
    memcpy(tab, DM_MAGIC, 8);
    put_le32(tab + 8, DM_BLOCK);
    put_le32(tab + 12, (uint32_t)nb);
    put_le64(tab + 16, n);
    put_le64(tab + 24, m->meta_blob_len);
    put_le32(tab + 40, DM_IDS);
    put_le32(tab + 44, (uint32_t)ni);
    for (uint64_t f = 0; f < ni + nb; f++) {
        raw.len = 0;
        int blk = f >= ni; /* else a frame of ids */
        uint64_t d0 = blk ? (f - ni) * DM_BLOCK : f * DM_IDS, d1 = d0 + (blk ? DM_BLOCK : DM_IDS);
        if (d1 > n) d1 = n;
        for (uint64_t d = d0; d < d1; d++) {
            for (int s = blk ? TY_META_TITLE : TY_META_ID; s < (blk ? TY_META_NSTR : 1); s++) {
                const char *p = m->meta_blob + m->meta_off[d * TY_META_NSTR + s];
                if (ty_buf_append(&raw, p, strlen(p) + 1)) goto done;
            }
        }
        if (raw.len > UINT32_MAX) {
            rc = TENYO_ERR_ARG;
            ty_seterr(err, errlen, "docmeta: frame %llu holds %zu bytes (at most 4 GiB)",
                      (unsigned long long)f, raw.len);
            goto done;
        }
        uint32_t zs = 0;
        uint64_t at = pay.len;
        rc = dm_compress(cc, raw.p ? raw.p : "", raw.len, &pay, &zs, err, errlen);
        if (rc) goto done;
        rc = TENYO_ERR_NOMEM;
        unsigned char *e = tab + DM_HEAD + 16 * f;
        put_le64(e, at);
        put_le32(e + 8, zs);
        put_le32(e + 12, (uint32_t)raw.len);
    }
    put_le64(tab + 32, ty_fnv1a_std(tab, (size_t)head));
    out->len = 0;
    if (ty_buf_append(out, tab, (size_t)head) || (pay.len && ty_buf_append(out, pay.p, pay.len)))
        goto done;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory packing the docmeta");
    ZSTD_freeCCtx(cc);
    ty_buf_free(&pay);
    ty_buf_free(&raw);
    free(tab);
    return rc;
}

/* ============================================================== reading */

/* Documents of frame f (below NI: a frame of their ids). */
static void dm_docs(const ty_docmeta *h, uint64_t f, uint64_t *d0, uint64_t *d1) {
    *d0 = f >= h->ni ? (f - h->ni) * h->per : f * h->iper;
    *d1 = *d0 + (f >= h->ni ? h->per : h->iper);
    if (*d1 > h->ndocs) *d1 = h->ndocs;
}

/* Strings frame f holds. */
static uint64_t dm_want(const ty_docmeta *h, uint64_t f) {
    uint64_t d0, d1;
    dm_docs(h, f, &d0, &d1);
    return (d1 - d0) * (f >= h->ni ? DM_NSTR_B : 1);
}

/* "frame F (documents A..B)" into buf, for messages. */
static const char *dm_what(const ty_docmeta *h, uint64_t f, char *buf, size_t len) {
    uint64_t d0, d1;
    dm_docs(h, f, &d0, &d1);
    if (f < h->ni)
        snprintf(buf, len, "frame of ids %llu (documents %llu..%llu)", (unsigned long long)f,
                 (unsigned long long)d0, (unsigned long long)(d1 ? d1 - 1 : 0));
    else
        snprintf(buf, len, "block %llu (documents %llu..%llu)",
                 (unsigned long long)(f - h->ni), (unsigned long long)d0,
                 (unsigned long long)(d1 ? d1 - 1 : 0));
    return buf;
}

int ty_dm_open(ty_lazysec *sec, const char *path, uint64_t ndocs, ty_docmeta **out, char *err,
               size_t errlen) {
    *out = NULL;
    ty_docmeta *h = ty_calloc(1, sizeof *h);
    unsigned char hd[DM_HEAD];
    const char *why = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!h || !(h->path = ty_strdup(path))) {
        free(h);
        ty_lazysec_free(sec);
        ty_seterr(err, errlen, "%s: out of memory opening the docmeta", path);
        return TENYO_ERR_NOMEM;
    }
    h->sec = sec;
    h->ndocs = ndocs;
    pthread_mutex_init(&h->mu, NULL);
    ty_once_init(&h->whole);
    ty_once_init(&h->ids_once);
    uint64_t size = ty_lazysec_size(sec);
    rc = ty_lazysec_read(sec, 0, DM_HEAD, hd, err, errlen);
    if (rc) goto fail;
    rc = TENYO_ERR_CORRUPT;
    h->per = get_le32(hd + 8);
    h->nb = get_le32(hd + 12);
    h->rawlen = get_le64(hd + 24);
    h->iper = get_le32(hd + 40);
    h->ni = get_le32(hd + 44);
    if (memcmp(hd, DM_MAGIC, 8) || h->per == 0 || h->per > DM_MAX_BLOCK || h->iper == 0 ||
        h->iper > DM_MAX_BLOCK || get_le64(hd + 16) != ndocs ||
        h->nb != (ndocs + h->per - 1) / h->per || h->ni != (ndocs + h->iper - 1) / h->iper) {
        why = "its header does not match the documents";
        goto bad;
    }
    h->head = DM_HEAD + 16 * ((uint64_t)h->ni + h->nb);
    if (h->head > size) {
        why = "its table is cut";
        goto bad;
    }
    h->tab = ty_malloc((size_t)h->head);
    h->fr = ty_calloc((size_t)h->ni + h->nb + 1, sizeof *h->fr);
    if (!h->tab || !h->fr) {
        rc = TENYO_ERR_NOMEM;
        ty_seterr(err, errlen, "%s: out of memory opening the docmeta", path);
        goto fail;
    }
    rc = ty_lazysec_read(sec, 0, h->head, h->tab, err, errlen);
    if (rc) goto fail;
    rc = TENYO_ERR_CORRUPT;
    uint64_t sum = get_le64(h->tab + 32);
    memset(h->tab + 32, 0, 8);
    if (ty_fnv1a_std(h->tab, (size_t)h->head) != sum) {
        why = "its table's checksum does not match";
        goto bad;
    }
    put_le64(h->tab + 32, sum);
    uint64_t at = 0, raws = 0, pay = size - h->head;
    for (uint64_t f = 0; f < (uint64_t)h->ni + h->nb; f++) {
        const unsigned char *e = h->tab + DM_HEAD + 16 * f;
        uint64_t want = dm_want(h, f);
        uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
        if (get_le64(e) != at || zs > pay - at || rs < want || (uint64_t)rs > (uint64_t)zs * STORE_MAX_RATIO + 64) {
            why = "its frame table is inconsistent";
            goto bad;
        }
        at += zs;
        raws += rs;
    }
    if (at != pay || raws != h->rawlen) {
        why = at != pay ? "bytes after its last frame" : "its frames' sizes do not add up";
        goto bad;
    }
    *out = h;
    return TENYO_OK;
bad:
    ty_seterr(err, errlen, "%s: section 'docmeta' is damaged: %s", path, why);
fail:
    ty_dm_free(h);
    return rc;
}

void ty_dm_free(ty_docmeta *h) {
    if (!h) return;
    for (uint64_t f = 0; h->fr && f < (uint64_t)h->ni + h->nb; f++) {
        free(h->fr[f].raw);
        free(h->fr[f].off);
    }
    free(h->fr);
    free(h->tab);
    free(h->id_off);
    free(h->ids_blob);
    ty_once_destroy(&h->ids_once);
    free(h->path);
    ty_lazysec_free(h->sec);
    pthread_mutex_destroy(&h->mu);
    ty_once_destroy(&h->whole);
    free(h);
}

/* Read and decode frame f into fr (not kept): 0, or the status with the
 * message naming it. */
static int dm_decode_from(ty_docmeta *h, uint64_t f, const unsigned char *src, dm_frame *fr,
                          char *err, size_t errlen) {
    const unsigned char *e = h->tab + DM_HEAD + 16 * f;
    uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
    uint64_t want = dm_want(h, f);
    unsigned char *c = src ? (unsigned char *)src : ty_malloc(zs ? zs : 1);
    char *raw = ty_malloc(rs ? rs : 1);
    uint32_t *off = ty_mallocarray(want ? want : 1, sizeof *off);
    char what[96];
    const char *why = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!c || !raw || !off) {
        ty_seterr(err, errlen, "%s: out of memory reading the docmeta", h->path);
        goto done;
    }
    rc = src ? TENYO_OK : ty_lazysec_read(h->sec, h->head + get_le64(e), zs, c, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_CORRUPT;
    if (zs < 9 || get_le32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) ||
        ZSTD_getFrameContentSize(c, zs) != rs) {
        why = "not one checksummed zstd frame";
        goto bad;
    }
    size_t d = ty_zstd_decompress(raw, rs, c, zs);
    if (ZSTD_isError(d) || d != rs) {
        why = ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame";
        goto bad;
    }
    uint64_t k = 0;
    for (uint32_t i = 0, s = 0; i < rs; i++)
        if (!raw[i]) {
            if (k == want) {
                k++;
                break;
            }
            off[k++] = s;
            s = i + 1;
        }
    if (k != want || (rs && raw[rs - 1])) {
        why = k < want ? "too few strings" : "too many strings";
        goto bad;
    }
    fr->raw = raw;
    fr->off = off;
    raw = NULL;
    off = NULL;
    rc = TENYO_OK;
    goto done;
bad:
    ty_seterr(err, errlen, "%s: section 'docmeta' is damaged: %s: %s", h->path,
              dm_what(h, f, what, sizeof what), why);
done:
    if (!src) free(c);
    free(raw);
    free(off);
    return rc;
}

/* Frame f read and decoded into fr (not kept). */
static int dm_decode(ty_docmeta *h, uint64_t f, dm_frame *fr, char *err, size_t errlen) {
    return dm_decode_from(h, f, NULL, fr, err, errlen);
}

/* Damage msg kept for ty_meta_damage when it is the first (h->mu held). */
static void dm_note_locked(ty_docmeta *h, const char *msg) {
    if (__atomic_load_n(&h->damaged, __ATOMIC_ACQUIRE)) return;
    snprintf(h->err, sizeof h->err, "%s", msg);
    __atomic_store_n(&h->damaged, 1, __ATOMIC_RELEASE);
}

/* The same, h->mu taken. */
static void dm_note(ty_docmeta *h, const char *msg) {
    pthread_mutex_lock(&h->mu);
    dm_note_locked(h, msg);
    pthread_mutex_unlock(&h->mu);
}

/* Frame f decoded and kept (once, any thread): its entry, or NULL with the
 * message. A damaged frame is not kept: every use reads it again and
 * fails the same way; with note, the first failure's message stays in
 * h->err (ty_meta_damage). */
static const dm_frame *dm_frame_note(ty_docmeta *h, uint64_t f, const unsigned char *src,
                                     int note, char *err, size_t errlen) {
    dm_frame *fr = &h->fr[f];
    if (__atomic_load_n(&fr->raw, __ATOMIC_ACQUIRE)) return fr;
    pthread_mutex_lock(&h->mu);
    const dm_frame *out = fr;
    if (!fr->raw) {
        dm_frame t = {0};
        char msg[TY_ERRLEN];
        int rc = dm_decode_from(h, f, src, &t, msg, sizeof msg);
        if (rc) {
            if (note && rc == TENYO_ERR_CORRUPT) dm_note_locked(h, msg);
            ty_seterr(err, errlen, "%s", msg);
            out = NULL;
        } else {
            fr->off = t.off;
            __atomic_store_n(&fr->raw, t.raw, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return out;
}

/* dm_frame_note for a use: its damage kept for ty_meta_damage. */
static const dm_frame *dm_frame_get(ty_docmeta *h, uint64_t f, char *err, size_t errlen) {
    return dm_frame_note(h, f, NULL, 1, err, errlen);
}

/* ============================================================ accessors */

static const ty_docmeta *dm_of(const ty_model *m) {
    return __atomic_load_n(&m->meta_off, __ATOMIC_ACQUIRE) ? NULL : m->dm;
}

int ty_meta_doc(const ty_model *m, uint64_t d, const char *s[TY_META_NSTR], char *err,
                size_t errlen) {
    for (int k = 0; k < TY_META_NSTR; k++) s[k] = "";
    if (d >= m->ndocs) return TENYO_ERR_ARG;
    ty_docmeta *h = (ty_docmeta *)dm_of(m);
    if (!h) {
        if (!m->meta_off) return TENYO_ERR_ARG; /* none (a model without strings) */
        for (int k = 0; k < TY_META_NSTR; k++)
            s[k] = m->meta_blob + m->meta_off[d * TY_META_NSTR + k];
        return TENYO_OK;
    }
    const uint64_t *io = __atomic_load_n(&h->id_off, __ATOMIC_ACQUIRE);
    const dm_frame *ids = io ? NULL : dm_frame_get(h, d / h->iper, err, errlen);
    const dm_frame *b = dm_frame_get(h, h->ni + d / h->per, err, errlen);
    if (io) s[TY_META_ID] = h->ids_blob + io[d];
    else if (ids) s[TY_META_ID] = ids->raw + ids->off[d % h->iper];
    if (b) {
        const uint32_t *o = b->off + (d % h->per) * DM_NSTR_B;
        for (int k = 1; k < TY_META_NSTR; k++) s[k] = b->raw + o[k - 1];
    }
    return (io || ids) && b ? TENYO_OK : TENYO_ERR_CORRUPT;
}

int ty_meta_id(const ty_model *m, uint64_t d, const char **id, char *err, size_t errlen) {
    *id = "";
    if (d >= m->ndocs) return TENYO_ERR_ARG;
    ty_docmeta *h = (ty_docmeta *)dm_of(m);
    if (!h) {
        if (!m->meta_off) return TENYO_ERR_ARG;
        *id = m->meta_blob + m->meta_off[d * TY_META_NSTR + TY_META_ID];
        return TENYO_OK;
    }
    const uint64_t *io = __atomic_load_n(&h->id_off, __ATOMIC_ACQUIRE);
    if (io) {
        *id = h->ids_blob + io[d];
        return TENYO_OK;
    }
    const dm_frame *f = dm_frame_get(h, d / h->iper, err, errlen);
    if (!f) return TENYO_ERR_CORRUPT;
    *id = f->raw + f->off[d % h->iper];
    return TENYO_OK;
}

const char *ty_meta_str(const ty_model *m, uint64_t d, int which) {
    if (which < 0 || which >= TY_META_NSTR || d >= m->ndocs) return "";
    ty_docmeta *h = (ty_docmeta *)dm_of(m);
    if (!h) return m->meta_off ? m->meta_blob + m->meta_off[d * TY_META_NSTR + which] : "";
    const uint64_t *io = which == TY_META_ID ? __atomic_load_n(&h->id_off, __ATOMIC_ACQUIRE)
                                             : NULL;
    if (io) return h->ids_blob + io[d];
    const dm_frame *f = dm_frame_get(h, which == TY_META_ID ? d / h->iper : h->ni + d / h->per,
                                     NULL, 0);
    if (!f) return "";
    return which == TY_META_ID ? f->raw + f->off[d % h->iper]
                               : f->raw + f->off[(d % h->per) * DM_NSTR_B + which - 1];
}

/* Every frame of ids into one blob with each id's offset (ty_once_run):
 * what the id -> document table takes. */
static int dm_ids(void *arg) {
    ty_docmeta *h = arg;
    uint64_t len = 0;
    for (uint64_t f = 0; f < h->ni; f++) len += get_le32(h->tab + DM_HEAD + 16 * f + 12);
    char *blob = ty_malloc(len ? (size_t)len : 1);
    uint64_t *off = ty_mallocarray(h->ndocs ? h->ndocs : 1, sizeof *off);
    int rc = blob && off ? TENYO_OK : TENYO_ERR_NOMEM;
    if (rc) ty_seterr(h->ids_err, sizeof h->ids_err, "%s: out of memory reading the ids",
                      h->path);
    uint64_t at = 0;
    for (uint64_t f = 0; !rc && f < h->ni; f++) {
        dm_frame t = {0}; /* not kept: the blob holds them */
        rc = dm_decode(h, f, &t, h->ids_err, sizeof h->ids_err);
        if (rc == TENYO_ERR_CORRUPT) dm_note(h, h->ids_err); /* a lookup's damage */
        if (rc) break;
        uint64_t d0, d1;
        dm_docs(h, f, &d0, &d1);
        size_t rs = get_le32(h->tab + DM_HEAD + 16 * f + 12);
        memcpy(blob + at, t.raw, rs);
        for (uint64_t d = d0; d < d1; d++) off[d] = at + t.off[d - d0];
        at += rs;
        free(t.raw);
        free(t.off);
    }
    if (rc) {
        free(blob);
        free(off);
        return rc;
    }
    h->ids_blob = blob;
    __atomic_store_n(&h->id_off, off, __ATOMIC_RELEASE); /* ids answer from it now */
    return TENYO_OK;
}

int ty_meta_find_id(const ty_model *m, const char *id, size_t len, int64_t *doc,
                    int64_t *twice) {
    ty_docmeta *h = (ty_docmeta *)dm_of(m);
    *doc = *twice = -1;
    if (!h || __atomic_load_n(&h->id_off, __ATOMIC_ACQUIRE)) return 1;
    if (memchr(id, 0, len)) return TENYO_OK; /* no stored id holds a NUL */
    for (uint64_t f = 0; f < h->ni; f++) {
        const dm_frame *kept = __atomic_load_n(&h->fr[f].raw, __ATOMIC_ACQUIRE) ? &h->fr[f] : NULL;
        dm_frame t = {0};
        char msg[TY_ERRLEN];
        if (!kept) {
            int rc = dm_decode(h, f, &t, msg, sizeof msg);
            if (rc == TENYO_ERR_CORRUPT) dm_note(h, msg);
            if (rc) return rc;
        }
        const dm_frame *fr = kept ? kept : &t;
        uint64_t d0, d1;
        dm_docs(h, f, &d0, &d1);
        for (uint64_t d = d0; d < d1 && *twice < 0; d++) {
            const char *k = fr->raw + fr->off[d - d0];
            if (strncmp(k, id, len) == 0 && k[len] == 0) {
                if (*doc < 0) *doc = (int64_t)d;
                else *twice = (int64_t)d;
            }
        }
        free(t.raw);
        free(t.off);
        if (*twice >= 0) return 2;
    }
    return TENYO_OK;
}

int ty_meta_ids(const ty_model *m, const char **blob, const uint64_t **off, size_t *stride,
                char *err, size_t errlen) {
    ty_docmeta *h = (ty_docmeta *)dm_of(m);
    if (!h) {
        if (!m->meta_off) return TENYO_ERR_ARG;
        *blob = m->meta_blob;
        *off = m->meta_off + TY_META_ID;
        *stride = TY_META_NSTR;
        return TENYO_OK;
    }
    int rc = ty_once_run(&h->ids_once, dm_ids, h);
    if (rc) {
        ty_seterr(err, errlen, "%s", h->ids_err);
        return rc;
    }
    *blob = h->ids_blob;
    *off = h->id_off;
    *stride = 1;
    return TENYO_OK;
}

void ty_meta_warm(const ty_model *m) {
    ty_docmeta *h = m->dm;
    if (!h || !h->nb) return;
    /* the blocks' frames read at once (the ids are the id table's) */
    uint64_t lo = get_le64(h->tab + DM_HEAD + 16 * (uint64_t)h->ni);
    uint64_t hi = ty_lazysec_size(h->sec) - h->head;
    unsigned char *buf = lo <= hi ? ty_malloc(hi - lo ? (size_t)(hi - lo) : 1) : NULL;
    if (buf && ty_lazysec_read(h->sec, h->head + lo, hi - lo, buf, NULL, 0)) {
        free(buf);
        buf = NULL;
    }
    for (uint64_t f = h->ni; f < (uint64_t)h->ni + h->nb; f++) {
        uint64_t o = get_le64(h->tab + DM_HEAD + 16 * f);
        /* a frame past the bytes read (a damaged table): read alone */
        int in = buf && o >= lo && get_le32(h->tab + DM_HEAD + 16 * f + 8) <= hi - o;
        (void)dm_frame_note(h, f, in ? buf + (o - lo) : NULL, 0, NULL, 0);
    }
    free(buf);
}

int ty_meta_damage(const ty_model *m, char *err, size_t errlen) {
    const ty_docmeta *h = m->dm;
    if (!h || !__atomic_load_n(&h->damaged, __ATOMIC_ACQUIRE)) return TENYO_OK;
    pthread_mutex_lock((pthread_mutex_t *)&h->mu);
    ty_seterr(err, errlen, "%s", h->err);
    pthread_mutex_unlock((pthread_mutex_t *)&h->mu);
    return TENYO_ERR_CORRUPT;
}

int ty_meta_ready(const ty_model *m, const uint64_t *docs, size_t n, size_t stride_bytes,
                  char *err, size_t errlen) {
    const ty_docmeta *h = dm_of(m);
    if (!h) return TENYO_OK;
    const char *s[TY_META_NSTR];
    for (size_t i = 0; i < n; i++) {
        uint64_t d = *(const uint64_t *)((const char *)docs + i * stride_bytes);
        if (d >= m->ndocs) continue;
        int rc = ty_meta_doc(m, d, s, err, errlen);
        if (rc) return rc;
    }
    return TENYO_OK;
}

uint64_t ty_meta_len(const ty_model *m) {
    return m->meta_off || !m->dm ? m->meta_blob_len : m->dm->rawlen;
}

size_t ty_meta_prefix(const ty_model *m, char *buf, size_t n) {
    if (m->meta_off || !m->dm) {
        size_t k = m->meta_blob_len < n ? (size_t)m->meta_blob_len : n;
        if (k) memcpy(buf, m->meta_blob, k);
        return k;
    }
    size_t k = 0;
    for (uint64_t d = 0; d < m->ndocs && k < n; d++)
        for (int s = 0; s < TY_META_NSTR && k < n; s++) {
            const char *p = ty_meta_str(m, d, s);
            size_t l = strlen(p) + 1;
            if (l > n - k) l = n - k;
            memcpy(buf + k, p, l);
            k += l;
        }
    return k;
}

/* Every frame into layout 1's arrays (ty_once_run). */
static int dm_whole(void *arg) {
    ty_model *m = arg;
    ty_docmeta *h = m->dm;
    uint64_t n = h->ndocs;
    char *blob = ty_malloc(h->rawlen ? (size_t)h->rawlen : 1);
    uint64_t *off = ty_mallocarray(n ? n * TY_META_NSTR : 1, sizeof *off);
    if (!blob || !off) {
        free(blob);
        free(off);
        snprintf(h->werr, sizeof h->werr, "%s: out of memory reading the docmeta", h->path);
        return TENYO_ERR_NOMEM;
    }
    uint64_t at = 0;
    char msg[TY_ERRLEN];
    int ok = 1;
    for (uint64_t f = h->ni; ok && f < (uint64_t)h->ni + h->nb; f++) {
        const dm_frame *b = dm_frame_get(h, f, msg, sizeof msg);
        uint64_t d0, d1;
        dm_docs(h, f, &d0, &d1);
        for (uint64_t d = d0; b && d < d1 && ok; d++)
            for (int s = 0; s < TY_META_NSTR && ok; s++) {
                const dm_frame *ids = s ? NULL : dm_frame_get(h, d / h->iper, msg, sizeof msg);
                if (!s && !ids) {
                    ok = 0;
                    break;
                }
                const char *p = s ? b->raw + b->off[(d - d0) * DM_NSTR_B + s - 1]
                                  : ids->raw + ids->off[d % h->iper];
                size_t l = strlen(p) + 1;
                if (l > h->rawlen - at) { /* the header's total is wrong */
                    free(blob);
                    free(off);
                    snprintf(h->werr, sizeof h->werr,
                             "%s: section 'docmeta' is damaged: its strings exceed the %llu "
                             "bytes its header says", h->path, (unsigned long long)h->rawlen);
                    return TENYO_ERR_CORRUPT;
                }
                off[d * TY_META_NSTR + s] = at;
                memcpy(blob + at, p, l);
                at += l;
            }
        if (!b) ok = 0;
    }
    if (!ok) {
        free(blob);
        free(off);
        snprintf(h->werr, sizeof h->werr, "%s", msg);
        return TENYO_ERR_CORRUPT;
    }
    m->meta_blob = blob;
    m->meta_blob_len = at;
    __atomic_store_n(&m->meta_off, off, __ATOMIC_RELEASE); /* layout 1's arrays answer */
    return TENYO_OK;
}

int ty_model_need_meta(ty_model *m, char *err, size_t errlen) {
    if (__atomic_load_n(&m->meta_off, __ATOMIC_ACQUIRE) || !m->dm) return TENYO_OK;
    int rc = ty_once_run(&m->dm->whole, dm_whole, m);
    if (rc) {
        ty_seterr(err, errlen, "%s", m->dm->werr);
    }
    return rc;
}

int ty_meta_verify(const ty_model *m, char *err, size_t errlen) {
    ty_docmeta *h = m->dm;
    if (!h) return TENYO_OK;
    int rc = TENYO_OK;
    for (uint64_t f = 0; !rc && f < (uint64_t)h->ni + h->nb; f++) { /* each frame, named */
        dm_frame t = {0};
        rc = dm_decode(h, f, &t, err, errlen);
        free(t.raw);
        free(t.off);
    }
    const char *p;
    uint64_t len;
    if (!rc) rc = ty_lazysec_get(h->sec, &p, &len, err, errlen); /* the section's checksum */
    return rc;
}

int ty_meta_layout(const ty_model *m) { return m->dm ? 2 : 1; }
