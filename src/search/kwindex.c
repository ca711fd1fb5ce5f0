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
 * count, the workers' lists freed once joined (a build's peak). (Sharing
 * the keys out by a hash, every worker walking all the text: 1.5x the CPU.)
 *
 * Layout 1 (read: indexes made before layout 2; ty_kwx_pack_version 1
 * writes it for tests), one blob decoded whole, little-endian:
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
 * Layout 2 (written): the same in frames read on first use, kwframes.c.
 *
 * Code points are read leniently (a byte that does not start a complete
 * UTF-8 sequence is its own "character", 0x110000 + byte): the same reader
 * runs over the text and over a unit, and a valid UTF-8 unit found by
 * memmem starts on a boundary of the text's reading, so its bigrams are
 * the text's there. Rejected: trigram postings (fewer candidates for long
 * units, but a Japanese two-character word, the commonest query, has no
 * trigram); positional postings (phrases verified without the text, at
 * three to four times the bytes: the text is needed anyway to count hits
 * for ranking); postings built at open from the text (what indexes
 * without the section pay on their first query, as a scan); the text
 * uncompressed and mapped (40 MB more at 60k; a cut file a SIGBUS).
 * Measured costs are in docs/keywords.md.
 *
 * An index with updates has one section per part (the base and each
 * segment, each built with its own documents); ty_kwx_open takes them all
 * with the live documents' global positions, and maps each part's
 * candidates to the merged index's documents, dropping deleted ones.
 */
#include "search/kwparts.h"

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

/* The workers' maps and lists freed (k NULL or nt of them; again: no-op). */
static void kbuild_free(kbuild *k, int nt) {
    for (int t = 0; k && t < nt; t++) {
        free(k[t].map.slot);
        free(k[t].map.id);
        free(k[t].key);
        free(k[t].cnt);
        free(k[t].last);
        free(k[t].list);
        free(k[t].tf);
        free(k[t].lpos);
        free(k[t].at);
        memset(&k[t], 0, sizeof k[t]);
    }
}

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
    /* the workers' lists are in post now: freed before the frames are
     * made (the build's peak: the SVD runs beside this) */
    kbuild_free(k, nt);
    free(order);
    order = NULL;
    if (!rc && version >= 2) {
        rc = ty_kwx_pack_frames(text, len, n, threads, &keys, &post, nkeys, out, err, errlen);
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
    kbuild_free(k, nt);
    free(k);
    free(from);
    free(off);
    free(order);
    ty_buf_free(&keys);
    ty_buf_free(&post);
    return rc;
}

/* ============================================================ reading */

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
    int rc = ty_kwx_keys_decode(p, b + KWX_HEAD + t, kb, nk, pb, err, errlen);
    if (rc) return rc;
    p->post = b + KWX_HEAD + t + kb;
    *text = tx;
    *textlen = t;
    return TENYO_OK;
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
            rc = rd ? ty_kwx_part_open2(k, i, rd, ud, len[i], err, errlen)
                    : ty_kwx_part_open2(k, i, ty_kwx_blob_read, (void *)blob[i], len[i], err,
                                        errlen);
            for (uint64_t f = 2; !rc && !whole && f < 2 + (uint64_t)k->part[i].npost +
                                                     k->part[i].ntext; f++)
                rc = ty_kwx_frame_need(k, i, f, err, errlen);
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
        for (size_t j = 0; j < nk && !rc; j++)
            rc = ty_kwx_post_need(k, pi, (uint64_t)idx[j], err, errlen);
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
    int rc = ty_kwx_need_all(k, err, errlen);
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

int ty_kwx_pair(const ty_kwx *k, const char *u, size_t len, uint32_t *tf, uint64_t *df,
                char *err, size_t errlen) {
    /* two valid code points, neither the title break */
    const unsigned char *s = (const unsigned char *)u;
    uint32_t c1, c2;
    size_t l1 = len ? cp_at(s, len, &c1) : 0;
    size_t l2 = l1 && l1 < len ? cp_at(s + l1, len - l1, &c2) : 0;
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
        int rc = ty_kwx_post_need(k, pi, (uint64_t)i, err, errlen);
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
