/*
 * read_head.c — the first steps of reading an index file, each checked
 * before anything is allocated from it: the header (magic, version, flags
 * that must be zero, the section table with every offset and size bounded
 * by the file), one section's zstd frame read and decompressed with its
 * checksum, or a section stored raw read and its checksum compared
 * (ty_rd_section: its raw size equal to what the counts imply, no larger
 * than the frame can expand to), and the build record (the counts
 * and options the index was made with). The lowest file of the reader.
 */
#include "store/format.h"
#include "store/reader.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_POPULATE /* Linux's: elsewhere the pages are faulted in as read */
#define MAP_POPULATE 0
#endif

static int host_is_le(void) {
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Convert n little-endian elements of size 1, 2, 4 or 8 in place to host
 * order. A no-op on little-endian hosts, where the loader's arrays are
 * usable as decompressed. */
void ty_rd_le_to_host(void *p, size_t n, size_t size) {
    if (size < 2 || host_is_le()) return;
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += size) {
        if (size == 2) {
            uint16_t v = (uint16_t)(b[0] | b[1] << 8);
            memcpy(b, &v, 2);
        } else if (size == 4) {
            uint32_t v = get_le32(b);
            memcpy(b, &v, 4);
        } else {
            uint64_t v = get_le64(b);
            memcpy(b, &v, 8);
        }
    }
}

/* ================================================================ build */

/* What the build section says, before it is moved into the model. */
typedef struct build_info {
    char *str[3];         /* tokenizer, writer, mecab_dicdir (malloc'd) */
    int64_t num[14];      /* signed fields, in build_keys order from 3 */
    uint64_t unum[14];    /* unsigned fields, same order */
    double ratio;         /* max_df_ratio */
    unsigned seen;        /* bit per key found */
} build_info;

/* Keys of the build section: name, kind ('s' string, 'i' signed, 'u'
 * unsigned, 'd' double), and bounds for integers. */
static const struct build_key {
    const char *name;     /* key */
    char kind;            /* s, i, u or d */
    int64_t lo;           /* minimum (i) */
    uint64_t hi;          /* maximum (i, u) */
} build_keys[] = {
    {"tokenizer", 's', 0, 0},
    {"writer", 's', 0, 0},
    {"mecab_dicdir", 's', 0, 0},
    {"keep_parts", 'i', INT_MIN, INT_MAX},
    {"stem", 'i', INT_MIN, INT_MAX},
    {"seed", 'u', 0, UINT64_MAX},
    {"min_df", 'i', INT32_MIN, INT32_MAX},
    {"max_df_ratio", 'd', 0, 0},
    {"oversample", 'i', INT32_MIN, INT32_MAX},
    {"power_iters", 'i', INT32_MIN, INT32_MAX},
    {"created", 'i', INT64_MIN, INT64_MAX},
    {"dim", 'u', 0, TY_MAX_DIM},
    {"ndocs", 'u', 0, TY_MAX_DOCS},
    {"nterms", 'u', 0, TY_MAX_TERMS},
    {"nnz", 'u', 0, TY_MAX_NNZ},
    {"nfields", 'u', 0, TY_MAX_FIELDS},
    {"max_terms", 'u', 0, UINT32_MAX}, /* optional: written when not 0 */
};
enum { BK_TOK, BK_WRITER, BK_DICDIR, BK_PARTS, BK_STEM, BK_SEED, BK_MINDF,
       BK_RATIO, BK_OVERS, BK_POWER, BK_CREATED, BK_DIM, BK_NDOCS, BK_NTERMS,
       BK_NNZ, BK_NFIELDS, BK_MAXTERMS, BK_N };
_Static_assert(BK_N - BK_PARTS == 14, "build_info's arrays hold one entry per numeric key");

/* Parse the build text (len bytes, not NUL-terminated in the file; the
 * caller put a NUL at text[len]). Fills bi; strings unescaped. 0 ok, -1
 * with a reason in why. */
static int build_parse(char *text, size_t len, build_info *bi, char *why,
                       size_t whylen) {
    int rc = -1;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) {
        ty_seterr(why, whylen, "no C locale");
        return -1;
    }
    if (memchr(text, 0, len)) {
        ty_seterr(why, whylen, "contains a NUL byte");
        goto done;
    }
    char *p = text, *end = text + len;
    long line = 0;
    while (p < end) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            ty_seterr(why, whylen, "line %ld has no newline", line);
            goto done;
        }
        *nl = 0;
        char *eq = strchr(p, '=');
        if (!eq) {
            ty_seterr(why, whylen, "line %ld has no '='", line);
            goto done;
        }
        *eq = 0;
        char *v = eq + 1;
        int k = 0;
        while (k < BK_N && strcmp(build_keys[k].name, p) != 0) k++;
        if (k == BK_N) { /* a later writer's key: ignore */
            p = nl + 1;
            continue;
        }
        const struct build_key *bk = &build_keys[k];
        if (bi->seen & (1u << k)) {
            ty_seterr(why, whylen, "key '%s' appears twice", bk->name);
            goto done;
        }
        bi->seen |= 1u << k;
        char *e = NULL;
        errno = 0;
        if (bk->kind == 's') {
            char *s = ty_strdup(v), *o = s;
            if (!s) {
                ty_seterr(why, whylen, "out of memory");
                goto done;
            }
            for (const char *q = v; *q; q++) {
                if (*q != '\\') {
                    *o++ = *q;
                    continue;
                }
                q++;
                if (*q == '\\') *o++ = '\\';
                else if (*q == 'n') *o++ = '\n';
                else if (*q == 'r') *o++ = '\r';
                else {
                    free(s);
                    ty_seterr(why, whylen, "bad escape in '%s'", bk->name);
                    goto done;
                }
            }
            *o = 0;
            bi->str[k] = s;
        } else if (bk->kind == 'd') {
            bi->ratio = strtod_l(v, &e, c);
            if (e == v || *e || errno || !isfinite(bi->ratio)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
        } else if (bk->kind == 'i') {
            long long x = strtoll(v, &e, 10);
            if (e == v || *e || errno || x < bk->lo || (x > 0 && (uint64_t)x > bk->hi)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
            bi->num[k - BK_PARTS] = x;
        } else {
            unsigned long long x = strtoull(v, &e, 10);
            if (e == v || *e || errno || *v == '-' || x > bk->hi) {
                ty_seterr(why, whylen, "bad value for '%s' (limit %llu)",
                          bk->name, (unsigned long long)bk->hi);
                goto done;
            }
            bi->unum[k - BK_PARTS] = x;
        }
        p = nl + 1;
    }
    for (int k = 0; k < BK_N; k++)
        if (!(bi->seen & (1u << k)) && k != BK_MAXTERMS) {
            ty_seterr(why, whylen, "key '%s' is missing", build_keys[k].name);
            goto done;
        }
    rc = 0;
done:
    freelocale(c);
    return rc;
}

