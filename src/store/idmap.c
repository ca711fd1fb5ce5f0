/*
 * idmap.c — the optional section "ids.map": the documents' ids laid out to
 * be looked up where they lie. A process that names one patent (similar
 * ID, ideas ID) maps it, hashes the id, and reads a slot or two; each slot
 * names a document whose id is read from its own frame of ids (docmeta's
 * layout 2, a frame of 256 ids decoded and kept) and compared. Before it
 * such a process read and compared every frame of ids (at 1M documents
 * 3,907 frames, about 30-45 ms), and a process with more lookups hashed
 * every id into a table (70-140 ms of fresh memory and hashing).
 *
 * Raw content (little-endian; N documents, S slots):
 *
 *   0     8   magic "TYIDMP1\0"
 *   8     8   N (the model's documents)
 *   16    8   S (a power of two, 4N < 3S: at most three quarters full)
 *   24    4S  u32 per slot: 0 empty, else a document's number + 1;
 *             document d goes to the first empty slot from FNV-1a 64 of
 *             its id's bytes (the published offset basis, ty_fnv1a_std)
 *             modulo S on, the documents placed in their order, wrapping
 *
 * The ids themselves are not copied: they are docmeta's. Stored raw (a
 * skippable frame, format.h "Sections stored raw"); written for a single
 * file whose docmeta is layout 2 (its frames of ids are what a lookup
 * compares with; 1M documents: 8 MiB, +0.6% of the file; 60,620: 512 KiB,
 * +0.7%). A reader from before it ignores it. An index opened for queries
 * maps it and checks its head against the model (magic, N, S, the size);
 * a slot naming a document past N is passed over, one naming the wrong
 * document compares unequal, so damage gives "not found" at worst until
 * check names the section; a whole read (tenyo check) reads it whole (its
 * checksum) and checks every slot and every document's place
 * (ty_idmap_verify). An index with updates, or with documents of its base
 * deleted, looks ids up as before (its documents are no longer the base's).
 * Rejected: a copy of the ids beside the slots (13 MB more at 1M for the
 * one frame a lookup decodes); the build's hash table with its hash bits
 * (twice the bytes).
 *
 * Who calls whom: write.c calls ty_idmap_pack; read_rows.c calls
 * ty_rd_idmap (a lazy read: ty_rd_map_raw maps it) and ty_idmap_verify
 * (a whole read, through ty_rd_check_raw); the slots are slots.c's;
 * api/meta.c (tenyo_index_find) calls ty_idmap_find.
 */
#include "store/format.h"
#include "store/reader.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define IDMAP_MAGIC "TYIDMP1"
#define IDMAP_HEAD 24u

int ty_idmap_want(const ty_model *m) {
    const char *e = getenv("TENYO_IDS_MAP");
    return !(e && !strcmp(e, "0")) && ty_dm_write_layout() == 2 && m->ndocs < (1ull << 31);
}

int ty_idmap_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t n = m->ndocs, s = ty_slots_for(n), raw = IDMAP_HEAD + 4 * s;
    out->len = 0;
    if (ty_buf_reserve(out, (size_t)raw)) {
        ty_seterr(err, errlen, "out of memory for the section 'ids.map'");
        return TENYO_ERR_NOMEM;
    }
    unsigned char *p = (unsigned char *)out->p, *slot = p + IDMAP_HEAD;
    memset(p, 0, (size_t)raw);
    memcpy(p, IDMAP_MAGIC, sizeof IDMAP_MAGIC);
    put_le64(p + 8, n);
    put_le64(p + 16, s);
    for (uint64_t d = 0; d < n; d++) {
        const char *id = ty_meta_str(m, d, TY_META_ID);
        ty_slots_put(slot, s, id, strlen(id), (uint32_t)d);
    }
    out->len = (size_t)raw;
    return TENYO_OK;
}

/* The head h (IDMAP_HEAD bytes) of a section of raw bytes checked
 * against m: 0 with *s the slots, or -1 with the reason in why. */
