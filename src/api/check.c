/*
 * check.c — tenyo check INDEX [--repair]: verify every file of an index,
 * and rebuild a consistent update state from what is readable (Lucene's
 * CheckIndex and its -exorcise, scaled down).
 *
 * Check. The base file is read whole (ty_store_read: every section, every
 * checksum and invariant, as `tenyo info` does; what a reader reads by
 * blocks, block by block: ty_abs_verify, ty_meta_verify). When "<real>.upd/" has a
 * MANIFEST for this base, each segment it names is read whole and matched
 * with its entry (documents, tokenizer), and the deletion file with its
 * count; then the index is opened as a reader would (base + merge) and its
 * live documents counted. Temporary files of killed writers and files no
 * manifest names are reported as leftovers (not problems: the next writer
 * collects them); so are segment and deletion files beside a format-3
 * base without a MANIFEST and not marked "updated" (the mark follows the
 * first commit, api/update.c: no update reached its commit point), which
 * repair removes, never applies. Findings go to the caller line by line;
 * the stats count them. A file the manifest names and the directory lacks makes every
 * reader refuse the index, naming this command: check says which, and
 * repair is the way back that needs no source files.
 *
 * Repair, under the writer lock (one writer at a time, as add and rebuild),
 * does what SQLite and Lucene do: it never guesses. A repaired index holds
 * no deleted document and loses no intact segment, or nothing is changed:
 *   - a damaged base cannot be repaired here: segments hold no LSA and the
 *     base's documents are only in it (index the sources again; refused);
 *   - with a MANIFEST that reads and whose deletion file reads: damaged or
 *     missing segments are dropped with their documents, readable ones kept
 *     in their order, and the deletion positions renumbered for the
 *     shorter list (the MANIFEST places them);
 *   - when the MANIFEST cannot say which documents are deleted — missing,
 *     damaged, an older copy put back (files two generations past it), its
 *     deletion file lost or damaged, a base marked "updated" without any —
 *     the newest deletion file is the evidence: since format 2 every commit
 *     writes one recording the state it counts (generation, base, segments
 *     in order) and each deleted document's id (store/manifest.c). It is
 *     used when nothing in the directory is newer (no later deletion file,
 *     no segment past the next generation, not the MANIFEST's own
 *     generation), each deletion checked by id against the document now at
 *     its place; a recorded segment that is gone or damaged is dropped with
 *     its documents, one that reads but is another file refuses;
 *   - otherwise (no such record: the deletion file of the last commit lost
 *     or damaged, an index last updated by a tenyo writing format 1) it
 *     refuses, exit 3, with the file and the way out (restore from a
 *     backup, or `tenyo index`), and changes nothing: the index is left as
 *     it was, which readers refuse rather than answer wrongly.
 * Rejected: recomputing the deletions from the ids (replacements can be
 * found that way, `tenyo delete`'s cannot: the deleted documents would
 * come back); trusting the text of a damaged MANIFEST or an older
 * deletion file (a position could land on another document, and deletions
 * made after it would come back).
 * Then a new deletion file and MANIFEST (a generation past every file
 * seen) are committed like an update's, and the index is opened again to
 * count what it now holds. Nothing is ever deleted: damaged files and those
 * the new state no longer names are moved aside into
 * "<real>.upd/damaged-YYYYmmdd-HHMMSS/" (a second repair within the same
 * second: "...-HHMMSS-2/", each repair a folder of its own), where a later writer's collection
 * does not look (the old MANIFEST linked there, then replaced atomically).
 * Also rejected: salvaging a damaged base's sections (a different
 * program), and serving the base alone when updates are damaged (a silent
 * partial answer; the open refuses and names this command).
 * The code: tenyo_index_check runs its steps over one struct check_run
 * (paths and lock, base, MANIFEST, licensable list, segments, deletions,
 * the rest of the directory, the open as a reader) and, repairing, a plan
 * (plan_from_manifest, or plan_from_record over snap_plan), the commit and
 * a count. History: docs/decisions.md, docs/updates-and-safety.md.
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
 * missing file is only said to be dropped. With keep, a regular file is
 * linked there instead and stays in place (the MANIFEST, which the repair
 * then replaces atomically: never a moment without one). */
