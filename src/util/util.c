/*
 * util.c — small shared helpers: overflow-checked allocation, error
 * messages, a growable buffer, a string->id map, clocks, a shared
 * library's functions looked up by dlopen (the library's adapters that
 * open theirs on first use: OpenBLAS and LAPACKE, liblinear; the program's
 * libmicrohttpd adapter, which sees tenyo.h alone, has its own loop).
 *
 * The string map is the vocabulary's workhorse while building: open
 * addressing with linear probing over FNV-1a hashes, keys copied into one
 * arena so that ids stay dense (0..n-1, insertion order) and key pointers stay
 * valid (the arena grows by chunks that never move). A general hash library
 * (e.g. glib) was rejected: it would be the only reason to pull one in, and
 * insertion-ordered dense ids are what the index needs.
 */
#include "util/util.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ==================================================== shared libraries */

void *ty_dl_table(const char *so, const ty_dlsym *t, size_t n, char *why, size_t whylen) {
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        ty_seterr(why, whylen, "cannot load %s: %s", so, e ? e : "not found");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(*t[i].slot = dlsym(h, t[i].name))) {
            ty_seterr(why, whylen, "%s: no function %s", so, t[i].name);
            dlclose(h);
            return NULL;
        }
    return h;
}

void *ty_dl_need(const char *so, const ty_dlsym *t, size_t n) {
    char why[TY_ERRLEN];
    void *h = ty_dl_table(so, t, n, why, sizeof why);
    if (!h) {
        fprintf(stderr, "libtenyo: %s\n", why);
        abort();
    }
    return h;
}

/* ============================================================ messages */

