/*
 * test_null.c — every public call of include/tenyo.h with each pointer
 * argument NULL, the others valid (issue 54: tenyo_index_info_get(NULL,
 * &i), tenyo_index_info_get(x, NULL) and tenyo_idea_legend(NULL, NULL)
 * crashed). Each call runs in a child process of its own, so a crash is a
 * failure naming the call and the argument instead of the end of the run,
 * and no call sees what another changed; the calls must return (a status,
 * TENYO_ERR_ARG for a required pointer, or the documented empty value).
 * The table below names each call and argument; null_covers_tenyo_h reads
 * tenyo.h and fails for a public call the table lacks, so a new call gets
 * its case here (one line in the table and one in the switch per pointer
 * argument, the others given a valid value by type and name, as below).
 * The fixtures: the sample's index (and two more: one for the writers'
 * calls, one an update holds), a context with a query's hits, proposals
 * and matches, a filter, a map, a builder (with records, so writes go
 * deep), a writer, an update, a reader and a tokenizer. TENYO_NULL_SHOW=1
 * prints what each call returned.
 */
#include "tenyo.h"
#include "test.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"

/* The valid arguments each case passes beside its NULL. */
static struct {
    char path[512], wpath[512], upath[512], out[512], out2[512], list[512], titles[512];
    tenyo_index *x, *xo;
    tenyo_ctx *c, *co;
    tenyo_filter *f, *fo;
    tenyo_map *m, *mo;
    tenyo_builder *b, *bo_;
    tenyo_writer *w, *wo;
    tenyo_update *u, *uo;
    tenyo_reader *r, *ro_;
    tenyo_tokenizer *t, *to_;
    tenyo_read_opts ropts;
    tenyo_build_opts bopts;
    tenyo_tok_opts topts;
    tenyo_ideas_opts iopts;
    tenyo_build_stats bst;
    tenyo_update_stats ust;
    tenyo_open_stats ost;
    tenyo_check_stats cst;
    tenyo_read_stats rst;
    tenyo_index_info info;
    tenyo_doc_meta meta;
    const tenyo_doc *dp;
    tenyo_doc doc;
    tenyo_query q;
    tenyo_hit hits[64];
    int nhits;
    tenyo_idea ideas[64];
    int got;
    tenyo_phrase phr[64];
    tenyo_why why;
    tenyo_match matches[64];
    int nmatches;
    tenyo_match_app apps[64];
    tenyo_map_label labels[2];
    double *sim;
    size_t nfields;
    char err[512], buf[4096], *sp;
    const char *strs[64];
    double xy[2], d;
    int64_t i64;
    uint64_t u64s[64];
    size_t sz;
    int iv;
    long long rv;
} fx;

static void on_report(void *ud, const char *file, long line, const char *msg) {
    (void)ud, (void)file, (void)line, (void)msg;
}
static void on_similar(void *ud, size_t i, int got, const tenyo_hit *hits) {
    (void)ud, (void)i, (void)got, (void)hits;
}
static void on_ideas(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    (void)ud, (void)i, (void)got, (void)ideas;
}
static void on_term(void *ud, const char *term, size_t len) { (void)ud, (void)term, (void)len; }
static int on_worker(void *ud, int t, int nt) { (void)ud, (void)t, (void)nt; return 0; }
static void on_say(void *ud, int problem, const char *line) { (void)ud, (void)problem, (void)line; }
static int add_doc(void *ud, const tenyo_doc *d) { return tenyo_builder_add(ud, d); }

/* Each case: the call, the argument passed NULL ("": a call without
 * pointer arguments, listed so that the table names every call). */
