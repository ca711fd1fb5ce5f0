/*
 * manifest.c — the small files that turn one index file into an updatable
 * index: the MANIFEST, the deletion file, the licensable list and the
 * update lock, all in the directory "<index>.upd/" beside the base file.
 *
 * Design (the way Lucene commits segments). Everything an update writes is
 * immutable and written under a fresh name first (segments
 * "seg-<generation>.tys", written by write.c; deletions
 * "del-<generation>.tyd"); then MANIFEST is replaced: temporary file,
 * fsync, rename, fsync of the directory. A reader opens the old manifest
 * or the new one, never half of either; files no manifest names are
 * deleted by the next updater, under the lock. Files are created 0666 less
 * the umask; a failed directory sync after the rename is
 * TENYO_ERR_UNSYNCED (committed, durability unknown).
 *
 * MANIFEST (JSON): {"tenyo_manifest": 1, "generation": G, "fit": "<16 hex>",
 * "base_docs": N, "segments": [{"file", "docs", "bytes"}, ...], "deleted":
 * {"file", "count"} or null, "check": "<16 hex>"}. "fit" names the base the
 * updates apply to (stale ones are ignored); "check" is FNV-1a 64 of the
 * other members' compact key-sorted JSON; file names must match their
 * patterns. OPEN, the licensable list, is written the same way:
 * {"tenyo_open": 1, "source", "loaded", "lines", "unresolved", "ids":
 * [stored ids], "check"}; ids, not positions, so it holds across add,
 * rebuild and repair without rewriting.
 *
 * The deletion file: global positions of deleted documents (base, then
 * each segment in manifest order), sorted and unique, and the committed
 * state, written at every commit so that check --repair can prove the
 * deletions without the MANIFEST (api/check.c). Little-endian:
 *   offset  size     version 2
 *   0       8        "TENYODEL"
 *   8       4        version (2)
 *   12      4        flags, 0
 *   16      8        count c
 *   24      8        generation of the commit that wrote it
 *   32      8        fit id of the base
 *   40      8        documents of the base
 *   48      8        segments s
 *   56      24 x s   each segment: generation (its file "seg-%06u.tys"),
 *                    documents, bytes (the MANIFEST's entries, in order)
 *   ..      8 x c    global positions, sorted, unique
 *   ..      8        L, bytes of the ids
 *   ..      L        c ids, each NUL-terminated, in the positions' order
 *                    ("" where not known: carried from a version-1 file)
 *   ..      8        FNV-1a 64 of everything before it
 * Format history: version 1 ("TENYODEL", u32 1, u32 0, u64 count, the
 * positions, FNV-1a 64) is still read; the next commit writes version 2.
 *
 * The writer lock: "LOCK", flock'd without waiting by every writer (index,
 * add, delete, rebuild, check --repair) on the index's real path. Under it
 * ty_wlock_collect removes what killed writers left; with a manifest that
 * is damaged, missing or older than the files beside it, only temporary
 * files go. Rejected: one append log; a manifest in the base's header;
 * SQLite. Reasons in full: docs/updates-and-safety.md, "The update files".
 */
#include "store/format.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEL_MAGIC "TENYODEL"
#define DEL_VERSION 2
#define DEL_MAX (1ull << 32) /* bytes: far beyond any deletion set */
#define MANIFEST_VERSION 1
#define MANIFEST_MAX (64u << 20) /* bytes: ~1M segments, far beyond use */

/* dir + "/" + name, malloc'd (ty_upd_path, paths.c). */
static char *join(const char *dir, const char *name) { return ty_upd_path(dir, name); }

/* p[0..n) to dir/name atomically (ty_store_write_atomic, paths.c). */
static int write_atomic(const char *dir, const char *name, const void *p, size_t n,
                        char *err, size_t errlen) {
    return ty_store_write_atomic(dir, name, p, n, err, errlen);
}

/* 1 when name is "<prefix>NNNNNN...<suffix>" with only digits between. */
static int name_ok(const char *name, const char *prefix, const char *suffix) {
    size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);
    if (n <= p + s || n > 60 || strncmp(name, prefix, p) ||
        strcmp(name + n - s, suffix))
        return 0;
    for (size_t i = p; i < n - s; i++)
        if (name[i] < '0' || name[i] > '9') return 0;
    return 1;
}

/* ======================================================== file helpers */

