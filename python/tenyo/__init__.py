"""tenyo — where else could this patent apply? Python access to libtenyo.

    import pandas as pd, tenyo
    tenyo.build("sample.tny", ["data/sample/sample.jsonl"])
    with tenyo.Index("sample.tny") as x:
        ideas = pd.DataFrame(x.ideas("SAMPLE-001", n=5))

Design. A thin ctypes layer over the C library's public API (tenyo.h,
libtenyo.so.0): nothing is compiled at import. The answers of ideas(),
match(), similar() and search() are the library's JSON (tenyo_ideas_json,
tenyo_match_json, tenyo_similar_json, tenyo_search_json), the very text
`tenyo ... --json` prints, parsed: a Result, the list of rows (plain dicts,
straight into pandas.DataFrame) with the other members as attributes
(.query, .warnings, .hidden, ...). One schema for the CLI, the server and
Python, kept in one place (python/tests/test_schema.py compares them); the
names of 0.1.0's own dicts (code, bridge, also) still read for one release.
The ctypes Structures below mirror tenyo.h field by field; the tests
compare their sizes and offsets with the C compiler's (python/tests/abi.c),
so a field added to tenyo.h without this file fails `make test`.

Errors: every negative status of the library becomes a tenyo.Error carrying
the library's message (``str(e)``), the status (``e.code``, e.g. -8) and its
name (``e.name``, e.g. "TENYO_ERR_NOTFOUND"); subclasses NotFound, InputError,
IndexError_ and EmptyQuery let callers catch what they expect. Bad Python
arguments (an unknown mode, n out of range) are ValueError before any call.

Threads: an Index is immutable and shared; each call queries through a
tenyo_ctx of its own, as tenyo.h asks, taken from the Index's pool of idle
contexts (or made) when the call starts and given back when it ends. The
pool keeps at most as many idle contexts as the machine has processors and
frees the rest, so the contexts alive are the calls in flight plus that
bound, whatever the number of threads that ever queried: a thread per
request does not grow memory (a context per thread, freed at close(),
did). ctypes releases the GIL for the duration of every foreign call, so
queries from a thread pool run in parallel (Index.batch does that). Every
method that reaches the library counts itself in and out under the Index's
lock (_guarded): close() refuses new calls at once, waits for those in
flight, then frees the contexts and the index, so no context can outlive
what it points into.

Arguments: strings go to C as NUL-terminated bytes, so a NUL inside one
is a ValueError (it would cut "XSS-001\0junk" to XSS-001); a wrong type is
a TypeError, a number outside the index a NotFound. tenyo.build writes
through tenyo_writer, as `tenyo index` does: the writer lock, no input as
the output, no file that is not an index replaced without force=True.

Rejected: cffi (its API mode compiles at install, its ABI mode gives nothing
over ctypes here), a CPython extension (a compiler at install time, and
one more ABI to keep), and calling the tenyo CLI through subprocess
(JSON parsing of a process per query; no shared index in memory).

The library is looked up as $TENYO_LIB, else build/libtenyo.so.0 of the
source tree this package sits in, else libtenyo.so.0 on the loader's path
(after `make install`).
"""
import ctypes
import functools
import operator
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char, c_char_p,
                    c_double, c_float, c_int, c_int64, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)

__all__ = ["Error", "NotFound", "InputError", "IndexError_", "EmptyQuery",
           "Index", "Result", "Worksheet", "Senses", "build", "version", "library_path"]

# ------------------------------------------------------------------ library

