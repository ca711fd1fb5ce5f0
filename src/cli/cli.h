/*
 * cli.h — what the files of the command-line program share. The CLI sees
 * the library through tenyo.h only (and jansson for output); what it
 * prints that the server prints too is src/views/'s (views.h), and
 * `tenyo serve` runs src/serve/'s server (serve.h).
 *
 * The files, and who may call whom (tests/layers.sh checks the includes;
 * `nm` on the objects in build/obj/src/cli/ shows the calls):
 *
 *   tenyo.c        the dispatcher: cli_main and the table of commands
 *                  {name, entry point, one-line summary}, which gives
 *                  `tenyo --help` its list and "did you mean" its names.
 *   cmd_NAME.c     one command each: its options, --help text, run and
 *                  output (cmd_serve.c reads serve's options and calls
 *                  serve_run).
 *   opts.c term.c input.c writer.c help_ja.c
 *                  the support files: options, terminal tables, reading
 *                  records, writers, the Japanese help under a Japanese
 *                  locale.
 *
 *   main.c, src/mpi/tenyo_mpi.c -> tenyo.c -> cmd_*.c -> support
 *     -> src/serve/ (serve_run only) -> src/views/ -> tenyo.h
 *
 * A command file calls the support files, views/ and the library, never
 * another command file; a support file calls other support files, views/
 * and the library, never a command file; only the dispatcher names the
 * commands (it uses opts.c for its own messages). What a command and the
 * server both print, or both read, is built in views/. Adding a command:
 * one new cmd_NAME.c and one line in the table of tenyo.c (and its entry
 * point below).
 */
#ifndef TENYO_CLI_H
#define TENYO_CLI_H

#include "serve/serve.h"
#include "views/views.h"

/* ============================================== tenyo.c: the dispatcher */

/* The whole command line; main.c's main() of tenyo calls it, and
 * tenyo-mpi's (src/mpi/tenyo_mpi.c) after MPI_Init. */
int cli_main(int argc, char **argv);
/* The C library's heap for the tenyo program's command argv (heap.c): for
 * a one-query command, one arena advised for huge pages (called by main.c
 * before anything else, not by tenyo-mpi). */
void cli_heap_setup(int argc, char **argv);
/* A build shared over processes (tenyo-mpi index): set by tenyo-mpi before
 * cli_main, NULL in tenyo (which links no MPI). Every process runs
 * `index` over the same inputs; process 0 writes the index, the others
 * only tokenize their share (setup gives the builder its share; flush
 * ends a process other than 0: 0 ok, else a status with err set; with
 * --shards each writes its shards, their documents' metadata read again
 * from the inputs it is given). */
struct cli_sink; /* below, "input.c" */
typedef struct cli_dist {
    int rank, size;                                   /* this process, how many */
    int (*setup)(void *ud, tenyo_builder *b);         /* after the builder is made */
    int (*flush)(void *ud, tenyo_builder *b, char *err, size_t errlen);
    /* the inputs, before they are read (NULL: not wanted): the files and
     * options stay valid until the build is written or flushed, so that
     * the process can read the same records again (cli_read_inputs) */
    void (*inputs)(void *ud, char **files, int nfiles, const tenyo_read_opts *ro);
    /* the sink the inputs are read into, made from the builder's
     * (cli_sink_builder) in place (NULL: that one): each process is given
     * only its share of the records (0 ok, else a status) */
    int (*sink)(void *ud, tenyo_builder *b, struct cli_sink *s);
    void *ud;                                         /* their first argument */
} cli_dist;
extern const cli_dist *cli_index_dist;

/* ======================================== cmd_*.c: the commands' entries */

/* Each runs one command on its arguments (argv[0] is the command's name)
 * and returns the exit code; the dispatcher's table names them. */
int cli_cmd_index(int argc, char **argv);
int cli_cmd_similar(int argc, char **argv);
int cli_cmd_search(int argc, char **argv);
int cli_cmd_ideas(int argc, char **argv);
int cli_cmd_match(int argc, char **argv);
int cli_cmd_profile(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);
int cli_cmd_add(int argc, char **argv);
int cli_cmd_delete(int argc, char **argv);
int cli_cmd_rebuild(int argc, char **argv);
int cli_cmd_open(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);
int cli_cmd_tokens(int argc, char **argv);
int cli_cmd_senses(int argc, char **argv);
int cli_cmd_bench(int argc, char **argv);

/* ====================== opts.c: options and messages, the same for every command */
struct option;
/* The first line of usage and "see 'tenyo COMMAND --help'" on stderr;
 * returns EXIT_USAGE. */
int cli_usage_error(const char *usage);

/* ============== help_ja.c: the help in Japanese under a Japanese locale */
/* 1 when the locale the user set for messages (LC_ALL, else LC_MESSAGES,
 * else LANG) is Japanese ("ja", "ja_JP.UTF-8", ...), else 0. */