/* 1 when name is "<base>.tmp.XXXXXX" (six letters or digits): a temporary
 * file of ty_file_tmp for base. */
static int is_tmp_of(const char *name, const char *base) {
    size_t b = strlen(base), n = strlen(name);
    if (n != b + 11 || strncmp(name, base, b) || strncmp(name + b, ".tmp.", 5)) return 0;
    for (size_t i = b + 5; i < n; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z')))
            return 0;
    return 1;
}

/* ============================================================= manifest */

void ty_manifest_free(ty_manifest *mf) {
    if (!mf) return;
    free(mf->seg);
    memset(mf, 0, sizeof *mf);
}

/* The manifest's members as a JSON object (without "check"). */
static json_t *manifest_json(const ty_manifest *mf) {
    json_t *o = json_object(), *segs = json_array();
    if (!o || !segs) {
        json_decref(o);
        json_decref(segs);
        return NULL;
    }
    char fit[17];
    snprintf(fit, sizeof fit, "%016" PRIx64, mf->fit);
    int bad = json_object_set_new(o, "tenyo_manifest", json_integer(MANIFEST_VERSION));
    bad |= json_object_set_new(o, "generation", json_integer((json_int_t)mf->generation));
    bad |= json_object_set_new(o, "fit", json_string(fit));
    bad |= json_object_set_new(o, "base_docs", json_integer((json_int_t)mf->base_docs));
    for (size_t i = 0; i < mf->nseg; i++) {
        json_t *s = json_pack("{s:s, s:I, s:I}", "file", mf->seg[i].file, "docs",
                              (json_int_t)mf->seg[i].docs, "bytes",
                              (json_int_t)mf->seg[i].bytes);
        bad |= !s || json_array_append_new(segs, s);
    }
    bad |= json_object_set_new(o, "segments", segs);
    if (mf->del[0])
        bad |= json_object_set_new(o, "deleted", json_pack("{s:s, s:I}", "file", mf->del,
                                                           "count", (json_int_t)mf->ndel));
    else
        bad |= json_object_set_new(o, "deleted", json_null());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static uint64_t manifest_check(json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t h = s ? ty_fnv1a(s, strlen(s)) : 0;
    free(s);
    return h;
}

/* Write o (taken over) as file `name` of dir, atomically, with a "check"
 * member: FNV-1a of its compact, key-sorted form without it. */
static int write_checked(const char *dir, const char *name, json_t *o, size_t flags,
                         char *err, size_t errlen) {
    if (!o) {
        ty_seterr(err, errlen, "%s: out of memory writing %s", dir, name);
        return TENYO_ERR_NOMEM;
    }
    char chk[17];
    snprintf(chk, sizeof chk, "%016" PRIx64, manifest_check(o));
    char *text = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (json_object_set_new(o, "check", json_string(chk)) == 0)
        text = json_dumps(o, flags | JSON_SORT_KEYS);
    if (text) {
        size_t n = strlen(text);
        text[n] = '\n'; /* json_dumps leaves room: replace the NUL, write n+1 */
        rc = write_atomic(dir, name, text, n + 1, err, errlen);
    } else {
        ty_seterr(err, errlen, "%s: out of memory writing %s", dir, name);
    }
    free(text);
    json_decref(o);
    return rc;
}

int ty_manifest_write(const char *dir, const ty_manifest *mf, char *err, size_t errlen) {
    return write_checked(dir, "MANIFEST", manifest_json(mf), JSON_INDENT(1), err, errlen);
}

/* Unsigned integer member, or -1. */
static int get_u64(json_t *o, const char *key, uint64_t *out) {
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int ty_manifest_read(const char *dir, ty_manifest *mf, char *err, size_t errlen) {
    memset(mf, 0, sizeof *mf);
    char *path = join(dir, "MANIFEST");
    if (!path) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_CORRUPT;
    json_t *o = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc = errno == ENOENT || errno == ENOTDIR ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
        if (rc == TENYO_ERR_IO)
            ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    json_error_t je;
    o = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!o || !json_is_object(o)) {
        ty_seterr(err, errlen, "%s:%d: not a manifest: %s", path, o ? 1 : je.line,
                  o ? "not a JSON object" : je.text);
        goto done;
    }
    json_t *chk = json_object_get(o, "check");
    const char *cs = json_string_value(chk);
    char want[17];
    if (!cs) {
        ty_seterr(err, errlen, "%s: damaged manifest (no check)", path);
        goto done;
    }
    snprintf(want, sizeof want, "%s", cs);
    json_object_del(o, "check");
    char got[17];
    snprintf(got, sizeof got, "%016" PRIx64, manifest_check(o));
    if (strcmp(got, want)) {
        ty_seterr(err, errlen, "%s: damaged manifest (checksum %s, expected %s)", path, got,
                  want);
        goto done;
    }
    uint64_t ver = 0;
    if (get_u64(o, "tenyo_manifest", &ver) || ver == 0) {
        ty_seterr(err, errlen, "%s: damaged manifest (no version)", path);
        goto done;
    }
    if (ver > MANIFEST_VERSION) {
        ty_seterr(err, errlen, "%s: manifest version %llu is newer than this tenyo (%d)", path,
                  (unsigned long long)ver, MANIFEST_VERSION);
        rc = TENYO_ERR_VERSION;
        goto done;
    }
    const char *fit = json_string_value(json_object_get(o, "fit"));
    char *end = NULL;
    json_t *segs = json_object_get(o, "segments"), *del = json_object_get(o, "deleted");
    if (get_u64(o, "generation", &mf->generation) || get_u64(o, "base_docs", &mf->base_docs) ||
        !fit || strlen(fit) != 16 || !json_is_array(segs) ||
        (!json_is_null(del) && !json_is_object(del))) {
        ty_seterr(err, errlen, "%s: damaged manifest (a member is missing or has a wrong type)",
                  path);
        goto done;
    }
    mf->fit = strtoull(fit, &end, 16);
    if (*end) {
        ty_seterr(err, errlen, "%s: damaged manifest (fit '%s')", path, fit);
        goto done;
    }
    mf->nseg = json_array_size(segs);
    mf->seg = ty_calloc(mf->nseg ? mf->nseg : 1, sizeof *mf->seg);
    if (!mf->seg) {
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < mf->nseg; i++) {
        json_t *s = json_array_get(segs, i);
        const char *file = json_string_value(json_object_get(s, "file"));
        if (!file || !name_ok(file, "seg-", ".tys") || get_u64(s, "docs", &mf->seg[i].docs) ||
            get_u64(s, "bytes", &mf->seg[i].bytes)) {
            ty_seterr(err, errlen, "%s: damaged manifest (segment %zu)", path, i + 1);
            goto done;
        }
        snprintf(mf->seg[i].file, sizeof mf->seg[i].file, "%s", file);
    }
    if (json_is_object(del)) {
        const char *file = json_string_value(json_object_get(del, "file"));
        if (!file || !name_ok(file, "del-", ".tyd") || get_u64(del, "count", &mf->ndel)) {
            ty_seterr(err, errlen, "%s: damaged manifest (deletions)", path);
            goto done;
        }
        snprintf(mf->del, sizeof mf->del, "%s", file);
    }
    rc = TENYO_OK;
done:
    json_decref(o);
    free(path);
    if (rc) ty_manifest_free(mf);
    return rc;
}

/* ======================================================= licensable list */

#define OPEN_VERSION 1
#define OPEN_MAX (256u << 20) /* bytes: ~10M ids */

void ty_openlist_free(ty_openlist *ol) {
    if (!ol) return;
    for (size_t i = 0; i < ol->n; i++) free(ol->ids[i]);
    free(ol->ids);
    free(ol->source);
    memset(ol, 0, sizeof *ol);
}

/* The list's members as a JSON object (without "check"). */
static json_t *openlist_json(const ty_openlist *ol) {
    json_t *o = json_object(), *ids = json_array();
    if (!o || !ids) {
        json_decref(o);
        json_decref(ids);
        return NULL;
    }
    int bad = json_object_set_new(o, "tenyo_open", json_integer(OPEN_VERSION));
    bad |= json_object_set_new(o, "source", json_string(ol->source ? ol->source : ""));
    bad |= json_object_set_new(o, "loaded", json_integer((json_int_t)ol->loaded));
    bad |= json_object_set_new(o, "lines", json_integer((json_int_t)ol->lines));
    bad |= json_object_set_new(o, "unresolved", json_integer((json_int_t)ol->unresolved));
    for (size_t i = 0; i < ol->n && !bad; i++) {
        json_t *v = json_string(ol->ids[i]);
        bad |= !v || json_array_append_new(ids, v);
    }
    bad |= json_object_set_new(o, "ids", ids);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int ty_openlist_write(const char *dir, const ty_openlist *ol, char *err, size_t errlen) {
    return write_checked(dir, "OPEN", openlist_json(ol), JSON_COMPACT, err, errlen);
}

int ty_openlist_read(const char *dir, ty_openlist *ol, char *err, size_t errlen) {
    memset(ol, 0, sizeof *ol);
    char *path = join(dir, "OPEN");
    if (!path) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_CORRUPT;
    json_t *o = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) {
        rc = errno == ENOENT || errno == ENOTDIR ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
        if (rc == TENYO_ERR_IO)
            ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    if (fstat(fileno(f), &st) != 0 || (uint64_t)st.st_size > OPEN_MAX) {
        ty_seterr(err, errlen, "%s: damaged licensable list (larger than %u MiB)", path,
                  OPEN_MAX >> 20);
        goto done;
    }
    json_error_t je;
    o = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        ty_seterr(err, errlen, "%s:%d: damaged licensable list: %s", path, o ? 1 : je.line,
                  o ? "not a JSON object" : je.text);
        goto done;
    }
    const char *cs = json_string_value(json_object_get(o, "check"));
    char want[17], got[17];
    if (!cs) {
        ty_seterr(err, errlen, "%s: damaged licensable list (no check)", path);
        goto done;
    }
    snprintf(want, sizeof want, "%s", cs);
    json_object_del(o, "check");
    snprintf(got, sizeof got, "%016" PRIx64, manifest_check(o));
    if (strcmp(got, want)) {
        ty_seterr(err, errlen, "%s: damaged licensable list (checksum %s, expected %s)", path,
                  got, want);
        goto done;
    }
    uint64_t ver = 0, loaded = 0;
    if (get_u64(o, "tenyo_open", &ver) || ver == 0) {
        ty_seterr(err, errlen, "%s: damaged licensable list (no version)", path);
        goto done;
    }
    if (ver > OPEN_VERSION) {
        ty_seterr(err, errlen, "%s: licensable list version %llu is newer than this tenyo (%d)",
                  path, (unsigned long long)ver, OPEN_VERSION);
        rc = TENYO_ERR_VERSION;
        goto done;
    }
    json_t *ids = json_object_get(o, "ids");
    const char *src = json_string_value(json_object_get(o, "source"));
    if (!json_is_array(ids) || !src || get_u64(o, "loaded", &loaded) ||
        get_u64(o, "lines", &ol->lines) || get_u64(o, "unresolved", &ol->unresolved)) {
        ty_seterr(err, errlen, "%s: damaged licensable list (a member is missing or has a "
                  "wrong type)", path);
        goto done;
    }
    ol->loaded = (int64_t)loaded;
    rc = TENYO_ERR_NOMEM;
    size_t n = json_array_size(ids);
    ol->source = ty_strdup(src);
    ol->ids = ty_calloc(n ? n : 1, sizeof *ol->ids);
    if (!ol->source || !ol->ids) goto done;
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (!id || !*id) {
            ty_seterr(err, errlen, "%s: damaged licensable list (id %zu)", path, i + 1);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (!(ol->ids[i] = ty_strdup(id))) goto done;
        ol->n = i + 1;
    }
    rc = TENYO_OK;
done:
    fclose(f);
    json_decref(o);
    free(path);
    if (rc) ty_openlist_free(ol);
    return rc;
}

int ty_openlist_remove(const char *dir, char *err, size_t errlen) {
    char *path = join(dir, "OPEN");
    if (!path) return TENYO_ERR_NOMEM;
    int rc = 1;
    if (unlink(path) != 0) {
        if (errno == ENOENT) {
            rc = 0;
        } else {
            ty_seterr(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
            rc = TENYO_ERR_IO;
        }
    }
    free(path);
    if (rc == 1) {
        int s = ty_sync_dir(dir, err, errlen);
        if (s) rc = TENYO_ERR_UNSYNCED;
    }
    return rc;
}

/* ============================================================ deletions */

static void le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint64_t rd64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void ty_dels_free(ty_dels *d) {
    if (!d) return;
    free(d->seg);
    free(d->pos);
    free(d->ids);
    free(d->idblob);
    memset(d, 0, sizeof *d);
}

int ty_dels_write(const char *dir, const char *name, const ty_manifest *st,
                  const uint64_t *pos, const char *const *ids, uint64_t n, char *err,
                  size_t errlen) {
    uint64_t idb = 0;
    for (uint64_t i = 0; i < n; i++) idb += (ids && ids[i] ? strlen(ids[i]) : 0) + 1;
    if (n > DEL_MAX / 8 || st->nseg > DEL_MAX / 24 || idb > DEL_MAX) return TENYO_ERR_LIMIT;
    size_t bytes = 56 + st->nseg * 24 + (size_t)n * 8 + 8 + (size_t)idb + 8;
    unsigned char *b = ty_malloc(bytes), *p;
    if (!b) {
        ty_seterr(err, errlen, "%s/%s: out of memory", dir, name);
        return TENYO_ERR_NOMEM;
    }
    memcpy(b, DEL_MAGIC, 8);
    memset(b + 8, 0, 8);
    b[8] = DEL_VERSION;
    le64(b + 16, n);
    le64(b + 24, st->generation);
    le64(b + 32, st->fit);
    le64(b + 40, st->base_docs);
    le64(b + 48, st->nseg);
    p = b + 56;
    for (size_t i = 0; i < st->nseg; i++, p += 24) {
        le64(p, strtoull(st->seg[i].file + 4, NULL, 10));
        le64(p + 8, st->seg[i].docs);
        le64(p + 16, st->seg[i].bytes);
    }
    for (uint64_t i = 0; i < n; i++, p += 8) le64(p, pos[i]);
    le64(p, idb);
    p += 8;
    for (uint64_t i = 0; i < n; i++) {
        size_t l = ids && ids[i] ? strlen(ids[i]) : 0;
        if (l) memcpy(p, ids[i], l);
        p[l] = 0;
        p += l + 1;
    }
    le64(b + bytes - 8, ty_fnv1a(b, bytes - 8));
    int rc = write_atomic(dir, name, b, bytes, err, errlen);
    free(b);
    return rc;
}

int ty_dels_load(const char *dir, const char *name, ty_dels *d, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    char *path = join(dir, name);
    if (!path) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_CORRUPT;
    unsigned char *b = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        rc = errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (!S_ISREG(st.st_mode) || size < 32 || size > DEL_MAX) {
        ty_seterr(err, errlen, "%s: damaged deletion file (%llu bytes%s)", path,
                  (unsigned long long)size, S_ISREG(st.st_mode) ? "" : ", not a file");
        goto done;
    }
    b = ty_malloc((size_t)size);
    if (!b) {
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    if (fread(b, 1, (size_t)size, f) != (size_t)size) {
        ty_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = TENYO_ERR_IO;
        goto done;
    }
    if (memcmp(b, DEL_MAGIC, 8) || rd64(b + size - 8) != ty_fnv1a(b, (size_t)size - 8)) {
        ty_seterr(err, errlen, "%s: damaged deletion file (magic or checksum)", path);
        goto done;
    }
    uint32_t ver = (uint32_t)(rd64(b + 8) & 0xffffffffu), flags = (uint32_t)(rd64(b + 8) >> 32);
    if (ver > DEL_VERSION || ver == 0 || flags) {
        ty_seterr(err, errlen, "%s: deletion file version %u (flags %u) not supported", path, ver,
                  flags);
        rc = ver > DEL_VERSION ? TENYO_ERR_VERSION : TENYO_ERR_CORRUPT;
        goto done;
    }
    d->version = ver;
    uint64_t cnt = rd64(b + 16), off = 24, end = size - 8;
    if (ver >= 2) {
        if (size < 72) { /* the header, no segment, no position, L = 0, the checksum */
            ty_seterr(err, errlen, "%s: damaged deletion file (%llu bytes)", path,
                      (unsigned long long)size);
            goto done;
        }
        d->generation = rd64(b + 24);
        d->fit = rd64(b + 32);
        d->base_docs = rd64(b + 40);
        uint64_t ns = rd64(b + 48);
        off = 56;
        if (ns > (end - off) / 24 || cnt > (end - off - ns * 24) / 9) {
            ty_seterr(err, errlen, "%s: damaged deletion file (%llu segments, %llu deletions)",
                      path, (unsigned long long)ns, (unsigned long long)cnt);
            goto done;
        }
        d->seg = ty_calloc(ns ? ns : 1, sizeof *d->seg);
        if (!d->seg) {
            rc = TENYO_ERR_NOMEM;
            goto done;
        }
        d->nseg = (size_t)ns;
        for (size_t i = 0; i < d->nseg; i++, off += 24) {
            uint64_t g = rd64(b + off);
            if (g == 0 || g > (uint64_t)INT64_MAX) {
                ty_seterr(err, errlen, "%s: damaged deletion file (segment %zu)", path, i + 1);
                goto done;
            }
            snprintf(d->seg[i].file, sizeof d->seg[i].file, "seg-%06" PRIu64 ".tys", g);
            d->seg[i].docs = rd64(b + off + 8);
            d->seg[i].bytes = rd64(b + off + 16);
        }
    } else if ((end - off) % 8 || cnt != (end - off) / 8) {
        ty_seterr(err, errlen, "%s: damaged deletion file (count %llu)", path,
                  (unsigned long long)cnt);
        goto done;
    }
    rc = TENYO_ERR_NOMEM;
    d->pos = ty_mallocarray(cnt ? cnt : 1, sizeof *d->pos);
    if (!d->pos) goto done;
    rc = TENYO_ERR_CORRUPT;
    for (uint64_t i = 0; i < cnt; i++, off += 8) {
        d->pos[i] = rd64(b + off);
        if (i && d->pos[i] <= d->pos[i - 1]) {
            ty_seterr(err, errlen, "%s: damaged deletion file (position %llu of %llu)", path,
                      (unsigned long long)i, (unsigned long long)cnt);
            goto done;
        }
    }
    d->n = cnt;
    if (ver >= 2) {
        uint64_t idb = off + 8 <= end ? rd64(b + off) : UINT64_MAX;
        off += 8;
        if (idb == UINT64_MAX || idb != end - off || (cnt && b[end - 1] != 0)) {
            ty_seterr(err, errlen, "%s: damaged deletion file (ids)", path);
            goto done;
        }
        rc = TENYO_ERR_NOMEM;
        d->idblob = ty_malloc((size_t)idb + 1);
        d->ids = ty_calloc(cnt ? cnt : 1, sizeof *d->ids);
        if (!d->idblob || !d->ids) goto done;
        rc = TENYO_ERR_CORRUPT;
        memcpy(d->idblob, b + off, (size_t)idb);
        d->idblob[idb] = 0;
        uint64_t k = 0;
        for (uint64_t at = 0; at < idb && k < cnt; k++) {
            d->ids[k] = d->idblob + at;
            at += strlen(d->idblob + at) + 1;
            if (k + 1 == cnt && at != idb) k = cnt + 1; /* bytes left over */
        }
        if (k != cnt) {
            ty_seterr(err, errlen, "%s: damaged deletion file (ids)", path);
            goto done;
        }
    }
    rc = TENYO_OK;
done:
    if (f) fclose(f);
    free(b);
    free(path);
    if (rc) ty_dels_free(d);
    return rc;
}

int ty_dels_read(const char *dir, const char *name, uint64_t total, uint64_t **pos,
                 uint64_t *n, char *err, size_t errlen) {
    *pos = NULL;
    *n = 0;
    ty_dels d;
    int rc = ty_dels_load(dir, name, &d, err, errlen);
    if (rc) return rc;
    /* a deletion file never lists more positions than there are documents */
    if (d.n && d.pos[d.n - 1] >= total) {
        ty_seterr(err, errlen, "%s/%s: damaged deletion file (position %llu of %llu documents)",
                  dir, name, (unsigned long long)d.pos[d.n - 1], (unsigned long long)total);
        ty_dels_free(&d);
        return TENYO_ERR_CORRUPT;
    }
    *pos = d.pos;
    *n = d.n;
    d.pos = NULL;
    ty_dels_free(&d);
    return TENYO_OK;
}

/* ================================================================= lock */

int ty_upd_lock(const char *dir, int *fd, char *err, size_t errlen) {
    *fd = -1;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        ty_seterr(err, errlen, "%s: cannot create the update directory: %s", dir,
                  strerror(errno));
        return TENYO_ERR_IO;
    }
    char *path = join(dir, "LOCK");
    if (!path) return TENYO_ERR_NOMEM;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int rc = TENYO_OK;
    if (f < 0) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = TENYO_ERR_IO;
    } else if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        ty_seterr(err, errlen, "%s: another writer of this index is running (tenyo index, "
                  "add, delete, rebuild or check --repair); try again when it has finished",
                  path);
        close(f);
        rc = TENYO_ERR_BUSY;
    } else {
        *fd = f;
    }
    free(path);
    return rc;
}

void ty_upd_unlock(int fd) {
    if (fd >= 0) close(fd); /* closing drops the flock */
}

int ty_real_path(const char *path, char **out, char *err, size_t errlen) {
    *out = NULL;
    struct stat st;
    char *r = realpath(path, NULL);
    if (r) {
        *out = r;
        return TENYO_OK;
    }
    if (errno != ENOENT || !*path) {
        ty_seterr(err, errlen, "%s: cannot resolve the path: %s", path, strerror(errno));
        return errno == ENOMEM ? TENYO_ERR_NOMEM : TENYO_ERR_IO;
    }
    if (lstat(path, &st) == 0) { /* exists as a link, its target does not */
        ty_seterr(err, errlen, "%s: a symbolic link to a file that does not exist", path);
        return TENYO_ERR_IO;
    }
    /* a new file: its directory's real path and its name */
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char *d = slash ? ty_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : ty_strdup(".");
    if (!d) return TENYO_ERR_NOMEM;
    char *rd = *name && strcmp(name, ".") && strcmp(name, "..") ? realpath(d, NULL) : NULL;
    if (!rd) {
        ty_seterr(err, errlen, "%s: cannot resolve the path: %s", path,
                  *name ? strerror(errno) : "no file name");
        free(d);
        return TENYO_ERR_IO;
    }
    free(d);
    r = join(strcmp(rd, "/") ? rd : "", name);
    free(rd);
    if (!r) return TENYO_ERR_NOMEM;
    *out = r;
    return TENYO_OK;
}

void ty_wlock_release(ty_wlock *w) {
    if (!w) return;
    ty_upd_unlock(w->fd);
    free(w->path);
    free(w->dir);
    w->path = w->dir = NULL;
    w->fd = -1;
}

int ty_wlock_take(const char *path, ty_wlock *w, char *err, size_t errlen) {
    memset(w, 0, sizeof *w);
    w->fd = -1;
    int rc = ty_real_path(path, &w->path, err, errlen);
    if (rc) return rc;
    w->dir = ty_upd_dir(w->path);
    if (!w->dir) {
        ty_wlock_release(w);
        return TENYO_ERR_NOMEM;
    }
    rc = ty_upd_lock(w->dir, &w->fd, err, errlen);
    if (rc) ty_wlock_release(w);
    return rc;
}

int ty_file_tmp_collect(const char *path) {
    int removed = 0;
    const char *slash = strrchr(path, '/');
    char *pdir = slash ? ty_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                       : NULL;
    DIR *d = pdir ? opendir(pdir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!is_tmp_of(e->d_name, slash + 1)) continue;
        char *p = join(pdir, e->d_name);
        if (p && unlink(p) == 0) removed++;
        free(p);
    }
    if (d) closedir(d);
    free(pdir);
    return removed;
}

