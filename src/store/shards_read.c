/*
 * shards_read.c — reading a sharded index (store/; layout: format.h, "A
 * sharded index"; the manifest and the sections' cut: shards.c): every
 * file checked against the manifest, the single file's raw sections
 * reassembled from the shards' pieces and decoded by read.c's one decoder,
 * all of it (ty_shards_read) or some shards only (ty_shards_read_part).
 *
 * Design. The shared part's sections are taken as they are; each
 * per-document section is its part A from every shard in order, then its
 * part B, which is the single file's raw content; the whole is sorted
 * into the single file's section order and handed to ty_store_read_mem,
 * so a sharded index is the same ty_model, and every query gives the same
 * bytes, as the single file it was cut from, with no second decoder to
 * keep in step. The abstracts stay in their shards, one handle per shard
 * composed by position (ty_abs_compose). Each step is a function of its
 * own over one read's state (shard_rd), in the order the checks run, so
 * the first damage met is the one reported.
 *
 * A partial read (ty_shards_read_part: tenyo-mpi serve's processes other
 * than 0, which score only their own shards) opens the shared part and
 * some shards; the others' per-document pieces are made of empty
 * documents (all zero bytes: no vector, no terms, empty strings, no
 * fields), so the one decoder still sees every document at its number
 * and the read shards' rows are the whole file's. The model is marked
 * partial (the build section's non-zero count and the fields' document
 * counts cannot be checked against stand-ins; nothing but the read
 * shards' scan may use it) and carries the manifest's hash as its
 * identity.
 *
 * Rejected: a second decoder working per shard (two codes to keep
 * bit-identical); a model of the read documents only, renumbered (every
 * scan and candidate would need an offset, and the scan is the
 * one-process code by design). Left: every shard is decoded on open (no
 * lazy rows for a sharded index).
 */
#include "store/format.h"
#include "store/shards.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Open dir/f->name raw (abstracts located only) and check it against the
 * manifest: size first (a clear "truncated"), then the header checksum. */
static int open_part(const char *dir, const mf_file *f, ty_rawfile *rf, char *err,
                     size_t errlen) {
    memset(rf, 0, sizeof *rf);
    rf->fd = -1;
    char *p = ty_upd_path(dir, f->name);
    if (!p) {
        ty_seterr(err, errlen, "%s: out of memory", f->name);
        return TENYO_ERR_NOMEM;
    }
    struct stat st;
    int rc = TENYO_ERR_CORRUPT;
    if (stat(p, &st) != 0) {
        ty_seterr(err, errlen, "%s: shard file missing: %s", p, strerror(errno));
    } else if ((uint64_t)st.st_size != f->bytes) {
        ty_seterr(err, errlen,
                  "%s: %llu bytes, the manifest says %llu (truncated or replaced)", p,
                  (unsigned long long)st.st_size, (unsigned long long)f->bytes);
    } else if ((rc = ty_store_raw_read(p, rf, 0, err, errlen)) == TENYO_OK &&
               rf->hsum != f->hsum) {
        ty_seterr(err, errlen,
                  "%s: header checksum %016llx, the manifest says %016llx (a file of "
                  "another index or generation)",
                  p, (unsigned long long)rf->hsum, (unsigned long long)f->hsum);
        ty_rawfile_free(rf);
        rc = TENYO_ERR_CORRUPT;
    }
    free(p);
    return rc;
}

