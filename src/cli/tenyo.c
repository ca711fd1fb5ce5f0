/*
 * tenyo.c — the command-line program. Uses only include/tenyo.h (plus
 * jansson to print JSON, so that escaping is never hand-written).
 *
 *   tenyo index -o INDEX [options] FILE...     build an index
 *   tenyo similar INDEX (ID | --text T | --file F) [-k N] [--mode M] [--json]
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
 * Human output is for a Japanese analyst reading a terminal: rank, score,
 * id, fields, then the title last (so that wide characters do not break the
 * columns). --json prints one object per result set. Ids, titles and
 * labels come from untrusted records: text output passes them through
 * cli_safe (control characters escaped), CSV through the formula rule.
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
        fprintf(stderr, "tenyo: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    while (p) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        if (cap >= ((size_t)64 << 20)) {
            fprintf(stderr, "tenyo: %s: query file larger than 64 MiB\n", path);
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
        fprintf(stderr, "tenyo: %s: %s\n", path, err);
        return NULL;
    }
    return u;
}

int cli_resolve_query(const tenyo_index *x, const char *path, const char *id,
                      const char *file, const char **text, size_t *len,
                      char **buf, int64_t *doc) {
    *doc = -1;
    *len = 0;
    if (id) {
        *doc = tenyo_index_find(x, id);
        if (*doc < 0) {
            fprintf(stderr, "tenyo: %s: no patent '%s' in the index\n", path, id);
            return EXIT_INPUT;
        }
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
        fprintf(stderr, "%s:%ld: %s\n", file, line, msg);
        r->shown++;
        if (r->shown == MAX_REPORTS)
            fprintf(stderr, "tenyo: further record messages are not shown\n");
    }
}

/* Progress of the current stage on a terminal: a bar, count, rate and
 * ETA, redrawn at most 10 times a second (and at the end of a stage). */
