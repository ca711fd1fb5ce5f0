/*
 * cmd_check.c — `tenyo check`: verify every file of an index; --repair
 * keeps what is readable. Its usage errors print the whole help on stderr
 * (unlike the other commands: kept as it was published).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, writer.c,
 * views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *check_usage =
    "usage: tenyo check INDEX [--repair]\n"
    "Verify every file of an index: the base and every segment read whole, the\n"
    "deletion file and MANIFEST against each other, the whole opened as a reader\n"
    "would; leftovers of killed writers are listed. One line per finding (\"DAMAGED\"\n"
    "for a problem); exit 0 when consistent, 3 when not.\n"
    "  --repair   keep every readable document and commit a new consistent state:\n"
    "             damaged or missing files are moved aside into INDEX.upd/damaged-*/\n"
    "             (never deleted). A lost, damaged or older MANIFEST is rebuilt from\n"
    "             the newest deletion file, which records the state and each deleted\n"
    "             document's id; when no file proves which documents are deleted, or\n"
    "             the base is damaged, nothing is changed (exit 3): restore from a\n"
    "             backup or index the sources again. The base's term facts, when\n"
    "             damaged, are dropped (ideas and match then compute them).\n";

static void check_say(void *ud, int problem, const char *line) {
    (void)ud;
    printf("%s%s\n", problem ? "DAMAGED " : "", line);
}

int cli_cmd_check(int argc, char **argv) {
    static const struct option lo[] = {{"repair", no_argument, 0, OPT_REPAIR},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int repair = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == OPT_REPAIR) repair = 1;
        else if (c == 'h') { return cli_help(check_usage); }
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
                    repair ? " not repaired (the DAMAGED lines say why and what to do)"
                           : "; `tenyo check --repair` keeps every readable document, or "
                             "refuses when it cannot prove which are deleted");
        return rc == TENYO_OK ? EXIT_OK : EXIT_INDEX;
    }
    cli_err("%s\n", err[0] ? err : tenyo_strerror(rc));
    return cli_writer_exit(rc);
}