int cli_lang_ja(void);
/* The Japanese help of command cmd ("" for tenyo --help) when the locale
 * is Japanese, else NULL; a static string. */
const char *cli_help_ja(const char *cmd);
/* Prints the help of cli_cmd on stdout: its Japanese text under a Japanese
 * locale, else en; returns EXIT_OK. */
int cli_help(const char *en);
/* Under a Japanese locale, the Japanese usage line of cli_cmd and the
 * pointer to --help on stderr, returning 1; else 0 and prints nothing. */
int cli_usage_hint(void);
/* The index at path, opened; NULL after printing why, with *ec the exit
 * code of that failure (EXIT_RESOURCE out of memory, else EXIT_INDEX). */
tenyo_index *cli_open_index(const char *path, int *ec);
/* The same, what the command's query will read named (TENYO_PREFETCH_*):
 * read beside the open (tenyo_index_open_for); with prefetch, a query
 * command, BLAS on one thread (tenyo_set_blas_threads) unless
 * OPENBLAS_NUM_THREADS says otherwise. */
tenyo_index *cli_open_index_for(const char *path, unsigned prefetch, int *ec);
/* getopt_long that reports unknown options ("did you mean"), missing values
 * and ambiguous abbreviations itself; returns '?' after reporting. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *lo);
/* Range-checked values of option opt: 0, or -1 after a message naming the
 * valid range. cli_double's lower bound is exclusive when lo_open. */
int cli_long(const char *opt, const char *arg, long lo, long hi, long *out);
int cli_int(const char *opt, const char *arg, long lo, long hi, int *out);
int cli_u64(const char *opt, const char *arg, unsigned long long *out);
int cli_double(const char *opt, const char *arg, double lo, int lo_open, double hi,
               double *out);
/* Index of arg in the NULL-terminated names, or -1 after a message. */
int cli_choice(const char *opt, const char *arg, const char *const *names);
/* --mode M (tfidf | lsa | hybrid) into *mode; 0, or -1 after a message. */
int cli_mode_opt(const char *opt, const char *arg, tenyo_mode *mode);
/* 0 when ICU knows the charset name, else -1 after a message. */
int cli_check_encoding(const char *opt, const char *arg);
/* "-" (standard input) as a path the library can open. */
const char *cli_input_path(const char *path);
/* A format name (auto | jsonl | jplatpat | jpo-xml) into *f: 0, or -1. */
int cli_parse_format(const char *s, tenyo_format *f);
/* A builder option (--dim, --threads, --min-df, ...) c with its value into
 * bo: 1 when c is one (*bad set when its value is bad), else 0. */
int cli_build_opt(int c, const char *arg, tenyo_build_opts *bo, int *bad);
/* A reader option (-f --format, -e --encoding, --strict) c with its value
 * into ro: 1 when c is one (*bad set when its value is bad), else 0. */
int cli_read_opt(int c, const char *arg, tenyo_read_opts *ro, int *bad);

/* ============================== term.c: terminal tables by display width */
/* Columns of the terminal on standard output, else $COLUMNS, else 0 (no
 * cut). */
int cli_term_cols(void);
/* Display width of s (East Asian Wide = 2; tenyo_text_width). */
size_t cli_width(const char *s);
/* s, then spaces up to cols display columns. */
void cli_pad(const char *s, size_t cols);
/* Columns left for a last cell on a terminal cols wide after used
 * columns: at least 1; 0 (no cut) when cols is 0. */
long cli_room(int cols, long used);
/* s cut to room display columns with "…" (room <= 0: whole). */
void cli_cut(const char *s, long room);
/* The human table of hits: rank, score, id, fields, title; columns by
 * display width, the title cut to the terminal. */
void cli_print_hits(const tenyo_index *x, const tenyo_hit *hits, int n);

/* ========================== input.c: reading records, progress on a terminal */

/* Totals over all input files read. */
typedef struct cli_read_totals {
    unsigned long long records;  /* good records */
    unsigned long long skipped;  /* bad records skipped */
    unsigned long long empty;    /* records without text */
    unsigned long long filtered; /* records left out by a split */
    int files;                   /* files read */
} cli_read_totals;
/* Progress on a terminal: one line per stage, redrawn at most 10 times a
 * second, ended by a newline when the stage is done.
 *
 *   read      [#######.............] 3.0/8.8 MiB  4160 read  2112 tokenized  1300 rec/s  ETA 0:04
 *   tokenize  [##################..] 8192/8861  92%  410/s  ETA 0:01
 *   svd       [########............] 4/11  36%  3.1/s  ETA 0:02
 *
 * While files are read the builder tokenizes each batch of records as it
 * fills, and the reader waits: so the read line is the only line shown, it
 * counts records read and records tokenized (the "tokenize" reports the
 * builder makes meanwhile), and it moves while a batch is tokenized. Its
 * bar, rate and ETA are by tokenized records (the slow part): the total is
 * extrapolated from the share of the file's bytes read (a pipe, of unknown
 * size, shows counts and rate alone). A later stage's rate and ETA are
 * measured from its own first report: a stage that starts part done (the
 * last batch starts where reading left off) shows the rate of what it
 * does, not one diluted by the work before it, and "--" until half a
 * second has passed. Rejected: one bar for the whole build (the SVD's share
 * of the time varies too much with rank and corpus to weigh the stages). */
