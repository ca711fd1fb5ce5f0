/*
 * vocabmap.c — the optional section "vocab.map": the vocabulary laid out
 * to be looked up where it lies. A query process maps it and looks its
 * words up in its slots; it neither decodes the section "vocab" nor hashes
 * every term into a table of its own (at 1M documents, 330,788 terms:
 * 8.5 MB decoded and checked, about 20 ms, then a table built, 10-15 ms,
 * before the first word of a query could be found).
 *
 * Raw content (little-endian; T terms, S slots, B bytes of terms):
 *
 *   0        8   magic "TYVMAP1\0"
 *   8        8   T (the model's terms)
 *   16       8   S (a power of two, 4T < 3S: at most three quarters full)
 *   24       8   B (the bytes of section "vocab", at most 4 GiB - 1)
 *   32       4T  u32 per term: where it starts in the terms below
 *   32+4T    4S  u32 per slot: 0 empty, else a term's number + 1; term t
 *                goes to the first empty slot from FNV-1a 64 of its bytes
 *                (the published offset basis, ty_fnv1a_std) modulo S on,
 *                the terms placed in their order, wrapping at S
 *   32+4T+4S B   the terms, each NUL-terminated: section "vocab"'s content
 *
 * so a lookup hashes the word, reads slots from its own until an empty
 * one, and compares the terms they name. The section is stored raw (a
 * skippable frame: format.h, "Sections stored raw") and written for every
 * single file (at 1M documents 9.8 MB raw: 2.0 MB of slots, 1.3 MB of
 * starts, the 8.5 MB of terms again; +0.7% of the file; the 60,620-record
 * corpus +2.1 MB, +3%; the bundled sample's 12k terms +0.3 MB). The
 * section "vocab" stays as it was, so a reader from before this section
 * reads the file as before and ignores it (unknown optional sections are
 * skipped), and a whole read (tenyo check, an update, a segment) still
 * decodes "vocab", then reads this section whole (its checksum) and
 * compares every byte of it with what the terms give (ty_vmap_verify). An
 * index opened for queries maps it and reads only its head, checked
 * against the model (magic, T, S, B, the sizes, the last byte a NUL): an
 * id or a start out of range is passed over by a lookup, and every term
 * ends inside the mapping, so damage there gives a wrong word, never a
 * read outside, until check names the section; the same trust as the
 * int8 codes' mapping. Rejected: the "vocab" section itself stored raw
 * (older readers would refuse the file); the build's own hash table
 * stored (its slots hold a hash's high half beside the number: twice the
 * bytes, for a probe a query makes a few hundred times); a sorted
 * permutation searched by halves (18 comparisons and page touches a word
 * instead of one or two).
 *
 * Who calls whom: write.c calls ty_vmap_pack; read_rows.c calls
 * ty_rd_vmap (a lazy read: read_head.c's ty_rd_map_raw maps it),
 * ty_vmap_terms (the term tables from the mapping) and ty_vmap_verify (a
 * whole read, through ty_rd_check_raw); both tables' slots are slots.c's;
 * api/index.c gives the
 * mapping to the index's term table (util.c's ty_strmap_adopt_stored).
 */
#include "store/format.h"
#include "store/reader.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define VMAP_MAGIC "TYVMAP1"
#define VMAP_HEAD 32u

int ty_vmap_want(const ty_model *m) {
    const char *e = getenv("TENYO_VOCAB_MAP");
    return !(e && !strcmp(e, "0")) && m->term_blob && m->term_off &&
           m->term_blob_len < UINT32_MAX && m->nterms < (1ull << 31);
}

int ty_vmap_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t t = m->nterms, b = m->term_blob_len, s = ty_slots_for(t);
    uint64_t raw = VMAP_HEAD + 4 * t + 4 * s + b;
    out->len = 0;
    if (ty_buf_reserve(out, (size_t)raw)) {
        ty_seterr(err, errlen, "out of memory for the section 'vocab.map'");
        return TENYO_ERR_NOMEM;
    }
    unsigned char *p = (unsigned char *)out->p;
    memset(p, 0, (size_t)(VMAP_HEAD + 4 * t + 4 * s));
    memcpy(p, VMAP_MAGIC, sizeof VMAP_MAGIC);
    put_le64(p + 8, t);
    put_le64(p + 16, s);
    put_le64(p + 24, b);
    unsigned char *off = p + VMAP_HEAD, *slot = off + 4 * t;
    for (uint64_t i = 0; i < t; i++) {
        const char *k = m->term_blob + m->term_off[i];
        put_le32(off + 4 * i, (uint32_t)m->term_off[i]);
        ty_slots_put(slot, s, k, strlen(k), (uint32_t)i);
    }
    memcpy(slot + 4 * s, m->term_blob, (size_t)b);
    out->len = (size_t)raw;
    return TENYO_OK;
}

/* The head of a section of raw bytes h (VMAP_HEAD of them) checked
 * against model m: 0 with *s the slots, or -1 with the reason in why. */
