/*
 * mecab.c — the MeCab adapter: loads a dictionary once, gives each thread a
 * tagger and a lattice, and reports the morphemes of a text one by one.
 * The only file of tenyo that includes mecab.h.
 *
 * Split like MeCab's own API: a mecab_model_t (the mmap'ed dictionary and
 * connection matrix, tens of MB) is shared read-only by every thread, and
 * each ty_mecab_ctx holds a mecab_t tagger plus a mecab_lattice_t, which
 * are small and not thread-safe. Parsing goes through the lattice API
 * (mecab_lattice_set_sentence2 takes a length, so no NUL-terminated copy is
 * made) and walks the best path from the BOS node; morphemes are reported
 * as slices of the caller's text and of the dictionary's feature strings,
 * without any allocation; a feature's split (part of speech, base form) is
 * remembered per context by the string's address, which is the
 * dictionary's and so one string for the tagger's life. Rejected:
 * mecab_sparse_tostr (formats the whole result as text that we would parse
 * again) and the one-object mecab_new (one dictionary load per thread).
 *
 * Dictionary choice. With no dicdir, /var/lib/mecab/dic/ipadic-utf8 (the
 * Debian/Ubuntu mecab-ipadic-utf8 package) is used when present, and only
 * otherwise MeCab's own default from mecabrc. Preferring the explicit path
 * keeps the tokenizer identity the same on every machine with the package,
 * whatever /etc/mecabrc or the mecab-dictionary alternative points at
 * (it may be an EUC-JP ipadic or another dictionary whose features the
 * tokenizer does not understand). Whenever a dictionary directory is given
 * to MeCab, the resource file is /dev/null: a user's mecabrc (user
 * dictionaries, other options) must not change what gets indexed behind
 * the index's back. The directory is passed as its own argv element, so
 * paths with spaces work (mecab_model_new2 would split them).
 *
 * Identity: "<dictionary dir name>;charset=UTF-8;version=V;size=N" built
 * from mecab_model_dictionary_info, with the directory name taken after
 * resolving links (so /var/lib/mecab/dic/debian reads as ipadic-utf8); user
 * dictionaries, if a dicrc names any, are appended as ";user=NAME:SIZE".
 * A dictionary whose charset is not UTF-8 is refused with
 * TENYO_ERR_DEPENDENCY: the whole library speaks UTF-8 and a conversion
 * layer here would only hide a misconfiguration.
 */
#include "text/text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mecab.h>

/* The Debian/Ubuntu location of the UTF-8 ipadic (package mecab-ipadic-utf8). */
#define TY_MECAB_IPADIC_UTF8 "/var/lib/mecab/dic/ipadic-utf8"
/* Longest text handed to MeCab in one call (bytes); the tokenizer cuts
 * longer inputs at sentence ends well below this. */
#define TY_MECAB_MAX_TEXT ((size_t)1 << 22)
/* Bytes reserved for the identity string. */
#define TY_MECAB_IDENT 512

struct ty_mecab {
    mecab_model_t *model;        /* shared dictionary + matrix */
    char ident[TY_MECAB_IDENT];  /* identity string (ty_mecab_identity) */
};

/* A feature string's split (split_feature), remembered by its address:
 * every node's feature points into the dictionary the tagger holds
 * (known words' and unknown words' entries alike), so one address is one
 * unchanging string while the context lives. */
typedef struct feat_memo {
    const char *f;               /* the feature, or NULL: empty slot */
    uint32_t pos_len;            /* m->pos_len */
    int32_t base_off;            /* m->base - f, or -1: the surface */
    uint32_t base_len;           /* m->base_len when base_off >= 0 */
} feat_memo;
#define FEAT_MEMO_BITS 12

struct ty_mecab_ctx {
    mecab_t *tagger;             /* per-thread tagger of the shared model */
    mecab_lattice_t *lat;        /* per-thread lattice, reused every call */
    feat_memo memo[1u << FEAT_MEMO_BITS]; /* direct-mapped by address */
};

/* ============================================================== model */

/* 1 when the charset name means UTF-8 ("UTF-8", "utf8", "UTF_8"). */
static int is_utf8_name(const char *cs) {
    char t[16];
    size_t n = 0;
    for (; cs && *cs && n + 1 < sizeof t; cs++)
        if (*cs != '-' && *cs != '_') t[n++] = *cs;
    t[n] = 0;
    return cs && !*cs && strcasecmp(t, "utf8") == 0;
}