typedef struct cli_progress {
    char stage[16];    /* stage being shown */
    double t0;         /* when it started (its first report) */
    uint64_t done0;    /* done at that first report */
    double last;       /* last redraw */
    int reading;       /* input files are being read: the read line is the
                          only one shown */
    uint64_t records;  /* records read so far (all files) */
    uint64_t tokenized;/* of those, tokenized (the builder's reports) */
    uint64_t bytes, bytes_total; /* of the file being read (total 0: a pipe) */
} cli_progress;
/* A tenyo_progress_fn drawing the lines above on stderr when it is a
 * terminal (ud: a zeroed cli_progress; NULL draws nothing). */
void cli_on_progress(void *ud, const char *stage, uint64_t done, uint64_t total);
/* A builder's record messages (tenyo_build_opts.report), printed as the
 * reader's are ("file:line: message", the first 30); ud is unused. */
void cli_on_build_report(void *ud, const char *file, long line, const char *msg);
/* Peak resident memory of this process (getrusage), MiB. */
double cli_peak_mib(void);
/* Where cli_read_inputs puts records: a builder or an update. */
typedef struct cli_sink {
    int (*add)(void *ud, const tenyo_doc *d);  /* a status; > 0: stop reading,
                                                  no error (a second read that
                                                  found all it wanted) */
    const char *(*error)(void *ud);            /* message of a failed add */
    void *ud;                                  /* the builder or update */
    tenyo_progress_fn progress;                /* "read MiB" progress, or NULL */
    void *progress_ud;                         /* its argument (a cli_progress) */
    /* May be NULL. begin: file i (from 0) is open as r, before its first
     * record (tenyo-mpi: a process selects its share of the records
     * there). end: file i's records are all read, st its reader's counts,
     * which end may add to before they are reported (tenyo-mpi, process
     * 0: the other processes' records of it). A status (message from
     * error) ends the reading. */
    int (*begin)(void *ud, int file, tenyo_reader *r);
    int (*end)(void *ud, int file, tenyo_read_stats *st);
    int no_totals;  /* 1: the files are another process's to judge (no
                       "no records", skipped-share, charset or per-file
                       lines here; a fatal charset mismatch still said) */
} cli_sink;
cli_sink cli_sink_builder(tenyo_builder *b);
/* Read files[0..nfiles) into sink; returns an exit code (0 ok). Skips
 * records rejected by the split filter keep(keep_ud, d) when given; ends
 * early, with 0, when the sink's add returns > 0. */
int cli_read_inputs(const cli_sink *sink, char **files, int nfiles,
                    const tenyo_read_opts *ro, int quiet,
                    int (*keep)(void *ud, const tenyo_doc *d), void *keep_ud,
                    cli_read_totals *tot);

/* ================= writer.c: commands that change an index (exit codes, updates) */

/* Exit code of a writer (add, delete, rebuild, open, check) that could not
 * start or finish: 3 for an index missing or damaged, else 4. */
int cli_writer_exit(int rc);
/* Load the licensable list in file list (column: its number column, or
 * NULL) into the index at path, through writer w when given (index
 * --open-list, under its lock), and report how it went on stderr (quiet:
 * no per-line messages); an exit code. */
int cli_open_list_load(const char *path, const char *list, const char *column, int quiet,
                       tenyo_writer *w);
/* Open an update of the index at path (*u); an exit code after a message. */
int cli_update_open(const char *path, int threads, int quiet, tenyo_update **u);
/* End update u: after a failure ec (already reported) nothing is
 * committed; otherwise commit into *st. u is freed either way; returns the
 * exit code. */
int cli_update_end(tenyo_update *u, const char *path, int ec, tenyo_update_stats *st);
/* A sink adding records to update u. */
cli_sink cli_sink_update(tenyo_update *u);
/* The one rule of every file a command writes, checked before any work.
 * cli_output_inputs: out is none of the inputs in[0..n) (NULL and "-"
 * skipped) under any name (device and inode); EXIT_OK, else EXIT_USAGE
 * after "IN is both an input and the output [OPT ]OUT". cli_output_check,
 * for a file that is not an index (opt names the option, --json say): that,
 * then tenyo_output_check (own: the first bytes the command writes there;
 * force: --force given); EXIT_OK, else the exit code after a message
 * naming opt and out. An index is written through tenyo_writer_open. */
int cli_output_inputs(const char *opt, const char *out, const char *const *in, int n);
int cli_output_check(const char *opt, const char *out, const char *const *in, int n,
                     const char *own, int force);

#endif