/* Check shard i's section "shard" against the manifest. */
static int check_shard(const ty_rawfile *f, const shard_mf *mf, uint32_t i, char *err,
                       size_t errlen) {
    const ty_rawsec *s = ty_rawsec_find(f, "shard");
    unsigned long long first, docs, k, n, h;
    if (!s || sscanf((const char *)s->data,
                     "first=%llu\ndocs=%llu\nshard=%llu\nshards=%llu\nshared=%16llx\n",
                     &first, &docs, &k, &n, &h) != 5 ||
        first != mf->s[i].first || docs != mf->s[i].docs || k != i || n != mf->n ||
        h != mf->shared.hsum) {
        ty_seterr(err, errlen,
                  "%s: not shard %u of %u of this index (its section 'shard' disagrees "
                  "with the manifest)",
                  f->path, i, mf->n);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Bytes of part `part` (0: A, 1: B) of per-document section pd for `docs`
 * documents that hold nothing (a shard left out of a partial read): zero
 * vector codes and scale, no terms, empty strings, language 0, no fields
 * or phrases. All zero bytes. */
static uint64_t empty_part(const perdoc *pd, uint64_t dim, uint64_t docs, int part) {
    if (!part) return (pd->a < 0 ? dim : (uint64_t)pd->a) * docs;
    if (pd->b == B_FIXED) return (pd->a < 0 ? 4 : 1) * docs;
    if (pd->b == B_META) return (uint64_t)TY_META_NSTR * docs;
    return 0;
}

/* One read of a sharded index under way. */
typedef struct shard_rd {
    const char *path;          /* the manifest's, for messages */
    shard_mf mf;               /* the manifest */
    uint8_t *kept;             /* mf.n flags: the shard is read */
    uint32_t ref;              /* the first shard read: its per-document
                                  sections are the list */
    int partial;               /* some shard is left out */
    char *dir;                 /* the manifest's directory (malloc'd) */
    ty_rawfile sh;             /* the shared part */
    ty_rawfile *sf;            /* mf.n shards, the read ones open */
    ty_rawsec all[TENYO_MAX_SECTIONS]; /* the single file's sections */
    int nall;                  /* entries in all */
    uint64_t dim;              /* the rank, from the build section */
    char *err;                 /* the caller's message buffer */
    size_t errlen;             /* its size */
} shard_rd;

static int rd_nomem(shard_rd *s) {
    ty_seterr(s->err, s->errlen, "%s: out of memory reading the sharded index", s->path);
    return TENYO_ERR_NOMEM;
}

/* The shards read (every one without keep, shard 0 when none is kept) and
 * the first of them, the directory, the shards' file slots. */
static int choose_shards(shard_rd *s, const uint8_t *keep, uint32_t nkeep) {
    uint32_t n = s->mf.n;
    const char *base;
    s->kept = ty_calloc(n, 1);
    s->sf = ty_calloc(n, sizeof *s->sf);
    s->dir = ty_shards_dir(s->path, &base);
    if (!s->kept || !s->sf || !s->dir) return rd_nomem(s);
    s->ref = n;
    for (uint32_t i = 0; i < n; i++) {
        s->sf[i].fd = -1;
        s->kept[i] = !keep || (i < nkeep && keep[i]);
        if (s->kept[i] && s->ref == n) s->ref = i;
    }
    if (s->ref == n) s->kept[s->ref = 0] = 1;
    for (uint32_t i = 0; i < n; i++) s->partial |= !s->kept[i];
    return TENYO_OK;
}

/* Open the shared part and the shards read, each checked against the
 * manifest. */
static int open_files(shard_rd *s) {
    int rc = open_part(s->dir, &s->mf.shared, &s->sh, s->err, s->errlen);
    for (uint32_t i = 0; !rc && i < s->mf.n; i++) {
        if (!s->kept[i]) continue;
        rc = open_part(s->dir, &s->mf.s[i], &s->sf[i], s->err, s->errlen);
        if (!rc) rc = check_shard(&s->sf[i], &s->mf, i, s->err, s->errlen);
    }
    return rc;
}

/* The shared part's sections, taken as they are: none of them a
 * per-document one, "abstracts" or "shard". */
static int take_shared(shard_rd *s) {
    ty_rawfile *sh = &s->sh;
    for (int j = 0; j < sh->nsec; j++) {
        const char *name = sh->sec[j].name;
        if (ty_perdoc_of(name) || !strcmp(name, "abstracts") || !strcmp(name, "shard")) {
            ty_seterr(s->err, s->errlen, "%s: section '%s' in the shared part", sh->path,
                      name);
            return TENYO_ERR_CORRUPT;
        }
        s->all[s->nall++] = sh->sec[j];
        sh->sec[j].data = NULL; /* taken */
    }
    return TENYO_OK;
}

/* The rank, from the build section (part A of the vectors' sections is
 * dim bytes per document). */
static int read_dim(shard_rd *s) {
    const ty_rawsec *b = NULL;
    for (int j = 0; j < s->nall && !b; j++)
        if (!strcmp(s->all[j].name, "build")) b = &s->all[j];
    const char *d = b ? strstr((const char *)b->data, "\ndim=") : NULL;
    unsigned long long v;
    if (!d || sscanf(d, "\ndim=%llu", &v) != 1 || v > TY_MAX_DIM) {
        ty_seterr(s->err, s->errlen, "%s: section 'build' lacks the rank", s->sh.path);
        return TENYO_ERR_CORRUPT;
    }
    s->dim = v;
    return TENYO_OK;
}

/* The raw bytes of per-document section name (of kind pd) over every
 * shard, a left-out shard's as its empty documents'; each read shard's
 * piece present and holding at least its part A. */
static int sec_total(shard_rd *s, const char *name, const perdoc *pd, uint64_t *total) {
    uint64_t unit = ty_perdoc_unit(pd, s->dim);
    *total = 0;
    for (uint32_t i = 0; i < s->mf.n; i++) {
        uint64_t docs = s->mf.s[i].docs;
        if (!s->kept[i]) {
            *total += empty_part(pd, s->dim, docs, 0) + empty_part(pd, s->dim, docs, 1);
            continue;
        }
        const ty_rawsec *p = ty_rawsec_find(&s->sf[i], name);
        if (!p || p->raw < unit * docs) {
            ty_seterr(s->err, s->errlen, "%s: section '%s' %s", s->sf[i].path, name,
                      p ? "too short for the shard's documents" : "is missing");
            return TENYO_ERR_CORRUPT;
        }
        *total += p->raw;
    }
    return TENYO_OK;
}

/* Section name's pieces into d: part A of every shard in order, then part
 * B of every shard (zero bytes for a left-out shard's documents). */
static void join_parts(const shard_rd *s, const char *name, const perdoc *pd,
                       unsigned char *d) {
    uint64_t unit = ty_perdoc_unit(pd, s->dim), at = 0;
    for (int part = 0; part < 2; part++)
        for (uint32_t i = 0; i < s->mf.n; i++) {
            if (!s->kept[i]) {
                uint64_t e = empty_part(pd, s->dim, s->mf.s[i].docs, part);
                memset(d + at, 0, (size_t)e);
                at += e;
                continue;
            }
            const ty_rawsec *p = ty_rawsec_find(&s->sf[i], name);
            uint64_t alen = unit * s->mf.s[i].docs;
            uint64_t lo = part ? alen : 0, hi = part ? p->raw : alen;
            if (hi > lo) memcpy(d + at, p->data + lo, (size_t)(hi - lo));
            at += hi - lo;
        }
}

/* Per-document section name (16 bytes, NUL-padded; of kind pd) of the
 * single file, assembled from the shards and added to s->all. */
static int assemble_sec(shard_rd *s, const char *name, const perdoc *pd) {
    if (s->nall == TENYO_MAX_SECTIONS) {
        ty_seterr(s->err, s->errlen, "%s: too many sections", s->path);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t total;
    int rc = sec_total(s, name, pd, &total);
    if (rc) return rc;
    unsigned char *d = ty_malloc((size_t)total + 1);
    if (!d) return rd_nomem(s);
    join_parts(s, name, pd, d);
    d[total] = 0;
    ty_rawsec *o = &s->all[s->nall++];
    memcpy(o->name, name, 16);
    o->data = d;
    o->raw = total;
    for (uint32_t i = 0; i < s->mf.n; i++)
        if (s->kept[i]) o->stored += ty_rawsec_find(&s->sf[i], name)->stored;
    return TENYO_OK;
}

/* Every per-document section, in the first read shard's order; the other
 * shards read hold no section that one lacks. */
static int assemble_perdoc(shard_rd *s) {
    const ty_rawfile *rf = &s->sf[s->ref];
    for (int j = 0; j < rf->nsec; j++) {
        const perdoc *pd = ty_perdoc_of(rf->sec[j].name);
        int rc = pd ? assemble_sec(s, rf->sec[j].name, pd) : TENYO_OK;
        if (rc) return rc;
    }
    for (uint32_t i = s->ref + 1; i < s->mf.n; i++)
        for (int j = 0; s->kept[i] && j < s->sf[i].nsec; j++)
            if (!ty_rawsec_find(rf, s->sf[i].sec[j].name)) {
                ty_seterr(s->err, s->errlen, "%s: section '%s', which shard %u lacks",
                          s->sf[i].path, s->sf[i].sec[j].name, s->ref);
                return TENYO_ERR_CORRUPT;
            }
    return TENYO_OK;
}

/* sec[0..n) in the single file's section order (what info lists). */
static void sort_sections(ty_rawsec *sec, int n) {
    for (int j = 1; j < n; j++)
        for (int q = j; q > 0 && ty_sec_rank(sec[q].name) < ty_sec_rank(sec[q - 1].name);
             q--) {
            ty_rawsec t = sec[q];
            sec[q] = sec[q - 1];
            sec[q - 1] = t;
        }
}

/* The assembled sections decoded into m, which counts the manifest's
 * documents. */
static int decode(shard_rd *s, ty_model *m) {
    sort_sections(s->all, s->nall);
    int rc = ty_store_read_mem(s->path, s->all, s->nall, s->partial, m, s->err, s->errlen);
    if (rc) return rc;
    if (m->ndocs != s->mf.ndocs) {
        ty_seterr(s->err, s->errlen,
                  "%s: the shared part counts %llu documents, the manifest %llu", s->path,
                  (unsigned long long)m->ndocs, (unsigned long long)s->mf.ndocs);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* The abstracts: each shard's own section, one handle per shard composed
 * by position into m->abs, and the section's line for info (a partial
 * read has none: its reader renders nothing). */
static int compose_abstracts(shard_rd *s, ty_model *m) {
    uint32_t n = s->mf.n;
    if (s->partial || !ty_rawsec_find(&s->sf[0], "abstracts")) return TENYO_OK;
    ty_abs **parts = ty_calloc(n, sizeof *parts);
    uint64_t *first = ty_calloc((size_t)n + 1, sizeof *first), st = 0;
    int rc = parts && first ? TENYO_OK : rd_nomem(s);
    for (uint32_t i = 0; !rc && i < n; i++) {
        const ty_rawsec *a = ty_rawsec_find(&s->sf[i], "abstracts");
        if (!a) { /* shard 0 keeps abstracts: every shard must */
            ty_seterr(s->err, s->errlen, "%s: section 'abstracts' is missing", s->sf[i].path);
            rc = TENYO_ERR_CORRUPT;
            break;
        }
        first[i] = s->mf.s[i].first;
        parts[i] = ty_abs_open(s->sf[i].fd, s->sf[i].path, a->off, a->stored, a->raw,
                               s->mf.s[i].docs);
        if (!parts[i]) rc = rd_nomem(s);
        st += a->stored;
    }
    if (!rc) {
        first[n] = s->mf.ndocs;
        m->abs = ty_abs_compose(parts, first, n, NULL, s->mf.ndocs);
        memset(parts, 0, n * sizeof *parts); /* taken, or freed */
        if (!m->abs) rc = rd_nomem(s);
    }
    if (!rc) {
        ty_rawsec *o = &s->all[s->nall < TENYO_MAX_SECTIONS ? s->nall++ : s->nall - 1];
        memset(o->name, 0, 16);
        memcpy(o->name, "abstracts", 9);
        o->raw = 0;
        o->stored = st;
        for (uint32_t i = 0; i < n; i++) o->raw += ty_rawsec_find(&s->sf[i], "abstracts")->raw;
        o->data = NULL;
    }
    for (uint32_t i = 0; parts && i < n; i++) ty_abs_free(parts[i]);
    free(parts);
    free(first);
    return rc;
}

/* The manifest's hash: the identity of the index, what a partial read's
 * processes agree on. */
static uint64_t manifest_ident(const shard_mf *mf) {
    uint64_t v[4] = {mf->gen, mf->ndocs, mf->shared.bytes, mf->shared.hsum};
    uint64_t h = ty_fnv1a(v, sizeof v);
    for (uint32_t i = 0; i < mf->n; i++) {
        uint64_t w[4] = {mf->s[i].first, mf->s[i].docs, mf->s[i].bytes, mf->s[i].hsum};
        h = h * 0x100000001b3ull ^ ty_fnv1a(w, sizeof w);
    }
    return h ? h : 1;
}

/* What info shows: every file, the sections summed over the shards. */
static int describe(shard_rd *s, ty_model *m) {
    uint32_t n = s->mf.n;
    m->shard_docs = ty_calloc(n, sizeof *m->shard_docs);
    m->shard_bytes = ty_calloc(n, sizeof *m->shard_bytes);
    if (!m->shard_docs || !m->shard_bytes) return rd_nomem(s);
    m->nshards = n;
    m->shard_ident = manifest_ident(&s->mf);
    struct stat st;
    m->file_bytes = s->sh.fsize + (stat(s->path, &st) == 0 ? (uint64_t)st.st_size : 0);
    for (uint32_t i = 0; i < n; i++) {
        m->shard_docs[i] = s->mf.s[i].docs;
        m->shard_bytes[i] = s->kept[i] ? s->sf[i].fsize : s->mf.s[i].bytes;
        m->file_bytes += m->shard_bytes[i];
    }
    m->nsections = s->nall;
    for (int j = 0; j < s->nall; j++) {
        memcpy(m->sections[j].name, s->all[j].name, 16);
        m->sections[j].stored = s->all[j].stored;
        m->sections[j].raw = s->all[j].raw;
    }
    return TENYO_OK;
}

static void shard_rd_free(shard_rd *s) {
    for (int j = 0; j < s->nall; j++) free(s->all[j].data);
    ty_rawfile_free(&s->sh);
    for (uint32_t i = 0; s->sf && i < s->mf.n; i++) ty_rawfile_free(&s->sf[i]);
    free(s->sf);
    free(s->kept);
    free(s->dir);
    ty_mf_free(&s->mf);
}

int ty_shards_read(const char *path, ty_model *m, char *err, size_t errlen) {
    return ty_shards_read_part(path, NULL, 0, m, err, errlen);
}

int ty_shards_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                        char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    shard_rd s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.sh.fd = -1;
    s.err = err;
    s.errlen = errlen;
    int rc = ty_mf_read(path, &s.mf, err, errlen);
    if (rc) return rc;
    rc = choose_shards(&s, keep, nkeep);
    if (!rc) rc = open_files(&s);
    if (!rc) rc = take_shared(&s);
    if (!rc) rc = read_dim(&s);
    if (!rc) rc = assemble_perdoc(&s);
    if (!rc) rc = decode(&s, m);
    if (!rc) rc = compose_abstracts(&s, m);
    if (!rc) rc = describe(&s, m);
    if (rc) ty_model_free(m);
    shard_rd_free(&s);
    return rc;
}