static const struct ncase {
    const char *fn, *arg;
    int k;
} cases[] = {
    {"tenyo_version", "", 0},
    {"tenyo_strerror", "", 1},
    {"tenyo_reader_open", "path", 2},
    {"tenyo_reader_open", "opts", 3},
    {"tenyo_reader_open", "out", 4},
    {"tenyo_reader_open", "err", 5},
    {"tenyo_reader_next", "r", 6},
    {"tenyo_reader_next", "doc", 7},
    {"tenyo_reader_error", "r", 8},
    {"tenyo_reader_format", "r", 9},
    {"tenyo_reader_encoding", "r", 10},
    {"tenyo_reader_detected", "r", 11},
    {"tenyo_reader_stats", "r", 12},
    {"tenyo_reader_stats", "st", 13},
    {"tenyo_reader_free", "r", 14},
    {"tenyo_text_to_utf8", "in", 15},
    {"tenyo_text_to_utf8", "encoding", 16},
    {"tenyo_text_to_utf8", "out", 17},
    {"tenyo_text_to_utf8", "outlen", 18},
    {"tenyo_text_to_utf8", "used", 19},
    {"tenyo_text_to_utf8", "err", 20},
    {"tenyo_text_width", "s", 21},
    {"tenyo_text_fit", "s", 22},
    {"tenyo_text_bidi", "s", 23},
    {"tenyo_tok_opts_default", "o", 24},
    {"tenyo_tokenizer_new", "opts", 25},
    {"tenyo_tokenizer_new", "out", 26},
    {"tenyo_tokenizer_new", "err", 27},
    {"tenyo_tokenizer_run", "t", 28},
    {"tenyo_tokenizer_run", "text", 29},
    {"tenyo_tokenizer_run", "emit", 30},
    {"tenyo_tokenizer_run", "ud", 31},
    {"tenyo_tokenizer_identity", "t", 32},
    {"tenyo_tokenizer_error", "t", 33},
    {"tenyo_tokenizer_free", "t", 34},
    {"tenyo_build_opts_default", "o", 35},
    {"tenyo_builder_new", "opts", 36},
    {"tenyo_builder_new", "out", 37},
    {"tenyo_builder_new", "err", 38},
    {"tenyo_builder_add", "b", 39},
    {"tenyo_builder_add", "doc", 40},
    {"tenyo_builder_write", "b", 41},
    {"tenyo_builder_write", "path", 42},
    {"tenyo_builder_write", "st", 43},
    {"tenyo_builder_error", "b", 44},
    {"tenyo_builder_free", "b", 45},
    {"tenyo_writer_open", "path", 46},
    {"tenyo_writer_open", "out", 47},
    {"tenyo_writer_open", "err", 48},
    {"tenyo_writer_path", "w", 49},
    {"tenyo_writer_commit", "w", 50},
    {"tenyo_writer_commit", "b", 51},
    {"tenyo_writer_commit", "st", 52},
    {"tenyo_writer_commit", "err", 53},
    {"tenyo_writer_free", "w", 54},
    {"tenyo_output_check", "path", 55},
    {"tenyo_output_check", "own", 56},
    {"tenyo_output_check", "err", 57},
    {"tenyo_index_open", "path", 58},
    {"tenyo_index_open", "out", 59},
    {"tenyo_index_open", "err", 60},
    {"tenyo_index_open_for", "path", 1203},
    {"tenyo_index_open_for", "out", 1204},
    {"tenyo_index_open_for", "err", 1205},
    {"tenyo_index_free", "idx", 61},
    {"tenyo_index_load_all", "idx", 62},
    {"tenyo_index_load_all", "err", 63},
    {"tenyo_index_warm", "idx", 64},
    {"tenyo_index_warm", "err", 65},
    {"tenyo_index_info_get", "idx", 66},
    {"tenyo_index_info_get", "info", 67},
    {"tenyo_update_open", "path", 68},
    {"tenyo_update_open", "opts", 69},
    {"tenyo_update_open", "out", 70},
    {"tenyo_update_open", "err", 71},
    {"tenyo_update_add", "u", 72},
    {"tenyo_update_add", "doc", 73},
    {"tenyo_update_delete", "u", 74},
    {"tenyo_update_delete", "id", 75},
    {"tenyo_update_commit", "u", 76},
    {"tenyo_update_commit", "st", 77},
    {"tenyo_update_error", "u", 78},
    {"tenyo_update_unchanged", "u", 1425},
    {"tenyo_update_free", "u", 79},
    {"tenyo_index_rebuild", "path", 80},
    {"tenyo_index_rebuild", "opts", 81},
    {"tenyo_index_rebuild", "st", 82},
    {"tenyo_index_rebuild", "err", 83},
    {"tenyo_index_rebuild_ivf", "path", 84},
    {"tenyo_index_rebuild_ivf", "opts", 85},
    {"tenyo_index_rebuild_ivf", "st", 86},
    {"tenyo_index_rebuild_ivf", "refitted", 87},
    {"tenyo_index_rebuild_ivf", "err", 88},
    {"tenyo_index_drop_updates", "path", 89},
    {"tenyo_index_drop_updates", "err", 90},
    {"tenyo_open_load", "path", 91},
    {"tenyo_open_load", "list", 92},
    {"tenyo_open_load", "column", 93},
    {"tenyo_open_load", "report", 94},
    {"tenyo_open_load", "ud", 95},
    {"tenyo_open_load", "st", 96},
    {"tenyo_open_load", "err", 97},
    {"tenyo_open_check", "list", 98},
    {"tenyo_open_check", "err", 99},
    {"tenyo_writer_open_list", "w", 100},
    {"tenyo_writer_open_list", "list", 101},
    {"tenyo_writer_open_list", "column", 102},
    {"tenyo_writer_open_list", "report", 103},
    {"tenyo_writer_open_list", "ud", 104},
    {"tenyo_writer_open_list", "st", 105},
    {"tenyo_writer_open_list", "err", 106},
    {"tenyo_open_clear", "path", 107},
    {"tenyo_open_clear", "had", 108},
    {"tenyo_open_clear", "err", 109},
    {"tenyo_index_check", "path", 110},
    {"tenyo_index_check", "st", 111},
    {"tenyo_index_check", "say", 112},
    {"tenyo_index_check", "ud", 113},
    {"tenyo_index_check", "err", 114},
    {"tenyo_index_ndocs", "idx", 115},
    {"tenyo_index_find", "idx", 116},
    {"tenyo_index_find", "id", 117},
    {"tenyo_patno_key", "typed", 118},
    {"tenyo_patno_key", "out", 119},
    {"tenyo_edit_distance", "a", 120},
    {"tenyo_edit_distance", "b", 121},
    {"tenyo_index_resolve", "idx", 122},
    {"tenyo_index_resolve", "typed", 123},
    {"tenyo_index_resolve", "doc", 124},
    {"tenyo_index_resolve", "sug", 125},
    {"tenyo_index_resolve", "nsugged", 126},
    {"tenyo_index_damage", "idx", 1501},
    {"tenyo_index_damage", "err", 1502},
    {"tenyo_index_doc", "idx", 127},
    {"tenyo_index_doc", "out", 128},
    {"tenyo_index_field", "idx", 129},
    {"tenyo_index_field", "code", 130},
    {"tenyo_index_field", "count", 131},
    {"tenyo_ctx_new", "idx", 132},
    {"tenyo_ctx_new", "out", 133},
    {"tenyo_ctx_new", "err", 134},
    {"tenyo_ctx_free", "c", 135},
    {"tenyo_ctx_error", "c", 136},
    {"tenyo_ctx_set_hybrid_weight", "c", 137},
    {"tenyo_ctx_set_threads", "c", 138},
    {"tenyo_parallel", "fn", 139},
    {"tenyo_parallel", "ud", 140},
    {"tenyo_set_blas_threads", "", 141},
    {"tenyo_ctx_set_scan", "c", 142},
    {"tenyo_ctx_set_nprobe", "c", 143},
    {"tenyo_ctx_set_rerank", "c", 144},
    {"tenyo_index_ivf_lists", "idx", 145},
    {"tenyo_similar_doc", "c", 146},
    {"tenyo_similar_doc", "hits", 147},
    {"tenyo_similar_text", "c", 148},
    {"tenyo_similar_text", "text", 149},
    {"tenyo_similar_text", "hits", 150},
    {"tenyo_filter_new", "idx", 151},
    {"tenyo_filter_new", "out", 152},
    {"tenyo_filter_free", "f", 153},
    {"tenyo_filter_dates", "f", 154},
    {"tenyo_filter_dates", "from", 155},
    {"tenyo_filter_dates", "to", 156},
    {"tenyo_filter_applicant", "f", 157},
    {"tenyo_filter_applicant", "substr", 158},
    {"tenyo_filter_field", "f", 159},
    {"tenyo_filter_field", "code", 160},
    {"tenyo_id_kind", "id", 161},
    {"tenyo_filter_kind", "f", 162},
    {"tenyo_filter_open_only", "f", 163},
    {"tenyo_date_span", "typed", 164},
    {"tenyo_date_span", "out", 165},
    {"tenyo_ipc_prefix", "code", 166},
    {"tenyo_ipc_prefix", "out", 167},
    {"tenyo_filter_keywords", "f", 168},
    {"tenyo_filter_keywords", "c", 169},
    {"tenyo_filter_keywords", "query", 170},
    {"tenyo_filter_note", "f", 171},
    {"tenyo_search", "c", 172},
    {"tenyo_search", "f", 173},
    {"tenyo_search", "hits", 174},
    {"tenyo_index_keyword_stats", "x", 175},
    {"tenyo_index_keyword_stats", "bytes", 176},
    {"tenyo_index_keyword_stats", "seconds", 177},
    {"tenyo_index_keyword_index", "x", 178},
    {"tenyo_index_keyword_index", "stored", 179},
    {"tenyo_index_keyword_index", "postings", 180},
    {"tenyo_index_keyword_index", "bigrams", 181},
    {"tenyo_index_keyword_size", "x", 182},
    {"tenyo_index_keyword_size", "stored", 183},
    {"tenyo_index_keyword_size", "loaded", 184},
    {"tenyo_index_keyword_check", "x", 185},
    {"tenyo_index_keyword_check", "err", 186},
    {"tenyo_filter_count", "f", 187},
    {"tenyo_filter_match", "f", 188},
    {"tenyo_filter_error", "f", 189},
    {"tenyo_ctx_set_filter", "c", 190},
    {"tenyo_ctx_set_filter", "f", 191},
    {"tenyo_similar_batch", "c", 192},
    {"tenyo_similar_batch", "q", 193},
    {"tenyo_similar_batch", "cb", 194},
    {"tenyo_similar_batch", "ud", 195},
    {"tenyo_ideas_opts_default", "o", 196},
    {"tenyo_ideas_pool", "o", 1500},
    {"tenyo_ctx_notes", "c", 197},
    {"tenyo_ideas_doc", "c", 198},
    {"tenyo_ideas_doc", "o", 199},
    {"tenyo_ideas_doc", "out", 200},
    {"tenyo_ideas_text", "c", 201},
    {"tenyo_ideas_text", "text", 202},
    {"tenyo_ideas_text", "o", 203},
    {"tenyo_ideas_text", "out", 204},
    {"tenyo_term_judge", "x", 900},
    {"tenyo_term_judge", "term", 901},
    {"tenyo_term_judge", "out", 902},
    {"tenyo_idea_bridge", "c", 205},
    {"tenyo_idea_bridge", "idea", 206},
    {"tenyo_idea_bridge", "terms", 207},
    {"tenyo_idea_phrases", "c", 208},
    {"tenyo_idea_phrases", "idea", 209},
    {"tenyo_idea_phrases", "out", 210},
    {"tenyo_idea_why", "c", 211},
    {"tenyo_idea_why", "idea", 212},
    {"tenyo_idea_why", "out", 213},
    {"tenyo_doc_abstract", "c", 214},
    {"tenyo_doc_abstract", "text", 215},
    {"tenyo_doc_abstract", "len", 216},
    {"tenyo_ideas_batch", "c", 217},
    {"tenyo_ideas_batch", "q", 218},
    {"tenyo_ideas_batch", "o", 219},
    {"tenyo_ideas_batch", "cb", 220},
    {"tenyo_ideas_batch", "ud", 221},
    {"tenyo_match_text", "c", 222},
    {"tenyo_match_text", "text", 223},
    {"tenyo_match_text", "o", 224},
    {"tenyo_match_text", "ideas", 225},
    {"tenyo_match_text", "got_ideas", 226},
    {"tenyo_match_text", "out", 227},
    {"tenyo_match_why", "c", 228},
    {"tenyo_match_why", "text", 229},
    {"tenyo_match_why", "out", 230},
    {"tenyo_match_apply", "c", 231},
    {"tenyo_match_apply", "mt", 232},
    {"tenyo_match_apply", "ideas", 233},
    {"tenyo_match_apply", "o", 234},
    {"tenyo_match_apply", "out", 235},
    {"tenyo_ctx_home", "c", 236},
    {"tenyo_ctx_home", "predicted", 237},
    {"tenyo_field_label", "idx", 238},
    {"tenyo_field_label", "code", 239},
    {"tenyo_field_label", "lang", 240},
    {"tenyo_index_load_titles", "idx", 241},
    {"tenyo_index_load_titles", "path", 242},
    {"tenyo_index_load_titles", "err", 243},
    {"tenyo_code_subclass", "code", 244},
    {"tenyo_code_subclass", "out", 245},
    {"tenyo_index_cooccur", "idx", 246},
    {"tenyo_index_field_find", "idx", 247},
    {"tenyo_index_field_find", "code", 248},
    {"tenyo_ideas_json", "c", 249},
    {"tenyo_ideas_json", "q", 250},
    {"tenyo_ideas_json", "ideas", 251},
    {"tenyo_ideas_json", "lang", 252},
    {"tenyo_ideas_json", "out", 253},
    {"tenyo_ideas_json_shown", "c", 1210},
    {"tenyo_ideas_json_shown", "q", 1211},
    {"tenyo_ideas_json_shown", "ideas", 1212},
    {"tenyo_ideas_json_shown", "lang", 1213},
    {"tenyo_ideas_json_shown", "out", 1214},
    {"tenyo_match_json", "c", 254},
    {"tenyo_match_json", "text", 255},
    {"tenyo_match_json", "ideas", 256},
    {"tenyo_match_json", "m", 257},
    {"tenyo_match_json", "lang", 258},
    {"tenyo_match_json", "out", 259},
    {"tenyo_similar_json", "idx", 260},
    {"tenyo_similar_json", "q", 261},
    {"tenyo_similar_json", "hits", 262},
    {"tenyo_similar_json", "out", 263},
    {"tenyo_search_json", "idx", 264},
    {"tenyo_search_json", "f", 265},
    {"tenyo_search_json", "hits", 266},
    {"tenyo_search_json", "out", 267},
    {"tenyo_json_free", "s", 268},
    {"tenyo_idea_sentence", "c", 269},
    {"tenyo_idea_sentence", "idea", 270},
    {"tenyo_idea_sentence", "lang", 271},
    {"tenyo_idea_sentence", "out", 272},
    {"tenyo_doc_link", "id", 273},
    {"tenyo_doc_link", "buf", 274},
    {"tenyo_idea_legend", "key", 275},
    {"tenyo_idea_legend", "lang", 276},
    {"tenyo_map_new", "idx", 277},
    {"tenyo_map_new", "out", 278},
    {"tenyo_map_new", "err", 279},
    {"tenyo_map_free", "m", 280},
    {"tenyo_map_variance", "m", 281},
    {"tenyo_map_variance", "share", 282},
    {"tenyo_map_field", "m", 283},
    {"tenyo_map_field", "xy", 284},
    {"tenyo_map_doc", "m", 285},
    {"tenyo_map_doc", "xy", 286},
    {"tenyo_map_query", "m", 287},
    {"tenyo_map_query", "c", 288},
    {"tenyo_map_query", "xy", 289},
    {"tenyo_map_doc_similarity", "m", 290},
    {"tenyo_map_doc_similarity", "sim", 291},
    {"tenyo_map_query_similarity", "m", 292},
    {"tenyo_map_query_similarity", "c", 293},
    {"tenyo_map_query_similarity", "sim", 294},
    {"tenyo_map_place_labels", "l", 295},
    {"tenyo_senses_new", "out", 1400},
    {"tenyo_senses_free", "s", 1401},
    {"tenyo_senses_add", "s", 1402},
    {"tenyo_senses_add", "word", 1403},
    {"tenyo_senses_add", "field", 1404},
    {"tenyo_senses_add", "other", 1405},
    {"tenyo_senses_remove", "s", 1406},
    {"tenyo_senses_remove", "word", 1407},
    {"tenyo_senses_remove", "field", 1408},
    {"tenyo_senses_remove", "other", 1409},
    {"tenyo_senses_count", "s", 1410},
    {"tenyo_senses_get", "s", 1411},
    {"tenyo_senses_get", "word", 1412},
    {"tenyo_senses_get", "field", 1413},
    {"tenyo_senses_get", "other", 1414},
    {"tenyo_senses_load", "s", 1415},
    {"tenyo_senses_load", "path", 1416},
    {"tenyo_senses_load", "err", 1417},
    {"tenyo_senses_save", "s", 1418},
    {"tenyo_senses_save", "path", 1419},
    {"tenyo_senses_save", "err", 1420},
    {"tenyo_senses_tsv", "s", 1421},
    {"tenyo_senses_tsv", "out", 1422},
    {"tenyo_ctx_set_senses", "c", 1423},
    {"tenyo_ctx_set_senses", "s", 1424},
    {"tenyo_worksheet_new", "kind", 1300},
    {"tenyo_worksheet_new", "subject", 1301},
    {"tenyo_worksheet_new", "out", 1302},
    {"tenyo_worksheet_free", "w", 1303},
    {"tenyo_worksheet_load", "path", 1304},
    {"tenyo_worksheet_load", "out", 1305},
    {"tenyo_worksheet_load", "err", 1306},
    {"tenyo_worksheet_parse", "json", 1307},
    {"tenyo_worksheet_parse", "out", 1308},
    {"tenyo_worksheet_parse", "err", 1309},
    {"tenyo_worksheet_save", "w", 1310},
    {"tenyo_worksheet_save", "path", 1311},
    {"tenyo_worksheet_save", "err", 1312},
    {"tenyo_worksheet_json", "w", 1313},
    {"tenyo_worksheet_json", "out", 1314},
    {"tenyo_worksheet_subject", "w", 1315},
    {"tenyo_worksheet_subject", "kind", 1316},
    {"tenyo_worksheet_fits", "w", 1317},
    {"tenyo_worksheet_fits", "x", 1318},
    {"tenyo_worksheet_fits", "text", 1319},
    {"tenyo_worksheet_fits", "err", 1320},
    {"tenyo_worksheet_apply", "w", 1321},
    {"tenyo_worksheet_apply", "s", 1322},
    {"tenyo_worksheet_record", "w", 1323},
    {"tenyo_worksheet_record", "s", 1324},
    {"tenyo_worksheet_record", "c", 1325},
    {"tenyo_worksheet_record", "ideas", 1326},
    {"tenyo_worksheet_note", "w", 1327},
    {"tenyo_worksheet_note", "field", 1328},
    {"tenyo_worksheet_note", "note", 1329},
    {"tenyo_worksheet_card", "w", 1330},
    {"tenyo_worksheet_card", "field", 1331},
    {"tenyo_worksheet_card", "decision", 1332},
    {"tenyo_worksheet_card", "note", 1333},
    {"tenyo_worksheet_lock_take", "path", 1334},
    {"tenyo_worksheet_lock_take", "out", 1335},
    {"tenyo_worksheet_lock_take", "err", 1336},
    {"tenyo_lock_free", "l", 1337},
    {"tenyo_senses_lock_take", "path", 1338},
    {"tenyo_senses_lock_take", "out", 1339},
    {"tenyo_senses_lock_take", "err", 1340},
    {"tenyo_steer_fields", "s", 1200},
    {"tenyo_steer_fields", "list", 1201},
    {"tenyo_steer_fields", "bad", 1202},
    {"tenyo_steer_focus", "s", 1100},
    {"tenyo_steer_focus", "numbers", 1101},
    {"tenyo_steer_focus_text", "s", 1102},
    {"tenyo_steer_focus_text", "text", 1103},
    {"tenyo_steer_focus_get", "s", 1104},
    {"tenyo_steer_focus_get", "text", 1105},
    {"tenyo_query_sentences", "c", 1106},
    {"tenyo_query_sentences", "text", 1107},
    {"tenyo_query_sentences", "out", 1108},
    {"tenyo_ideas_opt_count", "", 1000},
    {"tenyo_ideas_opt", "", 1001},
    {"tenyo_ideas_opt_find", "name", 1002},
    {"tenyo_ideas_opt_check", "name", 1003},
    {"tenyo_ideas_opt_check", "err", 1004},
    {"tenyo_ideas_opt_parse", "name", 1005},
    {"tenyo_ideas_opt_parse", "text", 1006},
    {"tenyo_ideas_opt_parse", "v", 1007},
    {"tenyo_ideas_opt_parse", "err", 1008},
    {"tenyo_ideas_opts_set", "o", 1009},
    {"tenyo_ideas_opts_set", "name", 1010},
    {"tenyo_ideas_opts_set", "err", 1011},
    {"tenyo_ideas_home_split", "buf", 1012},
    {"tenyo_ideas_home_split", "homes", 1013},
    {"tenyo_ideas_home_split", "err", 1014},
    {"tenyo_idea_found_by", "c", 1015},
    {"tenyo_idea_found_by", "idea", 1016},
    {"tenyo_idea_found_by", "names", 1017},
    {"tenyo_steer_new", "out", 1018},
    {"tenyo_steer_free", "s", 1019},
    {"tenyo_steer_strike", "s", 1020},
    {"tenyo_steer_strike", "word", 1021},
    {"tenyo_steer_keep", "s", 1022},
    {"tenyo_steer_keep", "field", 1023},
    {"tenyo_steer_reject", "s", 1024},
    {"tenyo_steer_reject", "field", 1025},
    {"tenyo_steer_count", "s", 1026},
    {"tenyo_steer_item", "s", 1027},
    {"tenyo_ctx_set_steer", "c", 1028},
    {"tenyo_ctx_set_steer", "s", 1029},
    {"tenyo_ctx_steer", "c", 1030},
    {"tenyo_idea_struck", "c", 1031},
    {"tenyo_idea_struck", "idea", 1032},
    {"tenyo_idea_struck", "words", 1033},
    {"tenyo_idea_kept", "c", 1034},
    {"tenyo_idea_kept", "idea", 1035},
    {"tenyo_split_is_test", "id", 296},
    {"tenyo_split_is_test", "salt", 297},
};
#define NCASES (sizeof cases / sizeof *cases)

