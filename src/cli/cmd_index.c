/*
 * cmd_index.c — `tenyo index`: build an index from patent records.
 *
 * The records are read by cli_read_inputs (input.c) into a builder, with
 * the terminal progress of input.c; the index is committed under the
 * writer lock, taken before the inputs are read so that a second writer is
 * refused at once, not after hours. Under tenyo-mpi (cli_index_dist set by
 * src/mpi/tenyo_mpi.c) every process reads and tokenizes its share of the
 * records (the dist's sink); process 0 writes the index, the others send
 * it theirs (index_share).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, input.c,
 * opts.c, writer.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    "      --power-iters N      randomized SVD power iterations (default 1)\n"
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
    "      --f16                with --ivf: also keep the document vectors as float16\n"
    "                           (2 bytes per dimension per document) for the IVF's\n"
    "                           re-rank: recall near the float vectors' (info shows it)\n"
    "      --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) whose titles\n"
    "                           are recorded in the index for field labels (repeatable)\n"
    "      --open-list FILE     licensable patents: numbers one per line or a CSV\n"
    "                           with a number column (see 'tenyo open --help')\n"
    "      --open-column C      the number column of --open-list (header or 1-based)\n"
    "  -q, --quiet              no per-record messages\n"
    "Records of one id are merged field by field: an empty field keeps the other,\n"
    "the fuller value is kept, codes and numbers are joined, and a conflict is\n"
    "reported with both files and lines (counted as a duplicate).\n";

/* tenyo-mpi index on a process other than 0: read and tokenize this
 * process's share of the records and send it (cli_dist); its records'
 * messages are its own to print, the files' totals process 0's. */
static int index_share(const cli_dist *dist, tenyo_build_opts *bo, const tenyo_read_opts *ro,
                       char **files, int nfiles, int quiet) {
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
    if (dist->sink && (rc = dist->sink(dist->ud, b, &sink))) {
        cli_err("process %d: cannot share the reading\n", dist->rank);
        tenyo_builder_free(b);
        return cli_exit_code(rc);
    }
    if (dist->inputs) dist->inputs(dist->ud, files, nfiles, ro);
    int ec = cli_read_inputs(&sink, files, nfiles, ro, quiet, NULL, NULL, &tot);
    if (!ec && (rc = dist->flush(dist->ud, b, err, sizeof err))) {
        cli_err("process %d: %s\n", dist->rank, err[0] ? err : tenyo_builder_error(b));
        ec = cli_exit_code(rc);
    }
    tenyo_builder_free(b);
    return ec;
}

/* The options of one `tenyo index` run, and its inputs. */
typedef struct {
    const char *out, *open_list, *open_column;
    unsigned wflags;
    const char *titles[8];
    tenyo_read_opts ro;
    tenyo_build_opts bo;
    int quiet;
    char **files;
    int nfiles;
} index_args;

/* The checks on the options before any work: -1 to go on, else the exit
 * code (BAD: an option was already refused). */
