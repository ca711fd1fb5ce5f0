/*
 * cmd_rebuild.c — `tenyo rebuild`: refit an updated index over its live
 * documents from their stored term counts; with --ivf / --no-ivf, set its
 * approximate-search lists anew (tenyo_index_rebuild_ivf: the lists alone
 * when the index has no updates).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, input.c,
 * opts.c, writer.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *rebuild_usage =
    "usage: tenyo rebuild INDEX [-t N] [--ivf[=LISTS] [--f16] | --no-ivf]\n"
    "Refit vocabulary, idf and LSA over all live documents from their stored term\n"
    "counts (no source files needed), merge the added segments and drop the\n"
    "deletions: a new base file, written atomically. Options of the original build\n"
    "(rank, df filters, seed, IVF, IPC titles) are kept.\n"
    "  -t, --threads N     threads (default: all cores)\n"
    "      --ivf[=LISTS]   set the approximate-search lists (IVF) anew: LISTS lists\n"
    "                      (default 4 sqrt(documents)); an index without updates\n"
    "                      is not refitted: only the lists are built and the file\n"
    "                      rewritten, every exact answer as it was\n"
    "      --f16           with --ivf: float16 vectors for the IVF's re-rank (kept\n"
    "                      when the index has them, else made by a refit)\n"
    "      --no-ivf        drop the lists and float16 vectors (no refit without\n"
    "                      updates); on an index without lists, how one written by\n"
    "                      an older tenyo gains the stored term postings, the\n"
    "                      first applicants as numbers, the term facts, the\n"
    "                      rows in frames and abstracts read a block at a time\n"
    "                      (faster text queries, ideas, match and similar)\n";

enum { RB_IVF = 256, RB_F16, RB_NO_IVF };

/* The summary line of a rebuild that set the lists (ivf_lists as
 * tenyo_build_opts', refitted as tenyo_index_rebuild_ivf gives it). */
static void ivf_summary(const char *path, const tenyo_build_stats *st, int ivf_lists, int f16,
                        int refitted) {
    char lists[48];
    if (ivf_lists > 0) snprintf(lists, sizeof lists, "%d IVF lists", ivf_lists);
    else snprintf(lists, sizeof lists, "IVF lists (4 sqrt(documents))");
    if (refitted) {
        fprintf(stderr, "rebuilt %llu documents (refit), %llu terms, rank %d, %s%s, "
                "%.1f s (svd %.1f s, ivf %.1f s), %.2f MB, peak memory %.0f MiB -> %s\n",
                (unsigned long long)st->docs, (unsigned long long)st->terms, st->dim,
                ivf_lists ? lists : "no IVF lists", f16 ? " with float16 vectors" : "",
                st->sec_total, st->sec_svd, st->sec_ivf, st->file_bytes / 1e6,
                cli_peak_mib(), path);
    } else if (ivf_lists) {
        fprintf(stderr, "rebuilt the %s%s of %llu documents, rank %d (no updates: "
                "fit kept, not refitted), %.1f s (ivf %.1f s, write %.1f s), %.2f MB, "
                "peak memory %.0f MiB -> %s\n", lists,
                f16 ? " (float16 vectors kept)" : "", (unsigned long long)st->docs,
                st->dim, st->sec_total, st->sec_ivf, st->sec_write, st->file_bytes / 1e6,
                cli_peak_mib(), path);
    } else {
        fprintf(stderr, "rewrote %llu documents without IVF lists or float16 vectors "
                "(no updates: fit kept, not refitted; the stored term postings, the first "
                "applicants' numbers, the rows' frames, the vocabulary's and the ids' lookup "
                "tables and, "
                "where the index had none, the term facts made anew), "
                "%.1f s, %.2f MB -> %s\n",
                (unsigned long long)st->docs, st->sec_total, st->file_bytes / 1e6, path);
    }
}

int cli_cmd_rebuild(int argc, char **argv) {
    static const struct option lo[] = {{"threads", required_argument, 0, 't'},
                                       {"ivf", optional_argument, 0, RB_IVF},
                                       {"f16", no_argument, 0, RB_F16},
                                       {"no-ivf", no_argument, 0, RB_NO_IVF},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, threads = 0, set = 0, no_ivf = 0, f16 = 0;
    long lists = -1;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "t:h", lo)) != -1) {
        if (c == 't') {
            if (cli_int("--threads", optarg, 0, 256, &threads)) return cli_usage_error(rebuild_usage);
        } else if (c == RB_IVF) {
            set = 1;
            lists = -1;
            if (optarg && cli_long("--ivf", optarg, 1, 1000000, &lists))
                return cli_usage_error(rebuild_usage);
        } else if (c == RB_F16) { f16 = 1; }
        else if (c == RB_NO_IVF) { no_ivf = 1; }
        else if (c == 'h') { return cli_help(rebuild_usage); }
        else return cli_usage_error(rebuild_usage);
    }
    if (argc - optind != 1) {
        cli_err(argc - optind < 1 ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(rebuild_usage);
    }
    if (no_ivf && (set || f16)) {
        cli_err("--no-ivf drops the lists: not with --ivf or --f16\n");
        return cli_usage_error(rebuild_usage);
    }
    if (f16 && !set) {
        cli_err("--f16 serves the IVF's re-rank: give --ivf too\n");
        return cli_usage_error(rebuild_usage);
    }
    const char *path = argv[optind];
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    bo.ivf_lists = set ? (int)lists : 0;
    bo.f16_vectors = f16;
    cli_progress ps = {0};
    bo.progress = cli_on_progress;
    bo.progress_ud = &ps;
    tenyo_build_stats st;
    char err[512] = "";
    int refitted = 1;
    int rc = set || no_ivf ? tenyo_index_rebuild_ivf(path, &bo, &st, &refitted, err, sizeof err)
                           : tenyo_index_rebuild(path, &bo, &st, err, sizeof err);
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
        /* an option the index cannot take (more lists than documents) is
         * a bad option value, as the ranges checked above are */
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : cli_writer_exit(rc);
    }
    if (set || no_ivf) {
        ivf_summary(path, &st, bo.ivf_lists, f16, refitted);
        return EXIT_OK;
    }
    fprintf(stderr, "rebuilt %llu documents, %llu terms, rank %d, %.1f s (svd %.1f s), "
            "%.2f MB, peak memory %.0f MiB -> %s\n", (unsigned long long)st.docs,
            (unsigned long long)st.terms, st.dim, st.sec_total, st.sec_svd,
            st.file_bytes / 1e6, cli_peak_mib(), path);
    return EXIT_OK;
}