/* Case k, in the child. */
static void run_case(int k) {
    switch (k) {
    case 2: fx.rv = (long long)tenyo_reader_open(NULL, &fx.ropts, &fx.ro_, fx.err, sizeof fx.err); break;
    case 3: fx.rv = (long long)tenyo_reader_open(SAMPLE, NULL, &fx.ro_, fx.err, sizeof fx.err); break;
    case 4: fx.rv = (long long)tenyo_reader_open(SAMPLE, &fx.ropts, NULL, fx.err, sizeof fx.err); break;
    case 5: fx.rv = (long long)tenyo_reader_open(SAMPLE, &fx.ropts, &fx.ro_, NULL, sizeof fx.err); break;
    case 6: fx.rv = (long long)tenyo_reader_next(NULL, &fx.dp); break;
    case 7: fx.rv = (long long)tenyo_reader_next(fx.r, NULL); break;
    case 8: fx.rv = (long long)(intptr_t)tenyo_reader_error(NULL); break;
    case 9: fx.rv = (long long)(intptr_t)tenyo_reader_format(NULL); break;
    case 10: fx.rv = (long long)(intptr_t)tenyo_reader_encoding(NULL); break;
    case 11: fx.rv = (long long)(intptr_t)tenyo_reader_detected(NULL); break;
    case 12: tenyo_reader_stats(NULL, &fx.rst); break;
    case 13: tenyo_reader_stats(fx.r, NULL); break;
    case 14: tenyo_reader_free(NULL); break;
    case 15: fx.rv = (long long)tenyo_text_to_utf8(NULL, 9, "UTF-8", &fx.sp, &fx.sz, fx.buf, sizeof fx.buf, fx.err, sizeof fx.err); break;
    case 16: fx.rv = (long long)tenyo_text_to_utf8("abc", 3, NULL, &fx.sp, &fx.sz, fx.buf, sizeof fx.buf, fx.err, sizeof fx.err); break;
    case 17: fx.rv = (long long)tenyo_text_to_utf8("abc", 3, "UTF-8", NULL, &fx.sz, fx.buf, sizeof fx.buf, fx.err, sizeof fx.err); break;
    case 18: fx.rv = (long long)tenyo_text_to_utf8("abc", 3, "UTF-8", &fx.sp, NULL, fx.buf, sizeof fx.buf, fx.err, sizeof fx.err); break;
    case 19: fx.rv = (long long)tenyo_text_to_utf8("abc", 3, "UTF-8", &fx.sp, &fx.sz, NULL, sizeof fx.buf, fx.err, sizeof fx.err); break;
    case 20: fx.rv = (long long)tenyo_text_to_utf8("abc", 3, "UTF-8", &fx.sp, &fx.sz, fx.buf, sizeof fx.buf, NULL, sizeof fx.err); break;
    case 21: fx.rv = (long long)tenyo_text_width(NULL, 9); break;
    case 22: fx.rv = (long long)tenyo_text_fit(NULL, 9, 3); break;
    case 23: fx.rv = (long long)tenyo_text_bidi(NULL); break;
    case 24: tenyo_tok_opts_default(NULL); break;
    case 25: fx.rv = (long long)tenyo_tokenizer_new(NULL, &fx.to_, fx.err, sizeof fx.err); break;
    case 26: fx.rv = (long long)tenyo_tokenizer_new(&fx.topts, NULL, fx.err, sizeof fx.err); break;
    case 27: fx.rv = (long long)tenyo_tokenizer_new(&fx.topts, &fx.to_, NULL, sizeof fx.err); break;
    case 28: fx.rv = (long long)tenyo_tokenizer_run(NULL, "robot arm", 9, on_term, NULL); break;
    case 29: fx.rv = (long long)tenyo_tokenizer_run(fx.t, NULL, 9, on_term, NULL); break;
    case 30: fx.rv = (long long)tenyo_tokenizer_run(fx.t, "robot arm", 9, NULL, NULL); break;
    case 31: fx.rv = (long long)tenyo_tokenizer_run(fx.t, "robot arm", 9, on_term, NULL); break;
    case 32: fx.rv = (long long)(intptr_t)tenyo_tokenizer_identity(NULL); break;
    case 33: fx.rv = (long long)(intptr_t)tenyo_tokenizer_error(NULL); break;
    case 34: tenyo_tokenizer_free(NULL); break;
    case 35: tenyo_build_opts_default(NULL); break;
    case 36: fx.rv = (long long)tenyo_builder_new(NULL, &fx.bo_, fx.err, sizeof fx.err); break;
    case 37: fx.rv = (long long)tenyo_builder_new(&fx.bopts, NULL, fx.err, sizeof fx.err); break;
    case 38: fx.rv = (long long)tenyo_builder_new(&fx.bopts, &fx.bo_, NULL, sizeof fx.err); break;
    case 39: fx.rv = (long long)tenyo_builder_add(NULL, &fx.doc); break;
    case 40: fx.rv = (long long)tenyo_builder_add(fx.b, NULL); break;
    case 41: fx.rv = (long long)tenyo_builder_write(NULL, fx.out, &fx.bst); break;
    case 42: fx.rv = (long long)tenyo_builder_write(fx.b, NULL, &fx.bst); break;
    case 43: fx.rv = (long long)tenyo_builder_write(fx.b, fx.out, NULL); break;
    case 44: fx.rv = (long long)(intptr_t)tenyo_builder_error(NULL); break;
    case 45: tenyo_builder_free(NULL); break;
    case 46: fx.rv = (long long)tenyo_writer_open(NULL, 0, &fx.wo, fx.err, sizeof fx.err); break;
    case 47: fx.rv = (long long)tenyo_writer_open(fx.out2, 0, NULL, fx.err, sizeof fx.err); break;
    case 48: fx.rv = (long long)tenyo_writer_open(fx.out2, 0, &fx.wo, NULL, sizeof fx.err); break;
    case 49: fx.rv = (long long)(intptr_t)tenyo_writer_path(NULL); break;
    case 50: fx.rv = (long long)tenyo_writer_commit(NULL, fx.b, &fx.bst, fx.err, sizeof fx.err); break;
    case 51: fx.rv = (long long)tenyo_writer_commit(fx.w, NULL, &fx.bst, fx.err, sizeof fx.err); break;
    case 52: fx.rv = (long long)tenyo_writer_commit(fx.w, fx.b, NULL, fx.err, sizeof fx.err); break;
    case 53: fx.rv = (long long)tenyo_writer_commit(fx.w, fx.b, &fx.bst, NULL, sizeof fx.err); break;
    case 54: tenyo_writer_free(NULL); break;
    case 55: fx.rv = (long long)tenyo_output_check(NULL, "x", 0, fx.err, sizeof fx.err); break;
    case 56: fx.rv = (long long)tenyo_output_check(fx.out, NULL, 0, fx.err, sizeof fx.err); break;
    case 57: fx.rv = (long long)tenyo_output_check(fx.out, "x", 0, NULL, sizeof fx.err); break;
    case 58: fx.rv = (long long)tenyo_index_open(NULL, &fx.xo, fx.err, sizeof fx.err); break;
    case 59: fx.rv = (long long)tenyo_index_open(fx.path, NULL, fx.err, sizeof fx.err); break;
    case 60: fx.rv = (long long)tenyo_index_open(fx.path, &fx.xo, NULL, sizeof fx.err); break;
    case 1203: fx.rv = (long long)tenyo_index_open_for(NULL, 7, &fx.xo, fx.err, sizeof fx.err); break;
    case 1204: fx.rv = (long long)tenyo_index_open_for(fx.path, 7, NULL, fx.err, sizeof fx.err); break;
    case 1205: /* freed: the prefetch threads joined before the child exits (a thread leak to TSan) */
        fx.rv = (long long)tenyo_index_open_for(fx.path, 7, &fx.xo, NULL, sizeof fx.err);
        tenyo_index_free(fx.xo);
        fx.xo = NULL;
        break;
    case 61: tenyo_index_free(NULL); break;
    case 62: fx.rv = (long long)tenyo_index_load_all(NULL, fx.err, sizeof fx.err); break;
    case 63: fx.rv = (long long)tenyo_index_load_all(fx.x, NULL, sizeof fx.err); break;
    case 64: fx.rv = (long long)tenyo_index_warm(NULL, fx.err, sizeof fx.err); break;
    case 65: fx.rv = (long long)tenyo_index_warm(fx.x, NULL, sizeof fx.err); break;
    case 66: tenyo_index_info_get(NULL, &fx.info); break;
    case 67: tenyo_index_info_get(fx.x, NULL); break;
    case 68: fx.rv = (long long)tenyo_update_open(NULL, &fx.bopts, &fx.uo, fx.err, sizeof fx.err); break;
    case 69: fx.rv = (long long)tenyo_update_open(fx.upath, NULL, &fx.uo, fx.err, sizeof fx.err); break;
    case 70: fx.rv = (long long)tenyo_update_open(fx.upath, &fx.bopts, NULL, fx.err, sizeof fx.err); break;
    case 71: fx.rv = (long long)tenyo_update_open(fx.upath, &fx.bopts, &fx.uo, NULL, sizeof fx.err); break;
    case 72: fx.rv = (long long)tenyo_update_add(NULL, &fx.doc); break;
    case 73: fx.rv = (long long)tenyo_update_add(fx.u, NULL); break;
    case 74: fx.rv = (long long)tenyo_update_delete(NULL, "SAMPLE-001"); break;
    case 75: fx.rv = (long long)tenyo_update_delete(fx.u, NULL); break;
    case 76: fx.rv = (long long)tenyo_update_commit(NULL, &fx.ust); break;
    case 77: fx.rv = (long long)tenyo_update_commit(fx.u, NULL); break;
    case 78: fx.rv = (long long)(intptr_t)tenyo_update_error(NULL); break;
    case 79: tenyo_update_free(NULL); break;
    case 80: fx.rv = (long long)tenyo_index_rebuild(NULL, &fx.bopts, &fx.bst, fx.err, sizeof fx.err); break;
    case 81: fx.rv = (long long)tenyo_index_rebuild(fx.wpath, NULL, &fx.bst, fx.err, sizeof fx.err); break;
    case 82: fx.rv = (long long)tenyo_index_rebuild(fx.wpath, &fx.bopts, NULL, fx.err, sizeof fx.err); break;
    case 83: fx.rv = (long long)tenyo_index_rebuild(fx.wpath, &fx.bopts, &fx.bst, NULL, sizeof fx.err); break;
    case 84: fx.rv = (long long)tenyo_index_rebuild_ivf(NULL, &fx.bopts, &fx.bst, &fx.iv, fx.err, sizeof fx.err); break;
    case 85: fx.rv = (long long)tenyo_index_rebuild_ivf(fx.wpath, NULL, &fx.bst, &fx.iv, fx.err, sizeof fx.err); break;
    case 86: fx.rv = (long long)tenyo_index_rebuild_ivf(fx.wpath, &fx.bopts, NULL, &fx.iv, fx.err, sizeof fx.err); break;
    case 87: fx.rv = (long long)tenyo_index_rebuild_ivf(fx.wpath, &fx.bopts, &fx.bst, NULL, fx.err, sizeof fx.err); break;
    case 88: fx.rv = (long long)tenyo_index_rebuild_ivf(fx.wpath, &fx.bopts, &fx.bst, &fx.iv, NULL, sizeof fx.err); break;
    case 89: fx.rv = (long long)tenyo_index_drop_updates(NULL, fx.err, sizeof fx.err); break;
    case 90: fx.rv = (long long)tenyo_index_drop_updates(fx.wpath, NULL, sizeof fx.err); break;
    case 91: fx.rv = (long long)tenyo_open_load(NULL, fx.list, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 92: fx.rv = (long long)tenyo_open_load(fx.wpath, NULL, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 93: fx.rv = (long long)tenyo_open_load(fx.wpath, fx.list, NULL, on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 94: fx.rv = (long long)tenyo_open_load(fx.wpath, fx.list, "1", NULL, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 95: fx.rv = (long long)tenyo_open_load(fx.wpath, fx.list, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 96: fx.rv = (long long)tenyo_open_load(fx.wpath, fx.list, "1", on_report, NULL, NULL, fx.err, sizeof fx.err); break;
    case 97: fx.rv = (long long)tenyo_open_load(fx.wpath, fx.list, "1", on_report, NULL, &fx.ost, NULL, sizeof fx.err); break;
    case 98: fx.rv = (long long)tenyo_open_check(NULL, fx.err, sizeof fx.err); break;
    case 99: fx.rv = (long long)tenyo_open_check(fx.list, NULL, sizeof fx.err); break;
    case 100: fx.rv = (long long)tenyo_writer_open_list(NULL, fx.list, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 101: fx.rv = (long long)tenyo_writer_open_list(fx.w, NULL, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 102: fx.rv = (long long)tenyo_writer_open_list(fx.w, fx.list, NULL, on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 103: fx.rv = (long long)tenyo_writer_open_list(fx.w, fx.list, "1", NULL, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 104: fx.rv = (long long)tenyo_writer_open_list(fx.w, fx.list, "1", on_report, NULL, &fx.ost, fx.err, sizeof fx.err); break;
    case 105: fx.rv = (long long)tenyo_writer_open_list(fx.w, fx.list, "1", on_report, NULL, NULL, fx.err, sizeof fx.err); break;
    case 106: fx.rv = (long long)tenyo_writer_open_list(fx.w, fx.list, "1", on_report, NULL, &fx.ost, NULL, sizeof fx.err); break;
    case 107: fx.rv = (long long)tenyo_open_clear(NULL, &fx.iv, fx.err, sizeof fx.err); break;
    case 108: fx.rv = (long long)tenyo_open_clear(fx.wpath, NULL, fx.err, sizeof fx.err); break;
    case 109: fx.rv = (long long)tenyo_open_clear(fx.wpath, &fx.iv, NULL, sizeof fx.err); break;
    case 110: fx.rv = (long long)tenyo_index_check(NULL, 0, &fx.cst, on_say, NULL, fx.err, sizeof fx.err); break;
    case 111: fx.rv = (long long)tenyo_index_check(fx.wpath, 0, NULL, on_say, NULL, fx.err, sizeof fx.err); break;
    case 112: fx.rv = (long long)tenyo_index_check(fx.wpath, 0, &fx.cst, NULL, NULL, fx.err, sizeof fx.err); break;
    case 113: fx.rv = (long long)tenyo_index_check(fx.wpath, 0, &fx.cst, on_say, NULL, fx.err, sizeof fx.err); break;
    case 114: fx.rv = (long long)tenyo_index_check(fx.wpath, 0, &fx.cst, on_say, NULL, NULL, sizeof fx.err); break;
    case 115: fx.rv = (long long)tenyo_index_ndocs(NULL); break;
    case 116: fx.rv = (long long)tenyo_index_find(NULL, "SAMPLE-001"); break;
    case 117: fx.rv = (long long)tenyo_index_find(fx.x, NULL); break;
    case 118: fx.rv = (long long)tenyo_patno_key(NULL, fx.buf, sizeof fx.buf); break;
    case 119: fx.rv = (long long)tenyo_patno_key("SAMPLE-001", NULL, sizeof fx.buf); break;
    case 120: fx.rv = (long long)tenyo_edit_distance(NULL, 3, "abd", 3, 3); break;
    case 121: fx.rv = (long long)tenyo_edit_distance("abc", 3, NULL, 3, 3); break;
    case 122: fx.rv = (long long)tenyo_index_resolve(NULL, "SAMPLE-001", &fx.i64, fx.u64s, 4, &fx.sz); break;
    case 123: fx.rv = (long long)tenyo_index_resolve(fx.x, NULL, &fx.i64, fx.u64s, 4, &fx.sz); break;
    case 124: fx.rv = (long long)tenyo_index_resolve(fx.x, "SAMPLE-001", NULL, fx.u64s, 4, &fx.sz); break;
    case 125: fx.rv = (long long)tenyo_index_resolve(fx.x, "SAMPLE-001", &fx.i64, NULL, 4, &fx.sz); break;
    case 126: fx.rv = (long long)tenyo_index_resolve(fx.x, "SAMPLE-001", &fx.i64, fx.u64s, 4, NULL); break;
    case 127: fx.rv = (long long)tenyo_index_doc(NULL, 0, &fx.meta); break;
    case 128: fx.rv = (long long)tenyo_index_doc(fx.x, 0, NULL); break;
    case 129: fx.rv = (long long)tenyo_index_field(NULL, 0, fx.strs, fx.u64s); break;
    case 130: fx.rv = (long long)tenyo_index_field(fx.x, 0, NULL, fx.u64s); break;
    case 131: fx.rv = (long long)tenyo_index_field(fx.x, 0, fx.strs, NULL); break;
    case 132: fx.rv = (long long)tenyo_ctx_new(NULL, &fx.co, fx.err, sizeof fx.err); break;
    case 133: fx.rv = (long long)tenyo_ctx_new(fx.x, NULL, fx.err, sizeof fx.err); break;
    case 134: fx.rv = (long long)tenyo_ctx_new(fx.x, &fx.co, NULL, sizeof fx.err); break;
    case 135: tenyo_ctx_free(NULL); break;
    case 136: fx.rv = (long long)(intptr_t)tenyo_ctx_error(NULL); break;
    case 137: fx.rv = (long long)tenyo_ctx_set_hybrid_weight(NULL, 0.5); break;
    case 138: fx.rv = (long long)tenyo_ctx_set_threads(NULL, 1); break;
    case 139: fx.rv = (long long)tenyo_parallel(1, NULL, NULL); break;
    case 140: fx.rv = (long long)tenyo_parallel(1, on_worker, NULL); break;
    case 142: fx.rv = (long long)tenyo_ctx_set_scan(NULL, TENYO_SCAN_AUTO); break;
    case 143: fx.rv = (long long)tenyo_ctx_set_nprobe(NULL, 0); break;
    case 144: fx.rv = (long long)tenyo_ctx_set_rerank(NULL, 0); break;
    case 145: fx.rv = (long long)tenyo_index_ivf_lists(NULL); break;
    case 146: fx.rv = (long long)tenyo_similar_doc(NULL, 0, TENYO_MODE_LSA, 5, fx.hits); break;
    case 147: fx.rv = (long long)tenyo_similar_doc(fx.c, 0, TENYO_MODE_LSA, 5, NULL); break;
    case 148: fx.rv = (long long)tenyo_similar_text(NULL, "robot arm", 9, TENYO_MODE_LSA, 5, fx.hits); break;
    case 149: fx.rv = (long long)tenyo_similar_text(fx.c, NULL, 9, TENYO_MODE_LSA, 5, fx.hits); break;
    case 150: fx.rv = (long long)tenyo_similar_text(fx.c, "robot arm", 9, TENYO_MODE_LSA, 5, NULL); break;
    case 151: fx.rv = (long long)tenyo_filter_new(NULL, &fx.fo); break;
    case 152: fx.rv = (long long)tenyo_filter_new(fx.x, NULL); break;
    case 153: tenyo_filter_free(NULL); break;
    case 154: fx.rv = (long long)tenyo_filter_dates(NULL, "2020-01-01", "2021-12-31"); break;
    case 155: fx.rv = (long long)tenyo_filter_dates(fx.f, NULL, "2021-12-31"); break;
    case 156: fx.rv = (long long)tenyo_filter_dates(fx.f, "2020-01-01", NULL); break;
    case 157: fx.rv = (long long)tenyo_filter_applicant(NULL, "x", 0); break;
    case 158: fx.rv = (long long)tenyo_filter_applicant(fx.f, NULL, 0); break;
    case 159: fx.rv = (long long)tenyo_filter_field(NULL, "B25J", 0); break;
    case 160: fx.rv = (long long)tenyo_filter_field(fx.f, NULL, 0); break;
    case 161: fx.rv = (long long)tenyo_id_kind(NULL); break;
    case 162: fx.rv = (long long)tenyo_filter_kind(NULL, 0); break;
    case 163: fx.rv = (long long)tenyo_filter_open_only(NULL, 0); break;
    case 164: fx.rv = (long long)tenyo_date_span(NULL, 0, fx.buf); break;
    case 165: fx.rv = (long long)tenyo_date_span("SAMPLE-001", 0, NULL); break;
    case 166: fx.rv = (long long)tenyo_ipc_prefix(NULL, fx.buf); break;
    case 167: fx.rv = (long long)tenyo_ipc_prefix("B25J", NULL); break;
    case 168: fx.rv = (long long)tenyo_filter_keywords(NULL, fx.c, "robot"); break;
    case 169: fx.rv = (long long)tenyo_filter_keywords(fx.f, NULL, "robot"); break;
    case 170: fx.rv = (long long)tenyo_filter_keywords(fx.f, fx.c, NULL); break;
    case 171: fx.rv = (long long)(intptr_t)tenyo_filter_note(NULL); break;
    case 172: fx.rv = (long long)tenyo_search(NULL, fx.f, 5, fx.hits); break;
    case 173: fx.rv = (long long)tenyo_search(fx.c, NULL, 5, fx.hits); break;
    case 174: fx.rv = (long long)tenyo_search(fx.c, fx.f, 5, NULL); break;
    case 175: fx.rv = (long long)tenyo_index_keyword_stats(NULL, fx.u64s, &fx.d); break;
    case 176: fx.rv = (long long)tenyo_index_keyword_stats(fx.x, NULL, &fx.d); break;
    case 177: fx.rv = (long long)tenyo_index_keyword_stats(fx.x, fx.u64s, NULL); break;
    case 178: fx.rv = (long long)tenyo_index_keyword_index(NULL, fx.u64s, fx.u64s, fx.u64s); break;
    case 179: fx.rv = (long long)tenyo_index_keyword_index(fx.x, NULL, fx.u64s, fx.u64s); break;
    case 180: fx.rv = (long long)tenyo_index_keyword_index(fx.x, fx.u64s, NULL, fx.u64s); break;
    case 181: fx.rv = (long long)tenyo_index_keyword_index(fx.x, fx.u64s, fx.u64s, NULL); break;
    case 182: fx.rv = (long long)tenyo_index_keyword_size(NULL, fx.u64s, fx.u64s); break;
    case 183: fx.rv = (long long)tenyo_index_keyword_size(fx.x, NULL, fx.u64s); break;
    case 184: fx.rv = (long long)tenyo_index_keyword_size(fx.x, fx.u64s, NULL); break;
    case 185: fx.rv = (long long)tenyo_index_keyword_check(NULL, fx.err, sizeof fx.err); break;
    case 186: fx.rv = (long long)tenyo_index_keyword_check(fx.x, NULL, sizeof fx.err); break;
    case 187: fx.rv = (long long)tenyo_filter_count(NULL); break;
    case 188: fx.rv = (long long)tenyo_filter_match(NULL, 0); break;
    case 189: fx.rv = (long long)(intptr_t)tenyo_filter_error(NULL); break;
    case 190: fx.rv = (long long)tenyo_ctx_set_filter(NULL, fx.f); break;
    case 191: fx.rv = (long long)tenyo_ctx_set_filter(fx.c, NULL); break;
    case 192: fx.rv = (long long)tenyo_similar_batch(NULL, &fx.q, 1, TENYO_MODE_LSA, 5, on_similar, NULL); break;
    case 193: fx.rv = (long long)tenyo_similar_batch(fx.c, NULL, 1, TENYO_MODE_LSA, 5, on_similar, NULL); break;
    case 194: fx.rv = (long long)tenyo_similar_batch(fx.c, &fx.q, 1, TENYO_MODE_LSA, 5, NULL, NULL); break;
    case 195: fx.rv = (long long)tenyo_similar_batch(fx.c, &fx.q, 1, TENYO_MODE_LSA, 5, on_similar, NULL); break;
    case 196: tenyo_ideas_opts_default(NULL); break;
    case 1500: fx.rv = (long long)tenyo_ideas_pool(NULL, 7); break;
    case 1501: fx.rv = (long long)tenyo_index_damage(NULL, fx.err, sizeof fx.err); break;
    case 1502: fx.rv = (long long)tenyo_index_damage(fx.x, NULL, 0); break;
    case 197: fx.rv = (long long)(intptr_t)tenyo_ctx_notes(NULL); break;
    case 198: fx.rv = (long long)tenyo_ideas_doc(NULL, 0, &fx.iopts, 5, fx.ideas); break;
    case 199: fx.rv = (long long)tenyo_ideas_doc(fx.c, 0, NULL, 5, fx.ideas); break;
    case 200: fx.rv = (long long)tenyo_ideas_doc(fx.c, 0, &fx.iopts, 5, NULL); break;
    case 201: fx.rv = (long long)tenyo_ideas_text(NULL, "robot arm", 9, &fx.iopts, 5, fx.ideas); break;
    case 202: fx.rv = (long long)tenyo_ideas_text(fx.c, NULL, 9, &fx.iopts, 5, fx.ideas); break;
    case 203: fx.rv = (long long)tenyo_ideas_text(fx.c, "robot arm", 9, NULL, 5, fx.ideas); break;
    case 204: fx.rv = (long long)tenyo_ideas_text(fx.c, "robot arm", 9, &fx.iopts, 5, NULL); break;
    case 900: { tenyo_term_judgement j; fx.rv = (long long)tenyo_term_judge(NULL, "運転", &j); break; }
    case 901: { tenyo_term_judgement j; fx.rv = (long long)tenyo_term_judge(fx.x, NULL, &j); break; }
    case 902: fx.rv = (long long)tenyo_term_judge(fx.x, "運転", NULL); break;
    case 205: fx.rv = (long long)tenyo_idea_bridge(NULL, fx.ideas, 5, fx.strs); break;
    case 206: fx.rv = (long long)tenyo_idea_bridge(fx.c, NULL, 5, fx.strs); break;
    case 207: fx.rv = (long long)tenyo_idea_bridge(fx.c, fx.ideas, 5, NULL); break;
    case 208: fx.rv = (long long)tenyo_idea_phrases(NULL, fx.ideas, 5, fx.phr); break;
    case 209: fx.rv = (long long)tenyo_idea_phrases(fx.c, NULL, 5, fx.phr); break;
    case 210: fx.rv = (long long)tenyo_idea_phrases(fx.c, fx.ideas, 5, NULL); break;
    case 211: fx.rv = (long long)tenyo_idea_why(NULL, fx.ideas, &fx.why); break;
    case 212: fx.rv = (long long)tenyo_idea_why(fx.c, NULL, &fx.why); break;
    case 213: fx.rv = (long long)tenyo_idea_why(fx.c, fx.ideas, NULL); break;
    case 214: fx.rv = (long long)tenyo_doc_abstract(NULL, 0, fx.strs, &fx.sz); break;
    case 215: fx.rv = (long long)tenyo_doc_abstract(fx.c, 0, NULL, &fx.sz); break;
    case 216: fx.rv = (long long)tenyo_doc_abstract(fx.c, 0, fx.strs, NULL); break;
    case 217: fx.rv = (long long)tenyo_ideas_batch(NULL, &fx.q, 1, &fx.iopts, 5, on_ideas, NULL); break;
    case 218: fx.rv = (long long)tenyo_ideas_batch(fx.c, NULL, 1, &fx.iopts, 5, on_ideas, NULL); break;
    case 219: fx.rv = (long long)tenyo_ideas_batch(fx.c, &fx.q, 1, NULL, 5, on_ideas, NULL); break;
    case 220: fx.rv = (long long)tenyo_ideas_batch(fx.c, &fx.q, 1, &fx.iopts, 5, NULL, NULL); break;
    case 221: fx.rv = (long long)tenyo_ideas_batch(fx.c, &fx.q, 1, &fx.iopts, 5, on_ideas, NULL); break;
    case 222: fx.rv = (long long)tenyo_match_text(NULL, "robot arm", 9, &fx.iopts, 20, fx.ideas, &fx.iv, 5, fx.matches); break;
    case 223: fx.rv = (long long)tenyo_match_text(fx.c, NULL, 9, &fx.iopts, 20, fx.ideas, &fx.iv, 5, fx.matches); break;
    case 224: fx.rv = (long long)tenyo_match_text(fx.c, "robot arm", 9, NULL, 20, fx.ideas, &fx.iv, 5, fx.matches); break;
    case 225: fx.rv = (long long)tenyo_match_text(fx.c, "robot arm", 9, &fx.iopts, 20, NULL, &fx.iv, 5, fx.matches); break;
    case 226: fx.rv = (long long)tenyo_match_text(fx.c, "robot arm", 9, &fx.iopts, 20, fx.ideas, NULL, 5, fx.matches); break;
    case 227: fx.rv = (long long)tenyo_match_text(fx.c, "robot arm", 9, &fx.iopts, 20, fx.ideas, &fx.iv, 5, NULL); break;
    case 228: fx.rv = (long long)tenyo_match_why(NULL, "robot arm", 9, 0, &fx.why); break;
    case 229: fx.rv = (long long)tenyo_match_why(fx.c, NULL, 9, 0, &fx.why); break;
    case 230: fx.rv = (long long)tenyo_match_why(fx.c, "robot arm", 9, 0, NULL); break;
    case 231: fx.rv = (long long)tenyo_match_apply(NULL, fx.matches, fx.nmatches, fx.ideas, fx.got, &fx.iopts, fx.apps); break;
    case 232: fx.rv = (long long)tenyo_match_apply(fx.c, NULL, fx.nmatches, fx.ideas, fx.got, &fx.iopts, fx.apps); break;
    case 233: fx.rv = (long long)tenyo_match_apply(fx.c, fx.matches, fx.nmatches, NULL, fx.got, &fx.iopts, fx.apps); break;
    case 234: fx.rv = (long long)tenyo_match_apply(fx.c, fx.matches, fx.nmatches, fx.ideas, fx.got, NULL, fx.apps); break;
    case 235: fx.rv = (long long)tenyo_match_apply(fx.c, fx.matches, fx.nmatches, fx.ideas, fx.got, &fx.iopts, NULL); break;
    case 236: fx.rv = (long long)(intptr_t)tenyo_ctx_home(NULL, &fx.iv); break;
    case 237: fx.rv = (long long)(intptr_t)tenyo_ctx_home(fx.c, NULL); break;
    case 238: fx.rv = (long long)(intptr_t)tenyo_field_label(NULL, "B25J", "ja"); break;
    case 239: fx.rv = (long long)(intptr_t)tenyo_field_label(fx.x, NULL, "ja"); break;
    case 240: fx.rv = (long long)(intptr_t)tenyo_field_label(fx.x, "B25J", NULL); break;
    case 241: fx.rv = (long long)tenyo_index_load_titles(NULL, fx.titles, fx.err, sizeof fx.err); break;
    case 242: fx.rv = (long long)tenyo_index_load_titles(fx.x, NULL, fx.err, sizeof fx.err); break;
    case 243: fx.rv = (long long)tenyo_index_load_titles(fx.x, fx.titles, NULL, sizeof fx.err); break;
    case 244: fx.rv = (long long)tenyo_code_subclass(NULL, fx.buf); break;
    case 245: fx.rv = (long long)tenyo_code_subclass("B25J", NULL); break;
    case 246: fx.rv = (long long)tenyo_index_cooccur(NULL, 0, 0); break;
    case 247: fx.rv = (long long)tenyo_index_field_find(NULL, "B25J"); break;
    case 248: fx.rv = (long long)tenyo_index_field_find(fx.x, NULL); break;
    case 249: fx.rv = (long long)tenyo_ideas_json(NULL, &fx.q, fx.ideas, fx.got, 5, "ja", &fx.sp); break;
    case 250: fx.rv = (long long)tenyo_ideas_json(fx.c, NULL, fx.ideas, fx.got, 5, "ja", &fx.sp); break;
    case 251: fx.rv = (long long)tenyo_ideas_json(fx.c, &fx.q, NULL, fx.got, 5, "ja", &fx.sp); break;
    case 252: fx.rv = (long long)tenyo_ideas_json(fx.c, &fx.q, fx.ideas, fx.got, 5, NULL, &fx.sp); break;
    case 253: fx.rv = (long long)tenyo_ideas_json(fx.c, &fx.q, fx.ideas, fx.got, 5, "ja", NULL); break;
    case 254: fx.rv = (long long)tenyo_match_json(NULL, "robot arm", 9, fx.ideas, fx.got, fx.matches, fx.nmatches, 5, "ja", &fx.sp); break;
    case 255: fx.rv = (long long)tenyo_match_json(fx.c, NULL, 9, fx.ideas, fx.got, fx.matches, fx.nmatches, 5, "ja", &fx.sp); break;
    case 256: fx.rv = (long long)tenyo_match_json(fx.c, "robot arm", 9, NULL, fx.got, fx.matches, fx.nmatches, 5, "ja", &fx.sp); break;
    case 257: fx.rv = (long long)tenyo_match_json(fx.c, "robot arm", 9, fx.ideas, fx.got, NULL, fx.nmatches, 5, "ja", &fx.sp); break;
    case 258: fx.rv = (long long)tenyo_match_json(fx.c, "robot arm", 9, fx.ideas, fx.got, fx.matches, fx.nmatches, 5, NULL, &fx.sp); break;
    case 259: fx.rv = (long long)tenyo_match_json(fx.c, "robot arm", 9, fx.ideas, fx.got, fx.matches, fx.nmatches, 5, "ja", NULL); break;
    case 260: fx.rv = (long long)tenyo_similar_json(NULL, &fx.q, TENYO_MODE_LSA, 5, fx.hits, fx.nhits, &fx.sp); break;
    case 261: fx.rv = (long long)tenyo_similar_json(fx.x, NULL, TENYO_MODE_LSA, 5, fx.hits, fx.nhits, &fx.sp); break;
    case 262: fx.rv = (long long)tenyo_similar_json(fx.x, &fx.q, TENYO_MODE_LSA, 5, NULL, fx.nhits, &fx.sp); break;
    case 263: fx.rv = (long long)tenyo_similar_json(fx.x, &fx.q, TENYO_MODE_LSA, 5, fx.hits, fx.nhits, NULL); break;
    case 264: fx.rv = (long long)tenyo_search_json(NULL, fx.f, 5, fx.hits, fx.nhits, &fx.sp); break;
    case 265: fx.rv = (long long)tenyo_search_json(fx.x, NULL, 5, fx.hits, fx.nhits, &fx.sp); break;
    case 266: fx.rv = (long long)tenyo_search_json(fx.x, fx.f, 5, NULL, fx.nhits, &fx.sp); break;
    case 267: fx.rv = (long long)tenyo_search_json(fx.x, fx.f, 5, fx.hits, fx.nhits, NULL); break;
    case 268: tenyo_json_free(NULL); break;
    case 269: fx.rv = (long long)tenyo_idea_sentence(NULL, fx.ideas, "ja", fx.buf, sizeof fx.buf); break;
    case 270: fx.rv = (long long)tenyo_idea_sentence(fx.c, NULL, "ja", fx.buf, sizeof fx.buf); break;
    case 271: fx.rv = (long long)tenyo_idea_sentence(fx.c, fx.ideas, NULL, fx.buf, sizeof fx.buf); break;
    case 272: fx.rv = (long long)tenyo_idea_sentence(fx.c, fx.ideas, "ja", NULL, sizeof fx.buf); break;
    case 273: fx.rv = (long long)(intptr_t)tenyo_doc_link(NULL, fx.buf, sizeof fx.buf); break;
    case 274: fx.rv = (long long)(intptr_t)tenyo_doc_link("SAMPLE-001", NULL, sizeof fx.buf); break;
    case 275: fx.rv = (long long)(intptr_t)tenyo_idea_legend(NULL, "ja"); break;
    case 276: fx.rv = (long long)(intptr_t)tenyo_idea_legend("bands", NULL); break;
    case 277: fx.rv = (long long)tenyo_map_new(NULL, &fx.mo, fx.err, sizeof fx.err); break;
    case 278: fx.rv = (long long)tenyo_map_new(fx.x, NULL, fx.err, sizeof fx.err); break;
    case 279: fx.rv = (long long)tenyo_map_new(fx.x, &fx.mo, NULL, sizeof fx.err); break;
    case 280: tenyo_map_free(NULL); break;
    case 281: tenyo_map_variance(NULL, fx.xy); break;
    case 282: tenyo_map_variance(fx.m, NULL); break;
    case 283: fx.rv = (long long)tenyo_map_field(NULL, 0, fx.xy); break;
    case 284: fx.rv = (long long)tenyo_map_field(fx.m, 0, NULL); break;
    case 285: fx.rv = (long long)tenyo_map_doc(NULL, 0, fx.xy); break;
    case 286: fx.rv = (long long)tenyo_map_doc(fx.m, 0, NULL); break;
    case 287: fx.rv = (long long)tenyo_map_query(NULL, fx.c, fx.xy); break;
    case 288: fx.rv = (long long)tenyo_map_query(fx.m, NULL, fx.xy); break;
    case 289: fx.rv = (long long)tenyo_map_query(fx.m, fx.c, NULL); break;
    case 290: fx.rv = (long long)tenyo_map_doc_similarity(NULL, 0, fx.sim, fx.nfields); break;
    case 291: fx.rv = (long long)tenyo_map_doc_similarity(fx.m, 0, NULL, fx.nfields); break;
    case 292: fx.rv = (long long)tenyo_map_query_similarity(NULL, fx.c, fx.sim, fx.nfields); break;
    case 293: fx.rv = (long long)tenyo_map_query_similarity(fx.m, NULL, fx.sim, fx.nfields); break;
    case 294: fx.rv = (long long)tenyo_map_query_similarity(fx.m, fx.c, NULL, fx.nfields); break;
    case 295: fx.rv = (long long)tenyo_map_place_labels(NULL, 2, 600, 400); break;
    case 296: fx.rv = (long long)tenyo_split_is_test(NULL, "dev", 4); break;
    case 297: fx.rv = (long long)tenyo_split_is_test("SAMPLE-001", NULL, 4); break;
    case 1002: fx.rv = (long long)(tenyo_ideas_opt_find(NULL) != NULL); break;
    case 1003: fx.rv = tenyo_ideas_opt_check(NULL, 0.5, fx.err, sizeof fx.err); break;
    case 1004: fx.rv = tenyo_ideas_opt_check("novelty", 5, NULL, 0); break;
    case 1005: { double v; fx.rv = tenyo_ideas_opt_parse(NULL, "0.5", &v, fx.err, sizeof fx.err); } break;
    case 1006: { double v; fx.rv = tenyo_ideas_opt_parse("novelty", NULL, &v, fx.err, sizeof fx.err); } break;
    case 1007: fx.rv = tenyo_ideas_opt_parse("novelty", "0.5", NULL, fx.err, sizeof fx.err); break;
    case 1008: { double v; fx.rv = tenyo_ideas_opt_parse("novelty", "x", &v, NULL, 0); } break;
    case 1009: fx.rv = tenyo_ideas_opts_set(NULL, "novelty", 0.5, fx.err, sizeof fx.err); break;
    case 1010: fx.rv = tenyo_ideas_opts_set(&fx.iopts, NULL, 0.5, fx.err, sizeof fx.err); break;
    case 1011: fx.rv = tenyo_ideas_opts_set(&fx.iopts, "novelty", 5, NULL, 0); break;
    case 1012: fx.rv = tenyo_ideas_home_split(NULL, fx.strs, 5, fx.err, sizeof fx.err); break;
    case 1013: { char b[] = "B60W"; fx.rv = tenyo_ideas_home_split(b, NULL, 5, fx.err, sizeof fx.err); } break;
    case 1014: { char b[] = "B60WX"; fx.rv = tenyo_ideas_home_split(b, fx.strs, 5, NULL, 0); } break;
    case 1015: fx.rv = tenyo_idea_found_by(NULL, fx.ideas, 4, fx.strs); break;
    case 1016: fx.rv = tenyo_idea_found_by(fx.c, NULL, 4, fx.strs); break;
    case 1017: fx.rv = tenyo_idea_found_by(fx.c, fx.ideas, 4, NULL); break;
    case 1018: fx.rv = tenyo_steer_new(NULL); break;
    case 1019: tenyo_steer_free(NULL); break;
    case 1020: fx.rv = tenyo_steer_strike(NULL, "word"); break;
    case 1021: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_steer_strike(s, NULL); tenyo_steer_free(s); } break;
    case 1022: fx.rv = tenyo_steer_keep(NULL, "B60W"); break;
    case 1023: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_steer_keep(s, NULL); tenyo_steer_free(s); } break;
    case 1024: fx.rv = tenyo_steer_reject(NULL, "B60W"); break;
    case 1025: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_steer_reject(s, NULL); tenyo_steer_free(s); } break;
    case 1026: fx.rv = (long long)tenyo_steer_count(NULL, 0); break;
    case 1027: fx.rv = (long long)(tenyo_steer_item(NULL, 0, 0) != NULL); break;
    case 1028: fx.rv = tenyo_ctx_set_steer(NULL, NULL); break;
    case 1029: fx.rv = tenyo_ctx_set_steer(fx.c, NULL); break;
    case 1030: fx.rv = (long long)(tenyo_ctx_steer(NULL) != NULL); break;
    case 1031: fx.rv = tenyo_idea_struck(NULL, fx.ideas, 4, fx.strs); break;
    case 1032: fx.rv = tenyo_idea_struck(fx.c, NULL, 4, fx.strs); break;
    case 1033: fx.rv = tenyo_idea_struck(fx.c, fx.ideas, 4, NULL); break;
    case 1034: fx.rv = tenyo_idea_kept(NULL, fx.ideas); break;
    case 1035: fx.rv = tenyo_idea_kept(fx.c, NULL); break;
    case 1100: fx.rv = tenyo_steer_focus(NULL, "2"); break;
    case 1101: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_steer_focus(s, NULL); tenyo_steer_free(s); } break;
    case 1102: fx.rv = tenyo_steer_focus_text(NULL, "x"); break;
    case 1103: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_steer_focus_text(s, NULL); tenyo_steer_free(s); } break;
    case 1104: { const char *t; fx.rv = (long long)tenyo_steer_focus_get(NULL, &t); } break;
    case 1105: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = (long long)tenyo_steer_focus_get(s, NULL); tenyo_steer_free(s); } break;
    case 1106: { tenyo_sentence o[4]; fx.rv = tenyo_query_sentences(NULL, 0, NULL, 4, o); } break;
    case 1107: { tenyo_sentence o[4]; fx.rv = tenyo_query_sentences(fx.c, -1, NULL, 4, o); } break;
    case 1108: fx.rv = tenyo_query_sentences(fx.c, 0, NULL, 4, NULL); break;
    case 1400: fx.rv = tenyo_senses_new(NULL); break;
    case 1401: tenyo_senses_free(NULL); break;
    case 1402: fx.rv = tenyo_senses_add(NULL, "x", "B60W", "F24F"); break;
    case 1403: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_add(s, NULL, "B60W", "F24F"); tenyo_senses_free(s); } break;
    case 1404: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_add(s, "y", NULL, "F24F"); tenyo_senses_free(s); } break;
    case 1405: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_add(s, "y", "B60W", NULL); tenyo_senses_free(s); } break;
    case 1406: fx.rv = tenyo_senses_remove(NULL, "x", "B60W", "F24F"); break;
    case 1407: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_remove(s, NULL, "B60W", "F24F"); tenyo_senses_free(s); } break;
    case 1408: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_remove(s, "x", NULL, "F24F"); tenyo_senses_free(s); } break;
    case 1409: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_remove(s, "x", "B60W", NULL); tenyo_senses_free(s); } break;
    case 1410: fx.rv = (long long)tenyo_senses_count(NULL); break;
    case 1411: { const char *a; fx.rv = tenyo_senses_get(NULL, 0, &a, &a, &a); } break;
    case 1412: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); const char *a; fx.rv = tenyo_senses_get(s, 0, NULL, &a, &a); tenyo_senses_free(s); } break;
    case 1413: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); const char *a; fx.rv = tenyo_senses_get(s, 0, &a, NULL, &a); tenyo_senses_free(s); } break;
    case 1414: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); const char *a; fx.rv = tenyo_senses_get(s, 0, &a, &a, NULL); tenyo_senses_free(s); } break;
    case 1415: fx.rv = tenyo_senses_load(NULL, fx.out, fx.err, sizeof fx.err); break;
    case 1416: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_load(s, NULL, fx.err, sizeof fx.err); tenyo_senses_free(s); } break;
    case 1417: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_load(s, "/nonexistent/x.senses", NULL, 0); tenyo_senses_free(s); } break;
    case 1418: fx.rv = tenyo_senses_save(NULL, fx.out2, fx.err, sizeof fx.err); break;
    case 1419: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_save(s, NULL, fx.err, sizeof fx.err); tenyo_senses_free(s); } break;
    case 1420: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_save(s, "/nonexistent/dir/x.senses", NULL, 0); tenyo_senses_free(s); } break;
    case 1421: fx.rv = tenyo_senses_tsv(NULL, &fx.sp); break;
    case 1422: { tenyo_senses *s = NULL; tenyo_senses_new(&s); tenyo_senses_add(s, "x", "B60W", "F24F"); fx.rv = tenyo_senses_tsv(s, NULL); tenyo_senses_free(s); } break;
    case 1423: fx.rv = tenyo_ctx_set_senses(NULL, NULL); break;
    case 1424: fx.rv = tenyo_ctx_set_senses(fx.c, NULL); break;
    case 1425: fx.rv = (long long)tenyo_update_unchanged(NULL); break;
    case 1300: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_new(NULL, "x", &w); } break;
    case 1301: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_new("patent", NULL, &w); } break;
    case 1302: fx.rv = tenyo_worksheet_new("patent", "SAMPLE-001", NULL); break;
    case 1303: tenyo_worksheet_free(NULL); break;
    case 1304: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_load(NULL, &w, fx.err, sizeof fx.err); } break;
    case 1305: fx.rv = tenyo_worksheet_load(fx.out, NULL, fx.err, sizeof fx.err); break;
    case 1306: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_load(fx.out, &w, NULL, 0); tenyo_worksheet_free(w); } break;
    case 1307: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_parse(NULL, 4, &w, fx.err, sizeof fx.err); } break;
    case 1308: fx.rv = tenyo_worksheet_parse("{}", 2, NULL, fx.err, sizeof fx.err); break;
    case 1309: { tenyo_worksheet *w = NULL; fx.rv = tenyo_worksheet_parse("{}", 2, &w, NULL, 0); tenyo_worksheet_free(w); } break;
    case 1310: fx.rv = tenyo_worksheet_save(NULL, fx.out2, fx.err, sizeof fx.err); break;
    case 1311: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_save(w, NULL, fx.err, sizeof fx.err); tenyo_worksheet_free(w); } break;
    case 1312: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_save(w, "/nonexistent/dir/ws.json", NULL, 0); tenyo_worksheet_free(w); } break;
    case 1313: fx.rv = tenyo_worksheet_json(NULL, &fx.sp); break;
    case 1314: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_json(w, NULL); tenyo_worksheet_free(w); } break;
    case 1315: { const char *kd; fx.rv = (long long)(tenyo_worksheet_subject(NULL, &kd) != NULL); } break;
    case 1316: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = (long long)(tenyo_worksheet_subject(w, NULL) != NULL); tenyo_worksheet_free(w); } break;
    case 1317: fx.rv = tenyo_worksheet_fits(NULL, fx.x, 0, NULL, fx.err, sizeof fx.err); break;
    case 1318: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_fits(w, NULL, 0, NULL, fx.err, sizeof fx.err); tenyo_worksheet_free(w); } break;
    case 1319: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_fits(w, fx.x, -1, NULL, fx.err, sizeof fx.err); tenyo_worksheet_free(w); } break;
    case 1320: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_fits(w, fx.x, 3, NULL, NULL, 0); tenyo_worksheet_free(w); } break;
    case 1321: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_worksheet_apply(NULL, s); tenyo_steer_free(s); } break;
    case 1322: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_apply(w, NULL); tenyo_worksheet_free(w); } break;
    case 1323: { tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_worksheet_record(NULL, s, fx.c, fx.ideas, 1); tenyo_steer_free(s); } break;
    case 1324: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_record(w, NULL, fx.c, fx.ideas, 1); tenyo_worksheet_free(w); } break;
    case 1325: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_worksheet_record(w, s, NULL, fx.ideas, 1); tenyo_steer_free(s); tenyo_worksheet_free(w); } break;
    case 1326: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); tenyo_steer *s = NULL; tenyo_steer_new(&s); fx.rv = tenyo_worksheet_record(w, s, fx.c, NULL, 1); tenyo_steer_free(s); tenyo_worksheet_free(w); } break;
    case 1327: fx.rv = tenyo_worksheet_note(NULL, "G06T", "x"); break;
    case 1328: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_note(w, NULL, "x"); tenyo_worksheet_free(w); } break;
    case 1329: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); fx.rv = tenyo_worksheet_note(w, "G06T", NULL); tenyo_worksheet_free(w); } break;
    case 1330: { const char *f; fx.rv = tenyo_worksheet_card(NULL, 0, &f, &f, &f); } break;
    case 1331: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); const char *f; fx.rv = tenyo_worksheet_card(w, 0, NULL, &f, &f); tenyo_worksheet_free(w); } break;
    case 1332: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); const char *f; fx.rv = tenyo_worksheet_card(w, 0, &f, NULL, &f); tenyo_worksheet_free(w); } break;
    case 1333: { tenyo_worksheet *w = NULL; tenyo_worksheet_new("patent", "SAMPLE-001", &w); const char *f; fx.rv = tenyo_worksheet_card(w, 0, &f, &f, NULL); tenyo_worksheet_free(w); } break;
    case 1334: { tenyo_lock *l = NULL; fx.rv = tenyo_worksheet_lock_take(NULL, 0, &l, fx.err, sizeof fx.err); } break;
    case 1335: fx.rv = tenyo_worksheet_lock_take(fx.out2, 0, NULL, fx.err, sizeof fx.err); break;
    case 1336: { tenyo_lock *l = NULL; fx.rv = tenyo_worksheet_lock_take("/nonexistent/dir/ws.json", 0, &l, NULL, 0); tenyo_lock_free(l); } break;
    case 1337: tenyo_lock_free(NULL); fx.rv = 0; break;
    case 1338: { tenyo_lock *l = NULL; fx.rv = tenyo_senses_lock_take(NULL, 0, &l, fx.err, sizeof fx.err); } break;
    case 1339: fx.rv = tenyo_senses_lock_take(fx.out2, 0, NULL, fx.err, sizeof fx.err); break;
    case 1340: { tenyo_lock *l = NULL; fx.rv = tenyo_senses_lock_take("/nonexistent/dir/x.senses", 0, &l, NULL, 0); tenyo_lock_free(l); } break;
    case 1200: { char b[] = "G06T"; const char *bad; fx.rv = tenyo_steer_fields(NULL, TENYO_STEER_KEPT, b, &bad); } break;
    case 1201: { tenyo_steer *s = NULL; const char *bad; tenyo_steer_new(&s); fx.rv = tenyo_steer_fields(s, TENYO_STEER_KEPT, NULL, &bad); tenyo_steer_free(s); } break;
    case 1202: { tenyo_steer *s = NULL; char b[] = "G0"; tenyo_steer_new(&s); fx.rv = tenyo_steer_fields(s, TENYO_STEER_KEPT, b, NULL); tenyo_steer_free(s); } break;
    case 1210: fx.rv = (long long)tenyo_ideas_json_shown(NULL, &fx.q, fx.ideas, fx.got, 5, "ja", &fx.sp); break;
    case 1211: fx.rv = (long long)tenyo_ideas_json_shown(fx.c, NULL, fx.ideas, fx.got, 5, "ja", &fx.sp); break;
    case 1212: fx.rv = (long long)tenyo_ideas_json_shown(fx.c, &fx.q, NULL, fx.got, 5, "ja", &fx.sp); break;
    case 1213: fx.rv = (long long)tenyo_ideas_json_shown(fx.c, &fx.q, fx.ideas, fx.got, 5, NULL, &fx.sp); break;
    case 1214: fx.rv = (long long)tenyo_ideas_json_shown(fx.c, &fx.q, fx.ideas, fx.got, 5, "ja", NULL); break;
    default: break;
    }
}