/* Name of the directory holding dictionary file path (links resolved),
 * written to name; "unknown" when the path has no directory part. */
static void dict_dir_name(const char *path, char *name, size_t namelen) {
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash || (size_t)(slash - path) >= sizeof dir) {
        ty_seterr(name, namelen, "unknown");
        return;
    }
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    const char *d = realpath(dir, real) ? real : dir;
    const char *base = strrchr(d, '/');
    base = base && base[1] ? base + 1 : d;
    ty_seterr(name, namelen, "%s", *base ? base : "unknown");
}

/* Load the dictionary in dicdir (NULL or "": ipadic-utf8 when installed,
 * else MeCab's default). On failure *out is NULL, err names the directory
 * and the status is TENYO_ERR_DEPENDENCY (not found, unreadable, not
 * UTF-8) or TENYO_ERR_NOMEM. */
int ty_mecab_new(const char *dicdir, ty_mecab **out, char *err,
                 size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    int rc = TENYO_ERR_DEPENDENCY;
    ty_mecab *m = ty_calloc(1, sizeof *m);
    if (!m) {
        ty_seterr(err, errlen, "out of memory loading MeCab");
        return TENYO_ERR_NOMEM;
    }
    const char *dir = dicdir && *dicdir ? dicdir : NULL;
    if (!dir && access(TY_MECAB_IPADIC_UTF8 "/sys.dic", R_OK) == 0)
        dir = TY_MECAB_IPADIC_UTF8;
    char *argv[6] = {"mecab", NULL, NULL, NULL, NULL, NULL};
    int argc = 1;
    if (dir) {
        argv[argc++] = "-d";
        argv[argc++] = (char *)dir;
        argv[argc++] = "-r";
        argv[argc++] = "/dev/null";
    }
    m->model = mecab_model_new(argc, argv);
    if (!m->model) {
        const char *why = mecab_strerror(NULL);
        ty_seterr(err, errlen,
                  "cannot load the MeCab dictionary %s%s%s: %s (install "
                  "mecab-ipadic-utf8 or give a dictionary directory)",
                  dir ? "'" : "(MeCab default)", dir ? dir : "",
                  dir ? "'" : "", why && *why ? why : "unknown error");
        goto fail;
    }
    const mecab_dictionary_info_t *info =
        mecab_model_dictionary_info(m->model);
    const mecab_dictionary_info_t *sys = info;
    while (sys && sys->type != MECAB_SYS_DIC) sys = sys->next;
    if (!sys) sys = info;
    if (!sys) {
        ty_seterr(err, errlen, "MeCab dictionary %s reports no dictionary",
                  dir ? dir : "(default)");
        goto fail;
    }
    if (!is_utf8_name(sys->charset)) {
        ty_seterr(err, errlen,
                  "MeCab dictionary %s is in charset %s; tenyo needs a "
                  "UTF-8 dictionary (e.g. %s from mecab-ipadic-utf8)",
                  sys->filename ? sys->filename : "?",
                  sys->charset ? sys->charset : "?", TY_MECAB_IPADIC_UTF8);
        goto fail;
    }
    char name[128];
    dict_dir_name(sys->filename, name, sizeof name);
    int n = snprintf(m->ident, sizeof m->ident,
                     "%s;charset=UTF-8;version=%u;size=%u", name,
                     (unsigned)sys->version, sys->size);
    for (const mecab_dictionary_info_t *d = info; d; d = d->next) {
        if (d->type != MECAB_USR_DIC || n < 0 || (size_t)n >= sizeof m->ident)
            continue;
        const char *f = d->filename ? strrchr(d->filename, '/') : NULL;
        f = f ? f + 1 : (d->filename ? d->filename : "?");
        n += snprintf(m->ident + n, sizeof m->ident - (size_t)n,
                      ";user=%s:%u", f, d->size);
    }
    if (n < 0 || (size_t)n >= sizeof m->ident) {
        ty_seterr(err, errlen, "MeCab dictionary identity too long");
        rc = TENYO_ERR_LIMIT;
        goto fail;
    }
    *out = m;
    return TENYO_OK;
fail:
    ty_mecab_free(m);
    return rc;
}

void ty_mecab_free(ty_mecab *m) {
    if (!m) return;
    if (m->model) mecab_model_destroy(m->model);
    free(m);
}

const char *ty_mecab_identity(const ty_mecab *m) {
    return m ? m->ident : "";
}

/* ============================================================ context */