def _find_library():
    env = os.environ.get("TENYO_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.join(here, "..", "..", "build", "libtenyo.so.0")
    if os.path.exists(tree):
        return os.path.normpath(tree)
    return "libtenyo.so.0"


library_path = _find_library()
_lib = ctypes.CDLL(library_path)   # CDLL: the GIL is released around calls

# -------------------------------------------------------------- structures
# Mirrors of tenyo.h; python/tests/abi.c checks every offset.

_report_fn = CFUNCTYPE(None, c_void_p, c_char_p, ctypes.c_long, c_char_p)
_progress_fn = CFUNCTYPE(None, c_void_p, c_char_p, c_uint64, c_uint64)
_stop_fn = CFUNCTYPE(c_int, c_void_p)


class _ReadOpts(Structure):
    _fields_ = [("format", c_int), ("encoding", c_char_p), ("strict", c_int),
                ("report", _report_fn), ("report_ud", c_void_p), ("max_bytes", c_uint64),
                ("stop", _stop_fn), ("stop_ud", c_void_p)]


class _ReadStats(Structure):
    _fields_ = [("records", c_uint64), ("skipped", c_uint64), ("empty", c_uint64),
                ("bytes_read", c_uint64), ("bytes_total", c_uint64)]


class _TokOpts(Structure):
    _fields_ = [("mecab_dicdir", c_char_p), ("keep_parts", c_int), ("stem", c_int)]


class _BuildOpts(Structure):
    _fields_ = [("tok", _TokOpts), ("dim", c_int), ("threads", c_int),
                ("min_df", c_int), ("max_df_ratio", c_double), ("seed", c_uint64),
                ("oversample", c_int), ("power_iters", c_int),
                ("progress", _progress_fn), ("progress_ud", c_void_p),
                ("ipc_titles", POINTER(c_char_p)), ("nipc_titles", c_size_t),
                ("ivf_lists", c_int), ("max_terms", c_int),
                ("no_abstracts", c_int), ("shards", c_int), ("f16_vectors", c_int),
                ("report", _report_fn), ("report_ud", c_void_p)]


class _BuildStats(Structure):
    _fields_ = [("docs", c_uint64), ("duplicates", c_uint64), ("empty", c_uint64),
                ("terms", c_uint64), ("nnz", c_uint64), ("dim", c_int),
                ("sec_tokenize", c_double), ("sec_svd", c_double),
                ("sec_total", c_double), ("file_bytes", c_uint64),
                ("sec_weight", c_double), ("sec_ivf", c_double),
                ("sec_fieldmodel", c_double), ("sec_write", c_double),
                ("sec_read", c_double), ("sec_keywords", c_double),
                ("sec_termfacts", c_double)]


class _SectionInfo(Structure):
    _fields_ = [("name", c_char * 16), ("stored", c_uint64), ("raw", c_uint64)]


class _IndexInfo(Structure):
    _fields_ = [("format_version", c_uint32), ("ndocs", c_uint64), ("nterms", c_uint64),
                ("nnz", c_uint64), ("dim", c_int), ("nfields", c_uint32),
                ("nopen", c_uint64), ("seed", c_uint64), ("min_df", c_int),
                ("max_df_ratio", c_double), ("oversample", c_int),
                ("power_iters", c_int), ("tokenizer", c_char_p), ("writer", c_char_p),
                ("created", c_int64), ("file_bytes", c_uint64), ("nsections", c_int),
                ("sections", _SectionInfo * 32), ("scan_kernel", c_char_p),
                ("int8_min_docs", c_uint64), ("ivf_lists", c_uint32),
                ("nphrases", c_uint64), ("max_terms", c_uint32),
                ("generation", c_uint64), ("nsegments", c_uint32),
                ("update_bytes", c_uint64), ("docs_fit", c_uint64),
                ("docs_added", c_uint64), ("docs_deleted", c_uint64),
                ("terms_new", c_uint64), ("stale_docs", c_double),
                ("stale_mass", c_double), ("new_term_mass", c_double),
                ("rebuild_advised", c_int), ("updates_missing", c_int),
                ("abstract_bytes", c_uint64),
                ("open_listed", c_uint64), ("open_found", c_uint64),
                ("open_lines", c_uint64), ("open_unresolved", c_uint64),
                ("open_loaded", c_int64), ("open_source", c_char_p),
                ("open_records", c_uint64),
                ("nshards", c_uint32), ("shard_docs", POINTER(c_uint64)),
                ("shard_bytes", POINTER(c_uint64)), ("f16_bytes", c_uint64),
                ("docmeta_layout", c_uint32), ("rows_frame", c_uint32),
                ("postings_layout", c_uint32)]


class _DocMeta(Structure):
    _fields_ = [("id", c_char_p), ("title", c_char_p), ("applicant", c_char_p),
                ("date", c_char_p), ("codes", c_char_p), ("fields", c_char_p),
                ("open", c_int), ("lang", c_char_p)]


class _Hit(Structure):
    _fields_ = [("doc", c_uint64), ("score", c_float)]


class _IdeasOpts(Structure):
    _fields_ = [("home", POINTER(c_char_p)), ("nhome", c_size_t), ("distance", c_int),
                ("open_only", c_int), ("mode", c_int), ("knn", c_int),
                ("novelty", c_double), ("field_norm", c_double),
                ("prior_weight", c_double), ("serendipity_from", c_int),
                ("min_confidence", c_double), ("merge", c_int), ("min_usable", c_double),
                ("min_content", c_double), ("offset", c_int), ("show", c_int)]


class _Basis(Structure):
    _fields_ = [("vote_share", c_double), ("prior", c_double), ("field_share", c_double),
                ("generic_share", c_double), ("title_only", c_double),
                ("model", c_double), ("specific_words", c_double)]


class _Idea(Structure):
    _fields_ = [("field", c_uint32), ("code", c_char_p), ("score", c_double),
                ("confidence", c_double), ("relevance", c_double),
                ("surprise", c_double), ("expected", c_int), ("support", c_int),
                ("focus", c_double), ("basis", _Basis), ("flags", c_uint),
                ("nalso", c_int), ("also", c_char_p * 4), ("nevidence", c_int),
                ("evidence", _Hit * 3), ("usable", c_double), ("content", c_double),
                ("band", c_int), ("weak", c_uint), ("unexpected", c_double), ("judge", c_double),
                ("shown", c_int), ("sense", c_double)]


class _IdeasNotes(Structure):
    _fields_ = [("flags", c_uint), ("hidden", c_size_t), ("hidden_thin", c_size_t),
                ("min_confidence", c_double),
                ("candidates", c_size_t), ("best_similarity", c_float),
                ("nunknown", c_size_t), ("unknown", c_char_p * 8), ("min_usable", c_double),
                ("min_content", c_double), ("hidden_content", c_size_t),
                ("nbands", c_size_t * 3), ("npartial", c_size_t),
                ("partial", c_char_p * 8), ("partial_as", c_char_p * 8),
                ("offset", c_size_t)]


class _Match(Structure):
    _fields_ = [("doc", c_uint64), ("similarity", c_float), ("confidence", c_double),
                ("own_field", c_int), ("nuses", c_int), ("uses", c_int * 4),
                ("band", c_int), ("weak", c_uint), ("nspecific", c_int), ("content", c_double),
                ("nsame", c_int), ("same", c_uint64 * 4)]


class _OpenStats(Structure):
    _fields_ = [("lines", c_uint64), ("resolved", c_uint64), ("unresolved", c_uint64),
                ("duplicates", c_uint64), ("listed", c_uint64), ("column", c_char * 64)]


class _Query(Structure):
    _fields_ = [("doc", c_int64), ("text", c_char_p), ("len", c_size_t),
                ("home", POINTER(c_char_p)), ("nhome", c_size_t)]


class _Opt(Structure):
    _fields_ = [("name", c_char_p), ("cli", c_char_p), ("type", c_int), ("min", c_double),
                ("max", c_double), ("choices", c_char_p), ("def", c_char_p),
                ("flags", c_uint), ("help", c_char_p), ("help_ja", c_char_p)]


class _Sentence(Structure):
    _fields_ = [("text", ctypes.POINTER(c_char)), ("len", c_size_t)]


STRUCTS = {"tenyo_sentence": _Sentence, "tenyo_opt": _Opt, "tenyo_read_opts": _ReadOpts, "tenyo_read_stats": _ReadStats,
           "tenyo_tok_opts": _TokOpts, "tenyo_build_opts": _BuildOpts,
           "tenyo_build_stats": _BuildStats, "tenyo_section_info": _SectionInfo,
           "tenyo_index_info": _IndexInfo, "tenyo_doc_meta": _DocMeta,
           "tenyo_hit": _Hit, "tenyo_ideas_opts": _IdeasOpts, "tenyo_idea": _Idea,
           "tenyo_ideas_notes": _IdeasNotes, "tenyo_query": _Query,
           "tenyo_match": _Match, "tenyo_open_stats": _OpenStats}

# -------------------------------------------------------------- prototypes

_P = c_void_p


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_version = _fn("tenyo_version", c_char_p)
_strerror = _fn("tenyo_strerror", c_char_p, c_int)
_reader_open = _fn("tenyo_reader_open", c_int, c_char_p, POINTER(_ReadOpts),
                   POINTER(_P), c_char_p, c_size_t)
_reader_next = _fn("tenyo_reader_next", c_int, _P, POINTER(_P))
_reader_error = _fn("tenyo_reader_error", c_char_p, _P)
_reader_encoding = _fn("tenyo_reader_encoding", c_char_p, _P)
_reader_detected = _fn("tenyo_reader_detected", c_char_p, _P)
_reader_stats = _fn("tenyo_reader_stats", None, _P, POINTER(_ReadStats))
_reader_free = _fn("tenyo_reader_free", None, _P)
_build_opts_default = _fn("tenyo_build_opts_default", None, POINTER(_BuildOpts))
_builder_new = _fn("tenyo_builder_new", c_int, POINTER(_BuildOpts), POINTER(_P),
                   c_char_p, c_size_t)
_builder_add = _fn("tenyo_builder_add", c_int, _P, _P)
_builder_write = _fn("tenyo_builder_write", c_int, _P, c_char_p, POINTER(_BuildStats))
_builder_error = _fn("tenyo_builder_error", c_char_p, _P)
_builder_free = _fn("tenyo_builder_free", None, _P)
_writer_open = _fn("tenyo_writer_open", c_int, c_char_p, c_uint, POINTER(_P), c_char_p,
                   c_size_t)
_writer_commit = _fn("tenyo_writer_commit", c_int, _P, _P, POINTER(_BuildStats), c_char_p,
                     c_size_t)
_writer_free = _fn("tenyo_writer_free", None, _P)
_index_open = _fn("tenyo_index_open", c_int, c_char_p, POINTER(_P), c_char_p, c_size_t)
_index_free = _fn("tenyo_index_free", None, _P)
_index_load_all = _fn("tenyo_index_load_all", c_int, _P, c_char_p, c_size_t)
_index_info_get = _fn("tenyo_index_info_get", None, _P, c_void_p)
_index_ndocs = _fn("tenyo_index_ndocs", c_uint64, _P)
_index_find = _fn("tenyo_index_find", c_int64, _P, c_char_p)
_index_resolve = _fn("tenyo_index_resolve", c_int, _P, c_char_p, POINTER(c_int64),
                     POINTER(c_uint64), c_size_t, POINTER(c_size_t))
_index_doc = _fn("tenyo_index_doc", c_int, _P, c_uint64, POINTER(_DocMeta))
_index_load_titles = _fn("tenyo_index_load_titles", c_int, _P, c_char_p, c_char_p, c_size_t)
_field_label = _fn("tenyo_field_label", c_char_p, _P, c_char_p, c_char_p)
_ctx_new = _fn("tenyo_ctx_new", c_int, _P, POINTER(_P), c_char_p, c_size_t)
_ctx_free = _fn("tenyo_ctx_free", None, _P)
_ctx_error = _fn("tenyo_ctx_error", c_char_p, _P)
_ctx_notes = _fn("tenyo_ctx_notes", POINTER(_IdeasNotes), _P)
_ctx_home = _fn("tenyo_ctx_home", c_char_p, _P, POINTER(c_int))
_ctx_set_hybrid_weight = _fn("tenyo_ctx_set_hybrid_weight", c_int, _P, c_double)
_filter_new = _fn("tenyo_filter_new", c_int, _P, POINTER(_P))
_filter_free = _fn("tenyo_filter_free", None, _P)
_filter_dates = _fn("tenyo_filter_dates", c_int, _P, c_char_p, c_char_p)
_filter_applicant = _fn("tenyo_filter_applicant", c_int, _P, c_char_p, c_int)
_filter_field = _fn("tenyo_filter_field", c_int, _P, c_char_p, c_int)
_filter_count = _fn("tenyo_filter_count", c_int64, _P)
_filter_error = _fn("tenyo_filter_error", c_char_p, _P)
_ctx_set_filter = _fn("tenyo_ctx_set_filter", c_int, _P, _P)
_filter_keywords = _fn("tenyo_filter_keywords", c_int, _P, _P, c_char_p)
_search = _fn("tenyo_search", c_int, _P, _P, c_size_t, POINTER(_Hit))
_similar_doc = _fn("tenyo_similar_doc", c_int, _P, c_uint64, c_int, c_size_t, POINTER(_Hit))
_similar_text = _fn("tenyo_similar_text", c_int, _P, c_char_p, c_size_t, c_int, c_size_t,
                    POINTER(_Hit))
_ideas_opts_default = _fn("tenyo_ideas_opts_default", None, POINTER(_IdeasOpts))
_ideas_pool = _fn("tenyo_ideas_pool", c_size_t, POINTER(_IdeasOpts), c_size_t)
_opt_find = _fn("tenyo_ideas_opt_find", POINTER(_Opt), c_char_p)
_opt_check = _fn("tenyo_ideas_opt_check", c_int, c_char_p, c_double, c_char_p, c_size_t)
_opt_parse = _fn("tenyo_ideas_opt_parse", c_int, c_char_p, c_char_p, POINTER(c_double),
                 c_char_p, c_size_t)
_home_split = _fn("tenyo_ideas_home_split", c_int, c_char_p, POINTER(c_char_p), c_size_t,
                  c_char_p, c_size_t)
_steer_new = _fn("tenyo_steer_new", c_int, POINTER(c_void_p))
_steer_free = _fn("tenyo_steer_free", None, c_void_p)
_steer_strike = _fn("tenyo_steer_strike", c_int, c_void_p, c_char_p)
_steer_keep = _fn("tenyo_steer_keep", c_int, c_void_p, c_char_p)
_steer_reject = _fn("tenyo_steer_reject", c_int, c_void_p, c_char_p)
_ctx_set_steer = _fn("tenyo_ctx_set_steer", c_int, _P, c_void_p)
_steer_focus = _fn("tenyo_steer_focus", c_int, c_void_p, c_char_p)
_query_sentences = _fn("tenyo_query_sentences", c_int, _P, c_int64, c_char_p, c_size_t,
                       POINTER(_Sentence))
_steer_focus_text = _fn("tenyo_steer_focus_text", c_int, c_void_p, c_char_p)
_opts_set = _fn("tenyo_ideas_opts_set", c_int, POINTER(_IdeasOpts), c_char_p, c_double,
                c_char_p, c_size_t)
_ideas_doc = _fn("tenyo_ideas_doc", c_int, _P, c_uint64, POINTER(_IdeasOpts), c_size_t,
                 POINTER(_Idea))
_ideas_text = _fn("tenyo_ideas_text", c_int, _P, c_char_p, c_size_t, POINTER(_IdeasOpts),
                  c_size_t, POINTER(_Idea))
_match_text = _fn("tenyo_match_text", c_int, _P, c_char_p, c_size_t, POINTER(_IdeasOpts),
                  c_size_t, POINTER(_Idea), POINTER(c_int), c_size_t, POINTER(_Match))
_REPORT = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, ctypes.c_long, c_char_p)
_open_load = _fn("tenyo_open_load", c_int, c_char_p, c_char_p, c_char_p, _REPORT, c_void_p,
                 POINTER(_OpenStats), c_char_p, c_size_t)