/* The fixtures: 0, or -1 with the reason on stderr. */
static int setup(void) {
    const char *tmp = ty_test_tmpdir();
    snprintf(fx.path, sizeof fx.path, "%s/null.tny", tmp);
    snprintf(fx.wpath, sizeof fx.wpath, "%s/nullw.tny", tmp);
    snprintf(fx.upath, sizeof fx.upath, "%s/nullu.tny", tmp);
    snprintf(fx.out, sizeof fx.out, "%s/nullout.tny", tmp);
    snprintf(fx.out2, sizeof fx.out2, "%s/nullout2.tny", tmp);
    snprintf(fx.list, sizeof fx.list, "%s/null.list", tmp);
    snprintf(fx.titles, sizeof fx.titles, "%s/null.titles", tmp);
    FILE *lf = fopen(fx.list, "w"), *tf = fopen(fx.titles, "w");
    if (!lf || !tf) return -1;
    fputs("SAMPLE-001\n", lf);
    fputs("B25J\tmanipulators\n", tf);
    fclose(lf);
    fclose(tf);
    tenyo_set_blas_threads(1);
    if (ty_test_build(SAMPLE, 200, NULL, fx.path) || ty_test_build(SAMPLE, 50, NULL, fx.wpath) ||
        ty_test_build(SAMPLE, 50, NULL, fx.upath))
        return -1;
    tenyo_build_opts_default(&fx.bopts);
    fx.bopts.threads = 1;
    tenyo_tok_opts_default(&fx.topts);
    tenyo_ideas_opts_default(&fx.iopts);
    char *e = fx.err;
    size_t el = sizeof fx.err;
    if (tenyo_index_open(fx.path, &fx.x, e, el) || tenyo_ctx_new(fx.x, &fx.c, e, el) ||
        tenyo_filter_new(fx.x, &fx.f) || tenyo_map_new(fx.x, &fx.m, e, el) ||
        tenyo_builder_new(&fx.bopts, &fx.b, e, el) || tenyo_writer_open(fx.out, 0, &fx.w, e, el) ||
        tenyo_update_open(fx.upath, &fx.bopts, &fx.u, e, el) ||
        tenyo_reader_open(SAMPLE, NULL, &fx.r, e, el) ||
        tenyo_tokenizer_new(&fx.topts, &fx.t, e, el)) {
        fprintf(stderr, "null fixtures: %s\n", fx.err);
        return -1;
    }
    tenyo_ctx_set_threads(fx.c, 1);
    if (ty_test_feed(SAMPLE, 0, 40, add_doc, fx.b) < 0) return -1; /* so writes go deep */
    tenyo_index_info_get(fx.x, &fx.info);
    fx.nfields = fx.info.nfields;
    fx.sim = calloc(fx.nfields + 1, sizeof *fx.sim);
    fx.doc = (tenyo_doc){.id = "NEW-1", .title = "robot arm", .abstract = "a robot arm",
                         .claims = "", .description = "", .applicant = "x", .date = "",
                         .lang = "", .source = "", .numbers = ""};
    fx.q = (tenyo_query){.doc = 0};
    fx.labels[0] = (tenyo_map_label){.x = 10, .y = 10, .r = 2, .w = 20, .h = 8};
    fx.labels[1] = (tenyo_map_label){.x = 30, .y = 10, .r = 2, .w = 20, .h = 8};
    fx.nhits = tenyo_similar_doc(fx.c, 0, TENYO_MODE_LSA, 5, fx.hits);
    fx.got = tenyo_ideas_doc(fx.c, 0, &fx.iopts, 5, fx.ideas);
    int mgot = 0;
    fx.nmatches = tenyo_match_text(fx.c, "robot arm", 9, &fx.iopts, 20, fx.ideas, &mgot, 5,
                                   fx.matches);
    if (!fx.sim || fx.nhits <= 0 || fx.got <= 0 || fx.nmatches < 0) {
        fprintf(stderr, "null fixtures: no hits, ideas or matches\n");
        return -1;
    }
    if (fx.got > mgot) fx.got = mgot;
    if (fx.nmatches > 5) fx.nmatches = 5;
    return 0;
}

