/*
 * tenyo.c — the command-line program. Uses only include/tenyo.h (plus
 * jansson to print JSON, so that escaping is never hand-written).
 *
 *   tenyo index -o INDEX [options] FILE...     build an index
 *   tenyo similar INDEX (ID | --text T | --file F) [-k N] [--mode M] [--json]
 *   tenyo search INDEX QUERY [-k N] [--json]   keyword search (TF-IDF)
 *   tenyo info INDEX [--json]
 *   tenyo add INDEX FILE...                    add documents (a new segment)
 *   tenyo delete INDEX ID...                   delete documents
 *   tenyo rebuild INDEX                        refit over the live documents
 *   tenyo check INDEX [--repair]               verify every file; keep what is readable
 *   tenyo eval [options] FILE...               Protocol S of EVAL.md
 *   tenyo tokens [--text T | --file F]         show the terms of a text
 *
 * Exit codes (stable, documented in README and --help):
 *   0 ok, 1 usage error, 2 input error (unreadable or malformed input file,
 *   bad record under --strict, unknown patent id, query without known terms),
 *   3 index error (missing, damaged, newer format, tokenizer mismatch),
 *   4 resource or dependency error (memory, MeCab dictionary, writing).
 *
 * Options and messages go through opts.c: every value range-checked, one
 * "tenyo COMMAND: " prefix, a one-line usage and "see 'tenyo COMMAND
 * --help'" on a usage error, "did you mean" for commands and options; a
 * FILE argument may be "-" (standard input).
 *
 * Human output is for a Japanese analyst reading a terminal: rank, score,
 * id, fields, then the title last; cells padded by display width (term.c:
 * East Asian Wide counts 2) and the title cut to the terminal. --json
 * prints one object per result set, titles whole. Ids, titles and labels
 * come from untrusted records: text output passes them through cli_safe
 * (control characters escaped; term.c's cells do so themselves), CSV
 * through the formula rule.
 */
#include "tenyo.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ============================================================ helpers */

/* Exit code for a library status (opening an input or index file is
 * mapped by the caller: any failure there is an input / index error). */
int cli_exit_code(int status) {
    switch (status) {
    case TENYO_OK: return EXIT_OK;
    case TENYO_ERR_ARG: return EXIT_USAGE;
    case TENYO_ERR_INPUT: case TENYO_ERR_NOTFOUND: case TENYO_ERR_EMPTY:
    case TENYO_ERR_LIMIT:
        return EXIT_INPUT;
    case TENYO_ERR_CORRUPT: case TENYO_ERR_VERSION: case TENYO_ERR_MISMATCH:
        return EXIT_INDEX;
    default: return EXIT_RESOURCE;
    }
}

/* Read a whole query file (at most 64 MiB) and decode it to UTF-8 with
 * charset detection; NULL with a message on failure. */
char *cli_slurp(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_err("%s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    while (p) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        if (cap >= ((size_t)64 << 20)) {
            cli_err("%s: query file larger than 64 MiB\n", path);
            free(p);
            p = NULL;
            break;
        }
        cap *= 2;
        char *q = realloc(p, cap + 1);
        if (!q) { free(p); p = NULL; }
        else p = q;
    }
    if (f != stdin) fclose(f);
    if (!p) return NULL;
    p[n] = 0;
    /* query files may be Shift_JIS / EUC-JP: decode like input files */
    char *u = NULL, used[64] = "", err[512] = "";
    int rc = tenyo_text_to_utf8(p, n, NULL, &u, len, used, sizeof used, err,
                                sizeof err);
    free(p);
    if (rc) {
        cli_err("%s: %s\n", path, err);
        return NULL;
    }
    return u;
}

/* ========================================================= patent ids */

int cli_resolve_id(const tenyo_index *x, const char *typed, int64_t *doc, char *msg,
                   size_t cap) {
    uint64_t sug[CLI_SUGGEST];
    size_t ns = 0;
    int how = tenyo_index_resolve(x, typed, doc, sug, CLI_SUGGEST, &ns);
    tenyo_doc_meta m;
    if (how >= 0) {
        tenyo_index_doc(x, (uint64_t)*doc, &m);
        snprintf(msg, cap, "%s", m.id);
        return how;
    }
    if (how != TENYO_ERR_NOTFOUND) {
        snprintf(msg, cap, "looking up '%s': %s", typed, tenyo_strerror(how));
        return how;
    }
    int o = snprintf(msg, cap, "no patent '%s' in the index", typed);
    for (size_t i = 0; i < ns && o > 0 && (size_t)o < cap; i++) {
        tenyo_index_doc(x, sug[i], &m);
        o += snprintf(msg + o, cap - (size_t)o, "%s%s", i ? ", " : "; did you mean ", m.id);
    }
    if (ns && o > 0 && (size_t)o < cap) snprintf(msg + o, cap - (size_t)o, "?");
    return how;
}

json_t *cli_resolve_json(const tenyo_index *x, const char *typed, int *status) {
    uint64_t sug[CLI_SUGGEST];
    size_t ns = 0;
    int64_t doc = -1;
    char key[256];
    int shaped = tenyo_patno_key(typed, key, sizeof key);
    int how = tenyo_index_resolve(x, typed, &doc, sug, CLI_SUGGEST, &ns);
    *status = how;
    if (how < 0 && how != TENYO_ERR_NOTFOUND) return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "query", json_string(typed));
    /* the page's rule: an indexed id, else a number (mistyped), else text */
    json_object_set_new(o, "kind", json_string(how > 0 ? "id" : shaped == 1 ? "number"
                                                                            : "text"));
    json_object_set_new(o, "match", how == TENYO_ID_EXACT        ? json_string("exact")
                                    : how == TENYO_ID_NORMALISED ? json_string("normalised")
                                                                 : json_null());
    json_object_set_new(o, "key", shaped >= 0 ? json_string(key) : json_null());
    json_object_set_new(o, "id", how > 0 ? cli_doc_json(x, (uint64_t)doc) : json_null());
    json_t *a = json_array();
    for (size_t i = 0; i < ns; i++) json_array_append_new(a, cli_doc_json(x, sug[i]));
    json_object_set_new(o, "suggestions", a);
    return o;
}

int cli_resolve_query(const tenyo_index *x, const char *path, const char *id,
                      const char *file, const char **text, size_t *len,
                      char **buf, int64_t *doc) {
    *doc = -1;
    *len = 0;
    if (id) {
        char msg[1024];
        int how = cli_resolve_id(x, id, doc, msg, sizeof msg);
        if (how < 0) {
            cli_err("%s: %s\n", path, msg);
            return how == TENYO_ERR_NOTFOUND ? EXIT_INPUT : cli_exit_code(how);
        }
        if (how == TENYO_ID_NORMALISED) cli_err("'%s' read as %s\n", id, msg);
        return EXIT_OK;
    }
    if (file) {
        *buf = cli_slurp(file, len);
        if (!*buf) return EXIT_INPUT;
        *text = *buf;
    } else {
        *len = strlen(*text);
    }
    return EXIT_OK;
}

void cli_print_hits(const tenyo_index *x, const tenyo_hit *hits, int n) {
    /* id and fields columns as wide as their widest cell (at least 18 and
     * 16), by display width; the title gets what the terminal has left */
    size_t wid = 18, wf = 16;
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, hits[i].doc, &dm);
        size_t a = cli_width(dm.id), b = cli_width(dm.fields);
        if (a > wid) wid = a;
        if (b > wf) wf = b;
    }
    int cols = cli_term_cols();
    printf("%4s  %6s  ", "rank", "score");
    cli_pad("id", wid + 1);
    cli_pad("fields", wf + 1);
    printf("title\n");
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, hits[i].doc, &dm);
        printf("%4d  %6.3f  ", i + 1, (double)hits[i].score);
        cli_pad(dm.id, wid + 1);
        cli_pad(dm.fields[0] ? dm.fields : "-", wf + 1);
        cli_cut(dm.title,
                cli_room(cols, (long)(4 + 2 + 6 + 2 + wid + 1 + wf + 1) + (dm.open ? 8 : 0)));
        printf("%s\n", dm.open ? "  [open]" : "");
    }
}

int cli_parse_mode(const char *s, tenyo_mode *mode) {
    if (strcmp(s, "tfidf") == 0) *mode = TENYO_MODE_TFIDF;
    else if (strcmp(s, "lsa") == 0) *mode = TENYO_MODE_LSA;
    else if (strcmp(s, "hybrid") == 0) *mode = TENYO_MODE_HYBRID;
    else return -1;
    return 0;
}

const char *cli_mode_name(tenyo_mode m) {
    return m == TENYO_MODE_TFIDF ? "tfidf" : m == TENYO_MODE_LSA ? "lsa" : "hybrid";
}

/* Comma-separated string -> JSON array of strings. */
json_t *cli_json_list(const char *csv) {
    json_t *a = json_array();
    const char *p = csv;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (e ? 1 : 0);
    }
    return a;
}

