/*
 * cmd_profile.c — `tenyo profile`: the applicability profile of licensable
 * patents (per patent: its confident proposals, how many, how far from its
 * own fields, the strongest evidence), for an office to sort its catalogue
 * by. The patents run through tenyo_ideas_batch; each profile is rendered
 * by cli_profile_cb (profiles.c), which GET /api/profile shares.
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * views/filters.c, views/profiles.c, views/query.c, views/safe.c,
 * views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *profile_usage =
    "usage: tenyo profile INDEX [--ids FILE | --all] [options]\n"
    "Applicability profile: per patent, where else it could be used -- its\n"
    "proposals (the ideas engine), how many, how far from its own fields, the\n"
    "strongest evidence -- for an office to sort its licensable catalogue by.\n"
    "Default: every licensable patent of the index (tenyo open, or the records).\n"
    "      --ids FILE       these patents (numbers one per line, as people type them;\n"
    "                       - for stdin); a line naming none is reported as FILE:LINE\n"
    "      --all            every patent of the index\n"
    "  -n N                 proposals per patent (default 10, at most 100)\n"
    "      --min-confidence C  proposals below confidence C are left out (default:\n"
    "                          none, the full list as `ideas` shows it, each proposal\n"
    "                          in its band)\n"
    "      --distance D     section | class | subclass (default class)\n"
    "      --lang ja|en     language of the labels (default ja)\n"
    "      --csv            CSV, one row per patent (default: JSON lines)\n"
    "      --bom            with --csv: start with a UTF-8 byte order mark (Excel)\n";

int cli_cmd_profile(int argc, char **argv) {
    static const struct option lo[] = {
        {"ids", required_argument, 0, 'I'}, {"all", no_argument, 0, 'A'},
        {"min-confidence", required_argument, 0, 'Q'}, {"distance", required_argument, 0, 'D'},
        {"lang", required_argument, 0, 'L'}, {"csv", no_argument, 0, 'C'},
        {"bom", no_argument, 0, 'U'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *ids = NULL, *lang = "ja";
    int all = 0, csv = 0, bom = 0, bad = 0, c;
    long n = 10;
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    optind = 1;
    while ((c = cli_getopt(argc, argv, "n:h", lo)) != -1) {
        switch (c) {
        case 'I': ids = optarg; break;
        case 'A': all = 1; break;
        case 'Q': bad |= cli_ideas_set("min_confidence", NULL, optarg, &io, NULL); break;
        case 'D': bad |= cli_ideas_set("distance", NULL, optarg, &io, NULL); break;
        case 'L': bad |= cli_ideas_set("lang", NULL, optarg, NULL, NULL); lang = optarg; break;
        case 'C': csv = 1; break;
        case 'U': bom = 1; break;
        case 'n': {
            double v;
            bad |= cli_ideas_set("n", NULL, optarg, NULL, &v);
            n = bad ? n : (long)v;
            break;
        }
        case 'h': return cli_help(profile_usage);
        default: bad = 1;
        }
    }
    if (!bad && ids && all) {
        cli_err("--ids and --all: give one\n");
        bad = 1;
    }
    if (!bad && bom && !csv) {
        cli_err("--bom goes with --csv\n");
        bad = 1;
    }
    if (!bad && optind != argc - 1) {
        cli_err(optind == argc ? "no INDEX\n" : "one INDEX only\n");
        bad = 1;
    }
    if (bad) return cli_usage_error(profile_usage);
    const char *path = argv[optind];
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    char err[512] = "";
    int ec = EXIT_OK;
    uint64_t *docs = NULL;
    tenyo_query *q = NULL;
    size_t nd = 0;
    if (!(x = cli_open_index(path, &ec))) return ec;
    int rc;
    uint64_t N = tenyo_index_ndocs(x);
    docs = malloc((N ? N : 1) * sizeof *docs);
    if (!docs) { cli_err("out of memory\n"); ec = EXIT_RESOURCE; goto done; }
    if (ids) {
        FILE *f = !strcmp(ids, "-") ? stdin : fopen(ids, "r");
        if (!f) { cli_err("%s: cannot open\n", ids); ec = EXIT_INPUT; goto done; }
        char *line = NULL;
        size_t lcap = 0;
        ssize_t got;
        long ln = 0, unresolved = 0;
        uint8_t *seen = calloc(N ? N : 1, 1);
        while (seen && (got = getline(&line, &lcap, f)) >= 0) {
            ln++;
            char *s = line;
            if (strlen(line) != (size_t)got) { /* an id cut at a NUL: another patent */
                cli_err("%s:%ld: a NUL byte: not a list of ids\n", cli_safe(ids), ln);
                unresolved = -1;
                break;
            }
            if (ln == 1 && !strncmp(s, "\xEF\xBB\xBF", 3)) s += 3;
            s[strcspn(s, "\r\n")] = 0;
            while (*s == ' ' || *s == '\t') s++;
            if (!*s || *s == '#') continue;
            int64_t d;
            char msg[512];
            if (cli_resolve_id(x, s, &d, msg, sizeof msg) < 0) {
                cli_err("%s:%ld: %s\n", ids, ln, msg);
                unresolved++;
                continue;
            }
            if (!seen[d]) docs[nd++] = (uint64_t)d;
            seen[d] = 1;
        }
        free(seen);
        free(line);
        if (f != stdin) fclose(f);
        if (unresolved < 0) {
            ec = EXIT_INPUT;
            goto done;
        }
        if (unresolved) cli_err("%ld lines of %s name no patent of the index (skipped)\n",
                                unresolved, ids);
    } else {
        for (uint64_t d = 0; d < N; d++) {
            tenyo_doc_meta dm;
            tenyo_index_doc(x, d, &dm);
            if (all || dm.open) docs[nd++] = d;
        }
        if (!nd && !all)
            cli_err("warning: %s marks no patent licensable (load a list with 'tenyo open "
                    "INDEX --from FILE', or profile --all / --ids FILE): nothing to profile\n",
                    path);
    }
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    q = calloc(nd ? nd : 1, sizeof *q);
    if (rc || !q) { cli_err("%s\n", rc ? err : "out of memory"); ec = EXIT_RESOURCE; goto done; }
    for (size_t i = 0; i < nd; i++) q[i].doc = (int64_t)docs[i];
    if (csv) {
        if (bom) fputs("\xEF\xBB\xBF", stdout);
        fputs("id,title,applicant,date,fields,open,proposals,sections,farthest,"
              "best_confidence,applicability,uses,strongest_evidence,evidence_similarity,"
              "evidence_applicant,evidence_field,link\r\n", stdout);
    }
    cli_profile_run pr = {x, ctx, docs, lang, csv, 0, NULL};
    rc = nd ? tenyo_ideas_batch(ctx, q, nd, &io, (size_t)n, cli_profile_cb, &pr) : TENYO_OK;
    if (rc) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(rc);
    } else if (pr.failed) {
        ec = EXIT_INPUT;
    }
done:
    free(q);
    free(docs);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}
