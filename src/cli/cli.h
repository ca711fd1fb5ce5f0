/*
 * cli.h — what the files of the command-line program share.
 * The CLI uses only the public header tenyo.h (and jansson for output).
 *
 * The files, and who may call whom (tests/layers.sh checks the includes;
 * `nm` on the objects in build/obj/src/cli/ shows the calls):
 *
 *   tenyo.c        the dispatcher: cli_main and the table of commands
 *                  {name, entry point, one-line summary}, which gives
 *                  `tenyo --help` its list and "did you mean" its names.
 *   cmd_NAME.c     one command each: its options, --help text, run and
 *                  output (cmd_serve.c with serve_parse.c, the request
 *                  parsers kept apart for the fuzz targets).
 *   opts.c query.c term.c render.c filters.c input.c writer.c profiles.c
 *   help_ja.c      the support files: options and messages, the query,
 *                  terminal tables, JSON/CSV output, filters, reading
 *                  records, writers, the ideas/match/profile answers,
 *                  the Japanese help under a Japanese locale.
 *
 *   main.c, src/mpi/tenyo_mpi.c -> tenyo.c -> cmd_*.c -> support -> tenyo.h
 *
 * A command file calls the support files and the library, never another
 * command file; a support file calls other support files and the library,
 * never a command file; only the dispatcher names the commands (it uses
 * opts.c for its own messages). What two
 * commands (or a command and the server) both print is built in a support
 * file. Adding a command: one new cmd_NAME.c and one line in the table of
 * tenyo.c (and its entry point below).
 */
#ifndef TENYO_CLI_H
#define TENYO_CLI_H

#include "tenyo.h"
#include <jansson.h>

/* Exit codes of every command (README "Exit codes"). */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_INDEX = 3,
       EXIT_RESOURCE = 4 };

/* Long options without a short letter. */
enum { OPT_STRICT = 256, OPT_MIN_DF, OPT_MAX_DF, OPT_SEED, OPT_POWER,
       OPT_OVERSAMPLE, OPT_DICDIR, OPT_NO_PARTS, OPT_STEM, OPT_SALT,
       OPT_MODULUS, OPT_KEEP, OPT_WEIGHT, OPT_NO_STEM, OPT_TITLES, OPT_IVF,
       OPT_MAX_TERMS, OPT_NO_ABSTRACTS, OPT_FORCE, OPT_REPAIR, OPT_DATE_FROM, OPT_DATE_TO,
       OPT_APPLICANT, OPT_NOT_APPLICANT, OPT_FIELDS, OPT_NOT_FIELDS, OPT_KEYWORDS,
       OPT_OPEN_ONLY, OPT_OPEN_LIST, OPT_COLUMN, OPT_CLEAR, OPT_FROM, OPT_BOM, OPT_LANG,
       OPT_KIND, OPT_SHARDS, OPT_F16, OPT_RERANK, OPT_MIN_CONTENT, OPT_NOT, OPT_KEEP_FIELD,
       OPT_REJECT, OPT_FOCUS, OPT_FOCUS_TEXT, OPT_SENTENCES, OPT_OFFSET, OPT_ALL,
       OPT_WORKSHEET, OPT_SENSES, OPT_NOTE, OPT_REMEMBER };

/* The cards of an ideas answer's "ideas" array in the order a user reads
 * them: the list shown by default (each card's "shown" position), then
 * with all the others in the engine's order. ord has room for the array;
 * returns the entries written, *nshown the cards of the default list. */
size_t cli_ideas_order(const json_t *arr, int all, size_t *ord, size_t *nshown);

/* Most proposals one ideas query may ask for (-n), and most matches of one
 * match query (-k). */
#define CLI_IDEAS_MAX 100
#define CLI_MATCH_MAX_K 100
#define CLI_MATCH_IDEAS 20   /* proposals computed for the uses of a match */

/* ============================================== tenyo.c: the dispatcher */

/* The whole command line; main.c's main() of tenyo calls it, and
 * tenyo-mpi's (src/mpi/tenyo_mpi.c) after MPI_Init. */
int cli_main(int argc, char **argv);
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
/* A server shared over processes (tenyo-mpi serve): set by tenyo-mpi
 * before cli_main on process 0, NULL in tenyo. opened() is called once
 * the index is open and warm, before the first request; it hands the
 * index's scans to the other processes (0 ok, else a status with err
 * set: the server does not start). Everything else is `tenyo serve`. */