void cli_print_json(json_t *j) {
    char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

static int is_tty_stderr(void) { return isatty(2); }

/* ============================================================== index */

typedef struct report_state {
    long shown;        /* messages printed */
    long total;        /* messages received */
} report_state;

#define MAX_REPORTS 30

static void on_report(void *ud, const char *file, long line, const char *msg) {
    report_state *r = ud;
    r->total++;
    if (r->shown < MAX_REPORTS) {
        cli_err("%s:%ld: %s\n", file, line, msg);
        r->shown++;
        if (r->shown == MAX_REPORTS)
            cli_err("further record messages are not shown\n");
    }
}

/* Progress on a terminal: one line per stage, redrawn at most 10 times a
 * second, ended by a newline when the stage is done.
 *
 *   read      [#######.............] 3.0/8.8 MiB  4160 read  2112 tokenized  1300 rec/s  ETA 0:04
 *   tokenize  [##################..] 8192/8861  92%  410/s  ETA 0:01
 *   svd       [########............] 4/11  36%  3.1/s  ETA 0:02
 *
 * While files are read the builder tokenizes each batch of records as it
 * fills, and the reader waits: so the read line is the only line shown, it
 * counts records read and records tokenized (the "tokenize" reports the
 * builder makes meanwhile), and it moves while a batch is tokenized. Its
 * bar, rate and ETA are by tokenized records (the slow part): the total is
 * extrapolated from the share of the file's bytes read (a pipe, of unknown
 * size, shows counts and rate alone). A later stage's rate and ETA are
 * measured from its own first report: a stage that starts part done (the
 * last batch starts where reading left off) shows the rate of what it
 * does, not one diluted by the work before it, and "--" until half a
 * second has passed. Rejected: one bar for the whole build (the SVD's share
 * of the time varies too much with rank and corpus to weigh the stages). */
typedef struct progress_state {
    char stage[16];    /* stage being shown */
    double t0;         /* when it started (its first report) */
    uint64_t done0;    /* done at that first report */
    double last;       /* last redraw */
    int reading;       /* input files are being read: the read line is the
                          only one shown */
    uint64_t records;  /* records read so far (all files) */
    uint64_t tokenized;/* of those, tokenized (the builder's reports) */
    uint64_t bytes, bytes_total; /* of the file being read (total 0: a pipe) */
} progress_state;

/* Peak resident memory of this process (getrusage), MiB. */
static double peak_mib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "m:ss" of seconds into out. */
static void fmt_eta(char *out, size_t n, double sec) {
    if (sec >= 0 && sec < 360000) snprintf(out, n, "%d:%02d", (int)sec / 60, (int)sec % 60);
    else snprintf(out, n, "--");
}

/* The read line (see progress_state). */
static void draw_read(progress_state *p, double el, int end) {
    double rate = el >= 0.5 ? (double)p->tokenized / el : 0;
    if (!p->bytes_total) {
        fprintf(stderr, "\r%-9s %.1f MiB  %llu read  %llu tokenized  %.0f rec/s   ", "read",
                p->bytes / 1048576.0, (unsigned long long)p->records,
                (unsigned long long)p->tokenized, rate);
        return;
    }
    /* records in the file(s), extrapolated from the bytes read */
    double est = p->bytes ? (double)p->records * (double)p->bytes_total / (double)p->bytes : 0;
    if (est < (double)p->records) est = (double)p->records;
    double frac = est > 0 ? (double)p->tokenized / est : 0;
    if (frac > 1) frac = 1;
    char bar[21], eta_s[16] = "--";
    for (int i = 0; i < 20; i++) bar[i] = i < (int)(20 * frac) ? '#' : '.';
    bar[20] = 0;
    if (rate > 0) fmt_eta(eta_s, sizeof eta_s, (est - (double)p->tokenized) / rate);
    fprintf(stderr, "\r%-9s [%s] %.1f/%.1f MiB  %llu read  %llu tokenized  %.0f rec/s  ETA %s   ",
            "read", bar, p->bytes / 1048576.0, p->bytes_total / 1048576.0,
            (unsigned long long)p->records, (unsigned long long)p->tokenized, rate,
            eta_s);
}

static void on_progress(void *ud, const char *stage, uint64_t done,
                        uint64_t total) {
    progress_state *p = ud;
    if (!is_tty_stderr() || !p) return;
    double t = mono_now();
    int reading = !strcmp(stage, "read");
    if (p->reading || reading) {
        /* the read line: "read" gives bytes, "tokenize" the records done */
        if (reading) {
            p->bytes = done;
            p->bytes_total = total;
        } else if (!strcmp(stage, "tokenize")) {
            p->tokenized = done;
        } else {
            return;
        }
        if (strcmp(p->stage, "read")) {
            snprintf(p->stage, sizeof p->stage, "read");
            p->t0 = t;
            p->last = 0;
        }
        int end = reading && !p->reading;
        if (!end && t - p->last < 0.1) return;
        p->last = t;
        draw_read(p, t - p->t0, end);
        if (end) fputc('\n', stderr);
        return;
    }
    if (strncmp(p->stage, stage, sizeof p->stage - 1)) {
        snprintf(p->stage, sizeof p->stage, "%s", stage);
        p->t0 = t;
        p->done0 = done;
        p->last = 0;
    }
    int end = total && done >= total;
    if (!end && t - p->last < 0.1) return;
    p->last = t;
    double el = t - p->t0;
    if (total > 1) {
        char bar[21], eta_s[16] = "--", rate_s[32] = "--/s";
        int fill = (int)(20.0 * (double)done / (double)total);
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        double rate = el > 0 ? (double)(done - p->done0) / el : 0;
        if (el >= 0.5) {
            snprintf(rate_s, sizeof rate_s, "%.*f/s", rate < 10 ? 1 : 0, rate);
            if (rate > 0) fmt_eta(eta_s, sizeof eta_s, (double)(total - done) / rate);
        }
        fprintf(stderr, "\r%-9s [%s] %llu/%llu %3.0f%%  %s  ETA %s   ", stage, bar,
                (unsigned long long)done, (unsigned long long)total,
                100.0 * (double)done / (double)total, rate_s, end ? "0:00" : eta_s);
    } else {
        fprintf(stderr, "\r%-9s %s  %.1f s            ", stage, done ? "done" : "...", el);
    }
    if (end) fputc('\n', stderr);
}

static const char *index_usage =
    "usage: tenyo index -o INDEX [options] FILE...\n"
    "Build an index from patent records (JSONL, J-PlatPat CSV, JPO gazette XML).\n"
    "  -o, --output INDEX       index file to write (replaced atomically; an existing\n"
    "                           file must be a tenyo index, and no other writer may be\n"
    "                           at work on it; through a symbolic link, its target)\n"
    "      --force              replace a regular file that is not a tenyo index\n"
    "  -f, --format F           auto|jsonl|jplatpat|jpo-xml (default auto)\n"
    "  -e, --encoding E         input charset (default: detect UTF-8/Shift_JIS/EUC-JP)\n"
    "      --strict             any bad record is fatal (exit 2)\n"
    "  -d, --dim K              LSA rank (default 256, fewer for small corpora)\n"
    "  -t, --threads N          tokenizer/SVD threads (default: all cores)\n"
    "      --min-df N           drop terms in fewer documents (default 2)\n"
    "      --max-df R           drop terms in a larger share of documents (default 0.5)\n"
    "      --seed S             SVD seed (default fixed)\n"
    "      --power-iters N      randomized SVD power iterations (default 4)\n"
    "      --oversample N       randomized SVD oversampling (default 16)\n"
    "      --max-terms N        keep only the N highest-weighted terms of each document\n"
    "                           (static pruning: a smaller index; default all)\n"
    "      --no-abstracts       do not keep the records' abstracts (kept by default for\n"
    "                           the evidence and the why of ideas; info shows their cost)\n"
    "      --shards N           write a sharded index: N shards of contiguous documents\n"
    "                           beside a manifest at -o (what tenyo-mpi writes; every\n"
    "                           command reads it; add, delete, rebuild refuse it)\n"
    "      --dicdir DIR         MeCab dictionary (default: system ipadic-utf8)\n"
    "      --no-parts           do not keep the parts of compound nouns\n"
    "      --stem               English stemming, Snowball English (the default)\n"
    "      --no-stem            no English stemming\n"
    "      --ivf[=LISTS]        also build approximate-search lists (IVF; default\n"
    "                           4 sqrt(documents) lists) for `similar --nprobe`\n"
    "      --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) whose titles\n"
    "                           are recorded in the index for field labels (repeatable)\n"
    "      --open-list FILE     licensable patents: numbers one per line or a CSV\n"
    "                           with a number column (see 'tenyo open --help')\n"
    "      --open-column C      the number column of --open-list (header or 1-based)\n"
    "  -q, --quiet              no per-record messages\n"
    "A repeated id replaces the earlier record (counted as a duplicate).\n";

int cli_parse_format(const char *s, tenyo_format *f) {
    if (strcmp(s, "auto") == 0) *f = TENYO_FORMAT_AUTO;
    else if (strcmp(s, "jsonl") == 0) *f = TENYO_FORMAT_JSONL;
    else if (strcmp(s, "jplatpat") == 0) *f = TENYO_FORMAT_JPLATPAT;
    else if (strcmp(s, "jpo-xml") == 0) *f = TENYO_FORMAT_JPO_XML;
    else return -1;
    return 0;
}

static int builder_add(void *ud, const tenyo_doc *d) { return tenyo_builder_add(ud, d); }
static const char *builder_error(void *ud) { return tenyo_builder_error(ud); }

cli_sink cli_sink_builder(tenyo_builder *b) {
    cli_sink s = {builder_add, builder_error, b, NULL, NULL};
    return s;
}

/* Read FILEs into sink; returns an exit code (0 ok). Skips records
 * rejected by the split filter keep(ud, id) when given. */
int cli_read_inputs(const cli_sink *sink, char **files, int nfiles,
                    const tenyo_read_opts *ro_in, int quiet,
                    int (*keep)(void *ud, const tenyo_doc *d), void *keep_ud,
                    cli_read_totals *tot) {
    report_state rs = {0};
    tenyo_read_opts ro = *ro_in;
    ro.report = quiet ? NULL : on_report;
    ro.report_ud = &rs;
    for (int i = 0; i < nfiles; i++) {
        char err[512] = "";
        tenyo_reader *r = NULL;
        int rc = tenyo_reader_open(files[i], &ro, &r, err, sizeof err);
        if (rc) {
            cli_err("%s\n", err[0] ? err : tenyo_strerror(rc));
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        /* charset honesty: a given encoding that detection disagrees with */
        const char *det = tenyo_reader_detected(r);
        if (det) {
            cli_err("%s%s: --encoding %s looks wrong: the text reads differently as %s, "
                    "which detection picks (ICU)%s\n", ro.strict ? "" : "warning: ", files[i],
                    ro.encoding, det, ro.strict ? "" : "; reading it as given");
            if (ro.strict) {
                tenyo_reader_free(r);
                return EXIT_INPUT;
            }
        }
        const tenyo_doc *d;
        uint64_t nrec = 0;
        progress_state *ps = sink->progress_ud;
        if (sink->progress && ps) ps->reading = 1;
        while ((rc = tenyo_reader_next(r, &d)) == 1) {
            if (sink->progress && ps && (++nrec & 63) == 0) {
                tenyo_read_stats now;
                tenyo_reader_stats(r, &now);
                ps->records += 64;
                sink->progress(sink->progress_ud, "read", now.bytes_read, now.bytes_total);
            }
            if (keep && !keep(keep_ud, d)) { tot->filtered++; continue; }
            int arc = sink->add(sink->ud, d);
            if (arc) {
                cli_err("%s:%ld: %s\n", d->source, d->line,
                        sink->error(sink->ud));
                tenyo_reader_free(r);
                return cli_exit_code(arc);
            }
        }
        if (rc < 0) {
            cli_err("%s\n", tenyo_reader_error(r));
            tenyo_reader_free(r);
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        tenyo_read_stats st;
        tenyo_reader_stats(r, &st);
        if (sink->progress && ps) {
            ps->records += nrec & 63;
            if (i == nfiles - 1) {
                ps->reading = 0; /* ends the read line */
                uint64_t b = st.bytes_total ? st.bytes_total : st.bytes_read;
                if (!b) b = 1;
                sink->progress(sink->progress_ud, "read", b, b);
            }
        }
        /* charset honesty: many records skipped usually means a wrong charset
         * (records with invalid bytes are skipped one by one): more than 5%
         * of the file, or every record, is worth a warning with the counts */
        uint64_t seen = st.records + st.skipped;
        if (st.skipped && (st.skipped * 20 > seen || !st.records)) {
            cli_err("warning: %s: %llu of %llu records skipped (%.0f%%), read as %s%s%s%s\n",
                    files[i], (unsigned long long)st.skipped, (unsigned long long)seen,
                    100.0 * (double)st.skipped / (double)seen, tenyo_reader_encoding(r),
                    ro.encoding ? " (--encoding)" : " (detected)",
                    det ? "; detection picks " : "", det ? det : "");
        }
        if (!seen) cli_err("warning: %s: no records\n", files[i]);
        tot->records += st.records;
        tot->skipped += st.skipped;
        tot->empty += st.empty;
        tot->files++;
        if (!quiet && is_tty_stderr())
            fprintf(stderr, "read %s: %llu records (%s, %s), %llu skipped\n",
                    files[i], (unsigned long long)st.records, tenyo_reader_format(r),
                    tenyo_reader_encoding(r), (unsigned long long)st.skipped);
        tenyo_reader_free(r);
    }
    return EXIT_OK;
}

/* Shared option parsing for builder settings; returns 1 if handled. Every
 * number is range-checked here (README "Options"): the library would clamp
 * or refuse some later, with less to say about which option was wrong. */
int cli_build_opt(int c, const char *arg, tenyo_build_opts *bo, int *bad) {
    int r = 0;
    unsigned long long seed;
    switch (c) {
    case 'd': r = cli_int("--dim", arg, 1, 4096, &bo->dim); break;
    case 't': r = cli_int("--threads", arg, 0, 256, &bo->threads); break;
    case OPT_MIN_DF: r = cli_int("--min-df", arg, 1, 1000000000, &bo->min_df); break;
    case OPT_MAX_DF: r = cli_double("--max-df", arg, 0, 1, 1, &bo->max_df_ratio); break;
    case OPT_SEED:
        r = cli_u64("--seed", arg, &seed);
        bo->seed = seed;
        break;
    case OPT_POWER: r = cli_int("--power-iters", arg, 0, 50, &bo->power_iters); break;
    case OPT_OVERSAMPLE: r = cli_int("--oversample", arg, 0, 1000, &bo->oversample); break;
    case OPT_MAX_TERMS: r = cli_int("--max-terms", arg, 1, 1000000, &bo->max_terms); break;
    case OPT_NO_ABSTRACTS: bo->no_abstracts = 1; return 1;
    case OPT_SHARDS: r = cli_int("--shards", arg, 1, 4096, &bo->shards); break;
    case OPT_DICDIR: bo->tok.mecab_dicdir = arg; return 1;
    case OPT_NO_PARTS: bo->tok.keep_parts = 0; return 1;
    case OPT_STEM: bo->tok.stem = 2; return 1;
    case OPT_NO_STEM: bo->tok.stem = 0; return 1;
    default: return 0;
    }
    if (r) *bad = 1;
    return 1;
}

/* --format F into *f; 0, or -1 after a message. */
static int format_opt(const char *arg, tenyo_format *f) {
    static const char *const names[] = {"auto", "jsonl", "jplatpat", "jpo-xml", NULL};
    if (cli_choice("--format", arg, names) < 0) return -1;
    return cli_parse_format(arg, f);
}

/* ================================================================ open */

static const char *open_usage =
    "usage: tenyo open INDEX (--from FILE [--column C] | --clear) [options]\n"
    "Licensable patents as data: load the list of patents offered for licence (an\n"
    "open-patent database export) beside INDEX, without indexing again. FILE holds\n"
    "one patent number per line, or is a CSV/TSV with a header whose number column\n"
    "is found by itself (the one whose numbers resolve best); UTF-8 or Shift_JIS.\n"
    "Numbers as people type them (特開２０２４－１２７４０７, JP2024-127407A). A line\n"
    "that names no indexed patent is reported as FILE:LINE. The list replaces the\n"
    "previous one, holds through add, delete and rebuild, and is what --open-only\n"
    "(similar, ideas, match, profile, the API) reads, with the records' own \"open\".\n"
    "Without --from or --clear: what the index's list is.\n"
    "      --from FILE      load the list in FILE (- for stdin)\n"
    "      --column C       the number column: its header or 1-based number\n"
    "      --clear          remove the list (the records' own flags stay)\n"
    "  -q, --quiet          no per-line messages (the counts only)\n"
    "  -j, --json           the outcome as one JSON object\n";

static int writer_exit(int rc);

/* Report of an unresolved line (quiet: counted only). */
static void open_report(void *ud, const char *file, long line, const char *msg) {
    if (*(int *)ud) return;
    cli_err("%s:%ld: %s\n", file, line, msg);
}

/* Load list into the index at path (through writer w when given) and say
 * how it went on stderr; an exit code. */
static int open_load_report(const char *path, const char *list, const char *column, int quiet,
                            tenyo_writer *w) {
    tenyo_open_stats os;
    char err[512] = "";
    int q = quiet;
    const char *lp = cli_input_path(list);
    int rc = w ? tenyo_writer_open_list(w, lp, column, open_report, &q, &os, err, sizeof err)
               : tenyo_open_load(path, lp, column, open_report, &q, &os, err, sizeof err);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        cli_err("%s\n", err);
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : rc == TENYO_ERR_INPUT || rc == TENYO_ERR_IO ||
                                                           rc == TENYO_ERR_NOTFOUND
                                                       ? EXIT_INPUT : writer_exit(rc);
    }
    fprintf(stderr, "licensable list %s: %llu patents listed (%llu lines%s%s%s, %llu not in the "
            "index, %llu repeated) -> %s\n", list, (unsigned long long)os.listed,
            (unsigned long long)os.lines, *os.column ? ", column '" : "", os.column,
            *os.column ? "'" : "", (unsigned long long)os.unresolved,
            (unsigned long long)os.duplicates, path);
    if (rc == TENYO_ERR_UNSYNCED) {
        cli_err("%s: committed, durability unknown\n", err);
        return EXIT_RESOURCE;
    }
    return EXIT_OK;
}

static int cmd_open(int argc, char **argv) {
    static const struct option lo[] = {
        {"from", required_argument, 0, OPT_FROM}, {"column", required_argument, 0, OPT_COLUMN},
        {"clear", no_argument, 0, OPT_CLEAR}, {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL, *column = NULL;
    int clear = 0, quiet = 0, json = 0, bad = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "qjh", lo)) != -1) {
        switch (c) {
        case OPT_FROM: from = optarg; break;
        case OPT_COLUMN: column = optarg; break;
        case OPT_CLEAR: clear = 1; break;
        case 'q': quiet = 1; break;
        case 'j': json = 1; break;
        case 'h': fputs(open_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (!bad && from && clear) {
        cli_err("--from and --clear: give one\n");
        bad = 1;
    }
    if (!bad && column && !from) {
        cli_err("--column needs --from FILE\n");
        bad = 1;
    }
    if (!bad && optind != argc - 1) {
        cli_err(optind == argc ? "no INDEX\n" : "one INDEX only\n");
        bad = 1;
    }
    if (bad) return cli_usage_error(open_usage);
    const char *path = argv[optind];
    char err[512] = "";
    int ec = EXIT_OK;
    struct stat ist;
    if (stat(path, &ist) != 0) {
        cli_err("%s: cannot open the index: %s\n", path, strerror(errno));
        return EXIT_INDEX;
    }
    if (clear) {
        int had = 0;
        int rc = tenyo_open_clear(path, &had, err, sizeof err);
        if (rc && rc != TENYO_ERR_UNSYNCED) {
            cli_err("%s\n", err);
            return writer_exit(rc);
        }
        fprintf(stderr, "%s: %s\n", path, had ? "licensable list removed (the records' own "
                "open flags stay)" : "had no licensable list");
        if (rc) return EXIT_RESOURCE;
    } else if (from) {
        ec = open_load_report(path, from, column, quiet, NULL);
        if (ec) return ec;
    }
    /* what the index's list now is */
    tenyo_index *x = cli_open_index(path, &ec);
    if (!x) return ec;
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (json) {
        json_t *all = cli_info_json(x, path);
        cli_print_json(json_object_get(all, "licensable"));
        json_decref(all);
    } else if (!quiet || (!from && !clear)) {
        if (in.open_listed)
            printf("%s: %llu licensable patents (%llu from the list of %llu in %s, "
                   "%llu by their records)\n", path, (unsigned long long)in.nopen,
                   (unsigned long long)in.open_found, (unsigned long long)in.open_listed,
                   in.open_source, (unsigned long long)in.open_records);
        else
            printf("%s: %llu licensable patents (by their records; no list loaded)\n", path,
                   (unsigned long long)in.nopen);
    }
    tenyo_index_free(x);
    return ec;
}

/* ============================================================== index */

/* tenyo-mpi index on a process other than 0: read the same records, tokenize
 * this process's share and send it (cli_dist); quiet (process 0 reports). */
static int index_share(const cli_dist *dist, tenyo_build_opts *bo, const tenyo_read_opts *ro,
                       char **files, int nfiles) {
    char err[512] = "";
    bo->progress = NULL;
    bo->progress_ud = NULL;
    tenyo_builder *b = NULL;
    int rc = tenyo_builder_new(bo, &b, err, sizeof err);
    if (!rc && (rc = dist->setup(dist->ud, b)))
        snprintf(err, sizeof err, "cannot share the build over %d processes", dist->size);
    if (rc) {
        cli_err("process %d: %s\n", dist->rank, err);
        tenyo_builder_free(b);
        return cli_exit_code(rc) == EXIT_USAGE ? EXIT_USAGE : EXIT_RESOURCE;
    }
    cli_read_totals tot = {0};
    cli_sink sink = cli_sink_builder(b);
    int ec = cli_read_inputs(&sink, files, nfiles, ro, 1, NULL, NULL, &tot);
    if (!ec && (rc = dist->flush(dist->ud, b, err, sizeof err))) {
        cli_err("process %d: %s\n", dist->rank, err[0] ? err : tenyo_builder_error(b));
        ec = cli_exit_code(rc);
    }
    tenyo_builder_free(b);
    return ec;
}

static int cmd_index(int argc, char **argv) {
    static const struct option lo[] = {
        {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, 'f'},
        {"encoding", required_argument, 0, 'e'}, {"strict", no_argument, 0, OPT_STRICT},
        {"dim", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"min-df", required_argument, 0, OPT_MIN_DF}, {"max-df", required_argument, 0, OPT_MAX_DF},
        {"seed", required_argument, 0, OPT_SEED}, {"power-iters", required_argument, 0, OPT_POWER},
        {"oversample", required_argument, 0, OPT_OVERSAMPLE}, {"dicdir", required_argument, 0, OPT_DICDIR},
        {"max-terms", required_argument, 0, OPT_MAX_TERMS},
        {"no-abstracts", no_argument, 0, OPT_NO_ABSTRACTS},
        {"no-parts", no_argument, 0, OPT_NO_PARTS}, {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM},
        {"ipc-titles", required_argument, 0, OPT_TITLES},
        {"ivf", optional_argument, 0, OPT_IVF}, {"force", no_argument, 0, OPT_FORCE},
        {"shards", required_argument, 0, OPT_SHARDS},
        {"open-list", required_argument, 0, OPT_OPEN_LIST},
        {"open-column", required_argument, 0, OPT_COLUMN},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL, *open_list = NULL, *open_column = NULL;
    unsigned wflags = 0;
    const char *titles[8];
    tenyo_read_opts ro = {0};
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    int quiet = 0, bad = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "o:f:e:d:t:qh", lo)) != -1) {
        if (cli_build_opt(c, optarg, &bo, &bad)) continue;
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': bad |= format_opt(optarg, &ro.format) != 0; break;
        case 'e':
            ro.encoding = optarg;
            bad |= cli_check_encoding("--encoding", optarg) != 0;
            break;
        case OPT_STRICT: ro.strict = 1; break;
        case OPT_TITLES:
            if (bo.nipc_titles == 8) {
                cli_err("at most 8 --ipc-titles files\n");
                bad = 1;
            } else {
                titles[bo.nipc_titles++] = cli_input_path(optarg);
                bo.ipc_titles = titles;
            }
            break;
        case OPT_IVF: {
            long v = -1;
            if (optarg && cli_long("--ivf", optarg, 1, 1000000, &v)) bad = 1;
            bo.ivf_lists = (int)v;
            break;
        }
        case OPT_FORCE: wflags |= TENYO_WRITE_FORCE; break;
        case OPT_OPEN_LIST: open_list = optarg; break;
        case OPT_COLUMN: open_column = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(index_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (!bad && out && !strcmp(out, "-")) {
        cli_err("-o -: an index is a file, replaced atomically; name one\n");
        bad = 1;
    }
    if (!bad && open_column && !open_list) {
        cli_err("--open-column needs --open-list FILE\n");
        bad = 1;
    }
    if (!bad && open_list && access(open_list, R_OK) != 0) { /* before hours of work */
        cli_err("--open-list %s: cannot read: %s\n", open_list, strerror(errno));
        return EXIT_INPUT;
    }
    if (bad || !out || optind >= argc) {
        if (!bad && !out) cli_err("-o INDEX is required\n");
        if (!bad && out) cli_err("no input files\n");
        return cli_usage_error(index_usage);
    }
    /* an input (or titles) file named as the output, under any name */
    struct stat ost, ist;
    int ninputs = argc - optind;
    for (int i = 0; stat(out, &ost) == 0 && i < ninputs + (int)bo.nipc_titles; i++) {
        const char *in = i < ninputs ? argv[optind + i] : titles[i - ninputs];
        if (stat(in, &ist) == 0 && ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
            cli_err("%s is both an input and the output %s; nothing written\n", in, out);
            return EXIT_USAGE;
        }
    }
    progress_state ps = {0};
    bo.progress = on_progress;
    bo.progress_ud = &ps;
    char err[512] = "";
    const cli_dist *dist = cli_index_dist;
    if (dist && dist->rank != 0) return index_share(dist, &bo, &ro, argv + optind, argc - optind);
    /* the writer lock first: another writer of this index refuses us now,
     * not after the inputs were read */
    tenyo_writer *w = NULL;
    int rc = tenyo_writer_open(out, wflags, &w, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        cli_err("nothing written\n");
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
    }
    tenyo_builder *b = NULL;
    rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (!rc && dist && (rc = dist->setup(dist->ud, b)))
        snprintf(err, sizeof err, "cannot share the build over %d processes", dist->size);
    if (rc) {
        cli_err("%s\n", err);
        tenyo_builder_free(b);
        tenyo_writer_free(w);
        return cli_exit_code(rc) == EXIT_USAGE ? EXIT_USAGE : EXIT_RESOURCE;
    }
    cli_read_totals tot = {0};
    cli_sink sink = cli_sink_builder(b);
    sink.progress = on_progress;
    sink.progress_ud = &ps;
    int ec = cli_read_inputs(&sink, argv + optind, argc - optind, &ro, quiet, NULL,
                             NULL, &tot);
    if (ec) {
        tenyo_builder_free(b);
        tenyo_writer_free(w);
        if (access(out, F_OK) == 0) cli_err("nothing written; %s is unchanged\n", out);
        else cli_err("nothing written; %s was not created\n", out);
        return ec;
    }
    tenyo_build_stats st;
    rc = tenyo_writer_commit(w, b, &st, err, sizeof err);
    tenyo_builder_free(b);
    int oec = EXIT_OK;
    if (!rc && open_list) /* under the same lock, the base in place */
        oec = open_load_report(out, open_list, open_column, quiet, w);
    tenyo_writer_free(w);
    if (rc == TENYO_ERR_UNSYNCED) {
        cli_err("%s\n", err);
        cli_err("%s: written (%llu documents), but its directory "
                "could not be synced: committed, durability unknown\n", out,
                (unsigned long long)st.docs);
        return EXIT_RESOURCE;
    }
    if (rc) {
        if (rc == TENYO_ERR_EMPTY)
            cli_err("no documents to index: %llu records in %s%s%s\n",
                    (unsigned long long)tot.records, argv[optind],
                    argc - optind > 1 ? " and the other files" : "",
                    tot.skipped ? " (the others skipped)" : "");
        else cli_err("%s\n", err);
        if (access(out, F_OK) == 0) cli_err("nothing written; %s is unchanged\n", out);
        else cli_err("nothing written; %s was not created\n", out);
        return rc == TENYO_ERR_EMPTY ? EXIT_INPUT : cli_exit_code(rc);
    }
    fprintf(stderr,
            "indexed %llu docs from %llu records in %d file%s (%llu skipped, "
            "%llu duplicates, %llu without terms), %llu terms, rank %d, "
            "%.1f s (tokenize %.1f s, svd %.1f s), %.2f MB, peak memory %.0f MiB -> %s\n",
            (unsigned long long)st.docs, (unsigned long long)tot.records, tot.files,
            tot.files == 1 ? "" : "s", (unsigned long long)tot.skipped,
            (unsigned long long)st.duplicates, (unsigned long long)st.empty,
            (unsigned long long)st.terms, st.dim, st.sec_total, st.sec_tokenize,
            st.sec_svd, st.file_bytes / 1e6, peak_mib(), out);
    return oec;
}

/* ============================================================ updates */

static const char *add_usage =
    "usage: tenyo add INDEX [options] FILE...\n"
    "Add patent records to an index without rebuilding it: they are tokenized like\n"
    "the index, folded into its LSA basis and written as a new segment; a repeated\n"
    "id replaces the indexed document. Terms new to the index are searched by\n"
    "TF-IDF until `tenyo rebuild`. Nothing changes unless the whole add succeeds.\n"
    "  -f, --format F      auto|jsonl|jplatpat|jpo-xml (default auto)\n"
    "  -e, --encoding E    input charset (default: detect)\n"
    "      --strict        any bad record is fatal (exit 2)\n"
    "  -t, --threads N     tokenizer threads (default: all cores)\n"
    "  -q, --quiet         no per-record messages\n";

static const char *delete_usage =
    "usage: tenyo delete INDEX ID... | tenyo delete INDEX --from FILE\n"
    "Delete documents by id. Unknown ids are reported and give exit 2; the\n"
    "others are deleted.\n"
    "  --from FILE         the ids, one per line (- for stdin)\n";

static const char *rebuild_usage =
    "usage: tenyo rebuild INDEX [-t N]\n"
    "Refit vocabulary, idf and LSA over all live documents from their stored term\n"
    "counts (no source files needed), merge the added segments and drop the\n"
    "deletions: a new base file, written atomically. Options of the original build\n"
    "(rank, df filters, seed, IVF, IPC titles) are kept.\n"
    "  -t, --threads N     threads (default: all cores)\n";

static int update_add(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }
static const char *update_error(void *ud) { return tenyo_update_error(ud); }

/* One line on how stale the fit is, after an update or in info. */
static void print_staleness(const tenyo_index_info *in, const char *path) {
    printf("fit        %llu documents fitted; not in the fit: %.1f%% of documents, "
           "%.1f%% of term occurrences (%llu new terms, %.1f%%); %llu fitted documents "
           "deleted since\n",
           (unsigned long long)in->docs_fit, 100 * in->stale_docs, 100 * in->stale_mass,
           (unsigned long long)in->terms_new, 100 * in->new_term_mass,
           (unsigned long long)in->docs_deleted);
    if (in->rebuild_advised)
        printf("advice     rebuild advised (over 10%% of documents or of fitted documents "
               "changed, or over 2%% of occurrences new): tenyo rebuild %s\n", path);
}

/* Exit code of a writer (add, delete, rebuild) that could not start or
 * finish: the index missing or damaged is an index error (3); another
 * writer at work, memory, or a file that could not be written (a read-only
 * file system included) a resource error (4), as for `tenyo index`. */
static int writer_exit(int rc) {
    return rc == TENYO_ERR_NOTFOUND || rc == TENYO_ERR_CORRUPT || rc == TENYO_ERR_VERSION ||
                   rc == TENYO_ERR_MISMATCH
               ? EXIT_INDEX
               : EXIT_RESOURCE;
}

static int open_update(const char *path, int threads, tenyo_update **u) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    char err[512] = "";
    int rc = tenyo_update_open(path, &bo, u, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        return writer_exit(rc);
    }
    return EXIT_OK;
}

/* End update u: after a failure ec (already reported) nothing is
 * committed; otherwise commit into *st. u is freed either way; returns the
 * exit code. */
static int end_update(tenyo_update *u, const char *path, int ec, tenyo_update_stats *st) {
    int rc = ec ? TENYO_OK : tenyo_update_commit(u, st);
    if (rc == TENYO_ERR_UNSYNCED) {
        /* the new manifest is in place: say so, never "unchanged" */
        cli_err("%s\n", tenyo_update_error(u));
        cli_err("%s: generation %llu committed (%llu documents), but durability unknown: "
                "the directory could not be synced\n", path,
                (unsigned long long)st->generation, (unsigned long long)st->docs);
        tenyo_update_free(u);
        return EXIT_RESOURCE;
    }
    if (rc) {
        cli_err("%s\n", tenyo_update_error(u));
        ec = EXIT_RESOURCE;
    }
    if (ec) cli_err("nothing committed; %s is unchanged\n", path);
    tenyo_update_free(u);
    return ec;
}

static int cmd_add(int argc, char **argv) {
    static const struct option lo[] = {
        {"format", required_argument, 0, 'f'}, {"encoding", required_argument, 0, 'e'},
        {"strict", no_argument, 0, OPT_STRICT}, {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    tenyo_read_opts ro = {0};
    int quiet = 0, bad = 0, c, threads = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "f:e:t:qh", lo)) != -1) {
        switch (c) {
        case 'f': bad |= format_opt(optarg, &ro.format) != 0; break;
        case 'e':
            ro.encoding = optarg;
            bad |= cli_check_encoding("--encoding", optarg) != 0;
            break;
        case OPT_STRICT: ro.strict = 1; break;
        case 't': bad |= cli_int("--threads", optarg, 0, 256, &threads) != 0; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(add_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (bad || argc - optind < 2) {
        if (!bad) cli_err(argc - optind < 1 ? "no INDEX\n" : "no input files\n");
        return cli_usage_error(add_usage);
    }
    const char *path = argv[optind];
    tenyo_update *u = NULL;
    int ec = open_update(path, threads, &u);
    if (ec) return ec;
    cli_read_totals tot = {0};
    progress_state ps = {0};
    cli_sink sink = {update_add, update_error, u, on_progress, &ps};
    ec = cli_read_inputs(&sink, argv + optind + 1, argc - optind - 1, &ro, quiet, NULL, NULL,
                         &tot);
    tenyo_update_stats st;
    ec = end_update(u, path, ec, &st);
    if (ec) return ec;
    fprintf(stderr,
            "added %llu documents (%llu replaced an indexed one) from %llu records, "
            "%llu skipped: generation %llu, segment %.2f MB, %.1f s, peak memory %.0f MiB; "
            "%llu documents -> %s\n",
            (unsigned long long)st.added, (unsigned long long)st.replaced, tot.records,
            tot.skipped, (unsigned long long)st.generation, st.segment_bytes / 1e6, st.seconds,
            peak_mib(), (unsigned long long)st.docs, path);
    return EXIT_OK;
}

static int cmd_delete(int argc, char **argv) {
    static const struct option lo[] = {{"from", required_argument, 0, 'F'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        if (c == 'F') from = optarg;
        else if (c == 'h') { fputs(delete_usage, stdout); return EXIT_OK; }
        else return cli_usage_error(delete_usage);
    }
    if (argc - optind < 1 || (!from && argc - optind < 2)) {
        cli_err(argc - optind < 1 ? "no INDEX\n" : "no ids (give ID... or --from FILE)\n");
        return cli_usage_error(delete_usage);
    }
    const char *path = argv[optind];
    FILE *f = NULL;
    if (from && !(f = strcmp(from, "-") ? fopen(from, "r") : stdin)) {
        cli_err("%s: cannot open: %s\n", from, strerror(errno));
        return EXIT_INPUT;
    }
    tenyo_update *u = NULL;
    int ec = open_update(path, 1, &u);
    if (ec) {
        if (f && f != stdin) fclose(f);
        return ec;
    }
    unsigned long long found = 0, missing = 0;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    for (int i = optind + 1;; i++) {
        const char *id;
        if (f) {
            ssize_t n = getline(&line, &cap, f);
            if (n < 0) break;
            lineno++;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
                line[--n] = 0;
            id = line;
            if (lineno == 1 && n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM */
                id += 3;
                n -= 3;
            }
            if (n == 0) continue;
        } else {
            if (i >= argc) break;
            id = argv[i];
        }
        int r = tenyo_update_delete(u, id);
        if (r < 0) {
            cli_err("%s\n", tenyo_update_error(u));
            ec = EXIT_RESOURCE;
            break;
        }
        if (r) found++;
        else {
            missing++;
            if (missing <= 30) {
                if (f) cli_err("%s:%ld: %s: not in the index\n", from, lineno, id);
                else cli_err("%s: not in the index\n", id);
            }
        }
    }
    free(line);
    if (f && f != stdin) fclose(f);
    tenyo_update_stats st;
    ec = end_update(u, path, ec, &st);
    if (ec) return ec;
    fprintf(stderr, "deleted %llu documents (%llu ids not in the index): generation %llu, "
            "%llu documents -> %s\n", found, missing, (unsigned long long)st.generation,
            (unsigned long long)st.docs, path);
    return missing ? EXIT_INPUT : EXIT_OK;
}

static int cmd_rebuild(int argc, char **argv) {
    static const struct option lo[] = {{"threads", required_argument, 0, 't'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, threads = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "t:h", lo)) != -1) {
        if (c == 't') {
            if (cli_int("--threads", optarg, 0, 256, &threads)) return cli_usage_error(rebuild_usage);
        } else if (c == 'h') { fputs(rebuild_usage, stdout); return EXIT_OK; }
        else return cli_usage_error(rebuild_usage);
    }
    if (argc - optind != 1) {
        cli_err(argc - optind < 1 ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(rebuild_usage);
    }
    const char *path = argv[optind];
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    progress_state ps = {0};
    bo.progress = on_progress;
    bo.progress_ud = &ps;
    tenyo_build_stats st;
    char err[512] = "";
    int rc = tenyo_index_rebuild(path, &bo, &st, err, sizeof err);
    if (rc == TENYO_ERR_UNSYNCED) {
        cli_err("%s\n", err);
        cli_err("%s: rebuilt (%llu documents), but its directory "
                "could not be synced: committed, durability unknown\n", path,
                (unsigned long long)st.docs);
        return EXIT_RESOURCE;
    }
    if (rc) {
        cli_err("%s\n", err);
        cli_err("%s is unchanged\n", path);
        return writer_exit(rc);
    }
    fprintf(stderr, "rebuilt %llu documents, %llu terms, rank %d, %.1f s (svd %.1f s), "
            "%.2f MB, peak memory %.0f MiB -> %s\n", (unsigned long long)st.docs,
            (unsigned long long)st.terms, st.dim, st.sec_total, st.sec_svd,
            st.file_bytes / 1e6, peak_mib(), path);
    return EXIT_OK;
}

/* ============================================================== check */

static const char *check_usage =
    "usage: tenyo check INDEX [--repair]\n"
    "Verify every file of an index: the base and every segment read whole, the\n"
    "deletion file and MANIFEST against each other, the whole opened as a reader\n"
    "would; leftovers of killed writers are listed. One line per finding (\"DAMAGED\"\n"
    "for a problem); exit 0 when consistent, 3 when not.\n"
    "  --repair   keep every readable document and commit a new consistent state:\n"
    "             damaged or missing files are moved aside into INDEX.upd/damaged-*/\n"
    "             (never deleted); when the deletion file is lost, replacements are\n"
    "             recomputed from the ids and deletions made by `tenyo delete` are\n"
    "             lost (counted). A damaged base cannot be repaired (exit 3).\n";

static void check_say(void *ud, int problem, const char *line) {
    (void)ud;
    printf("%s%s\n", problem ? "DAMAGED " : "", line);
}

static int cmd_check(int argc, char **argv) {
    static const struct option lo[] = {{"repair", no_argument, 0, OPT_REPAIR},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int repair = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == OPT_REPAIR) repair = 1;
        else if (c == 'h') { fputs(check_usage, stdout); return EXIT_OK; }
        else { fputs(check_usage, stderr); return EXIT_USAGE; }
    }
    if (optind != argc - 1) { fputs(check_usage, stderr); return EXIT_USAGE; }
    const char *path = argv[optind];
    tenyo_check_stats st;
    char err[512] = "";
    int rc = tenyo_index_check(path, repair, &st, check_say, NULL, err, sizeof err);
    fflush(stdout);
    if (rc == TENYO_ERR_CORRUPT || rc == TENYO_ERR_VERSION || rc == TENYO_OK) {
        if (repair && st.repaired)
            fprintf(stderr, "repaired %s: %llu live documents kept, %llu documents in %u damaged "
                    "or missing segment%s lost, %u file%s moved aside; deletions not recovered: "
                    "%s%llu\n", path, (unsigned long long)st.docs_after,
                    (unsigned long long)st.docs_lost, st.segments_bad,
                    st.segments_bad == 1 ? "" : "s", st.moved, st.moved == 1 ? "" : "s",
                    st.deletions_unknown ? "unknown (the manifest was lost too), at least " : "",
                    (unsigned long long)st.deletions_lost);
        else if (rc == TENYO_OK)
            fprintf(stderr, "checked %s: consistent, %llu live documents, %u leftover%s\n",
                    path, (unsigned long long)st.docs_readable, st.leftovers,
                    st.leftovers == 1 ? "" : "s");
        else
            fprintf(stderr, "checked %s: %d problem%s%s\n", path, st.problems,
                    st.problems == 1 ? "" : "s",
                    repair ? " remain" : "; `tenyo check --repair` keeps every readable "
                                         "document");
        return rc == TENYO_OK ? EXIT_OK : EXIT_INDEX;
    }
    cli_err("%s\n", err[0] ? err : tenyo_strerror(rc));
    return writer_exit(rc);
}

/* =============================================================== info */

static const char *info_usage =
    "usage: tenyo info INDEX [--json]\n"
    "Show what an index holds and how it was built, after checking all of it.\n"
    "  -j, --json          one JSON object\n";

static int cmd_info(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "jh", lo)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') { fputs(info_usage, stdout); return EXIT_OK; }
        else return cli_usage_error(info_usage);
    }
    if (optind != argc - 1) {
        cli_err(optind == argc ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(info_usage);
    }
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(argv[optind], &x, err, sizeof err);
    if (!rc) rc = tenyo_index_load_all(x, err, sizeof err); /* check all of it */
    if (rc) {
        cli_err("%s\n", err);
        tenyo_index_free(x);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (in.updates_missing)
        cli_err("warning: %s: updates were committed to this index, but "
                "%s.upd/MANIFEST is not there (copied or moved without its .upd directory?): "
                "showing the base file alone\n", argv[optind], argv[optind]);
    if (json) {
        json_t *o = cli_info_json(x, argv[optind]);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("index      %s (format %u, %.2f MB)\n", argv[optind], in.format_version,
               in.file_bytes / 1e6);
        printf("documents  %llu (%llu open for licence)\n", (unsigned long long)in.ndocs,
               (unsigned long long)in.nopen);
        if (in.nshards) {
            printf("shards     %u (documents, bytes:", in.nshards);
            for (uint32_t i = 0; i < in.nshards; i++)
                printf(" %llu %llu", (unsigned long long)in.shard_docs[i],
                       (unsigned long long)in.shard_bytes[i]);
            printf(")\n");
        }
        if (in.open_listed) {
            char when[32] = "?";
            time_t t = (time_t)in.open_loaded;
            struct tm tmv;
            if (gmtime_r(&t, &tmv)) strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tmv);
            printf("licensable %llu listed in %s (loaded %s; %llu of them in the index, "
                   "%llu lines of the file not resolved); %llu by their records\n",
                   (unsigned long long)in.open_listed, in.open_source, when,
                   (unsigned long long)in.open_found, (unsigned long long)in.open_unresolved,
                   (unsigned long long)in.open_records);
        }
        printf("terms      %llu (%llu non-zeros, %.1f per document)\n",
               (unsigned long long)in.nterms, (unsigned long long)in.nnz,
               in.ndocs ? (double)in.nnz / in.ndocs : 0.0);
        printf("LSA rank   %d (seed %llu, oversample %d, power iterations %d)\n", in.dim,
               (unsigned long long)in.seed, in.oversample, in.power_iters);
        printf("df filter  min_df %d, max_df_ratio %g", in.min_df, in.max_df_ratio);
        if (in.max_terms) printf("; at most %u terms per document", in.max_terms);
        putchar('\n');
        printf("tokenizer  %s\n", in.tokenizer);
        printf("search     %s scan; int8 (%s kernel) from %llu documents%s",
               in.ndocs >= in.int8_min_docs ? "int8" : "fp32", in.scan_kernel,
               (unsigned long long)in.int8_min_docs, in.ivf_lists ? "; IVF " : "; no IVF\n");
        if (in.ivf_lists) printf("%u lists (similar / ideas --nprobe)\n", in.ivf_lists);
        printf("phrases    %llu application phrases\n", (unsigned long long)in.nphrases);
        if (in.abstract_bytes)
            printf("abstracts  kept: %.2f MB compressed, %.0f bytes per document\n",
                   in.abstract_bytes / 1e6, in.ndocs ? (double)in.abstract_bytes / in.ndocs : 0.0);
        else
            printf("abstracts  none kept (no record had one, or index --no-abstracts)\n");
        if (in.generation)
            printf("updates    generation %llu: %u segment%s, %.2f MB; %llu documents added, "
                   "%llu deleted or replaced\n",
                   (unsigned long long)in.generation, in.nsegments, in.nsegments == 1 ? "" : "s",
                   in.update_bytes / 1e6, (unsigned long long)in.docs_added,
                   (unsigned long long)in.docs_deleted);
        print_staleness(&in, argv[optind]);
        printf("writer     %s\n", in.writer);
        printf("fields     %u IPC subclasses; largest:", in.nfields);
        /* the 8 largest fields (ties in code order) */
        uint32_t order[8];
        int nl = cli_fields_by_size(x, order, 8);
        for (int j = 0; j < nl; j++) {
            const char *code;
            uint64_t cnt;
            tenyo_index_field(x, order[j], &code, &cnt);
            printf(" %s %llu", code, (unsigned long long)cnt);
        }
        printf("\nsections   %-12s %12s %12s\n", "name", "stored", "raw");
        for (int i = 0; i < in.nsections; i++)
            printf("           %-12s %12llu %12llu\n", in.sections[i].name,
                   (unsigned long long)in.sections[i].stored,
                   (unsigned long long)in.sections[i].raw);
    }
    tenyo_index_free(x);
    return EXIT_OK;
}

/* ============================================================ similar */

static const char *similar_usage =
    "usage: tenyo similar INDEX (ID | --text TEXT | --file FILE) [options]\n"
    "Exact nearest patents of an indexed patent or of free text.\n"
    "ID as people type it: 特開２０２４－１２７４０７, JP2024-127407A, US 6,836,996 B2;\n"
    "an unknown ID is exit 2 with the closest ids (did you mean).\n"
    "  -k N                  number of results (default 10, at most 10000)\n"
    "  -m, --mode M          tfidf | lsa | hybrid (default hybrid)\n"
    "      --text TEXT       query with free text (Japanese or English)\n"
    "      --file FILE       query with the text of FILE (UTF-8; - for stdin)\n"
    "      --hybrid-weight W weight of TF-IDF in hybrid mode (default 0.7)\n"
    "      --scan S          LSA scan: auto (int8 from 20,000 documents), fp32, int8\n"
    "      --nprobe N        approximate search (lsa, hybrid) visiting the N closest lists\n"
    "                        of the index's IVF (index --ivf); candidates scored exactly\n"
    "  -j, --json            one JSON object: {\"query\": {...}, \"results\": [...]}\n"
    "Filters (applied before the top k: the k best of the matching patents):\n"
    "      --date-from DATE  published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "      --date-to DATE    published on or before DATE (a year or month: its end)\n"
    "      --applicant S     applicant contains S (NFKC, case folded; repeat: any)\n"
    "      --exclude-applicant S  applicant does not contain S (repeatable)\n"
    "      --fields CODES    in one of these IPC sections/classes/subclasses (G06,B60W)\n"
    "      --exclude-fields CODES  in none of these\n"
    "      --keywords Q      terms that must / must not occur (see 'tenyo search --help')\n"
    "      --open-only       licensable patents only ('tenyo open', or the records' open)\n"
    "      --kind K          application | grant, as the id says it (特開 / 特許, JP…A / B)\n";

static int cmd_similar(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"hybrid-weight", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
        {"scan", required_argument, 0, 's'}, {"nprobe", required_argument, 0, 'P'},
        CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    long nprobe = 0;
    const char *text = NULL, *file = NULL;
    cli_filter_opts fo = {0};
    tenyo_filter *filter = NULL;
    tenyo_scan scan = TENYO_SCAN_AUTO;
    long k = 10;
    double w = -1;
    tenyo_mode mode = TENYO_MODE_HYBRID;
    int json = 0, c, bad = 0;
    optind = 1;
    static const char *const scans[] = {"auto", "fp32", "int8", NULL};
    while ((c = cli_getopt(argc, argv, "k:m:jh", lo)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'k': bad |= cli_long("-k", optarg, 1, 10000, &k) != 0; break;
        case 'm': bad |= cli_mode_opt("--mode", optarg, &mode) != 0; break;
        case 'w': bad |= cli_double("--hybrid-weight", optarg, 0, 0, 1, &w) != 0; break;
        case 'j': json = 1; break;
        case 's': {
            int i = cli_choice("--scan", optarg, scans);
            if (i < 0) bad = 1;
            else scan = i == 0 ? TENYO_SCAN_AUTO : i == 1 ? TENYO_SCAN_FP32 : TENYO_SCAN_INT8;
            break;
        }
        case 'P': bad |= cli_long("--nprobe", optarg, 1, 1000000, &nprobe) != 0; break;
        case 'h': fputs(similar_usage, stdout); return EXIT_OK;
        default: {
            int r = cli_filter_opt(c, optarg, &fo);
            if (r <= 0) bad = 1;
        }
        }
    }
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) cli_err(npos < 1 ? "no INDEX\n" : "give exactly one of ID, --text, --file\n");
        return cli_usage_error(similar_usage);
    }
    const char *path = argv[optind];
    const char *id = npos == 2 ? argv[optind + 1] : NULL;
    char err[512] = "";
    int ec = EXIT_OK, rc;
    tenyo_index *x = cli_open_index(path, &ec);
    if (!x) return ec;
    tenyo_ctx *ctx = NULL;
    char *buf = NULL;
    tenyo_hit *hits = calloc((size_t)k, sizeof *hits);
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc || !hits) {
        cli_err("%s\n", rc ? err : "out of memory");
        ec = EXIT_RESOURCE;
        goto done;
    }
    if (w >= 0) tenyo_ctx_set_hybrid_weight(ctx, w);
    tenyo_ctx_set_scan(ctx, scan);
    if (nprobe && tenyo_ctx_set_nprobe(ctx, (uint32_t)nprobe)) {
        cli_err("%s: %s\n", path, tenyo_ctx_error(ctx));
        ec = EXIT_USAGE;
        goto done;
    }
    int n;
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    if ((ec = cli_filter_make(x, ctx, &fo, &filter)) != EXIT_OK) goto done;
    if (filter) {
        tenyo_ctx_set_filter(ctx, filter);
        cli_filter_note(&fo, filter, x);
    }
    if (qdoc >= 0) n = tenyo_similar_doc(ctx, (uint64_t)qdoc, mode, (size_t)k, hits);
    else n = tenyo_similar_text(ctx, text, len, mode, (size_t)k, hits);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    tenyo_doc_meta qm;
    if (json) {
        json_t *o = cli_similar_json(x, qdoc, text, mode, k, hits, n);
        if (filter)
            json_object_set_new(json_object_get(o, "query"), "filter",
                                cli_filter_json(&fo, filter, x));
        cli_print_json(o);
        json_decref(o);
    } else {
        if (qdoc >= 0) {
            tenyo_index_doc(x, (uint64_t)qdoc, &qm);
            printf("類似特許 / similar to %s  [%s]  ", cli_safe(qm.id), cli_safe(qm.fields));
            int cols = cli_term_cols();
            cli_cut(qm.title, cli_room(cols, (long)(cli_width(qm.id) + cli_width(qm.fields) +
                                                    cli_width("類似特許 / similar to   []  "))));
            printf("\n");
        } else {
            printf("類似特許 / similar to the query text\n");
        }
        printf("mode %s, %d result%s", cli_mode_name(mode), n, n == 1 ? "" : "s");
        if (filter)
            printf(" among the %lld of %llu patents that match the filters",
                   (long long)tenyo_filter_count(filter),
                   (unsigned long long)tenyo_index_ndocs(x));
        printf("\n");
        cli_print_hits(x, hits, n);
    }
done:
    free(buf);
    free(hits);
    tenyo_ctx_free(ctx);
    tenyo_filter_free(filter);
    tenyo_index_free(x);
    return ec;
}

/* ============================================================= search */

static const char *search_usage =
    "usage: tenyo search INDEX QUERY [options]\n"
    "Keyword search: the patents holding the query's terms, ranked by TF-IDF.\n"
    "QUERY: a b (both), a OR b (either; also |), NOT a or -a (must not occur),\n"
    "\"quoted words\" (one unit); OR binds tighter than AND: a b OR c = a AND (b OR c).\n"
    "A QUERY starting with '-' goes after --: tenyo search INDEX -- '-a b'.\n"
    "Each word is tokenized as the index was (MeCab / ICU, NFKC, stemming): a\n"
    "Japanese compound (半導体基板) matches where the words are joined.\n"
    "  -k N                  number of results (default 10, at most 10000)\n"
    "  -j, --json            one JSON object: {\"query\": {...}, \"results\": [...]}\n"
    "Filters (as for similar): --date-from DATE, --date-to DATE, --applicant S,\n"
    "--exclude-applicant S, --fields CODES, --exclude-fields CODES.\n"
    "      --date-from DATE  published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "      --date-to DATE    published on or before DATE\n"
    "      --applicant S     applicant contains S (repeat: any)\n"
    "      --exclude-applicant S  applicant does not contain S\n"
    "      --fields CODES    in one of these IPC sections/classes/subclasses\n"
    "      --exclude-fields CODES  in none of these\n"
    "      --open-only       licensable patents only ('tenyo open', or the records' open)\n"
    "      --kind K          application | grant, as the id says it (特開 / 特許, JP…A / B)\n";

static int cmd_search(int argc, char **argv) {
    static const struct option lo[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'},
        CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    cli_filter_opts fo = {0};
    long k = 10;
    int json = 0, c, bad = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "k:jh", lo)) != -1) {
        switch (c) {
        case 'k': bad |= cli_long("-k", optarg, 1, 10000, &k) != 0; break;
        case 'j': json = 1; break;
        case 'h': fputs(search_usage, stdout); return EXIT_OK;
        case OPT_KEYWORDS:
            cli_err("the query is the argument after INDEX, not --keywords\n");
            bad = 1;
            break;
        default: bad |= cli_filter_opt(c, optarg, &fo) <= 0;
        }
    }
    int npos = argc - optind;
    if (bad || npos != 2) {
        if (!bad) cli_err(npos < 1 ? "no INDEX\n" : npos < 2 ? "no QUERY\n"
                                                           : "unexpected argument '%s'\n",
                          npos > 2 ? argv[optind + 2] : "");
        return cli_usage_error(search_usage);
    }
    const char *path = argv[optind];
    fo.keywords = argv[optind + 1];
    fo.any = 1;
    char err[512] = "";
    int ec = EXIT_OK, rc;
    tenyo_index *x = cli_open_index(path, &ec);
    if (!x) return ec;
    tenyo_ctx *ctx = NULL;
    tenyo_filter *filter = NULL;
    tenyo_hit *hits = calloc((size_t)k, sizeof *hits);
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc || !hits) {
        cli_err("%s\n", rc ? err : "out of memory");
        ec = EXIT_RESOURCE;
        goto done;
    }
    if ((ec = cli_filter_make(x, ctx, &fo, &filter)) != EXIT_OK) {
        if (ec == EXIT_USAGE) cli_usage_error(search_usage);
        goto done;
    }
    int n = tenyo_search(ctx, filter, (size_t)k, hits);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    int64_t matching = tenyo_filter_count(filter);
    if (json) {
        json_t *o = cli_search_json(x, &fo, filter, k, hits, n);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("検索 / search: %s\n", fo.keywords);
        printf("%lld of %llu patents match; %d shown, ranked by TF-IDF\n",
               (long long)matching, (unsigned long long)tenyo_index_ndocs(x), n);
        cli_print_hits(x, hits, n);
    }
