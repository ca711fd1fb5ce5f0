/*
 * check.c — tenyo check INDEX [--repair]: verify every file of an index,
 * and rebuild a consistent update state from what is readable (Lucene's
 * CheckIndex and its -exorcise, scaled down).
 *
 * Check. The base file is read whole (ty_store_read: every section, every
 * checksum and invariant, as `tenyo info` does; the abstracts, which a
 * reader only locates, block by block: ty_abs_verify). When "<real>.upd/" has a
 * MANIFEST for this base, each segment it names is read whole and matched
 * with its entry (documents, tokenizer), and the deletion file with its
 * count; then the index is opened as a reader would (base + merge) and its
 * live documents counted. Temporary files of killed writers and files no
 * manifest names are reported as leftovers (not problems: the next writer
 * collects them). Findings go to the caller line by line; the stats count
 * them.
 *
 * Before, one missing segment or deletion file made tenyo_index_open fail
 * after its five retries ("its updates kept changing") and the index was
 * unusable, base included, with no way back but the source files.
 *
 * Repair, under the writer lock (one writer at a time, as add and rebuild):
 *   - a damaged base cannot be repaired here: segments hold no LSA and the
 *     base's documents are only in it (index the sources again; refused);
 *   - damaged or missing segments are dropped, readable ones kept in their
 *     order, and the deletion positions renumbered for the shorter list;
 *   - a damaged or missing deletion file: deletions by `tenyo delete` are
 *     lost (counted and said), while replacements are recomputed from the
 *     ids (of several instances of an id, the last one lives), so no id is
 *     live twice;
 *   - a damaged MANIFEST: rebuilt from the directory listing (readable
 *     segments of this base's tokenizer, in generation order); the newest
 *     deletion file that reads whole is kept when the damaged manifest's
 *     text still names exactly the readable segments up to its generation
 *     (its positions then still place), so deleted documents stay deleted;
 *     without that evidence (no manifest, a named segment gone) a position
 *     could land on another document, so the deletions are recomputed as
 *     above and said to be unknown;
 *   - a base marked "updated" without any manifest (copied without its
 *     .upd): an empty manifest records that its base alone is the state.
 * Then a new MANIFEST (next generation) is committed like an update's, and
 * the index is opened again to count what it now holds. Nothing is ever
 * deleted: the damaged files are moved aside into
 * "<real>.upd/damaged-YYYYmmdd-HHMMSS/", where a later writer's collection
 * does not look. Rejected: salvaging sections of a damaged base (the rows
 * and metadata would have to be refitted without the damaged parts: a
 * different program), and serving the base alone when updates are damaged
 * (a silent partial answer; the open refuses and names this command).
 */
#include "api/api.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* State of one check. */
typedef struct checker {
    const char *path;         /* the index's real path */
    const char *dir;          /* its update directory */
    tenyo_check_stats *st;    /* counts */
    void (*say)(void *ud, int problem, const char *line); /* findings */
    void *ud;                 /* its argument */
    char aside[64];           /* "damaged-..." once made, else "" */
} checker;