_open_clear = _fn("tenyo_open_clear", c_int, c_char_p, POINTER(c_int), c_char_p, c_size_t)
_filter_open_only = _fn("tenyo_filter_open_only", c_int, _P, c_int)
_idea_bridge = _fn("tenyo_idea_bridge", c_int, _P, POINTER(_Idea), c_size_t,
                   POINTER(c_char_p))
_filter_note = _fn("tenyo_filter_note", c_char_p, _P)
_ideas_json = _fn("tenyo_ideas_json", c_int, _P, POINTER(_Query), POINTER(_Idea), c_int,
                  c_size_t, c_char_p, POINTER(c_void_p))
_match_json = _fn("tenyo_match_json", c_int, _P, c_char_p, c_size_t, POINTER(_Idea), c_int,
                  POINTER(_Match), c_int, c_size_t, c_char_p, POINTER(c_void_p))
_similar_json = _fn("tenyo_similar_json", c_int, _P, POINTER(_Query), c_int, c_size_t,
                    POINTER(_Hit), c_int, POINTER(c_void_p))
_search_json = _fn("tenyo_search_json", c_int, _P, _P, c_size_t, POINTER(_Hit), c_int,
                   POINTER(c_void_p))
_json_free = _fn("tenyo_json_free", None, c_void_p)
_idea_sentence = _fn("tenyo_idea_sentence", c_int, _P, POINTER(_Idea), c_char_p, c_char_p,
                     c_size_t)
_doc_link = _fn("tenyo_doc_link", c_char_p, c_char_p, c_char_p, c_size_t)
_sn_new = _fn("tenyo_senses_new", c_int, POINTER(c_void_p))
_sn_free = _fn("tenyo_senses_free", None, c_void_p)
_sn_add = _fn("tenyo_senses_add", c_int, c_void_p, c_char_p, c_char_p, c_char_p)
_sn_remove = _fn("tenyo_senses_remove", c_int, c_void_p, c_char_p, c_char_p, c_char_p)
_sn_count = _fn("tenyo_senses_count", c_size_t, c_void_p)
_sn_get = _fn("tenyo_senses_get", c_int, c_void_p, c_size_t, POINTER(c_char_p),
              POINTER(c_char_p), POINTER(c_char_p))
_sn_load = _fn("tenyo_senses_load", c_int, c_void_p, c_char_p, c_char_p, c_size_t)
_sn_save = _fn("tenyo_senses_save", c_int, c_void_p, c_char_p, c_char_p, c_size_t)
_ctx_set_senses = _fn("tenyo_ctx_set_senses", c_int, _P, c_void_p)
_ws_new = _fn("tenyo_worksheet_new", c_int, c_char_p, c_char_p, POINTER(c_void_p))
_ws_free = _fn("tenyo_worksheet_free", None, c_void_p)
_ws_load = _fn("tenyo_worksheet_load", c_int, c_char_p, POINTER(c_void_p), c_char_p, c_size_t)
_ws_parse = _fn("tenyo_worksheet_parse", c_int, c_char_p, c_size_t, POINTER(c_void_p),
                c_char_p, c_size_t)
_ws_save = _fn("tenyo_worksheet_save", c_int, c_void_p, c_char_p, c_char_p, c_size_t)
_ws_lock_take = _fn("tenyo_worksheet_lock_take", c_int, c_char_p, c_uint, POINTER(c_void_p),
                    c_char_p, c_size_t)
_ws_lock_free = _fn("tenyo_lock_free", None, c_void_p)
_ws_json = _fn("tenyo_worksheet_json", c_int, c_void_p, POINTER(c_void_p))
_ws_fits = _fn("tenyo_worksheet_fits", c_int, c_void_p, _P, c_int64, c_char_p, c_char_p,
               c_size_t)
_ws_apply = _fn("tenyo_worksheet_apply", c_int, c_void_p, c_void_p)
_ws_record = _fn("tenyo_worksheet_record", c_int, c_void_p, c_void_p, _P, POINTER(_Idea),
                 c_size_t)
_ws_note = _fn("tenyo_worksheet_note", c_int, c_void_p, c_char_p, c_char_p)

# ------------------------------------------------------------------ errors

_NAMES = {0: "TENYO_OK", -1: "TENYO_ERR_ARG", -2: "TENYO_ERR_NOMEM", -3: "TENYO_ERR_IO",
          -4: "TENYO_ERR_INPUT", -5: "TENYO_ERR_CORRUPT", -6: "TENYO_ERR_VERSION",
          -7: "TENYO_ERR_MISMATCH", -8: "TENYO_ERR_NOTFOUND", -9: "TENYO_ERR_DEPENDENCY",
          -10: "TENYO_ERR_LIMIT", -11: "TENYO_ERR_EMPTY",
          -12: "TENYO_ERR_UNSYNCED", -13: "TENYO_ERR_BUSY",
          -14: "TENYO_ERR_STOPPED"}


class Error(Exception):
    """A failure of libtenyo: str(e) is its message, e.code its status (< 0)
    and e.name the status's name in tenyo.h."""

    def __init__(self, code, message):
        self.code = code
        self.name = _NAMES.get(code, "TENYO_ERR_%d" % -code)
        self.message = message or _strerror(code).decode()
        super().__init__(self.message)


class NotFound(Error):
    """An id that is not in the index (TENYO_ERR_NOTFOUND)."""


class InputError(Error):
    """An unreadable or malformed input file (TENYO_ERR_IO, TENYO_ERR_INPUT)."""



def _ideas_value(name, value):
    """value of ideas option name as the library's option table reads it
    (a choice's index, a bool's 0 or 1), bounded there: the number to set.
    TypeError for a value of the wrong kind, ValueError out of bounds,
    both worded by the table."""
    d = _opt_find(name.encode()).contents
    err = ctypes.create_string_buffer(256)
    x = c_double(0)
    if d.type == 3:  # a choice
        rc = _opt_parse(d.name, value.encode(), byref(x), err, 256) \
            if isinstance(value, str) and "\0" not in value else -2
        if rc:
            _opt_check(d.name, float("nan"), err, 256)
            raise ValueError("%s %s, not %r" % (name, err.value.decode(), value))
        return x.value
    if d.type == 2:  # true or false
        return float(bool(value))
    if d.type == 1:
        v = _index(value)
        if v is None:
            raise TypeError("%s must be an integer, not %s" % (name, type(value).__name__))
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    else:
        v = value
    if _opt_check(d.name, float(v), err, 256):
        raise ValueError("%s %s, not %r" % (name, err.value.decode(), v))
    return float(v)


