/*
 * cmd_rebuild.c — `tenyo rebuild`: refit an updated index over its live
 * documents from their stored term counts.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *rebuild_usage =
    "usage: tenyo rebuild INDEX [-t N]\n"
    "Refit vocabulary, idf and LSA over all live documents from their stored term\n"
    "counts (no source files needed), merge the added segments and drop the\n"
    "deletions: a new base file, written atomically. Options of the original build\n"
    "(rank, df filters, seed, IVF, IPC titles) are kept.\n"
    "  -t, --threads N     threads (default: all cores)\n";

int cli_cmd_rebuild(int argc, char **argv) {
    static const struct option lo[] = {{"threads", required_argument, 0, 't'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, threads = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "t:h", lo)) != -1) {
        if (c == 't') {
            if (cli_int("--threads", optarg, 0, 256, &threads)) return cli_usage_error(rebuild_usage);
        } else if (c == 'h') { return cli_help(rebuild_usage); }
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
    cli_progress ps = {0};
    bo.progress = cli_on_progress;
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
        return cli_writer_exit(rc);
    }
    fprintf(stderr, "rebuilt %llu documents, %llu terms, rank %d, %.1f s (svd %.1f s), "
            "%.2f MB, peak memory %.0f MiB -> %s\n", (unsigned long long)st.docs,
            (unsigned long long)st.terms, st.dim, st.sec_total, st.sec_svd,
            st.file_bytes / 1e6, cli_peak_mib(), path);
    return EXIT_OK;
}