/* ================================================================= read */

/* Read exactly n bytes at off: 0, or TENYO_ERR_IO / _CORRUPT (short). */
int ty_rd_pread(reader *r, void *p, size_t n, uint64_t off) {
    unsigned char *b = p;
    while (n) {
        ssize_t k = pread(r->fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            ty_seterr(r->err, r->errlen, "%s: cannot read: %s", r->path,
                      strerror(errno));
            return TENYO_ERR_IO;
        }
        if (k == 0) {
            ty_seterr(r->err, r->errlen,
                      "%s: file ended at byte %llu (truncated while reading?)",
                      r->path, (unsigned long long)off);
            return TENYO_ERR_CORRUPT;
        }
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return TENYO_OK;
}

/* What a file that is not an index looks like from its first n bytes b,
 * when it looks like one of the sources of records tenyo reads (the usual
 * mistake: the input given where the index goes): "a JSON Lines", "an
 * XML", "a CSV" or NULL. */
static const char *source_kind(const unsigned char *b, size_t n) {
    size_t i = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) i = 3; /* UTF-8 BOM */
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
    if (i < n && (b[i] == '{' || b[i] == '[')) return "a JSON Lines";
    if (i < n && b[i] == '<') return "an XML";
    /* text (no NUL or other control bytes) whose first two lines each
     * hold two commas or tabs or more (a C or prose file seldom does) */
    size_t sep[2] = {0, 0};
    for (int line = 0; line < 2 && i < n; line++, i++) {
        for (; i < n && b[i] != '\n'; i++) {
            if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\r') return NULL;
            sep[line] += b[i] == ',' || b[i] == '\t';
        }
        if (i >= n && line == 0) sep[1] = 2; /* one line only */
    }
    return sep[0] >= 2 && sep[1] >= 2 ? "a CSV" : NULL;
}

/* The error of a file that is not an index (why: "bad magic", "too
 * short"), naming what it looks like when it looks like a source. */
static int not_an_index(reader *r, const char *why) {
    unsigned char b[512];
    size_t n = r->fsize < sizeof b ? (size_t)r->fsize : sizeof b;
    const char *kind = n && ty_rd_pread(r, b, n, 0) == TENYO_OK ? source_kind(b, n) : NULL;
    if (kind)
        ty_seterr(r->err, r->errlen,
                  "%s: not a tenyo index: it looks like %s file, a source of records "
                  "(make an index of it first: tenyo index %s -o INDEX.tny)",
                  r->path, kind, r->path);
    else if (!strcmp(why, "too short"))
        ty_seterr(r->err, r->errlen, "%s: %llu bytes is too short for a tenyo index",
                  r->path, (unsigned long long)r->fsize);
    else
        ty_seterr(r->err, r->errlen, "%s: not a tenyo index (bad magic)", r->path);
    return TENYO_ERR_CORRUPT;
}

/* The fixed header (h[0..STORE_FIXED)): the magic, a format this program
 * reads, the section count, and the file long enough for the table;
 * *tlen: the bytes of the header and its table. */