done:
    free(hits);
    tenyo_filter_free(filter);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}

/* ============================================================= tokens */

static void print_term(void *ud, const char *t, size_t n) {
    int *first = ud;
    if (!*first) fputc(' ', stdout);
    fwrite(t, 1, n, stdout);
    *first = 0;
}

static const char *tokens_usage =
    "usage: tenyo tokens (--text TEXT | --file FILE | --identity) [options]\n"
    "Print the index terms of a text, space-separated, one line per input line\n"
    "(what the indexer sees).\n"
    "      --text TEXT       the text\n"
    "      --file FILE       the text of FILE (charset detected; - for stdin)\n"
    "      --identity        first print the tokenizer identity an index records\n"
    "      --dicdir DIR      MeCab dictionary (default: system ipadic-utf8)\n"
    "      --no-parts        do not keep the parts of compound nouns\n"
    "      --stem            English stemming (Snowball English; the default)\n"
    "      --no-stem         no English stemming\n";

static int cmd_tokens(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"dicdir", required_argument, 0, OPT_DICDIR}, {"no-parts", no_argument, 0, OPT_NO_PARTS},
        {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM}, {"identity", no_argument, 0, 'I'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    tenyo_tok_opts to;
    tenyo_tok_opts_default(&to);
    const char *text = NULL, *file = NULL;
    int c, ident = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case OPT_DICDIR: to.mecab_dicdir = optarg; break;
        case OPT_NO_PARTS: to.keep_parts = 0; break;
        case OPT_STEM: to.stem = 2; break;
        case OPT_NO_STEM: to.stem = 0; break;
        case 'I': ident = 1; break;
        case 'h': fputs(tokens_usage, stdout); return EXIT_OK;
        default: return cli_usage_error(tokens_usage);
        }
    }
    if ((!text == !file && !ident) || optind != argc) {
        if (optind != argc) cli_err("unexpected argument '%s'\n", argv[optind]);
        else cli_err("give one of --text, --file, --identity\n");
        return cli_usage_error(tokens_usage);
    }
    tenyo_tokenizer *t = NULL;
    char err[512] = "";
    int rc = tenyo_tokenizer_new(&to, &t, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        return EXIT_RESOURCE;
    }
    if (ident) printf("%s\n", tenyo_tokenizer_identity(t));
    char *buf = NULL;
    size_t len = 0;
    int ec = EXIT_OK;
    if (file) {
        buf = cli_slurp(file, &len);
        if (!buf) { tenyo_tokenizer_free(t); return EXIT_INPUT; }
        text = buf;
    } else if (text) {
        len = strlen(text);
    }
    const char *p = text, *e = text ? text + len : NULL;
    while (p && p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        int first = 1;
        rc = tenyo_tokenizer_run(t, p, n, print_term, &first);
        if (rc < 0) {
            cli_err("%s\n", tenyo_tokenizer_error(t));
            ec = cli_exit_code(rc);
            break;
        }
        fputc('\n', stdout);
        p += n + 1;
    }
    free(buf);
    tenyo_tokenizer_free(t);
    return ec;
}

