/*
 * senses.c — senses remembered (tenyo_senses): a word that links two
 * fields only by a pun of the language (運転 of a car, B60W, and of an air
 * conditioner, F24F; チップ of wood and of silicon) is split for that
 * pair of fields, once, by the analyst, and every later query honours it:
 * the word carries no link between those two fields (the term hook of
 * stages.h gives it no weight for a card of the one field when the other
 * is a home of the query, either way round). Other cards keep the word,
 * and the index file never changes: the splits live in a file of their
 * own, beside the index (INDEX.senses) or where the user names, that a
 * team shares and builds up.
 *
 * The file is TSV, one split a line, so that a spreadsheet or grep reads
 * it: WORD <TAB> FIELD <TAB> FIELD, an optional header line
 * "word<TAB>field<TAB>other_field", blank lines and lines starting with
 * '#' ignored. Words are kept NFKC case-folded as the steer keeps struck
 * words (and matched to the query's terms the same way: by term, surface
 * or as a compound's part, ty_steer_term_is); fields upper case; a pair
 * is one split whichever field comes first. A file is untrusted input:
 * each line at most SN_LINE bytes, at most SN_MAX splits, UTF-8 with no
 * NUL, three columns, words of 1..255 bytes, fields IPC subclasses; the
 * first line at fault is named with the file and its number, and nothing
 * of the file is taken (a load is all or nothing, the limit counted
 * before any split joins). A split is found by a hash of its key, "word
 * TAB field TAB field" in order (ty_strmap, with a live flag per key so a
 * removal needs no delete), so a load is linear (a scan per line was
 * quadratic: docs/decisions.md). Saving is atomic (the store's temporary
 * file, fsync, rename; at the real path, so a link stays a link) and
 * follows the output rule (tenyo_output_check:
 * never an index, a file of an update directory or a locked path; an
 * existing file only when it reads as a senses file).
 *
 * Applied per query after the home is known (ty_senses_mask): the pairs
 * (query term, field) the hook must silence, sorted for a binary search;
 * the term's mask flag TY_TERM_SPLIT says it has any, so the hook's fast
 * path stays one test for the other words.
 *
 * Rejected: splits stored in the index (a team's judgement would be lost
 * on every rebuild and could not be shared without the index); a split
 * that strikes the word for every card (the very point: 運転 is a
 * good link between B60W and G08G).
 */
#include "stages.h"
#include "store/format.h"
#include "store/store.h"
#include "text/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SN_MAX 100000       /* splits in a set */
#define SN_LINE 4096        /* bytes of a line */

typedef struct sn_split {
    char *word;     /* NFKC case-folded */
    char a[5], b[5]; /* the two fields, upper case, as first given */
    uint32_t id;     /* its key's id in keys */
} sn_split;

struct tenyo_senses {
    sn_split *v;
    size_t n, cap;
    ty_strmap *keys;      /* "word\tA\tB" (A < B) of every split ever added:
                             its id (sn_split.id) */
    unsigned char *live;  /* per key id: 1 while the split is in v */
    uint32_t livecap;     /* entries allocated in live */
};

int tenyo_senses_new(tenyo_senses **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = ty_calloc(1, sizeof **out);
    return *out ? TENYO_OK : TENYO_ERR_NOMEM;
}

void tenyo_senses_free(tenyo_senses *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->v[i].word);
    free(s->v);
    ty_strmap_free(s->keys);
    free(s->live);
    free(s);
}

/* field upper-cased into f[5]: 0, or -1 when it is no subclass. */
static int sn_field(const char *field, char f[5]) {
    if (!ty_ideas_home_ok(field)) return -1;
    for (int k = 0; k < 4; k++) f[k] = (char)toupper((unsigned char)field[k]);
    f[4] = 0;
    return 0;
}

/* The index of split (word, a, b) in s (either order), or -1: a scan, for
 * a removal (which moves the splits after it anyway). */
