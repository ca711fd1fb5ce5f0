/*
 * jview.h — one JSON Lines record as the JSONL reader reads it: the members
 * of its top-level object (key, value), each array's elements flat in one
 * pool, strings borrowed from the parser that made the view (valid until
 * its next line), of the members jsonl.c reads (ty_jview_read) only. Two
 * parsers fill it: simdjson.cc (every line it can take
 * exactly as jansson would) and jsonl.c (jansson: the lines simdjson
 * declines, with jansson's own messages for the broken ones), so the
 * fields are read from the record by one code (jsonl.c's fill) whichever
 * parsed it. The pool helpers are jview.c's.
 */
#ifndef TENYO_IO_JVIEW_H
#define TENYO_IO_JVIEW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { TY_JV_NULL, TY_JV_FALSE, TY_JV_TRUE, TY_JV_INT, TY_JV_REAL, TY_JV_STRING,
       TY_JV_ARRAY, TY_JV_OBJECT };

/* One value. Strings are NUL-terminated and hold no NUL (a line with one is
 * left to jansson, which refuses it); arrays and objects inside an array
 * are typed only (their contents are never a record's field). */
typedef struct ty_jv {
    int type;                 /* TY_JV_* */
    const char *s;            /* TY_JV_STRING: its bytes, n of them */
    size_t n;
    long long i;              /* TY_JV_INT */
    double r;                 /* TY_JV_REAL */
    size_t first, count;      /* TY_JV_ARRAY at the top level: its
                                 elements el[first .. first + count) */
} ty_jv;

typedef struct ty_jmember {
    const char *key;          /* NUL-terminated */
    ty_jv v;
} ty_jmember;

/* A record's view; its arrays grow and are kept from line to line. */
typedef struct ty_jdoc {
    ty_jmember *mem;          /* the top-level members, in order */
    size_t nmem, capmem;
    ty_jv *el;                /* the top-level arrays' elements */
    size_t nel, capel;
} ty_jdoc;

/* 1 when jsonl.c's fill reads the member key, else 0. The parsers keep
 * only these members in the view: the others' values, arrays of millions
 * of elements included, cost nothing past the parse (a 16 MiB line of one
 * unknown array took 706 MB as elements never read). */
int ty_jview_read(const char *key);
/* The members fill reads (jview.c): the id's keys and the date's, in order
 * of preference; the codes', in the order they are added; the others. The
 * view keeps these and no others. */
extern const char *const ty_jkeys_id[4], *const ty_jkeys_date[4], *const ty_jkeys_code[3],
    *const ty_jkeys_other[11];

/* Empty the view (its room kept). */
void ty_jdoc_clear(ty_jdoc *d);
void ty_jdoc_free(ty_jdoc *d);
/* Room for one more member / element: a pointer to it (zeroed, counted),
 * or NULL when out of memory. */
ty_jmember *ty_jdoc_member(ty_jdoc *d);
ty_jv *ty_jdoc_element(ty_jdoc *d);
/* The value of key (the first member of that name), or NULL. */
const ty_jv *ty_jdoc_get(const ty_jdoc *d, const char *key);

/* The simdjson parser (simdjson.cc): one per reader. */
typedef struct ty_jfast ty_jfast;
/* NULL when out of memory (the reader then uses jansson alone). */
ty_jfast *ty_jfast_new(void);
void ty_jfast_free(ty_jfast *p);
/* Parse the line s[0..n) (valid UTF-8) into d: 1 when taken, 0 when left
 * to jansson (broken JSON, a root that is not an object, a key given twice
 * in any object, a NUL in a string or key, an integer above INT64_MAX:
 * each a line jansson refuses or reads otherwise), or TENYO_ERR_NOMEM. */
int ty_jfast_parse(ty_jfast *p, const char *s, size_t n, ty_jdoc *d);

#ifdef __cplusplus
}
#endif
#endif