static int rd_fixed(reader *r, unsigned char *h, uint32_t *nsec, size_t *tlen) {
    if (r->fsize < STORE_FIXED + STORE_ENTRY + 8) return not_an_index(r, "too short");
    int rc = ty_rd_pread(r, h, STORE_FIXED, 0);
    if (rc) return rc;
    if (memcmp(h, STORE_MAGIC, 8) != 0) return not_an_index(r, "bad magic");
    uint32_t version = get_le32(h + 8);
    *nsec = get_le32(h + 16);
    if (version == 0) {
        ty_seterr(r->err, r->errlen, "%s: index format 0 is invalid", r->path);
        return TENYO_ERR_CORRUPT;
    }
    if (version > STORE_VERSION) {
        ty_seterr(r->err, r->errlen,
                  "%s: index format %u is newer than this program (reads up "
                  "to %u)",
                  r->path, version, STORE_VERSION);
        return TENYO_ERR_VERSION;
    }
    r->version = version;
    if (*nsec == 0 || *nsec > TENYO_MAX_SECTIONS) {
        ty_seterr(r->err, r->errlen, "%s: header claims %u sections (1..%d)",
                  r->path, *nsec, TENYO_MAX_SECTIONS);
        return TENYO_ERR_CORRUPT;
    }
    *tlen = STORE_FIXED + STORE_ENTRY * (size_t)*nsec;
    if (r->fsize < *tlen + 8) {
        ty_seterr(r->err, r->errlen,
                  "%s: file ends inside the section table (%llu bytes, the "
                  "header of %u sections needs %llu: truncated?)",
                  r->path, (unsigned long long)r->fsize, *nsec,
                  (unsigned long long)*tlen + 8);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* The section table and the checksum after it read into h; the checksum
 * (the "updated" byte outside it in format 3), the flags and reserved
 * bytes, and the file's size as the header says checked. */
static int rd_table(reader *r, unsigned char *h, size_t tlen) {
    uint32_t version = r->version, flags = get_le32(h + 12);
    int rc = ty_rd_pread(r, h + STORE_FIXED, tlen + 8 - STORE_FIXED, STORE_FIXED);
    if (rc) return rc;
    unsigned char updated = h[STORE_UPDATED_AT];
    if (version >= 3) h[STORE_UPDATED_AT] = 0; /* outside the checksum */
    uint64_t sum = version >= 3 ? ty_fnv1a_std(h, tlen) : ty_fnv1a(h, tlen);
    h[STORE_UPDATED_AT] = updated;
    r->hsum = get_le64(h + tlen);
    if (r->hsum != sum) {
        ty_seterr(r->err, r->errlen,
                  "%s: header checksum mismatch (header or section table "
                  "damaged)",
                  r->path);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t reserved = get_le32(h + 20) & (version >= 3 ? 0xffffff00u : 0xffffffffu);
    if (flags != 0 || reserved != 0 || updated > 1) {
        ty_seterr(r->err, r->errlen,
                  "%s: unknown header flags 0x%x (reserved field 0x%x)",
                  r->path, flags, get_le32(h + 20));
        return TENYO_ERR_CORRUPT;
    }
    r->updated = updated;
    if (get_le64(h + 24) != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: header says %llu bytes but the file has %llu "
                  "(truncated or damaged)",
                  r->path, (unsigned long long)get_le64(h + 24),
                  (unsigned long long)r->fsize);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* 1 when name[0..16) is 1 to 15 of [a-z0-9._], NUL-padded. */
static int name_ok(const char *name) {
    size_t nl = strnlen(name, 16);
    int ok = nl > 0 && nl < 16;
    for (size_t j = 0; j < 16 && ok; j++) {
        char c = name[j];
        ok = j < nl ? ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_')
                    : c == 0;
    }
    return ok;
}

/* Table entry i (of h, tlen bytes with the table) into r->sec[i]: a good
 * name no earlier entry has, the reserved field zero, its frame after the
 * header and inside the file. */
static int rd_entry(reader *r, const unsigned char *h, uint32_t i, size_t tlen) {
    const unsigned char *e = h + STORE_FIXED + STORE_ENTRY * (size_t)i;
    rd_sec *s = &r->sec[i];
    memcpy(s->name, e, 16);
    if (!name_ok(s->name)) {
        ty_seterr(r->err, r->errlen,
                  "%s: section %u has a bad name (names are 1 to 15 of "
                  "[a-z0-9._], NUL-padded to 16 bytes)",
                  r->path, i);
        return TENYO_ERR_CORRUPT;
    }
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(r->sec[j].name, s->name) == 0) {
            ty_seterr(r->err, r->errlen, "%s: section '%s' appears twice", r->path, s->name);
            return TENYO_ERR_CORRUPT;
        }
    s->off = get_le64(e + 16);
    s->stored = get_le64(e + 24);
    s->raw = get_le64(e + 32);
    if (get_le64(e + 40) != 0) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' has a non-zero reserved field",
                  r->path, s->name);
        return TENYO_ERR_CORRUPT;
    }
    if (s->off < tlen + 8) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' starts at byte %llu, inside the header "
                  "(which ends at %llu)",
                  r->path, s->name, (unsigned long long)s->off,
                  (unsigned long long)tlen + 8);
        return TENYO_ERR_CORRUPT;
    }
    if (s->stored == 0 || s->off > r->fsize || s->stored > r->fsize - s->off) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' (offset %llu, %llu bytes) lies outside "
                  "the file",
                  r->path, s->name, (unsigned long long)s->off,
                  (unsigned long long)s->stored);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* The sections of r->sec in offset order (order[0..nsec)) disjoint, the
 * last one ending the file (trailing bytes no section owns mean a table
 * that lost entries). The writer lays them out contiguously in table
 * order; gaps between sections are tolerated because tests/test_store.c
 * forges sections by appending a frame and repointing the entry. */
