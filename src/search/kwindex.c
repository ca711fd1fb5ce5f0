/*
 * kwindex.c — the keyword index: the optional section "keywords", packed
 * at build time (ty_kwx_pack) and queried by api/keywords.c
 * (ty_kwx_candidates) for the records that may contain a keyword unit.
 *
 * What it holds. Every record's text exactly as keyword search matches it
 * (keywords.c: the title, a newline, the abstract, NFKC case-folded,
 * markup removed, white space runs one space, NUL-terminated), with the
 * whole abstract however long (the "abstracts" section keeps 4 KiB of it
 * for reading), and per character bigram (two adjacent code points of a
 * record, the title/abstract newline not part of any) the ascending list
 * of records holding it. A unit of two or more characters can only occur
 * in a record that holds all of its bigrams: the lists are intersected,
 * shortest first, and keywords.c verifies each candidate with memmem over
 * its record, so answers are the scan's by construction (the postings only
 * decide which records are looked at). A unit of one character has no
 * bigram: keywords.c scans for it.
 *
 * Packing runs on the build's threads: each worker builds the lists of a
 * contiguous range of records; the key tables are sorted together and a
 * key's lists joined in range order (so in record order, the gaps running
 * on across the join), so the section is the same bytes for any thread
 * count. (Sharing the keys out by a hash instead, every worker walking all
 * the text, cost 1.5x the CPU of one walk.)
 *
 * Two layouts are read; layout 2 is written. Layout 1 (indexes made
 * before it; ty_kwx_pack_version 1 still writes it for the tests), one
 * blob (little-endian; the store wraps it in one checksummed zstd frame
 * like every section), decoded whole on the first keyword query:
 *
 *   0   4  magic "TKW1"
 *   4   4  reserved (0)
 *   8   8  records N
 *   16  8  text bytes T
 *   24  8  distinct bigrams K
 *   32  8  key table bytes KB
 *   40  8  postings bytes P
 *   48  T  the text: N NUL-terminated records, each holding one '\n'
 *   ..  KB per bigram, ascending: LEB128 gap of its key (code point 1
 *          << 21 | code point 2) from the previous key (the first from 0),
 *          LEB128 records in its list, LEB128 bytes of its list
 *   ..  P  the lists, in key order: LEB128 first record, then gaps (>= 1)
 *
 * Layout 2: the same text, key table and lists, cut into independent
 * checksummed zstd frames behind a table, so that a query decodes only
 * what it reads, and each posting followed by its record's counts, so
 * that a word of two characters (one bigram: the commonest query) needs
 * no text at all:
 *
 *   0   4  magic "TKW2"
 *   4   4  records per text frame B (KWX_BLOCK, 128)
 *   8   8  records N
 *   16  8  text bytes T (raw)
 *   24  8  distinct bigrams K
 *   32  8  key table bytes KB (raw)
 *   40  8  postings bytes P (raw)
 *   48  4  posting frames NP
 *   52  4  text frames NT = ceil(N / B)
 *   56  8  FNV-1a 64 (as published) of bytes 0 .. the table's end, these
 *          8 taken as 0
 *   64  24 per frame (2 + NP + NT): u64 offset from the table's end, u32
 *          stored bytes, u32 raw bytes, u64 its first key (posting frames)
 *          or record (text frames), 0 for the first two
 *   ..     the frames, in table order: record lengths (per record LEB128
 *          bytes before its NUL, LEB128 bytes before its '\n'), the key
 *          table (as layout 1), NP posting frames (the lists of whole
 *          keys, a frame closed once it holds KWX_POST_FRAME bytes), NT
 *          text frames (records iB .. (i+1)B - 1, NUL-terminated)
 *
 * A layout-2 list is, per record, LEB128 gap then LEB128 c = abstract
 * hits * 8 + min(title hits, 7) (then LEB128 title hits - 7 when 7 or
 * more); c = 0: unknown (more than 1,023 title or 4,194,303 abstract
 * hits, past what the build counts in). The hits are what memmem finds
 * left to right without overlap (ああああ holds ああ twice), those starting
 * in the title apart: tf = 2 x title + abstract, keywords.c's count, so
 * such a word is answered from its list alone (ty_kwx_pair). The store
 * writes the section as one zstd frame of stored blocks (its frames are
 * compressed already; store/lazysec.c reads a range of it in place): a
 * query reads the header and table, the lengths and key table (stored,
 * about half a byte a record and 2.5 bytes a bigram), then a posting frame per bigram it
 * looks up and the text frames of the records it verifies, each once
 * (under the handle's mutex, from any thread); tenyo check reads the
 * section whole and decodes every frame. One part of an index with
 * updates is decoded whole when the parts are joined. Sizes on the 60k
 * corpus: docs/index-format.md.
 *
 * Code points are read leniently (a byte that does not start a complete
 * UTF-8 sequence is its own "character", 0x110000 + byte): the same reader
 * runs over the text and over a unit, and a valid UTF-8 unit found by
 * memmem starts on a boundary of the text's reading, so its bigrams are
 * the text's there. Rejected: trigram postings (fewer candidates for long
 * units, but a Japanese two-character word, the commonest query, has no
 * trigram); positional postings (phrases verified without the text, at
 * three to four times the bytes: the text is needed anyway to count hits
 * for ranking; layout 2's per-record counts are the part of it a
 * two-character word needs, at one byte a posting); postings built at
 * open from the text (what indexes without the section pay on their first
 * query, as a scan); the text stored uncompressed and mapped (40 MB more
 * file at 60k, and a truncated file a SIGBUS). Measured costs are in
 * docs/keywords.md.
 *
 * An index with updates has one section per part (the base and each
 * segment, each built with its own documents); ty_kwx_open takes them all
 * with the live documents' global positions, and maps each part's
 * candidates to the merged index's documents, dropping deleted ones.
 */
#include "search/kwindex.h"

#include "tenyo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define KWX_MAGIC "TKW1"
#define KWX_HEAD 48u
#define KWX2_MAGIC "TKW2"
#define KWX2_HEAD 64u
#define KWX2_ENTRY 24u          /* bytes per frame table entry */
#define KWX_BLOCK 128u          /* records per text frame (layout 2) */
#define KWX_MAX_BLOCK 65536u    /* ... at most, read */
#define KWX_POST_FRAME 32768u   /* bytes of lists a posting frame closes at */
#define KWX_LEVEL 3             /* zstd level of the frames (the store's) */
#define KWX_MAX_RATIO 32768u    /* the most a zstd frame expands (128 KiB / 4 B) */
#define KWX_MAX_UNIT_CP 1024 /* bigrams looked up per unit, at most */

/* One part's decoded key table. */
typedef struct kwx_part {
    uint64_t ndocs;          /* records in the part */
    uint64_t first;          /* global position of its record 0 */
    uint64_t nkeys;          /* distinct bigrams */
    uint64_t *key;           /* nkeys keys, ascending */
    uint64_t *poff;          /* nkeys + 1 offsets into post */
    uint64_t *cnt;           /* nkeys records per list */
    const unsigned char *post; /* the lists (inside the blob, or postbuf) */
    uint64_t keybytes;       /* KB */
    int v2;                  /* layout 2: frames decoded on first use */
    unsigned char *tab;          /* layout 2: the frame table (a copy) */
    ty_kwx_read_fn rd;           /* ... reads the section's bytes */
    void *ud;                    /* ... with this */
    uint64_t fbase;              /* ... where its frames start */
    uint32_t npost, ntext, per;  /* posting frames, text frames, records per one */
    uint64_t *pfirst;        /* npost + 1: each posting frame's first key */
    unsigned char *postbuf;  /* PB bytes: the lists, frame by frame */
    char *text;              /* T + 1 bytes: the text, frame by frame */
    uint64_t *roff;          /* ndocs + 1 record offsets in text */
    uint32_t *rtl;           /* per record: its title's bytes */
    unsigned char *state;    /* per frame: 1 decoded (atomic) */
} kwx_part;