typedef struct progress_state {
    char stage[16];    /* stage being shown */
    double t0;         /* when it started */
    double last;       /* last redraw */
    int reading;       /* input files are being read: the reading bar (which
                          includes tokenizing, done as records arrive) is
                          the only one shown */
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

static void on_progress(void *ud, const char *stage, uint64_t done,
                        uint64_t total) {
    progress_state *p = ud;
    if (!is_tty_stderr() || !p) return;
    if (p->reading && strcmp(stage, "read MiB")) return;
    double t = mono_now();
    if (strncmp(p->stage, stage, sizeof p->stage - 1)) {
        snprintf(p->stage, sizeof p->stage, "%s", stage);
        p->t0 = t;
        p->last = 0;
    }
    if (done < total && t - p->last < 0.1) return;
    p->last = t;
    double el = t - p->t0;
    if (total > 1) {
        char bar[21];
        int fill = (int)(20.0 * (double)done / (double)total);
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        double rate = el > 0 ? (double)done / el : 0;
        double eta = rate > 0 ? (double)(total - done) / rate : 0;
        char eta_s[16] = "--";
        if (rate > 0 && el >= 0.5) snprintf(eta_s, sizeof eta_s, "%d:%02d", (int)eta / 60, (int)eta % 60);
        fprintf(stderr, "\r%-9s [%s] %llu/%llu %3.0f%%  %.0f/s  ETA %s   ", stage, bar,
                (unsigned long long)done, (unsigned long long)total,
                100.0 * (double)done / (double)total, rate, eta_s);
    } else {
        fprintf(stderr, "\r%-9s %s  %.1f s            ", stage, done ? "done" : "...", el);
    }
    if (done >= total) fputc('\n', stderr);
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
    "      --dicdir DIR         MeCab dictionary (default: system ipadic-utf8)\n"
    "      --no-parts           do not keep the parts of compound nouns\n"
    "      --no-stem            no English stemming (default: Porter step 1)\n"
    "      --ivf[=LISTS]        also build approximate-search lists (IVF; default\n"
    "                           4 sqrt(documents) lists) for `similar --nprobe`\n"
    "      --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) whose titles\n"
    "                           are recorded in the index for field labels (repeatable)\n"
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
            fprintf(stderr, "tenyo: %s\n", err[0] ? err : tenyo_strerror(rc));
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        const tenyo_doc *d;
        uint64_t nrec = 0;
        progress_state *ps = sink->progress_ud;
        if (sink->progress && ps) ps->reading = 1;
        while ((rc = tenyo_reader_next(r, &d)) == 1) {
            if (sink->progress && (++nrec & 255) == 0) {
                tenyo_read_stats now;
                tenyo_reader_stats(r, &now);
                if (now.bytes_total > (1u << 20))
                    sink->progress(sink->progress_ud, "read MiB", now.bytes_read >> 20,
                                   now.bytes_total >> 20);
            }
            if (keep && !keep(keep_ud, d)) { tot->filtered++; continue; }
            int arc = sink->add(sink->ud, d);
            if (arc) {
                fprintf(stderr, "tenyo: %s:%ld: %s\n", d->source, d->line,
                        sink->error(sink->ud));
                tenyo_reader_free(r);
                return cli_exit_code(arc);
            }
        }
        if (rc < 0) {
            fprintf(stderr, "tenyo: %s\n", tenyo_reader_error(r));
            tenyo_reader_free(r);
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        tenyo_read_stats st;
        tenyo_reader_stats(r, &st);
        if (sink->progress && ps) {
            if (st.bytes_total > (1u << 20))
                sink->progress(sink->progress_ud, "read MiB", st.bytes_total >> 20,
                               st.bytes_total >> 20);
            ps->reading = 0;
        }
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

/* Shared option parsing for builder settings; returns 1 if handled. */
int cli_build_opt(int c, const char *arg, tenyo_build_opts *bo, int *bad) {
    char *end = NULL;
    switch (c) {
    case 'd': bo->dim = (int)strtol(arg, &end, 10); break;
    case 't':
        bo->threads = (int)strtol(arg, &end, 10);
        if (bo->threads < 0) end = NULL; /* reported as invalid below (0: all cores) */
        break;
    case OPT_MIN_DF: bo->min_df = (int)strtol(arg, &end, 10); break;
    case OPT_MAX_DF: bo->max_df_ratio = strtod(arg, &end); break;
    case OPT_SEED: bo->seed = strtoull(arg, &end, 0); break;
    case OPT_POWER: bo->power_iters = (int)strtol(arg, &end, 10); break;
    case OPT_OVERSAMPLE: bo->oversample = (int)strtol(arg, &end, 10); break;
    case OPT_MAX_TERMS:
        bo->max_terms = (int)strtol(arg, &end, 10);
        if (bo->max_terms < 1) end = NULL; /* reported as invalid below */
        break;
    case OPT_DICDIR: bo->tok.mecab_dicdir = arg; return 1;
    case OPT_NO_PARTS: bo->tok.keep_parts = 0; return 1;
    case OPT_STEM: bo->tok.stem = 1; return 1;
    case OPT_NO_STEM: bo->tok.stem = 0; return 1;
    default: return 0;
    }
    if (!end || *end || end == arg) {
        fprintf(stderr, "tenyo: invalid number '%s'\n", arg);
        *bad = 1;
    }
    return 1;
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
        {"no-parts", no_argument, 0, OPT_NO_PARTS}, {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM},
        {"ipc-titles", required_argument, 0, OPT_TITLES},
        {"ivf", optional_argument, 0, OPT_IVF}, {"force", no_argument, 0, OPT_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    unsigned wflags = 0;
    const char *titles[8];
    tenyo_read_opts ro = {0};
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    int quiet = 0, bad = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:e:d:t:qh", lo, NULL)) != -1) {
        if (cli_build_opt(c, optarg, &bo, &bad)) continue;
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (cli_parse_format(optarg, &ro.format)) {
                fprintf(stderr, "tenyo: unknown format '%s'\n", optarg);
                bad = 1;
            }
            break;
        case 'e': ro.encoding = optarg; break;
        case OPT_STRICT: ro.strict = 1; break;
        case OPT_TITLES:
            if (bo.nipc_titles == 8) {
                fprintf(stderr, "tenyo: at most 8 --ipc-titles files\n");
                bad = 1;
            } else {
                titles[bo.nipc_titles++] = optarg;
                bo.ipc_titles = titles;
            }
            break;
        case OPT_IVF: {
            char *e = NULL;
            long v = optarg ? strtol(optarg, &e, 10) : -1;
            if (optarg && (*e || v < 1 || v > 1000000)) {
                fprintf(stderr, "tenyo: --ivf lists must be between 1 and 1000000\n");
                bad = 1;
            }
            bo.ivf_lists = (int)v;
            break;
        }
        case OPT_FORCE: wflags |= TENYO_WRITE_FORCE; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(index_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (bad || !out || optind >= argc) {
        if (!bad && !out) fprintf(stderr, "tenyo index: -o INDEX is required\n");
        if (!bad && out) fprintf(stderr, "tenyo index: no input files\n");
        fputs(index_usage, stderr);
        return EXIT_USAGE;
    }
    /* an input (or titles) file named as the output, under any name */
    struct stat ost, ist;
    int ninputs = argc - optind;
    for (int i = 0; stat(out, &ost) == 0 && i < ninputs + (int)bo.nipc_titles; i++) {
        const char *in = i < ninputs ? argv[optind + i] : titles[i - ninputs];
        if (stat(in, &ist) == 0 && ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
            fprintf(stderr, "tenyo index: %s is both an input and the output %s; "
                    "nothing written\n", in, out);
            return EXIT_USAGE;
        }
    }
    progress_state ps = {"", 0, 0, 0};
    bo.progress = on_progress;
    bo.progress_ud = &ps;
    char err[512] = "";
    /* the writer lock first: another writer of this index refuses us now,
     * not after the inputs were read */
    tenyo_writer *w = NULL;
    int rc = tenyo_writer_open(out, wflags, &w, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\ntenyo: nothing written\n", err);
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
    }
    tenyo_builder *b = NULL;
    rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
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
        fprintf(stderr, "tenyo: nothing written; %s is unchanged\n", out);
        return ec;
    }
    tenyo_build_stats st;
    rc = tenyo_writer_commit(w, b, &st, err, sizeof err);
    tenyo_builder_free(b);
    tenyo_writer_free(w);
    if (rc == TENYO_ERR_UNSYNCED) {
        fprintf(stderr, "tenyo: %s\ntenyo: %s: written (%llu documents), but its directory "
                "could not be synced: committed, durability unknown\n", err, out,
                (unsigned long long)st.docs);
        return EXIT_RESOURCE;
    }
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
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
    return EXIT_OK;
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
    "Delete documents by id (FILE: one id per line). Unknown ids are reported\n"
    "and give exit 2; the others are deleted.\n";

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
        fprintf(stderr, "tenyo: %s\n", err);
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
        fprintf(stderr, "tenyo: %s\ntenyo: %s: generation %llu committed (%llu documents), "
                "but durability unknown: the directory could not be synced\n",
                tenyo_update_error(u), path, (unsigned long long)st->generation,
                (unsigned long long)st->docs);
        tenyo_update_free(u);
        return EXIT_RESOURCE;
    }
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", tenyo_update_error(u));
        ec = EXIT_RESOURCE;
    }
    if (ec) fprintf(stderr, "tenyo: nothing committed; %s is unchanged\n", path);
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
    while ((c = getopt_long(argc, argv, "f:e:t:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_parse_format(optarg, &ro.format)) {
                fprintf(stderr, "tenyo: unknown format '%s'\n", optarg);
                bad = 1;
            }
            break;
        case 'e': ro.encoding = optarg; break;
        case OPT_STRICT: ro.strict = 1; break;
        case 't': {
            char *e = NULL;
            threads = (int)strtol(optarg, &e, 10);
            if (*e || threads < 0) bad = 1;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': fputs(add_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (bad || argc - optind < 2) {
        fputs(add_usage, stderr);
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    tenyo_update *u = NULL;
    int ec = open_update(path, threads, &u);
    if (ec) return ec;
    cli_read_totals tot = {0};
    progress_state ps = {"", 0, 0, 0};
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
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'F') from = optarg;
        else if (c == 'h') { fputs(delete_usage, stdout); return EXIT_OK; }
        else { fputs(delete_usage, stderr); return EXIT_USAGE; }
    }
    if (argc - optind < 1 || (!from && argc - optind < 2)) {
        fputs(delete_usage, stderr);
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    FILE *f = NULL;
    if (from && !(f = strcmp(from, "-") ? fopen(from, "r") : stdin)) {
        fprintf(stderr, "tenyo: %s: cannot open: %s\n", from, strerror(errno));
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
            fprintf(stderr, "tenyo: %s\n", tenyo_update_error(u));
            ec = EXIT_RESOURCE;
            break;
        }
        if (r) found++;
        else {
            missing++;
            if (missing <= 30) {
                if (f) fprintf(stderr, "tenyo: %s:%ld: %s: not in the index\n", from, lineno, id);
                else fprintf(stderr, "tenyo: %s: not in the index\n", id);
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
    while ((c = getopt_long(argc, argv, "t:h", lo, NULL)) != -1) {
        if (c == 't') {
            char *e = NULL;
            threads = (int)strtol(optarg, &e, 10);
            if (*e || threads < 0) { fputs(rebuild_usage, stderr); return EXIT_USAGE; }
        } else if (c == 'h') { fputs(rebuild_usage, stdout); return EXIT_OK; }
        else { fputs(rebuild_usage, stderr); return EXIT_USAGE; }
    }
    if (argc - optind != 1) {
        fputs(rebuild_usage, stderr);
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    progress_state ps = {"", 0, 0, 0};
    bo.progress = on_progress;
    bo.progress_ud = &ps;
    tenyo_build_stats st;
    char err[512] = "";
    int rc = tenyo_index_rebuild(path, &bo, &st, err, sizeof err);
    if (rc == TENYO_ERR_UNSYNCED) {
        fprintf(stderr, "tenyo: %s\ntenyo: %s: rebuilt (%llu documents), but its directory "
                "could not be synced: committed, durability unknown\n", err, path,
                (unsigned long long)st.docs);
        return EXIT_RESOURCE;
    }
    if (rc) {
        fprintf(stderr, "tenyo: %s\ntenyo: %s is unchanged\n", err, path);
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
    fprintf(stderr, "tenyo: %s\n", err[0] ? err : tenyo_strerror(rc));
    return writer_exit(rc);
}

/* =============================================================== info */

static const char *info_usage =
    "usage: tenyo info INDEX [--json]\n"
    "Show what an index holds and how it was built, after checking all of it.\n";

static int cmd_info(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') { fputs(info_usage, stdout); return EXIT_OK; }
        else { fputs(info_usage, stderr); return EXIT_USAGE; }
    }
    if (optind != argc - 1) { fputs(info_usage, stderr); return EXIT_USAGE; }
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(argv[optind], &x, err, sizeof err);
    if (!rc) rc = tenyo_index_load_all(x, err, sizeof err); /* check all of it */
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        tenyo_index_free(x);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (in.updates_missing)
        fprintf(stderr, "tenyo: warning: %s: updates were committed to this index, but "
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
    "  -k N                  number of results (default 10, at most 10000)\n"
    "  -m, --mode M          tfidf | lsa | hybrid (default hybrid)\n"
    "      --text TEXT       query with free text (Japanese or English)\n"
    "      --file FILE       query with the text of FILE (UTF-8; - for stdin)\n"
    "      --hybrid-weight W weight of TF-IDF in hybrid mode (default 0.7)\n"
    "      --scan S          LSA scan: auto (int8 from 20,000 documents), fp32, int8\n"
    "      --nprobe N        approximate search (lsa, hybrid) visiting the N closest lists\n"
    "                        of the index's IVF (index --ivf); candidates scored exactly\n"
    "      --json            one JSON object: {\"query\": {...}, \"results\": [...]}\n";

static int cmd_similar(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"hybrid-weight", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
        {"scan", required_argument, 0, 's'}, {"nprobe", required_argument, 0, 'P'},
        {0, 0, 0, 0}};
    long nprobe = 0;
    const char *text = NULL, *file = NULL;
    tenyo_scan scan = TENYO_SCAN_AUTO;
    long k = 10;
    double w = -1;
    tenyo_mode mode = TENYO_MODE_HYBRID;
    int json = 0, c, bad = 0;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:m:jh", lo, NULL)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'k':
            k = strtol(optarg, &end, 10);
            if (*end || k < 1 || k > 10000) {
                fprintf(stderr, "tenyo: -k must be between 1 and 10000\n");
                bad = 1;
            }
            break;
        case 'm':
            if (cli_parse_mode(optarg, &mode)) {
                fprintf(stderr, "tenyo: unknown mode '%s' (tfidf, lsa, hybrid)\n", optarg);
                bad = 1;
            }
            break;
        case 'w':
            w = strtod(optarg, &end);
            if (*end || !(w >= 0 && w <= 1)) {
                fprintf(stderr, "tenyo: --hybrid-weight must be in [0, 1]\n");
                bad = 1;
            }
            break;
        case 'j': json = 1; break;
        case 's':
            if (!strcmp(optarg, "auto")) scan = TENYO_SCAN_AUTO;
            else if (!strcmp(optarg, "fp32")) scan = TENYO_SCAN_FP32;
            else if (!strcmp(optarg, "int8")) scan = TENYO_SCAN_INT8;
            else { fprintf(stderr, "tenyo: --scan must be auto, fp32 or int8\n"); bad = 1; }
            break;
        case 'P':
            nprobe = strtol(optarg, &end, 10);
            if (*end || nprobe < 1 || nprobe > 1000000) {
                fprintf(stderr, "tenyo: --nprobe must be between 1 and 1000000\n");
                bad = 1;
            }
            break;
        case 'h': fputs(similar_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) fprintf(stderr, "tenyo similar: give exactly one of ID, --text, --file\n");
        fputs(similar_usage, stderr);
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    const char *id = npos == 2 ? argv[optind + 1] : NULL;
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(path, &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    int ec = EXIT_OK;
    tenyo_ctx *ctx = NULL;
    char *buf = NULL;
    tenyo_hit *hits = calloc((size_t)k, sizeof *hits);
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc || !hits) {
        fprintf(stderr, "tenyo: %s\n", rc ? err : "out of memory");
        ec = EXIT_RESOURCE;
        goto done;
    }
    if (w >= 0) tenyo_ctx_set_hybrid_weight(ctx, w);
    tenyo_ctx_set_scan(ctx, scan);
    if (nprobe && tenyo_ctx_set_nprobe(ctx, (uint32_t)nprobe)) {
        fprintf(stderr, "tenyo: %s: %s\n", path, tenyo_ctx_error(ctx));
        ec = EXIT_USAGE;
        goto done;
    }
    int n;
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    if (qdoc >= 0) n = tenyo_similar_doc(ctx, (uint64_t)qdoc, mode, (size_t)k, hits);
    else n = tenyo_similar_text(ctx, text, len, mode, (size_t)k, hits);
    if (n < 0) {
        fprintf(stderr, "tenyo: %s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    tenyo_doc_meta qm;
    if (json) {
        json_t *o = cli_similar_json(x, qdoc, text, mode, k, hits, n);
        cli_print_json(o);
        json_decref(o);
    } else {
        if (qdoc >= 0) {
            tenyo_index_doc(x, (uint64_t)qdoc, &qm);
            printf("類似特許 / similar to %s  [%s]  %s\n", cli_safe(qm.id), cli_safe(qm.fields),
                   cli_safe(qm.title));
        } else {
            printf("類似特許 / similar to the query text\n");
        }
        printf("mode %s, %d result%s\n", cli_mode_name(mode), n, n == 1 ? "" : "s");
        printf("%4s  %6s  %-18s %-16s %s\n", "rank", "score", "id", "fields", "title");
        for (int i = 0; i < n; i++) {
            tenyo_doc_meta dm;
            tenyo_index_doc(x, hits[i].doc, &dm);
            printf("%4d  %6.3f  %-18s %-16s %s%s\n", i + 1, (double)hits[i].score,
                   cli_safe(dm.id), dm.fields[0] ? cli_safe(dm.fields) : "-", cli_safe(dm.title),
                   dm.open ? "  [open]" : "");
        }
    }
done:
    free(buf);
    free(hits);
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
    "usage: tenyo tokens (--text TEXT | --file FILE) [--dicdir DIR] [--no-parts] [--no-stem]\n"
    "Print the index terms of a text, space-separated, one line per input line\n"
    "(what the indexer sees). Shows the tokenizer identity with --identity.\n";

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
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case OPT_DICDIR: to.mecab_dicdir = optarg; break;
        case OPT_NO_PARTS: to.keep_parts = 0; break;
        case OPT_STEM: to.stem = 1; break;
        case OPT_NO_STEM: to.stem = 0; break;
        case 'I': ident = 1; break;
        case 'h': fputs(tokens_usage, stdout); return EXIT_OK;
        default: fputs(tokens_usage, stderr); return EXIT_USAGE;
        }
    }
    if ((!text == !file && !ident) || optind != argc) {
        fputs(tokens_usage, stderr);
        return EXIT_USAGE;
    }
    tenyo_tokenizer *t = NULL;
    char err[512] = "";
    int rc = tenyo_tokenizer_new(&to, &t, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
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
            fprintf(stderr, "tenyo: %s\n", tenyo_tokenizer_error(t));
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
    "usage: tenyo COMMAND [options]   (tenyo COMMAND --help for details)\n"
    "  index    build an index from JSONL / J-PlatPat CSV / JPO XML files\n"
    "  similar  nearest patents of an indexed patent or of free text\n"
    "  ideas    other technical fields where a patent could be applied\n"
    "  serve    HTTP API and analyst web page over an index\n"
    "  info     what an index holds, how it was built, how stale its fit is\n"
    "  add      add documents to an index (a new segment, no rebuild)\n"
    "  delete   delete documents from an index by id\n"
    "  rebuild  refit an updated index over its live documents\n"
    "  check    verify every file of an index; --repair keeps what is readable\n"
    "  eval     Protocols S and X of EVAL.md on a corpus\n"
    "  tokens   show the terms the tokenizer produces for a text\n"
    "  version  print the version\n"
    "exit codes: 0 ok, 1 usage, 2 input error, 3 index error, 4 resource error\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("tenyo %s\n", tenyo_version());
        return EXIT_OK;
    }
    argc--;
    argv++;
    if (!strcmp(cmd, "index")) return cmd_index(argc, argv);
    if (!strcmp(cmd, "similar")) return cmd_similar(argc, argv);
    if (!strcmp(cmd, "info")) return cmd_info(argc, argv);
    if (!strcmp(cmd, "add")) return cmd_add(argc, argv);
    if (!strcmp(cmd, "delete")) return cmd_delete(argc, argv);
    if (!strcmp(cmd, "rebuild")) return cmd_rebuild(argc, argv);
    if (!strcmp(cmd, "check")) return cmd_check(argc, argv);
    if (!strcmp(cmd, "eval")) return cli_cmd_eval(argc, argv);
    if (!strcmp(cmd, "ideas")) return cli_cmd_ideas(argc, argv);
    if (!strcmp(cmd, "serve")) return cli_cmd_serve(argc, argv);
    if (!strcmp(cmd, "tokens")) return cmd_tokens(argc, argv);
    fprintf(stderr, "tenyo: unknown command '%s'\n", cmd);
    fputs(main_usage, stderr);
    return EXIT_USAGE;
}