static int rd_layout(reader *r, const int *order, uint32_t nsec) {
    for (uint32_t i = 1; i < nsec; i++) {
        const rd_sec *p = &r->sec[order[i - 1]], *q = &r->sec[order[i]];
        if (p->off + p->stored > q->off) {
            ty_seterr(r->err, r->errlen,
                      "%s: sections '%s' and '%s' overlap (bytes %llu..%llu "
                      "and %llu..%llu)",
                      r->path, p->name, q->name, (unsigned long long)p->off,
                      (unsigned long long)(p->off + p->stored - 1),
                      (unsigned long long)q->off,
                      (unsigned long long)(q->off + q->stored - 1));
            return TENYO_ERR_CORRUPT;
        }
    }
    const rd_sec *last = &r->sec[order[nsec - 1]];
    uint64_t next = last->off + last->stored;
    if (next != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: bytes %llu..%llu belong to no section (a damaged "
                  "section table?)",
                  r->path, (unsigned long long)next,
                  (unsigned long long)r->fsize - 1);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Read and check the header and section table. */
int ty_rd_header(reader *r) {
    unsigned char h[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    uint32_t nsec = 0;
    size_t tlen = 0;
    int rc = rd_fixed(r, h, &nsec, &tlen);
    if (!rc) rc = rd_table(r, h, tlen);
    if (rc) return rc;
    int order[TENYO_MAX_SECTIONS]; /* the entries by offset */
    for (uint32_t i = 0; i < nsec; i++) {
        rc = rd_entry(r, h, i, tlen);
        if (rc) return rc;
        int j = (int)i; /* insertion sort, for the overlap check */
        while (j > 0 && r->sec[order[j - 1]].off > r->sec[i].off) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (int)i;
    }
    rc = rd_layout(r, order, nsec);
    if (rc) return rc;
    r->nsec = (int)nsec;
    return TENYO_OK;
}

const rd_sec *ty_rd_find(const reader *r, const char *name) {
    for (int i = 0; i < r->nsec; i++)
        if (strcmp(r->sec[i].name, name) == 0) return &r->sec[i];
    return NULL;
}

/* 1 when the file has a section of this name. */
int ty_rd_has(const reader *r, const char *name) { return ty_rd_find(r, name) != NULL; }

/* The table entry of section name after the checks that need no read: it
 * exists, its raw size is within [lo, hi] and no more than its frame can
 * expand to; NULL with the message set otherwise. */
const rd_sec *ty_rd_locate(reader *r, const char *name, uint64_t lo, uint64_t hi,
                               size_t extra) {
    const rd_sec *s = ty_rd_find(r, name);
    if (!s) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is missing", r->path,
                  name);
        return NULL;
    }
    if (s->raw < lo || s->raw > hi) {
        /* every bound but the build section's own follows from its counts */
        const char *from = strcmp(name, "build") == 0
                               ? ""
                               : " (from the counts in section 'build')";
        if (lo == hi)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else if (hi == UINT64_MAX)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected at least "
                      "%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu..%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, (unsigned long long)hi, from);
        return NULL;
    }
    if (s->raw > SIZE_MAX - extra ||
        (!r->mem && (s->stored < 6 || s->raw / STORE_MAX_RATIO > s->stored))) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' claims %llu bytes from a %llu-byte frame",
                  r->path, name, (unsigned long long)s->raw,
                  (unsigned long long)s->stored);
        return NULL;
    }
    return s;
}

/* Load section `name`, whose raw size must lie in [lo, hi], into a fresh
 * allocation of raw + extra bytes (*out, size in *raw). The frame is
 * checked (zstd magic, content size equal to the table's, checksum present,
 * exactly stored bytes) and its size bounded before anything is allocated;
 * zstd verifies the checksum while decompressing. */
/* Sections of more stored bytes than this are decoded as they are read,
 * RD_CHUNK bytes at a time (rd_stream), not read whole first. */
#define RD_STREAM_MIN (4u << 20)
#define RD_CHUNK (1u << 20)

static int rd_nomem_sec(reader *r, const char *name) {
    ty_seterr(r->err, r->errlen, "%s: out of memory reading section '%s'", r->path, name);
    return TENYO_ERR_NOMEM;
}

static int not_one_frame(reader *r, const char *name, const rd_sec *s) {
    ty_seterr(r->err, r->errlen,
              "%s: section '%s' is not one checksummed zstd frame of %llu "
              "bytes holding %llu",
              r->path, name, (unsigned long long)s->stored, (unsigned long long)s->raw);
    return TENYO_ERR_CORRUPT;
}

/* A section stored raw of head kind < 0 (what store_raw_frame says of a
 * head that names the raw frame but not its sizes): refused. */
static int rd_raw_bad(reader *r, const char *name, const rd_sec *s) {
    ty_seterr(r->err, r->errlen, "%s: section '%s' is not a raw frame of %llu bytes "
              "holding %llu", r->path, name, (unsigned long long)s->stored,
              (unsigned long long)s->raw);
    return TENYO_ERR_CORRUPT;
}

/* The content of a section stored raw (dst, s->raw bytes) against the
 * checksum t that ends its frame. */
static int rd_raw_sum(reader *r, const char *name, const rd_sec *s, const void *dst,
                      const unsigned char *t) {
    if (get_le64(t) == ty_fnv1a_std(dst, (size_t)s->raw)) return TENYO_OK;
    ty_seterr(r->err, r->errlen, "%s: section '%s' is damaged: checksum mismatch", r->path,
              name);
    return TENYO_ERR_CORRUPT;
}

/* A section stored raw (format.h, "Sections stored raw"; kind: what
 * store_raw_frame says of its head) read into dst (s->raw bytes) with
 * pread, and its checksum compared: the whole read of such a section. */
static int rd_raw(reader *r, const char *name, const rd_sec *s, int kind, void *dst) {
    if (kind < 0) return rd_raw_bad(r, name, s);
    unsigned char t[STORE_RAW_SUM];
    int rc = ty_rd_pread(r, dst, (size_t)s->raw, s->off + STORE_RAW_HEAD);
    if (!rc) rc = ty_rd_pread(r, t, sizeof t, s->off + STORE_RAW_HEAD + s->raw);
    return rc ? rc : rd_raw_sum(r, name, s, dst, t);
}

