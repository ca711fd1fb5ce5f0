/*
 * slots.c — the open addressing both lookup tables of an index file lay
 * out ("vocab.map", vocabmap.c; "ids.map", idmap.c): S u32 little-endian
 * slots, S a power of two with 4n < 3S (at most three quarters full), 0
 * empty, else the number + 1 of key i, placed at the first empty slot from
 * FNV-1a 64 of its bytes (the published offset basis, ty_fnv1a_std)
 * modulo S on, the keys in their order, wrapping at S. What the two
 * tables differ in (where a key's bytes are: the terms beside the slots,
 * the ids in docmeta's frames) is their callers'.
 */
#include "store/format.h"

#include <stdlib.h>
#include <string.h>

uint64_t ty_slots_for(uint64_t n) {
    uint64_t s = 16;
    while (s * 3 <= n * 4) s *= 2;
    return s;
}

int ty_slots_fit(uint64_t s, uint64_t n) {
    return s >= 16 && s <= (1ull << 33) && !(s & (s - 1)) && s * 3 > n * 4;
}

void ty_slots_put(unsigned char *slot, uint64_t s, const char *key, size_t len, uint32_t i) {
    uint64_t j = ty_fnv1a_std(key, len) & (s - 1);
    while (get_le32(slot + 4 * j)) j = (j + 1) & (s - 1);
    put_le32(slot + 4 * j, i + 1);
}

int ty_slots_verify(const unsigned char *slot, uint64_t s, uint64_t n,
                    const char *(*key)(const void *ud, uint64_t i), const void *ud,
                    uint64_t *used) {
    unsigned char *seen = calloc(n ? n : 1, 1);
    if (!seen) return TENYO_ERR_NOMEM;
    uint64_t bad = UINT64_MAX;
    *used = 0;
    for (uint64_t j = 0; j < s && bad == UINT64_MAX; j++) {
        uint32_t v = get_le32(slot + 4 * j);
        if (!v) continue;
        if (v - 1 >= n || seen[v - 1]++) bad = j;
        ++*used;
    }
    for (uint64_t i = 0; i < n && bad == UINT64_MAX; i++) {
        const char *k = key(ud, i);
        uint64_t j = ty_fnv1a_std(k, strlen(k)) & (s - 1), probes = 0;
        while (get_le32(slot + 4 * j) != i + 1 && get_le32(slot + 4 * j) && probes++ < s)
            j = (j + 1) & (s - 1);
        if (get_le32(slot + 4 * j) != i + 1) bad = i;
    }
    free(seen);
    return bad == UINT64_MAX && *used == n ? 0 : -1;
}