static void say(checker *c, int problem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(checker *c, int problem, const char *fmt, ...) {
    char line[TY_ERRLEN + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (problem) c->st->problems++;
    if (c->say) c->say(c->ud, problem, line);
}

/* Move dir/name into the "damaged-..." folder (made on first use); a
 * missing file is only said to be dropped. */
static int move_aside(checker *c, const char *name) {
    struct stat st;
    char *at = ty_upd_path(c->dir, name);
    int gone = at && lstat(at, &st) != 0 && errno == ENOENT;
    free(at);
    if (gone) {
        say(c, 0, "%s is missing: dropped from the manifest", name);
        return TENYO_OK;
    }
    if (!c->aside[0]) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(c->aside, sizeof c->aside, "damaged-%04d%02d%02d-%02d%02d%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        char *a = ty_upd_path(c->dir, c->aside);
        int made = a && (mkdir(a, 0777) == 0 || errno == EEXIST);
        free(a);
        if (!made) {
            say(c, 1, "%s/%s: cannot make the folder for damaged files: %s", c->dir,
                c->aside, strerror(errno));
            c->aside[0] = 0;
            return TENYO_ERR_IO;
        }
    }
    char *from = ty_upd_path(c->dir, name), *sub = ty_upd_path(c->aside, name);
    char *to = sub ? ty_upd_path(c->dir, sub) : NULL;
    int rc = TENYO_ERR_NOMEM;
    if (from && to) {
        rc = rename(from, to) == 0 || errno == ENOENT ? TENYO_OK : TENYO_ERR_IO;
        if (rc) say(c, 1, "%s: cannot move it aside: %s", from, strerror(errno));
        else {
            c->st->moved++;
            say(c, 0, "moved %s to %s/", name, c->aside);
        }
    }
    free(from);
    free(sub);
    free(to);
    return rc;
}

/* One segment as checked. */
typedef struct seg_state {
    char file[64];            /* its name */
    uint64_t gen;             /* generation in its name */
    int ok;                   /* readable and matching */
    ty_model m;               /* as read (ok only; ids needed by repair) */
} seg_state;

/* Read and match segment dir/file (docs: the manifest's count, or
 * UINT64_MAX when unknown). */
static int seg_check(checker *c, const ty_model *base, seg_state *s, uint64_t docs) {
    char err[TY_ERRLEN] = "";
    char *sp = ty_upd_path(c->dir, s->file);
    if (!sp) return TENYO_ERR_NOMEM;
    int rc = ty_store_read(sp, &s->m, err, sizeof err);
    free(sp);
    if (!rc && (rc = ty_abs_verify(s->m.abs, err, sizeof err)) != 0) ty_model_free(&s->m);
    if (!rc && (rc = ty_kw_verify_model(&s->m, err, sizeof err)) != 0) ty_model_free(&s->m);
    if (rc == TENYO_ERR_NOMEM) return rc;
    if (rc) {
        say(c, 1, "segment %s: %s", s->file, err);
        return TENYO_OK;
    }
    const char *why = NULL;
    if (docs != UINT64_MAX && s->m.ndocs != docs) why = "a different number of documents";
    else if (!s->m.tokenizer || !base->tokenizer || strcmp(s->m.tokenizer, base->tokenizer))
        why = "another tokenizer";
    if (why) {
        say(c, 1, "segment %s: %s than its manifest or base (%" PRIu64 " documents)", s->file,
            why, s->m.ndocs);
        ty_model_free(&s->m);
        return TENYO_OK;
    }
    s->ok = 1;
    say(c, 0, "segment %s: ok, %" PRIu64 " documents", s->file, s->m.ndocs);
    return TENYO_OK;
}

static const char *doc_id(const ty_model *m, uint64_t d) {
    return m->meta_blob + m->meta_off[d * TY_META_NSTR + TY_META_ID];
}

/* Deletions that make each id live once: of several instances of an id
 * (base first, then the segments in order), all but the last. */
static int replacements(const ty_model *base, seg_state *segs, size_t nseg, uint64_t **out,
                        uint64_t *n) {
    ty_strmap *ids = ty_strmap_new();
    uint64_t total = base->ndocs;
    for (size_t i = 0; i < nseg; i++) total += segs[i].ok ? segs[i].m.ndocs : 0;
    uint64_t *last = ty_mallocarray(total ? total : 1, sizeof *last);
    uint64_t *del = ty_mallocarray(total ? total : 1, sizeof *del);
    int rc = TENYO_ERR_NOMEM;
    *out = NULL;
    *n = 0;
    if (!ids || !last || !del) goto done;
    uint64_t pos = 0, nd = 0;
    for (size_t i = 0; i <= nseg; i++) {
        const ty_model *m = i == 0 ? base : &segs[i - 1].m;
        if (i > 0 && !segs[i - 1].ok) continue;
        for (uint64_t d = 0; d < m->ndocs; d++, pos++) {
            const char *id = doc_id(m, d);
            int fresh = 0;
            int64_t k = ty_strmap_intern(ids, id, strlen(id), &fresh);
            if (k < 0) goto done;
            if (!fresh) del[nd++] = last[k]; /* seen: the earlier instance dies */
            last[k] = pos;
        }
    }
    qsort(del, nd, sizeof *del, ty_cmp_u64);
    *out = del;
    *n = nd;
    del = NULL;
    rc = TENYO_OK;
done:
    ty_strmap_free(ids);
    free(last);
    free(del);
    return rc;
}

/* Say how many deleted documents (positions del over the base and the ok
 * segments) have no live instance of their id left: deleted by `tenyo
 * delete`, or replaced by a document of a lost segment — the files cannot
 * tell which, so they stay deleted, and are named. */
static int orphans(checker *c, const ty_model *base, seg_state *segs, size_t nseg,
                   const uint64_t *del, uint64_t ndel) {
    ty_strmap *live = ty_strmap_new();
    if (!live) return TENYO_ERR_NOMEM;
    uint64_t pos = 0, k = 0, n = 0;
    for (size_t i = 0; i <= nseg; i++) {
        const ty_model *m = i == 0 ? base : &segs[i - 1].m;
        if (i > 0 && !segs[i - 1].ok) continue;
        for (uint64_t d = 0; d < m->ndocs; d++, pos++) {
            while (k < ndel && del[k] < pos) k++;
            if (k < ndel && del[k] == pos) continue;
            const char *id = doc_id(m, d);
            if (ty_strmap_intern(live, id, strlen(id), NULL) < 0) {
                ty_strmap_free(live);
                return TENYO_ERR_NOMEM;
            }
        }
    }
    char ids[200] = "";
    pos = 0;
    k = 0;
    for (size_t i = 0; i <= nseg; i++) {
        const ty_model *m = i == 0 ? base : &segs[i - 1].m;
        if (i > 0 && !segs[i - 1].ok) continue;
        for (uint64_t d = 0; d < m->ndocs; d++, pos++) {
            while (k < ndel && del[k] < pos) k++;
            if (k >= ndel || del[k] != pos) continue;
            const char *id = doc_id(m, d);
            if (ty_strmap_get(live, id, strlen(id)) >= 0) continue;
            if (n++ < 5 && strlen(ids) + strlen(id) + 3 < sizeof ids)
                snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", n > 1 ? ", " : "",
                         id);
        }
    }
    ty_strmap_free(live);
    if (n)
        say(c, 0, "%" PRIu64 " deleted documents have no live instance of their id (deleted by "
            "`tenyo delete`, or replaced by a document of a lost segment: they stay deleted; "
            "add them again if they were replaced): %s%s", n, ids, n > 5 ? ", ..." : "");
    return TENYO_OK;
}

/* seg-NNNNNN.tys files of the update directory, by generation. */
static int list_segments(checker *c, seg_state **out, size_t *n) {
    *out = NULL;
    *n = 0;
    DIR *d = opendir(c->dir);
    if (!d) return TENYO_OK;
    size_t cap = 0;
    struct dirent *e;
    int rc = TENYO_OK;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        if (l < 9 || l > 60 || strncmp(nm, "seg-", 4) || strcmp(nm + l - 4, ".tys")) continue;
        if (strspn(nm + 4, "0123456789") != l - 8) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            seg_state *s = ty_reallocarray(*out, cap, sizeof *s);
            if (!s) {
                rc = TENYO_ERR_NOMEM;
                break;
            }
            *out = s;
        }
        memset(&(*out)[*n], 0, sizeof **out);
        snprintf((*out)[*n].file, sizeof (*out)[*n].file, "%s", nm);
        (*out)[*n].gen = strtoull(nm + 4, NULL, 10);
        (*n)++;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) /* insertion sort by generation */
        for (size_t j = i; j > 0 && (*out)[j - 1].gen > (*out)[j].gen; j--) {
            seg_state t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return rc;
}