static int index_check_args(const index_args *a, int bad) {
    const char *out = a->out, *open_list = a->open_list;
    if (!bad && out && !strcmp(out, "-")) {
        cli_err("-o -: an index is a file, replaced atomically; name one\n");
        bad = 1;
    }
    if (!bad && a->open_column && !open_list) {
        cli_err("--open-column needs --open-list FILE\n");
        bad = 1;
    }
    if (!bad && open_list && access(open_list, R_OK) != 0) { /* before hours of work */
        cli_err("--open-list %s: cannot read: %s\n", open_list, strerror(errno));
        return EXIT_INPUT;
    }
    if (!bad && open_list) { /* a list refused after the build would leave a new index */
        char lerr[512] = "";
        int lrc = tenyo_open_check(cli_input_path(open_list), lerr, sizeof lerr);
        if (lrc) {
            cli_err("%s; nothing written\n", lerr);
            return lrc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
    }
    if (!bad && out && !*out) {
        cli_err("-o: the output path is empty\n");
        bad = 1;
    }
    if (bad || !out || a->nfiles <= 0) {
        if (!bad && !out) cli_err("-o INDEX is required\n");
        if (!bad && out) cli_err("no input files\n");
        return cli_usage_error(index_usage);
    }
    /* an input (or titles) file named as the output, under any name (the
     * rest of the rule: tenyo_writer_open) */
    int ec = cli_output_inputs(NULL, out, (const char *const *)a->files, a->nfiles);
    if (!ec) ec = cli_output_inputs(NULL, out, a->titles, (int)a->bo.nipc_titles);
    return ec ? ec : -1;
}

/* Reads the options into *a: -1 to go on, else the exit code (help, a
 * usage error, an --open-list that cannot be read or is refused). */
static int index_parse(int argc, char **argv, index_args *a) {
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
        {"ivf", optional_argument, 0, OPT_IVF}, {"f16", no_argument, 0, OPT_F16},
        {"force", no_argument, 0, OPT_FORCE},
        {"shards", required_argument, 0, OPT_SHARDS},
        {"open-list", required_argument, 0, OPT_OPEN_LIST},
        {"open-column", required_argument, 0, OPT_COLUMN},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    tenyo_build_opts *bo = &a->bo;
    int bad = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "o:f:e:d:t:qh", lo)) != -1) {
        if (cli_build_opt(c, optarg, bo, &bad) || cli_read_opt(c, optarg, &a->ro, &bad))
            continue;
        switch (c) {
        case 'o': a->out = optarg; break;
        case OPT_TITLES:
            if (bo->nipc_titles == 8) {
                cli_err("at most 8 --ipc-titles files\n");
                bad = 1;
            } else {
                a->titles[bo->nipc_titles++] = cli_input_path(optarg);
                bo->ipc_titles = a->titles;
            }
            break;
        case OPT_IVF: {
            long v = -1;
            if (optarg && cli_long("--ivf", optarg, 1, 1000000, &v)) bad = 1;
            bo->ivf_lists = (int)v;
            break;
        }
        case OPT_F16: bo->f16_vectors = 1; break;
        case OPT_FORCE: a->wflags |= TENYO_WRITE_FORCE; break;
        case OPT_OPEN_LIST:
            if (a->open_list) { /* one list, as open --from: never the last silently */
                cli_err("--open-list given twice (%s, %s): put every number in one file\n",
                        a->open_list, optarg);
                bad = 1;
            }
            a->open_list = optarg;
            break;
        case OPT_COLUMN: a->open_column = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': return cli_help(index_usage);
        default: bad = 1;
        }
    }
    a->files = argv + optind;
    a->nfiles = argc - optind;
    return index_check_args(a, bad);
}

/* "nothing written" after a failed build, saying what became of OUT. */
static void index_nothing_written(const char *out) {
    if (access(out, F_OK) == 0) cli_err("nothing written; %s is unchanged\n", out);
    else cli_err("nothing written; %s was not created\n", out);
}

/* A new builder *B for the inputs and its sink *SINK, shared over DIST's
 * processes when there is one: 0, or the exit code (its message printed,
 * *B freed). */
static int index_builder(const index_args *a, const cli_dist *dist, cli_progress *ps,
                         tenyo_builder **b, cli_sink *sink) {
    char err[512] = "";
    int rc = tenyo_builder_new(&a->bo, b, err, sizeof err);
    if (!rc && dist && (rc = dist->setup(dist->ud, *b)))
        snprintf(err, sizeof err, "cannot share the build over %d processes", dist->size);
    if (rc) {
        cli_err("%s\n", err);
        tenyo_builder_free(*b);
        return cli_exit_code(rc) == EXIT_USAGE ? EXIT_USAGE : EXIT_RESOURCE;
    }
    *sink = cli_sink_builder(*b);
    sink->progress = cli_on_progress;
    sink->progress_ud = ps;
    if (dist && dist->sink && (rc = dist->sink(dist->ud, *b, sink))) {
        cli_err("cannot share the reading over %d processes\n", dist->size);
        tenyo_builder_free(*b);
        return cli_exit_code(rc);
    }
    return 0;
}

/* The line that closes a build: its counts, the time of each phase
 * ("other": the field table and metadata, and whatever else lies between
 * the named phases), the size and the peak memory. */
