/*
 * util.h — the util layer: what every other layer builds on (util/).
 *
 * Layers, lowest first; a file includes the header of its own layer and of
 * layers below it, never above (tests/layers.sh checks it in make test):
 *   util < text < io < model < store < search < api < ideas < cli < mpi
 *
 * util.c      allocation with overflow checks, error messages, the growable
 *             buffer, the string map, FNV-1a, once-only initialisation
 * parallel.c  ty_parallel: a range split over threads, errors collected
 * topk.c      the k best (score, doc) pairs: min-heap and array selection
 *
 * Internal names use the prefix ty_. Functions returning int use the
 * TENYO_OK / TENYO_ERR_* codes of tenyo.h.
 */
#ifndef TENYO_UTIL_H
#define TENYO_UTIL_H

#include "tenyo.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Error message buffer carried by handles. */
#define TY_ERRLEN 512

/* Format a message into buf (size TY_ERRLEN or len); never overflows. */

/* A function of a shared library, and where its address goes. */
typedef struct ty_dlsym {
    const char *name;
    void **slot;
} ty_dlsym;
/* Library so opened (RTLD_NOW | RTLD_LOCAL; the caller keeps it open for
 * the process's life) and each of t[0..n)'s functions looked up into its
 * slot: the handle, or NULL with why ("cannot load SO: ...", "SO: no
 * function NAME"; the library closed, slots before the missing one set). */
void *ty_dl_table(const char *so, const ty_dlsym *t, size_t n, char *why, size_t whylen);
/* The same for a library the calls cannot do without: on failure the
 * process ends (abort) with "libtenyo: " and why on stderr, as the
 * dynamic loader ends a program whose linked library is missing. */
