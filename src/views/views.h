/*
 * views.h — what the commands (src/cli/) and the server (src/serve/) both
 * print and both read, built once here: the JSON answers (render.c,
 * profiles.c), the printed report (report.c) and its map's labels, which
 * the page's map places by the same rule (map_labels.c), the ideas CSV
 * (ideas_csv.c), queries and ids as typed (query.c), the filters
 * (filters.c), the worksheets (ideas_ws.c) and the remembered sense
 * splits (senses.c), text made safe for a terminal or a spreadsheet
 * (safe.c), and the messages every room says things with (say.c,
 * state.c). Over tenyo.h (and jansson) only.
 *
 * Who calls whom: cli/ and serve/ -> views/ -> tenyo.h; a views file calls
 * other views files and the library, never a command or the server
 * (tests/layers.sh checks the includes and the calls).
 */
#ifndef TENYO_VIEWS_H
#define TENYO_VIEWS_H

#include "tenyo.h"

#include <jansson.h>
#include <stdio.h>

/* Exit codes of every command and of the server (README "Exit codes"). */
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
       OPT_WORKSHEET, OPT_SENSES, OPT_NOTE, OPT_REMEMBER, OPT_REMEMBER_FIELD };

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

/* ================ say.c, state.c: messages and names, the same for every room */
extern const char *cli_cmd;  /* the command main() dispatched ("" before) */
/* "tenyo COMMAND: " + printf(fmt, ...) on stderr (fmt ends with \n). */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The closest of names[n] to word when close enough, else NULL. */
const char *cli_suggest(const char *word, const char *const *names, size_t n);
/* The exit code of a library status. */
int cli_exit_code(int status);
/* A mode name (tfidf | lsa | hybrid) into *mode: 0, or -1 (no message). */
int cli_parse_mode(const char *s, tenyo_mode *mode);
/* The name of mode m. */
const char *cli_mode_name(tenyo_mode m);

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

/* Where a map's points go in the picture: x from the left, y from the top,
 * px = pad + (x - x0) sx, py = pad + (y1 - y) sy; the picture is width x
 * height. */
typedef struct cli_map_view {
    double x0, y1, sx, sy, pad, width, height;
} cli_map_view;
/* One entry of a picture: its field (-1: none), its label's text ("": a
 * marker only) and the caller's tag (the page's role, the report's class). */
typedef struct cli_map_item {
    int32_t field;
    int tag;
    char text[160];
} cli_map_item;
/* The labels of one picture of map m, assembled in placement order (the
 * first placed first): l[i] and it[i] for i < n. */
typedef struct cli_map_labels {
    const tenyo_index *x;
    const tenyo_map *m;
    cli_map_view v;
    const char *lang;           /* of the fields' titles */
    tenyo_map_label *l;         /* the boxes and markers (tenyo_map_place_labels) */
    cli_map_item *it;           /* what each is */
    size_t n, cap;
    uint8_t *taken;             /* per field: on the picture already */
    uint32_t nf;                /* fields of the index */
    uint64_t most;              /* documents of the largest field */
} cli_map_labels;
/* Room for cap entries besides one per field; 0, or -1 out of memory. */
int cli_map_labels_init(cli_map_labels *ml, const tenyo_index *x, const tenyo_map *m,
                        const cli_map_view *v, size_t cap, const char *lang);
void cli_map_labels_free(cli_map_labels *ml);
/* Field j with a marker of radius r, labelled text (NULL: "CODE title",
 * cli_map_label_text), when it is not on the picture yet: 1 added, 0 not
 * (taken, or no position), -1 no room. */
int cli_map_labels_field(cli_map_labels *ml, uint32_t j, double r, const char *text,
                         int important, int tag);
/* A marker at map point xy of radius r, labelled text (NULL: none), that
 * takes field (-1: none): 0, or -1 no room. */
int cli_map_labels_point(cli_map_labels *ml, const double *xy, double r, const char *text,
                         int64_t field, int important, int tag);
/* The fields not yet taken whose markers are in the picture, largest
 * first (ties: the lower number): the first named ones labelled "CODE
 * title", the others background markers (soft). 0, or -1 no room. */
int cli_map_labels_largest(cli_map_labels *ml, long named, int tag);
/* Place the labels (tenyo_map_place_labels in the picture); the number placed. */
size_t cli_map_labels_place(cli_map_labels *ml);

/* ============ render.c, profiles.c: the ideas, match and profile objects (commands and server);
 * the ideas and match objects are the library's (tenyo_ideas_json, tenyo_match_json) */

/* Run one ideas query (indexed qdoc >= 0, else text/len) on ctx and build
 * {"query": {...}, "ideas": [...]} (README "ideas --json"). NULL on failure
 * with the status in *status and the message in tenyo_ctx_error(ctx). */
json_t *cli_ideas_json(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                       const char *text, size_t len, const tenyo_ideas_opts *io,
                       size_t n, const char *lang, int *status);
/* cli_ideas_json for a printer of the list shown by default: the other
 * cards without their explanation (tenyo_ideas_json_shown). */
json_t *cli_ideas_json_shown(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
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
/* Ideas answer o marked for the report with w's decisions, as the page
 * shows them: each card's note, "decision": "kept" on the kept cards, and
 * o's "worksheet": {"kept": [FIELD], "rejected": [{field, note}],
 * "strike": [WORD], "focus": "1,2" or the focus text}. */
void cli_ideas_ws_report(json_t *o, const tenyo_worksheet *w);

/* The senses file (senses.c): named, or INDEX.senses (malloc'd). */
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
 * `ideas --csv` and the page's download (ideas_csv.c). The list shown
 * (cards with a position in "shown", in that order), or with all every
 * card of the answer in the engine's order. */
void cli_ideas_csv(FILE *f, const json_t *o, int header, int bom, const char *lang, int all);
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
