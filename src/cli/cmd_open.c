/*
 * cmd_open.c — `tenyo open`: load, clear or show the list of licensable
 * patents of an index (the list itself is read by cli_open_list_load,
 * writer.c, which `tenyo index --open-list` shares).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * writer.c, views/render.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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


int cli_cmd_open(int argc, char **argv) {
    static const struct option lo[] = {
        {"from", required_argument, 0, OPT_FROM}, {"column", required_argument, 0, OPT_COLUMN},
        {"clear", no_argument, 0, OPT_CLEAR}, {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL, *column = NULL;
    int clear = 0, quiet = 0, json = 0, bad = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "qjh", lo)) != -1) {
        switch (c) {
        case OPT_FROM: /* one list: it replaces the index's, so a second would win silently */
            if (from) {
                cli_err("--from given twice (%s, %s): a list replaces the index's list; put "
                        "every number in one file\n", from, optarg);
                bad = 1;
            }
            from = optarg;
            break;
        case OPT_COLUMN: column = optarg; break;
        case OPT_CLEAR: clear = 1; break;
        case 'q': quiet = 1; break;
        case 'j': json = 1; break;
        case 'h': return cli_help(open_usage);
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
            return cli_writer_exit(rc);
        }
        fprintf(stderr, "%s: %s\n", path, had ? "licensable list removed (the records' own "
                "open flags stay)" : "had no licensable list");
        if (rc) return EXIT_RESOURCE;
    } else if (from) {
        /* the list it replaces, to say so */
        char was[1024] = "";
        unsigned long long was_n = 0;
        int wec = 0;
        tenyo_index *wx = cli_open_index(path, &wec);
        if (wx) {
            tenyo_index_info wi;
            tenyo_index_info_get(wx, &wi);
            if (wi.open_listed && wi.open_source) snprintf(was, sizeof was, "%s", wi.open_source);
            was_n = (unsigned long long)wi.open_listed;
            tenyo_index_free(wx);
        }
        ec = cli_open_list_load(path, from, column, quiet, NULL);
        if (ec) return ec;
        if (*was && !quiet)
            fprintf(stderr, "%s: replaced the earlier licensable list (%llu patent%s from %s)\n",
                    path, was_n, was_n == 1 ? "" : "s", cli_safe(was));
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