static int set_aside(checker *c, const char *name, int keep, const char *what);
static int move_aside(checker *c, const char *name) { return set_aside(c, name, 0, ""); }
static int set_aside(checker *c, const char *name, int keep, const char *what) {
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
        /* a folder of its own: a second repair within the same second
         * (or one made by hand) takes the next free "-N" */
        int made = 0, n = snprintf(c->aside, sizeof c->aside, "damaged-%04d%02d%02d-%02d%02d%02d",
                                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                   tm.tm_min, tm.tm_sec);
        for (int i = 1; i <= 1000 && !made; i++) {
            if (i > 1) snprintf(c->aside + n, sizeof c->aside - (size_t)n, "-%d", i);
            char *a = ty_upd_path(c->dir, c->aside);
            if (!a) break;
            made = mkdir(a, 0777) == 0;
            free(a);
            if (!made && errno != EEXIST) break;
        }
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
        struct stat fs;
        int linked = keep && lstat(from, &fs) == 0 && S_ISREG(fs.st_mode);
        if (linked) rc = link(from, to) == 0 ? TENYO_OK : TENYO_ERR_IO;
        else rc = rename(from, to) == 0 || errno == ENOENT ? TENYO_OK : TENYO_ERR_IO;
        if (rc) say(c, 1, "%s: cannot move it aside: %s", from, strerror(errno));
        else {
            c->st->moved++;
            say(c, 0, "%s %s%s to %s/", linked ? "kept a copy of" : "moved", name, what,
                c->aside);
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
    int mismatch;             /* readable, but not the file expected */
    ty_model m;               /* as read (ok only; ids needed by repair) */
} seg_state;

/* Read and match segment dir/file (docs, bytes: the manifest's or the
 * deletion file's record, or UINT64_MAX when unknown). */
static int seg_check(checker *c, const ty_model *base, seg_state *s, uint64_t docs,
                     uint64_t bytes) {
    char err[TY_ERRLEN] = "";
    char *sp = ty_upd_path(c->dir, s->file);
    if (!sp) return TENYO_ERR_NOMEM;
    int rc = ty_store_read(sp, &s->m, err, sizeof err);
    free(sp);
    if (!rc && (rc = ty_abs_verify(s->m.abs, err, sizeof err)) != 0) ty_model_free(&s->m);
    if (!rc && (rc = ty_meta_verify(&s->m, err, sizeof err)) != 0) ty_model_free(&s->m);
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
    if (!why && docs != UINT64_MAX && bytes != UINT64_MAX && s->m.file_bytes != bytes)
        why = "a different size";
    if (why) {
        s->mismatch = 1;
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
    return ty_meta_str(m, d, TY_META_ID);
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

/* Generation in an update file's name ("seg-N.tys", "del-N.tyd"), or 0. */
static uint64_t name_gen(const char *nm, const char *prefix, const char *suffix) {
    size_t l = strlen(nm);
    if (l < 9 || l > 60 || strncmp(nm, prefix, 4) || strcmp(nm + l - 4, suffix) ||
        strspn(nm + 4, "0123456789") != l - 8)
        return 0;
    return strtoull(nm + 4, NULL, 10);
}

/* What the update directory holds besides the MANIFEST. */
typedef struct evidence {
    uint64_t segmax;          /* highest seg-N.tys generation (0: none) */
    uint64_t delmax;          /* highest del-N.tyd generation (0: none) */
    char segmax_file[64];     /* their names */
    char delmax_file[64];
    ty_dels snap;             /* the newest deletion file recording a state
                               * of this base (version 0: none) */
    char snap_file[64];       /* its name */
} evidence;

static int cmp_gen_desc(const void *a, const void *b) {
    uint64_t x = name_gen(a, "del-", ".tyd"), y = name_gen(b, "del-", ".tyd");
    return x > y ? -1 : x < y;
}

/* Fill ev: the highest generations named in the directory, and the newest
 * deletion file that reads whole as version 2 for this base (same fit and
 * base documents). */
static int gather(checker *c, const ty_model *base, uint64_t fit, evidence *ev) {
    memset(ev, 0, sizeof *ev);
    DIR *d = opendir(c->dir);
    if (!d) return TENYO_OK;
    char (*names)[64] = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = TENYO_OK;
    while ((e = readdir(d))) {
        uint64_t g = name_gen(e->d_name, "seg-", ".tys");
        if (g > ev->segmax) {
            ev->segmax = g;
            snprintf(ev->segmax_file, sizeof ev->segmax_file, "%.63s", e->d_name);
        }
        if (!(g = name_gen(e->d_name, "del-", ".tyd"))) continue;
        if (g > ev->delmax) {
            ev->delmax = g;
            snprintf(ev->delmax_file, sizeof ev->delmax_file, "%.63s", e->d_name);
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            void *t = ty_reallocarray(names, cap, sizeof *names);
            if (!t) {
                rc = TENYO_ERR_NOMEM;
                break;
            }
            names = t;
        }
        snprintf(names[n++], sizeof *names, "%.63s", e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_gen_desc);
    for (size_t i = 0; !rc && i < n; i++) {
        char why[TY_ERRLEN];
        ty_dels t;
        int r = ty_dels_load(c->dir, names[i], &t, why, sizeof why);
        if (r == TENYO_ERR_NOMEM) rc = r;
        if (r) continue;
        if (t.version >= 2 && t.fit == fit && t.base_docs == base->ndocs &&
            t.generation == name_gen(names[i], "del-", ".tyd")) {
            ev->snap = t;
            snprintf(ev->snap_file, sizeof ev->snap_file, "%s", names[i]);
            break;
        }
        ty_dels_free(&t);
    }
    free(names);
    return rc;
}

/* The "generation" a damaged MANIFEST's text still shows, or 0. */
static uint64_t text_gen(const char *mt) {
    const char *p = mt ? strstr(mt, "\"generation\"") : NULL;
    if (!p) return 0;
    p += strlen("\"generation\"");
    p += strspn(p, " \t\r\n:");
    return strtoull(p, NULL, 10);
}

/* Why the newest deletion file's record of the state (ev->snap) cannot be
 * the committed state, into why ("" when it can): there is none, or
 * something in the directory is newer — a deletion file of a later
 * generation, a segment beyond the next one (a killed writer's, written
 * before its deletion file), the MANIFEST's own generation (mf, or mt's
 * for a damaged one). *gen: the highest generation seen. */
static void snap_why(const checker *c, const ty_manifest *mf, int del_bad, const char *mt,
                     const evidence *ev, uint64_t *gen, char *why, size_t whylen) {
    const ty_dels *sd = &ev->snap;
    uint64_t need = ev->delmax, tg = text_gen(mt);
    const char *needf = ev->delmax_file;
    if (ev->segmax > need + 1) {
        need = ev->segmax - 1;
        needf = ev->segmax_file;
    }
    if (mf && mf->generation > need) {
        need = mf->generation;
        needf = "MANIFEST";
    }
    if (!mf && tg > need && tg < (uint64_t)INT64_MAX) {
        need = tg;
        needf = "the damaged MANIFEST";
    }
    *gen = need > ev->segmax ? need : ev->segmax;
    if (sd->generation > *gen) *gen = sd->generation;
    if (!sd->version) {
        if (mf && del_bad)
            snprintf(why, whylen, "%s, the deletion file MANIFEST generation %" PRIu64
                     " names, is damaged or missing, and no newer deletion file records the "
                     "state", mf->del, mf->generation);
        else if (!ev->delmax && !ev->segmax)
            snprintf(why, whylen, "updates were committed to this base, but %s holds no "
                     "record of them (the index copied or moved without its .upd directory?)",
                     c->dir);
        else
            snprintf(why, whylen, "no deletion file records the state (%s%s)",
                     ev->delmax ? "the newest, " : "there is none",
                     ev->delmax ? ev->delmax_file : "");
        if (ev->delmax && !(mf && del_bad))
            snprintf(why + strlen(why), whylen - strlen(why), ", which %s",
                     "does not read as a record of this base's state (damaged, or written by a "
                     "tenyo before deletion files recorded it)");
    } else if (sd->generation < need) {
        snprintf(why, whylen, "the newest deletion file that reads, %s (generation %" PRIu64
                 "), is older than %s (generation %" PRIu64 ")%s%s", ev->snap_file,
                 sd->generation, needf, need, ev->delmax > sd->generation ? ": " : "",
                 ev->delmax > sd->generation ? "that one is damaged" : "");
    }
}

/* The segments ev->snap records, into ss: each read and matched with its
 * record; one damaged or missing is counted lost, one that reads but is
 * not the file recorded refuses (why set). */
static int snap_segments(checker *c, const ty_model *base, const evidence *ev, seg_state *ss,
                         char *why, size_t whylen) {
    const ty_dels *sd = &ev->snap;
    for (size_t i = 0; i < sd->nseg; i++) {
        snprintf(ss[i].file, sizeof ss[i].file, "%s", sd->seg[i].file);
        ss[i].gen = name_gen(ss[i].file, "seg-", ".tys");
        int rc = seg_check(c, base, &ss[i], sd->seg[i].docs, sd->seg[i].bytes);
        if (rc) return rc;
        if (ss[i].mismatch) {
            snprintf(why, whylen, "segment %s is not the file %s records (%" PRIu64
                     " documents, %" PRIu64 " bytes)", ss[i].file, ev->snap_file,
                     sd->seg[i].docs, sd->seg[i].bytes);
            return TENYO_OK;
        }
        if (!ss[i].ok) {
            c->st->segments_bad++;
            c->st->docs_lost += sd->seg[i].docs;
        }
    }
    return TENYO_OK;
}

/* The deletions ev->snap records, each checked by id against the document
 * now at its place (a mismatch refuses, why set), renumbered for the
 * dropped segments of ss into np and ni (*nn of them). */
static void snap_deletions(const ty_model *base, const evidence *ev, const seg_state *ss,
                           uint64_t *np, const char **ni, uint64_t *nn, char *why,
                           size_t whylen) {
    const ty_dels *sd = &ev->snap;
    uint64_t start = 0, shift = 0, k = 0;
    *nn = 0;
    for (size_t i = 0; i <= sd->nseg; i++) {
        const ty_model *m = i == 0 ? base : &ss[i - 1].m;
        uint64_t docs = i == 0 ? base->ndocs : sd->seg[i - 1].docs;
        int ok = i == 0 || ss[i - 1].ok;
        for (; k < sd->n && sd->pos[k] < start + docs; k++) {
            if (sd->pos[k] < start) continue;
            if (!ok) continue; /* with its segment */
            const char *at = doc_id(m, sd->pos[k] - start);
            const char *want = sd->ids[k];
            if (*want && strcmp(want, at)) {
                snprintf(why, whylen, "%s records %s deleted at position %" PRIu64
                         ", where %s is", ev->snap_file, want, sd->pos[k], at);
                return;
            }
            np[*nn] = sd->pos[k] - shift;
            ni[(*nn)++] = at;
        }
        if (!ok) shift += docs;
        start += docs;
    }
    if (k != sd->n)
        snprintf(why, whylen, "%s records a deletion beyond its %" PRIu64 " documents",
                 ev->snap_file, start);
}

/* Repair plan when the MANIFEST cannot say which documents are deleted
 * (missing, damaged, an older copy, or its deletion file lost): the
 * newest deletion file's record of the state (ev->snap) is the committed
 * state when nothing in the directory is newer (snap_why). Its segments
 * that still read are kept (snap_segments), and each deletion is checked
 * against the document now at its place by id (snap_deletions). Out:
 * *segs (the plan's segments, seg_state with models), *pos and *ids (n,
 * renumbered for the dropped segments; ids point into ev->snap or the
 * models). Refuses with TENYO_ERR_CORRUPT (said, nothing changed) when it
 * cannot prove them; *gen is the highest generation seen. */
static int snap_plan(checker *c, const ty_model *base, const ty_manifest *mf, int del_bad,
                     const char *mt, const evidence *ev, seg_state **segs, size_t *nseg,
                     uint64_t **pos, const char ***ids, uint64_t *n, uint64_t *gen) {
    const ty_dels *sd = &ev->snap;
    char why[TY_ERRLEN + 200] = "";
    *segs = NULL;
    *nseg = 0;
    *pos = NULL;
    *ids = NULL;
    *n = 0;
    snap_why(c, mf, del_bad, mt, ev, gen, why, sizeof why);
    int rc = TENYO_ERR_NOMEM;
    seg_state *ss = NULL;
    uint64_t *np = NULL, nn = 0;
    const char **ni = NULL;
    if (why[0]) goto refuse;
    ss = ty_calloc(sd->nseg ? sd->nseg : 1, sizeof *ss);
    np = ty_mallocarray(sd->n ? sd->n : 1, sizeof *np);
    ni = ty_mallocarray(sd->n ? sd->n : 1, sizeof *ni);
    if (!ss || !np || !ni) goto fail;
    say(c, 0, "deletions %s (generation %" PRIu64 "): reads whole, %zu segment%s and %" PRIu64
        " deletions recorded with their ids", ev->snap_file, sd->generation, sd->nseg,
        sd->nseg == 1 ? "" : "s", sd->n);
    rc = snap_segments(c, base, ev, ss, why, sizeof why);
    if (rc) goto fail;
    if (why[0]) goto refuse;
    snap_deletions(base, ev, ss, np, ni, &nn, why, sizeof why);
    if (why[0]) goto refuse;
    *segs = ss;
    *nseg = sd->nseg;
    *pos = np;
    *ids = ni;
    *n = nn;
    return TENYO_OK;
refuse:
    say(c, 1, "cannot prove which documents are deleted: %s. Nothing was changed (a repair "
        "that guessed could bring deleted documents back): restore %s/MANIFEST and the "
        "deletion file it names from a backup, or index the sources again with `tenyo index`",
        why, c->dir);
    rc = TENYO_ERR_CORRUPT;
fail:
    for (size_t i = 0; ss && i < sd->nseg; i++) ty_model_free(&ss[i].m);
    free(ss);
    free(np);
    free(ni);
    return rc;
}

/* After a repair's commit: every segment and deletion file the new
 * manifest nm does not name is moved aside (a repair deletes nothing). */
static void sweep_aside(checker *c, const ty_manifest *nm) {
    DIR *d = opendir(c->dir);
    if (!d) return;
    char (*names)[64] = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nmf = e->d_name;
        if (!name_gen(nmf, "seg-", ".tys") && !name_gen(nmf, "del-", ".tyd")) continue;
        int named = nm->del[0] && !strcmp(nmf, nm->del);
        for (size_t i = 0; i < nm->nseg; i++) named |= !strcmp(nmf, nm->seg[i].file);
        if (named) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            void *t = ty_reallocarray(names, cap, sizeof *names);
            if (!t) break;
            names = t;
        }
        snprintf(names[n++], sizeof *names, "%.63s", nmf);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        set_aside(c, names[i], 0, names[i][0] == 'd' ? " (superseded)" : " (not in the state)");
    free(names);
}

/* Leftovers: temporary files beside the base and in the update directory,
 * and segment / deletion files mf does not name (mf NULL: only when
 * uncommitted, no update ever committed; else repair judges them). */
static void leftovers(checker *c, const ty_manifest *mf, int uncommitted) {
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
        /* without a manifest: judged by repair, unless no update was
         * ever committed */
        if (named || (!mf && !tmp && !uncommitted)) continue;
        uint64_t g = tmp ? 0 : strtoull(n + 4, NULL, 10);
        if (mf && g >= mf->generation + 2) continue; /* committed after it: said below */
        c->st->leftovers++;
        say(c, 0, "leftover %s/%s (%s; the next writer removes it)", c->dir, n,
            tmp ? "a killed writer's temporary file"
                : !mf ? "of an update that never committed: no MANIFEST, the base not marked "
                        "updated"
                      : "named by no manifest");
    }
    if (d) closedir(d);
}

/* Write the repaired state: segments segs[i].ok in order, deletions del
 * (global positions over the base and those segments) with their ids;
 * then every other segment and deletion file is moved aside. */
static int commit_repair(checker *c, const ty_model *base, uint64_t fit, uint64_t gen,
                         seg_state *segs, size_t nseg, const uint64_t *del,
                         const char *const *ids, uint64_t ndel, char *err, size_t errlen) {
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
    /* a deletion file always (also empty): the state's second record */
    snprintf(nm.del, sizeof nm.del, "del-%06" PRIu64 ".tyd", gen);
    nm.ndel = ndel;
    int rc = ty_dels_write(c->dir, nm.del, &nm, del, ids, ndel, err, errlen);
    if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_ERR_IO; /* not named yet */
    if (!rc) rc = ty_manifest_write(c->dir, &nm, err, errlen);
    if (!rc) {
        sweep_aside(c, &nm);
        say(c, 0, "wrote MANIFEST generation %" PRIu64 ": %zu segment%s, %" PRIu64
            " deletions", gen, nm.nseg, nm.nseg == 1 ? "" : "s", ndel);
    }
    ty_manifest_free(&nm);
    return rc;
}

/* ================================================================ steps */

/* One check (and repair) of an index: what the steps of tenyo_index_check
 * find and pass on. */
typedef struct check_run {
    checker c;                /* paths, counts, findings */
    int repair;               /* --repair */
    ty_wlock lk;              /* the writer lock (repair only) */
    char *real, *dir;         /* the index's real path, its update directory */
    ty_model base;            /* the base, as read */
    uint64_t fit;             /* its fit id */
    ty_manifest mf;           /* the MANIFEST, as read */
    int have_mf;              /* mf reads and is for this base */
    int reconstruct;          /* the MANIFEST cannot say what the state is */
    int uncommitted;          /* no MANIFEST and a base not marked "updated":
                                 no update ever committed, so segment and
                                 deletion files are leftovers */
    int open_bad;             /* the licensable list is damaged */
    int del_ok;               /* mf's deletion file reads and matches */
    int newer;                /* files committed after mf lie beside it */
    seg_state *segs;          /* segments checked: mf's, or every file there */
    size_t nseg;              /* their number */
    uint64_t positions;       /* base documents + mf's segment documents */
    uint64_t *del, ndel;      /* mf's deletion positions */
    uint64_t *rdel, nrdel;    /* the repaired state's deletions */
    const char **rids;        /* their ids (into the models or ev.snap) */
    uint64_t gen;             /* generation of the repair's commit */
    evidence ev;              /* what else the update directory holds */
    char why[TY_ERRLEN];      /* the last step's reason */
} check_run;

/* The index's real path and update directory; with repair, the writer
 * lock first (a sharded index refused). */
static int check_paths(check_run *r, const char *path, char *err, size_t errlen) {
    struct stat sst;
    if (stat(path, &sst) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    int rc;
    if (r->repair) {
        rc = ty_shards_refuse(path, err, errlen);
        if (rc) return rc;
        rc = ty_wlock_take(path, &r->lk, err, errlen);
        if (rc) return rc;
        r->real = ty_strdup(r->lk.path);
        r->dir = ty_strdup(r->lk.dir);
    } else {
        rc = ty_real_path(path, &r->real, err, errlen);
        if (rc) return rc;
        r->dir = ty_upd_dir(r->real);
    }
    return TENYO_OK;
}

/* Say that the base is damaged (why) and, repairing, that it cannot be
 * repaired: TENYO_ERR_CORRUPT. */
static int base_damaged(check_run *r, const char *why) {
    say(&r->c, 1, "base: %s", why);
    if (r->repair)
        say(&r->c, 1, "the base cannot be repaired from the index (its documents are only "
            "in it): index the sources again");
    return TENYO_ERR_CORRUPT;
}

/* An optional section of the base (name, its handle *sec) that its verify
 * found damaged (rc, the reason in r->why): a problem that repair fixes by
 * rewriting the base without it and freeing the handle, so that queries do
 * without it, as for an index written before it (nothing indexed is lost).
 * what names its content in the messages, without says what queries do
 * instead, dropped the same once it is dropped. */
static int check_drop_optional(check_run *r, int rc, const char *name, ty_lazysec **sec,
                               const char *what, const char *without, const char *dropped) {
    if (rc == TENYO_OK || rc == TENYO_ERR_NOMEM) return rc;
    if (!r->repair) {
        say(&r->c, 1, "base: %s (`tenyo check --repair` drops the %s: %s)", r->why, what,
            without);
        return TENYO_OK;
    }
    const char *drop[] = {name};
    char why[TY_ERRLEN];
    rc = ty_store_rewrite(r->real, drop, 1, NULL, 0, NULL, why, sizeof why);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        say(&r->c, 1, "base: %s; dropping them failed: %s", r->why, why);
        return rc == TENYO_ERR_NOMEM ? rc : TENYO_OK;
    }
    ty_lazysec_free(*sec);
    *sec = NULL;
    say(&r->c, 0, "base: %s: dropped (%s)", r->why, dropped);
    return TENYO_OK;
}

/* The base's term facts (ideas and match compute them without). */
static int check_termfacts(check_run *r) {
    return check_drop_optional(r, ty_tf_verify_model(&r->base, r->why, sizeof r->why),
                               "termfacts", &r->base.tf_sec, "term facts",
                               "ideas and match then compute them",
                               "ideas and match compute the term facts");
}

static int tp_mem_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                       size_t errlen) {
    (void)err;
    (void)errlen;
    memcpy(dst, (const char *)ud + off, (size_t)len);
    return TENYO_OK;
}

/* The stored postings of model m read from path (section "tfidf.post",
 * search/tpost.c), whole: the section's checksum, its header and table,
 * every frame decoded and every posting equal to the rows'. 0 (also
 * without the section), or the status with err. */
int ty_tpost_verify_model(ty_model *m, const char *path, char *err, size_t errlen) {
    if (!m->tp_sec) return TENYO_OK;
    const char *p;
    uint64_t n;
    int rc = ty_model_has_tf(m) ? ty_model_need_tf(m, err, errlen) : TENYO_OK; /* the norms */
    if (!rc) rc = ty_lazysec_get(m->tp_sec, &p, &n, err, errlen);
    if (rc) return rc;
    ty_tpost *tp = NULL; /* bounds: the open checks every frame inside n */
    rc = ty_tpost_open(tp_mem_read, (void *)p, n, path, m->nterms, m->ndocs,
                       m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0, &tp, err, errlen);
    if (!rc) rc = ty_tpost_verify(tp, &m->tfidf, m->tf, m->idf, err, errlen);
    ty_tpost_free(tp);
    return rc;
}

/* The base's stored postings (TF-IDF and hybrid queries read the rows
 * without). */
static int check_tpost(check_run *r) {
    return check_drop_optional(r, ty_tpost_verify_model(&r->base, r->real, r->why, sizeof r->why),
                               "tfidf.post", &r->base.tp_sec, "stored postings",
                               "TF-IDF and hybrid queries then read the rows",
                               "TF-IDF and hybrid queries read the rows");
}

/* The base's first applicants' numbers (store/docapp.c), each against
 * its strings (ideas and match read the strings without). */
static int check_docapp(check_run *r) {
    return check_drop_optional(r, ty_docapp_verify(&r->base, r->real, r->why, sizeof r->why),
                               "docapp", &r->base.app_sec, "first applicants' numbers",
                               "ideas and match then read the applicants' strings",
                               "ideas and match read the applicants' strings");
}

/* The base, whole: every section, the abstracts (read lazily elsewhere),
 * the keyword postings, the term facts (check_termfacts), the stored
 * postings (check_tpost) and the first applicants' numbers
 * (check_docapp). */
static int check_base(check_run *r) {
    int rc = ty_store_read(r->real, &r->base, r->why, sizeof r->why);
    if (!rc) rc = ty_abs_verify(r->base.abs, r->why, sizeof r->why);
    if (!rc) rc = ty_meta_verify(&r->base, r->why, sizeof r->why); /* every block */
    if (!rc) rc = ty_kw_verify_model(&r->base, r->why, sizeof r->why);
    if (rc == TENYO_ERR_NOMEM) return rc;
    if (rc) return base_damaged(r, r->why);
    rc = check_termfacts(r);
    if (!rc) rc = check_tpost(r);
    if (!rc) rc = check_docapp(r);
    if (rc) return rc;
    r->c.st->base_docs = r->base.ndocs;
    say(&r->c, 0, "base %s: ok, format %u, %" PRIu64 " documents%s", r->real,
        r->base.format_version, r->base.ndocs, r->base.updated ? ", marked as updated" : "");
    r->fit = ty_model_fit_id(&r->base);
    return TENYO_OK;
}

/* The MANIFEST: for this base (have_mf), stale (another base's: ignored),
 * or unable to say what the state is (reconstruct); a newer tenyo's is
 * TENYO_ERR_VERSION (not ours to rewrite). Then the leftovers. */
static int check_manifest(check_run *r) {
    checker *c = &r->c;
    ty_manifest *mf = &r->mf;
    int rc = ty_manifest_read(r->dir, mf, r->why, sizeof r->why);
    if (rc == TENYO_ERR_NOMEM) return rc;
    if (rc == TENYO_ERR_NOTFOUND) {
        if (r->base.updated) {
            say(c, 1, "updates were committed to this base, but %s/MANIFEST is missing "
                "(copied or moved without its .upd directory?)", r->dir);
            r->reconstruct = 1;
        } else {
            say(c, 0, "no updates");
            /* the mark follows the first commit (api/update.c): without
             * it, no update reached its commit point */
            r->uncommitted = r->base.format_version >= 3;
        }
    } else if (rc == TENYO_ERR_VERSION) {
        say(c, 1, "%s", r->why);
        return TENYO_ERR_VERSION;
    } else if (rc) {
        say(c, 1, "%s", r->why);
        r->reconstruct = 1;
    } else if (mf->fit != r->fit) {
        say(c, 0, "MANIFEST generation %" PRIu64 " is for another base (stale, ignored; "
            "the next writer removes it)", mf->generation);
    } else {
        r->have_mf = 1;
        say(c, 0, "MANIFEST generation %" PRIu64 ": ok, %zu segment%s, %" PRIu64
            " deletions", mf->generation, mf->nseg, mf->nseg == 1 ? "" : "s", mf->ndel);
        if (mf->base_docs != r->base.ndocs) {
            say(c, 1, "MANIFEST: made for a base of %" PRIu64 " documents, the base has %"
                PRIu64, mf->base_docs, r->base.ndocs);
            r->have_mf = 0; /* its positions cannot be trusted: as if damaged */
            r->reconstruct = 1;
        }
    }
    leftovers(c, r->have_mf ? mf : NULL, r->uncommitted);
    return TENYO_OK;
}

/* The licensable list (api/openlist.c): ids, bound to no base. */
static int check_openlist(check_run *r) {
    ty_openlist ol;
    char ow[TY_ERRLEN];
    int orc = ty_openlist_read(r->dir, &ol, ow, sizeof ow);
    if (orc == TENYO_ERR_NOMEM) return orc;
    if (orc == TENYO_OK)
        say(&r->c, 0, "licensable list: ok, %zu patents (loaded from %s)", ol.n, ol.source);
    else if (orc != TENYO_ERR_NOTFOUND) {
        say(&r->c, 1, "%s (`tenyo open %s --from FILE` loads it again, --clear removes it%s)",
            ow, r->real, r->repair ? "" : "; --repair moves it aside");
        r->open_bad = 1;
    }
    ty_openlist_free(&ol);
    return TENYO_OK;
}

/* Segments: those the manifest names, or (reconstructing) all there are,
 * each read whole and matched. */
static int check_segments(check_run *r) {
    tenyo_check_stats *st = r->c.st;
    const ty_manifest *mf = &r->mf;
    int have_mf = r->have_mf, rc;
    if (have_mf) {
        r->nseg = mf->nseg;
        r->segs = ty_calloc(r->nseg ? r->nseg : 1, sizeof *r->segs);
        if (!r->segs) return TENYO_ERR_NOMEM;
        for (size_t i = 0; i < r->nseg; i++)
            snprintf(r->segs[i].file, sizeof r->segs[i].file, "%s", mf->seg[i].file);
    } else if (r->reconstruct) {
        rc = list_segments(&r->c, &r->segs, &r->nseg);
        if (rc) return rc;
        if (r->nseg)
            say(&r->c, 0, "%zu segment files in %s (no manifest to name them)", r->nseg, r->dir);
    }
    r->positions = r->base.ndocs;
    for (size_t i = 0; i < r->nseg; i++) {
        seg_state *s = &r->segs[i];
        rc = seg_check(&r->c, &r->base, s, have_mf ? mf->seg[i].docs : UINT64_MAX, UINT64_MAX);
        if (rc) return rc;
        if (s->ok) st->docs_readable += s->m.ndocs;
        else if (have_mf) st->docs_lost += mf->seg[i].docs;
        else st->segments_bad++;
        if (!s->ok && have_mf) st->segments_bad++;
        r->positions += have_mf ? mf->seg[i].docs : 0;
    }
    st->segments = (uint32_t)r->nseg;
    st->docs_readable += r->base.ndocs;
    return TENYO_OK;
}

/* The manifest's deletion file, read and matched with its count (del_ok). */
static int check_deletions(check_run *r) {
    const ty_manifest *mf = &r->mf;
    r->del_ok = 1;
    if (!r->have_mf || !mf->del[0]) return TENYO_OK;
    int rc = ty_dels_read(r->dir, mf->del, r->positions, &r->del, &r->ndel, r->why,
                          sizeof r->why);
    if (rc == TENYO_ERR_NOMEM) return rc;
    if (rc || r->ndel != mf->ndel) {
        if (!rc)
            snprintf(r->why, sizeof r->why, "%s/%s: %" PRIu64 " deletions, the manifest says %"
                     PRIu64, r->dir, mf->del, r->ndel, mf->ndel);
        say(&r->c, 1, "deletions %s: %s", mf->del, r->why);
        r->del_ok = 0;
        free(r->del);
        r->del = NULL;
        r->ndel = 0;
    } else {
        say(&r->c, 0, "deletions %s: ok, %" PRIu64 " positions", mf->del, r->ndel);
    }
    return TENYO_OK;
}

/* What else the directory holds: a MANIFEST older than files in it (an
 * older copy put back) is a problem even when all it names reads. */
static int check_newer(check_run *r) {
    int rc = gather(&r->c, &r->base, r->fit, &r->ev);
    if (rc || !r->have_mf) return rc;
    const evidence *ev = &r->ev;
    uint64_t ng = ev->delmax > ev->segmax ? ev->delmax : ev->segmax;
    if (ng >= r->mf.generation + 2) { /* a writer of ng read a manifest of ng - 1 */
        r->newer = 1;
        say(&r->c, 1, "MANIFEST generation %" PRIu64 " is older than %s (generation %" PRIu64
            ") beside it: an older copy put back? (`tenyo check --repair` returns to the "
            "newest state the deletion files prove, or refuses)", r->mf.generation,
            ev->delmax > ev->segmax ? ev->delmax_file : ev->segmax_file, ng);
    }
    return TENYO_OK;
}

/* Live documents of the readable files, when the deletions are known. */
static void count_readable(check_run *r) {
    if (!r->del_ok || !r->have_mf) return;
    uint64_t dead = 0, p = r->base.ndocs;
    for (uint64_t k = 0; k < r->ndel; k++) dead += r->del[k] < r->base.ndocs;
    for (size_t i = 0; i < r->nseg; i++) {
        uint64_t e = p + r->mf.seg[i].docs;
        for (uint64_t k = 0; k < r->ndel; k++)
            if (r->del[k] >= p && r->del[k] < e && r->segs[i].ok) dead++;
        p = e;
    }
    r->c.st->docs_readable -= dead;
}

/* The whole as a reader opens it (when nothing was found so far). Without
 * updates, what the open refuses (the IVF lists, the labels: checked at
 * open, not by the store) is the base's damage: TENYO_ERR_CORRUPT. */
static int check_reader_open(check_run *r) {
    if (r->c.st->problems) return TENYO_OK;
    tenyo_index *x = NULL;
    int rc = tenyo_index_open(r->real, &x, r->why, sizeof r->why);
    if (!rc) rc = tenyo_index_load_all(x, r->why, sizeof r->why);
    if (rc == TENYO_ERR_NOMEM || (rc && !r->have_mf)) {
        tenyo_index_free(x);
        return rc == TENYO_ERR_NOMEM ? rc : base_damaged(r, r->why);
    }
    if (rc) say(&r->c, 1, "open: %s", r->why);
    else say(&r->c, 0, "opens: %" PRIu64 " live documents", tenyo_index_ndocs(x));
    if (!rc) r->c.st->docs_readable = tenyo_index_ndocs(x);
    tenyo_index_free(x);
    return TENYO_OK;
}

/* Repair plan when the MANIFEST cannot say which documents are deleted:
 * the newest deletion file's record of the state, or refuse (snap_plan);
 * the damaged segments moved aside, and the MANIFEST replaced atomically,
 * a copy kept (a directory in its place must move first). */
static int plan_from_record(check_run *r) {
    checker *c = &r->c;
    int have_mf = r->have_mf;
    char *mt = manifest_text(r->dir);
    for (size_t i = 0; i < r->nseg; i++) ty_model_free(&r->segs[i].m);
    free(r->segs);
    r->segs = NULL;
    r->nseg = 0;
    c->st->segments_bad = 0;
    c->st->docs_lost = 0;
    uint64_t hi = 0;
    int rc = snap_plan(c, &r->base, have_mf ? &r->mf : NULL, have_mf && !r->del_ok, mt, &r->ev,
                       &r->segs, &r->nseg, &r->rdel, &r->rids, &r->nrdel, &hi);
    free(mt);
    if (rc) return rc;
    if (hi >= r->gen) r->gen = hi + 1;
    for (size_t i = 0; i < r->nseg; i++)
        if (!r->segs[i].ok) move_aside(c, r->segs[i].file);
    char *mp = ty_upd_path(r->dir, "MANIFEST");
    struct stat ms;
    int there = mp && lstat(mp, &ms) == 0;
    free(mp);
    if (there) {
        rc = set_aside(c, "MANIFEST", 1, have_mf && !r->newer && r->del_ok ? "" :
                       have_mf ? " (older than the state)" : " (damaged)");
        if (rc) return rc;
    }
    say(c, 0, "deletions: %" PRIu64 " from %s, each checked by id", r->nrdel, r->ev.snap_file);
    return TENYO_OK;
}

/* Repair plan from a MANIFEST that reads, with its deletion file: the
 * damaged segments moved aside, the deletions for the new list placed by
 * the manifest (those of a dropped segment go with it, the rest
 * renumbered), and the deleted documents that no live instance replaces
 * named (orphans). */
static int plan_from_manifest(check_run *r) {
    const ty_manifest *mf = &r->mf;
    seg_state *segs = r->segs;
    const uint64_t *del = r->del, ndel = r->ndel;
    int rc;
    for (size_t i = 0; i < r->nseg; i++)
        if (!segs[i].ok) {
            rc = move_aside(&r->c, segs[i].file);
            if (rc) return rc;
        }
    uint64_t *nd = ty_mallocarray(ndel ? ndel : 1, sizeof *nd), nnd = 0;
    const char **rids = ty_mallocarray(ndel ? ndel : 1, sizeof *rids);
    r->rids = rids;
    if (!nd || !rids) {
        free(nd);
        return TENYO_ERR_NOMEM;
    }
    uint64_t shift = 0, p = r->base.ndocs;
    size_t k = 0;
    for (; k < ndel && del[k] < r->base.ndocs; k++) {
        rids[nnd] = doc_id(&r->base, del[k]);
        nd[nnd++] = del[k];
    }
    for (size_t i = 0; r->have_mf && i < r->nseg; i++) {
        uint64_t e = p + mf->seg[i].docs;
        for (; k < ndel && del[k] < e; k++)
            if (segs[i].ok) {
                rids[nnd] = doc_id(&segs[i].m, del[k] - p);
                nd[nnd++] = del[k] - shift;
            }
        if (!segs[i].ok) shift += mf->seg[i].docs;
        p = e;
    }
    r->rdel = nd;
    r->nrdel = nnd;
    if (r->have_mf) return orphans(&r->c, &r->base, segs, r->nseg, r->rdel, r->nrdel);
    return TENYO_OK;
}

/* Commit the repaired state (a generation past every file seen) and open
 * the index again to count what it now holds. */
static int commit_and_count(check_run *r, char *err, size_t errlen) {
    checker *c = &r->c;
    tenyo_check_stats *st = c->st;
    for (size_t i = 0; i < r->nseg; i++)
        if (r->segs[i].gen >= r->gen) r->gen = r->segs[i].gen + 1;
    if (r->ev.delmax >= r->gen) r->gen = r->ev.delmax + 1; /* a new name for the new file */
    int rc = commit_repair(c, &r->base, r->fit, r->gen, r->segs, r->nseg, r->rdel, r->rids,
                           r->nrdel, err, errlen);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        say(c, 1, "repair: %s", err);
        return rc;
    }
    tenyo_index *x = NULL;
    int orc = tenyo_index_open(r->real, &x, r->why, sizeof r->why);
    if (!orc) orc = tenyo_index_load_all(x, r->why, sizeof r->why);
    if (orc) {
        say(c, 1, "after the repair the index does not open: %s", r->why);
        rc = TENYO_ERR_CORRUPT;
    } else {
        st->repaired = 1;
        st->docs_after = tenyo_index_ndocs(x);
        say(c, 0, "repaired: %" PRIu64 " live documents (%" PRIu64 " in damaged or missing "
            "segments lost%s)", st->docs_after, st->docs_lost,
            st->moved ? "; damaged files moved aside, not deleted" : "");
    }
    tenyo_index_free(x);
    return rc;
}