void *ty_dl_need(const char *so, const ty_dlsym *t, size_t n);
void ty_seterr(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation helpers: NULL on overflow or failure. ty_calloc zeroes. */
void *ty_malloc(size_t n);
void *ty_calloc(size_t n, size_t size);
void *ty_mallocarray(size_t n, size_t size);
void *ty_reallocarray(void *p, size_t n, size_t size);
/* The whole 2 MiB pages inside [p, p + n) offered to the kernel's
 * transparent huge pages (madvise; a hint: nothing else changes, and no
 * byte outside the range's own huge pages is advised). ty_malloc does it
 * for its large blocks; a buffer filled piece by piece asks it when most
 * of it is about to be written. */
void ty_advise_huge(void *p, size_t n);
/* A growing array *p of *cap entries of size bytes, n of them in use: room
 * for one more (the capacity doubled, from first): 0, or -1 when out of
 * memory (*p and *cap untouched). */
int ty_grow(void **p, size_t *cap, size_t n, size_t size, size_t first);
char *ty_strdup(const char *s);
char *ty_strndup(const char *s, size_t n);
/* a*b without overflow: 0 ok, -1 overflow. */
int ty_mul_overflow(size_t a, size_t b, size_t *out);

/* qsort comparators of unsigned integers, ascending. */
int ty_cmp_u32(const void *a, const void *b);
int ty_cmp_u64(const void *a, const void *b);

/* Wall-clock seconds (monotonic). */
double ty_now(void);
/* CPU seconds used by the calling thread (thread 1) or by the whole
 * process, all its threads (thread 0); 0 where the clock is missing. */
double ty_cpu_now(int thread);
/* Number of online cores (>= 1). */
int ty_ncores(void);

/* Growable byte buffer. */
typedef struct ty_buf {
    char *p;      /* bytes, NUL-terminated when len < cap */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
} ty_buf;
int ty_buf_reserve(ty_buf *b, size_t extra);
int ty_buf_append(ty_buf *b, const void *p, size_t n);
int ty_buf_putc(ty_buf *b, char c);
void ty_buf_free(ty_buf *b);

/* String -> uint32 map (open addressing, FNV-1a). Keys are copied into an
 * internal arena; ids are dense 0..n-1 in insertion order. */
typedef struct ty_strmap ty_strmap;
ty_strmap *ty_strmap_new(void);
void ty_strmap_free(ty_strmap *m);
/* Id of key, inserting it when absent (*is_new set when given). <0 on OOM. */
int64_t ty_strmap_intern(ty_strmap *m, const char *key, size_t len, int *is_new);
/* Room for n keys without growing: 0, TENYO_ERR_NOMEM or _LIMIT. */
int ty_strmap_reserve(ty_strmap *m, uint32_t n);
/* Keys n strings of a loaded blob, blob + off[i * stride] (NUL-terminated),
 * as ids m->n .. m->n + n - 1, in order, without copying them: the blob
 * (and, added to an empty map, which then lists no key and reads each from
 * the blob through off, the offsets too) must outlive the map and not
 * move. Hashes run ahead of the inserts so the
 * slots' cache misses overlap (a 1M-document id table). 0; 1 when a key
 * was already there (its number i in *dup; the keys before it are in);
 * TENYO_ERR_NOMEM or _LIMIT. */
int ty_strmap_add_blob(ty_strmap *m, const char *blob, const uint64_t *off,
                       size_t stride, uint64_t n, uint64_t *dup);
/* ty_strmap_add_blob's keys recorded, not hashed (m empty): the map is
 * built by the first call that needs it (ty_strmap_get, _intern,
 * _reserve, _add_blob, _settle), once, from any thread; ty_strmap_size and
 * ty_strmap_key answer from the blob without building it. What an index
 * opened for one keyword query never looks up costs nothing (the term
 * table: 75k terms, 15 ms at 60k documents). 0, or TENYO_ERR_ARG (m not
 * empty). */
int ty_strmap_add_blob_lazy(ty_strmap *m, const char *blob, const uint64_t *off,
                            size_t stride, uint64_t n);
/* The same with the keys' blob not there yet: the first use calls fill
 * for it (blob, offsets and their stride, as ty_strmap_add_blob takes
 * them; alive as long as the map), its failure (a negative status) kept
 * as the map's outcome: every lookup then finds nothing. */
int ty_strmap_add_fill_lazy(ty_strmap *m, uint64_t n,
                            int (*fill)(void *ud, const char **blob, const uint64_t **off,
                                        size_t *stride),
                            void *ud);
/* Build a lazy map now (a no-op for any other): 0; 1 when a key came twice
 * (its number in *dup when given; the keys before it are in, the later
 * ones looked up in vain); TENYO_ERR_NOMEM or _LIMIT. The same outcome on
 * every call. */
int ty_strmap_settle(const ty_strmap *m, uint64_t *dup);
/* A read-only map over a table made elsewhere (an index's mapped
 * "vocab.map", store/vocabmap.c): n keys, key i at blob + off[i] (u32
 * little-endian at off + 4i), NUL-terminated inside blob[0..blen), whose
 * last byte is NUL; nslots (a power of two, more than n) u32 little-endian
 * slots at slots, 0 empty, else id + 1 at ty_fnv1a_std(key) & (nslots -
 * 1) or after it, linear probing. Nothing is copied or hashed: a lookup
 * reads a few slots and keys, and passes over an id or offset out of
 * range (damaged bytes give a wrong answer, never a read outside). The
 * memory must outlive m. m must be new; adding keys to it fails
 * (TENYO_ERR_ARG). 0, or TENYO_ERR_ARG. */
int ty_strmap_adopt_stored(ty_strmap *m, const void *slots, size_t nslots, const void *off,
                           const char *blob, uint64_t blen, uint32_t n);
/* Id of key or -1. */
int64_t ty_strmap_get(const ty_strmap *m, const char *key, size_t len);
/* 1 when m's keys are hashed in (a map not lazy, or a lazy one built). */
int ty_strmap_built(const ty_strmap *m);
uint32_t ty_strmap_size(const ty_strmap *m);
/* Key of id (NUL-terminated, lives as long as m), length in *len if given. */
const char *ty_strmap_key(const ty_strmap *m, uint32_t id, size_t *len);

/* FNV-1a 64 with the offset basis this project has always used,
 * 1469598103934665603: a digit short of the published 14695981039346656037.
 * Kept because stored values depend on it (format-1/2 header checksums, the
 * MANIFEST "check", deletion files, fit ids, the IVF blob); not verifiable
 * with outside FNV tools. New stored checksums use ty_fnv1a_std. */
uint64_t ty_fnv1a(const void *p, size_t n);
/* FNV-1a 64 as published (offset basis 14695981039346656037): format-3
 * header checksums. */
uint64_t ty_fnv1a_std(const void *p, size_t n);
/* FNV-1a 64's published offset basis, and the hash of more bytes after
 * those hashed to h: ty_fnv1a_add(TY_FNV1A_BASIS, p, n) is
 * ty_fnv1a_std(p, n), and a hash can be taken a piece at a time. */
#define TY_FNV1A_BASIS 14695981039346656037ull
uint64_t ty_fnv1a_add(uint64_t h, const void *p, size_t n);

/* Little-endian integers in serialised blobs (ivf.c, linear.c). On a
 * little-endian host a copy (one load or store: GCC 12 at -O2 left the
 * byte loops as loops, ~24 instructions a value where a table of term
 * facts checks 375k of them), else the bytes one by one. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TY_HOST_LE 1
#else
#define TY_HOST_LE 0
#endif
static inline void ty_put_le32(unsigned char *p, uint32_t v) {
    if (TY_HOST_LE) {
        __builtin_memcpy(p, &v, 4);
        return;
    }
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void ty_put_le64(unsigned char *p, uint64_t v) {
    if (TY_HOST_LE) {
        __builtin_memcpy(p, &v, 8);
        return;
    }
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t ty_get_le32(const unsigned char *p) {
    uint32_t v = 0;
    if (TY_HOST_LE) {
        __builtin_memcpy(&v, p, 4);
        return v;
    }
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static inline uint64_t ty_get_le64(const unsigned char *p) {
    uint64_t v = 0;
    if (TY_HOST_LE) {
        __builtin_memcpy(&v, p, 8);
        return v;
    }
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Work on several threads (util/parallel.c). Worker t of nt does the part
 * of the work fixed by (t, nt) and returns 0 or a status. ty_parallel runs
 * worker 0 on the calling thread and the others on new threads (one whose
 * thread cannot be created runs on the calling thread afterwards: the
 * output never depends on how many threads started); it returns the status
 * of the lowest-numbered worker that failed, else 0. nt is clamped to
 * [1, TY_PAR_MAX]. */
#define TY_PAR_MAX 256
typedef int (*ty_par_fn)(void *ud, int t, int nt);
int ty_parallel(int nt, ty_par_fn fn, void *ud);
/* nparts parts of work (fn(ud, i, nparts) does part i) claimed one at a
 * time by the calling thread and up to nt - 1 helper threads; returns when
 * every part is done (never waiting for a helper that claimed none: one
 * scheduled late finds none left), the status of the lowest-numbered part
 * that failed. The output must depend on the parts alone. */
int ty_parallel_claim(int nt, int nparts, ty_par_fn fn, void *ud);
/* The same with every worker on a thread of its own while the calling
 * thread runs watch(watch_ud) every interval_ms until they end (progress
 * reports); with no thread at all, the workers run on the caller. */
int ty_parallel_watch(int nt, ty_par_fn fn, void *ud, void (*watch)(void *ud),
                      void *watch_ud, unsigned interval_ms);
/* After a failed ty_parallel whose workers wrote their messages into
 * perr[0..nt) (empty: none): the first message into err. */
void ty_parallel_err(char (*perr)[TY_ERRLEN], int nt, char *err, size_t errlen);
/* Workers for n items: threads (<= 0: the cores) clamped to
 * [1, TY_PAR_MAX], and to at most n / min_per_worker (at least 1). */
int ty_parallel_workers(int threads, uint64_t n, uint64_t min_per_worker);
/* Worker t's share of n items: [ty_split(n, t, nt), ty_split(n, t + 1, nt)),
 * n t / nt without overflow (contiguous, in order, sizes differing by at
 * most one). */
static inline uint64_t ty_split(uint64_t n, int t, int nt) {
    return n / (uint64_t)nt * (uint64_t)t + n % (uint64_t)nt * (uint64_t)t / (uint64_t)nt;
}

/* Something built on first use, once, from any thread (the lazily decoded
 * rows, the co-classification lists): the first caller of ty_once_run runs
 * fn(arg) under the mutex; every caller, then and later, gets its result
 * without taking the mutex again (acquire load of done, release store). */
typedef struct ty_once {
    pthread_mutex_t mu;
    int done; /* atomic */
    int rc;   /* fn's result */
} ty_once;
void ty_once_init(ty_once *o);
void ty_once_destroy(ty_once *o);
int ty_once_run(ty_once *o, int (*fn)(void *arg), void *arg);
/* 1 when fn has run and succeeded (without running it). */
static inline int ty_once_done(const ty_once *o) {
    return __atomic_load_n(&o->done, __ATOMIC_ACQUIRE) && o->rc == 0;
}


/* Keep the k best (score, doc) pairs: a min-heap of size k. */
typedef struct ty_topk {
    size_t k, n;              /* capacity, used */
    tenyo_hit *h;             /* heap storage (caller-owned, k entries) */
} ty_topk;
void ty_topk_init(ty_topk *t, tenyo_hit *storage, size_t k);
void ty_topk_insert(ty_topk *t, uint64_t doc, float score);
/* Offer (doc, score): -inf and NaN (never ranked), and a score below a full
 * heap's worst, are turned away here without a call (most of a scan's
 * documents; a merged shared scan's -inf fill); ties and the rest go to
 * ty_topk_insert. */
static inline void ty_topk_push(ty_topk *t, uint64_t doc, float score) {
    if (!(score > -INFINITY)) return; /* -inf and NaN never rank (ty_topk_insert) */
    if (t->n == t->k && t->k && score < t->h[0].score) return;
    ty_topk_insert(t, doc, score);
}
/* Sort best-first (score desc, doc asc) and return the count. */
size_t ty_topk_finish(ty_topk *t);
/* The k best of s[0..n) but document skip (UINT64_MAX: none) into out,
 * best first, as pushing each into a ty_topk would give; returns the count.
 * Only the scores above a sampled threshold reach the heap. */
size_t ty_topk_array(const float *s, uint64_t n, uint64_t skip, size_t k, tenyo_hit *out);
/* The same over nt contiguous document ranges, one worker each
 * (ty_parallel), the per-range lists merged: the same hits, in the same
 * order, for any nt (topk.c proves it). keep (NULL: every document): a
 * document d with keep[d] == 0 is left out as skip is. */
size_t ty_topk_ranges(const float *s, uint64_t n, uint64_t skip, const uint8_t *keep, size_t k,
                      int nt, tenyo_hit *out);

/* bytes of zeroed memory the kernel gives page by page as they are first
 * touched (an anonymous private mapping, whatever malloc's settings), or
 * NULL; ty_map_free(p, the same bytes) gives it back (NULL: nothing). */
void *ty_map_zeroed(size_t bytes);
void ty_map_free(void *p, size_t bytes);

/* What a term's string alone says (util.c): one UTF-8 character at most;
 * a Japanese term ending in hiragana after other characters, the base
 * form of a verb or adjective (受け付ける, 速い), not a noun. */
int ty_one_char(const char *s);
int ty_verb_like(const char *t);

/* A needle prepared once for the leftmost occurrence in many haystacks
 * (find.c): the same answer as memmem, without its preparation per call.
 * The needle's bytes are borrowed: they outlive the finder. */
typedef struct ty_finder {
    const char *n;            /* the needle, m bytes */
    size_t m;
    size_t a, b;              /* the two bytes compared 32 positions at a time */
    int simd;                 /* AVX2 (run-time check), m >= 2 */
    uint64_t w0, w1;          /* m >= 4: the needle's first and last 8 (m >= 8)
                                 or 4 bytes, as loaded, for ty_finder_count */
} ty_finder;
void ty_finder_init(ty_finder *f, const char *needle, size_t m);
/* The first occurrence of the needle in h[0..len), or NULL (an empty
 * needle: h). */
const char *ty_finder_next(const ty_finder *f, const char *h, size_t len);
/* The occurrences in h[0..len) as keyword search counts them: the
 * leftmost, then the next from the end of the last (non-overlapping), the
 * count ty_finder_next finds in a loop that steps past each hit; those
 * starting before split counted into *before too. An empty needle: 0. */
uint64_t ty_finder_count(const ty_finder *f, const char *h, size_t len, size_t split,
                         uint64_t *before);

#endif /* TENYO_UTIL_H */