/* A tagger and lattice of the shared model for one thread. MeCab's model
 * is safe to share (its only mutation, swap, is not used), so the const is
 * cast away for mecab_model_new_tagger/_lattice. */
int ty_mecab_ctx_new(const ty_mecab *m, ty_mecab_ctx **out) {
    if (!m || !out) return TENYO_ERR_ARG;
    *out = NULL;
    ty_mecab_ctx *c = ty_calloc(1, sizeof *c);
    if (!c) return TENYO_ERR_NOMEM;
    mecab_model_t *model = (mecab_model_t *)m->model;
    c->tagger = mecab_model_new_tagger(model);
    c->lat = mecab_model_new_lattice(model);
    if (!c->tagger || !c->lat) {
        ty_mecab_ctx_free(c);
        return TENYO_ERR_NOMEM;
    }
    *out = c;
    return TENYO_OK;
}

void ty_mecab_ctx_free(ty_mecab_ctx *c) {
    if (!c) return;
    if (c->lat) mecab_lattice_destroy(c->lat);
    if (c->tagger) mecab_destroy(c->tagger);
    free(c);
}

/* Fill the base-form slice and feature length of m from feature f (CSV;
 * the base form is field 7 in ipadic). A missing or "*" base form falls
 * back to the surface (unknown words). The feature is read up to the end
 * of the base form only: the readings after it are never looked at, and
 * pos_len (the bytes a part-of-speech prefix is compared within) ends
 * there. */
static void split_feature(ty_morph *m, const char *f) {
    /* one pass over the bytes up to the seventh comma (a strchr per comma
     * and a strlen were a tenth of the tokenizer's own time around MeCab;
     * the readings after the base form were another fifth of it) */
    const char *p = f, *b = NULL, *be = NULL;
    int commas = 0;
    for (; *p; p++)
        if (*p == ',' && ++commas >= 6) {
            if (commas == 6) b = p + 1;
            else {
                be = p;
                break;
            }
        }
    size_t n = (size_t)(p - f);
    if (b && !be) be = f + n;
    m->pos = f;
    m->pos_len = n;
    if (b && be > b && !(be - b == 1 && *b == '*')) {
        m->base = b;
        m->base_len = (size_t)(be - b);
    } else {
        m->base = m->surface;
        m->base_len = m->surface_len;
    }
}

/* Analyse text[0..len) and report each morpheme of the best path in
 * order. Slices are valid during the callback only. TENYO_ERR_LIMIT for
 * texts over 4 MiB (callers cut at sentence ends), TENYO_ERR_INPUT when
 * MeCab cannot parse. */
int ty_mecab_parse(ty_mecab_ctx *c, const char *text, size_t len,
                   void (*emit)(void *ud, const ty_morph *m), void *ud) {
    if (!c || !emit || (!text && len)) return TENYO_ERR_ARG;
    if (len == 0) return TENYO_OK;
    if (len > TY_MECAB_MAX_TEXT) return TENYO_ERR_LIMIT;
    mecab_lattice_set_sentence2(c->lat, text, len);
    if (!mecab_parse_lattice(c->tagger, c->lat)) {
        mecab_lattice_clear(c->lat);
        return TENYO_ERR_INPUT;
    }
    for (const mecab_node_t *n = mecab_lattice_get_bos_node(c->lat); n;
         n = n->next) {
        if (n->stat == MECAB_BOS_NODE || n->stat == MECAB_EOS_NODE ||
            n->length == 0 || !n->feature)
            continue;
        ty_morph m;
        m.surface = n->surface;
        m.surface_len = n->length;
        /* the split of a feature seen before, from its address (the scan
         * to the seventh comma was most of this loop's time) */
        feat_memo *e = &c->memo[((uintptr_t)n->feature * 0x9E3779B97F4A7C15ull) >>
                                (64 - FEAT_MEMO_BITS)];
        if (e->f != n->feature) {
            split_feature(&m, n->feature);
            e->f = n->feature;
            e->pos_len = (uint32_t)m.pos_len;
            e->base_off = m.base == m.surface ? -1 : (int32_t)(m.base - n->feature);
            e->base_len = (uint32_t)m.base_len;
        } else {
            m.pos = e->f;
            m.pos_len = e->pos_len;
            m.base = e->base_off < 0 ? m.surface : e->f + e->base_off;
            m.base_len = e->base_off < 0 ? m.surface_len : e->base_len;
        }
        emit(ud, &m);
    }
    mecab_lattice_clear(c->lat); /* drop the pointer to the caller's text */
    return TENYO_OK;
}