/* Repair (what the check found, st->problems counting from here what the
 * repair could not fix): a plan from the MANIFEST or from the newest
 * deletion file's record, a damaged licensable list set aside (the list
 * is the user's to load again), then the commit. */
static int repair_index(check_run *r, char *err, size_t errlen) {
    r->c.st->problems = 0;
    r->gen = (r->have_mf ? r->mf.generation : 0) + 1;
    int rc;
    if (r->reconstruct || (r->have_mf && (!r->del_ok || r->newer))) rc = plan_from_record(r);
    else rc = plan_from_manifest(r);
    if (rc) return rc;
    if (r->open_bad) {
        rc = move_aside(&r->c, "OPEN");
        if (rc) return rc;
        say(&r->c, 0, "the damaged licensable list was moved aside: load it again with "
            "`tenyo open %s --from FILE`", r->real);
    }
    return commit_and_count(r, err, errlen);
}

int tenyo_index_check(const char *path, int repair, tenyo_check_stats *st,
                      void (*sayf)(void *ud, int problem, const char *line), void *ud,
                      char *err, size_t errlen) {
    if (!path || !st) return TENYO_ERR_ARG;
    memset(st, 0, sizeof *st);
    check_run r = {.repair = repair, .lk = {.fd = -1}};
    int rc = check_paths(&r, path, err, errlen);
    if (rc) return rc;
    r.c = (checker){r.real, r.dir, st, sayf, ud, ""};
    rc = TENYO_ERR_NOMEM;
    if (!r.real || !r.dir) goto done;
    rc = check_base(&r);
    if (!rc) rc = check_manifest(&r);
    if (!rc) rc = check_openlist(&r);
    if (!rc) rc = check_segments(&r);
    if (!rc) rc = check_deletions(&r);
    if (!rc) rc = check_newer(&r);
    if (rc) goto done;
    count_readable(&r);
    rc = check_reader_open(&r);
    if (rc) goto done;
    if (!repair || st->problems == 0) {
        if (repair && st->leftovers) {
            int n = ty_wlock_collect(&r.lk);
            if (r.uncommitted) { /* rolled back: never applied */
                n += ty_upd_gc(r.dir, NULL);
                ty_sync_dir(r.dir, NULL, 0);
            }
            say(&r.c, 0, "removed %d leftover file%s", n, n == 1 ? "" : "s");
        }
        rc = st->problems ? TENYO_ERR_CORRUPT : TENYO_OK;
        goto done;
    }
    rc = repair_index(&r, err, errlen);
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: out of memory checking", path);
    for (size_t i = 0; i < r.nseg; i++) ty_model_free(&r.segs[i].m);
    free(r.segs);
    free(r.del);
    free(r.rdel);
    free(r.rids);
    ty_dels_free(&r.ev.snap);
    ty_manifest_free(&r.mf);
    ty_model_free(&r.base);
    free(r.real);
    free(r.dir);
    ty_wlock_release(&r.lk);
    return rc;
}