typedef struct cli_serve_dist {
    int (*opened)(void *ud, tenyo_index *x, const char *path, char *err, size_t errlen);
    void *ud;                                         /* its first argument */
} cli_serve_dist;
extern const cli_serve_dist *cli_serve_share;

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
extern const char *cli_cmd;  /* the command main() dispatched ("" before) */
/* "tenyo COMMAND: " + printf(fmt, ...) on stderr (fmt ends with \n). */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
/* The closest of names[n] to word when close enough, else NULL. */
const char *cli_suggest(const char *word, const char *const *names, size_t n);
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
/* The exit code of a library status. */
int cli_exit_code(int status);
/* A mode name (tfidf | lsa | hybrid) into *mode: 0, or -1 (no message). */
int cli_parse_mode(const char *s, tenyo_mode *mode);
/* The name of mode m. */
const char *cli_mode_name(tenyo_mode m);
/* A format name (auto | jsonl | jplatpat | jpo-xml) into *f: 0, or -1. */
int cli_parse_format(const char *s, tenyo_format *f);
/* A builder option (--dim, --threads, --min-df, ...) c with its value into
 * bo: 1 when c is one (*bad set when its value is bad), else 0. */
int cli_build_opt(int c, const char *arg, tenyo_build_opts *bo, int *bad);
/* A reader option (-f --format, -e --encoding, --strict) c with its value
 * into ro: 1 when c is one (*bad set when its value is bad), else 0. */
int cli_read_opt(int c, const char *arg, tenyo_read_opts *ro, int *bad);

/* ============================== query.c: an id as typed, or a query text */

/* The text of a query file (at most 64 MiB, any charset, as UTF-8;
 * malloc'd, length in *len); NULL after a message. */
char *cli_slurp(const char *path, size_t *len);
/* "Did you mean" suggestions offered for an unknown id. */
#define CLI_SUGGEST 5
/* An id as typed (tenyo_index_resolve): TENYO_ID_EXACT or _NORMALISED with
 * *doc and the stored id in msg; else a negative status with the message
 * in msg ("no patent 'X' in the index; did you mean A, B?"). */
int cli_resolve_id(const tenyo_index *x, const char *typed, int64_t *doc, char *msg,
                   size_t cap);
/* {"query", "kind": "id"|"number"|"text", "match": "exact"|"normalised"|null,
 * "key", "id": {doc} | null, "suggestions": [{doc}...]}: how typed resolves
 * (GET /api/resolve). NULL on a failure other than not found (*status). */
json_t *cli_resolve_json(const tenyo_index *x, const char *typed, int *status);
/* Resolve the query of `similar` / `ideas` / `match`: an indexed id (*doc >= 0), or
 * the text of --text / --file (*text, *len; *buf malloc'd for a file).
 * Prints the error and returns an exit code. */
int cli_resolve_query(const tenyo_index *x, const char *path, const char *id,
                      const char *file, const char **text, size_t *len,
                      char **buf, int64_t *doc);

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

/* ====================== render.c: JSON shapes and text/CSV output rules */
/* Comma-separated string -> JSON array of strings. */
json_t *cli_json_list(const char *csv);
/* String member key of object o, "" when absent. */
const char *cli_jstr(const json_t *o, const char *key);
/* j as one compact line on stdout. */
void cli_print_json(json_t *j);
/* JSON shapes shared by --json output and the HTTP server. */
json_t *cli_info_json(const tenyo_index *x, const char *path);
/* s with control characters (C0, DEL, C1) shown as \xNN / \u00NN, for
 * text output of untrusted strings: s itself when it has none, else one of
 * 8 rotating static buffers (valid until 8 more calls). */
const char *cli_safe(const char *s);
/* cli_safe, but line breaks and tabs stay (whole messages: cli_err). */
const char *cli_safe_lines(const char *s);
/* s on one line: each run of line breaks and tabs (US abstracts used as
 * titles hold them) as one space, into out (cap > 0 bytes; a longer s is
 * cut, never inside a character); returns out. */
char *cli_one_line(const char *s, char *out, size_t cap);
/* The length of the longest string of array t at s[i] (n = strlen(s)):
 * ASCII without case and only at a word start, others byte for byte (as
 * tenyo_idea_why matched them); 0 when none. */
size_t cli_mark_len(const char *s, size_t n, size_t i, const json_t *t);
/* s to stdout with every occurrence of the strings of t marked (【term】 in
 * Japanese reports, *term* in English ones), escaped for the terminal. */
void cli_print_marked(const char *s, const json_t *t, int ja);
/* 1 when a spreadsheet would run CSV text s as a formula (first character
 * = + - @, tab or CR: the web page's rule); such a cell gets a "'" prefix. */
