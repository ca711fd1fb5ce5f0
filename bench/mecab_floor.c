/*
 * mecab_floor.c — the floor of an index build from raw text: MeCab alone
 * over the text `tenyo index` tokenizes, on every core, timed. The build
 * cannot be faster than this (every other step could overlap it, none can
 * remove it); bench/raw_build.sh divides the build's wall time by it.
 *
 *   build/bench/mecab_floor FILE... [-t THREADS] [-r RUNS] [--json]
 *
 * Text: the records read with the library's reader (tenyo_reader_*, the
 * formats and charsets `tenyo index` reads), each one's text to index
 * made as the builder makes it (title, abstract and claims, one newline
 * between; the description only when there is neither abstract nor
 * claims), then normalised as the tokenizer does (the library's ICU
 * NFKC + case folding, ty_icu_normalize, and the gazette's short 【...】
 * headings blanked), all before any clock starts. MeCab then sees the
 * same characters as inside `tenyo index`.
 *
 * MeCab the way the tokenizer's adapter calls it (src/text/mecab.c): one
 * mecab_model_t of /var/lib/mecab/dic/ipadic-utf8 (MeCab's default when
 * that is not installed) with /dev/null as its resource file, and per
 * thread a tagger and a lattice of it; mecab_lattice_set_sentence2 and
 * mecab_parse_lattice over each document in pieces of at most 16 KiB cut
 * after 。 or a newline (as the tokenizer cuts), and a walk of the best
 * path counting morphemes. Threads take documents from an atomic counter.
 * Nothing is done with a morpheme beyond counting it: what is timed is
 * the dictionary lookups and the Viterbi search that every MeCab user
 * pays. Two things make this floor a little higher than MeCab's share of
 * the build, never lower: runs of Latin text between spaces, which the
 * tokenizer gives to ICU's word break instead, go through MeCab here;
 * and each run's first piece is timed however short.
 *
 * Output: per round "round R: mecab S s (N morphemes, MB/s)"; at the end
 * the median and range of the rounds, the normalisation's time (one
 * untimed-for-the-floor pass, all cores, reported for reference), and
 * with --json one JSON line (bench "mecab_floor"). Input with no record
 * (an empty file) exits 2 saying so: there is nothing to time.
 *
 * Design choice: a bench program rather than a mode of `tenyo bench`: the
 * floor calls libmecab directly, which the command-line program (the
 * public header only) never does, and bench/raw_build.sh puts it beside
 * `tenyo index` and the Python pipeline in one run. Rejected: timing the
 * `mecab` program (its output formatting and pipe are not the build's
 * work) and tok_bench's corpus (not the text the build reads).
 */
#include "api/api.h"
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <mecab.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FL_MAX_THREADS 256
#define FL_MAX_RUNS 31
/* Pieces handed to MeCab, as the tokenizer cuts (TK_PIECE). */
#define FL_PIECE (16 * 1024)
/* Longest 【...】 heading blanked (the tokenizer's TK_HEADING_MAX). */
#define FL_IPADIC "/var/lib/mecab/dic/ipadic-utf8"

/* The documents' texts, one after another, each NUL-terminated. */
typedef struct texts {
    ty_buf arena;        /* the bytes */
    size_t *off, *len;   /* start and bytes of document i */
    size_t n, cap;       /* documents / allocated */
} texts;

/* The shared state of one timed pass. */
typedef struct pass {
    const texts *tx;
    mecab_model_t *model;
    mecab_t *tagger[FL_MAX_THREADS];
    mecab_lattice_t *lat[FL_MAX_THREADS];
    ty_icu *icu[FL_MAX_THREADS];
    ty_buf norm[FL_MAX_THREADS];
    char **copy;         /* normalising: document i's normalised text goes to
                            copy[i], its bytes to clen[i] (NULL: MeCab) */
    size_t *clen;
    atomic_size_t next;
    atomic_ulong morphs;
    atomic_int failed;
} pass;

typedef struct worker { pass *p; int t; } worker;

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "mecab_floor: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static void texts_add(texts *t, const char *s, size_t n) {
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->off = realloc(t->off, t->cap * sizeof *t->off);
        t->len = realloc(t->len, t->cap * sizeof *t->len);
        if (!t->off || !t->len) die("%s", "out of memory");
    }
    t->off[t->n] = t->arena.len;
    t->len[t->n] = n;
    if (ty_buf_append(&t->arena, s, n) || ty_buf_putc(&t->arena, 0)) die("%s", "out of memory");
    t->n++;
}

/* The text the builder indexes of d (builder.c, add_at). */
static void doc_text(const tenyo_doc *d, ty_buf *t) {
    const char *part[3] = {d->title, d->abstract, d->claims};
    t->len = 0;
    for (int i = 0; i < 3; i++)
        if (part[i] && *part[i] && (ty_buf_append(t, "\n", t->len ? 1 : 0) ||
                                    ty_buf_append(t, part[i], strlen(part[i]))))
            die("%s", "out of memory");
    if (!*d->abstract && !*d->claims && *d->description &&
        (ty_buf_append(t, "\n", t->len ? 1 : 0) ||
         ty_buf_append(t, d->description, strlen(d->description))))
        die("%s", "out of memory");
}