/* =============================================================== main */

static const char *main_usage =
    "tenyo " TENYO_VERSION_STRING " — where else could this patent apply?\n"
    "usage: tenyo COMMAND [options]   (tenyo COMMAND --help for details; man tenyo)\n"
    "  index    build an index from JSONL / J-PlatPat CSV / JPO XML files\n"
    "  similar  nearest patents of an indexed patent or of free text\n"
    "  search   keyword search: terms that must / must not occur, ranked by TF-IDF\n"
    "  ideas    other technical fields where a patent could be applied\n"
    "  match    licensable patents a company could use, from its strengths (Kawasaki model)\n"
    "  profile  applicability profile of licensable patents (JSON lines or CSV)\n"
    "  serve    HTTP API and analyst web page over an index\n"
    "  info     what an index holds, how it was built, how stale its fit is\n"
    "  add      add documents to an index (a new segment, no rebuild)\n"
    "  delete   delete documents from an index by id\n"
    "  rebuild  refit an updated index over its live documents\n"
    "  open     load (or clear) the list of licensable patents of an index\n"
    "  check    verify every file of an index; --repair keeps what is readable\n"
    "  eval     Protocols S and X of EVAL.md on a corpus\n"
    "  tokens   show the terms the tokenizer produces for a text\n"
    "  version  print the version (also -V, --version)\n"
    "exit codes: 0 ok, 1 usage, 2 input error, 3 index error, 4 resource error\n";