static int vmap_head(const unsigned char *h, uint64_t raw, const ty_model *m, uint64_t *s,
                     char *why, size_t whylen) {
    uint64_t t = get_le64(h + 8), b = get_le64(h + 24);
    *s = get_le64(h + 16);
    if (memcmp(h, VMAP_MAGIC, sizeof VMAP_MAGIC)) {
        ty_seterr(why, whylen, "no vocab.map magic");
        return -1;
    }
    if (t != m->nterms || t >= (1ull << 31) || b >= UINT32_MAX || b < t) {
        ty_seterr(why, whylen, "%llu terms in %llu bytes, the model has %llu terms",
                  (unsigned long long)t, (unsigned long long)b, (unsigned long long)m->nterms);
        return -1;
    }
    if (!ty_slots_fit(*s, t)) {
        ty_seterr(why, whylen, "%llu slots for %llu terms", (unsigned long long)*s,
                  (unsigned long long)t);
        return -1;
    }
    if (raw != VMAP_HEAD + 4 * t + 4 * *s + b) {
        ty_seterr(why, whylen, "%llu bytes, its counts make %llu", (unsigned long long)raw,
                  (unsigned long long)(VMAP_HEAD + 4 * t + 4 * *s + b));
        return -1;
    }
    return 0;
}

int ty_rd_vmap(reader *r, ty_model *m) {
    const rd_sec *s = ty_rd_find(r, "vocab.map");
    if (!s || !r->lazy || r->mem || r->fd < 0 || s->raw < VMAP_HEAD) return 1;
    void *map = NULL;
    size_t len = 0;
    const unsigned char *c = NULL;
    int rc = ty_rd_map_raw(r, "vocab.map", s, s->raw, 0, &map, &len, &c);
    if (rc) return rc; /* 1: compressed (not written so): read as "vocab" */
    char why[TY_ERRLEN];
    uint64_t slots = 0;
    rc = vmap_head(c, s->raw, m, &slots, why, sizeof why);
    if (!rc && c[s->raw - 1]) {
        ty_seterr(why, sizeof why, "its last term has no end");
        rc = -1;
    }
    if (rc) {
        ty_seterr(r->err, r->errlen, "%s: section 'vocab.map': %s", r->path, why);
        munmap(map, len);
        return TENYO_ERR_CORRUPT;
    }
    m->vmap = map;
    m->vmap_len = len;
    m->vmap_raw = c;
    m->vmap_nslots = slots;
    return TENYO_OK;
}

int ty_vmap_terms(reader *r, ty_model *m) {
    uint64_t t = m->nterms, s = m->vmap_nslots;
    const unsigned char *off = m->vmap_raw + VMAP_HEAD;
    uint64_t b = get_le64(m->vmap_raw + 24);
    uint64_t *o = ty_mallocarray(t ? t : 1, sizeof *o);
    if (!o) {
        ty_seterr(r->err, r->errlen, "out of memory for the term table");
        return TENYO_ERR_NOMEM;
    }
    /* starts strictly increasing from 0, inside the terms: every term a
     * string ending inside the mapping (its last byte is a NUL) */
    for (uint64_t i = 0; i < t; i++) {
        o[i] = get_le32(off + 4 * i);
        if (o[i] >= b || (i ? o[i] <= o[i - 1] : o[i] != 0)) {
            ty_seterr(r->err, r->errlen, "%s: section 'vocab.map': term %llu starts at %llu",
                      r->path, (unsigned long long)i, (unsigned long long)o[i]);
            free(o);
            return TENYO_ERR_CORRUPT;
        }
    }
    m->term_blob = (char *)(uintptr_t)(off + 4 * t + 4 * s);
    m->term_blob_len = b;
    m->term_off = o;
    m->term_blob_mapped = 1;
    return TENYO_OK;
}

const void *ty_vmap_slots(const ty_model *m, size_t *nslots, const void **starts) {
    if (!m->vmap) return NULL;
    *nslots = (size_t)m->vmap_nslots;
    *starts = m->vmap_raw + VMAP_HEAD;
    return m->vmap_raw + VMAP_HEAD + 4 * m->nterms;
}

const char *ty_vmap_blob(const ty_model *m, uint64_t *len) {
    if (!m->vmap) return NULL;
    *len = get_le64(m->vmap_raw + 24);
    return (const char *)(m->vmap_raw + VMAP_HEAD + 4 * m->nterms + 4 * m->vmap_nslots);
}

/* Term i of model ud (ty_slots_verify's key). */
static const char *term_of(const void *ud, uint64_t i) {
    const ty_model *m = ud;
    return m->term_blob + m->term_off[i];
}

int ty_vmap_verify(const ty_model *m, const unsigned char *p, uint64_t raw, char *why,
                   size_t whylen) {
    uint64_t s;
    if (raw < VMAP_HEAD || vmap_head(p, raw, m, &s, why, whylen)) {
        if (raw < VMAP_HEAD) ty_seterr(why, whylen, "%llu bytes", (unsigned long long)raw);
        return -1;
    }
    uint64_t t = m->nterms, b = get_le64(p + 24);
    const unsigned char *off = p + VMAP_HEAD, *slot = off + 4 * t;
    if (b != m->term_blob_len || memcmp(slot + 4 * s, m->term_blob, (size_t)b)) {
        ty_seterr(why, whylen, "its terms differ from section vocab's");
        return -1;
    }
    for (uint64_t i = 0; i < t; i++)
        if (get_le32(off + 4 * i) != m->term_off[i]) {
            ty_seterr(why, whylen, "term %llu's start differs from section vocab's",
                      (unsigned long long)i);
            return -1;
        }
    uint64_t used = 0;
    int bad = ty_slots_verify(slot, s, t, term_of, m, &used);
    if (bad == TENYO_ERR_NOMEM) {
        ty_seterr(why, whylen, "out of memory");
        return -1;
    }
    if (bad) {
        ty_seterr(why, whylen, "its slots do not find every term once (%llu of %llu used)",
                  (unsigned long long)used, (unsigned long long)t);
        return -1;
    }
    return 0;
}