static long sn_find(const tenyo_senses *s, const char *w, const char *a, const char *b) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].word, w) && ((!strcmp(s->v[i].a, a) && !strcmp(s->v[i].b, b)) ||
                                         (!strcmp(s->v[i].a, b) && !strcmp(s->v[i].b, a))))
            return (long)i;
    return -1;
}

/* The key of split (w, a, b), the fields in order so that either way round
 * is one key, interned in s->keys into *id; *live points at its flag. 0
 * or TENYO_ERR_NOMEM. */
static int sn_key(tenyo_senses *s, const char *w, const char *a, const char *b, uint32_t *id,
                  unsigned char **live) {
    size_t wl = strlen(w);
    char *k = ty_malloc(wl + 11);
    if (!k || (!s->keys && !(s->keys = ty_strmap_new()))) {
        free(k);
        return TENYO_ERR_NOMEM;
    }
    int lo = strcmp(a, b) < 0;
    memcpy(k, w, wl);
    snprintf(k + wl, 11, "\t%s\t%s", lo ? a : b, lo ? b : a);
    int64_t i = ty_strmap_intern(s->keys, k, wl + 10, NULL);
    free(k);
    if (i < 0) return TENYO_ERR_NOMEM;
    if ((uint32_t)i >= s->livecap) {
        uint32_t nc = s->livecap ? 2 * s->livecap : 64;
        unsigned char *nl = realloc(s->live, nc);
        if (!nl) return TENYO_ERR_NOMEM;
        memset(nl + s->livecap, 0, nc - s->livecap);
        s->live = nl;
        s->livecap = nc;
    }
    *id = (uint32_t)i;
    *live = &s->live[i];
    return TENYO_OK;
}

/* Split (w: kept form, malloc'd, taken; a, b checked) into s: 0, 1 when
 * there already, or a status (w freed). */
static int sn_put(tenyo_senses *s, char *w, const char *a, const char *b) {
    uint32_t id = 0;
    unsigned char *live = NULL;
    int rc = sn_key(s, w, a, b, &id, &live);
    if (!rc && *live) rc = 1; /* there already */
    else if (!rc && s->n == SN_MAX) rc = TENYO_ERR_LIMIT;
    else if (!rc && ty_grow((void **)&s->v, &s->cap, s->n, sizeof *s->v, 16))
        rc = TENYO_ERR_NOMEM;
    if (rc) {
        free(w);
        return rc;
    }
    sn_split *e = &s->v[s->n++];
    e->word = w;
    e->id = id;
    memcpy(e->a, a, 5);
    memcpy(e->b, b, 5);
    *live = 1;
    return TENYO_OK;
}

int tenyo_senses_add(tenyo_senses *s, const char *word, const char *field, const char *other) {
    char a[5], b[5], *w = NULL;
    if (!s || !field || !other || sn_field(field, a) || sn_field(other, b) || !strcmp(a, b))
        return TENYO_ERR_ARG;
    int rc = ty_steer_word(word, &w); /* kept as a struck word is */
    if (rc) return rc;
    return sn_put(s, w, a, b);
}

int tenyo_senses_remove(tenyo_senses *s, const char *word, const char *field,
                        const char *other) {
    char a[5], b[5], *w = NULL;
    if (!s || !field || !other || sn_field(field, a) || sn_field(other, b)) return TENYO_ERR_ARG;
    int rc = ty_steer_word(word, &w); /* kept as a struck word is */
    if (rc) return rc;
    long i = sn_find(s, w, a, b);
    free(w);
    if (i < 0) return TENYO_ERR_NOTFOUND;
    s->live[s->v[i].id] = 0;
    free(s->v[i].word);
    memmove(&s->v[i], &s->v[i + 1], (s->n - (size_t)i - 1) * sizeof s->v[0]);
    s->n--;
    return TENYO_OK;
}

size_t tenyo_senses_count(const tenyo_senses *s) {
    return s ? s->n : 0;
}

