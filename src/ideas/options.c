/*
 * options.c — the options of an ideas query as one table (tenyo.h,
 * tenyo_opt): name, command-line spelling, type, bounds, choices, default
 * and a line of help in English and Japanese. Every surface reads it: the
 * CLI's flags (cli/filters.c), the server's members and the page's form
 * (GET /api/ideas/options serves the table), the Python keywords, and the
 * query itself, which bounds a tenyo_ideas_opts through the same entries
 * before it runs (ty_ideas_opts_check). In the spirit of zstd's
 * ZSTD_CCtx_setParameter / ZSTD_cParam_getBounds: set by name and value,
 * bounds and error text from the table.
 *
 * The error text names the bound, not the option ("must be a number from 0
 * to 1"): each surface puts the name before it in its own spelling
 * (--novelty, novelty) and, where it has it, what was given after it.
 * A stored number left below its minimum (-1, as tenyo_ideas_opts_default
 * sets) means the tuned default; the check lets that through.
 */
#include "stages.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t tenyo_ideas_pool(tenyo_ideas_opts *o, size_t n) {
    if (n > 100) n = 100;
    if (!o || o->show > 0 || o->offset > 0) return n;
    o->show = (int)n;
    return n * TENYO_IDEAS_POOL < 100 ? n * TENYO_IDEAS_POOL : 100;
}

void tenyo_ideas_opts_default(tenyo_ideas_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->distance = TENYO_DIST_CLASS;
    o->mode = TENYO_MODE_HYBRID;
    o->knn = 0;
    o->novelty = -1;          /* default */
    o->field_norm = -1;       /* default */
    o->serendipity_from = -1; /* default */
    o->prior_weight = -1;     /* default */
    o->min_confidence = -1;   /* default */
    o->merge = 1;
    o->min_usable = -1;       /* default */
    o->min_content = -1;      /* default */
}

/* Where a stored entry lives in tenyo_ideas_opts (its C type and offset),
 * and what a value out of its bounds means in a struct a C caller filled
 * (U_BELOW: below the minimum, the tuned default, -1 as
 * tenyo_ideas_opts_default sets; U_ZERO: 0, the tuned count; U_ANY: any
 * int, read as true or false; U_NONE: nothing, it is refused). */
enum { M_NONE, M_DOUBLE, M_INT, M_DISTANCE, M_MODE };
enum { U_NONE, U_BELOW, U_ZERO, U_ANY };
typedef struct entry {
    tenyo_opt d;       /* what every surface reads (first: a tenyo_opt * of
                          the table points at its entry) */
    int mem, unset;    /* M_*, U_* */
    size_t off;        /* offsetof the member in tenyo_ideas_opts */
} entry;
#define AT(m) offsetof(tenyo_ideas_opts, m)