def _ideas_set(o, name, value):
    """Option name of the struct o set to value (_ideas_value)."""
    err = ctypes.create_string_buffer(256)
    if _opts_set(byref(o), name.encode(), _ideas_value(name, value), err, 256):
        raise ValueError("%s %s" % (name, err.value.decode()))


def _steer(strike, keep, reject, focus=None, focus_text=None, worksheet=None):
    """The analyst's steer (a tenyo_steer) of strike / keep / reject, each
    a str or a list of str (fields also comma-separated), focus (sentence
    numbers: "2,3" or [2, 3]) or focus_text (a str), after the decisions
    of worksheet (a Worksheet), or None when none is given; every value
    bounded by the library."""
    if strike is None and keep is None and reject is None and focus is None \
            and focus_text is None and worksheet is None:
        return None
    if _index(focus) is not None:
        focus = [focus]
    s = c_void_p()
    if _steer_new(byref(s)):
        raise MemoryError("steer")
    if worksheet is not None and _ws_apply(worksheet._handle(), s):
        _steer_free(s)
        raise ValueError("the worksheet's decisions do not fit a steer")
    if focus is not None:
        if not isinstance(focus, (str, list, tuple)):
            _steer_free(s)
            raise TypeError("focus must be sentence numbers (an int, a list of int or "
                            "a str like '2,3'), not %s" % type(focus).__name__)
        try:
            nums = focus if isinstance(focus, str) else ",".join(
                str(_int("focus", f, 1, 64)) for f in focus)
        except (TypeError, ValueError):
            _steer_free(s)
            raise
        if _steer_focus(s, _str("focus", nums)):
            _steer_free(s)
            raise ValueError("focus must be sentence numbers from 1 to 64, not %r" % (focus,))
    if focus_text is not None:
        if _steer_focus_text(s, _str("focus_text", focus_text)):
            _steer_free(s)
            raise ValueError("focus_text must be 1 byte to 64 KiB of text")
    for name, value, add in (("strike", strike, _steer_strike), ("keep", keep, _steer_keep),
                             ("reject", reject, _steer_reject)):
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value
        if isinstance(items, (list, tuple)) and not items:
            _steer_free(s)
            raise ValueError("%s needs at least one entry" % name)
        if not isinstance(items, (list, tuple)):
            _steer_free(s)
            raise TypeError("%s must be a str or a list of str, not %s"
                            % (name, type(value).__name__))
        for item in items:
            parts = [item] if name == "strike" or not isinstance(item, str) else \
                [p for p in item.replace(",", " ").split() if p] or [item]
            for p in parts:
                if not isinstance(p, str) or add(s, _str(name, p)):
                    _steer_free(s)
                    err = ctypes.create_string_buffer(128)
                    _opt_check(name.encode(), 0, err, 128)
                    raise ValueError("%s %s, not %r" % (name, err.value.decode(), p))
    return s


def _ideas_opts(home, distance, mode, min_confidence):
    """The ideas options ideas() and match() share, checked; returns the
    struct and the home array it points into (keep both alive)."""
    o = _IdeasOpts()
    _ideas_opts_default(byref(o))
    homes = None
    if home:
        if isinstance(home, str):  # split as every surface splits it
            buf = ctypes.create_string_buffer(_str("home", home))
            split = (c_char_p * 64)()
            err = ctypes.create_string_buffer(256)
            got = _home_split(buf, split, 64, err, 256)
            if got < 0:
                raise ValueError("home: %s" % err.value.decode())
            home = [split[i].decode() for i in range(got)]
        if not isinstance(home, (list, tuple)):
            raise TypeError("home must be a str or a list of str, not %s"
                            % type(home).__name__)
        homes = (c_char_p * len(home))(*[_str("home", h) for h in home])
        o.home, o.nhome = ctypes.cast(homes, POINTER(c_char_p)), len(home)
    _ideas_set(o, "distance", distance)
    _ideas_set(o, "mode", mode)
    if min_confidence is not None:
        _ideas_set(o, "min_confidence", min_confidence)
    return o, homes

class Senses:
    """Senses remembered (tenyo_senses): words split from a pair of fields
    (運転 between B60W and F24F: a pun, not a link), which then carry no
    link between those two fields in any query they are given to. Kept as
    TSV (word, field, other field a line): Senses.load(path) reads one
    (InputError naming the file and line at fault, nothing taken);
    Index.ideas uses the index's own INDEX.senses when there is one, or
    ideas(senses=...)."""

    def __init__(self):
        h = c_void_p()
        if _sn_new(byref(h)):
            raise MemoryError("senses")
        self._h = h

    @classmethod
    def load(cls, path):
        s = cls()
        s.merge(path)
        return s

    def merge(self, path):
        """Add the splits of TSV file path: all of them, or none."""
        err = ctypes.create_string_buffer(640)
        rc = _sn_load(self._h, os.fsencode(path), err, 640)
        if rc:
            raise _error(rc, err.value)

    def add(self, word, field, other):
        """Split word between field and other; False when it was already."""
        rc = _sn_add(self._h, _str("word", word), _str("field", field), _str("other", other))
        if rc < 0:
            raise ValueError("a split is a word (1 to 255 bytes) and two different IPC "
                             "subclasses, not %r %r %r" % (word, field, other))
        return rc == 0

    def remove(self, word, field, other):
        """Undo a split; KeyError when there is none."""
        rc = _sn_remove(self._h, _str("word", word), _str("field", field), _str("other", other))
        if rc == -8:
            raise KeyError("no split of %r between %s and %s" % (word, field, other))
        if rc:
            raise ValueError("a split is a word and two IPC subclasses")

    def __len__(self):
        return _sn_count(self._h)

    def __iter__(self):
        w, a, b = c_char_p(), c_char_p(), c_char_p()
        return iter([(_s(w.value), _s(a.value), _s(b.value)) for i in range(len(self))
                     if _sn_get(self._h, i, byref(w), byref(a), byref(b)) == 0])

    def save(self, path):
        """Write the TSV to path atomically."""
        err = ctypes.create_string_buffer(640)
        rc = _sn_save(self._h, os.fsencode(path), err, 640)
        if rc and rc != -12:
            raise _error(rc, err.value)

    def __del__(self):
        if getattr(self, "_h", None):
            _sn_free(self._h)
            self._h = None


class Worksheet:
    """An analyst's worksheet (tenyo_worksheet): the decisions about one
    patent's list (or one company's, or one text's) kept across runs: the
    words struck, the focus, the cards kept and rejected with notes.
    Worksheet("patent", id) starts one (kind "patent", "company" or
    "text"); Worksheet.load(path) reads a file, refused with the reason
    (InputError) when it is damaged; Index.ideas(..., worksheet=w) applies
    it and records the call's decisions; w.note(field, text) notes a card;
    w.save(path) writes it atomically (the old file or the new one, never
    half)."""

    _h = None  # the handle; None until made (a refused __init__ leaves none)

    def __init__(self, kind, subject):
        h = c_void_p()
        rc = _ws_new(_str("kind", kind), _str("subject", subject), byref(h))
        if rc:
            raise ValueError("a worksheet is for a patent, a company or a text (kind "
                             "'patent', 'company' or 'text') with a subject of 1 byte to "
                             "64 KiB of UTF-8, not %r %r" % (kind, subject))
        self._h = h

    @classmethod
    def _of(cls, h):
        w = cls.__new__(cls)
        w._h = h
        return w

    @classmethod
    def load(cls, path):
        """The worksheet in file path (InputError with the member or line
        at fault when it is damaged; NotFound when there is none)."""
        h, err = c_void_p(), ctypes.create_string_buffer(512)
        rc = _ws_load(os.fsencode(path), byref(h), err, 512)
        if rc:
            raise _error(rc, err.value)
        return cls._of(h)

    @classmethod
    def parse(cls, text):
        """The worksheet of JSON text (a str or bytes), checked as load."""
        b = text.encode() if isinstance(text, str) else bytes(text)
        h, err = c_void_p(), ctypes.create_string_buffer(512)
        rc = _ws_parse(b, len(b), byref(h), err, 512)
        if rc:
            raise _error(rc, err.value)
        return cls._of(h)

    def _handle(self):
        if not self._h:
            raise ValueError("the worksheet is closed")
        return self._h

    def save(self, path, wait=30.0):
        """Write it to path atomically, by the rule every command follows:
        never over an index, a file of an index's update folder, a
        directory or a file that is not a worksheet (Error naming the
        reason); a symbolic link is written through to its target. The
        worksheet's lock is held while it is written (waited for up to
        wait seconds, as `tenyo ideas --worksheet` holds it)."""
        h = self._handle()
        p = os.fsencode(path)
        err, lk = ctypes.create_string_buffer(512), c_void_p()
        rc = _ws_lock_take(p, int(max(0.0, wait) * 1000), byref(lk), err, 512)
        if rc:
            raise _error(rc, err.value)
        try:
            rc = _ws_save(h, p, err, 512)
        finally:
            _ws_lock_free(lk)
        if rc and rc != -12:  # TENYO_ERR_UNSYNCED: in place
            raise _error(rc, err.value)

    @property
    def json(self):
        """The worksheet as the dict its file holds."""
        import json as _json
        out = c_void_p()
        if _ws_json(self._handle(), byref(out)):
            raise MemoryError("worksheet")
        try:
            return _json.loads(ctypes.string_at(out.value).decode())
        finally:
            _json_free(out)

    @property
    def cards(self):
        """The cards decided, in order: [{field, decision, note?, evidence?}]."""
        return self.json.get("cards", [])

    def note(self, field, text):
        """The note of field's card ("" removes it); KeyError when the
        worksheet has no card of field (keep or reject it first)."""
        rc = _ws_note(self._handle(), _str("field", field), _str("note", text))
        if rc == -8:
            raise KeyError("%s is no card of the worksheet (keep or reject it first)" % field)
        if rc:
            raise ValueError("a note is at most 16 KiB of UTF-8 text")

    def close(self):
        if self._h:
            _ws_free(self._h)
            self._h = None

    def __del__(self):
        self.close()


