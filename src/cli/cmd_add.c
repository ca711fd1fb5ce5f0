/*
 * cmd_add.c — `tenyo add`: add records to an index as a new segment,
 * without a rebuild (the update is opened and ended by writer.c, the
 * records read by input.c).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, input.c,
 * opts.c, writer.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *add_usage =
    "usage: tenyo add INDEX [options] FILE...\n"
    "Add patent records to an index without rebuilding it: they are tokenized like\n"
    "the index, folded into its LSA basis and written as a new segment. A record\n"
    "whose id is indexed is merged with that document field by field, keeping all\n"
    "its text; one whose new text would lose text the index does not keep (claims,\n"
    "description, a long abstract) is refused, naming it. Terms new to the index\n"
    "are searched by TF-IDF until `tenyo rebuild`. Nothing changes unless the\n"
    "whole add succeeds.\n"
    "  -f, --format F      auto|jsonl|jplatpat|jpo-xml (default auto)\n"
    "  -e, --encoding E    input charset (default: detect)\n"
    "      --strict        any bad record is fatal (exit 2)\n"
    "  -t, --threads N     tokenizer threads (default: all cores)\n"
    "  -q, --quiet         no per-record messages\n";

int cli_cmd_add(int argc, char **argv) {
    static const struct option lo[] = {
        {"format", required_argument, 0, 'f'}, {"encoding", required_argument, 0, 'e'},
        {"strict", no_argument, 0, OPT_STRICT}, {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    tenyo_read_opts ro = {0};
    int quiet = 0, bad = 0, c, threads = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "f:e:t:qh", lo)) != -1) {
        if (cli_read_opt(c, optarg, &ro, &bad)) continue;
        switch (c) {
        case 't': bad |= cli_int("--threads", optarg, 0, 256, &threads) != 0; break;
        case 'q': quiet = 1; break;
        case 'h': return cli_help(add_usage);
        default: bad = 1;
        }
    }
    if (bad || argc - optind < 2) {
        if (!bad) cli_err(argc - optind < 1 ? "no INDEX\n" : "no input files\n");
        return cli_usage_error(add_usage);
    }
    const char *path = argv[optind];
    tenyo_update *u = NULL;
    int ec = cli_update_open(path, threads, quiet, &u);
    if (ec) return ec;
    cli_read_totals tot = {0};
    cli_progress ps = {0};
    cli_sink sink = cli_sink_update(u);
    sink.progress = cli_on_progress;
    sink.progress_ud = &ps;
    ec = cli_read_inputs(&sink, argv + optind + 1, argc - optind - 1, &ro, quiet, NULL, NULL,
                         &tot);
    tenyo_update_stats st;
    ec = cli_update_end(u, path, ec, &st);
    if (ec) return ec;
    if (cli_lang_ja()) {
        fprintf(stderr,
                "追加 %llu 件（うち索引済みの文献と統合して置き換え %llu 件。%llu レコードから、"
                "新しい内容がなく索引済みの文献のまま %llu 件、スキップ %llu 件）: 世代 %llu、"
                "セグメント %.2f MB、%.1f 秒、最大メモリ %.0f MiB; 文献 %llu 件 -> %s\n",
                (unsigned long long)st.added, (unsigned long long)st.replaced, tot.records,
                (unsigned long long)st.unchanged,
                tot.skipped, (unsigned long long)st.generation, st.segment_bytes / 1e6,
                st.seconds, cli_peak_mib(), (unsigned long long)st.docs, path);
        return EXIT_OK;
    }
    fprintf(stderr,
            "added %llu documents (%llu merged with an indexed one and replacing it) from %llu "
            "records, %llu left an indexed one as it was (nothing new), %llu skipped: "
            "generation %llu, segment %.2f MB, %.1f s, peak memory %.0f MiB; "
            "%llu documents -> %s\n",
            (unsigned long long)st.added, (unsigned long long)st.replaced, tot.records,
            (unsigned long long)st.unchanged,
            tot.skipped, (unsigned long long)st.generation, st.segment_bytes / 1e6, st.seconds,
            cli_peak_mib(), (unsigned long long)st.docs, path);
    return EXIT_OK;
}