TY_TEST(null_every_public_call) {
    CHECK(setup() == 0);
    char failed[400] = "";
    int nfail = 0;
    fflush(NULL);
    for (size_t i = 0; i < NCASES; i++) {
        if (!*cases[i].arg) continue;
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            alarm(120);
            fx.rv = 12345;
            run_case(cases[i].k);
            if (getenv("TENYO_NULL_SHOW"))
                fprintf(stderr, "%s(%s NULL) -> %lld\n", cases[i].fn, cases[i].arg, fx.rv);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) continue;
        nfail++;
        size_t at = strlen(failed);
        snprintf(failed + at, sizeof failed - at, "%s%s(%s NULL): %s %d", at ? "; " : "",
                 cases[i].fn, cases[i].arg, WIFSIGNALED(st) ? "signal" : "exit",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
    CHECKF(nfail == 0, "%d calls failed with a NULL argument: %s", nfail, failed);
}

/* Every function tenyo.h declares (a line "TYPE tenyo_NAME(" outside a
 * comment) has its case. */
TY_TEST(null_covers_tenyo_h) {
    size_t n = 0;
    char *h = ty_test_slurp("include/tenyo.h", &n);
    CHECK(h != NULL);
    int missing = 0;
    char first[128] = "";
    for (char *l = h; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (*l == ' ' || *l == '/' || *l == '#' || !strncmp(l, "typedef", 7)) continue;
        char *p = strstr(l, "tenyo_"), *nl = strchr(l, '\n');
        if (!p || (nl && p > nl)) continue;
        size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (p[len] != '(') continue;
        int found = 0;
        for (size_t i = 0; i < NCASES && !found; i++)
            found = strlen(cases[i].fn) == len && !strncmp(cases[i].fn, p, len);
        if (!found && !missing++) snprintf(first, sizeof first, "%.*s", (int)len, p);
    }
    free(h);
    CHECKF(missing == 0, "%d public calls without a NULL case, the first %s", missing, first);
}