int cli_csv_risky(const char *s);
/* One CSV cell of s (NULL: empty) to f, then end ("," between cells,
 * "\n" or "\r\n" after the last): RFC 4180 quoting by libcsv, and text
 * cli_csv_risky names (not a number) with its "'" inside the quotes. The
 * one cell writer of every CSV output. */
void cli_csv_field(FILE *f, const char *s, const char *end);
/* Up to n field numbers, largest fields first (ties in code order), into
 * order; returns the count, -1 when out of memory. */
int cli_fields_by_size(const tenyo_index *x, uint32_t *order, uint32_t n);
/* Metadata of document doc: {"id","title","fields","applicant","date","open"}. */
json_t *cli_doc_json(const tenyo_index *x, uint64_t doc);
/* {"query": {...}, "results": [...], "warnings": [...]} of a similar
 * search already run (tenyo_similar_json, parsed). */
json_t *cli_similar_json(const tenyo_index *x, int64_t qdoc, const char *text,
                         tenyo_mode mode, long k, const tenyo_hit *hits, int n);
/* The library's JSON text s (tenyo_*_json) as an object; s is released. */
json_t *cli_json_take(char *s);
/* A printable A4 HTML report (report.c) of an ideas object (cli_ideas_json)
 * or a match object (cli_match_json) to f; path names the index. 0, or -1
 * on a write error. ctx: the context of the answer (its abstract and map
 * position), may be NULL. */
int cli_report_ideas(FILE *f, const tenyo_index *x, tenyo_ctx *ctx, const json_t *o,
                     const char *path, const char *lang);
int cli_report_match(FILE *f, const tenyo_index *x, tenyo_ctx *ctx, const json_t *o,
                     const char *path, const char *lang);

/* ======================= map_labels.c: field labels of a map (page, report) */

#define CLI_MAP_FONT_PX 11.0      /* a map's label font size (px) */
#define CLI_MAP_BOX_H 14.0        /* a label's box height: the font and a little air */
#define CLI_MAP_NARROW_PX 6.6     /* box width per narrow column (Latin, digits) */
#define CLI_MAP_WIDE_PX 11.6      /* box width per wide character (kana, kanji) */
#define CLI_MAP_LABEL_COLS 16     /* display columns kept of a field's title */
/* Pixel width of text's label box at CLI_MAP_FONT_PX (estimated, a little
 * wider than the drawn text). */
double cli_map_label_px(const char *text);
/* "CODE title" into out, the title cut to CLI_MAP_LABEL_COLS columns. */
void cli_map_label_text(char *out, size_t cap, const char *code, const char *title);
/* The marker radius of a field of docs documents, most the largest's. */
double cli_map_field_radius(uint64_t docs, uint64_t most);

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

/* ============ render.c, profiles.c: the ideas, match and profile objects (commands and server);
 * the ideas and match objects are the library's (tenyo_ideas_json, tenyo_match_json) */

/* Run one ideas query (indexed qdoc >= 0, else text/len) on ctx and build
 * {"query": {...}, "ideas": [...]} (README "ideas --json"). NULL on failure
 * with the status in *status and the message in tenyo_ctx_error(ctx). */
json_t *cli_ideas_json(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                       const char *text, size_t len, const tenyo_ideas_opts *io,
                       size_t n, const char *lang, int *status);
/* One pass of `ideas --worksheet` (ideas_ws.c): the worksheet at path for
 * the resolved query (qdoc, or text[0..len)), this run's steer flags
 * (NULL: none) applied after its decisions, notes "FIELD=TEXT", the list
 * made on ctx and the worksheet saved back. */
/* The name (less ".json") of the worksheet file of a subject of kind
 * ("patent", "company", "text") in INDEX.worksheets/, as `tenyo serve`
 * saves it and the page finds it: kind, '-', and the subject with every
 * byte outside [A-Za-z0-9_-] written as ".XX" (hex), or "KIND-h" and a
 * 64-bit FNV-1a hash of the subject when that passes CLI_WS_KEY_MAX bytes;
 * into key[CLI_WS_KEY_MAX + 32]. */
#define CLI_WS_KEY_MAX 160
void cli_ws_key(const char *kind, const char *subject, char *key);
/* How long a run waits for another run's lock on its worksheet (ms). */
#define CLI_WS_WAIT_MS 30000
typedef struct cli_ws_run {
    const char *path;             /* the worksheet file */
    const tenyo_index *x;
    tenyo_ctx *ctx;
    const tenyo_steer *flags;     /* --not/--keep/--reject/--focus, or NULL */
    char *const *notes;           /* --note values */
    int nnotes;
    int64_t qdoc;                 /* the query patent, or -1 */
    const char *text;             /* the query text (qdoc < 0) */
    size_t len;
    const tenyo_ideas_opts *io;
    size_t n;                     /* cards asked */
    const char *lang;
    int html;                     /* the report: kept cards alone */
    const char *index;            /* the index's path (its .worksheets folder) */
} cli_ws_run;
/* EXIT_OK with the answer in *out (with each card's "note"), or an exit
 * code after a message (the file untouched). */