/* A big section's frame decoded into dst (s->raw bytes) as it is read, a
 * chunk at a time: the same checks as the whole read (magic, checksum
 * flag, content size; the frame ends exactly at the stored size; zstd's
 * checksum), without a buffer of its stored size (at 1M documents the
 * vectors' 186 MB, the columns' 159 MB: memory touched, then freed, by
 * every open that reads them). */
static int rd_stream(reader *r, const char *name, const rd_sec *s, void *dst) {
    unsigned char h[18]; /* the largest frame header */
    size_t hn = s->stored < sizeof h ? (size_t)s->stored : sizeof h;
    int rc = ty_rd_pread(r, h, hn, s->off);
    if (rc) return rc;
    int kind = hn >= STORE_RAW_HEAD ? store_raw_frame(h, s->stored, s->raw) : 0;
    if (kind) return rd_raw(r, name, s, kind, dst);
    if (get_le32(h) != ZSTD_MAGICNUMBER || !(h[4] & 0x04) ||
        ZSTD_getFrameContentSize(h, hn) != s->raw)
        return not_one_frame(r, name, s);
    if (r->ccap < RD_CHUNK) {
        unsigned char *b = realloc(r->cbuf, RD_CHUNK);
        if (!b) {
            ty_seterr(r->err, r->errlen, "%s: out of memory reading section '%s'", r->path,
                      name);
            return TENYO_ERR_NOMEM;
        }
        r->cbuf = b;
        r->ccap = RD_CHUNK;
    }
    ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
    if (ty_store_dctx_wide(r->dctx)) { /* a frame of stored blocks: window = content */
        ty_seterr(r->err, r->errlen, "%s: zstd refused a window for section '%s'", r->path, name);
        return TENYO_ERR_DEPENDENCY;
    }
    ZSTD_outBuffer o = {dst, (size_t)s->raw, 0};
    uint64_t pos = 0;
    size_t ret = 1;
    while (pos < s->stored && ret != 0) {
        size_t n = s->stored - pos < RD_CHUNK ? (size_t)(s->stored - pos) : RD_CHUNK;
        rc = ty_rd_pread(r, r->cbuf, n, s->off + pos);
        if (rc) return rc;
        ZSTD_inBuffer in = {r->cbuf, n, 0};
        while (in.pos < in.size && ret != 0) {
            size_t before = in.pos + o.pos;
            ret = ZSTD_decompressStream(r->dctx, &o, &in);
            if (ZSTD_isError(ret)) {
                ty_seterr(r->err, r->errlen, "%s: section '%s' is damaged: %s", r->path, name,
                          ZSTD_getErrorName(ret));
                return TENYO_ERR_CORRUPT;
            }
            if (ret != 0 && in.pos + o.pos == before) break; /* no progress: output full */
        }
        pos += in.pos;
        if (ret != 0 && in.pos < in.size) break;
    }
    if (ret != 0 || pos != s->stored || o.pos != s->raw) return not_one_frame(r, name, s);
    return TENYO_OK;
}

/* The frames a seek table's footer at the end of section s counts (into
 * *n), read and checked (magic, descriptor 0, at least one frame, a table
 * that fits the section): 1; 0 when s does not end in one (or is read from
 * memory); or the read's status. */
static int seek_footer(reader *r, const rd_sec *s, uint64_t *n) {
    unsigned char f[STORE_SEEK_FOOT];
    if (r->mem || s->stored < 8 + STORE_SEEK_FOOT) return 0;
    int rc = ty_rd_pread(r, f, sizeof f, s->off + s->stored - sizeof f);
    if (rc) return rc;
    *n = get_le32(f);
    return get_le32(f + 5) == STORE_SEEK_MAGIC && f[4] == 0 && *n &&
           8 + *n * STORE_SEEK_ENTRY + STORE_SEEK_FOOT <= s->stored;
}

int ty_rd_framed(reader *r, const rd_sec *s) {
    uint64_t n;
    return seek_footer(r, s, &n) == 1; /* a read that fails here fails again where it matters */
}

int ty_rd_seek_table(reader *r, const rd_sec *s, uint32_t *nf, uint32_t **tab) {
    *nf = 0;
    *tab = NULL;
    uint64_t n = 0;
    int rc = seek_footer(r, s, &n);
    if (rc != 1) return rc;
    uint64_t body = n * STORE_SEEK_ENTRY + STORE_SEEK_FOOT;
    unsigned char *t = ty_malloc((size_t)(8 + body));
    if (!t) return rd_nomem_sec(r, s->name);
    rc = ty_rd_pread(r, t, (size_t)(8 + body), s->off + s->stored - 8 - body);
    if (rc) {
        free(t);
        return rc;
    }
    uint32_t *e = ty_mallocarray((size_t)n, 2 * sizeof *e);
    uint64_t st = 8 + body, rw = 0;
    int ok = e && get_le32(t) == STORE_RAW_MAGIC && get_le32(t + 4) == body;
    for (uint64_t i = 0; ok && i < n; i++) {
        e[2 * i] = get_le32(t + 8 + STORE_SEEK_ENTRY * i);
        e[2 * i + 1] = get_le32(t + 12 + STORE_SEEK_ENTRY * i);
        ok = e[2 * i] >= 6 && e[2 * i + 1] / STORE_MAX_RATIO <= e[2 * i];
        st += e[2 * i];
        rw += e[2 * i + 1];
    }
    free(t);
    if (!e) return rd_nomem_sec(r, s->name);
    if (!ok || st != s->stored || rw != s->raw) { /* not a table: one frame (its checks) */
        free(e);
        return 0;
    }
    *nf = (uint32_t)n;
    *tab = e;
    return 1;
}