static void read_file(const char *path, texts *raw) {
    tenyo_reader *r = NULL;
    char err[512];
    if (tenyo_reader_open(path, NULL, &r, err, sizeof err)) {
        /* the reader's advice names tenyo's --format, which this program
         * has not: it reads what the reader detects by itself */
        char *adv = strstr(err, "; name the format");
        if (adv) snprintf(adv, sizeof err - (size_t)(adv - err), "; mecab_floor reads the "
                          "formats tenyo index detects by itself");
        die("%s", err);
    }
    const tenyo_doc *d;
    ty_buf t = {0};
    int rc;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        doc_text(d, &t);
        texts_add(raw, t.p ? t.p : "", t.len);
    }
    if (rc < 0) die("%s", tenyo_reader_error(r));
    ty_buf_free(&t);
    tenyo_reader_free(r);
}


/* Length of the next piece of s[0..n): after the last 。 or newline in
 * the first FL_PIECE bytes, else at a character start. */
static size_t piece(const char *s, size_t n) {
    if (n <= FL_PIECE) return n;
    for (size_t i = FL_PIECE; i > FL_PIECE / 4; i--)
        if (s[i - 1] == '\n' || (i >= 3 && memcmp(s + i - 3, "\xE3\x80\x82", 3) == 0)) return i;
    size_t i = FL_PIECE;
    while (i > 1 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    return i;
}

static unsigned long mecab_doc(pass *p, int t, const char *s, size_t n) {
    unsigned long m = 0;
    while (n) {
        size_t k = piece(s, n);
        mecab_lattice_set_sentence2(p->lat[t], s, k);
        if (!mecab_parse_lattice(p->tagger[t], p->lat[t])) {
            atomic_store(&p->failed, 1);
            return m;
        }
        for (const mecab_node_t *x = mecab_lattice_get_bos_node(p->lat[t]); x; x = x->next)
            if (x->stat != MECAB_BOS_NODE && x->stat != MECAB_EOS_NODE && x->length) m++;
        mecab_lattice_clear(p->lat[t]);
        s += k;
        n -= k;
    }
    return m;
}

static void *run_worker(void *arg) {
    worker *w = arg;
    pass *p = w->p;
    unsigned long m = 0;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->tx->n) break;
        const char *s = p->tx->arena.p + p->tx->off[i];
        if (p->copy) {
            ty_buf *nb = &p->norm[w->t];
            if (ty_icu_normalize(p->icu[w->t], s, p->tx->len[i], nb)) {
                atomic_store(&p->failed, 1);
                break;
            }
            char *copy = malloc(nb->len + 1);
            if (!copy) { atomic_store(&p->failed, 1); break; }
            memcpy(copy, nb->p ? nb->p : "", nb->len);
            copy[nb->len] = 0;
            ty_text_blank_headings(copy, nb->len);
            p->copy[i] = copy;
            p->clen[i] = nb->len;
        } else {
            m += mecab_doc(p, w->t, s, p->tx->len[i]);
        }
    }
    atomic_fetch_add(&p->morphs, m);
    return NULL;
}

/* One pass over tx on nt threads; seconds of wall time. */
static double run_pass(pass *p, int nt) {
    pthread_t th[FL_MAX_THREADS];
    worker w[FL_MAX_THREADS];
    atomic_store(&p->next, 0);
    atomic_store(&p->morphs, 0);
    double t0 = now();
    for (int t = 0; t < nt; t++) {
        w[t] = (worker){p, t};
        if (pthread_create(&th[t], NULL, run_worker, &w[t])) die("%s", "cannot start a thread");
    }
    for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);
    double s = now() - t0;
    if (atomic_load(&p->failed)) die("%s", p->copy ? "ICU cannot normalise a text" : "MeCab cannot parse a text");
    return s;
}

/* Normalise raw into norm on nt threads (the copies then packed in order). */
static double normalise(pass *p, const texts *raw, texts *norm, int nt) {
    p->copy = calloc(raw->n ? raw->n : 1, sizeof *p->copy);
    p->clen = calloc(raw->n ? raw->n : 1, sizeof *p->clen);
    if (!p->copy || !p->clen) die("%s", "out of memory");
    for (int t = 0; t < nt; t++) {
        char err[256];
        if (ty_icu_new(&p->icu[t], err, sizeof err)) die("%s", err);
    }
    p->tx = raw;
    double s = run_pass(p, nt);
    for (size_t i = 0; i < raw->n; i++) {
        texts_add(norm, p->copy[i], p->clen[i]);
        free(p->copy[i]);
    }
    for (int t = 0; t < nt; t++) ty_icu_free(p->icu[t]), ty_buf_free(&p->norm[t]);
    free(p->copy);
    free(p->clen);
    p->copy = NULL;
    p->clen = NULL;
    return s;
}