int ty_file_lock(const char *path, const char *real, unsigned wait_ms, const char *what,
                 int *fd, char *err, size_t errlen) {
    *fd = -1;
    size_t n = strlen(real);
    char *lp = ty_malloc(n + sizeof ".lock");
    if (!lp) return TENYO_ERR_NOMEM;
    memcpy(lp, real, n);
    memcpy(lp + n, ".lock", sizeof ".lock");
    int rc = TENYO_OK, f = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (f < 0) {
        ty_seterr(err, errlen, "%s: cannot open its lock %s: %s", path, lp, strerror(errno));
        rc = TENYO_ERR_IO;
    }
    if (!rc && wait_ms == UINT_MAX) { /* without end: the kernel's wait */
        while (flock(f, LOCK_EX) != 0 && errno == EINTR) {}
    } else {
        /* wait_ms in steps of 10 ms: a writer holds it for one change */
        for (unsigned w = 0; !rc && flock(f, LOCK_EX | LOCK_NB) != 0; w += 10) {
            if (errno != EWOULDBLOCK || w >= wait_ms) {
                ty_seterr(err, errlen, "%s: another writer holds the %s (%s is locked)%s", path,
                          what, lp, errno == EWOULDBLOCK ? "; try again when it is done" : "");
                rc = TENYO_ERR_BUSY;
            } else {
                usleep(10000);
            }
        }
    }
    if (rc && f >= 0) close(f);
    else *fd = f;
    free(lp);
    return rc;
}