class IndexError_(Error):
    """A missing, damaged or newer index, or a tokenizer mismatch."""


class EmptyQuery(Error):
    """Nothing to index, or a query without any term the index knows."""


def _error(code, message):
    cls = {-8: NotFound, -3: InputError, -4: InputError, -5: IndexError_,
           -6: IndexError_, -7: IndexError_, -11: EmptyQuery}.get(code, Error)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return cls(code, message)


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else None


def version():
    """The library's version string, e.g. "0.1.0"."""
    return _version().decode()

# --------------------------------------------------------------- choices

_MODES = {"tfidf": 0, "lsa": 1, "hybrid": 2}
_FORMATS = {"auto": 0, "jsonl": 1, "jplatpat": 2, "jpo-xml": 3}


def _choice(what, value, table):
    if value not in table:
        raise ValueError("%s must be one of %s, not %r" % (what, ", ".join(table), value))
    return table[value]


def _index(value):
    """value as a Python int when it is an integer of any kind (int, numpy's
    integers: anything with __index__), else None; bool is not one."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _int(what, value, lo, hi):
    v = _index(value)
    if v is None:
        raise TypeError("%s must be an integer, not %s" % (what, type(value).__name__))
    value = v
    if not lo <= value <= hi:
        raise ValueError("%s must be an integer from %d to %d, not %r" % (what, lo, hi, value))
    return value


def _num(what, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    if not lo <= value <= hi:
        raise ValueError("%s must be a number from %g to %g, not %r" % (what, lo, hi, value))
    return float(value)


def _str(what, value):
    """value (a str) as the UTF-8 bytes the library reads; a C string ends
    at its first NUL, so a NUL inside would silently cut it: refused."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s holds a NUL character at offset %d: %r"
                         % (what, value.index("\0"), value))
    return value.encode()