int tenyo_senses_get(const tenyo_senses *s, size_t i, const char **word, const char **field,
                     const char **other) {
    if (word) *word = NULL;
    if (field) *field = NULL;
    if (other) *other = NULL;
    if (!s) return TENYO_ERR_ARG;
    if (i >= s->n) return TENYO_ERR_NOTFOUND;
    if (word) *word = s->v[i].word;
    if (field) *field = s->v[i].a;
    if (other) *other = s->v[i].b;
    return TENYO_OK;
}

/* ============================================================ files */

/* One line (NUL-terminated, no newline) into tmp: 0, or the reason. */
static const char *sn_line(tenyo_senses *tmp, char *line, size_t len) {
    size_t bad;
    if (memchr(line, 0, len)) return "NUL byte";
    if (!ty_utf8_valid(line, len, &bad)) return "not UTF-8";
    while (len && line[len - 1] == '\r') line[--len] = 0;
    if (!len || line[0] == '#' || strspn(line, " \t") == len) return NULL;
    char *f[3], *p = line;
    int nf = 0;
    for (; nf < 3 && p; nf++) {
        f[nf] = p;
        p = strchr(p, '\t');
        if (p) *p++ = 0;
    }
    if (nf != 3 || p) return "needs three columns: word, field, other field (tab-separated)";
    int rc = tenyo_senses_add(tmp, f[0], f[1], f[2]);
    if (rc == TENYO_ERR_LIMIT) return "more splits than a senses file may hold (100000)";
    if (rc == TENYO_ERR_NOMEM) return "out of memory";
    if (rc < 0) {
        char a[5], b[5];
        if (sn_field(f[1], a) || sn_field(f[2], b) || !strcmp(a, b)) return "the fields must be IPC subclasses "
                                                          "(like B60W), two different ones";
        return "the word must be 1 to 255 bytes of text";
    }
    return NULL;
}

/* The next line of f into buf[0..SN_LINE] (NUL-terminated, no newline;
 * NUL bytes inside kept and counted) with its length in *len: 1, 0 at the
 * end of the file, -1 when it is longer than SN_LINE bytes. Read a byte
 * at a time, not by fgets, so that a NUL byte is a NUL byte at its line
 * and not the line's end. */
static int sn_getline(FILE *f, char *buf, size_t *len) {
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n == SN_LINE) return -1;
        buf[n++] = (char)c;
    }
    buf[n] = 0;
    *len = n;
    return c == EOF && n == 0 ? 0 : 1;
}