int ty_wlock_collect(const ty_wlock *w) {
    /* the base's temporary files, beside it */
    int removed = ty_file_tmp_collect(w->path);
    DIR *d;
    struct dirent *e;
    /* in the update directory: temporary files always; segment and
     * deletion files no manifest names only when the manifest reads
     * cleanly (a damaged or missing one is tenyo check's to judge) */
    ty_manifest mf;
    char why[TY_ERRLEN];
    int whole = 0;
    if (ty_manifest_read(w->dir, &mf, why, sizeof why) == TENYO_OK) {
        /* only a manifest whose files are all there and that no file is
         * committed past: otherwise (an older copy put back, a file it
         * names lost) the unnamed files are the evidence tenyo check
         * --repair needs, not garbage */
        struct stat st;
        whole = ty_upd_newest(w->dir, NULL, 0) < mf.generation + 2;
        for (size_t i = 0; whole && i <= mf.nseg; i++) {
            const char *f = i < mf.nseg ? mf.seg[i].file : mf.del;
            char *p = *f ? join(w->dir, f) : NULL;
            if (*f && (!p || stat(p, &st) != 0)) whole = 0;
            free(p);
        }
        if (whole) removed += ty_upd_gc(w->dir, &mf);
        ty_manifest_free(&mf);
    }
    if (!whole && (d = opendir(w->dir))) {
        while ((e = readdir(d))) {
            if (!strstr(e->d_name, ".tmp.")) continue;
            char *p = join(w->dir, e->d_name);
            if (p && unlink(p) == 0) removed++;
            free(p);
        }
        closedir(d);
    }
    /* shard files a sharded index at the path does not name (shards.c, ty_shards_collect) */
    return removed + ty_shards_collect(w->path);
}