int cli_ideas_worksheet(const cli_ws_run *r, json_t **out);
/* Each card of ideas answer o with its note from w ("note"); with
 * kept_only, the cards w keeps alone when it keeps any (the report of the
 * kept cards). */
void cli_ideas_ws_mark(json_t *o, const tenyo_worksheet *w, int kept_only);

/* The senses file (cmd_senses.c): named, or INDEX.senses (malloc'd). */
char *cli_senses_path(const char *index, const char *named);
/* The splits of path into *out: EXIT_OK (an empty set when there is no
 * file, unless must_exist), else an exit code after a message naming the
 * file and line. */
int cli_senses_open(const char *path, int must_exist, tenyo_senses **out);
/* s saved to path atomically: EXIT_OK, or EXIT_INPUT after a message. */
int cli_senses_save(const tenyo_senses *s, const char *path);
/* The lock of the senses file path (tenyo_senses_lock_take, waited for):
 * a read-change-write of the file runs between this and tenyo_lock_free,
 * so that two commands changing it at once lose no split. The lock, or
 * NULL after a message. */
tenyo_lock *cli_senses_lock(const char *path);

/* {"query": {...}, "ideas": [...], "warnings": [...], "hidden",
 * "hidden_thin"} of ideas[0..got) just computed on ctx for a request of
 * asked proposals (qdoc < 0: text). */
json_t *cli_ideas_render(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                         const char *text, size_t len, const tenyo_idea *ideas, int got,
                         size_t asked, const char *lang);
/* Run the company query text on ctx and build {"query", "matches",
 * "ideas", "warnings", ...} (README "match --json"); NULL on failure with
 * the status in *status (message: tenyo_ctx_error). */
/* A confidence as text: 13%, 0.4%, <0.1%, never a bare 0; c < 0 (none
 * estimated) in words. */
void cli_pct_text(char *out, size_t n, double c, int ja);
json_t *cli_match_json(const tenyo_index *x, tenyo_ctx *ctx, const char *text, size_t len,
                       const tenyo_ideas_opts *io, size_t k, const char *lang, int *status);
/* How the applicability profile of one patent is gathered (the ideas
 * batch's callback state). */
typedef struct cli_profile_run {
    const tenyo_index *x;     /* the index */
    tenyo_ctx *ctx;           /* the batch's context */
    const uint64_t *docs;     /* the patents, in output order */
    const char *lang;         /* labels' language */
    int csv;                  /* CSV rows, else JSON lines */
    int failed;               /* queries that failed */
    json_t *out;              /* JSON objects go here (the API), not to stdout */
} cli_profile_run;
/* tenyo_ideas_batch callback (ud: a cli_profile_run): the profile of
 * query i, docs[i], as a CSV row or a JSON line on stdout, or appended to
 * out; a failed query is counted in failed (and named on stderr). */
void cli_profile_cb(void *ud, size_t i, int got, const tenyo_idea *ideas);
/* The applicability profiles of docs[0..nd) on ctx (the objects `tenyo
 * profile` prints, one per line) as {"profiles": [...]}, in docs' order; a
 * patent whose ideas failed carries "error". NULL on failure with the
 * status in *status (message: tenyo_ctx_error). GET /api/profile. */
json_t *cli_profile_json(const tenyo_index *x, tenyo_ctx *ctx, const uint64_t *docs,
                         size_t nd, const tenyo_ideas_opts *io, size_t n, const char *lang,
                         int *status);