/* One decompression context a thread, kept for the thread's next frame
 * and freed when the thread ends. Each is also held in a slot of one
 * array of this file (claimed and cleared atomically: no lock, so fork()
 * needs no handler), so a thread parked for good (the pool's helpers
 * never end) holds it where leak checkers look, not only in the thread's
 * key slot; past DCTX_SLOTS threads at once a context is held by its key
 * alone. */
#define DCTX_SLOTS 256
static pthread_key_t dctx_key;
static pthread_once_t dctx_once = PTHREAD_ONCE_INIT;
static ZSTD_DCtx *_Atomic dctx_slot[DCTX_SLOTS];
static int dctx_ok;

static void dctx_free(void *p) {
    for (int i = 0; i < DCTX_SLOTS; i++) {
        ZSTD_DCtx *want = p;
        if (atomic_compare_exchange_strong(&dctx_slot[i], &want, NULL)) break;
    }
    ZSTD_freeDCtx(p);
}

static void dctx_init(void) { dctx_ok = !pthread_key_create(&dctx_key, dctx_free); }

static ZSTD_DCtx *dctx_mine(void) {
    (void)pthread_once(&dctx_once, dctx_init);
    if (!dctx_ok) return NULL;
    ZSTD_DCtx *dc = pthread_getspecific(dctx_key);
    if (dc) return dc;
    if (!(dc = ZSTD_createDCtx())) return NULL;
    if (pthread_setspecific(dctx_key, dc)) {
        ZSTD_freeDCtx(dc);
        return NULL;
    }
    for (int i = 0; i < DCTX_SLOTS; i++) {
        ZSTD_DCtx *none = NULL;
        if (atomic_compare_exchange_strong(&dctx_slot[i], &none, dc)) break;
    }
    return dc;
}

size_t ty_zstd_decompress(void *dst, size_t cap, const void *src, size_t n) {
    ZSTD_DCtx *dc = dctx_mine();
    return dc ? ZSTD_decompressDCtx(dc, dst, cap, src, n) : ZSTD_decompress(dst, cap, src, n);
}

const char *ty_rd_frame_decode(ZSTD_DCtx *dc, const unsigned char *c, uint32_t stored,
                               uint32_t raw, void *dst) {
    size_t fsz = ZSTD_findFrameCompressedSize(c, stored);
    if (!(stored >= 6 && get_le32(c) == ZSTD_MAGICNUMBER && (c[4] & 0x04) &&
          ZSTD_getFrameContentSize(c, stored) == raw && !ZSTD_isError(fsz) && fsz == stored))
        return "not a checksummed zstd frame of its sizes";
    size_t d = dc ? ZSTD_decompressDCtx(dc, dst, raw, c, stored)
                  : ty_zstd_decompress(dst, raw, c, stored);
    if (ZSTD_isError(d)) return ZSTD_getErrorName(d);
    return d == raw ? NULL : "short frame";
}

int ty_rd_frame_fail(char *err, size_t errlen, const char *path, const char *name, uint64_t i,
                     uint64_t n, const char *why) {
    ty_seterr(err, errlen, "%s: section '%s' is damaged: frame %llu of %llu: %s", path, name,
              (unsigned long long)i, (unsigned long long)n, why);
    return TENYO_ERR_CORRUPT;
}

/* A framed section (ty_rd_seek_table: nf frames, tab) decoded whole into
 * dst (s->raw bytes), frame after frame, as many as fit RD_CHUNK read at
 * once: each checked as a section's one frame is, then zstd's checksum. */
static int rd_framed(reader *r, const char *name, const rd_sec *s, uint32_t nf,
                     const uint32_t *tab, unsigned char *dst) {
    uint64_t off = s->off, out = 0;
    for (uint32_t i = 0; i < nf;) {
        uint32_t j = i;
        uint64_t n = 0;
        while (j < nf && (j == i || n + tab[2 * j] <= RD_CHUNK)) n += tab[2 * j++];
        if (n > r->ccap) {
            unsigned char *b = realloc(r->cbuf, (size_t)n);
            if (!b) return rd_nomem_sec(r, name);
            r->cbuf = b;
            r->ccap = (size_t)n;
        }
        int rc = ty_rd_pread(r, r->cbuf, (size_t)n, off);
        if (rc) return rc;
        const unsigned char *c = r->cbuf;
        for (; i < j; i++) {
            uint32_t zs = tab[2 * i], rs = tab[2 * i + 1];
            const char *why = ty_rd_frame_decode(r->dctx, c, zs, rs, dst + out);
            if (why) return ty_rd_frame_fail(r->err, r->errlen, r->path, name, i, nf, why);
            c += zs;
            off += zs;
            out += rs;
        }
    }
    return TENYO_OK;
}