static long num_arg(const char *opt, const char *v, long lo, long hi) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "mecab_floor: %s wants a whole number from %ld to %ld, not '%s'\n", opt,
                lo, hi, v);
        exit(2);
    }
    return x;
}

static const char *usage =
    "usage: mecab_floor FILE... [-t THREADS] [-r RUNS] [--json]\n"
    "MeCab alone over the text `tenyo index FILE...` tokenizes (normalised the same\n"
    "way first, untimed), on THREADS threads (default: every core), RUNS rounds\n"
    "(default 3): the floor of an index build from raw text.\n";

int main(int argc, char **argv) {
    static const struct option lo[] = {{"threads", 1, 0, 't'}, {"runs", 1, 0, 'r'},
                                       {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int nt = ty_ncores(), runs = 3, json = 0, c;
    while ((c = getopt_long(argc, argv, "t:r:h", lo, NULL)) != -1) {
        if (c == 't') nt = (int)num_arg("--threads", optarg, 1, FL_MAX_THREADS);
        else if (c == 'r') runs = (int)num_arg("--runs", optarg, 1, FL_MAX_RUNS);
        else if (c == 'j') json = 1;
        else if (c == 'h') { fputs(usage, stdout); return 0; }
        else { fputs(usage, stderr); return 2; }
    }
    if (optind >= argc) { fputs(usage, stderr); return 2; }
    texts raw = {0}, norm = {0};
    double tr = now();
    for (int i = optind; i < argc; i++) read_file(argv[i], &raw);
    tr = now() - tr;
    if (!raw.n) { /* nothing to time: a floor of 0 documents would say 0.00 MB/s */
        fprintf(stderr, "mecab_floor: no records in %s%s\n", argv[optind],
                argc - optind > 1 ? " and the other files" : "");
        return 2;
    }
    pass *p = calloc(1, sizeof *p);
    if (!p) die("%s", "out of memory");
    double tn = normalise(p, &raw, &norm, nt);
    char *mv[] = {"mecab", "-d", FL_IPADIC, "-r", "/dev/null", NULL};
    p->model = access(FL_IPADIC "/sys.dic", R_OK) == 0 ? mecab_model_new(5, mv)
                                                       : mecab_model_new(1, mv);
    if (!p->model) die("cannot load the MeCab dictionary: %s", mecab_strerror(NULL));
    for (int t = 0; t < nt; t++) {
        p->tagger[t] = mecab_model_new_tagger(p->model);
        p->lat[t] = mecab_model_new_lattice(p->model);
        if (!p->tagger[t] || !p->lat[t]) die("%s", "cannot make a MeCab tagger");
    }
    p->tx = &norm;
    double sec[FL_MAX_RUNS], lo_s = 1e300, hi_s = 0;
    for (int r = 0; r < runs; r++) {
        sec[r] = run_pass(p, nt);
        lo_s = sec[r] < lo_s ? sec[r] : lo_s;
        hi_s = sec[r] > hi_s ? sec[r] : hi_s;
        printf("round %d: mecab %.3f s (%lu morphemes, %.2f MB/s)\n", r + 1, sec[r],
               (unsigned long)atomic_load(&p->morphs), norm.arena.len / 1e6 / sec[r]);
        fflush(stdout);
    }
    double med = median(sec, runs);
    printf("mecab floor: median %.3f s (range %.3f-%.3f) over %zu documents, %.1f MB normalised, "
           "%d threads; reading %.3f s and normalising %.3f s before (not in the floor)\n",
           med, lo_s, hi_s, norm.n, norm.arena.len / 1e6, nt, tr, tn);
    if (json)
        printf("{\"bench\": \"mecab_floor\", \"docs\": %zu, \"bytes\": %zu, \"threads\": %d, "
               "\"runs\": %d, \"sec_median\": %.4f, \"sec_min\": %.4f, \"sec_max\": %.4f, "
               "\"morphemes\": %lu, \"sec_read\": %.4f, \"sec_normalise\": %.4f, "
               "\"dictionary\": \"%s\"}\n",
               norm.n, norm.arena.len, nt, runs, med, lo_s, hi_s,
               (unsigned long)atomic_load(&p->morphs), tr, tn,
               mecab_dictionary_info(p->tagger[0])->filename);
    for (int t = 0; t < nt; t++) mecab_lattice_destroy(p->lat[t]), mecab_destroy(p->tagger[t]);
    mecab_model_destroy(p->model);
    ty_buf_free(&raw.arena), ty_buf_free(&norm.arena);
    free(raw.off), free(raw.len), free(norm.off), free(norm.len), free(p);
    return 0;
}