static int idmap_head(const unsigned char *h, uint64_t raw, const ty_model *m, uint64_t *s,
                      char *why, size_t whylen) {
    uint64_t n = get_le64(h + 8);
    *s = get_le64(h + 16);
    if (memcmp(h, IDMAP_MAGIC, sizeof IDMAP_MAGIC)) {
        ty_seterr(why, whylen, "no ids.map magic");
        return -1;
    }
    if (n != m->ndocs) {
        ty_seterr(why, whylen, "%llu documents, the model has %llu", (unsigned long long)n,
                  (unsigned long long)m->ndocs);
        return -1;
    }
    if (!ty_slots_fit(*s, n) || raw != IDMAP_HEAD + 4 * *s) {
        ty_seterr(why, whylen, "%llu slots for %llu documents in %llu bytes",
                  (unsigned long long)*s, (unsigned long long)n, (unsigned long long)raw);
        return -1;
    }
    return 0;
}

int ty_rd_idmap(reader *r, ty_model *m) {
    const rd_sec *s = ty_rd_find(r, "ids.map");
    if (!s || !r->lazy || r->mem || r->fd < 0 || s->raw < IDMAP_HEAD) return 1;
    void *map = NULL;
    size_t len = 0;
    const unsigned char *c = NULL;
    int rc = ty_rd_map_raw(r, "ids.map", s, s->raw, 0, &map, &len, &c);
    if (rc) return rc;
    char why[TY_ERRLEN];
    uint64_t slots = 0;
    if (idmap_head(c, s->raw, m, &slots, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'ids.map': %s", r->path, why);
        munmap(map, len);
        return TENYO_ERR_CORRUPT;
    }
    m->idmap = map;
    m->idmap_len = len;
    m->idmap_slots = c + IDMAP_HEAD;
    m->idmap_nslots = slots;
    return TENYO_OK;
}

int ty_idmap_find(const ty_model *m, const char *id, size_t len, int64_t *doc, char *err,
                  size_t errlen) {
    *doc = -1;
    if (!m->idmap) return 1;
    if (memchr(id, 0, len)) return TENYO_OK; /* no stored id holds a NUL */
    uint64_t s = m->idmap_nslots, j = ty_fnv1a_std(id, len) & (s - 1);
    for (uint64_t probes = 0; probes < s; probes++, j = (j + 1) & (s - 1)) {
        uint32_t v = get_le32(m->idmap_slots + 4 * j);
        if (!v) return TENYO_OK;
        if (v - 1 >= m->ndocs) continue;
        const char *k = NULL;
        int rc = ty_meta_id(m, v - 1, &k, err, errlen);
        if (rc) return rc; /* its frame of ids damaged: named */
        if (!strncmp(k, id, len) && !k[len]) {
            *doc = (int64_t)(v - 1);
            return TENYO_OK;
        }
    }
    return TENYO_OK;
}

/* Document i's id in model ud (ty_slots_verify's key). */
static const char *id_of(const void *ud, uint64_t i) {
    return ty_meta_str(ud, i, TY_META_ID);
}

int ty_idmap_verify(const ty_model *m, const unsigned char *p, uint64_t raw, char *why,
                    size_t whylen) {
    uint64_t s;
    if (raw < IDMAP_HEAD || idmap_head(p, raw, m, &s, why, whylen)) {
        if (raw < IDMAP_HEAD) ty_seterr(why, whylen, "%llu bytes", (unsigned long long)raw);
        return -1;
    }
    uint64_t n = m->ndocs, used = 0;
    int bad = ty_slots_verify(p + IDMAP_HEAD, s, n, id_of, m, &used);
    if (bad == TENYO_ERR_NOMEM) {
        ty_seterr(why, whylen, "out of memory");
        return -1;
    }
    if (bad) {
        ty_seterr(why, whylen, "its slots do not find every document once (%llu of %llu used)",
                  (unsigned long long)used, (unsigned long long)n);
        return -1;
    }
    return 0;
}
