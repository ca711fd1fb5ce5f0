/*
 * test_abstracts.c — the optional section "abstracts" (store/abstracts.c) and what
 * reads it: tenyo_doc_abstract, the why of ideas (tenyo_idea_why), updates
 * and rebuild carrying abstracts, a damaged section refused with its file
 * named while the rest of the index still answers. Corpus: data/sample.
 */
#include "test.h"
#include "api/api.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"

static int cursor_agrees(tenyo_index *x);

/* The sample's abstracts, by record number (the test's oracle). */
static char *want[256];
static int nwant;

static int load_want(void) {
    if (nwant) return nwant;
    tenyo_reader *r = NULL;
    char err[256];
    if (tenyo_reader_open(SAMPLE, NULL, &r, err, sizeof err)) return 0;
    const tenyo_doc *d;
    while (nwant < 256 && tenyo_reader_next(r, &d) == 1)
        want[nwant++] = strdup(d->abstract ? d->abstract : "");
    tenyo_reader_free(r);
    return nwant;
}


static int add_u(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }

static const char *build(const char *name, int n, int no_abstracts) {
    static char path[4][512];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    tenyo_index_drop_updates(p, NULL, 0);
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.threads = 1;
    o.no_abstracts = no_abstracts;
    return ty_test_build(SAMPLE, n, &o, p) == 0 ? p : NULL;
}

/* The index at p and a context on it (both NULL on failure). */
static int open_ix(const char *p, tenyo_index **x, tenyo_ctx **c) {
    char err[256];
    *c = NULL;
    if (tenyo_index_open(p, x, err, sizeof err)) return -1;
    if (tenyo_ctx_new(*x, c, err, sizeof err)) {
        tenyo_index_free(*x);
        *x = NULL;
        return -1;
    }
    return 0;
}

/* Every document's abstract equals the sample's record of its id. */
static int all_match(tenyo_index *x, tenyo_ctx *c) {
    int bad = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, d, &dm);
        int rec = atoi(dm.id + 7) - 1; /* SAMPLE-001 is record 0 */
        const char *t = NULL;
        size_t len = 0;
        if (tenyo_doc_abstract(c, d, &t, &len) != TENYO_OK || rec < 0 || rec >= nwant ||
            strcmp(t, want[rec]) != 0 || len != strlen(want[rec]))
            bad++;
    }
    return bad;
}