#define S TENYO_OPT_STORED
#define T TENYO_OPT_TUNING
static const entry table[] = {
    {{"home", "--home", TENYO_OPT_CODES, 0, 0, NULL, "", S,
      "home fields, IPC subclasses (default: the patent's own; predicted for text)",
      "自分の分野（IPCサブクラス。既定: 特許自身の分野、文章からは推定）"},
     M_NONE, U_NONE, 0},
    {{"distance", "--distance", TENYO_OPT_CHOICE, 0, 2, "section,class,subclass", "class", S,
      "how far proposals must be from every home field",
      "提案する分野が自分の分野からどれだけ離れているか"},
     M_DISTANCE, U_NONE, AT(distance)},
    {{"n", "-n", TENYO_OPT_INTEGER, 1, 100, NULL, "10", 0,
      "number of proposals", "提案の数"},
     M_NONE, U_NONE, 0},
    {{"offset", "--offset", TENYO_OPT_INTEGER, 0, 1000, NULL, "0", S,
      "cards passed over before the first shown (10: cards 11 on, for more)",
      "先頭から飛ばす提案の数（10 なら 11 件目から。続きを見るとき）"},
     M_INT, U_NONE, AT(offset)},
    {{"open_only", "--open-only", TENYO_OPT_BOOL, 0, 1, NULL, "false", S,
      "evidence only from licensable (open) patents", "根拠を開放特許に限る"},
     M_INT, U_ANY, AT(open_only)},
    {{"lang", "--lang", TENYO_OPT_CHOICE, 0, 1, "ja,en", "ja", 0,
      "language of labels and sentences", "ラベルと文の言語"},
     M_NONE, U_NONE, 0},
    {{"mode", "--mode", TENYO_OPT_CHOICE, 0, 2, "tfidf,lsa,hybrid", "hybrid", S,
      "similarity for the evidence", "根拠の類似度"},
     M_MODE, U_NONE, AT(mode)},
    {{"novelty", "--novelty", TENYO_OPT_NUMBER, 0, 1, NULL, "0.6", S,
      "how far the list leans to fields co-classification alone would not propose",
      "共分類だけでは出ない分野をどれだけ先に出すか"},
     M_DOUBLE, U_BELOW, AT(novelty)},
    {{"min_confidence", "--min-confidence", TENYO_OPT_NUMBER, 0, 1, NULL, "", S,
      "leave out proposals below this confidence, and thin ones",
      "この確信度未満の提案と内容の薄い提案を除く"},
     M_DOUBLE, U_BELOW, AT(min_confidence)},
    {{"min_usable", "--min-usable", TENYO_OPT_NUMBER, 0, 1, NULL, "", S,
      "leave out proposals an analyst would find usable with a lower probability",
      "使える確率がこれ未満の提案を除く"},
     M_DOUBLE, U_BELOW, AT(min_usable)},
    {{"min_content", "--min-content", TENYO_OPT_NUMBER, 0, 1, NULL, "", S,
      "leave out proposals whose specific shared content is below this",
      "共有する固有の内容がこれ未満の提案を除く"},
     M_DOUBLE, U_BELOW, AT(min_content)},
    {{"merge", "--no-merge", TENYO_OPT_BOOL, 0, 1, NULL, "true", S,
      "subclasses proposed on the same evidence are one proposal",
      "同じ根拠の分野を一つの提案にまとめる"},
     M_INT, U_ANY, AT(merge)},
    {{"knn", "--knn", TENYO_OPT_INTEGER, 1, 100000, NULL, "300", S | T,
      "neighbours that vote", "投票する近傍の数"},
     M_INT, U_ZERO, AT(knn)},
    {{"field_norm", "--field-norm", TENYO_OPT_NUMBER, 0, 2, NULL, "0", S | T,
      "votes divided by field size to this power", "票を分野の大きさのこの乗で割る"},
     M_DOUBLE, U_BELOW, AT(field_norm)},
    {{"prior_weight", "--prior-weight", TENYO_OPT_NUMBER, 0, 10, NULL, "0.2", S | T,
      "weight of the co-classification prior", "共分類の事前確率の重み"},
     M_DOUBLE, U_BELOW, AT(prior_weight)},
    {{"serendipity_from", "--serendipity-from", TENYO_OPT_INTEGER, 0, 100, NULL, "", S | T,
      "proposals ranked by confidence alone before unexpected fields come first",
      "意外な分野を先に出す前に確信度だけで並べる提案の数"},
     M_INT, U_BELOW, AT(serendipity_from)},
    {{"strike", "--not", TENYO_OPT_WORDS, 0, 0, NULL, "", TENYO_OPT_STEER,
      "words shared in another sense here: they carry no link for any card",
      "ここでは別の意味で共有されている語（どの提案のつながりにもしない）"},
     M_NONE, U_NONE, 0},
    {{"keep", "--keep", TENYO_OPT_CODES, 0, 0, NULL, "", TENYO_OPT_STEER,
      "fields whose cards come first", "先に示す分野"},
     M_NONE, U_NONE, 0},
    {{"reject", "--reject", TENYO_OPT_CODES, 0, 0, NULL, "", TENYO_OPT_STEER,
      "fields never proposed", "提案しない分野"},
     M_NONE, U_NONE, 0},
    {{"focus", "--focus", TENYO_OPT_WORDS, 0, 0, NULL, "", TENYO_OPT_STEER,
      "the query's sentences that hold the technique (numbers, 2,3 or 2-4): the list "
      "is made from them alone", "技術を述べた文の番号（2,3 や 2-4）。その文だけから一覧を作る"},
     M_NONE, U_NONE, 0},
    {{"focus_text", "--focus-text", TENYO_OPT_WORDS, 0, 0, NULL, "", TENYO_OPT_STEER,
      "the technique in the analyst's words: the list is made from it alone",
      "分析者の言葉で書いた技術。それだけから一覧を作る"},
     M_NONE, U_NONE, 0},
};
#undef S
#undef T
#undef AT
#define NOPTS (sizeof table / sizeof table[0])