/* The bytes of dir/MANIFEST as text (malloc'd, NUL-terminated; at most
 * 1 MiB), or NULL when there is none. */
static char *manifest_text(const char *dir) {
    char *p = ty_upd_path(dir, "MANIFEST");
    FILE *f = p ? fopen(p, "rb") : NULL;
    free(p);
    if (!f) return NULL;
    char *t = ty_malloc((1u << 20) + 1);
    size_t n = t ? fread(t, 1, 1u << 20, f) : 0;
    fclose(f);
    if (t) t[n] = 0;
    return t;
}

/* 1 when the damaged manifest's text mt still names exactly the readable
 * segments of a generation up to g (names "seg-NNNNNN.tys" found in it,
 * none missing, none extra) and the deletion file del: the segments the
 * deletion positions count are then known to be those. */
static int manifest_confirms(const char *mt, const seg_state *segs, size_t nseg, uint64_t g,
                             const char *del) {
    if (!mt || !strstr(mt, del)) return 0;
    size_t named = 0;
    for (const char *p = mt; (p = strstr(p, "seg-")); p += 4) {
        size_t dl = strspn(p + 4, "0123456789");
        if (dl < 6 || strncmp(p + 4 + dl, ".tys", 4)) return 0; /* a name the damage hit */
        uint64_t sg = strtoull(p + 4, NULL, 10);
        if (sg > g) continue; /* added after the deletions: counted after them */
        size_t i = 0;
        while (i < nseg && segs[i].gen != sg) i++;
        if (i == nseg || !segs[i].ok) return 0; /* named but missing or damaged */
        named++;
    }
    size_t have = 0;
    for (size_t i = 0; i < nseg; i++) have += segs[i].ok && segs[i].gen <= g;
    return named == have;
}