int ty_rd_section(reader *r, const char *name, uint64_t lo, uint64_t hi,
                      size_t extra, void **out, uint64_t *raw) {
    *out = NULL;
    const rd_sec *s = ty_rd_locate(r, name, lo, hi, extra);
    if (!s) return TENYO_ERR_CORRUPT;
    if (r->mem) { /* assembled from the shards, each frame checked there:
                   * the buffer (raw + 1 bytes) is taken, not copied */
        ty_rawsec *ms = &r->mem[s - r->sec];
        if (!ms->data || extra > 1) { /* read twice, or more room: a bug */
            ty_seterr(r->err, r->errlen, "%s: section '%s' read twice", r->path, name);
            return TENYO_ERR_ARG;
        }
        *out = ms->data;
        ms->data = NULL;
        *raw = s->raw;
        return TENYO_OK;
    }
    uint32_t nf, *tab;
    int rc = ty_rd_seek_table(r, s, &nf, &tab);
    if (rc < 0) return rc;
    if (rc == 1) { /* the rows in frames (format.h) */
        void *dst = ty_malloc((size_t)s->raw + extra);
        rc = dst ? rd_framed(r, name, s, nf, tab, dst) : rd_nomem_sec(r, name);
        free(tab);
        if (rc) {
            free(dst);
            return rc;
        }
        *out = dst;
        *raw = s->raw;
        return TENYO_OK;
    }
    if (s->stored > RD_STREAM_MIN) {
        void *dst = ty_malloc((size_t)s->raw + extra);
        if (!dst) {
            ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s' (%llu bytes)",
                      r->path, name, (unsigned long long)s->raw);
            return TENYO_ERR_NOMEM;
        }
        rc = rd_stream(r, name, s, dst);
        if (rc) {
            free(dst);
            return rc;
        }
        *out = dst;
        *raw = s->raw;
        return TENYO_OK;
    }
    if (s->stored > r->ccap) {
        unsigned char *b = realloc(r->cbuf, (size_t)s->stored);
        if (!b) {
            ty_seterr(r->err, r->errlen, "%s: out of memory reading section '%s'",
                      r->path, name);
            return TENYO_ERR_NOMEM;
        }
        r->cbuf = b;
        r->ccap = (size_t)s->stored;
    }
    rc = ty_rd_pread(r, r->cbuf, (size_t)s->stored, s->off);
    if (rc) return rc;
    const unsigned char *f = r->cbuf;
    int kind = s->stored >= STORE_RAW_HEAD ? store_raw_frame(f, s->stored, s->raw) : 0;
    if (kind < 0) return rd_raw_bad(r, name, s);
    if (kind) { /* stored raw: the content is in the frame already read */
        void *dst = ty_malloc((size_t)s->raw + extra);
        if (!dst) {
            ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s' (%llu bytes)",
                      r->path, name, (unsigned long long)s->raw);
            return TENYO_ERR_NOMEM;
        }
        if (s->raw) memcpy(dst, f + STORE_RAW_HEAD, (size_t)s->raw);
        rc = rd_raw_sum(r, name, s, dst, f + STORE_RAW_HEAD + s->raw);
        if (rc) free(dst);
        *out = rc ? NULL : dst;
        *raw = s->raw;
        return rc;
    }
    unsigned long long fcs = ZSTD_getFrameContentSize(f, (size_t)s->stored);
    size_t fsz = ZSTD_findFrameCompressedSize(f, (size_t)s->stored);
    if (get_le32(f) != ZSTD_MAGICNUMBER || !(f[4] & 0x04) ||
        fcs != s->raw || ZSTD_isError(fsz) || fsz != s->stored) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' is not one checksummed zstd frame of %llu "
                  "bytes holding %llu",
                  r->path, name, (unsigned long long)s->stored,
                  (unsigned long long)s->raw);
        return TENYO_ERR_CORRUPT;
    }
    void *dst = ty_malloc((size_t)s->raw + extra);
    if (!dst) {
        ty_seterr(r->err, r->errlen,
                  "%s: out of memory for section '%s' (%llu bytes)", r->path,
                  name, (unsigned long long)s->raw);
        return TENYO_ERR_NOMEM;
    }
    size_t d = ZSTD_decompressDCtx(r->dctx, dst, (size_t)s->raw, f,
                                   (size_t)s->stored);
    if (ZSTD_isError(d) || d != s->raw) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is damaged: %s", r->path,
                  name, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame");
        free(dst);
        return TENYO_ERR_CORRUPT;
    }
    *out = dst;
    *raw = s->raw;
    return TENYO_OK;
}

/* a*b*c, or -1 on overflow. */
int ty_rd_mul3(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
    uint64_t t;
    if (__builtin_mul_overflow(a, b, &t) || __builtin_mul_overflow(t, c, out))
        return -1;
    return 0;
}