TY_TEST(abstracts_round_trip) {
    CHECK(load_want() == 200);
    const char *p = build("abs.tny", 200, 0);
    CHECK(p);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(open_ix(p, &x, &c), 0);
    CHECK_EQ_INT(all_match(x, c), 0);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK(in.abstract_bytes > 0);
    const char *t;
    CHECK_EQ_INT(tenyo_doc_abstract(c, 200, &t, NULL), TENYO_ERR_ARG);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    /* without: no section, "" for every document, no cost */
    p = build("abs_none.tny", 50, 1);
    CHECK(p);
    CHECK_EQ_INT(open_ix(p, &x, &c), 0);
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.abstract_bytes, 0);
    size_t len = 1;
    CHECK_EQ_INT(tenyo_doc_abstract(c, 3, &t, &len), TENYO_OK);
    CHECK(t && !*t && len == 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(abstracts_updates_and_rebuild) {
    CHECK(load_want() == 200);
    const char *p = build("abs_upd.tny", 150, 0);
    CHECK(p);
    tenyo_update *u = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    CHECK(ty_test_feed(SAMPLE, 150, 200, add_u, u) > 0);
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-003"), 1);
    CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
    tenyo_update_free(u);
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-170"), 1); /* in the segment */
    CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
    tenyo_update_free(u);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 198);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(all_match(x, c), 0); /* base and segment, past the deletions */
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    uint64_t before = in.abstract_bytes;
    CHECK(before > 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK_EQ_INT(tenyo_index_rebuild(p, NULL, NULL, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(open_ix(p, &x, &c), 0);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 198);
    CHECK_EQ_INT(all_match(x, c), 0); /* a rebuild keeps them */
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 0);
    CHECK(in.abstract_bytes > 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* 1 when t occurs in s (ASCII without case). */
static int holds(const char *s, const char *t) {
    size_t n = strlen(s), k = strlen(t);
    for (size_t i = 0; i + k <= n; i++)
        if (!strncasecmp(s + i, t, k)) return 1;
    return 0;
}

/* term is one of the terms the index's tokenizer finds in s (a text match
 * inside a longer word, 加工 in 追加工程, is not). */
typedef struct tokhit { const char *t; int hit; } tokhit;
static void tok_is(void *ud, const char *t, size_t n) {
    tokhit *h = ud;
    h->hit |= strlen(h->t) == n && !memcmp(h->t, t, n);
}
static int token_of(tenyo_ctx *c, const char *s, const char *term) {
    if ((unsigned char)term[0] < 0x80) return 1; /* ASCII: matched at word starts */
    tokhit h = {term, 0};
    return ty_ctx_tokenize(c, s, strlen(s), tok_is, &h) == 0 && h.hit;
}

TY_TEST(abstracts_why_of_ideas) {
    const char *p = build("abs_why.tny", 200, 0);
    CHECK(p);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(open_ix(p, &x, &c), 0);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_confidence = 0;
    int found = 0, checked = 0;
    for (uint64_t q = 0; q < 40; q++) {
        tenyo_idea id[10];
        int n = tenyo_ideas_doc(c, q, &o, 10, id);
        CHECK(n >= 0);
        for (int i = 0; i < n; i++) {
            tenyo_why w;
            int r = tenyo_idea_why(c, &id[i], &w);
            CHECK(r == 0 || r == 1);
            if (r != 1) continue;
            found++;
            /* the evidence sentence is from a shown evidence patent */
            int shown = 0;
            for (int e = 0; e < id[i].nevidence; e++) shown |= id[i].evidence[e].doc == w.doc;
            CHECKF(shown, "query %llu idea %s: why cites a patent not shown", (unsigned long long)q,
                   id[i].code);
            /* every term is a bridge term and is in both sentences */
            const char *bt[TENYO_WHY_TERMS];
            int nb = tenyo_idea_bridge(c, &id[i], TENYO_WHY_TERMS, bt);
            CHECK(w.nterms >= 1 && w.nterms <= nb);
            for (int k = 0; k < w.nterms; k++) {
                int isb = 0;
                for (int b = 0; b < nb; b++) isb |= !strcmp(bt[b], w.terms[k]);
                CHECK(isb);
                CHECKF(holds(w.query, w.terms[k]) && holds(w.evidence, w.terms[k]),
                       "term %s not in both sentences", w.terms[k]);
                CHECKF(token_of(c, w.query, w.terms[k]) && token_of(c, w.evidence, w.terms[k]),
                       "query %llu idea %s: term %s is text inside a longer word: %s / %s",
                       (unsigned long long)q, id[i].code, w.terms[k], w.query, w.evidence);
            }
            CHECK(strlen(w.query) <= 260 && strlen(w.evidence) <= 260);
            checked++;
        }
    }
    CHECK(found > 20 && checked == found);
    /* free text: the query's own sentence */
    const char *text = "運転者の顔画像から眠気を推定する。警報で居眠り運転を防ぐ。";
    tenyo_idea id[5];
    int n = tenyo_ideas_text(c, text, strlen(text), &o, 5, id);
    CHECK(n > 0);
    int any = 0;
    for (int i = 0; i < n; i++) {
        tenyo_why w;
        if (tenyo_idea_why(c, &id[i], &w) == 1) {
            any = 1;
            CHECK(strstr(text, w.query) != NULL);
        }
    }
    CHECK(any);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The why stage keeps the terms of the sentences it tokenized on the
 * context (the query's sentences come back for every card): a context
 * that answered 30 queries and every card's why before (its cache full,
 * slots taken over) gives each card the why a fresh context gives when
 * asked for that card alone. */
TY_TEST(abstracts_why_same_from_warm_context) {
    const char *p = build("abs_whyc.tny", 200, 0);
    CHECK(p);
    tenyo_index *x = NULL;
    tenyo_ctx *warm = NULL;
    CHECK_EQ_INT(open_ix(p, &x, &warm), 0);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_confidence = 0;
    int compared = 0, withwhy = 0, bad = 0;
    for (uint64_t q = 0; q < 30; q++) {
        tenyo_idea id[8];
        int n = tenyo_ideas_doc(warm, q, &o, 8, id);
        CHECK(n >= 0);
        tenyo_why w[8]; /* its strings live until warm's next why: compared at once */
        int r[8];
        for (int i = 0; i < n; i++) {
            r[i] = tenyo_idea_why(warm, &id[i], &w[i]);
            tenyo_ctx *fresh = NULL;
            char err[256];
            CHECK(tenyo_ctx_new(x, &fresh, err, sizeof err) == 0);
            tenyo_idea fid[8];
            int fn = tenyo_ideas_doc(fresh, q, &o, 8, fid);
            CHECK(fn == n && !strcmp(fid[i].code, id[i].code));
            tenyo_why fw;
            int fr = tenyo_idea_why(fresh, &fid[i], &fw);
            int same = fr == r[i];
            if (same && fr == 1) {
                same = fw.nterms == w[i].nterms && fw.doc == w[i].doc &&
                       !strcmp(fw.query, w[i].query) && !strcmp(fw.evidence, w[i].evidence);
                for (int k = 0; same && k < fw.nterms; k++) same = !strcmp(fw.terms[k], w[i].terms[k]);
                withwhy++;
            }
            if (!same && bad++ < 3)
                fprintf(stderr, "  query %llu card %s: warm %d, fresh %d\n", (unsigned long long)q,
                        id[i].code, r[i], fr);
            compared++;
            tenyo_ctx_free(fresh);
        }
    }
    tenyo_ctx_free(warm);
    tenyo_index_free(x);
    CHECK(compared > 100 && withwhy > 20);
    CHECK_EQ_INT(bad, 0);
}

TY_TEST(abstracts_damaged_section) {
    const char *p = build("abs_bad.tny", 200, 0);
    CHECK(p);
    tenyo_index *x = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    /* the section's frame: flip a byte in its middle */
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    uint64_t at = 0, stored = 0, raw = 0;
    at = 32 + 48 * (uint64_t)in.nsections + 8; /* sections follow the header */
    for (int i = 0; i < in.nsections; i++) {
        if (!strcmp(in.sections[i].name, "abstracts")) {
            stored = in.sections[i].stored;
            raw = in.sections[i].raw;
            break;
        }
        at += in.sections[i].stored;
    }
    tenyo_index_free(x);
    CHECK(stored > 100);
    int fd = open(p, O_RDWR);
    CHECK(fd >= 0);
    unsigned char b;
    CHECK(pread(fd, &b, 1, (off_t)(at + stored / 2)) == 1);
    b ^= 0x5a;
    CHECK(pwrite(fd, &b, 1, (off_t)(at + stored / 2)) == 1);
    close(fd);
    /* the index opens and answers; the damaged block's abstracts are
     * refused, file and section named, and only they: the section is a
     * frame of stored blocks, each block read in place by its lookup
     * (an index written so stores more than it holds raw) */
    CHECK(stored > raw);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[5];
    CHECK_EQ_INT(tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 5, h), 5);
    const char *t;
    int bad = -1, good = 0;
    for (int d = 0; d < 200; d++) {
        int rc = tenyo_doc_abstract(c, (uint64_t)d, &t, NULL);
        if (rc == TENYO_OK) {
            good++;
            continue;
        }
        CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
        CHECK(strstr(tenyo_ctx_error(c), "abs_bad.tny") && strstr(tenyo_ctx_error(c), "abstracts"));
        if (bad < 0) bad = d;
    }
    CHECK(bad >= 0);
    CHECK(good >= 150); /* one block of 32 documents refused, not the section */
    CHECK(good < 200);
    CHECK_EQ_INT(cursor_agrees(x), 0); /* the same refusals through a cursor */
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    tenyo_idea id[3];
    int n = tenyo_ideas_doc(c, (uint64_t)(bad < 0 ? 0 : bad), &o, 3, id);
    CHECK(n >= 0);
    if (n > 0) {
        tenyo_why w;
        CHECK_EQ_INT(tenyo_idea_why(c, &id[0], &w), TENYO_ERR_CORRUPT);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* Every document's abstract read through one cursor (ty_abs_read), in
 * order, backwards and jumping between blocks, equals the uncached
 * lookup's (ty_abs_get), on one file and on a base with a segment and a
 * deletion (a handle over parts: the cursor follows the part); on a
 * damaged section (abstracts_damaged_section) the same documents are
 * refused and the others read. */
static int cursor_agrees(tenyo_index *x) {
    ty_abs *a = x->m.abs;
    uint64_t n = tenyo_index_ndocs(x);
    ty_abs_cur cur = {0};
    ty_buf g = {0}, r = {0};
    char err[256];
    int bad = 0;
    for (int pass = 0; pass < 3 && !bad; pass++)
        for (uint64_t k = 0; k < n && !bad; k++) {
            uint64_t d = pass == 0 ? k : pass == 1 ? n - 1 - k : (k * 37) % n;
            int rg = ty_abs_get(a, d, &g, err, sizeof err);
            int rr = ty_abs_read(a, &cur, d, &r, err, sizeof err);
            bad = rg != rr || (!rg && (g.len != r.len || memcmp(g.p, r.p, g.len + 1)));
        }
    ty_abs_cur_free(&cur);
    ty_buf_free(&g);
    ty_buf_free(&r);
    return bad;
}

TY_TEST(abstracts_cursor_reads_each_block_once) {
    CHECK(load_want() == 200);
    const char *p = build("abs_cur.tny", 150, 0);
    CHECK(p);
    char err[256];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK(x->m.abs != NULL);
    CHECK_EQ_INT(cursor_agrees(x), 0);
    /* the cursor keeps the block: a second document of the same block is
     * read from it, a document of the next block replaces it */
    ty_abs_cur cur = {0};
    ty_buf b = {0};
    CHECK_EQ_INT(ty_abs_read(x->m.abs, &cur, 1, &b, err, sizeof err), TENYO_OK);
    CHECK(cur.raw != NULL && cur.block == 0);
    const char *held = cur.raw;
    CHECK_EQ_INT(ty_abs_read(x->m.abs, &cur, 2, &b, err, sizeof err), TENYO_OK);
    CHECK(cur.raw == held); /* the same block: not decompressed again */
    CHECK_EQ_INT(ty_abs_read(x->m.abs, &cur, 40, &b, err, sizeof err), TENYO_OK);
    CHECK(cur.block == 1);
    ty_abs_cur_free(&cur);
    CHECK(cur.raw == NULL);
    ty_buf_free(&b);
    tenyo_index_free(x);
    /* a base with a segment and a deletion */
    tenyo_update *u = NULL;
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    CHECK(ty_test_feed(SAMPLE, 150, 200, add_u, u) > 0);
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-040"), 1);
    CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
    tenyo_update_free(u);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 199);
    CHECK_EQ_INT(cursor_agrees(x), 0);
    tenyo_index_free(x);
}