/* Without a readable manifest: the deletions of the newest deletion file
 * of the directory that still reads (its own checksum, every position in
 * range), when the damaged manifest's text still names exactly the
 * readable segments up to its generation (manifest_confirms): its
 * positions then cover the base and those segments in generation order,
 * which is how the rebuilt manifest lists them, so they apply as they
 * are. Without that evidence (no manifest at all, or one naming a segment
 * that is gone) a position could land on another document: not used, the
 * deletions are recomputed from the ids and the file moved aside. *out
 * (sorted, malloc'd) and *n; used names the file (or "" when none could
 * be used: deletions unknown). */
static int recover_dels(checker *c, const ty_model *base, const seg_state *segs, size_t nseg,
                        const char *mt, uint64_t **out, uint64_t *n, char *used,
                        size_t usedlen) {
    *out = NULL;
    *n = 0;
    used[0] = 0;
    if (!base->updated) return TENYO_OK; /* no update was committed to this base: none is its */
    uint64_t best = 0;
    int rc = TENYO_OK;
    for (;;) { /* newest first: the highest generation below the last one tried */
        DIR *d = opendir(c->dir);
        struct dirent *e;
        uint64_t g = 0;
        char name[64] = "";
        while (d && (e = readdir(d))) {
            const char *nm = e->d_name;
            size_t l = strlen(nm);
            if (l < 9 || l > 60 || strncmp(nm, "del-", 4) || strcmp(nm + l - 4, ".tyd") ||
                strspn(nm + 4, "0123456789") != l - 8)
                continue;
            uint64_t eg = strtoull(nm + 4, NULL, 10);
            if ((best && eg >= best) || (name[0] && eg <= g)) continue;
            g = eg;
            snprintf(name, sizeof name, "%s", nm);
        }
        if (d) closedir(d);
        if (!name[0]) return TENYO_OK;
        best = g ? g : 1;
        uint64_t total = base->ndocs;
        const char *gap = NULL;
        for (size_t i = 0; i < nseg && segs[i].gen <= g; i++) {
            if (!segs[i].ok) gap = segs[i].file;
            else total += segs[i].m.ndocs;
        }
        if (gap) {
            say(c, 0, "deletions %s: not used: segment %s before it is damaged, so its "
                "positions cannot be placed", name, gap);
            if (!g) return TENYO_OK;
            continue;
        }
        if (!manifest_confirms(mt, segs, nseg, g, name)) {
            say(c, 0, "deletions %s: not used: %s, so the segments its positions count are not "
                "known", name, mt ? "the damaged MANIFEST does not name exactly the segments "
                "there are" : "there is no MANIFEST");
            return TENYO_OK;
        }
        char why[TY_ERRLEN];
        rc = ty_dels_read(c->dir, name, total, out, n, why, sizeof why);
        if (rc == TENYO_ERR_NOMEM) return rc;
        if (!rc) {
            say(c, 0, "deletions %s: ok, %" PRIu64 " positions: the newest deletion file, "
                "kept", name, *n);
            snprintf(used, usedlen, "%s", name);
            return TENYO_OK;
        }
        say(c, 0, "deletions %s: not used: %s", name, why);
        rc = TENYO_OK;
        if (!g) return TENYO_OK;
    }
}

/* The sorted union of a[na] and b[nb] (both sorted) into a new array. */
static int union_u64(const uint64_t *a, uint64_t na, const uint64_t *b, uint64_t nb,
                     uint64_t **out, uint64_t *n) {
    uint64_t *u = ty_mallocarray(na + nb ? na + nb : 1, sizeof *u);
    if (!u) return TENYO_ERR_NOMEM;
    uint64_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        uint64_t v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
        if (i < na && a[i] == v) i++;
        if (j < nb && b[j] == v) j++;
        u[k++] = v;
    }
    *out = u;
    *n = k;
    return TENYO_OK;
}