/* Load the build section into m's settings and counts. */
int ty_rd_build(reader *r, ty_model *m, uint64_t *nnz) {
    void *p = NULL;
    uint64_t raw = 0;
    build_info bi;
    memset(&bi, 0, sizeof bi);
    int rc = ty_rd_section(r, "build", 0, STORE_BUILD_MAX, 1, &p, &raw);
    if (rc) goto done;
    char why[256];
    ((char *)p)[raw] = 0;
    if (build_parse(p, (size_t)raw, &bi, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'build': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->tokenizer = bi.str[BK_TOK];
    m->writer = bi.str[BK_WRITER];
    m->mecab_dicdir = bi.str[BK_DICDIR];
    memset(bi.str, 0, sizeof bi.str);
    m->keep_parts = (int)bi.num[BK_PARTS - BK_PARTS];
    m->stem = (int)bi.num[BK_STEM - BK_PARTS];
    m->seed = bi.unum[BK_SEED - BK_PARTS];
    m->min_df = (int32_t)bi.num[BK_MINDF - BK_PARTS];
    m->max_df_ratio = bi.ratio;
    m->oversample = (int32_t)bi.num[BK_OVERS - BK_PARTS];
    m->power_iters = (int32_t)bi.num[BK_POWER - BK_PARTS];
    m->created = bi.num[BK_CREATED - BK_PARTS];
    m->dim = (uint32_t)bi.unum[BK_DIM - BK_PARTS];
    m->ndocs = bi.unum[BK_NDOCS - BK_PARTS];
    m->nterms = bi.unum[BK_NTERMS - BK_PARTS];
    *nnz = bi.unum[BK_NNZ - BK_PARTS];
    m->nfields = (uint32_t)bi.unum[BK_NFIELDS - BK_PARTS];
    m->max_terms = (uint32_t)bi.unum[BK_MAXTERMS - BK_PARTS];
done:
    for (int i = 0; i < 3; i++) free(bi.str[i]);
    free(p);
    return rc;
}

int ty_rd_map_raw(reader *r, const char *name, const rd_sec *s, uint64_t len, int populate,
                  void **map, size_t *maplen, const unsigned char **content) {
    unsigned char h[STORE_RAW_HEAD];
    long pg = sysconf(_SC_PAGESIZE);
    if (!len || pg <= 0 || s->stored < sizeof h || len > s->raw || len > SIZE_MAX / 2) return 1;
    int rc = ty_rd_pread(r, h, sizeof h, s->off);
    if (rc) return rc;
    int kind = store_raw_frame(h, s->stored, s->raw);
    if (kind < 0) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is not a raw frame of %llu bytes "
                  "holding %llu", r->path, name, (unsigned long long)s->stored,
                  (unsigned long long)s->raw);
        return TENYO_ERR_CORRUPT;
    }
    if (!kind) return 1;
    uint64_t at = s->off + STORE_RAW_HEAD, base = at - at % (uint64_t)pg;
    size_t n = (size_t)(at - base + len);
    void *p = mmap(NULL, n, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), r->fd,
                   (off_t)base);
    if (p == MAP_FAILED) return 1;
    *map = p;
    *maplen = n;
    *content = (const unsigned char *)p + (at - base);
    return TENYO_OK;
}

int ty_rd_check_raw(reader *r, const ty_model *m, const char *name, uint64_t lo,
                    int (*check)(const ty_model *m, const unsigned char *p, uint64_t raw,
                                 char *why, size_t whylen)) {
    if (!ty_rd_has(r, name)) return TENYO_OK;
    void *p = NULL;
    uint64_t raw = 0;
    int rc = ty_rd_section(r, name, lo, UINT64_MAX, 0, &p, &raw);
    if (rc) return rc;
    char why[TY_ERRLEN];
    if (check(m, p, raw, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s': %s", r->path, name, why);
        rc = TENYO_ERR_CORRUPT;
    }
    free(p);
    return rc;
}

/* ============================================ the steps' shared helpers */

int ty_rd_nomem(reader *r) {
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
    return TENYO_ERR_NOMEM;
}

/* A count product the build record's counts overflow. */
int ty_rd_toolarge(reader *r) {
    ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
    return TENYO_ERR_CORRUPT;
}

int ty_rd_corrupt(reader *r, const char *name, const char *why) {
    ty_seterr(r->err, r->errlen, "%s: section '%s': %s", r->path, name, why);
    return TENYO_ERR_CORRUPT;
}

/* Section name: n NUL-terminated strings (lo: the least raw bytes), into
 * *blob (NUL after it), *len and their offsets *off. */
int ty_rd_strings(reader *r, const char *name, uint64_t n, uint64_t lo, char **blob,
                  uint64_t *len, uint64_t **off) {
    void *p = NULL;
    uint64_t raw;
    char why[256];
    int rc = ty_rd_section(r, name, lo, UINT64_MAX, 1, &p, &raw);
    if (rc) return rc;
    *blob = p;
    (*blob)[raw] = 0;
    *len = raw;
    *off = ty_mallocarray(n ? n : 1, sizeof **off);
    if (!*off) return ty_rd_nomem(r);
    if (ty_blob_index(*blob, raw, n, *off, 1, why, sizeof why)) return ty_rd_corrupt(r, name, why);
    return TENYO_OK;
}

/* An optional section kept as it is (parsed and checked where it is
 * used): raw size in [lo, hi], with a NUL after it when nul. */
int ty_rd_blob(reader *r, const char *name, uint64_t lo, uint64_t hi, int nul, char **blob,
               uint64_t *len) {
    void *p = NULL;
    uint64_t raw;
    int rc = ty_rd_section(r, name, lo, hi, nul ? 1 : 0, &p, &raw);
    if (rc) return rc;
    *blob = p;
    if (nul) (*blob)[raw] = 0;
    *len = raw;
    return TENYO_OK;
}

int ty_rd_side(const reader *r, reader *out, char *err, size_t errlen) {
    *out = *r;
    out->err = err;
    out->errlen = errlen;
    out->cbuf = NULL;
    out->ccap = 0;
    out->dctx = ZSTD_createDCtx();
    if (out->dctx) return TENYO_OK;
    ty_seterr(err, errlen, "%s: out of memory", out->path);
    return TENYO_ERR_NOMEM;
}

void ty_rd_side_done(reader *r) {
    ZSTD_freeDCtx(r->dctx);
    free(r->cbuf);
}
