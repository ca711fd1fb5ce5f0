/*
 * simdjson.cc — JSON Lines records parsed by simdjson (the simdjson
 * adapter; the only file of tenyo that includes simdjson.h, and its only
 * C++): the line into a simdjson DOM, then into the record's view
 * (jview.h) that jsonl.c reads its fields from.
 *
 * Why: jansson parsed a record at about 100 MB/s, a fifth of an index
 * build's reading and as much CPU as a third of MeCab's; simdjson's DOM
 * parser is an order of magnitude faster. jansson stays for what it does
 * that simdjson does not: a line is taken here only when jansson would
 * read it the same way, else left to it (ty_jfast_parse returns 0), so
 * every record, warning and message is jansson's:
 *   - broken JSON (any simdjson error): jansson's message and column;
 *   - a root that is not an object: jansson's own refusal or "not a JSON
 *     object";
 *   - a key given twice in any object (jansson JSON_REJECT_DUPLICATES:
 *     simdjson keeps both);
 *   - a NUL in a string or key (jansson refuses \u0000; simdjson keeps it);
 *   - an integer above INT64_MAX (jansson: "too big integer"; simdjson
 *     reads it unsigned).
 * Unpaired surrogate escapes, control characters, trailing text, numbers
 * out of range and nesting over simdjson's depth are errors in simdjson
 * already. Numbers read alike: integers as long long, others as the
 * correctly rounded double (jansson: strtod).
 *
 * One dom::parser per reader (ty_jfast), reused line by line: its buffers
 * grow to the longest line and stay; the view's strings point into its
 * string buffer (NUL-terminated) until the next line.
 */
#include "io/jview.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

extern "C" {
#include "tenyo.h"
}

struct ty_jfast {
    simdjson::dom::parser parser;
    std::vector<std::string_view> keys; /* duplicate check of a large object */
};

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

/* A key or string jansson would refuse (a NUL in it). */
bool has_nul(std::string_view s) { return std::memchr(s.data(), 0, s.size()) != nullptr; }

/* 1 when every object below e (e included) has distinct keys without NUL,
 * and no string holds a NUL or integer exceeds INT64_MAX; else 0. */
int acceptable(ty_jfast *p, element e);

int object_ok(ty_jfast *p, simdjson::dom::object o) {
    size_t n = o.size();
    if (n <= 16) { /* pairwise: the common record */
        std::string_view k[16];
        size_t i = 0;
        for (auto f : o) {
            if (has_nul(f.key)) return 0;
            for (size_t j = 0; j < i; j++)
                if (k[j] == f.key) return 0;
            k[i++] = f.key;
            if (!acceptable(p, f.value)) return 0;
        }
        return 1;
    }
    size_t base = p->keys.size();
    for (auto f : o) {
        if (has_nul(f.key)) return 0;
        p->keys.push_back(f.key);
        if (!acceptable(p, f.value)) return 0;
    }
    auto b = p->keys.begin() + (std::ptrdiff_t)base;
    std::sort(b, p->keys.end());
    int ok = std::adjacent_find(b, p->keys.end()) == p->keys.end();
    p->keys.resize(base);
    return ok;
}

int acceptable(ty_jfast *p, element e) {
    switch (e.type()) {
    case element_type::OBJECT: return object_ok(p, simdjson::dom::object(e));
    case element_type::ARRAY:
        for (element x : simdjson::dom::array(e))
            if (!acceptable(p, x)) return 0;
        return 1;
    case element_type::STRING: return !has_nul(std::string_view(e));
    case element_type::UINT64: return 0;
    default: return 1;
    }
}

/* A scalar (or a typed array / object) into v. */
void scalar(element e, ty_jv *v) {
    switch (e.type()) {
    case element_type::NULL_VALUE: v->type = TY_JV_NULL; break;
    case element_type::BOOL: v->type = bool(e) ? TY_JV_TRUE : TY_JV_FALSE; break;
    case element_type::INT64: v->type = TY_JV_INT; v->i = int64_t(e); break;
    case element_type::DOUBLE: v->type = TY_JV_REAL; v->r = double(e); break;
    case element_type::STRING: {
        std::string_view s = e;
        v->type = TY_JV_STRING;
        v->s = s.data(); /* NUL-terminated in the parser's string buffer */
        v->n = s.size();
        break;
    }
    case element_type::ARRAY: v->type = TY_JV_ARRAY; break;
    default: v->type = TY_JV_OBJECT; break;
    }
}

int view(simdjson::dom::object o, ty_jdoc *d) {
    for (auto f : o) {
        if (!ty_jview_read(f.key.data())) continue; /* never read: not kept */
        ty_jmember *m = ty_jdoc_member(d);
        if (!m) return TENYO_ERR_NOMEM;
        m->key = f.key.data(); /* NUL-terminated too */
        scalar(f.value, &m->v);
        if (m->v.type != TY_JV_ARRAY) continue;
        m->v.first = d->nel;
        for (element x : simdjson::dom::array(f.value)) {
            ty_jv *v = ty_jdoc_element(d);
            if (!v) return TENYO_ERR_NOMEM;
            scalar(x, v);
            m->v.count++; /* mem does not move: only el grows here */
        }
    }
    return 1;
}

} // namespace

extern "C" ty_jfast *ty_jfast_new(void) { return new (std::nothrow) ty_jfast(); }

extern "C" void ty_jfast_free(ty_jfast *p) { delete p; }

extern "C" int ty_jfast_parse(ty_jfast *p, const char *s, size_t n, ty_jdoc *d) {
    ty_jdoc_clear(d);
    try {
        element root;
        if (p->parser.parse(s, n).get(root)) return 0;
        if (root.type() != element_type::OBJECT) return 0;
        p->keys.clear();
        if (!acceptable(p, root)) return 0;
        return view(simdjson::dom::object(root), d);
    } catch (const std::bad_alloc &) {
        return TENYO_ERR_NOMEM;
    } catch (...) { /* not expected (types are checked first): jansson's */
        ty_jdoc_clear(d);
        return 0;
    }
}