struct ty_kwx {
    kwx_part *part;          /* nparts parts */
    uint32_t nparts;
    uint64_t *pos2doc;       /* global position -> document (UINT64_MAX:
                                deleted), or NULL: the identity */
    uint64_t npos;           /* positions */
    uint64_t ndocs;          /* documents of the result */
    int borrowed;            /* the result's text is the one part's own
                                (inside its blob, or its frames' room), not
                                a copy */
    int lazy;                /* one layout-2 part, its frames decoded on
                                first use (ty_kwx_need_text, the lists) */
    pthread_mutex_t mu;      /* decoding a frame */
    ZSTD_DCtx *dc;           /* ... with this context */
    ty_buf z;                /* ... read into this */
};

/* A part's section in memory: ud is its bytes. */
static int blob_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                     size_t errlen) {
    (void)err;
    (void)errlen;
    memcpy(dst, (const char *)ud + off, (size_t)len);
    return TENYO_OK;
}

/* ============================================================ helpers */

/* The code point at s (n > 0 bytes left), leniently: its bytes. */
static size_t cp_at(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t k = c >= 0xF0 ? (c < 0xF8 ? 4 : 0) : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (k && k <= n) {
        uint32_t v = c & (0x7Fu >> k);
        size_t i = 1;
        for (; i < k && (s[i] & 0xC0) == 0x80; i++) v = v << 6 | (s[i] & 0x3F);
        if (i == k && v < 0x110000) {
            *cp = v;
            return k;
        }
    }
    *cp = 0x110000u + c;
    return 1;
}