size_t tenyo_ideas_opt_count(void) {
    return NOPTS;
}

const tenyo_opt *tenyo_ideas_opt(size_t i) {
    return i < NOPTS ? &table[i].d : NULL;
}

const tenyo_opt *tenyo_ideas_opt_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(table[i].d.name, name) || !strcmp(table[i].d.cli, name)) return &table[i].d;
    return NULL;
}

/* The table's entry of d (a pointer the table gave out). */
static const entry *entry_of(const tenyo_opt *d) {
    return (const entry *)d;
}

/* The choices of d, ", "-separated, into buf. */
static const char *choice_list(const tenyo_opt *d, char *buf, size_t len) {
    size_t at = 0;
    buf[0] = 0;
    for (const char *p = d->choices; *p && at + 3 < len; p++) {
        if (*p == ',') {
            buf[at++] = ',';
            buf[at++] = ' ';
        } else {
            buf[at++] = *p;
        }
    }
    buf[at] = 0;
    return buf;
}

/* The reason a value of d is refused. */
static int refuse(const tenyo_opt *d, char *err, size_t errlen) {
    char c[128];
    switch (d->type) {
    case TENYO_OPT_NUMBER:
        ty_seterr(err, errlen, "must be a number from %g to %g", d->min, d->max);
        break;
    case TENYO_OPT_INTEGER:
        ty_seterr(err, errlen, "must be an integer from %.0f to %.0f", d->min, d->max);
        break;
    case TENYO_OPT_BOOL: ty_seterr(err, errlen, "must be true or false"); break;
    case TENYO_OPT_CHOICE:
        ty_seterr(err, errlen, "must be one of %s", choice_list(d, c, sizeof c));
        break;
    case TENYO_OPT_WORDS: ty_seterr(err, errlen, "must be words (1 to 255 bytes each)"); break;
    default: ty_seterr(err, errlen, "must be IPC subclasses (like A61B)"); break;
    }
    return TENYO_ERR_ARG;
}

static const tenyo_opt *find(const char *name, char *err, size_t errlen) {
    const tenyo_opt *d = tenyo_ideas_opt_find(name);
    if (!d) ty_seterr(err, errlen, "no ideas option '%s'", name ? name : "(null)");
    return d;
}

static int check(const tenyo_opt *d, double v, char *err, size_t errlen) {
    if (d->type == TENYO_OPT_CODES || d->type == TENYO_OPT_WORDS) return refuse(d, err, errlen);
    if (!isfinite(v) || v < d->min || v > d->max) return refuse(d, err, errlen);
    if (d->type != TENYO_OPT_NUMBER && v != floor(v)) return refuse(d, err, errlen);
    return TENYO_OK;
}

int tenyo_ideas_opt_check(const char *name, double v, char *err, size_t errlen) {
    const tenyo_opt *d = find(name, err, errlen);
    return d ? check(d, v, err, errlen) : TENYO_ERR_ARG;
}