void ty_seterr(char *buf, size_t len, const char *fmt, ...) {
    if (!buf || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

const char *tenyo_version(void) { return TENYO_VERSION_STRING; }

const char *tenyo_strerror(int status) {
    switch (status) {
    case TENYO_OK: return "ok";
    case TENYO_ERR_ARG: return "invalid argument";
    case TENYO_ERR_NOMEM: return "out of memory";
    case TENYO_ERR_IO: return "input/output error";
    case TENYO_ERR_INPUT: return "malformed input";
    case TENYO_ERR_CORRUPT: return "index file is damaged or not an index";
    case TENYO_ERR_VERSION: return "index format is newer than this program";
    case TENYO_ERR_MISMATCH: return "tokenizer differs from the index's";
    case TENYO_ERR_NOTFOUND: return "not found";
    case TENYO_ERR_DEPENDENCY: return "missing dependency (dictionary or converter)";
    case TENYO_ERR_LIMIT: return "size limit exceeded";
    case TENYO_ERR_EMPTY: return "nothing to work on";
    case TENYO_ERR_UNSYNCED: return "committed, durability unknown (directory not synced)";
    case TENYO_ERR_BUSY: return "another writer holds the index";
    case TENYO_ERR_STOPPED: return "stopped on request";
    default: return "unknown status";
    }
}

/* ========================================================== allocation */

int ty_mul_overflow(size_t a, size_t b, size_t *out) {
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* Blocks of at least this size are aligned to 2 MiB and offered to the
 * kernel's transparent huge pages (where it does them on request, as
 * Debian's default "madvise" mode): 512 times fewer page faults when a
 * large index's arrays are first written. Opening a 1M-document index
 * spent about a third of its time faulting in 4 KiB pages. */
#define BIG_BLOCK ((size_t)8 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

void ty_advise_huge(void *p, size_t n) {
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only: may fail */
#else
    (void)lo;
    (void)hi;
#endif
}

static void *big_malloc(size_t n) {
    if (n < BIG_BLOCK) return malloc(n);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, n)) return NULL;
    ty_advise_huge(p, n);
    return p;
}

void *ty_malloc(size_t n) { return big_malloc(n ? n : 1); }

void *ty_calloc(size_t n, size_t size) {
    size_t t;
    if (ty_mul_overflow(n, size, &t)) return NULL;
    return calloc(t ? n : 1, t ? size : 1);
}

void *ty_mallocarray(size_t n, size_t size) {
    size_t t;
    if (ty_mul_overflow(n, size, &t)) return NULL;
    return big_malloc(t ? t : 1);
}

void *ty_reallocarray(void *p, size_t n, size_t size) {
    size_t t;
    if (ty_mul_overflow(n, size, &t)) return NULL;
    return realloc(p, t ? t : 1);
}

int ty_grow(void **p, size_t *cap, size_t n, size_t size, size_t first) {
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : first;
    void *q = ty_reallocarray(*p, c, size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

char *ty_strndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *ty_strdup(const char *s) { return ty_strndup(s, strlen(s)); }

/* ============================================================== clocks */

double ty_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double ty_cpu_now(int thread) {
    struct timespec ts;
    if (clock_gettime(thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts)) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ty_ncores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ============================================================= buffers */

int ty_buf_reserve(ty_buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return TENYO_OK;
    if (extra > SIZE_MAX / 2 - b->len) return TENYO_ERR_NOMEM;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return TENYO_ERR_NOMEM;
    b->p = p;
    b->cap = cap;
    return TENYO_OK;
}

int ty_buf_append(ty_buf *b, const void *p, size_t n) {
    if (ty_buf_reserve(b, n)) return TENYO_ERR_NOMEM;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return TENYO_OK;
}

int ty_buf_putc(ty_buf *b, char c) { return ty_buf_append(b, &c, 1); }

void ty_buf_free(ty_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ========================================================== string map */

void ty_once_init(ty_once *o) {
    pthread_mutex_init(&o->mu, NULL);
    o->done = 0;
    o->rc = 0;
}

void ty_once_destroy(ty_once *o) { pthread_mutex_destroy(&o->mu); }

int ty_once_run(ty_once *o, int (*fn)(void *arg), void *arg) {
    if (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&o->mu);
        if (!o->done) {
            o->rc = fn(arg);
            __atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&o->mu);
    }
    return o->rc;
}

uint64_t ty_fnv1a_add(uint64_t h, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t ty_fnv1a_std(const void *p, size_t n) {
    return ty_fnv1a_add(TY_FNV1A_BASIS, p, n);
}

uint64_t ty_fnv1a(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull; /* historic: a digit short, see internal.h */
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

#define ARENA_CHUNK (1u << 20)

typedef struct arena_chunk {
    struct arena_chunk *next; /* older chunk */
    size_t used, cap;         /* bytes used / available in data */
    char data[];              /* key bytes */
} arena_chunk;

struct ty_strmap {
    uint64_t *slots;      /* id+1 in the low 32 bits, the hash's high 32
                             bits above (compared before touching the
                             key: most probes of a large map end there);
                             0 = empty */
    size_t nslots;        /* power of two */
    uint32_t n;           /* keys */
    uint32_t capkeys;     /* entries allocated in keys/lens/hashes */
    const char **keys;    /* key pointer per id (into the arena) */
    uint32_t *lens;       /* key length per id */
    uint64_t *hashes;     /* hash per id (for rehashing) */
    arena_chunk *arena;   /* newest chunk first */
    /* keys of one blob added to an empty map (ty_strmap_add_blob): read
     * from it, not listed in keys/lens/hashes (bl_blob NULL otherwise) */
    const char *bl_blob;
    const uint64_t *bl_off;
    size_t bl_stride;
    /* ty_strmap_add_blob_lazy's keys, inserted by the first use */
    int lazy;             /* keys recorded (lz_*), not necessarily in */
    const char *lz_blob;
    const uint64_t *lz_off;
    size_t lz_stride;
    uint64_t lz_n, lz_dup;
    int lz_rc;            /* ty_strmap_add_blob's result */
    int (*lz_fill)(void *ud, const char **blob, const uint64_t **off, size_t *stride);
    void *lz_ud;          /* ty_strmap_add_fill_lazy: where the keys come from */
    ty_once lz_once;      /* the keys inserted, once */
    /* a stored table (ty_strmap_adopt_stored): read-only, every byte in
     * the caller's memory, its u32s little-endian read unaligned */
    int stored;
    const unsigned char *st_slots, *st_off;
    const char *st_blob;
    uint64_t st_blen;
    size_t st_mask;       /* slots - 1 */
};

ty_strmap *ty_strmap_new(void) {
    ty_strmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->nslots = 1024;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    ty_once_init(&m->lz_once);
    return m;
}

void ty_strmap_free(ty_strmap *m) {
    if (!m) return;
    arena_chunk *c = m->arena;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(m->slots);
    free(m->keys);
    free(m->lens);
    free(m->hashes);
    ty_once_destroy(&m->lz_once);
    free(m);
}

static int add_blob(ty_strmap *m, const char *blob, const uint64_t *off, size_t stride,
                    uint64_t n, uint64_t *dup);

/* The lazy keys' insertion (ty_once_run): its outcome kept in the map. */
static int lz_build(void *arg) {
    ty_strmap *m = arg;
    if (m->lz_fill) {
        const char *b = NULL;
        const uint64_t *o = NULL;
        size_t st = 1;
        int rc = m->lz_fill(m->lz_ud, &b, &o, &st);
        if (rc) return m->lz_rc = rc < 0 ? rc : TENYO_ERR_ARG;
        m->lz_blob = b;
        m->lz_off = o;
        m->lz_stride = st;
    }
    m->lz_rc = add_blob(m, m->lz_blob, m->lz_off, m->lz_stride, m->lz_n, &m->lz_dup);
    return m->lz_rc < 0 ? m->lz_rc : 0;
}

int ty_strmap_add_blob_lazy(ty_strmap *m, const char *blob, const uint64_t *off,
                            size_t stride, uint64_t n) {
    if (m->n || m->lazy || m->stored || n > UINT32_MAX / 2 - 1) return TENYO_ERR_ARG;
    m->lz_blob = blob;
    m->lz_off = off;
    m->lz_stride = stride;
    m->lz_n = n;
    m->lazy = 1;
    return TENYO_OK;
}

int ty_strmap_add_fill_lazy(ty_strmap *m, uint64_t n,
                            int (*fill)(void *ud, const char **blob, const uint64_t **off,
                                        size_t *stride),
                            void *ud) {
    if (m->n || m->lazy || m->stored || n > UINT32_MAX / 2 - 1 || !fill) return TENYO_ERR_ARG;
    m->lz_fill = fill;
    m->lz_ud = ud;
    m->lz_n = n;
    m->lazy = 1;
    return TENYO_OK;
}

int ty_strmap_adopt_stored(ty_strmap *m, const void *slots, size_t nslots, const void *off,
                           const char *blob, uint64_t blen, uint32_t n) {
    if (m->n || m->lazy || m->stored || !slots || !off || !blob || !blen || blob[blen - 1] ||
        nslots < 2 || (nslots & (nslots - 1)) || n >= nslots)
        return TENYO_ERR_ARG;
    m->stored = 1;
    m->st_slots = slots;
    m->st_off = off;
    m->st_blob = blob;
    m->st_blen = blen;
    m->st_mask = nslots - 1;
    m->n = n;
    return TENYO_OK;
}

/* A stored table's key of id, or NULL when its offset is out of range. */
static const char *stored_key(const ty_strmap *m, uint32_t id) {
    uint32_t o = ty_get_le32(m->st_off + 4 * (size_t)id);
    return o < m->st_blen ? m->st_blob + o : NULL;
}

/* Lookup in a stored table: probes from the key's slot to the first empty
 * one (at most every slot); an id or offset out of range is passed over. */
static int64_t stored_get(const ty_strmap *m, const char *key, size_t len) {
    size_t i = ty_fnv1a_std(key, len) & m->st_mask;
    for (size_t probes = 0; probes <= m->st_mask; probes++, i = (i + 1) & m->st_mask) {
        uint32_t s = ty_get_le32(m->st_slots + 4 * i);
        if (!s) return -1;
        if (s - 1 >= m->n) continue;
        const char *k = stored_key(m, s - 1);
        if (k && (uint64_t)(m->st_blob + m->st_blen - k) > len && !memcmp(k, key, len) &&
            !k[len])
            return (int64_t)(s - 1);
    }
    return -1;
}

int ty_strmap_settle(const ty_strmap *cm, uint64_t *dup) {
    /* logically const: the keys were always the map's, only not hashed */
    ty_strmap *m = (ty_strmap *)cm;
    if (!m->lazy) return TENYO_OK;
    (void)ty_once_run(&m->lz_once, lz_build, m);
    if (m->lz_rc == 1 && dup) *dup = m->lz_dup;
    return m->lz_rc;
}

static char *arena_copy(ty_strmap *m, const char *key, size_t len) {
    arena_chunk *c = m->arena;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = m->arena;
        c->used = 0;
        c->cap = cap;
        m->arena = c;
    }
    char *p = c->data + c->used;
    memcpy(p, key, len);
    p[len] = 0;
    c->used += len + 1;
    return p;
}

#define SLOT(h, id) (((h) >> 32 << 32) | ((uint64_t)(id) + 1))

/* Key of id (NUL-terminated): the blob's, or the arena's copy. */
static inline const char *key_of(const ty_strmap *m, uint32_t id) {
    return m->bl_blob ? m->bl_blob + m->bl_off[(uint64_t)id * m->bl_stride] : m->keys[id];
}

static int strmap_resize(ty_strmap *m, size_t ns) {
    uint64_t *s = ty_calloc(ns, sizeof *s);
    if (!s) return -1;
    for (uint32_t id = 0; id < m->n; id++) {
        const char *k = m->bl_blob ? key_of(m, id) : NULL;
        uint64_t h = k ? ty_fnv1a(k, strlen(k)) : m->hashes[id];
        size_t i = h & (ns - 1);
        while (s[i]) i = (i + 1) & (ns - 1);
        s[i] = SLOT(h, id);
    }
    free(m->slots);
    m->slots = s;
    m->nslots = ns;
    return 0;
}

static int keys_reserve(ty_strmap *m, uint32_t cap) {
    const char **k = ty_reallocarray(m->keys, cap, sizeof *k);
    if (!k) return TENYO_ERR_NOMEM;
    m->keys = k;
    uint32_t *l = ty_reallocarray(m->lens, cap, sizeof *l);
    if (!l) return TENYO_ERR_NOMEM;
    m->lens = l;
    uint64_t *hs = ty_reallocarray(m->hashes, cap, sizeof *hs);
    if (!hs) return TENYO_ERR_NOMEM;
    m->hashes = hs;
    m->capkeys = cap;
    return TENYO_OK;
}

static int reserve(ty_strmap *m, uint32_t n);

int ty_strmap_reserve(ty_strmap *m, uint32_t n) {
    if (m->stored) return TENYO_ERR_ARG;
    if (m->lazy) ty_strmap_settle(m, NULL);
    return reserve(m, n);
}

/* Room for n keys; a map of one blob's keys lists none (slots only). */
static int reserve(ty_strmap *m, uint32_t n) {
    if (n >= UINT32_MAX / 2) return TENYO_ERR_LIMIT;
    size_t ns = m->nslots;
    while ((size_t)n * 2 + 2 > ns) ns *= 2;
    if (ns != m->nslots && strmap_resize(m, ns)) return TENYO_ERR_NOMEM;
    return n > m->capkeys && !m->bl_blob ? keys_reserve(m, n) : TENYO_OK;
}

/* A map of one blob's keys given its lists (keys, lengths, hashes), so
 * that keys from elsewhere can join: 0 or TENYO_ERR_NOMEM. */
static int blob_list(ty_strmap *m) {
    if (!m->bl_blob) return TENYO_OK;
    const char *b = m->bl_blob;
    const uint64_t *o = m->bl_off;
    size_t st = m->bl_stride;
    m->bl_blob = NULL;
    if (m->n > m->capkeys && keys_reserve(m, m->n)) {
        m->bl_blob = b;
        return TENYO_ERR_NOMEM;
    }
    for (uint32_t id = 0; id < m->n; id++) {
        const char *k = b + o[(uint64_t)id * st];
        size_t len = strlen(k);
        m->keys[id] = k;
        m->lens[id] = (uint32_t)len;
        m->hashes[id] = ty_fnv1a(k, len);
    }
    return TENYO_OK;
}

/* Slot of key: the one holding it, or the empty slot where it would go.
 * A blob's key is compared up to its NUL (the caller's key holds none). */
static size_t find_slot(const ty_strmap *m, const char *key, size_t len,
                        uint64_t h) {
    size_t i = h & (m->nslots - 1);
    for (uint64_t s; (s = m->slots[i]) != 0; i = (i + 1) & (m->nslots - 1)) {
        if (s >> 32 != h >> 32) continue;
        uint32_t id = (uint32_t)s - 1;
        if (m->bl_blob) {
            const char *k = key_of(m, id);
            if (strncmp(k, key, len) == 0 && k[len] == 0) return i;
        } else if (m->lens[id] == len && memcmp(m->keys[id], key, len) == 0)
            return i;
    }
    return i;
}

int64_t ty_strmap_get(const ty_strmap *m, const char *key, size_t len) {
    if (m->stored) return memchr(key, 0, len) ? -1 : stored_get(m, key, len);
    if (m->lazy) ty_strmap_settle(m, NULL);
    if (m->bl_blob && memchr(key, 0, len)) return -1; /* no blob key holds a NUL */
    size_t i = find_slot(m, key, len, ty_fnv1a(key, len));
    return m->slots[i] ? (int64_t)(uint32_t)m->slots[i] - 1 : -1;
}

int64_t ty_strmap_intern(ty_strmap *m, const char *key, size_t len,
                         int *is_new) {
    if (is_new) *is_new = 0;
    if (m->stored) return TENYO_ERR_ARG;
    if (m->lazy) ty_strmap_settle(m, NULL);
    if (len > UINT32_MAX) return TENYO_ERR_LIMIT;
    if (blob_list(m)) return TENYO_ERR_NOMEM;
    uint64_t h = ty_fnv1a(key, len);
    size_t i = find_slot(m, key, len, h);
    if (m->slots[i]) return (int64_t)(uint32_t)m->slots[i] - 1;
    if (m->n == UINT32_MAX - 1) return TENYO_ERR_LIMIT;
    if (m->n == m->capkeys &&
        keys_reserve(m, m->capkeys ? (m->capkeys > UINT32_MAX / 2 ? UINT32_MAX - 1
                                                                   : m->capkeys * 2)
                                   : 256))
        return TENYO_ERR_NOMEM;
    char *copy = arena_copy(m, key, len);
    if (!copy) return TENYO_ERR_NOMEM;
    uint32_t id = m->n++;
    m->keys[id] = copy;
    m->lens[id] = (uint32_t)len;
    m->hashes[id] = h;
    m->slots[i] = SLOT(h, id);
    if (is_new) *is_new = 1;
    if ((size_t)m->n * 2 > m->nslots && strmap_resize(m, m->nslots * 2))
        return TENYO_ERR_NOMEM;
    return id;
}

#define BLOB_AHEAD 16 /* keys hashed (and their slots prefetched) ahead */

int ty_strmap_add_blob(ty_strmap *m, const char *blob, const uint64_t *off,
                       size_t stride, uint64_t n, uint64_t *dup) {
    if (m->stored) return TENYO_ERR_ARG;
    if (m->lazy) ty_strmap_settle(m, NULL);
    return add_blob(m, blob, off, stride, n, dup);
}

static int add_blob(ty_strmap *m, const char *blob, const uint64_t *off, size_t stride,
                    uint64_t n, uint64_t *dup) {
    if (n > UINT32_MAX / 2 - 1 - m->n) return TENYO_ERR_LIMIT;
    /* an empty map keeps no list of the blob's keys: 20 bytes a key less
     * (a 1M-document id table: 20 MB not allocated nor cleared) */
    int own = !m->n && !m->capkeys && n;
    int rc = own ? TENYO_OK : blob_list(m);
    if (own) {
        m->bl_blob = blob;
        m->bl_off = off;
        m->bl_stride = stride;
    }
    if (!rc) rc = reserve(m, (uint32_t)(m->n + n));
    if (rc) return rc;
    /* no resize below: the slots stay at most half full */
    const size_t mask = m->nslots - 1;
    uint64_t hq[BLOB_AHEAD];
    size_t lq[BLOB_AHEAD];
    for (uint64_t i = 0; i < n + BLOB_AHEAD; i++) {
        if (i >= BLOB_AHEAD) { /* insert key j, hashed BLOB_AHEAD keys ago */
            uint64_t j = i - BLOB_AHEAD, h = hq[j % BLOB_AHEAD];
            size_t len = lq[j % BLOB_AHEAD];
            const char *key = blob + off[j * stride];
            if (len > UINT32_MAX) return TENYO_ERR_LIMIT;
            size_t at = find_slot(m, key, len, h);
            if (m->slots[at]) {
                if (dup) *dup = j;
                return 1;
            }
            uint32_t id = m->n++;
            if (!m->bl_blob) {
                m->keys[id] = key;
                m->lens[id] = (uint32_t)len;
                m->hashes[id] = h;
            }
            m->slots[at] = SLOT(h, id);
        }
        if (i < n) { /* hash key i, fetch its slot's line */
            const char *key = blob + off[i * stride];
            size_t len = strlen(key);
            uint64_t h = ty_fnv1a(key, len);
            __builtin_prefetch(&m->slots[h & mask], 1);
            hq[i % BLOB_AHEAD] = h;
            lq[i % BLOB_AHEAD] = len;
        }
    }
    return 0;
}

int ty_strmap_built(const ty_strmap *m) { return !m->lazy || ty_once_done(&m->lz_once); }

uint32_t ty_strmap_size(const ty_strmap *m) {
    /* a lazy map's keys, all of them, before they are in */
    return m->lazy && !ty_once_done(&m->lz_once) ? (uint32_t)m->lz_n : m->n;
}

const char *ty_strmap_key(const ty_strmap *m, uint32_t id, size_t *len) {
    if (m->stored) {
        const char *k = id < m->n ? stored_key(m, id) : NULL;
        if (k && len) *len = strlen(k); /* the blob ends in a NUL */
        return k;
    }
    if (m->lazy && !ty_once_done(&m->lz_once) && m->lz_fill) ty_strmap_settle(m, NULL);
    if (m->lazy && !ty_once_done(&m->lz_once)) { /* the pointer it will hold */
        if (id >= m->lz_n) return NULL;
        const char *k = m->lz_blob + m->lz_off[(uint64_t)id * m->lz_stride];
        if (len) *len = strlen(k);
        return k;
    }
    if (id >= m->n) return NULL;
    if (m->bl_blob) {
        const char *k = key_of(m, id);
        if (len) *len = strlen(k);
        return k;
    }
    if (len) *len = m->lens[id];
    return m->keys[id];
}

int ty_cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int ty_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* 1 when s is at most one UTF-8 character (a term too short to be a
 * link: 筐, 型). */
int ty_one_char(const char *s) {
    size_t n = strlen(s);
    if (n == 0) return 1;
    unsigned char c = (unsigned char)s[0];
    size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return l >= n;
}

/* 1 for a Japanese term that ends in hiragana after other characters: the
 * base form of a verb or adjective (受け付ける, 速い), not a noun. */
int ty_verb_like(const char *t) {
    size_t n = strlen(t);
    if (n < 6) return n == 3 && (unsigned char)t[0] == 0xE3 &&
                      ((unsigned char)t[1] == 0x81 || (unsigned char)t[1] == 0x82);
    const unsigned char *e = (const unsigned char *)t + n - 3;
    /* hiragana U+3041..U+309F: E3 81 81 .. E3 82 9F */
    return e[0] == 0xE3 && (e[1] == 0x81 || (e[1] == 0x82 && e[2] <= 0x9F));
}

void *ty_map_zeroed(size_t bytes) {
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void ty_map_free(void *p, size_t bytes) {
    if (p) munmap(p, bytes ? bytes : 1);
}