uint64_t ty_upd_newest(const char *dir, char *file, size_t filelen) {
    DIR *d = opendir(dir);
    uint64_t best = 0;
    if (file && filelen) file[0] = 0;
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (!name_ok(n, "seg-", ".tys") && !name_ok(n, "del-", ".tyd")) continue;
        uint64_t g = strtoull(n + 4, NULL, 10);
        if (g <= best) continue;
        best = g;
        if (file && filelen) snprintf(file, filelen, "%.60s", n);
    }
    closedir(d);
    return best;
}

int ty_upd_gc(const char *dir, const ty_manifest *keep) {
    DIR *d = opendir(dir);
    if (!d) return TENYO_OK;
    struct dirent *e;
    int removed = 0;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        int ours = name_ok(n, "seg-", ".tys") || name_ok(n, "del-", ".tyd") ||
                   strstr(n, ".tmp.") != NULL;
        if (!ours) continue;
        int used = 0;
        for (size_t i = 0; keep && i < keep->nseg; i++) used |= !strcmp(n, keep->seg[i].file);
        if (keep && keep->del[0] && !strcmp(n, keep->del)) used = 1;
        /* a file two or more generations past the manifest was committed
         * after it (a writer of generation g read a manifest of g - 1):
         * the manifest is an older copy, and the file is evidence for
         * tenyo check --repair, never garbage */
        if (keep && !strstr(n, ".tmp.") && strtoull(n + 4, NULL, 10) >= keep->generation + 2)
            used = 1;
        if (used) continue;
        char *p = join(dir, n);
        if (p && unlink(p) == 0) removed++;
        free(p);
    }
    closedir(d);
    return removed;
}

/* ====================================================== updated byte */

/* The base's "updated" byte (format.h: STORE_UPDATED_AT), written in
 * place once by the first update committed for it. */
int ty_store_mark_updated(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    unsigned char h[STORE_FIXED];
    struct stat st;
    int rc = TENYO_ERR_IO;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) {
        ty_seterr(err, errlen, "%s: cannot mark the base as updated: %s", path,
                  fd < 0 || errno ? strerror(errno) : "short read");
        goto done;
    }
    rc = TENYO_OK;
    if (memcmp(h, STORE_MAGIC, 8) || get_le32(h + 8) < 3 || h[STORE_UPDATED_AT] == 1)
        goto done; /* formats 1-2 have no such byte; or already marked */
    unsigned char one = 1;
    if (pwrite(fd, &one, 1, STORE_UPDATED_AT) != 1 || fdatasync(fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot mark the base as updated: %s", path,
                  strerror(errno));
        rc = TENYO_ERR_IO;
    }
done:
    if (fd >= 0) close(fd);
    return rc;
}