/* Leftovers: temporary files beside the base and in the update directory,
 * and segment / deletion files mf (may be NULL) does not name. */
static void leftovers(checker *c, const ty_manifest *mf) {
    const char *slash = strrchr(c->path, '/');
    char *pdir = ty_strndup(c->path, slash == c->path ? 1 : (size_t)(slash - c->path));
    const char *base = slash + 1;
    size_t bl = strlen(base);
    DIR *d = pdir ? opendir(pdir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, base, bl) && !strncmp(e->d_name + bl, ".tmp.", 5)) {
            c->st->leftovers++;
            say(c, 0, "leftover %s/%s (a killed writer's; the next writer removes it)", pdir,
                e->d_name);
        }
    if (d) closedir(d);
    free(pdir);
    d = opendir(c->dir);
    while (d && (e = readdir(d))) {
        const char *n = e->d_name;
        int tmp = strstr(n, ".tmp.") != NULL;
        int seg = !strncmp(n, "seg-", 4), del = !strncmp(n, "del-", 4);
        if (!tmp && !seg && !del) continue;
        int named = 0;
        for (size_t i = 0; mf && !tmp && i < mf->nseg; i++) named |= !strcmp(n, mf->seg[i].file);
        if (mf && !tmp && mf->del[0] && !strcmp(n, mf->del)) named = 1;
        if (named || (!mf && !tmp)) continue; /* without a manifest: judged by repair */
        c->st->leftovers++;
        say(c, 0, "leftover %s/%s (%s; the next writer removes it)", c->dir, n,
            tmp ? "a killed writer's temporary file" : "named by no manifest");
    }
    if (d) closedir(d);
}

/* Write the repaired state: segments segs[i].ok in order, deletions del
 * (global positions over the base and those segments). */
static int commit_repair(checker *c, const ty_model *base, uint64_t fit, uint64_t gen,
                         seg_state *segs, size_t nseg, const uint64_t *del, uint64_t ndel,
                         char *err, size_t errlen) {
    ty_manifest nm = {0};
    nm.generation = gen;
    nm.fit = fit;
    nm.base_docs = base->ndocs;
    nm.seg = ty_calloc(nseg ? nseg : 1, sizeof *nm.seg);
    if (!nm.seg) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < nseg; i++) {
        if (!segs[i].ok) continue;
        snprintf(nm.seg[nm.nseg].file, sizeof nm.seg[nm.nseg].file, "%s", segs[i].file);
        nm.seg[nm.nseg].docs = segs[i].m.ndocs;
        nm.seg[nm.nseg].bytes = segs[i].m.file_bytes;
        nm.nseg++;
    }
    int rc = TENYO_OK;
    if (ndel) {
        snprintf(nm.del, sizeof nm.del, "del-%06" PRIu64 ".tyd", gen);
        nm.ndel = ndel;
        rc = ty_dels_write(c->dir, nm.del, del, ndel, err, errlen);
    }
    if (!rc) rc = ty_manifest_write(c->dir, &nm, err, errlen);
    if (!rc) {
        ty_upd_gc(c->dir, &nm);
        say(c, 0, "wrote MANIFEST generation %" PRIu64 ": %zu segment%s, %" PRIu64
            " deletions", gen, nm.nseg, nm.nseg == 1 ? "" : "s", ndel);
    }
    ty_manifest_free(&nm);
    return rc;
}