int cli_main(int argc, char **argv) {
    static const char *const cmds[] = {"index", "similar", "search", "ideas", "serve", "info", "add",
                                       "delete", "rebuild", "open", "check", "match", "profile", "eval", "tokens",
                                       "version", "help"};
    if (argc < 2) {
        cli_err("no command\n");
        return cli_usage_error(main_usage + strcspn(main_usage, "\n") + 1);
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("tenyo %s\n", tenyo_version());
        return EXIT_OK;
    }
    argc--;
    argv++;
    cli_cmd = cmd;
    if (!strcmp(cmd, "index")) return cmd_index(argc, argv);
    if (!strcmp(cmd, "similar")) return cmd_similar(argc, argv);
    if (!strcmp(cmd, "search")) return cmd_search(argc, argv);
    if (!strcmp(cmd, "info")) return cmd_info(argc, argv);
    if (!strcmp(cmd, "add")) return cmd_add(argc, argv);
    if (!strcmp(cmd, "delete")) return cmd_delete(argc, argv);
    if (!strcmp(cmd, "rebuild")) return cmd_rebuild(argc, argv);
    if (!strcmp(cmd, "open")) return cmd_open(argc, argv);
    if (!strcmp(cmd, "match")) return cli_cmd_match(argc, argv);
    if (!strcmp(cmd, "profile")) return cli_cmd_profile(argc, argv);
    if (!strcmp(cmd, "check")) return cmd_check(argc, argv);
    if (!strcmp(cmd, "eval")) return cli_cmd_eval(argc, argv);
    if (!strcmp(cmd, "ideas")) return cli_cmd_ideas(argc, argv);
    if (!strcmp(cmd, "serve")) return cli_cmd_serve(argc, argv);
    if (!strcmp(cmd, "tokens")) return cmd_tokens(argc, argv);
    cli_cmd = "";
    static const char *const mopts[] = {"--help", "--version"};
    const char *s = cmd[0] == '-' ? cli_suggest(cmd, mopts, 2)
                                  : cli_suggest(cmd, cmds, sizeof cmds / sizeof *cmds);
    if (s) cli_err("unknown %s '%s'; did you mean '%s'?\n", cmd[0] == '-' ? "option" : "command",
                   cmd, s);
    else cli_err("unknown %s '%s'\n", cmd[0] == '-' ? "option" : "command", cmd);
    return cli_usage_error(main_usage + strcspn(main_usage, "\n") + 1);
}
