/*
 * fuzz_index.c — the index loader (ty_store_read behind tenyo_index_open)
 * over a whole file made of the input, then the loaded index in use.
 *
 * Design. The input is the file, written to a memfd and opened by its /proc
 * path, so the loader's pread loop and size checks run as on disk. Before
 * that, when the input is long enough to hold the section table it claims,
 * the target writes the true file size and the header's FNV-1a checksum
 * into it: without this nearly every mutation would die at the checksum and
 * the table checks behind it (offsets, sizes, overlaps, names, frame
 * headers) would never be reached. The checksum refusal itself is covered
 * by the corrupted-index fixtures (tests/fixtures/). Section contents sit
 * behind zstd's own checksums, which no byte-level mutation passes:
 * fuzz_index_sections.c re-compresses a valid index's sections instead.
 */
#include "fuzz.h"

#define HDR_FIXED 32u   /* bytes before the section table (store/format.h) */
#define HDR_ENTRY 48u   /* bytes per section table entry */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *f = malloc(size ? size : 1);
    if (!f) return 0;
    if (size) memcpy(f, data, size);
    if (size >= HDR_FIXED) {
        uint32_t nsec = le32(f + 16);
        size_t tlen = HDR_FIXED + HDR_ENTRY * (size_t)nsec;
        if (nsec >= 1 && nsec <= TENYO_MAX_SECTIONS && size >= tlen + 8) {
            put_le64(f + 24, size);
            put_le64(f + tlen, ty_fnv1a(f, tlen));
        }
    }
    char path[64];
    int fd = fz_memfd(f, size, path, sizeof path);
    if (fd >= 0) {
        fz_open_index(path);
        close(fd);
    }
    free(f);
    return 0;
}