static int put_leb(ty_buf *b, uint64_t v) {
    unsigned char t[10];
    int n = 0;
    do {
        t[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return ty_buf_append(b, t, (size_t)n);
}

/* Read a LEB128 value at *p (before end): 0, or -1 when truncated/long. */
static int get_leb(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    uint64_t r = 0;
    for (int s = 0; s < 64 && *p < end; s += 7) {
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7F) << s;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ============================================================ packing */

/* Open-addressing map from bigram key to a dense id. */
typedef struct kmap {
    uint64_t *slot;          /* cap keys, UINT64_MAX empty */
    uint32_t *id;            /* cap ids */
    uint64_t cap, n;         /* power of two; used */
} kmap;

static uint64_t kmix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static int kmap_grow(kmap *m) {
    uint64_t cap = m->cap ? m->cap * 2 : 1 << 16;
    uint64_t *slot = ty_mallocarray(cap, sizeof *slot);
    uint32_t *id = ty_mallocarray(cap, sizeof *id);
    if (!slot || !id) {
        free(slot);
        free(id);
        return -1;
    }
    memset(slot, 0xFF, cap * sizeof *slot);
    for (uint64_t i = 0; i < m->cap; i++) {
        if (m->slot[i] == UINT64_MAX) continue;
        uint64_t h = kmix(m->slot[i]) & (cap - 1);
        while (slot[h] != UINT64_MAX) h = (h + 1) & (cap - 1);
        slot[h] = m->slot[i];
        id[h] = m->id[i];
    }
    free(m->slot);
    free(m->id);
    m->slot = slot;
    m->id = id;
    m->cap = cap;
    return 0;
}

/* The id of key (added when new): >= 0, or -1 out of memory. */
static int64_t kmap_get(kmap *m, uint64_t key) {
    if ((m->n + 1) * 2 > m->cap && kmap_grow(m)) return -1;
    uint64_t h = kmix(key) & (m->cap - 1);
    while (m->slot[h] != UINT64_MAX) {
        if (m->slot[h] == key) return m->id[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (m->n >= UINT32_MAX) return -1;
    m->slot[h] = key;
    m->id[h] = (uint32_t)m->n;
    return (int64_t)m->n++;
}

/* Bigram lists under construction. */
typedef struct kbuild {
    kmap map;                /* key -> id */
    uint64_t *key;           /* per id: its key */
    uint64_t *cnt;           /* per id: records holding it */
    uint64_t *last;          /* per id: the last record counted */
    uint64_t cap;            /* entries allocated in the three */
    uint32_t *list;          /* pass 1: the lists, concatenated by id */
    uint32_t *tf;            /* pass 1: per list slot, its record's counts
                                (title << 22 | abstract; 0: past either
                                field's room, so unknown) */
    uint64_t *lpos;          /* pass 1: per id, the character position of
                                its last counted occurrence in the record */
    uint64_t *at;            /* pass 1: per id, the next slot in list */
} kbuild;

#define KWX_TF_TITLE_MAX 1023u      /* title hits one tf word holds */
#define KWX_TF_ABS_MAX 4194303u     /* abstract hits one tf word holds */

/* One pass over records [d0, d1), text[0..len) (from record d0's first
 * byte): pass 0 finds the bigrams and counts the records of each, pass 1
 * writes the lists and each posting's counts: the occurrences memmem would
 * count left to right without overlap (one at the character after the
 * last counted is skipped), those starting in the title apart. 0 or NOMEM. */
static int kwalk(kbuild *k, const char *text, uint64_t len, uint64_t d0, uint64_t d1,
                 int pass) {
    const unsigned char *s = (const unsigned char *)text, *end = s + len;
    for (uint64_t d = d0; d < d1; d++) {
        uint32_t prev = 0;
        int have = 0, title = 1;
        uint64_t pos = 0; /* the character's position in the record */
        while (s < end && *s) {
            uint32_t cp;
            s += cp_at(s, (size_t)(end - s), &cp);
            pos++;
            if (cp == '\n') { /* the title/abstract break is in no bigram */
                have = 0;
                title = 0;
                continue;
            }
            if (have) {
                uint64_t key = (uint64_t)prev << 21 | cp, n0 = k->map.n;
                int64_t id = kmap_get(&k->map, key);
                if (id < 0) return TENYO_ERR_NOMEM;
                if ((uint64_t)id >= k->cap) { /* pass 0 only: a new key */
                    uint64_t c = k->cap ? k->cap * 2 : 1 << 16;
                    uint64_t *a = ty_reallocarray(k->key, c, sizeof *a);
                    if (!a) return TENYO_ERR_NOMEM;
                    k->key = a;
                    if (!(a = ty_reallocarray(k->cnt, c, sizeof *a))) return TENYO_ERR_NOMEM;
                    k->cnt = a;
                    if (!(a = ty_reallocarray(k->last, c, sizeof *a))) return TENYO_ERR_NOMEM;
                    k->last = a;
                    k->cap = c;
                }
                if (k->map.n > n0) {
                    k->key[id] = key; /* first seen */
                    k->cnt[id] = 0;
                    k->last[id] = UINT64_MAX;
                }
                uint64_t at = pos - 2; /* the bigram's first character */
                if (k->last[id] != d) {
                    k->last[id] = d;
                    if (pass == 0) {
                        k->cnt[id]++;
                    } else {
                        k->tf[k->at[id]] = title ? 1u << 22 : 1u;
                        k->list[k->at[id]++] = (uint32_t)d;
                        k->lpos[id] = at;
                    }
                } else if (pass == 1 && at != k->lpos[id] + 1) { /* not overlapping */
                    uint32_t *t = &k->tf[k->at[id] - 1];
                    uint32_t tt = *t >> 22, ta = *t & KWX_TF_ABS_MAX;
                    if (*t && (title ? tt < KWX_TF_TITLE_MAX : ta < KWX_TF_ABS_MAX))
                        *t += title ? 1u << 22 : 1u;
                    else
                        *t = 0; /* past the room: unknown */
                    k->lpos[id] = at;
                }
            }
            prev = cp;
            have = 1;
        }
        s++; /* the NUL */
    }
    return TENYO_OK;
}

/* A key, its id and its worker, for sorting the keys. */
typedef struct kid {
    uint64_t key;
    uint32_t id;
    uint32_t t;
} kid;
static int cmp_kid(const void *a, const void *b) {
    const kid *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The packing's workers: each the lists of a contiguous range of records
 * (from[t] their first, at byte off[t]), in k[t]. */
typedef struct kpack_job {
    const char *text;        /* the records */
    const uint64_t *from;    /* nt + 1: each worker's first record */
    const uint64_t *off;     /* nt + 1: its first byte */
    kbuild *k;               /* per worker */
} kpack_job;

static int kpack_worker(void *ud, int t, int nt) {
    kpack_job *j = ud;
    kbuild *k = &j->k[t];
    const char *s = j->text + j->off[t];
    uint64_t len = j->off[t + 1] - j->off[t], d0 = j->from[t], d1 = j->from[t + 1];
    (void)nt;
    int rc = kwalk(k, s, len, d0, d1, 0);
    if (rc) return rc;
    uint64_t nk = k->map.n, tot = 0;
    k->at = ty_mallocarray(nk ? nk : 1, sizeof *k->at);
    if (!k->at) return TENYO_ERR_NOMEM;
    for (uint64_t i = 0; i < nk; i++) {
        k->at[i] = tot;
        tot += k->cnt[i];
        k->last[i] = UINT64_MAX;
    }
    k->list = ty_mallocarray(tot ? tot : 1, sizeof *k->list);
    k->tf = ty_mallocarray(tot ? tot : 1, sizeof *k->tf);
    k->lpos = ty_mallocarray(nk ? nk : 1, sizeof *k->lpos);
    if (!k->list || !k->tf || !k->lpos) return TENYO_ERR_NOMEM;
    return kwalk(k, s, len, d0, d1, 1);
}

/* A posting's counts as stored (layout 2): LEB128 of abstract hits * 8 +
 * min(title hits, 7), then LEB128 of title hits - 7 when 7 or more; 0:
 * unknown (the build's room passed). */
static int put_tf(ty_buf *b, uint32_t t) {
    uint64_t tt = t >> 22, ta = t & KWX_TF_ABS_MAX;
    if (!t) return put_leb(b, 0);
    if (put_leb(b, ta << 3 | (tt < 7 ? tt : 7))) return -1;
    return tt >= 7 ? put_leb(b, tt - 7) : 0;
}

static int pack_frames(const char *text, uint64_t len, uint64_t n, int threads,
                       const ty_buf *keys, const ty_buf *post, uint64_t nkeys, ty_buf *out,
                       char *err, size_t errlen);

int ty_kwx_pack(const char *text, uint64_t len, uint64_t n, int threads, ty_buf *out,
                char *err, size_t errlen) {
    return ty_kwx_pack_version(text, len, n, threads, 2, out, err, errlen);
}

int ty_kwx_pack_version(const char *text, uint64_t len, uint64_t n, int threads, int version,
                        ty_buf *out, char *err, size_t errlen) {
    if (!text || !out || n >= UINT32_MAX) {
        ty_seterr(err, errlen, "keyword index: %llu records (at most %u)",
                  (unsigned long long)n, UINT32_MAX - 1);
        return TENYO_ERR_LIMIT;
    }
    /* the records shared out in contiguous ranges, each worker's lists
     * built apart; their key tables sorted together and a key's lists
     * joined in worker order (so in record order): the same section for
     * any count */
    int nt = ty_parallel_workers(threads, len, (uint64_t)1 << 19);
    if ((uint64_t)nt > n) nt = n ? (int)n : 1;
    kbuild *k = ty_calloc((size_t)nt, sizeof *k);
    uint64_t *from = ty_mallocarray((size_t)nt + 1, sizeof *from);
    uint64_t *off = ty_mallocarray((size_t)nt + 1, sizeof *off);
    kid *order = NULL;
    ty_buf keys = {0}, post = {0};
    uint64_t nk = 0;
    int rc = TENYO_ERR_NOMEM;
    if (!k || !from || !off) goto done;
    { /* each range's first record and byte (records are NUL-terminated) */
        const char *s = text, *end = text + len;
        uint64_t d = 0;
        for (int t = 0; t < nt; t++) {
            uint64_t want = ty_split(n, t, nt);
            while (d < want && s < end) {
                const char *z = memchr(s, 0, (size_t)(end - s));
                s = z ? z + 1 : end;
                d++;
            }
            from[t] = d;
            off[t] = (uint64_t)(s - text);
        }
        from[nt] = n;
        off[nt] = len;
    }
    kpack_job j = {text, from, off, k};
    rc = ty_parallel(nt, kpack_worker, &j);
    for (int t = 0; t < nt; t++) nk += k[t].map.n;
    if (!rc) {
        rc = TENYO_ERR_NOMEM;
        order = ty_mallocarray(nk ? nk : 1, sizeof *order);
        if (order) {
            uint64_t o = 0;
            for (int t = 0; t < nt; t++)
                for (uint64_t i = 0; i < k[t].map.n; i++)
                    order[o++] = (kid){k[t].key[i], (uint32_t)i, (uint32_t)t};
            rc = TENYO_OK;
        }
    }
    uint64_t nkeys = 0; /* distinct over the workers */
    if (!rc) { /* lists and key table in key order */
        qsort(order, (size_t)nk, sizeof *order, cmp_kid);
        uint64_t prevkey = 0;
        for (uint64_t o = 0; o < nk && !rc;) {
            uint64_t key = order[o].key, before = post.len, prev = 0, cnt = 0;
            for (; o < nk && order[o].key == key && !rc; o++) { /* in worker order */
                const kbuild *kt = &k[order[o].t];
                uint32_t id = order[o].id;
                uint64_t a = kt->at[id] - kt->cnt[id];
                for (uint64_t i = 0; i < kt->cnt[id] && !rc; i++, cnt++) {
                    uint64_t d = kt->list[a + i];
                    if (put_leb(&post, cnt ? d - prev : d) ||
                        (version >= 2 && put_tf(&post, kt->tf[a + i])))
                        rc = TENYO_ERR_NOMEM;
                    prev = d;
                }
            }
            if (!rc && (put_leb(&keys, key - prevkey) || put_leb(&keys, cnt) ||
                        put_leb(&keys, post.len - before)))
                rc = TENYO_ERR_NOMEM;
            prevkey = key;
            nkeys++;
        }
    }
    if (!rc && version >= 2) {
        rc = pack_frames(text, len, n, threads, &keys, &post, nkeys, out, err, errlen);
    } else if (!rc) {
        unsigned char h[KWX_HEAD] = {0};
        memcpy(h, KWX_MAGIC, 4);
        put64(h + 8, n);
        put64(h + 16, len);
        put64(h + 24, nkeys);
        put64(h + 32, keys.len);
        put64(h + 40, post.len);
        out->len = 0;
        if (ty_buf_append(out, h, sizeof h) || ty_buf_append(out, text, (size_t)len) ||
            (keys.len && ty_buf_append(out, keys.p, keys.len)) ||
            (post.len && ty_buf_append(out, post.p, post.len)))
            rc = TENYO_ERR_NOMEM;
    }
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory building the keyword index");
    for (int t = 0; k && t < nt; t++) { /* (the workers' lists) */
        free(k[t].map.slot);
        free(k[t].map.id);
        free(k[t].key);
        free(k[t].cnt);
        free(k[t].last);
        free(k[t].list);
        free(k[t].tf);
        free(k[t].lpos);
        free(k[t].at);
    }
    free(k);
    free(from);
    free(off);
    free(order);
    ty_buf_free(&keys);
    ty_buf_free(&post);
    return rc;
}

/* ============================================================ layout 2 */

/* The frames of layout 2 (layout above), compressed on the build's
 * threads, each frame by one worker with its own context: the same bytes
 * for any count. */
typedef struct kfr {
    const char *src;         /* raw bytes */
    uint64_t raw;            /* their length */
    uint64_t first;          /* first record or key, for the table */
    ty_buf z;                /* the compressed frame */
} kfr;

typedef struct kfr_job {
    kfr *fr;
    uint64_t n;
    char (*err)[TY_ERRLEN];
} kfr_job;

static int kfr_worker(void *ud, int t, int nt) {
    kfr_job *j = ud;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = cc ? TENYO_OK : TENYO_ERR_NOMEM;
    if (!rc && (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, KWX_LEVEL)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1)))) {
        rc = TENYO_ERR_DEPENDENCY;
        ty_seterr(j->err[t], TY_ERRLEN, "zstd refused the keyword index's parameters");
    }
    uint64_t f1 = ty_split(j->n, t + 1, nt);
    for (uint64_t f = ty_split(j->n, t, nt); f < f1 && !rc; f++) {
        kfr *x = &j->fr[f];
        size_t cap = ZSTD_compressBound((size_t)x->raw);
        if (ty_buf_reserve(&x->z, cap)) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        size_t z = ZSTD_compress2(cc, x->z.p, cap, x->src, (size_t)x->raw);
        if (ZSTD_isError(z)) {
            rc = TENYO_ERR_DEPENDENCY;
            ty_seterr(j->err[t], TY_ERRLEN, "zstd: %s", ZSTD_getErrorName(z));
            break;
        }
        x->z.len = z;
    }
    ZSTD_freeCCtx(cc);
    return rc;
}

static int pack_frames(const char *text, uint64_t len, uint64_t n, int threads,
                       const ty_buf *keys, const ty_buf *post, uint64_t nkeys, ty_buf *out,
                       char *err, size_t errlen) {
    ty_buf lens = {0};
    kfr *fr = NULL;
    char (*perr)[TY_ERRLEN] = NULL;
    uint64_t nfr = 0, npost = 0, ntext = (n + KWX_BLOCK - 1) / KWX_BLOCK;
    int rc = TENYO_ERR_NOMEM;
    /* the records' lengths; each must hold its title break */
    const char *s = text, *end = text + len;
    for (uint64_t d = 0; d < n; d++) {
        const char *z = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
        const char *nl = z ? memchr(s, '\n', (size_t)(z - s)) : NULL;
        if (!nl) {
            ty_seterr(err, errlen, "keyword index: record %llu has no title break",
                      (unsigned long long)d);
            rc = TENYO_ERR_ARG;
            goto done;
        }
        if (put_leb(&lens, (uint64_t)(z - s)) || put_leb(&lens, (uint64_t)(nl - s))) goto done;
        s = z + 1;
    }
    if (s != end) {
        ty_seterr(err, errlen, "keyword index: more text than %llu records",
                  (unsigned long long)n);
        rc = TENYO_ERR_ARG;
        goto done;
    }
    /* posting frames: keys from the table, a frame closed at a key's end
     * once it holds KWX_POST_FRAME bytes */
    uint64_t *pfirst = ty_mallocarray(nkeys + 1, sizeof *pfirst), *pat = NULL;
    if (!pfirst) goto done;
    pat = ty_mallocarray(nkeys + 1, sizeof *pat);
    if (!pat) {
        free(pfirst);
        goto done;
    }
    {
        const unsigned char *k = (const unsigned char *)keys->p, *ke = k + keys->len;
        uint64_t at = 0;
        for (uint64_t i = 0; i < nkeys; i++) {
            uint64_t g = 0, c = 0, b = 0; /* (our own table: well formed) */
            (void)(get_leb(&k, ke, &g) || get_leb(&k, ke, &c) || get_leb(&k, ke, &b));
            if (i == 0 || at - pat[npost - 1] >= KWX_POST_FRAME) {
                pfirst[npost] = i;
                pat[npost++] = at;
            }
            at += b;
        }
        pat[npost] = at;
    }
    nfr = 2 + npost + ntext;
    fr = ty_calloc((size_t)nfr, sizeof *fr);
    if (!fr) {
        free(pfirst);
        free(pat);
        goto done;
    }
    fr[0] = (kfr){lens.p ? lens.p : "", lens.len, 0, {0}};
    fr[1] = (kfr){keys->p ? keys->p : "", keys->len, 0, {0}};
    for (uint64_t j = 0; j < npost; j++)
        fr[2 + j] = (kfr){post->p + pat[j], pat[j + 1] - pat[j], pfirst[j], {0}};
    free(pfirst);
    free(pat);
    s = text;
    for (uint64_t b = 0; b < ntext; b++) {
        const char *b0 = s;
        uint64_t e = b + 1 < ntext ? (b + 1) * KWX_BLOCK : n;
        for (uint64_t d = b * KWX_BLOCK; d < e; d++) s = (const char *)memchr(s, 0, (size_t)(end - s)) + 1;
        fr[2 + npost + b] = (kfr){b0, (uint64_t)(s - b0), b * KWX_BLOCK, {0}};
    }
    for (uint64_t f = 0; f < nfr; f++)
        if (fr[f].raw > UINT32_MAX / 2) { /* a frame's sizes are u32 */
            ty_seterr(err, errlen, "keyword index: frame %llu would hold %llu bytes",
                      (unsigned long long)f, (unsigned long long)fr[f].raw);
            rc = TENYO_ERR_LIMIT;
            goto done;
        }
    int nt = ty_parallel_workers(threads, len + post->len, (uint64_t)1 << 20);
    if ((uint64_t)nt > nfr) nt = (int)nfr;
    perr = ty_calloc((size_t)nt, sizeof *perr);
    if (!perr) goto done;
    kfr_job j = {fr, nfr, perr};
    rc = ty_parallel(nt, kfr_worker, &j);
    if (rc) {
        for (int t = 0; t < nt; t++)
            if (perr[t][0]) {
                ty_seterr(err, errlen, "%s", perr[t]);
                break;
            }
        goto done;
    }
    {
        rc = TENYO_ERR_NOMEM;
        uint64_t head = KWX2_HEAD + KWX2_ENTRY * nfr, o = 0;
        unsigned char *h = ty_calloc((size_t)head, 1);
        if (!h) goto done;
        memcpy(h, KWX2_MAGIC, 4);
        put32(h + 4, KWX_BLOCK);
        put64(h + 8, n);
        put64(h + 16, len);
        put64(h + 24, nkeys);
        put64(h + 32, keys->len);
        put64(h + 40, post->len);
        put32(h + 48, (uint32_t)npost);
        put32(h + 52, (uint32_t)ntext);
        for (uint64_t f = 0; f < nfr; f++) {
            unsigned char *e = h + KWX2_HEAD + KWX2_ENTRY * f;
            put64(e, o);
            put32(e + 8, (uint32_t)fr[f].z.len);
            put32(e + 12, (uint32_t)fr[f].raw);
            put64(e + 16, fr[f].first);
            o += fr[f].z.len;
        }
        put64(h + 56, ty_fnv1a_std(h, (size_t)head)); /* over all but itself (0 then) */
        out->len = 0;
        int bad = ty_buf_reserve(out, (size_t)(head + o)) || ty_buf_append(out, h, (size_t)head);
        for (uint64_t f = 0; f < nfr && !bad; f++)
            bad = ty_buf_append(out, fr[f].z.p, fr[f].z.len);
        free(h);
        if (!bad) rc = TENYO_OK;
    }
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory building the keyword index");
    for (uint64_t f = 0; fr && f < nfr; f++) ty_buf_free(&fr[f].z);
    free(fr);
    free(perr);
    ty_buf_free(&lens);
    return rc;
}

/* ============================================================ reading */

/* Decode part p's key table kt[0..kb) (nk keys over pb bytes of lists)
 * into p->key, p->cnt, p->poff: 0 or CORRUPT/NOMEM with the message. */
static int keys_decode(kwx_part *p, const unsigned char *kt, uint64_t kb, uint64_t nk,
                       uint64_t pb, char *err, size_t errlen) {
    uint64_t n = p->ndocs, least = p->v2 ? 2 : 1; /* bytes a posting takes at least */
    if (nk > kb) {
        ty_seterr(err, errlen, "section 'keywords': %llu keys in %llu bytes",
                  (unsigned long long)nk, (unsigned long long)kb);
        return TENYO_ERR_CORRUPT;
    }
    p->nkeys = nk;
    p->keybytes = kb;
    p->key = ty_mallocarray(nk ? nk : 1, sizeof *p->key);
    p->poff = ty_mallocarray(nk + 1, sizeof *p->poff);
    p->cnt = ty_mallocarray(nk ? nk : 1, sizeof *p->cnt);
    if (!p->key || !p->poff || !p->cnt) {
        ty_seterr(err, errlen, "out of memory opening the keyword index");
        return TENYO_ERR_NOMEM;
    }
    const unsigned char *k = kt, *kend = k + kb;
    uint64_t key = 0, at = 0;
    for (uint64_t i = 0; i < nk; i++) {
        uint64_t gap, c, bytes;
        if (get_leb(&k, kend, &gap) || get_leb(&k, kend, &c) || get_leb(&k, kend, &bytes) ||
            (i && !gap) || gap > (1ull << 42) - key || !c || c > n || bytes / least < c ||
            bytes > pb - at) {
            ty_seterr(err, errlen, "section 'keywords': key table entry %llu is damaged",
                      (unsigned long long)i);
            return TENYO_ERR_CORRUPT;
        }
        key += gap;
        p->key[i] = key;
        p->cnt[i] = c;
        p->poff[i] = at;
        at += bytes;
    }
    p->poff[nk] = at;
    if (k != kend || at != pb) {
        ty_seterr(err, errlen, "section 'keywords': the key table does not cover the postings");
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Check the part's section blob[0..len) (layout 1) and decode its key table into p
 * (p->ndocs set from it); its text in *text, *textlen bytes. 0 or CORRUPT/NOMEM. */
static int part_open(kwx_part *p, const char *blob, uint64_t len, const char **text,
                     uint64_t *textlen, char *err, size_t errlen) {
    const unsigned char *b = (const unsigned char *)blob;
    if (len < KWX_HEAD || memcmp(b, KWX_MAGIC, 4) || get64(b) >> 32) {
        ty_seterr(err, errlen, "section 'keywords': not a keyword index (magic)");
        return TENYO_ERR_CORRUPT;
    }
    uint64_t n = get64(b + 8), t = get64(b + 16), nk = get64(b + 24), kb = get64(b + 32),
             pb = get64(b + 40);
    uint64_t room = len - KWX_HEAD;
    if (t > room || kb > room - t || pb != room - t - kb || nk > kb || n > t) {
        ty_seterr(err, errlen, "section 'keywords': sizes do not add up to %llu bytes",
                  (unsigned long long)len);
        return TENYO_ERR_CORRUPT;
    }
    const char *tx = blob + KWX_HEAD;
    if (t && tx[t - 1]) {
        ty_seterr(err, errlen, "section 'keywords': the text does not end a record");
        return TENYO_ERR_CORRUPT;
    }
    p->ndocs = n;
    int rc = keys_decode(p, b + KWX_HEAD + t, kb, nk, pb, err, errlen);
    if (rc) return rc;
    p->post = b + KWX_HEAD + t + kb;
    *text = tx;
    *textlen = t;
    return TENYO_OK;
}

/* What frame f of a layout-2 part holds, for messages. */
static void frame_what(const kwx_part *p, uint64_t f, char *w, size_t wl) {
    if (f == 0) {
        snprintf(w, wl, "record lengths");
    } else if (f == 1) {
        snprintf(w, wl, "key table");
    } else if (f < 2 + (uint64_t)p->npost) {
        snprintf(w, wl, "postings of bigrams %llu-%llu", (unsigned long long)p->pfirst[f - 2],
                 (unsigned long long)p->pfirst[f - 1] - 1);
    } else {
        uint64_t b = f - 2 - p->npost, r0 = b * p->per, r1 = r0 + p->per;
        snprintf(w, wl, "text of records %llu-%llu", (unsigned long long)r0,
                 (unsigned long long)(r1 < p->ndocs ? r1 : p->ndocs) - 1);
    }
}

/* Decode frame f of layout-2 part pi into dst (its raw bytes; dctx
 * reused): 0 or CORRUPT with a message naming the section and frame. */
static int frame_decode(const ty_kwx *k, uint32_t pi, uint64_t f, void *dst, char *err,
                        size_t errlen) {
    const kwx_part *p = &k->part[pi];
    ty_kwx *m = (ty_kwx *)k; /* its decoding context and buffer */
    ZSTD_DCtx *dc = m->dc;
    const unsigned char *e = p->tab + KWX2_ENTRY * f;
    uint32_t zs = get32(e + 8), rs = get32(e + 12);
    const char *why = NULL;
    if (!dc && !(dc = m->dc = ZSTD_createDCtx())) {
        ty_seterr(err, errlen, "out of memory reading the keyword index");
        return TENYO_ERR_NOMEM;
    }
    m->z.len = 0;
    if (ty_buf_reserve(&m->z, zs ? zs : 1)) {
        ty_seterr(err, errlen, "out of memory reading the keyword index");
        return TENYO_ERR_NOMEM;
    }
    int rc = p->rd(p->ud, p->fbase + get64(e), zs, m->z.p, err, errlen);
    if (rc) return rc;
    const unsigned char *c = (const unsigned char *)m->z.p;
    if (zs < 6 || get32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) ||
        ZSTD_getFrameContentSize(c, zs) != rs || ZSTD_findFrameCompressedSize(c, zs) != zs) {
        why = "not one checksummed zstd frame of its size";
    } else {
        size_t d = ZSTD_decompressDCtx(dc, dst, rs, c, zs);
        if (ZSTD_isError(d) || d != rs) why = ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short";
    }
    if (!why) return TENYO_OK;
    char w[96];
    frame_what(p, f, w, sizeof w);
    ty_seterr(err, errlen, "section 'keywords': frame %llu (%s) of part %u is damaged: %s",
              (unsigned long long)f, w, pi, why);
    return TENYO_ERR_CORRUPT;
}

/* Check the records [r0, r1) of a decoded text frame: each ends with its
 * NUL and has its title break where the lengths say, none before. */
static int text_check(const kwx_part *p, uint32_t pi, uint64_t r0, uint64_t r1, char *err,
                      size_t errlen) {
    for (uint64_t r = r0; r < r1; r++) {
        const char *s = p->text + p->roff[r];
        uint64_t l = p->roff[r + 1] - p->roff[r] - 1, tl = p->rtl[r];
        if (s[l] || s[tl] != '\n' || memchr(s, '\n', (size_t)tl) || memchr(s, 0, (size_t)l)) {
            ty_seterr(err, errlen, "section 'keywords': record %llu of part %u is damaged",
                      (unsigned long long)r, pi);
            return TENYO_ERR_CORRUPT;
        }
    }
    return TENYO_OK;
}

/* Frame f of layout-2 part pi decoded in place (once, from any thread:
 * under k's mutex; a damaged frame stays undecoded and is reported by
 * every use). 0 or CORRUPT/NOMEM with the message in err. */
static int frame_need(const ty_kwx *k, uint32_t pi, uint64_t f, char *err, size_t errlen) {
    const kwx_part *p = &k->part[pi];
    if (__atomic_load_n(&p->state[f], __ATOMIC_ACQUIRE)) return TENYO_OK;
    ty_kwx *m = (ty_kwx *)k; /* the decoding state, not the answers */
    pthread_mutex_lock(&m->mu);
    int rc = TENYO_OK;
    if (!p->state[f]) {
        if (f < 2 + (uint64_t)p->npost) { /* postings */
            rc = frame_decode(k, pi, f, p->postbuf + p->poff[p->pfirst[f - 2]], err, errlen);
        } else {
            uint64_t b = f - 2 - p->npost, r0 = b * p->per, r1 = r0 + p->per;
            if (r1 > p->ndocs) r1 = p->ndocs;
            rc = frame_decode(k, pi, f, p->text + p->roff[r0], err, errlen);
            if (!rc) rc = text_check(p, pi, r0, r1, err, errlen);
        }
        if (!rc) __atomic_store_n(&p->state[f], 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* The posting frame of key i of part pi decoded: 0 or a status. */
static int post_need(const ty_kwx *k, uint32_t pi, uint64_t i, char *err, size_t errlen) {
    const kwx_part *p = &k->part[pi];
    if (!p->v2) return TENYO_OK;
    uint64_t lo = 0, hi = p->npost; /* the last frame whose first key <= i */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (p->pfirst[mid] <= i) lo = mid;
        else hi = mid;
    }
    return frame_need(k, pi, 2 + lo, err, errlen);
}

/* Every frame of every layout-2 part decoded: 0 or a status. */
static int need_all(const ty_kwx *k, char *err, size_t errlen) {
    for (uint32_t pi = 0; k && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        for (uint64_t f = 2; p->v2 && f < 2 + (uint64_t)p->npost + p->ntext; f++) {
            int rc = frame_need(k, pi, f, err, errlen);
            if (rc) return rc;
        }
    }
    return TENYO_OK;
}

/* Check a layout-2 part's header and frame table, decode its record
 * lengths and key table, and make room for its postings and text (filled
 * frame by frame on first use: frame_need). 0 or CORRUPT/NOMEM. */
static int part_open2(const ty_kwx *k, uint32_t pi, ty_kwx_read_fn rd, void *ud, uint64_t len,
                      char *err, size_t errlen) {
    kwx_part *p = &k->part[pi];
    unsigned char hb[KWX2_HEAD];
    const unsigned char *b = hb;
    const char *why = NULL;
    unsigned char *tmp = NULL;
    int rc = TENYO_ERR_CORRUPT;
    p->v2 = 1;
    p->rd = rd;
    p->ud = ud;
    if (len < KWX2_HEAD) {
        why = "its header is cut";
        goto bad;
    }
    if ((rc = rd(ud, 0, KWX2_HEAD, hb, err, errlen))) return rc;
    rc = TENYO_ERR_CORRUPT;
    uint64_t n = get64(b + 8), t = get64(b + 16), nk = get64(b + 24), kb = get64(b + 32),
             pb = get64(b + 40);
    uint32_t per = get32(b + 4), npost = get32(b + 48), ntext = get32(b + 52);
    if (!per || per > KWX_MAX_BLOCK || ntext != (n + per - 1) / per || (nk == 0) != (npost == 0) ||
        npost > nk || 2 + (uint64_t)npost + ntext > (len - KWX2_HEAD) / KWX2_ENTRY || n > t) {
        why = "its header does not add up";
        goto bad;
    }
    uint64_t nfr = 2 + (uint64_t)npost + ntext, head = KWX2_HEAD + KWX2_ENTRY * nfr, at = 0;
    /* the header and table, checked against the sum the header holds */
    if (!(tmp = ty_malloc((size_t)head))) goto nomem;
    if ((rc = rd(ud, 0, head, tmp, err, errlen))) goto out;
    rc = TENYO_ERR_CORRUPT;
    uint64_t sum = get64(tmp + 56);
    put64(tmp + 56, 0);
    if (ty_fnv1a_std(tmp, (size_t)head) != sum) {
        why = "its header or frame table does not match its checksum";
        goto bad;
    }
    p->tab = tmp + KWX2_HEAD; /* (tmp kept: freed with the part) */
    tmp = NULL;
    p->fbase = head;
    p->npost = npost;
    p->ntext = ntext;
    p->per = per;
    p->ndocs = n;
    uint64_t tsum = 0, psum = 0;
    for (uint64_t f = 0; f < nfr; f++) {
        const unsigned char *e = p->tab + KWX2_ENTRY * f;
        uint64_t o = get64(e), first = get64(e + 16);
        uint32_t zs = get32(e + 8), rs = get32(e + 12);
        int okfirst = f < 2 ? first == 0
                      : f < 2 + (uint64_t)npost
                          ? (f == 2 ? first == 0 : first > get64(e - KWX2_ENTRY + 16)) && first < nk
                          : first == (f - 2 - npost) * per;
        if (o != at || zs > len - head - o || !okfirst || (f == 1 && rs != kb) ||
            (f == 0 && rs > 20 * n) || rs > (uint64_t)zs * KWX_MAX_RATIO) {
            why = "its frame table is inconsistent";
            goto bad;
        }
        if (f >= 2 + (uint64_t)npost) tsum += rs;
        else if (f >= 2) psum += rs;
        at += zs;
    }
    if (at != len - head || tsum != t || psum != pb) {
        why = "its frames do not cover the section";
        goto bad;
    }
    rc = TENYO_ERR_NOMEM;
    p->state = ty_calloc((size_t)nfr, 1);
    p->pfirst = ty_mallocarray((size_t)npost + 1, sizeof *p->pfirst);
    p->roff = ty_mallocarray(n + 1, sizeof *p->roff);
    p->rtl = ty_mallocarray(n ? n : 1, sizeof *p->rtl);
    if (!p->state || !p->pfirst || !p->roff || !p->rtl) goto nomem;
    for (uint32_t j = 0; j < npost; j++) p->pfirst[j] = get64(p->tab + KWX2_ENTRY * (2 + j) + 16);
    p->pfirst[npost] = nk;
    /* the record lengths */
    uint32_t lraw = get32(p->tab + 12);
    if (!(tmp = ty_malloc((size_t)lraw + 1))) goto nomem;
    if ((rc = frame_decode(k, pi, 0, tmp, err, errlen))) goto out;
    {
        const unsigned char *s = tmp, *se = tmp + lraw;
        uint64_t o = 0;
        for (uint64_t r = 0; r < n; r++) {
            uint64_t l, tl;
            if (get_leb(&s, se, &l) || get_leb(&s, se, &tl) || tl >= l ||
                l >= t - o || tl > UINT32_MAX) {
                why = "its record lengths are damaged";
                goto bad;
            }
            p->roff[r] = o;
            p->rtl[r] = (uint32_t)tl;
            o += l + 1;
            if ((r + 1) % per == 0 || r + 1 == n) { /* a text frame's end */
                uint64_t b0 = r / per;
                if (get32(p->tab + KWX2_ENTRY * (2 + npost + b0) + 12) != o - p->roff[b0 * per]) {
                    why = "its record lengths do not match its text frames";
                    goto bad;
                }
            }
        }
        p->roff[n] = o;
        if (s != se || o != t) {
            why = "its record lengths do not cover its text";
            goto bad;
        }
    }
    free(tmp);
    /* the key table */
    if (!(tmp = ty_malloc((size_t)kb + 1))) goto nomem;
    if ((rc = frame_decode(k, pi, 1, tmp, err, errlen))) goto out;
    if ((rc = keys_decode(p, tmp, kb, nk, pb, err, errlen))) goto out;
    for (uint32_t j = 0; j < npost; j++)
        if (get32(p->tab + KWX2_ENTRY * (2 + j) + 12) !=
            p->poff[p->pfirst[j + 1]] - p->poff[p->pfirst[j]]) {
            why = "its posting frames do not match its key table";
            rc = TENYO_ERR_CORRUPT;
            goto bad;
        }
    /* room for the lists and the text, touched as frames are decoded
     * (plain malloc: pages the query never reads are never faulted in) */
    p->postbuf = malloc(pb ? (size_t)pb : 1);
    p->text = malloc((size_t)t + 1);
    if (!p->postbuf || !p->text) goto nomem;
    p->text[t] = 0;
    p->post = p->postbuf;
    free(tmp);
    return TENYO_OK;
nomem:
    rc = TENYO_ERR_NOMEM;
    ty_seterr(err, errlen, "out of memory opening the keyword index");
    goto out;
bad:
    rc = TENYO_ERR_CORRUPT;
    ty_seterr(err, errlen, "section 'keywords' of part %u is damaged: %s", pi, why);
out:
    free(tmp);
    return rc;
}

void ty_kwx_free(ty_kwx *k) {
    if (!k) return;
    for (uint32_t i = 0; k->part && i < k->nparts; i++) {
        free(k->part[i].key);
        free(k->part[i].poff);
        free(k->part[i].cnt);
        if (k->part[i].tab) free(k->part[i].tab - KWX2_HEAD);
        free(k->part[i].pfirst);
        free(k->part[i].postbuf);
        free(k->part[i].text);
        free(k->part[i].roff);
        free(k->part[i].rtl);
        free(k->part[i].state);
    }
    free(k->part);
    free(k->pos2doc);
    ZSTD_freeDCtx(k->dc);
    ty_buf_free(&k->z);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

/* ty_kwx_open, or with rd (not NULL) one layout-2 part read through it. */
static int kwx_open(const char *const *blob, ty_kwx_read_fn rd, void *ud, const uint64_t *len,
                    uint32_t nparts, const uint64_t *gpos, uint64_t ndocs, ty_kwx **out,
                    char **text, uint64_t **off, uint32_t **tlen, char *err, size_t errlen) {
    *out = NULL;
    *text = NULL;
    *off = NULL;
    *tlen = NULL;
    ty_kwx *k = ty_calloc(1, sizeof *k);
    if (k) pthread_mutex_init(&k->mu, NULL);
    const char **ptext = ty_calloc(nparts ? nparts : 1, sizeof *ptext);
    uint64_t *plen = ty_calloc(nparts ? nparts : 1, sizeof *plen);
    ty_buf tx = {0};
    uint64_t *o = ty_mallocarray(ndocs + 1, sizeof *o);
    uint32_t *tl = ty_mallocarray(ndocs ? ndocs : 1, sizeof *tl);
    int rc = TENYO_ERR_NOMEM;
    if (!k || !ptext || !plen || !o || !tl || !(k->part = ty_calloc(nparts ? nparts : 1,
                                                                      sizeof *k->part)))
        goto done;
    k->nparts = nparts;
    k->ndocs = ndocs;
    uint64_t pos = 0;
    int whole = nparts == 1 && !gpos;
    for (uint32_t i = 0; i < nparts; i++) {
        if (rd || (len[i] >= KWX2_HEAD && !memcmp(blob[i], KWX2_MAGIC, 4))) {
            /* layout 2: one part alone decodes its frames on first use;
             * parts to be joined are decoded whole now */
            rc = rd ? part_open2(k, i, rd, ud, len[i], err, errlen)
                    : part_open2(k, i, blob_read, (void *)blob[i], len[i], err, errlen);
            for (uint64_t f = 2; !rc && !whole && f < 2 + (uint64_t)k->part[i].npost +
                                                     k->part[i].ntext; f++)
                rc = frame_need(k, i, f, err, errlen);
            ptext[i] = k->part[i].text;
            plen[i] = k->part[i].roff ? k->part[i].roff[k->part[i].ndocs] : 0;
        } else {
            rc = part_open(&k->part[i], blob[i], len[i], &ptext[i], &plen[i], err, errlen);
        }
        if (rc) goto done;
        k->part[i].first = pos;
        pos += k->part[i].ndocs;
    }
    k->npos = pos;
    rc = TENYO_ERR_CORRUPT;
    if (!gpos && pos != ndocs) {
        ty_seterr(err, errlen, "section 'keywords': %llu records for %llu documents",
                  (unsigned long long)pos, (unsigned long long)ndocs);
        goto done;
    }
    if (gpos) {
        rc = TENYO_ERR_NOMEM;
        if (!(k->pos2doc = ty_mallocarray(pos ? pos : 1, sizeof *k->pos2doc))) goto done;
        memset(k->pos2doc, 0xFF, (pos ? pos : 1) * sizeof *k->pos2doc);
        rc = TENYO_ERR_CORRUPT;
        for (uint64_t d = 0; d < ndocs; d++) {
            if (gpos[d] >= pos || (d && gpos[d] <= gpos[d - 1])) {
                ty_seterr(err, errlen, "keyword index: the parts hold %llu records, "
                          "document %llu is at position %llu",
                          (unsigned long long)pos, (unsigned long long)d,
                          (unsigned long long)gpos[d]);
                goto done;
            }
            k->pos2doc[gpos[d]] = d;
        }
    }
    /* the result's text: each live record of each part, in position order
     * (one part, no deletions: the part's own text, not copied; of format
     * 2, its lengths: the text is read frame by frame as queries ask) */
    uint64_t d = 0;
    if (whole && k->part[0].v2) {
        k->lazy = 1;
        memcpy(o, k->part[0].roff, (ndocs + 1) * sizeof *o);
        memcpy(tl, k->part[0].rtl, ndocs * sizeof *tl);
        d = ndocs;
    }
    for (uint32_t i = 0; i < nparts && !k->lazy; i++) {
        const char *s = ptext[i], *end = s + plen[i];
        for (uint64_t l = 0; l < k->part[i].ndocs; l++) {
            const char *z = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
            const char *nl = z ? memchr(s, '\n', (size_t)(z - s)) : NULL;
            if (!nl) {
                ty_seterr(err, errlen, "section 'keywords': record %llu of part %u is damaged",
                          (unsigned long long)l, i);
                goto done;
            }
            uint64_t at = k->part[i].first + l;
            if (!k->pos2doc || k->pos2doc[at] != UINT64_MAX) {
                o[d] = whole ? (uint64_t)(s - ptext[0]) : tx.len;
                tl[d] = (uint32_t)(nl - s);
                if (!whole && ty_buf_append(&tx, s, (size_t)(z - s) + 1)) {
                    rc = TENYO_ERR_NOMEM;
                    goto done;
                }
                d++;
            }
            s = z + 1;
        }
        if (s != end) {
            ty_seterr(err, errlen, "section 'keywords': part %u holds more than its %llu "
                      "records", i, (unsigned long long)k->part[i].ndocs);
            goto done;
        }
    }
    if (d != ndocs) {
        ty_seterr(err, errlen, "keyword index: %llu live records for %llu documents",
                  (unsigned long long)d, (unsigned long long)ndocs);
        goto done;
    }
    o[ndocs] = whole ? plen[0] : tx.len;
    k->borrowed = whole;
    if (whole) {
        *text = (char *)ptext[0];
    } else if (!tx.p && !(tx.p = ty_strdup(""))) {
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    if (!whole) *text = tx.p;
    *off = o;
    *tlen = tl;
    *out = k;
    tx.p = NULL;
    o = NULL;
    tl = NULL;
    k = NULL;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory opening the keyword index");
    ty_kwx_free(k);
    free(ptext);
    free(plen);
    ty_buf_free(&tx);
    free(o);
    free(tl);
    return rc;
}

int ty_kwx_open(const char *const *blob, const uint64_t *len, uint32_t nparts,
                const uint64_t *gpos, uint64_t ndocs, ty_kwx **out, char **text,
                uint64_t **off, uint32_t **tlen, char *err, size_t errlen) {
    return kwx_open(blob, NULL, NULL, len, nparts, gpos, ndocs, out, text, off, tlen, err,
                    errlen);
}

int ty_kwx_open_read(ty_kwx_read_fn rd, void *ud, uint64_t len, uint64_t ndocs, ty_kwx **out,
                     char **text, uint64_t **off, uint32_t **tlen, char *err, size_t errlen) {
    const uint64_t l[1] = {len};
    return kwx_open(NULL, rd, ud, l, 1, NULL, ndocs, out, text, off, tlen, err, errlen);
}

/* ============================================================ queries */

/* The next posting of a list at *q (before qe): its gap in *v and, in
 * layout 2, its counts (*tf: title hits * 2 + abstract hits, the weight
 * keywords.c gives them; 0 unknown). 0, or -1 when damaged. */
static int next_post(const unsigned char **q, const unsigned char *qe, int v2, uint64_t *v,
                     uint64_t *tf) {
    if (get_leb(q, qe, v)) return -1;
    *tf = 0;
    if (!v2) return 0;
    uint64_t c, x = 0;
    if (get_leb(q, qe, &c) || (c && (c & 7) == 7 && get_leb(q, qe, &x)) || x > 1u << 30 ||
        c >> 3 > 1u << 30)
        return -1;
    if (c) *tf = 2 * ((c & 7) + x) + (c >> 3);
    return c && !*tf ? -1 : 0;
}

/* Decode list i of part p into out (p->cnt[i] entries; its frame decoded
 * already): 0 or CORRUPT. */
static int list_read(const kwx_part *p, uint64_t i, uint32_t *out) {
    const unsigned char *s = p->post + p->poff[i], *end = p->post + p->poff[i + 1];
    uint64_t d = 0, tf;
    for (uint64_t j = 0; j < p->cnt[i]; j++) {
        uint64_t v;
        if (next_post(&s, end, p->v2, &v, &tf) || (j && !v) || v >= p->ndocs ||
            (j && d + v >= p->ndocs))
            return TENYO_ERR_CORRUPT;
        d = j ? d + v : v;
        out[j] = (uint32_t)d;
    }
    return s == end ? TENYO_OK : TENYO_ERR_CORRUPT;
}

/* Index of key in p's table, or -1. */
static int64_t key_find(const kwx_part *p, uint64_t key) {
    uint64_t lo = 0, hi = p->nkeys;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (p->key[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < p->nkeys && p->key[lo] == key ? (int64_t)lo : -1;
}


int ty_kwx_candidates(const ty_kwx *k, const char *u, size_t len, uint64_t **docs,
                      uint64_t *n, char *err, size_t errlen) {
    *docs = NULL;
    *n = 0;
    uint64_t keys[KWX_MAX_UNIT_CP];
    size_t nk = 0;
    const unsigned char *s = (const unsigned char *)u, *end = s + len;
    uint32_t prev = 0;
    int have = 0;
    while (s < end && nk < KWX_MAX_UNIT_CP) {
        uint32_t cp;
        s += cp_at(s, (size_t)(end - s), &cp);
        if (have) {
            uint64_t key = (uint64_t)prev << 21 | cp;
            size_t j = 0;
            while (j < nk && keys[j] != key) j++;
            if (j == nk) keys[nk++] = key;
        }
        prev = cp;
        have = 1;
    }
    if (!nk) return 1;
    uint64_t *res = NULL, nres = 0;
    uint32_t *a = NULL, *b = NULL;
    int64_t idx[KWX_MAX_UNIT_CP];
    int rc = TENYO_OK;
    for (uint32_t pi = 0; pi < k->nparts && !rc; pi++) {
        const kwx_part *p = &k->part[pi];
        size_t m = 0;
        for (; m < nk; m++)
            if ((idx[m] = key_find(p, keys[m])) < 0) break;
        if (m < nk) continue; /* a bigram no record of the part holds */
        for (size_t j = 0; j < nk && !rc; j++) rc = post_need(k, pi, (uint64_t)idx[j], err, errlen);
        if (rc) {
            free(a);
            free(b);
            free(res);
            return rc;
        }
        for (size_t j = 1; j < nk; j++) { /* shortest list first (insertion) */
            int64_t v = idx[j];
            size_t i = j;
            for (; i && p->cnt[idx[i - 1]] > p->cnt[v]; i--) idx[i] = idx[i - 1];
            idx[i] = v;
        }
        uint64_t na = p->cnt[idx[0]];
        free(a);
        free(b);
        a = ty_mallocarray(na, sizeof *a);
        b = ty_mallocarray(na, sizeof *b);
        if (!a || !b) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        if (list_read(p, (uint64_t)idx[0], a)) {
            rc = TENYO_ERR_CORRUPT;
            break;
        }
        for (size_t j = 1; j < nk && na && !rc; j++) { /* a &= list j, streamed */
            const unsigned char *q = p->post + p->poff[idx[j]],
                                *qe = p->post + p->poff[idx[j] + 1];
            uint64_t d = 0, c = p->cnt[idx[j]], nb = 0, x = 0, tf;
            for (uint64_t t = 0; t < c && x < na; t++) {
                uint64_t v;
                if (next_post(&q, qe, p->v2, &v, &tf) || (t && !v) ||
                    (t ? d + v : v) >= p->ndocs) {
                    rc = TENYO_ERR_CORRUPT;
                    break;
                }
                d = t ? d + v : v;
                while (x < na && a[x] < d) x++;
                if (x < na && a[x] == d) b[nb++] = a[x++];
            }
            uint32_t *sw = a;
            a = b;
            b = sw;
            na = nb;
        }
        if (rc) break;
        uint64_t *r2 = ty_reallocarray(res, nres + na + 1, sizeof *res);
        if (!r2) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        res = r2;
        for (uint64_t j = 0; j < na; j++) {
            uint64_t at = p->first + a[j];
            uint64_t d = k->pos2doc ? k->pos2doc[at] : at;
            if (d != UINT64_MAX) res[nres++] = d;
        }
    }
    free(a);
    free(b);
    if (rc) {
        free(res);
        if (rc == TENYO_ERR_CORRUPT)
            ty_seterr(err, errlen, "section 'keywords': a posting list is damaged");
        return rc;
    }
    *docs = res;
    *n = nres;
    return TENYO_OK;
}

int ty_kwx_verify(const ty_kwx *k, char *err, size_t errlen) {
    int rc = need_all(k, err, errlen);
    if (rc) return rc;
    for (uint32_t pi = 0; k && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        uint64_t most = 0;
        for (uint64_t i = 0; i < p->nkeys; i++)
            if (p->cnt[i] > most) most = p->cnt[i];
        uint32_t *a = ty_mallocarray(most ? most : 1, sizeof *a);
        if (!a) return TENYO_ERR_NOMEM;
        for (uint64_t i = 0; i < p->nkeys; i++)
            if (list_read(p, i, a)) {
                free(a);
                ty_seterr(err, errlen, "section 'keywords': posting list %llu of part %u is "
                          "damaged", (unsigned long long)i, pi);
                return TENYO_ERR_CORRUPT;
            }
        free(a);
    }
    return TENYO_OK;
}

uint64_t ty_kwx_postings_bytes(const ty_kwx *k) {
    uint64_t b = 0;
    for (uint32_t i = 0; k && i < k->nparts; i++)
        b += k->part[i].keybytes + k->part[i].poff[k->part[i].nkeys];
    return b;
}

int ty_kwx_text_borrowed(const ty_kwx *k) { return k && k->borrowed; }

uint64_t ty_kwx_keys(const ty_kwx *k) {
    uint64_t n = 0;
    for (uint32_t i = 0; k && i < k->nparts; i++) n += k->part[i].nkeys;
    return n;
}

int ty_kwx_need_text(const ty_kwx *k, uint64_t d0, uint64_t d1, char *err, size_t errlen) {
    if (!k || !k->lazy || d0 >= d1) return TENYO_OK;
    const kwx_part *p = &k->part[0];
    for (uint64_t b = d0 / p->per; b <= (d1 - 1) / p->per; b++) {
        int rc = frame_need(k, 0, 2 + (uint64_t)p->npost + b, err, errlen);
        if (rc) return rc;
    }
    return TENYO_OK;
}

int ty_kwx_need_all(const ty_kwx *k, char *err, size_t errlen) { return need_all(k, err, errlen); }

int ty_kwx_pair(const ty_kwx *k, const char *u, size_t len, uint32_t *tf, uint64_t *df,
                char *err, size_t errlen) {
    /* two valid code points, neither the title break */
    const unsigned char *s = (const unsigned char *)u;
    uint32_t c1, c2;
    size_t l1 = len ? cp_at(s, len, &c1) : 0, l2 = l1 && l1 < len ? cp_at(s + l1, len - l1, &c2) : 0;
    if (!k || !l2 || l1 + l2 != len || c1 >= 0x110000 || c2 >= 0x110000 || c1 == '\n' ||
        c2 == '\n')
        return 1;
    for (uint32_t pi = 0; pi < k->nparts; pi++)
        if (!k->part[pi].v2) return 1; /* a part without counts */
    uint64_t key = (uint64_t)c1 << 21 | c2, n = 0;
    for (uint32_t pi = 0; pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        int64_t i = key_find(p, key);
        if (i < 0) continue;
        int rc = post_need(k, pi, (uint64_t)i, err, errlen);
        if (rc) return rc;
        const unsigned char *q = p->post + p->poff[i], *qe = p->post + p->poff[i + 1];
        uint64_t d = 0;
        for (uint64_t t = 0; t < p->cnt[i]; t++) {
            uint64_t v, w;
            if (next_post(&q, qe, 1, &v, &w) || (t && !v) || (t ? d + v : v) >= p->ndocs) {
                ty_seterr(err, errlen, "section 'keywords': posting list %lld of part %u is "
                          "damaged", (long long)i, pi);
                return TENYO_ERR_CORRUPT;
            }
            d = t ? d + v : v;
            if (!w) return 1; /* a count the build could not hold: verify instead */
            uint64_t at = p->first + d, doc = k->pos2doc ? k->pos2doc[at] : at;
            if (doc == UINT64_MAX) continue;
            tf[doc] = (uint32_t)w;
            n++;
        }
    }
    *df = n;
    return TENYO_OK;
}

void ty_kwx_frames(const ty_kwx *k, uint64_t *text, uint64_t *text_decoded, uint64_t *post,
                   uint64_t *post_decoded) {
    *text = *text_decoded = *post = *post_decoded = 0;
    for (uint32_t pi = 0; k && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        if (!p->v2) continue;
        *post += p->npost;
        *text += p->ntext;
        for (uint64_t f = 2; f < 2 + (uint64_t)p->npost + p->ntext; f++)
            if (__atomic_load_n(&p->state[f], __ATOMIC_ACQUIRE))
                ++*(f < 2 + (uint64_t)p->npost ? post_decoded : text_decoded);
    }
}
