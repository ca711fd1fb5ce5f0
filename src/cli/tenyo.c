/*
 * tenyo.c — the command-line program's dispatcher: the table of commands
 * and cli_main. The commands themselves are one file each (cmd_NAME.c);
 * they use only include/tenyo.h (plus jansson to print JSON, so that
 * escaping is never hand-written) and the support files (cli.h says who
 * may call whom).
 *
 *   tenyo index -o INDEX [options] FILE...     build an index
 *   tenyo similar INDEX (ID | --text T | --file F) [-k N] [--mode M] [--json]
 *   tenyo search INDEX QUERY [-k N] [--json]   keyword search (TF-IDF)
 *   tenyo info INDEX [--json]
 *   tenyo add INDEX FILE...                    add documents (a new segment)
 *   tenyo delete INDEX ID...                   delete documents
 *   tenyo rebuild INDEX                        refit over the live documents
 *   tenyo check INDEX [--repair]               verify every file; keep what is readable
 *   tenyo eval [options] FILE...               protocols S and X (--help)
 *   tenyo tokens [--text T | --file F]         show the terms of a text
 *   tenyo bench INDEX [options]                 QPS, latency and recall of an index
 *
 * Exit codes (stable, documented in README and --help):
 *   0 ok, 1 usage error, 2 input error (unreadable or malformed input file,
 *   bad record under --strict, unknown patent id, query without known terms),
 *   3 index error (missing, damaged, newer format, tokenizer mismatch),
 *   4 resource or dependency error (memory, MeCab dictionary, writing).
 *
 * The table below is the one list of commands: cli_main dispatches by it,
 * `tenyo --help` lists it (name and summary, in its order) and an unknown
 * command gets "did you mean" from its names. Adding a command is one new
 * file and one line here. Rejected: registration by constructors or a
 * linker section (the list would be nowhere to read, and its order, which
 * --help shows, would be the linker's).
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
 *
 * Who calls whom: called by main.c and src/mpi/tenyo_mpi.c; calls
 * help_ja.c, opts.c, views/say.c, views/state.c, the commands (17) and
 * the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ============================================================= commands */

/* `tenyo version` (also -V, --version). */
static int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("tenyo %s\n", tenyo_version());
    return EXIT_OK;
}

/* One command: its name, its entry point and the line --help shows. */
typedef struct cli_command {
    const char *name;                  /* as typed: tenyo NAME */
    int (*run)(int argc, char **argv); /* argv[0] is NAME; returns the exit code */
    const char *summary;               /* one line for tenyo --help */
} cli_command;

/* In the order --help lists them. */
static const cli_command commands[] = {
    {"index", cli_cmd_index, "build an index from JSONL / J-PlatPat CSV / JPO XML files"},
    {"similar", cli_cmd_similar, "nearest patents of an indexed patent or of free text"},
    {"search", cli_cmd_search, "keyword search: terms that must / must not occur, ranked by TF-IDF"},
    {"ideas", cli_cmd_ideas, "other technical fields where a patent could be applied"},
    {"match", cli_cmd_match, "licensable patents a company could use, from its strengths (Kawasaki model)"},
    {"profile", cli_cmd_profile, "applicability profile of licensable patents (JSON lines or CSV)"},
    {"serve", cli_cmd_serve, "HTTP API and analyst web page over an index"},
    {"info", cli_cmd_info, "what an index holds, how it was built, how stale its fit is"},
    {"add", cli_cmd_add, "add documents to an index (a new segment, no rebuild)"},
    {"delete", cli_cmd_delete, "delete documents from an index by id"},
    {"rebuild", cli_cmd_rebuild, "refit an updated index over its live documents"},
    {"open", cli_cmd_open, "load (or clear) the list of licensable patents of an index"},
    {"senses", cli_cmd_senses, "remembered sense splits: a word that links no pair of fields"},
    {"check", cli_cmd_check, "verify every file of an index; --repair keeps what is readable"},
    {"eval", cli_cmd_eval, "measure similar (P@10) and ideas (recall, serendipity) on a corpus"},
    {"tokens", cli_cmd_tokens, "show the terms the tokenizer produces for a text"},
    {"bench", cli_cmd_bench, "query throughput, latency and recall of an index (QPS, p50/p95/p99)"},
    {"version", cmd_version, "print the version (also -V, --version)"},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

/* =============================================================== main */

static const char *main_usage_line =
    "usage: tenyo COMMAND [options]   (tenyo COMMAND --help for details; man tenyo)\n";

/* tenyo --help: the usage line, then the table. */
static void print_help(void) {
    if (cli_help_ja("")) { fputs(cli_help_ja(""), stdout); return; }
    printf("tenyo " TENYO_VERSION_STRING " — where else could this patent apply?\n");
    fputs(main_usage_line, stdout);
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("exit codes: 0 ok, 1 usage, 2 input error, 3 index error, 4 resource error\n", stdout);
}

/* A standard stream the caller closed (`>&-`) gets /dev/null opened the
 * wrong way round in its place: the number is taken, so no file this
 * program opens (an index being written) becomes "standard output", and
 * every write to it fails, which finish_stdout then reports. */
static void hold_std_fds(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int n = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (n >= 0 && n != fd) { /* a lower number was free too: move it */
            dup2(n, fd);
            close(n);
        }
    }
}

/* The command's exit code, or EXIT_RESOURCE when its answer did not all
 * reach standard output (disk full, /dev/full, a closed stdout): exit 0
 * would pass a truncated file on as complete (coreutils' close_stdout). */
static int finish_stdout(int rc) {
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno ? errno : EIO;
    if (!bad) return rc;
    cli_err("standard output: write error: %s; the output is incomplete\n", strerror(e));
    return rc ? rc : EXIT_RESOURCE;
}

int cli_main(int argc, char **argv) {
    hold_std_fds();
    if (argc < 2) {
        cli_err("no command\n");
        return cli_usage_error(main_usage_line);
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        print_help();
        return finish_stdout(EXIT_OK);
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V"))
        return finish_stdout(cmd_version(argc - 1, argv + 1));
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(cmd, commands[i].name)) continue;
        cli_cmd = cmd;
        return finish_stdout(commands[i].run(argc - 1, argv + 1));
    }
    /* did you mean: the table's names and "help" */
    const char *names[NCOMMANDS + 1];
    for (size_t i = 0; i < NCOMMANDS; i++) names[i] = commands[i].name;
    names[NCOMMANDS] = "help";
    static const char *const mopts[] = {"--help", "--version"};
    const char *s = cmd[0] == '-' ? cli_suggest(cmd, mopts, 2)
                                  : cli_suggest(cmd, names, NCOMMANDS + 1);
    if (s) cli_err("unknown %s '%s'; did you mean '%s'?\n", cmd[0] == '-' ? "option" : "command",
                   cmd, s);
    else cli_err("unknown %s '%s'\n", cmd[0] == '-' ? "option" : "command", cmd);
    return cli_usage_error(main_usage_line);
}