/* =============================== filters.c: the filter options of similar and ideas */
#define CLI_FILTER_MAX 16 /* values per option */
typedef struct cli_filter_opts {
    const char *date_from, *date_to;   /* as typed (checked), or NULL */
    const char *appl[2][CLI_FILTER_MAX]; /* --applicant, --exclude-applicant */
    int nappl[2];                      /* how many of each */
    char field[2][CLI_FILTER_MAX][5];  /* --fields, --exclude-fields codes */
    int nfield[2];                     /* how many of each */
    const char *keywords;              /* --keywords QUERY, or NULL */
    int open_only;                     /* --open-only: licensable only */
    int kind;                          /* --kind: TENYO_KIND_*, 0 any */
    int any;                           /* some filter option was given */
} cli_filter_opts;
/* The long options, for a command's option table. */
#define CLI_FILTER_LONGOPTS                                                   \
    {"date-from", required_argument, 0, OPT_DATE_FROM},                       \
    {"date-to", required_argument, 0, OPT_DATE_TO},                           \
    {"applicant", required_argument, 0, OPT_APPLICANT},                       \
    {"exclude-applicant", required_argument, 0, OPT_NOT_APPLICANT},           \
    {"fields", required_argument, 0, OPT_FIELDS},                             \
    {"exclude-fields", required_argument, 0, OPT_NOT_FIELDS},                 \
    {"keywords", required_argument, 0, OPT_KEYWORDS},                         \
    {"open-only", no_argument, 0, OPT_OPEN_ONLY},                             \
    {"kind", required_argument, 0, OPT_KIND}
/* A filter value: which is OPT_DATE_FROM .. OPT_OPEN_ONLY (arg "1" / "0"
 * or NULL for open_only); 1 when taken,
 * 0 when which is no filter option, -1 with msg naming the member
 * (date_from, ...) and the bad value. The server's members have these
 * names; the CLI's options are the same with '-'. */
int cli_filter_add(cli_filter_opts *fo, int which, const char *arg, char *msg, size_t cap);
/* Option c with its value: 1 when it is a filter option (taken), 0 when
 * not, -1 after a message naming a bad value. */
int cli_filter_opt(int c, const char *arg, cli_filter_opts *fo);
/* Join the strings of a JSON array (or one member of each object in it)
 * with sep into out (cut at len). */
void cli_jjoin(const json_t *a, const char *member, const char *sep, char *out, size_t len);
/* The CSV rows of one ideas answer o (cli_ideas_json) to f, after the
 * header when header is set (and a UTF-8 byte order mark first with bom):
 * `ideas --csv` and the page's download (ideas_csv.c). */
void cli_ideas_csv(FILE *f, const json_t *o, int header, int bom, const char *lang);
/* Option name of the ideas table (tenyo_ideas_opt) read from arg as the
 * command line gives it (flag: its spelling, NULL for the table's): a
 * member of io is set (io NULL: none), *v gets the value (a choice's
 * index; v may be NULL). 0, or -1 after a message: the flag, the table's
 * reason, what was given (a choice's closest name too). */
int cli_ideas_set(const char *name, const char *flag, const char *arg, tenyo_ideas_opts *io,
                  double *v);
/* --home: a copy of arg in *homebuf (freed first), split into homes[cap]
 * (tenyo_ideas_home_split), io->home set. 0, or -1 after a message. */
int cli_ideas_home(const char *arg, tenyo_ideas_opts *io, char **homebuf, const char **homes,
                   size_t cap);
/* An option `ideas` and `match` share: 'H' --home (a copy kept in
 * *homebuf, split into homes[cap]), 'D' --distance, 'L' --lang (*lang),
 * 'Q' --min-confidence, 'm' --mode, into io (cli_ideas_set). 1 read, -1
 * read but bad (the message printed), 0 not one of them. */
int cli_ideas_opt(int c, const char *arg, tenyo_ideas_opts *io, char **homebuf,
                  const char **homes, size_t cap, const char **lang);
/* The filter of fo over x (NULL when fo is empty; keywords tokenized on c,
 * or a context of its own when c is NULL): a status, message in msg. */
int cli_filter_build(const tenyo_index *x, tenyo_ctx *c, const cli_filter_opts *fo,
                     tenyo_filter **out, char *msg, size_t cap);
/* The filter of fo over x (NULL when no filter option was given); the
 * keyword query is tokenized on c (NULL: a context of its own). An exit
 * code after a message; words the index lacks are a warning. */
int cli_filter_make(const tenyo_index *x, tenyo_ctx *c, const cli_filter_opts *fo,
                    tenyo_filter **out);
/* {"date_from", ..., "matching": N, "documents": M}: the filter of a
 * query, for its JSON "query" object. */
json_t *cli_filter_json(const cli_filter_opts *fo, tenyo_filter *f, const tenyo_index *x);
/* {"query": {"mode": "tfidf", "k", "filter": {"keywords", ...}},
 * "results": [...]}: a keyword search (tenyo search --json, GET
 * /api/search). */
json_t *cli_search_json(const tenyo_index *x, const cli_filter_opts *fo, tenyo_filter *f,
                        long k, const tenyo_hit *hits, int n);
/* Warns on stderr when no document matches (saying why when --open-only
 * finds no licensable patent at all). */
void cli_filter_note(const cli_filter_opts *fo, const tenyo_filter *f, const tenyo_index *x);
#endif