int tenyo_index_check(const char *path, int repair, tenyo_check_stats *st,
                      void (*sayf)(void *ud, int problem, const char *line), void *ud,
                      char *err, size_t errlen) {
    if (!path || !st) return TENYO_ERR_ARG;
    memset(st, 0, sizeof *st);
    ty_wlock lk = {.fd = -1};
    char *real = NULL, *dir = NULL;
    ty_model base = {0};
    ty_manifest mf = {0};
    seg_state *segs = NULL;
    size_t nseg = 0;
    uint64_t *del = NULL, ndel = 0, *rdel = NULL, nrdel = 0;
    char why[TY_ERRLEN] = "";
    char kept_del[64] = ""; /* repair without a manifest: the deletion file used */
    int rc, have_mf = 0;
    struct stat sst;
    if (stat(path, &sst) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    if (repair) {
        rc = ty_shards_refuse(path, err, errlen);
        if (rc) return rc;
        rc = ty_wlock_take(path, &lk, err, errlen);
        if (rc) return rc;
        real = ty_strdup(lk.path);
        dir = ty_strdup(lk.dir);
    } else {
        rc = ty_real_path(path, &real, err, errlen);
        if (rc) return rc;
        dir = ty_upd_dir(real);
    }
    checker c = {real, dir, st, sayf, ud, ""};
    rc = TENYO_ERR_NOMEM;
    if (!real || !dir) goto done;

    /* the base, whole */
    rc = ty_store_read(real, &base, why, sizeof why);
    if (!rc) rc = ty_abs_verify(base.abs, why, sizeof why); /* read lazily elsewhere */
    if (!rc) rc = ty_kw_verify_model(&base, why, sizeof why); /* its postings, all */
    if (rc == TENYO_ERR_NOMEM) goto done;
    if (rc) {
        say(&c, 1, "base: %s", why);
        if (repair)
            say(&c, 1, "the base cannot be repaired from the index (its documents are only "
                "in it): index the sources again");
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    st->base_docs = base.ndocs;
    say(&c, 0, "base %s: ok, format %u, %" PRIu64 " documents%s", real, base.format_version,
        base.ndocs, base.updated ? ", marked as updated" : "");
    uint64_t fit = ty_model_fit_id(&base);

    /* the manifest */
    rc = ty_manifest_read(dir, &mf, why, sizeof why);
    int reconstruct = 0;
    if (rc == TENYO_ERR_NOMEM) goto done;
    if (rc == TENYO_ERR_NOTFOUND) {
        if (base.updated) {
            say(&c, 1, "updates were committed to this base, but %s/MANIFEST is missing "
                "(copied or moved without its .upd directory?)", dir);
            reconstruct = 1;
        } else {
            say(&c, 0, "no updates");
        }
    } else if (rc == TENYO_ERR_VERSION) {
        say(&c, 1, "%s", why);
        rc = TENYO_ERR_VERSION;
        goto done; /* a newer tenyo's: not ours to rewrite */
    } else if (rc) {
        say(&c, 1, "%s", why);
        reconstruct = 1;
    } else if (mf.fit != fit) {
        say(&c, 0, "MANIFEST generation %" PRIu64 " is for another base (stale, ignored; "
            "the next writer removes it)", mf.generation);
    } else {
        have_mf = 1;
        say(&c, 0, "MANIFEST generation %" PRIu64 ": ok, %zu segment%s, %" PRIu64
            " deletions", mf.generation, mf.nseg, mf.nseg == 1 ? "" : "s", mf.ndel);
        if (mf.base_docs != base.ndocs) {
            say(&c, 1, "MANIFEST: made for a base of %" PRIu64 " documents, the base has %"
                PRIu64, mf.base_docs, base.ndocs);
            have_mf = 0; /* its positions cannot be trusted: as if damaged */
            reconstruct = 1;
        }
    }
    leftovers(&c, have_mf ? &mf : NULL);

    /* the licensable list (api/openlist.c): ids, bound to no base */
    int open_bad = 0;
    {
        ty_openlist ol;
        char ow[TY_ERRLEN];
        int orc = ty_openlist_read(dir, &ol, ow, sizeof ow);
        if (orc == TENYO_ERR_NOMEM) {
            rc = orc;
            goto done;
        }
        if (orc == TENYO_OK)
            say(&c, 0, "licensable list: ok, %zu patents (loaded from %s)", ol.n, ol.source);
        else if (orc != TENYO_ERR_NOTFOUND) {
            say(&c, 1, "%s (`tenyo open %s --from FILE` loads it again, --clear removes it%s)",
                ow, real, repair ? "" : "; --repair moves it aside");
            open_bad = 1;
        }
        ty_openlist_free(&ol);
    }

    /* segments: those the manifest names, or (reconstructing) all there are */
    rc = TENYO_ERR_NOMEM;
    if (have_mf) {
        nseg = mf.nseg;
        segs = ty_calloc(nseg ? nseg : 1, sizeof *segs);
        if (!segs) goto done;
        for (size_t i = 0; i < nseg; i++)
            snprintf(segs[i].file, sizeof segs[i].file, "%s", mf.seg[i].file);
    } else if (reconstruct) {
        rc = list_segments(&c, &segs, &nseg);
        if (rc) goto done;
        if (nseg) say(&c, 0, "%zu segment files in %s (no manifest to name them)", nseg, dir);
    }
    uint64_t positions = base.ndocs;
    for (size_t i = 0; i < nseg; i++) {
        rc = seg_check(&c, &base, &segs[i], have_mf ? mf.seg[i].docs : UINT64_MAX);
        if (rc) goto done;
        if (segs[i].ok) st->docs_readable += segs[i].m.ndocs;
        else if (have_mf) st->docs_lost += mf.seg[i].docs;
        else st->segments_bad++;
        if (!segs[i].ok && have_mf) st->segments_bad++;
        positions += have_mf ? mf.seg[i].docs : 0;
    }
    st->segments = (uint32_t)nseg;
    st->docs_readable += base.ndocs;

    /* deletions */
    int del_ok = 1;
    if (have_mf && mf.del[0]) {
        rc = ty_dels_read(dir, mf.del, positions, &del, &ndel, why, sizeof why);
        if (rc == TENYO_ERR_NOMEM) goto done;
        if (rc || ndel != mf.ndel) {
            if (!rc)
                snprintf(why, sizeof why, "%s/%s: %" PRIu64 " deletions, the manifest says %"
                         PRIu64, dir, mf.del, ndel, mf.ndel);
            say(&c, 1, "deletions %s: %s", mf.del, why);
            del_ok = 0;
            free(del);
            del = NULL;
            ndel = 0;
        } else {
            say(&c, 0, "deletions %s: ok, %" PRIu64 " positions", mf.del, ndel);
        }
    }
    /* live documents of the readable files (deletions known or not) */
    if (del_ok && have_mf) {
        uint64_t dead = 0, p = base.ndocs;
        for (uint64_t k = 0; k < ndel; k++) dead += del[k] < base.ndocs;
        for (size_t i = 0; i < nseg; i++) {
            uint64_t e = p + mf.seg[i].docs;
            for (uint64_t k = 0; k < ndel; k++)
                if (del[k] >= p && del[k] < e && segs[i].ok) dead++;
            p = e;
        }
        st->docs_readable -= dead;
    }

    /* the whole as a reader opens it */
    if (st->problems == 0) {
        tenyo_index *x = NULL;
        rc = tenyo_index_open(real, &x, why, sizeof why);
        if (!rc) rc = tenyo_index_load_all(x, why, sizeof why);
        if (rc == TENYO_ERR_NOMEM) {
            tenyo_index_free(x);
            goto done;
        }
        /* without updates, what the open refuses (the IVF lists, the
         * labels: checked at open, not by the store) is the base's damage */
        if (rc && !have_mf) {
            say(&c, 1, "base: %s", why);
            if (repair)
                say(&c, 1, "the base cannot be repaired from the index (its documents are "
                    "only in it): index the sources again");
            tenyo_index_free(x);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (rc) say(&c, 1, "open: %s", why);
        else say(&c, 0, "opens: %" PRIu64 " live documents", tenyo_index_ndocs(x));
        if (!rc) st->docs_readable = tenyo_index_ndocs(x);
        tenyo_index_free(x);
    }
    if (!repair || st->problems == 0) {
        if (repair && st->leftovers) {
            int n = ty_wlock_collect(&lk);
            say(&c, 0, "removed %d leftover file%s", n, n == 1 ? "" : "s");
        }
        rc = st->problems ? TENYO_ERR_CORRUPT : TENYO_OK;
        goto done;
    }

    /* ------------------------------------------------------------ repair */
    st->problems = 0; /* from here: what the repair could not fix */
    for (size_t i = 0; i < nseg; i++)
        if (!segs[i].ok) {
            rc = move_aside(&c, segs[i].file);
            if (rc) goto done;
        }
    if (have_mf && !del_ok) move_aside(&c, mf.del);
    if (open_bad) { /* the list is the user's to load again: set aside */
        rc = move_aside(&c, "OPEN");
        if (rc) goto done;
        say(&c, 0, "the damaged licensable list was moved aside: load it again with "
            "`tenyo open %s --from FILE`", real);
    }
    if (!have_mf && reconstruct) {
        char *mp = ty_upd_path(dir, "MANIFEST");
        struct stat ms;
        int there = mp && stat(mp, &ms) == 0;
        free(mp);
        char *mt = there ? manifest_text(dir) : NULL; /* read before it moves */
        if (there && (rc = move_aside(&c, "MANIFEST"))) {
            free(mt);
            goto done;
        }
        /* the newest readable deletion file still applies (recover_dels) */
        rc = recover_dels(&c, &base, segs, nseg, mt, &del, &ndel, kept_del, sizeof kept_del);
        free(mt);
        if (rc) goto done;
        DIR *d = opendir(dir); /* deletion files no manifest explains */
        struct dirent *e;
        char names[64][64];
        int nn = 0;
        while (d && (e = readdir(d)) && nn < 64)
            if (!strncmp(e->d_name, "del-", 4) && !strstr(e->d_name, ".tmp.") &&
                strcmp(e->d_name, kept_del) && strlen(e->d_name) < sizeof names[0])
                memcpy(names[nn++], e->d_name, strlen(e->d_name) + 1);
        if (d) closedir(d);
        for (int i = 0; i < nn; i++) move_aside(&c, names[i]);
    }
    /* deletions for the new list */
    uint64_t *nd = NULL, nnd = 0;
    if (del_ok && have_mf) {
        nd = ty_mallocarray(ndel ? ndel : 1, sizeof *nd);
        rc = TENYO_ERR_NOMEM;
        if (!nd) goto done;
        uint64_t shift = 0, p = base.ndocs;
        size_t i = 0, k = 0;
        for (; k < ndel && del[k] < base.ndocs; k++) nd[nnd++] = del[k];
        for (i = 0; i < nseg; i++) {
            uint64_t e = p + mf.seg[i].docs;
            for (; k < ndel && del[k] < e; k++)
                if (segs[i].ok) nd[nnd++] = del[k] - shift;
            if (!segs[i].ok) shift += mf.seg[i].docs;
            p = e;
        }
    } else if (kept_del[0]) {
        uint64_t *rep = NULL, nrep = 0;
        rc = replacements(&base, segs, nseg, &rep, &nrep);
        if (!rc) rc = union_u64(del, ndel, rep, nrep, &nd, &nnd);
        free(rep);
        if (rc) goto done;
        say(&c, 0, "deletions: %" PRIu64 " from %s, with the replacements recomputed from "
            "the ids: %" PRIu64 " in all", ndel, kept_del, nnd);
    } else {
        rc = replacements(&base, segs, nseg, &nd, &nnd);
        if (rc) goto done;
        uint64_t had = have_mf ? mf.ndel : 0;
        st->deletions_lost = had > nnd ? had - nnd : 0;
        st->deletions_unknown = !have_mf && nseg; /* the manifest's count is gone too */
        if (have_mf || nseg)
            say(&c, 0, "deletions recomputed from the ids: %" PRIu64 " replaced documents; "
                "deletions made by `tenyo delete` are not known%s", nnd,
                had ? " (the lost file listed more)" : "");
    }
    rdel = nd;
    nrdel = nnd;
    if (del_ok && have_mf) {
        rc = orphans(&c, &base, segs, nseg, rdel, nrdel);
        if (rc) goto done;
    }
    uint64_t gen = (have_mf ? mf.generation : 0) + 1;
    for (size_t i = 0; i < nseg; i++)
        if (segs[i].gen >= gen) gen = segs[i].gen + 1;
    if (kept_del[0] && strtoull(kept_del + 4, NULL, 10) >= gen)
        gen = strtoull(kept_del + 4, NULL, 10) + 1; /* a new name for the new file */
    rc = commit_repair(&c, &base, fit, gen, segs, nseg, rdel, nrdel, err, errlen);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        say(&c, 1, "repair: %s", err);
        goto done;
    }
    tenyo_index *x = NULL;
    int orc = tenyo_index_open(real, &x, why, sizeof why);
    if (!orc) orc = tenyo_index_load_all(x, why, sizeof why);
    if (orc) {
        say(&c, 1, "after the repair the index does not open: %s", why);
        rc = TENYO_ERR_CORRUPT;
    } else {
        st->repaired = 1;
        st->docs_after = tenyo_index_ndocs(x);
        say(&c, 0, "repaired: %" PRIu64 " live documents (%" PRIu64 " in damaged or missing "
            "segments lost%s)", st->docs_after, st->docs_lost,
            st->moved ? "; damaged files moved aside, not deleted" : "");
    }
    tenyo_index_free(x);
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: out of memory checking", path);
    for (size_t i = 0; i < nseg; i++) ty_model_free(&segs[i].m);
    free(segs);
    free(del);
    free(rdel);
    ty_manifest_free(&mf);
    ty_model_free(&base);
    free(real);
    free(dir);
    ty_wlock_release(&lk);
    return rc;
}
