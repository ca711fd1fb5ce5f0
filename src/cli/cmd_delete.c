/*
 * cmd_delete.c — `tenyo delete`: delete documents by id (arguments or a
 * file of ids); unknown ids are reported and give exit 2.
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * writer.c, views/safe.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *delete_usage =
    "usage: tenyo delete INDEX ID... | tenyo delete INDEX --from FILE\n"
    "Delete documents by id. Unknown ids are reported and give exit 2; the\n"
    "others are deleted.\n"
    "  --from FILE         the ids, one per line (- for stdin)\n";

int cli_cmd_delete(int argc, char **argv) {
    static const struct option lo[] = {{"from", required_argument, 0, 'F'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        if (c == 'F') from = optarg;
        else if (c == 'h') { return cli_help(delete_usage); }
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
    int ec = cli_update_open(path, 1, 1, &u);
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
            if (strlen(line) != (size_t)n) { /* an id cut at a NUL would delete another */
                cli_err("%s:%ld: a NUL byte: not a list of ids\n", cli_safe(from), lineno);
                ec = EXIT_INPUT;
                break;
            }
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
                if (f) cli_err("%s:%ld: %s: not in the index\n", cli_safe(from), lineno,
                               cli_safe(id));
                else cli_err("%s: not in the index\n", cli_safe(id));
            }
        }
    }
    free(line);
    if (f && f != stdin) fclose(f);
    tenyo_update_stats st;
    ec = cli_update_end(u, path, ec, &st);
    if (ec) return ec;
    fprintf(stderr, "deleted %llu documents (%llu ids not in the index): generation %llu, "
            "%llu documents -> %s\n", found, missing, (unsigned long long)st.generation,
            (unsigned long long)st.docs, path);
    return missing ? EXIT_INPUT : EXIT_OK;
}