/* The lines of f into tmp; err names path and the line at fault. */
static int sn_read(FILE *f, const char *path, tenyo_senses *tmp, char *err, size_t errlen) {
    char *buf = ty_malloc(SN_LINE + 1);
    if (!buf) return TENYO_ERR_NOMEM;
    long ln = 0;
    int rc = TENYO_OK, got;
    size_t len = 0;
    while (!rc && (got = sn_getline(f, buf, &len)) != 0) {
        ln++;
        if (got < 0) {
            ty_seterr(err, errlen, "%s:%ld: line longer than %d bytes", path, ln, SN_LINE);
            rc = TENYO_ERR_INPUT;
            break;
        }
        if (ln == 1 && len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) memmove(buf, buf + 3, (len -= 3) + 1);
        if (ln == 1 && !strncmp(buf, "word\tfield\t", 11)) continue; /* the header */
        const char *why = sn_line(tmp, buf, len);
        if (why) {
            ty_seterr(err, errlen, "%s:%ld: %s", path, ln, why);
            rc = !strcmp(why, "out of memory") ? TENYO_ERR_NOMEM : TENYO_ERR_INPUT;
        }
    }
    if (!rc && ferror(f)) {
        ty_seterr(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = TENYO_ERR_IO;
    }
    free(buf);
    return rc;
}

/* The splits of tmp not in s yet into s, all or none: the count over
 * SN_MAX is refused before anything is taken, and a failure part way
 * (memory) takes back what it had added. 0 or a status. */
static int sn_merge(tenyo_senses *s, const tenyo_senses *tmp) {
    size_t fresh = 0, n0 = s->n;
    for (size_t i = 0; i < tmp->n; i++) {
        size_t kl = 0;
        const char *k = ty_strmap_key(tmp->keys, tmp->v[i].id, &kl);
        int64_t id = s->keys ? ty_strmap_get(s->keys, k, kl) : -1;
        fresh += id < 0 || !s->live[id];
    }
    if (s->n + fresh > SN_MAX) return TENYO_ERR_LIMIT;
    int rc = TENYO_OK;
    for (size_t i = 0; !rc && i < tmp->n; i++) {
        const sn_split *e = &tmp->v[i];
        char *w = ty_strdup(e->word);
        rc = w ? sn_put(s, w, e->a, e->b) : TENYO_ERR_NOMEM;
        if (rc == 1) rc = TENYO_OK;
    }
    if (rc) /* back to the splits s had */
        while (s->n > n0) {
            s->n--;
            s->live[s->v[s->n].id] = 0;
            free(s->v[s->n].word);
        }
    return rc;
}

int tenyo_senses_load(tenyo_senses *s, const char *path, char *err, size_t errlen) {
    if (!s || !path) return TENYO_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    tenyo_senses *tmp = NULL;
    int rc = tenyo_senses_new(&tmp);
    if (!rc) rc = sn_read(f, path, tmp, err, errlen);
    fclose(f);
    /* all or nothing: the file's splits join s only when every line was
     * read and all of them fit */
    if (!rc) rc = sn_merge(s, tmp);
    if (rc == TENYO_ERR_LIMIT)
        ty_seterr(err, errlen, "%s: its splits and the %zu held already are more than a senses "
                  "file may hold (%d); nothing of it taken", path, s->n, SN_MAX);
    else if (rc == TENYO_ERR_NOMEM && tmp && tmp->n)
        ty_seterr(err, errlen, "%s: out of memory; nothing of it taken", path);
    tenyo_senses_free(tmp);
    return rc;
}

int tenyo_senses_tsv(const tenyo_senses *s, char **out) {
    if (out) *out = NULL;
    if (!s || !out) return TENYO_ERR_ARG;
    ty_buf b = {0};
    int bad = ty_buf_append(&b, "word\tfield\tother_field\n", 23);
    for (size_t i = 0; i < s->n && !bad; i++) {
        const sn_split *e = &s->v[i];
        bad |= ty_buf_append(&b, e->word, strlen(e->word)) || ty_buf_putc(&b, '\t') ||
               ty_buf_append(&b, e->a, 4) || ty_buf_putc(&b, '\t') ||
               ty_buf_append(&b, e->b, 4) || ty_buf_putc(&b, '\n');
    }
    if (bad || ty_buf_putc(&b, 0)) {
        ty_buf_free(&b);
        return TENYO_ERR_NOMEM;
    }
    *out = b.p;
    return TENYO_OK;
}

/* 1 when the head of the regular file at path reads as a senses file: it
 * begins with the header, or its first line that is not blank or a comment
 * has three tab-separated columns whose last two are IPC subclasses. A
 * corpus, a CSV list, a worksheet or an index do not. */
static int sn_kind(const char *path) {
    char head[SN_LINE + 1];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(head, 1, SN_LINE, f);
    fclose(f);
    head[n] = 0;
    char *p = head;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    if (!strncmp(p, "word\tfield\t", 11)) return 1;
    if (memchr(head, 0, n)) return 0;
    for (char *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) return 0; /* no whole line in the head */
        *nl = 0;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        if (!*p || *p == '#' || strspn(p, " \t") == strlen(p)) continue;
        char *t1 = strchr(p, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL, f1[5], f2[5];
        if (!t2 || strchr(t2 + 1, '\t')) return 0;
        *t2 = 0;
        return !sn_field(t1 + 1, f1) && !sn_field(t2 + 1, f2);
    }
    return 0;
}

int tenyo_senses_save(const tenyo_senses *s, const char *path, char *err, size_t errlen) {
    if (!s || !path || !*path) return TENYO_ERR_ARG;
    /* the output rule: never an index, a file of an update directory, a
     * locked path or a directory; an existing file only when it is a
     * senses file (or empty) */
    int rc = tenyo_output_check(path, NULL, TENYO_WRITE_FORCE, err, errlen);
    if (rc) return rc;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size && !sn_kind(path)) {
        ty_seterr(err, errlen, "%s: exists and is not a senses file; refusing to overwrite it",
                  path);
        return TENYO_ERR_ARG;
    }
    /* written at the real path: a link stays a link, its target changes */
    char *text = NULL, *dir = NULL;
    rc = ty_real_path(path, &dir, err, errlen);
    if (!rc) rc = tenyo_senses_tsv(s, &text);
    if (!rc) {
        char *slash = strrchr(dir, '/'); /* a real path: absolute */
        const char *name = slash ? slash + 1 : dir, *in = slash == dir ? "/" : slash ? dir : ".";
        if (slash && slash != dir) *slash = 0;
        rc = ty_store_write_atomic(in, name, text, strlen(text), err, errlen);
    }
    free(text);
    free(dir);
    return rc;
}