/* text as option d's value: 0 with *v, or -1. */
static int read_value(const tenyo_opt *d, const char *text, double *v) {
    if (d->type == TENYO_OPT_CHOICE) {
        size_t i = 0, n = strlen(text);
        for (const char *p = d->choices; *p; i++) {
            size_t l = strcspn(p, ",");
            if (l == n && n && !memcmp(p, text, n)) {
                *v = (double)i;
                return 0;
            }
            p += l + (p[l] == ',');
        }
        return -1;
    }
    if (d->type == TENYO_OPT_BOOL) {
        int t = !strcmp(text, "true") || !strcmp(text, "1");
        if (!t && strcmp(text, "false") && strcmp(text, "0")) return -1;
        *v = t;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    if (d->type == TENYO_OPT_INTEGER) {
        long l = strtol(text, &end, 10);
        *v = (double)l;
    } else {
        *v = strtod(text, &end);
    }
    return end == text || *end || errno ? -1 : 0;
}

int tenyo_ideas_opt_parse(const char *name, const char *text, double *v, char *err,
                          size_t errlen) {
    const tenyo_opt *d = find(name, err, errlen);
    if (!d) return TENYO_ERR_ARG;
    if (!text || !v || d->type == TENYO_OPT_CODES || d->type == TENYO_OPT_WORDS ||
        read_value(d, text, v))
        return refuse(d, err, errlen);
    return check(d, *v, err, errlen);
}

/* Member e of o set to v (bounded already). */
static void store(tenyo_ideas_opts *o, const entry *e, double v) {
    char *p = (char *)o + e->off;
    switch (e->mem) {
    case M_DOUBLE: *(double *)p = v; break;
    case M_INT: *(int *)p = (int)v; break;
    case M_DISTANCE: *(tenyo_distance *)p = (tenyo_distance)(int)v; break;
    default: *(tenyo_mode *)p = (tenyo_mode)(int)v; break; /* choices in enum order */
    }
}

/* Member e of o as a value of its entry. */
static double load(const tenyo_ideas_opts *o, const entry *e) {
    const char *p = (const char *)o + e->off;
    switch (e->mem) {
    case M_DOUBLE: return *(const double *)p;
    case M_INT: return *(const int *)p;
    case M_DISTANCE: return *(const tenyo_distance *)p;
    default: return *(const tenyo_mode *)p;
    }
}

int tenyo_ideas_opts_set(tenyo_ideas_opts *o, const char *name, double v, char *err,
                         size_t errlen) {
    const tenyo_opt *d = find(name, err, errlen);
    if (!d) return TENYO_ERR_ARG;
    const entry *e = entry_of(d);
    if (!o || e->mem == M_NONE) {
        ty_seterr(err, errlen, "%s is not set by value (%s)", d->name,
                  d->type == TENYO_OPT_CODES ? "tenyo_ideas_home_split" : "the caller's");
        return TENYO_ERR_ARG;
    }
    int rc = check(d, v, err, errlen);
    if (!rc) store(o, e, v);
    return rc;
}

int ty_ideas_home_ok(const char *c) {
    if (!c || strlen(c) != 4) return 0;
    char a = (char)(c[0] & ~0x20), d = (char)(c[3] & ~0x20);
    return a >= 'A' && a <= 'H' && c[1] >= '0' && c[1] <= '9' && c[2] >= '0' &&
           c[2] <= '9' && d >= 'A' && d <= 'Z';
}

int tenyo_ideas_home_split(char *buf, const char **homes, size_t cap, char *err,
                           size_t errlen) {
    if (!buf || (cap && !homes)) return TENYO_ERR_ARG;
    char *save = NULL;
    size_t n = 0;
    for (char *p = strtok_r(buf, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
        if (n == cap) {
            ty_seterr(err, errlen, "too many home fields (at most %zu)", cap);
            return TENYO_ERR_LIMIT;
        }
        if (!ty_ideas_home_ok(p)) {
            ty_seterr(err, errlen, "home field '%.32s' is not an IPC subclass (like A61B)", p);
            return TENYO_ERR_ARG;
        }
        homes[n++] = p;
    }
    return (int)n;
}

int ty_ideas_opts_check(const tenyo_ideas_opts *o, char *err, size_t errlen) {
    for (size_t i = 0; i < NOPTS; i++) {
        const entry *e = &table[i];
        if (e->mem == M_NONE || e->unset == U_ANY) continue;
        double v = load(o, e);
        if ((e->unset == U_BELOW && v < e->d.min) || (e->unset == U_ZERO && v == 0) ||
            check(&e->d, v, NULL, 0) == TENYO_OK)
            continue;
        char why[128];
        refuse(&e->d, why, sizeof why);
        ty_seterr(err, errlen, "ideas option %s %s%s", e->d.name, why,
                  e->unset == U_ZERO ? " (or 0: tuned)" : "");
        return TENYO_ERR_ARG;
    }
    return TENYO_OK;
}