def _path(what, value):
    """A file name (str, bytes or os.PathLike) as bytes, NUL refused."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError("%s must be a path, not %s" % (what, type(value).__name__))
    b = os.fsencode(value)
    if b"\0" in b:
        raise ValueError("%s holds a NUL character: %r" % (what, value))
    if not b:
        raise ValueError("%s is an empty path" % what)
    return b

# ------------------------------------------------------------------ build

def build(output, files, *, format="auto", encoding=None, strict=False, dim=0,
          threads=0, min_df=2, max_df=0.5, seed=None, ivf=0, max_terms=0, f16=False,
          force=False):
    """Index the patent records of files (paths; "-" is standard input) into
    the index file output, replaced atomically. Options as `tenyo index`
    (dim 0: the library's default rank). Returns a dict of counts and
    timings. A forced encoding that charset detection disagrees with gives a
    UserWarning naming the detected charset (an InputError under strict).
    The command line's safety holds: an input named as the output is a
    ValueError; the index's writer lock is taken before any input is read
    (another writer: tenyo.Error TENYO_ERR_BUSY); an output that exists and
    is not a tenyo index is refused (TENYO_ERR_ARG) unless force=True."""
    if isinstance(files, (str, bytes, os.PathLike)):
        files = [files]
    out = _path("output", output)
    paths = [_path("input", f) for f in files]
    for f in paths:
        if f != b"-" and os.path.exists(out) and os.path.exists(f) \
                and os.path.samefile(f, out):
            raise ValueError("%s is both an input and the output %s; nothing written"
                             % (os.fsdecode(f), os.fsdecode(out)))
    if encoding is not None:
        encoding = _str("encoding", encoding)
    ro = _ReadOpts(format=_choice("format", format, _FORMATS),
                   encoding=encoding or None, strict=int(bool(strict)))
    bo = _BuildOpts()
    _build_opts_default(byref(bo))
    bo.dim = _int("dim", dim, 0, 4096)
    bo.threads = _int("threads", threads, 0, 256)
    bo.min_df = _int("min_df", min_df, 1, 10**9)
    if not 0 < max_df <= 1:
        raise ValueError("max_df must be above 0 and at most 1, not %r" % (max_df,))
    bo.max_df_ratio = float(max_df)
    if seed is not None:
        bo.seed = _int("seed", seed, 0, 2**64 - 1)
    bo.ivf_lists = -1 if ivf is True else _int("ivf", int(ivf), 0, 1000000)
    bo.max_terms = _int("max_terms", max_terms, 0, 1000000)
    bo.f16_vectors = int(bool(f16))
    err = ctypes.create_string_buffer(512)
    w = _P()
    rc = _writer_open(out, 1 if force else 0, byref(w), err, 512)
    if rc:
        raise _error(rc, err.value.decode("utf-8", "replace") + "; nothing written")
    b = _P()
    rc = _builder_new(byref(bo), byref(b), err, 512)
    if rc:
        _writer_free(w)
        raise _error(rc, err.value)
    records = skipped = 0
    try:
        for path in paths:
            r = _P()
            rc = _reader_open(path, byref(ro), byref(r), err, 512)
            if rc:
                raise _error(rc, err.value)
            try:
                det = _reader_detected(r)
                if det:
                    msg = ("%s: encoding %s looks wrong: the text reads differently as %s, "
                           "which detection picks" % (os.fsdecode(path), encoding.decode(),
                                                      det.decode()))
                    if strict:
                        raise InputError(-4, msg)
                    warnings.warn(msg, UserWarning, stacklevel=2)
                doc = _P()
                while True:
                    got = _reader_next(r, byref(doc))
                    if got == 0:
                        break
                    if got < 0:
                        raise _error(got, _reader_error(r))
                    rc = _builder_add(b, doc)
                    if rc:
                        raise _error(rc, _builder_error(b))
                st = _ReadStats()
                _reader_stats(r, byref(st))
                records += st.records
                skipped += st.skipped
            finally:
                _reader_free(r)
        bs = _BuildStats()
        rc = _writer_commit(w, b, byref(bs), err, 512)
        if rc:
            raise _error(rc, err.value)
    finally:
        _builder_free(b)
        _writer_free(w)
    return {"docs": bs.docs, "records": records, "skipped": skipped,
            "duplicates": bs.duplicates, "empty": bs.empty, "terms": bs.terms,
            "nnz": bs.nnz, "dim": bs.dim, "seconds": bs.sec_total,
            "seconds_tokenize": bs.sec_tokenize, "seconds_svd": bs.sec_svd,
            "seconds_weight": bs.sec_weight, "seconds_ivf": bs.sec_ivf,
            "seconds_fieldmodel": bs.sec_fieldmodel, "seconds_write": bs.sec_write,
            "seconds_read": bs.sec_read, "seconds_keywords": bs.sec_keywords,
            "seconds_termfacts": bs.sec_termfacts,
            "file_bytes": bs.file_bytes, "path": os.fspath(output)}

# ------------------------------------------------------------------ index

def open_load(path, list_file, *, column=None):
    """Load the licensable patents of list_file (numbers one per line, or a
    CSV with a number column) beside the index at path (tenyo open --from).
    Returns {"lines", "resolved", "unresolved", "duplicates", "listed",
    "column", "problems": [(line, message), ...]}."""
    problems = []

    def report(ud, file, line, msg):
        problems.append((line, _s(msg)))
    cb = _REPORT(report)
    st = _OpenStats()
    err = ctypes.create_string_buffer(512)
    rc = _open_load(_path("path", path), _path("list_file", list_file),
                    _str("column", column) if column else None,
                    cb, None, byref(st), err, 512)
    if rc and rc != -12:
        raise _error(rc, err.value)
    return {"lines": st.lines, "resolved": st.resolved, "unresolved": st.unresolved,
            "duplicates": st.duplicates, "listed": st.listed, "column": _s(st.column),
            "problems": problems}


def open_clear(path):
    """Remove the licensable list of the index at path (tenyo open --clear);
    True when there was one."""
    had = c_int(0)
    err = ctypes.create_string_buffer(512)
    rc = _open_clear(_path("path", path), byref(had), err, 512)
    if rc and rc != -12:
        raise _error(rc, err.value)
    return bool(had.value)


# ------------------------------------------------------------------ results

# The names this binding gave before it returned the command line's
# members (0.1.0); read through _Row for one release, with a warning.
_OLD_NAMES = {"code": "field", "bridge": "bridge_terms", "also": "also_fields"}


class _Row(dict):
    """A JSON object of an answer: a plain dict (its keys are exactly the
    command line's members), where the old names code, bridge and also
    still read field, bridge_terms and also_fields with a
    DeprecationWarning (until the next release)."""

    def __missing__(self, key):
        new = _OLD_NAMES.get(key)
        if new is None or not dict.__contains__(self, new):
            raise KeyError(key)
        warnings.warn("tenyo: %r is now %r (the command line's name); the old name goes "
                      "in the next release" % (key, new), DeprecationWarning, stacklevel=2)
        return self[new]


class Result(list):
    """An answer of ideas(), match(), similar() or search(): the list of its
    rows (the "ideas", "matches" or "results" member: dicts, so
    pandas.DataFrame(result) works as before), with every other member of
    the object the command line's --json prints as an attribute
    (result.query, result.warnings, result.hidden, result.bands, ...).
    result.json is the whole object, members and values exactly as
    `tenyo ideas|match|similar|search --json` prints them (it is the same
    text, from the library's tenyo_*_json, parsed)."""

    def __init__(self, obj, rows):
        super().__init__(obj[rows])
        obj[rows] = self
        self.json = obj
        self.rows = rows

    def __getattr__(self, name):
        if name in ("json", "rows"):
            raise AttributeError(name)
        try:
            return self.json[name]
        except KeyError:
            raise AttributeError("%s has no member %r" % (self.rows, name)) from None

    def to_dict(self):
        """The whole answer as plain dicts and lists (json.dumps-able)."""
        import json as _json
        return _json.loads(_json.dumps(self.json))


def _take_json(rc, out, rows):
    """The library's JSON text in out (rc its status) as a Result."""
    import json as _json
    if rc:
        raise _error(rc, "rendering the answer as JSON")
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        _json_free(out)
    return Result(_json.loads(text, object_hook=_Row), rows)


def _guarded(method):
    """Index methods that reach the library run between _enter and _leave:
    a closed index is refused before any call (its contexts and memory are
    gone), and close() waits for the calls in flight in other threads."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        self._enter()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._leave()
    return run


class Index:
    """An open index file: immutable, shared by threads. Use as a context
    manager or call close(). ipc_titles: IPC scheme TSV files for labels.
    After close() every method raises ValueError("the index is closed")."""

    def __init__(self, path, ipc_titles=()):
        self._lock = threading.Condition()  # guards _idle, _nctx, _busy, _closed
        self._busy = 0       # library calls in flight, every thread
        self._closed = False
        self._idle = []      # contexts no call holds, at most _idle_max
        self._idle_max = max(os.cpu_count() or 1, 2)
        self._nctx = 0       # contexts alive: held by calls or idle
        self._x = None
        self._local = threading.local()  # .depth, .held: this thread's call
        bpath = _path("path", path)
        self.path = os.fsdecode(bpath)
        x = _P()
        err = ctypes.create_string_buffer(512)
        rc = _index_open(bpath, byref(x), err, 512)
        if rc:
            raise _error(rc, err.value)
        self._x = x
        if isinstance(ipc_titles, (str, bytes, os.PathLike)):
            ipc_titles = [ipc_titles]
        for t in ipc_titles:
            rc = _index_load_titles(self._x, _path("ipc_titles", t), err, 512)
            if rc:
                self.close()
                raise _error(rc, err.value)

    # ---- life
    def _enter(self):
        with self._lock:
            if self._closed or not self._x:
                raise ValueError("the index is closed")
            self._busy += 1
        self._local.depth = getattr(self._local, "depth", 0) + 1

    def _leave(self):
        """The end of a guarded call: the outermost one of this thread gives
        its context back (to the pool, or freed when the pool is full or the
        context's hybrid weight was changed)."""
        self._local.depth -= 1
        held = None
        if not self._local.depth:
            held, self._local.held = getattr(self._local, "held", None), None
        free = None
        with self._lock:
            if held is not None:
                if held[1] or len(self._idle) >= self._idle_max:
                    free = held[0]
                    self._nctx -= 1
                else:
                    self._idle.append(held[0])
            self._busy -= 1
            if not self._busy:
                self._lock.notify_all()
        if free is not None:
            _ctx_free(free)

    def close(self):
        """Free the contexts and the index (idempotent). Queries running in
        other threads finish first; later calls raise ValueError."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before anything was made
            return
        with lock:
            self._closed = True
            while self._busy:
                lock.wait()
            ctxs, self._idle = self._idle, []
            self._nctx -= len(ctxs)
            x, self._x = self._x, None
        for c in ctxs:
            _ctx_free(c)
        if x:
            _index_free(x)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    @_guarded
    def __len__(self):
        return int(_index_ndocs(self._live()))

    def _live(self):
        if self._closed or not self._x:
            raise ValueError("the index is closed")
        return self._x

    def _ctx(self):
        """The context of this thread's call in flight: taken from the pool
        (or made) on first use, given back when the outermost guarded call
        ends (_leave). Only inside a guarded call."""
        x = self._live()
        held = getattr(self._local, "held", None)
        if held is not None:
            return held[0]
        with self._lock:
            c = self._idle.pop() if self._idle else None
            if c is None:
                self._nctx += 1  # counted before it exists: close() waits anyway
        if c is None:
            c = _P()
            err = ctypes.create_string_buffer(512)
            rc = _ctx_new(x, byref(c), err, 512)
            if rc:
                with self._lock:
                    self._nctx -= 1
                raise _error(rc, err.value)
        self._local.held = [c, False]  # [context, hybrid weight changed]
        return c

    # ---- what the index holds
    @_guarded
    def info(self, check=False):
        """What the index holds and how it was built (tenyo info --json
        in spirit). check=True first verifies every section."""
        x = self._live()
        if check:
            err = ctypes.create_string_buffer(512)
            rc = _index_load_all(x, err, 512)
            if rc:
                raise _error(rc, err.value)
        # room past the mirrored struct: a newer library may write more
        buf = ctypes.create_string_buffer(ctypes.sizeof(_IndexInfo) + 4096)
        _index_info_get(x, buf)
        i = _IndexInfo.from_buffer(buf)
        return {"path": self.path, "format_version": i.format_version,
                "documents": i.ndocs, "open_documents": i.nopen, "terms": i.nterms,
                "nonzeros": i.nnz, "dim": i.dim, "fields": i.nfields, "seed": i.seed,
                "min_df": i.min_df, "max_df_ratio": i.max_df_ratio,
                "tokenizer": _s(i.tokenizer), "writer": _s(i.writer), "created": i.created,
                "file_bytes": i.file_bytes, "ivf_lists": i.ivf_lists, "f16_bytes": i.f16_bytes,
                "docmeta_layout": i.docmeta_layout, "rows_frame": i.rows_frame,
                "postings_layout": i.postings_layout,
                "phrases": i.nphrases, "generation": i.generation,
                "rebuild_advised": bool(i.rebuild_advised),
                "licensable": {"documents": i.nopen, "by_records": i.open_records,
                               "list": None if not i.open_listed else {
                                   "source": _s(i.open_source), "loaded": i.open_loaded,
                                   "listed": i.open_listed, "in_index": i.open_found,
                                   "lines": i.open_lines,
                                   "unresolved": i.open_unresolved}},
                "sections": [{"name": _s(i.sections[k].name), "stored": i.sections[k].stored,
                              "raw": i.sections[k].raw} for k in range(i.nsections)]}

    @_guarded
    def doc(self, key):
        """Metadata of an indexed document, by id (str) or number (int):
        {"id", "title", "applicant", "date", "fields" (a list of IPC
        subclasses, as results give them), "codes" (";"-separated as
        written), "open", "lang"}."""
        x = self._live()
        if isinstance(key, str):
            n = self._number(key)
        elif _index(key) is not None:
            n = _index(key)
            if not 0 <= n < _index_ndocs(x):
                raise NotFound(-8, "%s: no document number %d (the index has %d)"
                               % (self.path, n, _index_ndocs(x)))
        else:
            raise TypeError("a document is an id (str) or a number (int), not %s"
                            % type(key).__name__)
        m = _DocMeta()
        rc = _index_doc(x, n, byref(m))
        if rc:
            raise _error(rc, "no document number %r" % (key,))
        return {"id": _s(m.id), "title": _s(m.title), "applicant": _s(m.applicant),
                "date": _s(m.date), "fields": [f for f in _s(m.fields).split(",") if f],
                "codes": _s(m.codes),
                "open": bool(m.open), "lang": _s(m.lang)}

    @_guarded
    def resolve(self, typed):
        """How an id typed by a person reads (the CLI's and the server's
        rule): {"id": stored id or None, "match": "exact" | "normalised" |
        None, "suggestions": [closest stored ids]} -- 特開２０２４－１２７４０７,
        JP2024-127407A or " 特開2024-127407" all find 特開2024-127407."""
        x = self._live()
        doc = c_int64(-1)
        sug = (c_uint64 * 5)()
        ns = c_size_t(0)
        rc = _index_resolve(x, _str("id", typed), byref(doc), sug, 5, byref(ns))
        if rc < 0 and rc != -8:
            raise _error(rc, "looking up %r" % (typed,))
        ids = [self.doc(int(sug[i]))["id"] for i in range(ns.value)]
        return {"id": self.doc(doc.value)["id"] if rc > 0 else None,
                "match": {1: "exact", 2: "normalised"}.get(rc), "suggestions": ids}

    @_guarded
    def _number(self, id_):
        x = self._live()
        doc = c_int64(-1)
        sug = (c_uint64 * 5)()
        ns = c_size_t(0)
        rc = _index_resolve(x, _str("id", id_), byref(doc), sug, 5, byref(ns))
        if rc > 0:
            return doc.value
        if rc != -8:
            raise _error(rc, "looking up %r" % (id_,))
        msg = "%s: no patent '%s' in the index" % (self.path, id_)
        if ns.value:
            msg += "; did you mean %s?" % ", ".join(
                self.doc(int(sug[i]))["id"] for i in range(ns.value))
        raise NotFound(-8, msg)

    @_guarded
    def label(self, code, lang="ja"):
        """The label of an IPC subclass (titles loaded, else built-in)."""
        _choice("lang", lang, {"ja": 0, "en": 1})
        return _s(_field_label(self._live(), _str("code", code), lang.encode()))

    # ---- queries
    _FILTER_KEYS = ("date_from", "date_to", "applicant", "exclude_applicant", "fields",
                    "exclude_fields", "keywords", "open_only")

    def _filter(self, filters):
        """A tenyo_filter of filters (dict with date_from, date_to, applicant,
        exclude_applicant, fields, exclude_fields; the last four a string or
        a list), or None. The caller frees it."""
        if not filters:
            return None
        if not isinstance(filters, dict):
            raise TypeError("filters must be a dict, not %s" % type(filters).__name__)
        bad = set(filters) - set(self._FILTER_KEYS)
        if bad:
            raise ValueError("unknown filter %s (%s)" % (", ".join(sorted(bad)),
                                                         ", ".join(self._FILTER_KEYS)))
        f = _P()
        rc = _filter_new(self._live(), byref(f))
        if rc:
            raise _error(rc, "filter")

        def many(v):
            return [v] if isinstance(v, str) else list(v or [])
        try:
            if filters.get("keywords"):
                rc = _filter_keywords(f, self._ctx(), _str("keywords", filters["keywords"]))
            if not rc and filters.get("open_only"):
                rc = _filter_open_only(f, 1)
            if not rc and (filters.get("date_from") or filters.get("date_to")):
                a, b = filters.get("date_from"), filters.get("date_to")
                rc = _filter_dates(f, _str("date_from", a) if a else None,
                                  _str("date_to", b) if b else None)
            for k, ex in (("applicant", 0), ("exclude_applicant", 1)):
                for v in many(filters.get(k)):
                    rc = rc or _filter_applicant(f, _str(k, v), ex)
            for k, ex in (("fields", 0), ("exclude_fields", 1)):
                for v in many(filters.get(k)):
                    for code in _str(k, v).decode().replace(",", " ").split():
                        rc = rc or _filter_field(f, code.encode(), ex)
            if not rc:
                n = _filter_count(f)
                rc = n if n < 0 else 0
            if rc:
                msg = _s(_filter_error(f))
                raise ValueError(msg) if rc == -1 else _error(rc, msg)
        except BaseException:
            _filter_free(f)
            raise
        return f

    def _filter_member(self, filters, f):
        """The "filter" member the command line puts in "query" when a
        filter is given (cli_filter_json): what was asked, the words no
        record contains, and how many patents match."""
        def many(v):
            return [v] if isinstance(v, str) else list(v or [])
        o = {}
        if filters.get("keywords"):
            o["keywords"] = filters["keywords"]
            note = _s(_filter_note(f)) or ""
            if note:
                o["unknown_words"] = note.split(", ")
        if filters.get("open_only"):
            o["open_only"] = True
        for k in ("date_from", "date_to"):
            if filters.get(k):
                o[k] = filters[k]
        for k in ("applicant", "exclude_applicant"):
            if many(filters.get(k)):
                o[k] = many(filters.get(k))
        for k in ("fields", "exclude_fields"):
            codes = [c for v in many(filters.get(k)) for c in v.replace(",", " ").split()]
            if codes:
                o[k] = codes
        n = _filter_count(f)
        o["matching"] = max(n, 0)
        o["documents"] = len(self)
        if n == 0:
            if filters.get("open_only") and not self.info()["licensable"]["documents"]:
                o["warning"] = ("--open-only: the index marks no patent licensable (load a "
                                "list with 'tenyo open INDEX --from FILE'): nothing to rank")
            else:
                o["warning"] = ("no indexed patent matches the filters (0 of %d%s): nothing "
                                "to rank" % (len(self), ", licensable only"
                                             if filters.get("open_only") else ""))
        return o

    @_guarded
    def search(self, query, *, k=10, filters=None):
        """Keyword search: patents holding the terms of query (a b, a OR b,
        NOT a / -a, "quoted"), ranked by relevance (BM25); filters as for
        similar. A Result: the list of "results" (rank, id, score, title,
        fields, applicant, date, open, link) with .query and .warnings
        (words no record contains, nothing matching), the object `tenyo
        search --json` prints."""
        k = _int("k", k, 1, 10000)
        flt = dict(filters or {})
        flt["keywords"] = query
        c = self._ctx()
        f = self._filter(flt)
        hits = (_Hit * k)()
        out = c_void_p()
        try:
            got = _search(c, f, k, hits)
            if got < 0:
                raise _error(got, _ctx_error(c))
            res = _take_json(_search_json(self._live(), f, k, hits, got, byref(out)), out,
                             "results")
            res.query["filter"] = self._filter_member(flt, f)
        finally:
            _filter_free(f)
        return res

    @_guarded
    def similar(self, id=None, *, text=None, k=10, mode="hybrid", hybrid_weight=None,
                filters=None):
        """The k nearest patents of indexed patent id, or of text: a Result,
        the list of "results" (rank, id, score, title, fields: a list,
        applicant, date, open, link) with .query and .warnings, the object
        `tenyo similar --json` prints. filters: {"date_from", "date_to",
        "applicant", "exclude_applicant", "fields", "exclude_fields",
        "keywords", "open_only"}, applied before the top k."""
        if (id is None) == (text is None):
            raise ValueError("give exactly one of id and text")
        k = _int("k", k, 1, 10000)
        m = _choice("mode", mode, _MODES)
        w = None if hybrid_weight is None else _num("hybrid_weight", hybrid_weight, 0, 1)
        c = self._ctx()
        if w is not None:
            _ctx_set_hybrid_weight(c, w)
            self._local.held[1] = True  # freed, not pooled: others get the default
        hits = (_Hit * k)()
        f = self._filter(filters)
        q = _Query(-1, None, 0, None, 0)
        out = c_void_p()
        try:
            _ctx_set_filter(c, f)
            if text is None:
                q.doc = self._number(id)
                got = _similar_doc(c, q.doc, m, k, hits)
            else:
                t = _str("text", text)
                q.text, q.len = t, len(t)
                got = _similar_text(c, t, len(t), m, k, hits)
            if got < 0:
                raise _error(got, _ctx_error(c))
            res = _take_json(_similar_json(self._live(), byref(q), m, k, hits, got,
                                           byref(out)), out, "results")
            if f:
                res.query["filter"] = self._filter_member(filters, f)
        finally:
            _ctx_set_filter(c, None)
            if f:
                _filter_free(f)
        return res

    @_guarded
    def ideas(self, id=None, *, text=None, n=10, home=None, distance="class",
              open_only=False, mode="hybrid", novelty=None, min_confidence=None,
              min_usable=None, min_content=None, knn=0, merge=True, lang="ja",
              filters=None, strike=None, keep=None, reject=None, focus=None,
              focus_text=None, offset=0, worksheet=None, senses=None):
        """Other technical fields where patent id (or text) could apply: a
        Result, the list of proposals best first, each the dict `tenyo ideas
        --json` prints (rank, field, label, label_ja, label_en, confidence,
        band, weak_reason, also_fields, cautions, basis, bridge_terms,
        phrases, evidence: [{id, title, similarity, open, applicant, date,
        link}], idea: the sentence, why: {query, evidence_id, evidence,
        terms}, ...), with the answer's other members as attributes:
        .query (home, home_predicted), .warnings ([{code, message}]: unknown
        words, a predicted home, fewer than asked, ...), .hidden,
        .hidden_thin, .hidden_content, .bands, .legend; .json is the whole
        object. lang: language of labels, sentences and warnings. Steering
        (an analyst's decisions): strike, words shared in another sense
        here (they carry no link for any card; each card lists in
        "struck" the ones it lost), keep, fields whose cards come first,
        reject, fields never proposed (a str or a list of str each);
        focus, the query's sentences that hold the technique (numbers as
        Index.sentences() counts them) or focus_text, the technique in the
        analyst's words: the list is made from them alone. offset: cards
        of the list passed over before the first returned (10 with n=20:
        cards 11-30; each card's rank counts from the list's start).
        worksheet: a Worksheet for this query (its patent, text or
        company): its decisions apply first, the call's after them, and
        the call's are recorded in it with each decided card's evidence
        (save it with Worksheet.save); each card carries its "note".
        senses: the remembered sense splits (a Senses; None: the index's
        INDEX.senses when there is one, read on first use; False: none)."""
        if (id is None) == (text is None):
            raise ValueError("give exactly one of id and text")
        n = int(_ideas_value("n", n))
        _ideas_value("lang", lang)
        o, homes = _ideas_opts(home, distance, mode, min_confidence)
        _ideas_set(o, "open_only", open_only)
        for name, v in (("novelty", novelty), ("min_usable", min_usable),
                        ("min_content", min_content)):
            if v is not None:
                _ideas_set(o, name, v)
        if _index(knn) != 0:  # 0: the tuned count
            _ideas_set(o, "knn", knn)
        _ideas_set(o, "merge", merge)
        _ideas_set(o, "offset", offset)
        c = self._ctx()
        pool = _ideas_pool(byref(o), n)  # the judge picks the list of n from it
        ideas = (_Idea * pool)()
        f = self._filter(filters)
        q = _Query(-1, None, 0, None, 0)
        out = c_void_p()
        if worksheet is not None and not isinstance(worksheet, Worksheet):
            raise TypeError("worksheet must be a tenyo.Worksheet, not %s"
                            % type(worksheet).__name__)
        steer = _steer(strike, keep, reject, focus, focus_text, worksheet)
        try:
            _ctx_set_filter(c, f)
            _ctx_set_steer(c, steer)
            sn = self._default_senses() if senses is None else senses or None
            if sn is not None and not isinstance(sn, Senses):
                raise TypeError("senses must be a tenyo.Senses, None or False")
            _ctx_set_senses(c, sn._h if sn is not None else None)
            if text is None:
                q.doc = self._number(id)
            else:
                t = _str("text", text)
                q.text, q.len = t, len(t)
            if worksheet is not None:
                err = ctypes.create_string_buffer(512)
                rc = _ws_fits(worksheet._handle(), self._x, q.doc, q.text, err, 512)
                if rc:
                    raise _error(rc, err.value)
            if text is None:
                got = _ideas_doc(c, q.doc, byref(o), pool, ideas)
            else:
                got = _ideas_text(c, t, len(t), byref(o), pool, ideas)
            if got < 0:
                raise _error(got, _ctx_error(c))
            res = _take_json(_ideas_json(c, byref(q), ideas, got, n, lang.encode(),
                                         byref(out)), out, "ideas")
            if worksheet is not None:
                rc = _ws_record(worksheet._handle(), steer, c, ideas, got)
                if rc:
                    raise _error(rc, "recording the decisions in the worksheet")
                notes = {c_["field"]: c_.get("note") for c_ in worksheet.cards}
                for it in res:
                    if notes.get(it["field"]):
                        it["note"] = notes[it["field"]]
            if f:
                res.query["filter"] = self._filter_member(filters, f)
        finally:
            _ctx_set_filter(c, None)
            _ctx_set_steer(c, None)
            _ctx_set_senses(c, None)
            _steer_free(steer)
            if f:
                _filter_free(f)
        return res

    def _default_senses(self):
        """The index's INDEX.senses, read once (None when there is none)."""
        with self._lock:
            if not hasattr(self, "_senses"):
                p = self.path + ".senses"
                self._senses = Senses.load(p) if os.path.exists(p) else None
            return self._senses

    @_guarded
    def sentences(self, id=None, *, text=None):
        """The sentences of patent id's title and abstract (or of text), as
        ideas(focus=...) numbers them: sentence 1 is the first."""
        if (id is None) == (text is None):
            raise ValueError("give exactly one of id and text")
        doc = self._number(id) if text is None else -1
        t = None if text is None else _str("text", text)
        c = self._ctx()
        out = (_Sentence * 64)()
        got = _query_sentences(c, doc, t, 64, out)
        if got < 0:
            raise _error(got, _ctx_error(c))
        return [ctypes.string_at(out[i].text, out[i].len).decode() for i in range(got)]

    @_guarded
    def match(self, text, *, k=10, home=None, distance="class", mode="hybrid",
              min_confidence=None, lang="ja", filters=None):
        """The Kawasaki-model query: the licensable patents a company whose
        strengths text describes could use, best first: a Result, the list
        of "matches" as `tenyo match --json` prints them (rank, id, title,
        applicant, date, fields, link, similarity, confidence, own_field,
        uses: [{idea, field, label, confidence, bridge_terms, phrase, use:
        the sentence, ...}], why: {company, patent, terms}), with .query,
        .ideas (the proposals the uses come from, as ideas() gives them),
        .warnings, ... as attributes. Every use by default, as tenyo match
        (min_confidence 0). filters as for similar (licensable only is
        implied; an index that marks none is matched over all its
        patents)."""
        k = _int("k", k, 1, 100)
        if min_confidence is None:
            min_confidence = 0.0
        _ideas_value("lang", lang)
        o, homes = _ideas_opts(home, distance, mode, min_confidence)
        c = self._ctx()
        ideas = (_Idea * 20)()
        got_ideas = c_int(0)
        mt = (_Match * k)()
        f = self._filter(filters)
        out = c_void_p()
        try:
            _ctx_set_filter(c, f)
            t = _str("text", text)
            got = _match_text(c, t, len(t), byref(o), 20, ideas, byref(got_ideas), k, mt)
            if got < 0:
                raise _error(got, _ctx_error(c))
            res = _take_json(_match_json(c, t, len(t), ideas, got_ideas.value, mt, got, k,
                                         lang.encode(), byref(out)), out, "matches")
            if f:
                res.query["filter"] = self._filter_member(filters, f)
        finally:
            _ctx_set_filter(c, None)
            if f:
                _filter_free(f)
        return res

    def sentence(self, id=None, *, text=None, lang="ja", **options):
        """The idea sentences of ideas(id or text, **options), in order
        (the "idea" member of each proposal)."""
        return [i["idea"] for i in self.ideas(id, text=text, lang=lang, **options)]

    @staticmethod
    def link(id):
        """The public page of patent id (J-PlatPat, Google Patents), "" when
        id is no patent number (tenyo_doc_link)."""
        buf = ctypes.create_string_buffer(256)
        return _s(_doc_link(_str("id", id), buf, 256))

    def batch(self, queries, what="ideas", threads=None, **options):
        """Run many queries (each an indexed id, or a dict {"id": ...} or
        {"text": ..., "home": [...]}) on a thread pool, one context per
        query in flight, the GIL released inside the library: a list of results
        (what="ideas" or "similar") in input order. A query that fails gives
        its tenyo.Error instead of a list, so one bad id does not lose the
        rest."""
        run = {"ideas": self.ideas, "similar": self.similar}.get(what)
        if run is None:
            raise ValueError("what must be ideas or similar, not %r" % (what,))
        queries = list(queries)
        for n, q in enumerate(queries):
            if not isinstance(q, (str, dict)):
                raise TypeError("query %d must be an id (str) or a dict, not %s"
                                % (n, type(q).__name__))

        def one(q):
            if isinstance(q, str):
                q = {"id": q}
            kw = dict(options)
            if what == "ideas" and q.get("home"):
                kw["home"] = q["home"]
            try:
                return run(q.get("id"), text=q.get("text"), **kw)
            except Error as e:
                return e
        with ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1) as pool:
            return list(pool.map(one, queries))