/* ============================================================ queries */

int tenyo_senses_lock_take(const char *path, unsigned wait_ms, tenyo_lock **out, char *err,
                           size_t errlen) {
    if (out) *out = NULL;
    if (!path || !out) return TENYO_ERR_ARG;
    char *real = NULL;
    int rc = ty_real_path(path, &real, err, errlen);
    if (!rc) rc = ty_lock_take(path, real, wait_ms, "senses file", out, err, errlen);
    free(real);
    return rc;
}

int tenyo_ctx_set_senses(tenyo_ctx *c, const tenyo_senses *s) {
    if (!c) return TENYO_ERR_ARG;
    ty_ideas *is = ty_ideas_get(c);
    if (!is) return TENYO_ERR_NOMEM;
    is->senses = s;
    return TENYO_OK;
}

static int pair_cmp(const void *x, const void *y) {
    const ty_splitpair *a = x, *b = y;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->f < b->f ? -1 : a->f > b->f;
}

/* Pair (i, f) onto is's list: 0 or NOMEM. */
static int pair_add(ty_ideas *is, uint32_t i, uint32_t f) {
    if (ty_grow((void **)&is->split, &is->capsplit, is->nsplit, sizeof *is->split, 32))
        return TENYO_ERR_NOMEM;
    is->split[is->nsplit].i = i;
    is->split[is->nsplit++].f = f;
    return TENYO_OK;
}

int ty_senses_mask(tenyo_ctx *c, const char (*homes)[5], int nh, size_t qn) {
    ty_ideas *is = c->ideas;
    is->nsplit = 0;
    const tenyo_senses *s = is->senses;
    if (!s || !s->n || !nh) return TENYO_OK;
    const ty_model *m = &c->idx->m;
    int rc = TENYO_OK;
    for (size_t k = 0; k < s->n && !rc; k++) {
        const sn_split *e = &s->v[k];
        for (int h = 0; h < nh && !rc; h++) {
            const char *other = !strcmp(homes[h], e->a) ? e->b : !strcmp(homes[h], e->b) ? e->a
                                                                                         : NULL;
            int64_t f = other ? tenyo_index_field_find(c->idx, other) : -1;
            if (f < 0) continue;
            for (size_t i = 0; i < qn && i < is->mask.cap && !rc; i++)
                if (ty_steer_term_is(m, c->qt[i], e->word)) {
                    rc = pair_add(is, (uint32_t)i, (uint32_t)f);
                    is->mask.flags[i] |= TY_TERM_SPLIT;
                    is->mask.any = 1;
                }
        }
    }
    if (is->nsplit > 1) qsort(is->split, is->nsplit, sizeof *is->split, pair_cmp);
    return rc;
}