static void index_summary(const tenyo_build_stats *st, const cli_read_totals *tot, const char *out,
                          int shared) {
    /* the build's phases; "other": the field table, the metadata strings
     * and abstracts, and whatever else lies between the named phases */
    double named = st->sec_read + st->sec_tokenize + st->sec_weight + st->sec_svd +
                   st->sec_ivf + st->sec_fieldmodel + st->sec_termfacts + st->sec_keywords +
                   st->sec_write;
    char ivf[48] = "";
    double other = st->sec_total > named ? st->sec_total - named : 0.0;
    if (cli_lang_ja()) {
        if (st->sec_ivf > 0) snprintf(ivf, sizeof ivf, "、IVF %.1f 秒", st->sec_ivf);
        fprintf(stderr,
                "索引 %llu 件（%d ファイルの %llu レコードから。スキップ %llu 件、同じ特許の前の"
                "レコードに%s %llu 件、語のない文献 %llu 件）、語彙 %llu 語、次元 %d、%.1f 秒"
                "（形態素解析 %.1f 秒、読み込み %.1f 秒、重み付け %.1f 秒、SVD %.1f 秒%s、"
                "分野モデル %.1f 秒、語の素性 %.1f 秒、キーワード %.1f 秒、書き込み %.1f 秒、"
                "その他 %.1f 秒）、"
                "%.2f MB、最大メモリ %.0f MiB -> %s\n",
                (unsigned long long)st->docs, tot->files, (unsigned long long)tot->records,
                (unsigned long long)tot->skipped, shared ? "置き換え" : "統合",
                (unsigned long long)st->duplicates, (unsigned long long)st->empty,
                (unsigned long long)st->terms, st->dim, st->sec_total, st->sec_tokenize,
                st->sec_read, st->sec_weight, st->sec_svd, ivf, st->sec_fieldmodel,
                st->sec_termfacts, st->sec_keywords, st->sec_write, other, st->file_bytes / 1e6,
                cli_peak_mib(), out);
        return;
    }
    if (st->sec_ivf > 0) snprintf(ivf, sizeof ivf, ", ivf %.1f s", st->sec_ivf);
    fprintf(stderr,
            "indexed %llu docs from %llu records in %d file%s (%llu skipped, "
            "%llu %s an earlier record of the same patent, %llu without terms), %llu terms, rank %d, "
            "%.1f s (tokenize %.1f s, read %.1f s, weight %.1f s, svd %.1f s%s, "
            "field model %.1f s, term facts %.1f s, keywords %.1f s, write %.1f s, "
            "other %.1f s), %.2f MB, "
            "peak memory %.0f MiB -> %s\n",
            (unsigned long long)st->docs, (unsigned long long)tot->records, tot->files,
            tot->files == 1 ? "" : "s", (unsigned long long)tot->skipped,
            (unsigned long long)st->duplicates,
            shared ? "replaced" : "merged into", (unsigned long long)st->empty,
            (unsigned long long)st->terms, st->dim, st->sec_total, st->sec_tokenize,
            st->sec_read, st->sec_weight, st->sec_svd, ivf, st->sec_fieldmodel,
            st->sec_termfacts, st->sec_keywords, st->sec_write, other, st->file_bytes / 1e6,
            cli_peak_mib(), out);
}

int cli_cmd_index(int argc, char **argv) {
    index_args a = {0};
    tenyo_build_opts_default(&a.bo);
    int ec = index_parse(argc, argv, &a);
    if (ec >= 0) return ec;
    const char *out = a.out;
    cli_progress ps = {0};
    a.bo.progress = cli_on_progress;
    a.bo.progress_ud = &ps;
    a.bo.report = a.quiet ? NULL : cli_on_build_report;
    char err[512] = "";
    const cli_dist *dist = cli_index_dist;
    if (dist && dist->rank != 0)
        return index_share(dist, &a.bo, &a.ro, a.files, a.nfiles, a.quiet);
    /* the writer lock first: another writer of this index refuses us now,
     * not after the inputs were read */
    tenyo_writer *w = NULL;
    int rc = tenyo_writer_open(out, a.wflags, &w, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        cli_err("nothing written\n");
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
    }
    tenyo_builder *b = NULL;
    cli_sink sink;
    ec = index_builder(&a, dist, &ps, &b, &sink);
    if (ec) {
        tenyo_writer_free(w);
        return ec;
    }
    if (dist && dist->inputs) dist->inputs(dist->ud, a.files, a.nfiles, &a.ro);
    cli_read_totals tot = {0};
    ec = cli_read_inputs(&sink, a.files, a.nfiles, &a.ro, a.quiet, NULL, NULL, &tot);
    if (ec) {
        tenyo_builder_free(b);
        tenyo_writer_free(w);
        index_nothing_written(out);
        return ec;
    }
    tenyo_build_stats st;
    rc = tenyo_writer_commit(w, b, &st, err, sizeof err);
    tenyo_builder_free(b);
    int oec = EXIT_OK;
    if (!rc && a.open_list) /* under the same lock, the base in place */
        oec = cli_open_list_load(out, a.open_list, a.open_column, a.quiet, w);
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
                    (unsigned long long)tot.records, a.files[0],
                    a.nfiles > 1 ? " and the other files" : "",
                    tot.skipped ? " (the others skipped)" : "");
        else cli_err("%s\n", err);
        index_nothing_written(out);
        return rc == TENYO_ERR_EMPTY ? EXIT_INPUT : cli_exit_code(rc);
    }
    index_summary(&st, &tot, out, dist && dist->size > 1);
    return oec;
}
