/*
 * test_api.c — the public API end to end: build from the bundled sample,
 * load, search; round trip, determinism across runs and thread counts, the
 * split rule, exact-search properties, and the real corpora when present.
 */
#include "api/api.h"
#include "test.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Build an index of the given files with threads/dim into path. */
static int build(const char *const *files, int nfiles, const char *path,
                 int threads, int dim, tenyo_build_stats *st) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    bo.dim = dim;
    tenyo_builder *b = NULL;
    char err[512];
    int rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (rc) {
        fprintf(stderr, "builder: %s\n", err);
        return rc;
    }
    for (int i = 0; i < nfiles && !rc; i++) {
        tenyo_reader *r = NULL;
        rc = tenyo_reader_open(files[i], NULL, &r, err, sizeof err);
        if (rc) {
            fprintf(stderr, "reader: %s\n", err);
            break;
        }
        const tenyo_doc *d;
        while ((rc = tenyo_reader_next(r, &d)) == 1)
            if ((rc = tenyo_builder_add(b, d)) != 0) break;
        if (rc < 0) fprintf(stderr, "read: %s\n", tenyo_reader_error(r));
        if (rc > 0) rc = 0;
        tenyo_reader_free(r);
    }
    if (!rc) rc = tenyo_builder_write(b, path, st);
    if (rc) fprintf(stderr, "build: %s\n", tenyo_builder_error(b));
    tenyo_builder_free(b);
    return rc;
}

static char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(sz > 0 ? (size_t)sz : 1);
    *n = fread(p, 1, (size_t)sz, f);
    fclose(f);
    return p;
}

static const char *tmp(const char *name) {
    static char buf[4][512];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    return p;
}

TY_TEST(api_split_rule) {
    /* md5("dev" + id) mod 4 == 0, checked against Python's hashlib */
    CHECK_EQ_INT(tenyo_split_is_test("特開2024-117307", "dev", 4), 1);
    CHECK_EQ_INT(tenyo_split_is_test("US06839063-20050104", "dev", 4), 1);
    CHECK_EQ_INT(tenyo_split_is_test("特開2024-127407", "dev", 4), 0);
    CHECK_EQ_INT(tenyo_split_is_test("x", "dev", 0), 0);
    int n = 0;
    for (int i = 0; i < 4000; i++) {
        char id[32];
        snprintf(id, sizeof id, "ID-%d", i);
        n += tenyo_split_is_test(id, "dev", 4);
    }
    CHECKF(n > 850 && n < 1150, "split share %d/4000", n);
}

TY_TEST(api_topk_order) {
    tenyo_hit st[3];
    ty_topk t;
    ty_topk_init(&t, st, 3);
    float s[] = {0.1f, 0.9f, 0.5f, 0.9f, 0.2f, 0.7f};
    for (int i = 0; i < 6; i++) ty_topk_push(&t, (uint64_t)i, s[i]);
    CHECK_EQ_INT(ty_topk_finish(&t), 3);
    CHECK_EQ_INT(st[0].doc, 1); /* ties: smaller doc first */
    CHECK_EQ_INT(st[1].doc, 3);
    CHECK_EQ_INT(st[2].doc, 5);
}

TY_TEST(api_sample_roundtrip) {
    const char *files[] = {SAMPLE};
    const char *p = tmp("sample.tny");
    tenyo_build_stats st;
    CHECK_EQ_INT(build(files, 1, p, 2, 0, &st), TENYO_OK);
    CHECKF(st.docs >= 150 && st.docs <= 250, "docs %llu", (unsigned long long)st.docs);
    CHECK(st.terms > 200);
    CHECK(st.dim > 8 && st.dim <= 256);
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.ndocs, st.docs);
    CHECK_EQ_INT(in.nterms, st.terms);
    CHECK_EQ_INT(in.dim, st.dim);
    CHECK(in.nfields > 20);
    int64_t q = tenyo_index_find(x, "SAMPLE-001");
    CHECK(q >= 0);
    CHECK_EQ_INT(tenyo_index_find(x, "NOPE"), -1);
    tenyo_doc_meta dm;
    CHECK_EQ_INT(tenyo_index_doc(x, (uint64_t)q, &dm), TENYO_OK);
    CHECK_STR(dm.id, "SAMPLE-001");
    CHECK(strstr(dm.fields, "B60W") != NULL);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[10], h2[10];
    for (int mode = 0; mode < 3; mode++) {
        int n = tenyo_similar_doc(c, (uint64_t)q, (tenyo_mode)mode, 10, h);
        CHECK_EQ_INT(n, 10);
        for (int i = 0; i < n; i++) {
            CHECK(h[i].doc != (uint64_t)q);          /* query excluded */
            if (i) CHECK(h[i].score <= h[i - 1].score); /* sorted */
            CHECK(h[i].score <= 1.0001f);
        }
    }
    /* the exact scan is the brute-force oracle: compare against a direct
     * computation of TF-IDF cosines through the public text path */
    int n = tenyo_similar_doc(c, (uint64_t)q, TENYO_MODE_TFIDF, 10, h);
    CHECK(n > 0);
    /* a document's own title + abstract as text finds the document first */
    tenyo_doc_meta m1;
    tenyo_index_doc(x, h[0].doc, &m1);
    n = tenyo_similar_text(c, m1.title, strlen(m1.title), TENYO_MODE_TFIDF, 10, h2);
    CHECK(n > 0);
    int found = 0;
    for (int i = 0; i < n; i++) found |= h2[i].doc == h[0].doc;
    CHECKF(found, "title query of %s does not find it", m1.id);
    /* driver drowsiness text finds driver-monitoring patents */
    const char *txt = "カメラで撮影した運転者の顔画像から眠気を推定し、車両を制御する";
    n = tenyo_similar_text(c, txt, strlen(txt), TENYO_MODE_HYBRID, 5, h2);
    CHECK(n == 5);
    int drv = 0;
    for (int i = 0; i < n; i++) {
        tenyo_index_doc(x, h2[i].doc, &dm);
        drv += strstr(dm.fields, "B60W") || strstr(dm.fields, "A61B");
    }
    CHECKF(drv >= 3, "only %d of 5 drowsiness neighbours in B60W/A61B", drv);
    /* query without known terms */
    n = tenyo_similar_text(c, "zzzqqq", 6, TENYO_MODE_HYBRID, 5, h2);
    CHECK_EQ_INT(n, TENYO_ERR_EMPTY);
    /* invalid UTF-8 */
    n = tenyo_similar_text(c, "\xff\xfe", 2, TENYO_MODE_HYBRID, 5, h2);
    CHECK_EQ_INT(n, TENYO_ERR_INPUT);
    CHECK_EQ_INT(tenyo_similar_doc(c, in.ndocs, TENYO_MODE_LSA, 5, h2), TENYO_ERR_NOTFOUND);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(api_determinism_threads) {
    const char *files[] = {SAMPLE};
    const char *a = tmp("det1.tny"), *b = tmp("det2.tny"), *c = tmp("det3.tny");
    CHECK_EQ_INT(build(files, 1, a, 1, 32, NULL), TENYO_OK);
    CHECK_EQ_INT(build(files, 1, b, 1, 32, NULL), TENYO_OK);
    CHECK_EQ_INT(build(files, 1, c, 2, 32, NULL), TENYO_OK);
    size_t na, nb, nc;
    char *pa = read_all(a, &na), *pb = read_all(b, &nb), *pc = read_all(c, &nc);
    CHECK(pa && pb && pc);
    CHECK_EQ_INT(na, nb);
    CHECK(memcmp(pa, pb, na) == 0);
    CHECK_EQ_INT(na, nc);
    CHECKF(memcmp(pa, pc, na) == 0, "1 thread and 2 threads give different bytes");
    free(pa);
    free(pb);
    free(pc);
}

TY_TEST(api_open_errors) {
    tenyo_index *x = NULL;
    char err[512] = "";
    CHECK_EQ_INT(tenyo_index_open(tmp("absent.tny"), &x, err, sizeof err), TENYO_ERR_IO);
    CHECK(strstr(err, "absent.tny") != NULL);
    FILE *f = fopen(tmp("junk.tny"), "wb");
    fputs("this is not an index at all, just text that is long enough", f);
    fclose(f);
    CHECK_EQ_INT(tenyo_index_open(tmp("junk.tny"), &x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK(x == NULL);
}

TY_TEST(api_builder_rejects) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.dim = -3;
    tenyo_builder *b = NULL;
    char err[512] = "";
    CHECK_EQ_INT(tenyo_builder_new(&bo, &b, err, sizeof err), TENYO_ERR_ARG);
    tenyo_build_opts_default(&bo);
    CHECK_EQ_INT(tenyo_builder_new(&bo, &b, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_builder_write(b, tmp("empty.tny"), NULL), TENYO_ERR_EMPTY);
    /* repeated ids replace and are counted */
    const char *codes[] = {"G06F16/00"};
    tenyo_doc d = {.id = "D1", .title = "画像処理装置", .abstract = "画像を処理する装置",
                   .claims = "", .description = "", .applicant = "", .date = "",
                   .codes = codes, .ncodes = 1, .lang = ""};
    CHECK_EQ_INT(tenyo_builder_add(b, &d), TENYO_OK);
    d.title = "画像認識装置";
    CHECK_EQ_INT(tenyo_builder_add(b, &d), TENYO_OK);
    d.id = "D2";
    CHECK_EQ_INT(tenyo_builder_add(b, &d), TENYO_OK);
    d.id = "";
    CHECK_EQ_INT(tenyo_builder_add(b, &d), TENYO_ERR_INPUT);
    tenyo_build_stats st;
    CHECK_EQ_INT(tenyo_builder_write(b, tmp("two.tny"), &st), TENYO_OK);
    CHECK_EQ_INT(st.docs, 2);
    CHECK_EQ_INT(st.duplicates, 1);
    tenyo_builder_free(b);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(tmp("two.tny"), &x, err, sizeof err), TENYO_OK);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, 0, &dm);
    CHECK_STR(dm.title, "画像認識装置"); /* replaced in place */
    CHECK_STR(dm.fields, "G06F");
    tenyo_index_free(x);
}

/* A builder of 2 dimensions, every term kept, one thread: the small
 * indexes these tests make. */
static int small_builder(tenyo_builder **b, char *err, size_t errlen) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.dim = 2;
    bo.min_df = 1;
    bo.threads = 1;
    return tenyo_builder_new(&bo, b, err, errlen);
}

/* 32,000 records of one id, each adding a code and a number: merged in
 * linear time (rebuilding the document each time took 25 s), every code
 * and number kept in order, the applicant's fuller value, a text that grows
 * midway (the document tokenized again) and records that bring nothing. */
TY_TEST(api_builder_merges_many_of_one_id) {
    tenyo_builder *b = NULL;
    char err[512] = "";
    CHECK_EQ_INT(small_builder(&b, err, sizeof err), TENYO_OK);
    enum { K = 32000 };
    ty_buf want = {0};
    char code[32], num[40], code2[32];
    const char *codes[2] = {code, code2};
    double t0 = ty_now();
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < K; i++) {
            snprintf(code, sizeof code, "B25J%d/%02d", 1 + i / 100, i % 100);
            int j = i ? i - 1 : 0; /* a code the document has */
            snprintf(code2, sizeof code2, "B25J%d/%02d", 1 + j / 100, j % 100);
            snprintf(num, sizeof num, "特願2020-%06d", i);
            if (!pass && i && (want.len && ty_buf_putc(&want, ';'))) break;
            if (!pass && ty_buf_append(&want, code, strlen(code))) break;
            tenyo_doc d = {.id = "MANY-1",
                           .title = pass && i == K / 2 ? "robot gripper finger assembly"
                                                       : "robot gripper finger",
                           .abstract = "a robot gripper with soft fingers",
                           .applicant = !pass && i == 20000  ? "ACME"
                                        : !pass && i == 30000 ? "ACME Robotics"
                                                              : "",
                           .codes = codes, .ncodes = i ? 2 : 1, .numbers = num};
            if (tenyo_builder_add(b, &d) != TENYO_OK) break;
            tenyo_doc other = {.id = i % 1000 ? "OTHER-1" : "OTHER-2", .title = "camera image sensor",
                               .codes = codes, .ncodes = 1};
            if (i % 500 == 0 && tenyo_builder_add(b, &other) != TENYO_OK) break;
        }
    tenyo_build_stats st;
    CHECK_EQ_INT(tenyo_builder_write(b, tmp("many.tny"), &st), TENYO_OK);
    double secs = ty_now() - t0;
    tenyo_builder_free(b);
    CHECKF(secs < 10, "%d records of one id took %.1f s", 2 * K, secs);
    CHECK_EQ_INT(st.docs, 3);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(tmp("many.tny"), &x, err, sizeof err), TENYO_OK);
    tenyo_doc_meta dm;
    int64_t d0 = tenyo_index_find(x, "MANY-1");
    CHECK(d0 >= 0);
    CHECK_EQ_INT(tenyo_index_doc(x, (uint64_t)d0, &dm), TENYO_OK);
    CHECKF(want.p && !strcmp(dm.codes, want.p), "codes %zu bytes: %.80s ... %s, want %zu: %.80s", strlen(dm.codes), dm.codes, dm.codes + (strlen(dm.codes) > 60 ? strlen(dm.codes) - 60 : 0), want.len, want.p);
    CHECK_STR(dm.applicant, "ACME Robotics");
    CHECK_STR(dm.title, "robot gripper finger assembly");
    const char *typed[] = {"特願2020-000000", "特願2020-012345", "特願2020-031999"};
    for (size_t i = 0; i < 3; i++) {
        int64_t d = -1;
        CHECK_EQ_INT(tenyo_index_resolve(x, typed[i], &d, NULL, 0, NULL), TENYO_ID_NORMALISED);
        CHECKF(d == d0, "%s -> %lld", typed[i], (long long)d);
    }
    tenyo_index_free(x);
    ty_buf_free(&want);
}

/* n records DOC-0 .. DOC-(n-1), robots and cameras by turns (with
 * numbers: each also filed as 特願2021-000100 + i) written to path by
 * small_builder: 0 or the first failure's status. */
static int small_index(const char *path, int n, int numbers) {
    char err[512];
    tenyo_builder *b = NULL;
    int rc = small_builder(&b, err, sizeof err);
    for (int i = 0; i < n && !rc; i++) {
        char id[32], num[40];
        snprintf(id, sizeof id, "DOC-%d", i);
        snprintf(num, sizeof num, "特願2021-%06d", 100 + i);
        const char *code = i % 2 ? "B25J" : "G06F";
        tenyo_doc d = {.id = id, .title = i % 2 ? "robot gripper finger" : "camera image sensor",
                       .abstract = "a device with parts", .codes = &code, .ncodes = 1,
                       .numbers = numbers ? num : NULL};
        rc = tenyo_builder_add(b, &d);
    }
    tenyo_build_stats st;
    if (!rc) rc = tenyo_builder_write(b, path, &st);
    tenyo_builder_free(b);
    return rc;
}

/* small_index written as NAME in the test folder (its path into p) and
 * opened plainly into *x. */
static int small_opened(const char *name, int n, int numbers, char p[512], tenyo_index **x) {
    char err[512];
    snprintf(p, 512, "%s", tmp(name));
    int rc = small_index(p, n, numbers);
    return rc ? rc : tenyo_index_open(p, x, err, sizeof err);
}

/* A caller naming the documents it reads (TENYO_PREFETCH_DOCS) builds no
 * id table at open: its first two lookups read the frames of ids in order
 * (each the document the table gives, an id of no document -1, an id
 * holding a NUL never found), the third builds the table; typed numbers
 * resolve alike. */
TY_TEST(api_docs_found_in_frames_of_ids) {
    char err[512] = "";
    const char *p = tmp("docs_frames.tny");
    setenv("TENYO_IDS_MAP", "0", 1); /* no lookup table: the frames read in order */
    CHECK_EQ_INT(small_index(p, 600, 0), TENYO_OK); /* three frames of 256 ids */
    unsetenv("TENYO_IDS_MAP");
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    const char *ask[] = {"DOC-599", "DOC-0", "DOC-1234", "DOC-300", "DOC-3"};
    for (int round = 0; round < 2; round++) {
        CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS |
                                                 TENYO_PREFETCH_DOCS,
                                          &y, err, sizeof err),
                     TENYO_OK);
        CHECK(!ty_strmap_built(y->ids));
        for (int i = 0; i < 5; i++) {
            const char *id = ask[(i + round) % 5];
            CHECKF(tenyo_index_find(y, id) == tenyo_index_find(x, id), "%s", id);
            CHECK(ty_strmap_built(y->ids) == (i >= 2)); /* the third builds the table */
        }
        tenyo_index_free(y);
        y = NULL;
    }
    CHECK(tenyo_index_find(x, "DOC-599") == 599 && tenyo_index_find(x, "DOC-1234") == -1);
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_DOCS, &y, err, sizeof err), TENYO_OK);
    int64_t d = 5, twice = 5;
    CHECK_EQ_INT(ty_meta_find_id(&y->m, "DOC-1\0x", 7, &d, &twice), TENYO_OK);
    CHECK(d == -1 && twice == -1);
    CHECK_EQ_INT(ty_meta_find_id(&y->m, "DOC-10", 5, &d, &twice), TENYO_OK); /* "DOC-1" */
    CHECK(d == 1 && twice == -1);
    CHECK_EQ_INT(tenyo_index_damage(y, err, sizeof err), TENYO_OK);
    tenyo_index_free(y);
    tenyo_index_free(x);
}

/* The field lists by what the caller names: similar by id (the documents,
 * not the fields) reads neither them nor the field model, and answers as
 * a plain open; ideas and match (TENYO_PREFETCH_FIELDS) have them and
 * the term facts read by the prefetch thread, the same lists as a plain
 * open's. Damaged: both opens go on, the similar query answers, the first
 * need of the lists refuses them naming the section, the plain open
 * refuses the file. */
TY_TEST(api_fields_read_by_what_the_caller_names) {
    char err[512] = "", p[512];
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(small_opened("fields_named.tny", 300, 0, p, &x), TENYO_OK);
    CHECK(x->m.field_ptr != NULL && x->m.nfields == 2);
    const unsigned sim = TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS | TENYO_PREFETCH_DOCS;
    tenyo_hit hx[5], hy[5];
    tenyo_ctx *cx = NULL, *cy = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &cx, err, sizeof err), TENYO_OK);
    int nx = tenyo_similar_doc(cx, 7, TENYO_MODE_HYBRID, 5, hx);
    CHECK(nx > 0);
    for (int named = 0; named < 2; named++) {
        CHECK_EQ_INT(tenyo_index_open_for(p, sim | (named ? TENYO_PREFETCH_FIELDS : 0), &y, err,
                                          sizeof err),
                     TENYO_OK);
        CHECK(y->m.fields_deferred);
        CHECK_EQ_INT(tenyo_ctx_new(y, &cy, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_similar_doc(cy, 7, TENYO_MODE_HYBRID, 5, hy), nx);
        for (int i = 0; i < nx; i++)
            CHECKF(hx[i].doc == hy[i].doc && hx[i].score == hy[i].score, "hit %d: %llu %g / %llu %g",
                   i, (unsigned long long)hx[i].doc, hx[i].score, (unsigned long long)hy[i].doc,
                   hy[i].score);
        if (!named) CHECK(y->m.field_ptr == NULL && !ty_once_done(&y->fm_once)); /* never read */
        /* the term facts: read on the prefetch thread when the fields are
         * named, by their first need otherwise; the same table either way */
        CHECK((ty_index_termfacts(y) != NULL) == (ty_index_termfacts(x) != NULL));
        CHECK_EQ_INT(ty_model_need_docfields(&y->m, err, sizeof err), TENYO_OK);
        CHECK(!memcmp(x->m.field_ptr, y->m.field_ptr, (x->m.ndocs + 1) * sizeof *x->m.field_ptr));
        CHECK(!memcmp(x->m.field_ids, y->m.field_ids,
                      x->m.field_ptr[x->m.ndocs] * sizeof *x->m.field_ids));
        tenyo_ctx_free(cy);
        tenyo_index_free(y);
        y = NULL;
    }
    const char *bad = tmp("fields_named_bad.tny");
    CHECK_EQ_INT(ty_test_damage(p, bad, "docfields", NULL), 0);
    CHECK(tenyo_index_open(bad, &y, err, sizeof err) != TENYO_OK && strstr(err, "docfields"));
    for (int named = 0; named < 2; named++) {
        CHECK_EQ_INT(tenyo_index_open_for(bad, sim | (named ? TENYO_PREFETCH_FIELDS : 0), &y, err,
                                          sizeof err),
                     TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_new(y, &cy, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_similar_doc(cy, 7, TENYO_MODE_HYBRID, 5, hy), nx);
        err[0] = 0;
        CHECK_EQ_INT(ty_model_need_docfields(&y->m, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, "docfields") != NULL, "%s", err);
        CHECK(y->m.field_ptr == NULL);
        tenyo_ctx_free(cy);
        tenyo_index_free(y);
        y = NULL;
    }
    tenyo_ctx_free(cx);
    tenyo_index_free(x);
}

/* A query whose folded vector is the one the last full scan was made for
 * (match asks for its nearest patents, then ideas on the same text) reads
 * that scan's LSA scores instead of scanning again, with the int8 scan and
 * the exact one alike: the same hits, to the bit, as a fresh context's,
 * under another filter; another text scans anew. */
TY_TEST(api_lsa_scan_reused_for_the_same_vector) {
    char err[512] = "", p[512];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(small_opened("scan_again.tny", 400, 0, p, &x), TENYO_OK);
    const char *t1 = "robot gripper camera", *t2 = "image sensor finger";
    for (int kind = 0; kind < 2; kind++) {
        tenyo_ctx *a = NULL, *b = NULL;
        CHECK_EQ_INT(tenyo_ctx_new(x, &a, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_new(x, &b, err, sizeof err), TENYO_OK);
        a->scan = b->scan = kind ? TY_SCAN_INT8 : TY_SCAN_FP32;
        tenyo_filter *f = NULL;
        CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_keywords(f, a, "robot"), TENYO_OK);
        tenyo_hit ha[8], hb[8];
        CHECK(tenyo_similar_text(a, t1, strlen(t1), TENYO_MODE_HYBRID, 8, ha) > 0);
        CHECK_EQ_INT(a->s2_reused, 0);
        for (int round = 0; round < 2; round++) { /* the same text, then another */
            const char *t = round ? t2 : t1;
            CHECK_EQ_INT(tenyo_ctx_set_filter(a, f), TENYO_OK);
            CHECK_EQ_INT(tenyo_ctx_set_filter(b, f), TENYO_OK);
            int na = tenyo_similar_text(a, t, strlen(t), TENYO_MODE_HYBRID, 8, ha);
            int nb = tenyo_similar_text(b, t, strlen(t), TENYO_MODE_HYBRID, 8, hb);
            CHECK(na > 0 && na == nb);
            CHECK_EQ_INT(a->s2_reused, 1); /* the first round's, not the second's */
            for (int i = 0; i < na && i < nb; i++)
                CHECKF(ha[i].doc == hb[i].doc && !memcmp(&ha[i].score, &hb[i].score, sizeof(float)),
                       "scan %d round %d hit %d: %llu %g / %llu %g", kind, round, i,
                       (unsigned long long)ha[i].doc, ha[i].score, (unsigned long long)hb[i].doc,
                       hb[i].score);
            b->s2_kind = 0; /* b scans each time */
            CHECK_EQ_INT(tenyo_ctx_set_filter(a, NULL), TENYO_OK);
            CHECK_EQ_INT(tenyo_ctx_set_filter(b, NULL), TENYO_OK);
        }
        CHECK_EQ_INT(b->s2_reused, 0);
        tenyo_filter_free(f);
        tenyo_ctx_free(a);
        tenyo_ctx_free(b);
    }
    tenyo_index_free(x);
}

/* The ids' lookup table (section "ids.map", store/idmap.c): a caller that
 * names the documents it reads finds every id through it, the same
 * document as a plain open's table, an id of no document or holding a NUL
 * never, and never builds a table of its own (a damaged frame of ids a
 * lookup compares with: tests/hostile.sh, hostile_docmeta_ids_*). */
TY_TEST(api_ids_found_through_the_map) {
    char err[512] = "", p[512];
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(small_opened("ids_map.tny", 600, 1, p, &x), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_DOCS, &y, err,
                                      sizeof err),
                 TENYO_OK);
    CHECK(y->m.idmap != NULL);
    for (int i = 0; i < 600; i++) {
        char id[32];
        snprintf(id, sizeof id, "DOC-%d", i);
        CHECK_EQ_INT(tenyo_index_find(y, id), i);
    }
    const char *none[] = {"DOC-600", "DOC-", "", "DOC-1 ", "doc-1"};
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(tenyo_index_find(y, none[i]), -1);
    CHECK(!ty_strmap_built(y->ids)); /* no table of its own */
    int64_t d = 5;
    CHECK_EQ_INT(ty_idmap_find(&y->m, "DOC-1\0x", 7, &d, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(d, -1);
    CHECK_EQ_INT(ty_idmap_find(&y->m, "DOC-10", 5, &d, err, sizeof err), TENYO_OK); /* "DOC-1" */
    CHECK_EQ_INT(d, 1);
    int64_t dy = -2, dx = -3;
    CHECK_EQ_INT(tenyo_index_resolve(y, "特願2021-000150", &dy, NULL, 0, NULL),
                 tenyo_index_resolve(x, "特願2021-000150", &dx, NULL, 0, NULL));
    CHECK(dy == dx && dy == 50);
    CHECK_EQ_INT(tenyo_index_damage(y, err, sizeof err), TENYO_OK);
    tenyo_index_free(y);
    tenyo_index_free(x);
}

/* The documents' other numbers (section "numbers") of an index opened by a
 * caller that looks no document up by id (tenyo_index_open_for, keywords)
 * are only located: the first tenyo_index_resolve reads them and resolves
 * as an eager open does. Damaged: such an open and its keyword query go
 * on; resolve, tenyo_index_load_all and the plain open refuse it, the last
 * two naming file and section. */
TY_TEST(api_lazy_numbers_read_on_resolve) {
    char err[512] = "", err2[512] = "";
    const char *p = tmp("numbers_lazy.tny");
    CHECK_EQ_INT(small_index(p, 40, 1), TENYO_OK);
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK(x->m.numbers_blob != NULL && x->m.numbers_sec == NULL);
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err), TENYO_OK);
    CHECK(y->m.numbers_blob == NULL && y->m.numbers_sec != NULL); /* located, not read */
    int64_t dx = -1, dy = -1;
    CHECK_EQ_INT(tenyo_index_resolve(x, "特願2021-000117", &dx, NULL, 0, NULL),
                 tenyo_index_resolve(y, "特願2021-000117", &dy, NULL, 0, NULL));
    CHECK(dx >= 0 && dx == dy && dx == tenyo_index_find(x, "DOC-17"));
    tenyo_index_free(y);
    y = NULL;
    /* a caller that looks documents up by id (ideas ID) too: an id looked
     * up as stored reads no numbers, a typed number does */
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS |
                                             TENYO_PREFETCH_IDS,
                                      &y, err, sizeof err),
                 TENYO_OK);
    CHECK(tenyo_index_find(y, "DOC-17") == dx);
    CHECK(y->m.numbers_blob == NULL && y->m.numbers_sec != NULL);
    dy = -1;
    CHECK_EQ_INT(tenyo_index_resolve(y, "特願2021-000117", &dy, NULL, 0, NULL),
                 tenyo_index_resolve(x, "特願2021-000117", &dx, NULL, 0, NULL));
    CHECK(dy == dx);
    tenyo_index_free(y);
    y = NULL;
    tenyo_index_free(x);
    x = NULL;
    const char *bad = tmp("numbers_lazy_bad.tny");
    CHECK_EQ_INT(ty_test_damage(p, bad, "numbers", NULL), 0);
    CHECK_EQ_INT(tenyo_index_open_for(bad, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(y, &c, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(y, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot"), TENYO_OK);
    tenyo_hit h[5];
    CHECK(tenyo_search(c, f, 5, h) > 0);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    CHECK_EQ_INT(tenyo_index_resolve(y, "特願2021-000117", &dy, NULL, 0, NULL), TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, bad) && strstr(err, "'numbers'"), "message: %.300s", err);
    tenyo_index_free(y);
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err2, sizeof err2), TENYO_ERR_CORRUPT);
    CHECKF(strstr(err2, bad) && strstr(err2, "'numbers'"), "message: %.300s", err2);
}

TY_TEST(api_real_jp_corpus) {
    const char *jp = ty_test_shared("jp/jplatpat.jsonl");
    if (!jp) TY_SKIP("../shared/data/jp/jplatpat.jsonl absent");
    const char *files[] = {jp};
    const char *p = tmp("jp.tny");
    tenyo_build_stats st;
    CHECK_EQ_INT(build(files, 1, p, 2, 64, &st), TENYO_OK);
    CHECK_EQ_INT(st.docs, 8861);
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    /* neighbours of a robot-system patent (FI B25J only) are mostly B25J */
    int64_t q = tenyo_index_find(x, "特開2024-093392");
    CHECK(q >= 0);
    tenyo_hit h[10];
    int n = tenyo_similar_doc(c, (uint64_t)q, TENYO_MODE_HYBRID, 10, h);
    CHECK_EQ_INT(n, 10);
    int same = 0;
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, h[i].doc, &dm);
        same += strstr(dm.fields, "B25J") != NULL;
    }
    CHECKF(same >= 5, "only %d of 10 neighbours share B25J", same);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    remove(p);
}

TY_TEST(api_tokenizer_mismatch_refused) {
    const char *files[] = {SAMPLE};
    const char *p = tmp("mm.tny"), *q = tmp("mm2.tny");
    CHECK_EQ_INT(build(files, 1, p, 1, 16, NULL), TENYO_OK);
    /* rewrite the index as if another dictionary had built it */
    ty_model m;
    char err[512] = "";
    CHECK_EQ_INT(ty_store_read(p, &m, err, sizeof err), TENYO_OK);
    free(m.tokenizer);
    m.tokenizer = ty_strdup("mecab:unidic;charset=UTF-8;version=1;size=1;parts=1;stem=1;stop=0;tok=1");
    CHECK_EQ_INT(ty_store_write(&m, q, err, sizeof err), TENYO_OK);
    ty_model_free(&m);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(q, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[5];
    /* id queries need no tokenizer and still work */
    CHECK_EQ_INT(tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 5, h), 5);
    const char *txt = "運転者の眠気を検出する";
    CHECK_EQ_INT(tenyo_similar_text(c, txt, strlen(txt), TENYO_MODE_HYBRID, 5, h),
                 TENYO_ERR_MISMATCH);
    CHECK(strstr(tenyo_ctx_error(c), "unidic") != NULL);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The sample corpus, indexed once per test run (2 threads, default rank)
 * and opened into *x for each test that only reads it. */
static int open_sample(tenyo_index **x, char *err, size_t errlen) {
    static int built;
    const char *p = tmp("sample_read.tny");
    if (!built) {
        const char *files[] = {SAMPLE};
        int rc = build(files, 1, p, 2, 0, NULL);
        if (rc) return rc;
        built = 1;
    }
    return tenyo_index_open(p, x, err, errlen);
}

/* Every proposal (threshold off) for SAMPLE-001 on x, at most cap; < 0 on
 * error or when the index lacks it. */
static int sample_ideas_all(tenyo_index *x, tenyo_ctx *c, tenyo_idea *out, size_t cap) {
    int64_t q = tenyo_index_find(x, "SAMPLE-001");
    if (q < 0) return -1;
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_confidence = 0;
    return tenyo_ideas_doc(c, (uint64_t)q, &o, cap, out);
}

/* A code outside the IPC scheme (A07K: a record's typo for C07K) is never
 * proposed, even with the threshold off, while a real field carried by the
 * same evidence is. */
TY_TEST(api_ideas_unknown_class) {
    const char *src = tmp("typo.jsonl"), *p = tmp("typo.tny");
    FILE *in = fopen(SAMPLE, "r"), *out = fopen(src, "w");
    CHECK(in && out);
    char line[8192];
    while (fgets(line, sizeof line, in)) fputs(line, out);
    fclose(in);
    static const char *const rec =
        "{\"id\": \"TYPO-%d\", \"title\": \"運転者の眠気推定装置\", \"abstract\": "
        "\"運転者の顔を撮像する撮像部と、顔画像から瞼の開度及びまばたきの頻度を算出する"
        "特徴量算出部と、運転者の眠気レベルを推定する眠気推定部とを備える。\", "
        "\"ipc\": [\"%s\"], \"lang\": \"ja\"}\n";
    for (int i = 0; i < 3; i++) fprintf(out, rec, i, "A07K1/00");
    for (int i = 3; i < 6; i++) fprintf(out, rec, i, "C07K1/00");
    fclose(out);
    const char *files[] = {src};
    CHECK_EQ_INT(build(files, 1, p, 1, 0, NULL), TENYO_OK);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_idea id[64];
    int n = sample_ideas_all(x, c, id, 64);
    CHECK(n > 0);
    int real = 0;
    for (int i = 0; i < n; i++) {
        CHECKF(strcmp(id[i].code, "A07K") != 0, "A07K proposed at rank %d", i + 1);
        real += strcmp(id[i].code, "C07K") == 0;
    }
    CHECK_EQ_INT(real, 1);
    CHECK_EQ_INT(ty_labels_class_known("C07K"), 1);
    CHECK_EQ_INT(ty_labels_class_known("A07K"), 0);
    CHECK_EQ_INT(ty_labels_class_known("G1"), 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The full default list: as many proposals as asked whenever that many
 * fields have evidence, none hidden, each in a band whose weak reasons say
 * why it is not stronger (none for a strong card; a candidate never rests
 * on generic words, one word or a side code); content and unexpected in
 * 0..1 and the notes count the bands; ranked by score alone, a content
 * threshold leaves out exactly the cards below it, in the same order. */
TY_TEST(api_ideas_full_list_bands) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    int tried = 0, bands[3] = {0, 0, 0};
    for (uint64_t d = 0; d < tenyo_index_ndocs(x) && d < 60; d++) {
        tenyo_ideas_opts o;
        tenyo_ideas_opts_default(&o);
        o.merge = 0;
        o.serendipity_from = 100; /* by score alone: a threshold keeps the order */
        tenyo_idea all[20], kept[20];
        int a = tenyo_ideas_doc(c, d, &o, 20, all);
        if (a < 0) continue;
        const tenyo_ideas_notes *nt = tenyo_ctx_notes(c);
        CHECK_EQ_INT(nt->hidden, 0);
        CHECK_EQ_INT(a, (int)(nt->candidates < 20 ? nt->candidates : 20));
        CHECK_EQ_INT(nt->nbands[0] + nt->nbands[1] + nt->nbands[2], (size_t)a);
        for (int i = 0; i < a; i++) {
            CHECK(all[i].band >= TENYO_BAND_REFERENCE && all[i].band <= TENYO_BAND_STRONG);
            /* the band is the judge's: a higher band, a higher probability,
             * but for a card of two senses (one band down, never strong) and
             * one showing no shared term (reference) */
            CHECK(all[i].judge >= 0 && all[i].judge <= 1);
            for (int j = 0; j < a; j++)
                if (all[i].band > all[j].band &&
                    !(all[j].weak & (TENYO_WEAK_TWO_SENSES | TENYO_WEAK_NO_TERM)))
                    CHECK(all[i].judge > all[j].judge);
            const char *bt[4];
            if (all[i].weak & TENYO_WEAK_NO_TERM)
                CHECK(all[i].band == TENYO_BAND_REFERENCE && tenyo_idea_bridge(c, &all[i], 4, bt) == 0);
            if (all[i].band > TENYO_BAND_REFERENCE) CHECK(tenyo_idea_bridge(c, &all[i], 4, bt) > 0);
            if (all[i].weak & TENYO_WEAK_TWO_SENSES)
                CHECK(all[i].band != TENYO_BAND_STRONG && all[i].sense >= 0 && all[i].sense < 1);
            else if (all[i].band == TENYO_BAND_REFERENCE)
                CHECK(all[i].sense == -1); /* not asked */
            CHECK(all[i].content >= 0 && all[i].content <= 1);
            CHECK(all[i].unexpected >= 0 && all[i].unexpected <= 1);
            if (i) CHECK(all[i].score <= all[i - 1].score);
            bands[all[i].band]++;
        }
        o.min_content = 0.5;
        int k = tenyo_ideas_doc(c, d, &o, 20, kept);
        CHECK(k >= 0);
        int j = 0;
        for (int i = 0; i < a; i++) {
            if (all[i].content < 0.5) continue;
            CHECKF(j < k && kept[j].field == all[i].field, "doc %llu: lists differ at %d",
                   (unsigned long long)d, i);
            j++;
        }
        if (a < 20) CHECK_EQ_INT(j, k);
        tried++;
    }
    CHECK(tried > 20);
    CHECKF(bands[0] && bands[1] && bands[2], "bands %d %d %d: one never used", bands[0], bands[1],
           bands[2]);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(api_ideas_sample) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    int64_t q = tenyo_index_find(x, "SAMPLE-001");
    CHECK(q >= 0);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_usable = 0.5;  /* the reader model as a threshold */
    tenyo_idea id[10];
    int n = tenyo_ideas_doc(c, (uint64_t)q, &o, 10, id);
    CHECKF(n >= 3, "only %d ideas", n);
    int pred = -1;
    CHECK_STR(tenyo_ctx_home(c, &pred), "B60W,A61B,G06V");
    CHECK_EQ_INT(pred, 0);
    for (int i = 0; i < n; i++) {
        /* distance class: no proposal shares a class with a home field */
        CHECK(strncmp(id[i].code, "B60", 3) && strncmp(id[i].code, "A61", 3) &&
              strncmp(id[i].code, "G06", 3));
        if (i) CHECK(id[i].score <= id[i - 1].score);
        CHECK(id[i].nevidence >= 1);
        for (int e = 0; e < id[i].nevidence; e++) CHECK(id[i].evidence[e].doc != (uint64_t)q);
        CHECK(id[i].surprise >= 0);
    }
    /* open-only evidence */
    o.open_only = 1;
    n = tenyo_ideas_doc(c, (uint64_t)q, &o, 10, id);
    CHECK(n >= 1);
    for (int i = 0; i < n; i++)
        for (int e = 0; e < id[i].nevidence; e++) {
            tenyo_doc_meta dm;
            tenyo_index_doc(x, id[i].evidence[e].doc, &dm);
            CHECK(dm.open);
        }
    /* bad home code */
    const char *bad[] = {"XYZ"};
    tenyo_ideas_opts_default(&o);
    o.home = bad;
    o.nhome = 1;
    CHECK_EQ_INT(tenyo_ideas_doc(c, (uint64_t)q, &o, 10, id), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_ctx_error(c), "XYZ") != NULL);
    /* free text without home: home predicted */
    const char *txt = "ロボットハンドで柔らかい食品を把持する";
    tenyo_ideas_opts_default(&o);
    n = tenyo_ideas_text(c, txt, strlen(txt), &o, 5, id);
    CHECK(n >= 1);
    tenyo_ctx_home(c, &pred);
    CHECK_EQ_INT(pred, 1);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The field model: stored by the builder, read back at open, and the same
 * to the last bit as one trained on first use for an index without the
 * section; a damaged blob is refused with a reason. */
TY_TEST(api_fieldmodel_stored_equals_trained) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK(x->fm_stored == 1 && x->fm.nfields == x->m.nfields && x->fm.nterms > 0);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_idea a[40], b[40];
    int na = sample_ideas_all(x, c, a, 40);
    CHECK(na >= 5);
    int modelled = 0; /* a probability exactly for the fields with a model */
    for (int i = 0; i < na; i++) {
        CHECK((a[i].basis.model > 0) == (x->fm.trained[a[i].field] != 0));
        modelled += a[i].basis.model > 0;
    }
    CHECKF(modelled >= na / 2, "%d of %d proposals with a model probability", modelled, na);
    /* the same index as if written without the section: trained on use */
    ty_fieldmodel_free(&x->fm);
    x->fm_stored = 0;
    int nb = sample_ideas_all(x, c, b, 40);
    CHECK_EQ_INT(nb, na);
    for (int i = 0; i < na && i < nb; i++) {
        CHECK_STR(a[i].code, b[i].code);
        CHECK(a[i].basis.model == b[i].basis.model && a[i].confidence == b[i].confidence);
    }
    tenyo_ctx_free(c);
    /* the blob as stored, then damaged copies */
    ty_model m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(ty_store_read(tmp("sample_read.tny"), &m, err, sizeof err), TENYO_OK);
    CHECK(m.fm_blob && m.fm_len > 40);
    ty_fieldmodel fm;
    char why[TY_ERRLEN];
    CHECK_EQ_INT(ty_fieldmodel_read(m.fm_blob, (size_t)m.fm_len, &m, &fm, why, sizeof why), TENYO_OK);
    CHECK(fm.nterms == x->fm.nterms && fm.ptr[fm.nterms] == x->fm.ptr[x->fm.nterms]);
    ty_fieldmodel_free(&fm);
    char *d = malloc((size_t)m.fm_len);
    memcpy(d, m.fm_blob, (size_t)m.fm_len);
    d[m.fm_len / 2] ^= 0x40;
    CHECK_EQ_INT(ty_fieldmodel_read(d, (size_t)m.fm_len, &m, &fm, why, sizeof why), TENYO_ERR_CORRUPT);
    CHECK(strstr(why, "checksum") != NULL);
    memcpy(d, m.fm_blob, (size_t)m.fm_len);
    CHECK_EQ_INT(ty_fieldmodel_read(d, (size_t)m.fm_len - 8, &m, &fm, why, sizeof why), TENYO_ERR_CORRUPT);
    /* a model trained on more terms than the index has */
    uint64_t nt = m.nterms;
    m.nterms = 3;
    CHECK_EQ_INT(ty_fieldmodel_read(d, (size_t)m.fm_len, &m, &fm, why, sizeof why), TENYO_ERR_CORRUPT);
    CHECK(strstr(why, "terms") != NULL);
    m.nterms = nt;
    free(d);
    ty_model_free(&m);
    tenyo_index_free(x);
}

/* What the batch callback saw, query by query. */
typedef struct batch_seen {
    tenyo_ctx *c;          /* the batch's context */
    int got[8];            /* count or status per query */
    char fields[8][128];   /* proposed fields, comma-separated */
    char home[8][64];      /* home of the query while it was current */
    int phrases;           /* phrases found over all ideas */
} batch_seen;

static void batch_cb(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    batch_seen *s = ud;
    if (i >= 8) return;
    s->got[i] = got;
    s->fields[i][0] = 0;
    for (int k = 0; k < got; k++) {
        size_t l = strlen(s->fields[i]);
        snprintf(s->fields[i] + l, sizeof s->fields[i] - l, "%s%s", k ? "," : "", ideas[k].code);
        tenyo_phrase ph[3];
        int np = tenyo_idea_phrases(s->c, &ideas[k], 3, ph);
        if (np > 0) s->phrases += np;
    }
    snprintf(s->home[i], sizeof s->home[i], "%s", tenyo_ctx_home(s->c, NULL));
}

/* tenyo_ideas_batch gives, query by query, what single calls give (the
 * LSA scores come from one sgemm instead of one sgemv each), reports bad
 * queries through the callback and keeps the state of each query current
 * while its callback runs. */
TY_TEST(api_ideas_batch_matches_single) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    const char *t1 = "ロボットハンドで柔らかい食品を把持する";
    const char *t2 = "Cooling plate for the batteries of electric vehicles";
    const char *hb[] = {"B25J"}, *bad[] = {"NOPE"};
    tenyo_query q[5] = {
        {tenyo_index_find(x, "SAMPLE-001"), NULL, 0, NULL, 0},
        {-1, t1, strlen(t1), hb, 1},
        {-1, "zzzz qqqq", 9, NULL, 0},          /* no known term */
        {-1, t2, strlen(t2), NULL, 0},
        {tenyo_index_find(x, "SAMPLE-028"), NULL, 0, bad, 1}};
    CHECK(q[0].doc >= 0 && q[4].doc >= 0);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_usable = 0.5; /* a threshold at work: the batch applies it too */
    batch_seen s;
    memset(&s, 0, sizeof s);
    s.c = c;
    CHECK_EQ_INT(tenyo_ideas_batch(c, q, 5, &o, 6, batch_cb, &s), TENYO_OK);
    CHECK_EQ_INT(s.got[2], TENYO_ERR_EMPTY);
    CHECK_EQ_INT(s.got[4], TENYO_ERR_ARG);
    CHECK_STR(s.home[1], "B25J");
    CHECK(s.phrases > 0);
    for (int i = 0; i < 4; i++) {
        if (i == 2) continue;
        tenyo_ideas_opts oi = o;
        oi.home = q[i].home;
        oi.nhome = q[i].nhome;
        tenyo_idea id[6];
        int n = q[i].doc >= 0 ? tenyo_ideas_doc(c, (uint64_t)q[i].doc, &oi, 6, id)
                              : tenyo_ideas_text(c, q[i].text, q[i].len, &oi, 6, id);
        CHECK_EQ_INT(n, s.got[i]);
        char f[128] = "";
        for (int k = 0; k < n; k++) {
            size_t l = strlen(f);
            snprintf(f + l, sizeof f - l, "%s%s", k ? "," : "", id[k].code);
        }
        CHECKF(strcmp(f, s.fields[i]) == 0, "query %d: single %s, batch %s", i, f, s.fields[i]);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The int8 scan with exact re-scoring returns the float scan's top 10,
 * with the same scores, for indexed and text queries in LSA and hybrid. */
TY_TEST(api_int8_scan_matches_fp32) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *a = NULL, *b = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &a, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &b, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_scan(a, TENYO_SCAN_FP32), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_scan(b, TENYO_SCAN_INT8), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_scan(b, (tenyo_scan)9), TENYO_ERR_ARG);
    const char *txt = "カメラ画像から運転者の眠気を検出して車両を制御する";
    for (int mode = TENYO_MODE_LSA; mode <= TENYO_MODE_HYBRID; mode++)
        for (uint64_t d = 0; d < 201; d += 20) {
            tenyo_hit ha[10], hb[10];
            int na, nb;
            if (d < 200) {
                na = tenyo_similar_doc(a, d, (tenyo_mode)mode, 10, ha);
                nb = tenyo_similar_doc(b, d, (tenyo_mode)mode, 10, hb);
            } else {
                na = tenyo_similar_text(a, txt, strlen(txt), (tenyo_mode)mode, 10, ha);
                nb = tenyo_similar_text(b, txt, strlen(txt), (tenyo_mode)mode, 10, hb);
            }
            CHECK_EQ_INT(na, nb);
            for (int i = 0; i < na; i++) {
                CHECKF(ha[i].doc == hb[i].doc, "mode %d query %llu rank %d: %llu vs %llu", mode,
                       (unsigned long long)d, i, (unsigned long long)ha[i].doc,
                       (unsigned long long)hb[i].doc);
                CHECK_NEAR(ha[i].score, hb[i].score, 1e-6);
            }
        }
    tenyo_ctx_free(a);
    tenyo_ctx_free(b);
    tenyo_index_free(x);
}

/* What tenyo_similar_batch reported, per query (the first SIM_SEEN). */
#define SIM_SEEN 40
typedef struct sim_seen { int got[SIM_SEEN]; tenyo_hit hits[SIM_SEEN][10]; } sim_seen;

static void sim_cb(void *ud, size_t i, int got, const tenyo_hit *hits) {
    sim_seen *s = ud;
    if (i >= SIM_SEEN) return;
    s->got[i] = got;
    for (int k = 0; k < got && k < 10; k++) s->hits[i][k] = hits[k];
}

/* tenyo_similar_batch (LSA part by one sgemm per block here: a small index
 * scans exact floats) gives what single
 * calls give, in every mode; a bad query is reported through the callback. */
TY_TEST(api_similar_batch_matches_single) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    const char *t1 = "カメラ画像から運転者の眠気を検出して車両を制御する";
    tenyo_query q[4] = {{5, NULL, 0, NULL, 0}, {-1, t1, strlen(t1), NULL, 0},
                        {-1, "zzzz", 4, NULL, 0}, {150, NULL, 0, NULL, 0}};
    for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode++) {
        sim_seen s;
        memset(&s, 0, sizeof s);
        CHECK_EQ_INT(tenyo_similar_batch(c, q, 4, (tenyo_mode)mode, 10, sim_cb, &s), TENYO_OK);
        CHECK_EQ_INT(s.got[2], TENYO_ERR_EMPTY);
        for (int i = 0; i < 4; i++) {
            if (i == 2) continue;
            tenyo_hit h[10];
            int n = q[i].doc >= 0 ? tenyo_similar_doc(c, (uint64_t)q[i].doc, (tenyo_mode)mode, 10, h)
                                  : tenyo_similar_text(c, t1, strlen(t1), (tenyo_mode)mode, 10, h);
            CHECK_EQ_INT(n, s.got[i]);
            for (int k = 0; k < n; k++) {
                CHECKF(h[k].doc == s.hits[i][k].doc, "mode %d query %d rank %d", mode, i, k);
                CHECK_NEAR(h[k].score, s.hits[i][k].score, 1e-5);
                if (q[i].doc >= 0) CHECK(h[k].doc != (uint64_t)q[i].doc);
            }
        }
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* With the int8 scan (forced here; indexes from 20,000 documents use it by
 * default), a batch scans panels of 32 documents against all queries of a
 * block (LSA: keeping each query's best by int8 score alone) and re-scores
 * each query's best exactly, as a single query does:
 * the same hits and the same scores bit for bit, across a block boundary
 * (40 queries, blocks of 32). */
TY_TEST(api_similar_batch_int8_matches_single) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_scan(c, TENYO_SCAN_INT8), TENYO_OK);
    uint64_t nd = tenyo_index_ndocs(x);
    CHECK(nd >= SIM_SEEN);
    tenyo_query q[SIM_SEEN];
    for (int i = 0; i < SIM_SEEN; i++)
        q[i] = (tenyo_query){(int64_t)((uint64_t)i * 7 % nd), NULL, 0, NULL, 0};
    for (int mode = TENYO_MODE_LSA; mode <= TENYO_MODE_HYBRID; mode++) {
        sim_seen *s = calloc(1, sizeof *s);
        CHECK(s);
        CHECK_EQ_INT(tenyo_similar_batch(c, q, SIM_SEEN, (tenyo_mode)mode, 10, sim_cb, s),
                     TENYO_OK);
        for (int i = 0; i < SIM_SEEN; i++) {
            tenyo_hit h[10];
            int n = tenyo_similar_doc(c, (uint64_t)q[i].doc, (tenyo_mode)mode, 10, h);
            CHECK_EQ_INT(n, s->got[i]);
            for (int k = 0; k < n; k++) {
                CHECKF(h[k].doc == s->hits[i][k].doc && h[k].score == s->hits[i][k].score,
                       "mode %d query %d rank %d", mode, i, k);
            }
        }
        free(s);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* TF-IDF and hybrid answers are the same bit for bit whether the scan walks
 * the postings (TENYO_POSTINGS=on, or auto after a few scans) or gathers over
 * every row (off); repeated query terms and terms with no weight included. */
TY_TEST(api_postings_same_as_gather) {
    tenyo_index *x[3] = {NULL, NULL, NULL};
    tenyo_ctx *c[3] = {NULL, NULL, NULL};
    static const char *pol[3] = {"off", "on", "auto"};
    char err[512];
    for (int i = 0; i < 3; i++) {
        setenv("TENYO_POSTINGS", pol[i], 1);
        CHECK_EQ_INT(open_sample(&x[i], err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_new(x[i], &c[i], err, sizeof err), TENYO_OK);
    }
    unsetenv("TENYO_POSTINGS");
    uint64_t nd = tenyo_index_ndocs(x[0]);
    const char *t1 = "車両の運転者の眠気をカメラで検出し、車両の制御に使う車両装置";
    for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode += 2)
        for (int q = 0; q < 12; q++) {
            tenyo_hit h[3][10];
            int n[3];
            for (int i = 0; i < 3; i++)
                n[i] = q < 11 ? tenyo_similar_doc(c[i], (uint64_t)q * 13 % nd, (tenyo_mode)mode, 10,
                                                  h[i])
                              : tenyo_similar_text(c[i], t1, strlen(t1), (tenyo_mode)mode, 10, h[i]);
            for (int i = 1; i < 3; i++) {
                CHECK_EQ_INT(n[i], n[0]);
                for (int k = 0; k < n[0]; k++)
                    CHECKF(h[i][k].doc == h[0][k].doc && h[i][k].score == h[0][k].score,
                           "policy %s mode %d query %d rank %d", pol[i], mode, q, k);
            }
        }
    /* the postings were built where asked (on: at once; auto: after a few) */
    CHECK(x[0]->post.rowptr == NULL);
    CHECK(x[1]->post.rowptr != NULL);
    CHECK(x[2]->post.rowptr != NULL);
    /* tenyo_index_warm builds them before any scan, unless they are off */
    tenyo_index *w = NULL;
    CHECK_EQ_INT(open_sample(&w, err, sizeof err), TENYO_OK);
    CHECK(w->post.rowptr == NULL);
    CHECK_EQ_INT(tenyo_index_warm(w, err, sizeof err), TENYO_OK);
    CHECK(w->post.rowptr != NULL && w->post.nrows == w->m.nterms);
    tenyo_index_free(w);
    setenv("TENYO_POSTINGS", "off", 1);
    CHECK_EQ_INT(open_sample(&w, err, sizeof err), TENYO_OK);
    unsetenv("TENYO_POSTINGS");
    CHECK_EQ_INT(tenyo_index_warm(w, err, sizeof err), TENYO_OK);
    CHECK(w->post.rowptr == NULL);
    tenyo_index_free(w);
    /* the walk itself, with a repeated term and a term of weight 0 */
    const ty_model *m = &x[1]->m;
    uint32_t qt[5] = {7, 3, 7, 11, 0};
    float qw[5] = {0.5f, 0.25f, 0.75f, 0.f, 0.125f};
    float *a = malloc(nd * sizeof *a), *b = malloc(nd * sizeof *b);
    float *qd = calloc(m->nterms, sizeof *qd);
    CHECK(a && b && qd);
    ty_scan_tfidf(m, qt, qw, 5, qd, a);
    CHECK_EQ_INT(ty_scan_tfidf_postings(&x[1]->post, nd, qt, qw, 5, qd, b), 0);
    CHECK(memcmp(a, b, nd * sizeof *a) == 0);
    for (uint64_t t = 0; t < m->nterms; t++) CHECK(qd[t] == 0.f); /* left clean */
    free(a);
    free(b);
    free(qd);
    for (int i = 0; i < 3; i++) {
        tenyo_ctx_free(c[i]);
        tenyo_index_free(x[i]);
    }
}

static void count_terms(void *ud, const char *t, size_t n) {
    (void)t;
    (void)n;
    (*(size_t *)ud)++;
}

/* All 400 Aozora Bunko texts (Shift_JIS/CP932, CRLF, ruby markup) are
 * detected as Shift_JIS, decode without replacement characters, and every
 * 20th one tokenizes into Japanese terms. */
TY_TEST(api_aozora_sjis_all) {
    const char *tar = ty_test_shared("text/aozora_sjis_400.tar.zst");
    if (!tar) TY_SKIP("text/aozora_sjis_400.tar.zst absent");
    char cmd[2048], dir[600];
    snprintf(dir, sizeof dir, "%s/aozora", ty_test_tmpdir());
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && zstd -dc '%s' | tar -xf - -C '%s' 2>/dev/null",
             dir, tar, dir);
    if (system(cmd) != 0) TY_SKIP("cannot extract %s (zstd/tar missing?)", tar);
    snprintf(cmd, sizeof cmd, "ls '%s'/aozora_sjis/*.txt", dir);
    FILE *ls = popen(cmd, "r");
    CHECK(ls != NULL);
    char path[1024];
    int files = 0, sjis = 0, clean = 0, tokenized = 0;
    tenyo_tokenizer *t = NULL;
    char err[512] = "";
    tenyo_tok_opts to;
    tenyo_tok_opts_default(&to);
    CHECK_EQ_INT(tenyo_tokenizer_new(&to, &t, err, sizeof err), TENYO_OK);
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = 0;
        size_t n = 0;
        char *raw = read_all(path, &n);
        if (!raw) continue;
        files++;
        char *u = NULL, used[64] = "";
        size_t ulen = 0;
        int rc = tenyo_text_to_utf8(raw, n, NULL, &u, &ulen, used, sizeof used, err, sizeof err);
        free(raw);
        if (rc == TENYO_OK) {
            sjis += !strcasecmp(used, "Shift_JIS") || !strcasecmp(used, "windows-31j") ||
                    !strncasecmp(used, "ibm-943", 7);
            clean += memmem(u, ulen, "\xEF\xBF\xBD", 3) == NULL;
            if (files % 20 == 1) {
                size_t nt = 0;
                if (tenyo_tokenizer_run(t, u, ulen, count_terms, &nt) > 0 && nt > 50)
                    tokenized++;
            }
        }
        free(u);
    }
    pclose(ls);
    tenyo_tokenizer_free(t);
    CHECK_EQ_INT(files, 400);
    CHECK_EQ_INT(sjis, 400);
    CHECK_EQ_INT(clean, 400);
    CHECK_EQ_INT(tokenized, 20);
}

/* ====================================================== lazy sparse rows */

/* Opening leaves the sparse rows for their first use: a file whose rows are
 * damaged opens and answers LSA queries; a query that needs the damaged
 * rows (the rows in frames: a document of the damaged frame, or the
 * transposed rows a fourth TF-IDF scan builds), tenyo_index_load_all and
 * the eager reader all give the same refusal naming file and section,
 * every time. */
TY_TEST(api_lazy_rows_damage_reported_on_use) {
    tenyo_index *x = NULL;
    char err[512], err2[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    x = NULL;
    const char *bad = tmp("lazy_bad_tf.tny");
    CHECK_EQ_INT(ty_test_damage(tmp("sample_read.tny"), bad, "tfidf.tf", NULL), 0);
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[5];
    CHECK_EQ_INT(tenyo_similar_doc(c, 3, TENYO_MODE_LSA, 5, h), 5);
    CHECK(tenyo_index_cooccur(x, 0, 0) > 0);
    uint64_t d = 0, nd = tenyo_index_ndocs(x); /* the first refused query */
    while (d < nd && tenyo_similar_doc(c, d, TENYO_MODE_HYBRID, 5, h) >= 0) d++;
    CHECK(d < nd);
    for (int i = 0; i < 2; i++) {
        int rc = tenyo_similar_doc(c, d, TENYO_MODE_HYBRID, 5, h);
        CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
        CHECKF(strstr(tenyo_ctx_error(c), bad) && strstr(tenyo_ctx_error(c), "'tfidf.tf'"),
               "message: %s", tenyo_ctx_error(c));
    }
    CHECK_EQ_INT(tenyo_index_load_all(x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, tenyo_ctx_error(c)) == 0, "%.200s | %.200s", err, tenyo_ctx_error(c));
    CHECK_EQ_INT(tenyo_similar_doc(c, 3, TENYO_MODE_LSA, 5, h), 5); /* LSA still answers */
    ty_model m;
    CHECK_EQ_INT(ty_store_read(bad, &m, err2, sizeof err2), TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err2, err) == 0, "%.200s | %.200s", err2, err);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

typedef struct lazy_job {
    const tenyo_index *x;
    uint64_t doc;
    tenyo_hit hits[10];
    int rc;
} lazy_job;

static void *lazy_query(void *arg) {
    lazy_job *j = arg;
    tenyo_ctx *c = NULL;
    char err[256];
    j->rc = tenyo_ctx_new(j->x, &c, err, sizeof err);
    if (!j->rc) j->rc = tenyo_similar_doc(c, j->doc, TENYO_MODE_HYBRID, 10, j->hits);
    tenyo_ctx_free(c);
    return NULL;
}

/* Threads that are first to need the rows at the same time all get them
 * decoded once, and the same answers as an index whose rows were loaded
 * before any query. */
TY_TEST(api_lazy_rows_concurrent_first_use) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(open_sample(&y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_OK); /* once */
    lazy_job j[4], r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        j[i] = (lazy_job){.x = x, .doc = (uint64_t)(7 * i)};
        r[i] = (lazy_job){.x = y, .doc = (uint64_t)(7 * i)};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, lazy_query, &j[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        lazy_query(&r[i]);
        CHECK_EQ_INT(j[i].rc, 10);
        CHECK_EQ_INT(r[i].rc, 10);
        for (int k = 0; k < 10; k++) {
            CHECK(j[i].hits[k].doc == r[i].hits[k].doc);
            CHECK(j[i].hits[k].score == r[i].hits[k].score);
        }
    }
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* ====================================================== lazy vectors */

/* Opening leaves the int8 basis and document vectors for their first use:
 * the open decodes neither (x->q8 empty until a query reads it), a file
 * whose docvec.q8 is damaged opens, lists its patents and answers a keyword
 * query, and the first query that reads vectors, tenyo_index_load_all and
 * the eager reader all give the same refusal naming file and section,
 * every time. */
TY_TEST(api_lazy_vectors_damage_reported_on_use) {
    tenyo_index *x = NULL;
    char err[512], err2[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK(x->q8.q == NULL && x->m.basis_q == NULL); /* not read by the open */
    tenyo_index_free(x);
    x = NULL;
    const char *bad = tmp("lazy_bad_docvec.tny");
    /* the head of its frame (the size of a section stored raw): what the
     * first use reads of it besides the scales (damaged codes are found
     * by check only: api_q8_mapped_damaged_codes) */
    CHECK_EQ_INT(ty_test_damage_at(tmp("sample_read.tny"), bad, "docvec.q8", NULL, 5, 1), 0);
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_OK);
    CHECK(tenyo_index_find(x, "SAMPLE-001") >= 0);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_doc_meta dm;
    CHECK_EQ_INT(tenyo_index_doc(x, 0, &dm), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置 OR 方法 OR システム"), TENYO_OK);
    tenyo_hit h[5];
    CHECK(tenyo_search(c, f, 5, h) >= 0);
    tenyo_filter_free(f);
    CHECK(x->q8.q == NULL); /* a keyword query reads no vectors */
    for (int i = 0; i < 2; i++) {
        int rc = tenyo_similar_doc(c, 3, TENYO_MODE_LSA, 5, h);
        CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
        CHECKF(strstr(tenyo_ctx_error(c), bad) && strstr(tenyo_ctx_error(c), "'docvec.q8'"),
               "message: %s", tenyo_ctx_error(c));
    }
    CHECK_EQ_INT(tenyo_similar_text(c, "運転者", strlen("運転者"), TENYO_MODE_HYBRID, 5, h),
                 TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(tenyo_index_load_all(x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, tenyo_ctx_error(c)) == 0, "%.200s | %.200s", err, tenyo_ctx_error(c));
    ty_model m;
    CHECK_EQ_INT(ty_store_read(bad, &m, err2, sizeof err2), TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err2, err) == 0, "%.200s | %.200s", err2, err);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The field model of an index opened for a keyword search
 * (tenyo_index_open_for, keywords) is only located: the open reads none of
 * it; the first ideas reads it, the same model as an eager open's. A
 * damaged one does not stop such an open nor its keyword query; ideas,
 * tenyo_index_load_all and the plain open (which reads it, as ideas and
 * match's open does) refuse it naming file and section. */
TY_TEST(api_lazy_fieldmodel_read_on_need) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512], err2[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK(x->fm_stored == 1 && x->m.fm_sec == NULL);
    const char *p = tmp("sample_read.tny");
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err), TENYO_OK);
    CHECK(y->fm_stored == 0 && y->m.fm_sec != NULL && y->fm.nterms == 0); /* not read */
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(y, &c, err, sizeof err), TENYO_OK);
    tenyo_idea a[40], b[40];
    int na = sample_ideas_all(y, c, a, 40);
    CHECK(na >= 5);
    CHECK(y->fm_stored == 1 && y->m.fm_sec == NULL && y->fm.nterms == x->fm.nterms &&
          y->fm.ptr[y->fm.nterms] == x->fm.ptr[x->fm.nterms]);
    tenyo_ctx_free(c);
    c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(sample_ideas_all(x, c, b, 40), na);
    for (int i = 0; i < na; i++)
        CHECK(!strcmp(a[i].code, b[i].code) && a[i].confidence == b[i].confidence);
    tenyo_ctx_free(c);
    c = NULL;
    tenyo_index_free(y);
    y = NULL;
    /* damaged */
    const char *bad = tmp("lazy_bad_fieldmodel.tny");
    CHECK_EQ_INT(ty_test_damage(p, bad, "fieldmodel", NULL), 0);
    CHECK_EQ_INT(tenyo_index_open_for(bad, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &c, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(y, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置 OR 方法 OR システム"), TENYO_OK);
    tenyo_hit h[5];
    CHECK(tenyo_search(c, f, 5, h) > 0);
    tenyo_filter_free(f);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(sample_ideas_all(y, c, a, 40), TENYO_ERR_CORRUPT);
        CHECKF(strstr(tenyo_ctx_error(c), bad) && strstr(tenyo_ctx_error(c), "'fieldmodel'"),
               "message: %s", tenyo_ctx_error(c));
    }
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, tenyo_ctx_error(c)) == 0, "%.200s | %.200s", err, tenyo_ctx_error(c));
    tenyo_ctx_free(c);
    tenyo_index_free(y);
    y = NULL;
    CHECK_EQ_INT(tenyo_index_open(bad, &y, err2, sizeof err2), TENYO_ERR_CORRUPT);
    CHECKF(strstr(err2, bad) && strstr(err2, "'fieldmodel'"), "message: %.200s", err2);
    CHECK(y == NULL);
    tenyo_index_free(x);
}

/* 1 when x and y give the same hits, bit for bit, to similar by id and by
 * text in every mode and to ideas for document 4. */
static int same_vector_answers(tenyo_index *x, tenyo_index *y) {
    char err[256];
    tenyo_ctx *c = NULL, *d = NULL;
    tenyo_hit a[10], b[10];
    int same = tenyo_ctx_new(x, &c, err, sizeof err) == TENYO_OK &&
               tenyo_ctx_new(y, &d, err, sizeof err) == TENYO_OK;
    const char *q = "運転者の眠気を検出する装置";
    tenyo_mode modes[] = {TENYO_MODE_LSA, TENYO_MODE_TFIDF, TENYO_MODE_HYBRID};
    for (int mi = 0; mi < 3 && same; mi++)
        for (int t = 0; t < 2 && same; t++) {
            int na = t ? tenyo_similar_text(c, q, strlen(q), modes[mi], 10, a)
                       : tenyo_similar_doc(c, 4, modes[mi], 10, a);
            int nb = t ? tenyo_similar_text(d, q, strlen(q), modes[mi], 10, b)
                       : tenyo_similar_doc(d, 4, modes[mi], 10, b);
            same = na > 0 && na == nb;
            for (int k = 0; k < na && same; k++)
                same = a[k].doc == b[k].doc && !memcmp(&a[k].score, &b[k].score, sizeof(float));
        }
    tenyo_idea ia[10], ib[10];
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    int ni = same ? tenyo_ideas_doc(c, 4, &o, 10, ia) : -1;
    same = ni >= 0 && ni == tenyo_ideas_doc(d, 4, &o, 10, ib);
    for (int k = 0; k < ni && same; k++)
        same = ia[k].field == ib[k].field && !memcmp(&ia[k].score, &ib[k].score, sizeof ia[k].score);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    return same;
}

/* 1 when ty_store_rewrite with nothing put or dropped gives back the file
 * at path byte for byte (*len, when given: its bytes). */
static int rewrite_same_bytes(const char *path, size_t *len) {
    char err[512];
    size_t al = 0, bl = 0;
    char *a = ty_test_slurp(path, &al);
    int rc = ty_store_rewrite(path, NULL, 0, NULL, 0, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "  rewrite: %s\n", err);
    char *b = rc ? NULL : ty_test_slurp(path, &bl);
    int same = a && b && al == bl && memcmp(a, b, al) == 0;
    if (len) *len = al;
    free(a);
    free(b);
    return same;
}

/* Bytes of section name's frame in m's table (0: none), its raw in *raw. */
static uint64_t section_stored(const ty_model *m, const char *name, uint64_t *raw) {
    for (int i = 0; i < m->nsections; i++)
        if (!strcmp(m->sections[i].name, name)) {
            *raw = m->sections[i].raw;
            return m->sections[i].stored;
        }
    return 0;
}

/* The int8 vectors of a file written now are stored raw (16 bytes more
 * than their content each) and mapped by an open for queries (store/
 * format.h, "Sections stored raw"): the index's codes borrow the mapping.
 * The same model written with zstd frames (TENYO_Q8_FORMAT=1, as every
 * index was before) has its vectors read, not mapped, into the same codes
 * and scales, and answers the same, bit for bit; a rewrite copies the raw
 * frames byte for byte. */
TY_TEST(api_q8_mapped_same_answers) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    x = NULL;
    const char *p = tmp("sample_read.tny"), *q = tmp("q8_zstd.tny"), *r = tmp("q8_rewrite.tny");
    ty_model m;
    CHECK_EQ_INT(ty_store_read(p, &m, err, sizeof err), TENYO_OK);
    CHECK(m.doc_qmap == NULL && m.basis_qmap == NULL); /* a whole read: read and checked */
    setenv("TENYO_Q8_FORMAT", "1", 1);
    int rc = ty_store_write(&m, q, err, sizeof err);
    unsetenv("TENYO_Q8_FORMAT");
    ty_model_free(&m);
    CHECK_EQ_INT(rc, TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(q, &y, err, sizeof err), TENYO_OK);
    CHECK(same_vector_answers(x, y));
    CHECK(x->m.doc_qmap && x->m.basis_qmap && x->m.basis_q && x->q8.q && x->q8.q_borrowed);
    CHECK(!y->m.doc_qmap && !y->m.basis_qmap && y->m.basis_q && y->q8.q && !y->q8.q_borrowed);
    uint64_t n = x->m.ndocs * x->m.dim, nb = x->m.nterms * x->m.dim;
    CHECK(n && y->m.ndocs * y->m.dim == n && !memcmp(x->q8.q, y->q8.q, n));
    CHECK(!memcmp(x->q8.scale, y->q8.scale, x->m.ndocs * sizeof(float)));
    CHECK(!memcmp(x->m.basis_q, y->m.basis_q, nb));
    CHECK(!memcmp(x->m.basis_qscale, y->m.basis_qscale, x->m.nterms * sizeof(float)));
    const char *names[] = {"basis.q8", "docvec.q8"};
    for (int i = 0; i < 2; i++) {
        uint64_t rx = 0, ry = 0, sx = section_stored(&x->m, names[i], &rx),
                 sy = section_stored(&y->m, names[i], &ry);
        CHECKF(rx && rx == ry && sx == rx + 16 && sy < ry, "%s: %llu of %llu, %llu of %llu",
               names[i], (unsigned long long)sx, (unsigned long long)rx,
               (unsigned long long)sy, (unsigned long long)ry);
    }
    tenyo_index_free(x);
    tenyo_index_free(y);
    CHECK_EQ_INT(ty_test_copy(p, r), 0);
    CHECK(rewrite_same_bytes(r, NULL));
}

/* A one-query open that reads the document codes in blocks
 * (TENYO_CODES=read: the scans pread them, each row's statistics computed
 * in the scan, the prefetch thread reading beside the queries) answers as
 * an open that maps them, bit for bit, before and after something makes
 * the pass over every row (the landscape map). */
TY_TEST(api_codes_read_in_blocks_same_answers) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    x = NULL;
    const char *p = tmp("sample_read.tny");
    unsigned pf = TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS | TENYO_PREFETCH_DOCS;
    setenv("TENYO_CODES", "read", 1);
    int rc = tenyo_index_open_for(p, pf, &x, err, sizeof err);
    setenv("TENYO_CODES", "map", 1);
    int rc2 = tenyo_index_open_for(p, pf, &y, err, sizeof err);
    unsetenv("TENYO_CODES");
    CHECK_EQ_INT(rc, TENYO_OK);
    CHECK_EQ_INT(rc2, TENYO_OK);
    CHECK(x->stream_codes && !y->stream_codes);
    CHECK(same_vector_answers(x, y));
    CHECK(x->q8.src && x->q8.src->fd >= 0 && !y->q8.src);
    tenyo_map *mp = NULL;
    CHECK_EQ_INT(tenyo_map_new(x, &mp, err, sizeof err), TENYO_OK); /* the pass */
    tenyo_map_free(mp);
    CHECK(same_vector_answers(x, y));
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* A byte of the mapped codes damaged: an open for queries reads only the
 * frame's head and the scales, so the queries answer (whatever the codes
 * now score) and never fault; every whole read refuses the file naming
 * the section (its checksum: ty_store_read, as check and info read), and
 * so does a rewrite, which copies it. The basis the same. */
TY_TEST(api_q8_mapped_damaged_codes) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    x = NULL;
    const char *names[] = {"docvec.q8", "basis.q8"};
    for (int i = 0; i < 2; i++) {
        const char *bad = tmp(i ? "q8_bad_basis.tny" : "q8_bad_codes.tny");
        CHECK_EQ_INT(ty_test_damage(tmp("sample_read.tny"), bad, names[i], NULL), 0);
        CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_OK);
        tenyo_ctx *c = NULL;
        CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
        tenyo_hit h[5];
        const char *q = "運転者の眠気を検出する装置";
        CHECK_EQ_INT(tenyo_similar_doc(c, 3, TENYO_MODE_LSA, 5, h), 5);
        CHECK_EQ_INT(tenyo_similar_text(c, q, strlen(q), TENYO_MODE_HYBRID, 5, h), 5);
        CHECK(x->m.doc_qmap != NULL);
        tenyo_ctx_free(c);
        tenyo_index_free(x);
        x = NULL;
        ty_model m;
        char want[256];
        snprintf(want, sizeof want, "section '%s' is damaged: checksum mismatch", names[i]);
        CHECK_EQ_INT(ty_store_read(bad, &m, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, bad) && strstr(err, want), "%.200s", err);
        CHECK_EQ_INT(ty_store_rewrite(bad, NULL, 0, NULL, 0, NULL, err, sizeof err),
                     TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, bad) && strstr(err, want), "%.200s", err);
    }
}

/* Threads that are first to need the vectors at the same time (by id, by
 * text, LSA and hybrid) all get them decoded once, and the same answers,
 * bit for bit, as an index whose vectors were loaded before any query. */
TY_TEST(api_lazy_vectors_concurrent_first_use) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(open_sample(&y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_OK);
    CHECK(y->q8.q != NULL && y->m.basis_q != NULL);
    lazy_job j[4], r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        j[i] = (lazy_job){.x = x, .doc = (uint64_t)(5 * i + 1)};
        r[i] = (lazy_job){.x = y, .doc = (uint64_t)(5 * i + 1)};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, lazy_query, &j[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        lazy_query(&r[i]);
        CHECK_EQ_INT(j[i].rc, 10);
        CHECK_EQ_INT(r[i].rc, 10);
        for (int k = 0; k < 10; k++) {
            CHECK(j[i].hits[k].doc == r[i].hits[k].doc);
            CHECK(memcmp(&j[i].hits[k].score, &r[i].hits[k].score, sizeof(float)) == 0);
        }
    }
    tenyo_ctx *c = NULL, *d = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
    const char *q = "運転者の眠気を検出する装置";
    tenyo_hit a[10], b[10];
    int na = tenyo_similar_text(c, q, strlen(q), TENYO_MODE_LSA, 10, a);
    CHECK_EQ_INT(na, tenyo_similar_text(d, q, strlen(q), TENYO_MODE_LSA, 10, b));
    for (int k = 0; k < na; k++)
        CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* tenyo_index_open_for: what it names read beside the open gives the same
 * answers, bit for bit, as tenyo_index_open (keyword search, similar by id
 * and by text in every mode, ideas); an index freed at once waits for its
 * thread; a damaged section named is reported by the query that reads it,
 * with the message an open without prefetch gives. */
TY_TEST(api_open_for_prefetch_same_answers) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512], err2[512];
    CHECK_EQ_INT(open_sample(&y, err, sizeof err), TENYO_OK);
    tenyo_index_free(y);
    y = NULL;
    const char *p = tmp("sample_read.tny");
    unsigned all = TENYO_PREFETCH_KEYWORDS | TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS;
    for (int i = 0; i < 3; i++) { /* freed while its thread may still read */
        CHECK_EQ_INT(tenyo_index_open_for(p, all, &x, err, sizeof err), TENYO_OK);
        tenyo_index_free(x);
        x = NULL;
    }
    CHECK_EQ_INT(tenyo_index_open_for(p, all, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(p, &y, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL, *d = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
    tenyo_hit a[10], b[10];
    tenyo_filter *f = NULL, *g = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(y, &g), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置 OR 方法"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(g, d, "装置 OR 方法"), TENYO_OK);
    int na = tenyo_search(c, f, 10, a), nb = tenyo_search(d, g, 10, b);
    CHECK_EQ_INT(na, nb);
    CHECK(tenyo_filter_count(f) == tenyo_filter_count(g));
    for (int k = 0; k < na && k < 10; k++)
        CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
    tenyo_filter_free(f);
    tenyo_filter_free(g);
    const char *q = "運転者の眠気を検出する装置";
    tenyo_mode modes[] = {TENYO_MODE_LSA, TENYO_MODE_TFIDF, TENYO_MODE_HYBRID};
    for (int mi = 0; mi < 3; mi++) {
        na = tenyo_similar_doc(c, 4, modes[mi], 10, a);
        CHECK_EQ_INT(na, tenyo_similar_doc(d, 4, modes[mi], 10, b));
        for (int k = 0; k < na; k++)
            CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
        na = tenyo_similar_text(c, q, strlen(q), modes[mi], 10, a);
        CHECK_EQ_INT(na, tenyo_similar_text(d, q, strlen(q), modes[mi], 10, b));
        for (int k = 0; k < na; k++)
            CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
    }
    tenyo_idea ia[10], ib[10];
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    int ni = tenyo_ideas_doc(c, 4, &o, 10, ia);
    CHECK(ni >= 0);
    CHECK_EQ_INT(ni, tenyo_ideas_doc(d, 4, &o, 10, ib));
    for (int k = 0; k < ni; k++)
        CHECK(ia[k].field == ib[k].field && memcmp(&ia[k].score, &ib[k].score, sizeof ia[k].score) == 0);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    tenyo_index_free(y);
    /* damage in what the prefetch reads: the query's refusal, as without */
    const char *bad = tmp("prefetch_bad_docvec.tny");
    CHECK_EQ_INT(ty_test_damage_at(p, bad, "docvec.q8", NULL, 5, 1), 0); /* its size */
    CHECK_EQ_INT(tenyo_index_open_for(bad, all, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(bad, &y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_similar_doc(c, 3, TENYO_MODE_HYBRID, 5, a), TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(tenyo_similar_doc(d, 3, TENYO_MODE_HYBRID, 5, b), TENYO_ERR_CORRUPT);
    snprintf(err2, sizeof err2, "%s", tenyo_ctx_error(d));
    CHECKF(strcmp(tenyo_ctx_error(c), err2) == 0 && strstr(err2, "'docvec.q8'"), "%.200s | %.200s",
           tenyo_ctx_error(c), err2);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* What a command of one query names to tenyo_index_open_for leaves its
 * tables for their first use: without TENYO_PREFETCH_IDS the id table is
 * made by the first lookup (every id found where tenyo_index_open finds
 * it), and with any prefetch the term table by the first query that looks
 * a term up (the same answers). A term written twice (a damaged vocab) is
 * then refused by that query, naming the file and the term, as the open
 * without prefetch refuses it, while a keyword search, which looks no term
 * up, answers as on the sound file. */
TY_TEST(api_open_for_lazy_tables) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&y, err, sizeof err), TENYO_OK);
    const char *p = tmp("sample_read.tny");
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_KEYWORDS, &x, err, sizeof err), TENYO_OK);
    uint64_t n = tenyo_index_ndocs(y);
    CHECK(n > 20 && tenyo_index_ndocs(x) == n);
    for (uint64_t d = 0; d < n; d += 13) {
        tenyo_doc_meta dm;
        CHECK_EQ_INT(tenyo_index_doc(y, d, &dm), TENYO_OK);
        CHECK(tenyo_index_find(x, dm.id) == (int64_t)d && tenyo_index_find(y, dm.id) == (int64_t)d);
    }
    CHECK(tenyo_index_find(x, "NO-SUCH-ID") == -1);
    tenyo_ctx *c = NULL, *d = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
    const char *q = "運転者の眠気を検出する装置";
    tenyo_hit a[10], b[10];
    int na = tenyo_similar_text(c, q, strlen(q), TENYO_MODE_HYBRID, 10, a);
    CHECK(na > 0);
    CHECK_EQ_INT(na, tenyo_similar_text(d, q, strlen(q), TENYO_MODE_HYBRID, 10, b));
    for (int k = 0; k < na; k++)
        CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    x = NULL;
    /* the same file with its second term written as its first */
    const ty_model *m = &y->m;
    CHECK(m->nterms > 2);
    size_t l0 = strlen(m->term_blob), l1 = strlen(m->term_blob + m->term_off[1]);
    size_t vlen = (size_t)m->term_blob_len - l1 + l0;
    char *voc = malloc(vlen);
    CHECK(voc);
    memcpy(voc, m->term_blob, l0 + 1);
    memcpy(voc + l0 + 1, m->term_blob, l0 + 1);
    memcpy(voc + 2 * (l0 + 1), m->term_blob + m->term_off[2],
           (size_t)m->term_blob_len - m->term_off[2]);
    const char *bad = tmp("lazy_dup_term.tny");
    CHECK_EQ_INT(ty_test_copy(p, bad), 0);
    ty_secput put = {"vocab", voc, vlen, NULL, 0};
    /* without "vocab.map", which would still hold the terms as they were */
    static const char *const nomap[] = {"vocab.map"};
    CHECK_EQ_INT(ty_store_rewrite(bad, nomap, 1, &put, 1, NULL, err, sizeof err), TENYO_OK);
    free(voc);
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, "duplicate term") && strstr(err, bad), "%.200s", err);
    CHECK_EQ_INT(tenyo_index_open_for(bad, TENYO_PREFETCH_KEYWORDS, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL, *g = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(y, &g), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(g, d, "装置"), TENYO_OK);
    na = tenyo_search(c, f, 10, a);
    CHECK(na > 0);
    CHECK_EQ_INT(na, tenyo_search(d, g, 10, b));
    CHECK(tenyo_filter_count(f) == tenyo_filter_count(g));
    for (int k = 0; k < na; k++) CHECK(a[k].doc == b[k].doc);
    tenyo_filter_free(f);
    tenyo_filter_free(g);
    CHECK_EQ_INT(tenyo_similar_text(c, q, strlen(q), TENYO_MODE_HYBRID, 10, a), TENYO_ERR_CORRUPT);
    CHECKF(strstr(tenyo_ctx_error(c), "duplicate term") && strstr(tenyo_ctx_error(c), bad), "%.200s",
           tenyo_ctx_error(c));
    CHECK_EQ_INT(tenyo_similar_doc(c, 3, TENYO_MODE_LSA, 5, a), TENYO_ERR_CORRUPT);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* ty_store_rewrite putting a keyword section of layout 2 stores it as the
 * writer does (one zstd frame of stored blocks, read in place): the
 * sample's own section put back gives the same file, byte for byte (what
 * bench/kw_relayout does to a layout-1 index). */
TY_TEST(api_rewrite_keywords_as_written) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    const char *kw = NULL;
    uint64_t kwlen = 0;
    CHECK(x->m.kw_sec != NULL);
    CHECK_EQ_INT(ty_lazysec_get(x->m.kw_sec, &kw, &kwlen, err, sizeof err), TENYO_OK);
    CHECK(kwlen > 4 && memcmp(kw, "TKW2", 4) == 0);
    const char *p = tmp("sample_read.tny"), *q = tmp("rewrite_kw.tny");
    size_t fl = 0, gl = 0;
    char *img = ty_test_slurp(p, &fl);
    FILE *fo = fopen(q, "wb");
    CHECK(img && fo && fwrite(img, 1, fl, fo) == fl);
    if (fo) fclose(fo);
    ty_secput put = {"keywords", kw, kwlen, NULL, 0};
    CHECK_EQ_INT(ty_store_rewrite(q, NULL, 0, &put, 1, NULL, err, sizeof err), TENYO_OK);
    char *again = ty_test_slurp(q, &gl);
    CHECK(again && gl == fl && memcmp(again, img, fl) == 0);
    free(img);
    free(again);
    tenyo_index_free(x);
}

/* A section of stored blocks above zstd's default window (128 MiB: a
 * 1M-document keyword section) is copied by a later rewrite, not refused
 * as needing too much memory (its frame names its whole content as its
 * window), and comes out byte for byte. */
TY_TEST(api_rewrite_copies_a_wide_stored_section) {
    char err[256];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    const char *p = tmp("sample_read.tny"), *q = tmp("rewrite_wide.tny");
    CHECK_EQ_INT(ty_test_copy(p, q), 0);
    size_t n = ((size_t)129 << 20) + 7;
    char *big = ty_malloc(n);
    CHECK(big != NULL);
    if (!big) return;
    for (size_t i = 0; i < n; i++) big[i] = (char)(i * 2654435761u >> 24);
    ty_secput put = {"tfidf.post", big, n, NULL, 0};
    CHECK_EQ_INT(ty_store_rewrite(q, NULL, 0, &put, 1, NULL, err, sizeof err), TENYO_OK);
    free(big);
    size_t al = 0;
    CHECK(rewrite_same_bytes(q, &al));
    CHECK(al > n);
    remove(q);
}

/* The field model from its training rows only, gathered elsewhere (what
 * tenyo-mpi index does after the SVD): the same blob as from the whole
 * matrix, with TENYO_FM_MAX_DOCS lowering the bound so that the sample
 * (every 7th document of the 200) is a strict subset; and the knob in force. */
TY_TEST(api_fieldmodel_from_training_rows) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    ty_model m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(ty_store_read(tmp("sample_read.tny"), &m, err, sizeof err), TENYO_OK);
    CHECK(m.ndocs == 200 && m.nfields > 1 && m.tfidf.rowptr && m.tfidf.nrows == m.ndocs);
    CHECK_EQ_INT(ty_fieldmodel_step(m.ndocs), 1);
    setenv("TENYO_FM_MAX_DOCS", "30", 1);
    uint64_t step = ty_fieldmodel_step(m.ndocs), n = (m.ndocs + step - 1) / step;
    CHECK_EQ_INT(step, 7);
    ty_fieldmodel fa, fb;
    ty_buf ba = {0}, bb = {0};
    CHECK_EQ_INT(ty_fieldmodel_train(&m, &fa), TENYO_OK);
    /* the training rows alone, as a gather makes them */
    ty_csr r = {0};
    r.nrows = n;
    r.ncols = m.tfidf.ncols;
    r.rowptr = calloc(n + 1, sizeof *r.rowptr);
    CHECK(r.rowptr);
    for (uint64_t i = 0; i < n; i++)
        r.rowptr[i + 1] = r.rowptr[i] + m.tfidf.rowptr[i * step + 1] - m.tfidf.rowptr[i * step];
    r.col = malloc((r.rowptr[n] ? r.rowptr[n] : 1) * sizeof *r.col);
    r.val = malloc((r.rowptr[n] ? r.rowptr[n] : 1) * sizeof *r.val);
    CHECK(r.col && r.val);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t a = m.tfidf.rowptr[i * step], l = r.rowptr[i + 1] - r.rowptr[i];
        memcpy(r.col + r.rowptr[i], m.tfidf.col + a, l * sizeof *r.col);
        memcpy(r.val + r.rowptr[i], m.tfidf.val + a, l * sizeof *r.val);
    }
    CHECK_EQ_INT(ty_fieldmodel_train_rows(&m, &r, 1, 1, &fb), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_write(&fa, &m, &ba), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_write(&fb, &m, &bb), TENYO_OK);
    CHECK(ba.len == bb.len && !memcmp(ba.p, bb.p, ba.len));
    /* the sample is not the whole: another model than the stored one */
    CHECK(m.fm_blob && (ba.len != m.fm_len || memcmp(ba.p, m.fm_blob, ba.len)));
    ty_fieldmodel_free(&fb);
    r.nrows = n - 1; /* too few rows: refused */
    CHECK_EQ_INT(ty_fieldmodel_train_rows(&m, &r, 1, 1, &fb), TENYO_ERR_ARG);
    unsetenv("TENYO_FM_MAX_DOCS");
    ty_csr_free(&r);
    ty_buf_free(&ba);
    ty_buf_free(&bb);
    ty_fieldmodel_free(&fa);
    ty_fieldmodel_free(&fb);
    ty_model_free(&m);
}

/* The field model trained by several processes (forked workers sharing
 * the results) is the same blob as by one, with the negatives sampled
 * (TENYO_FM_NEG lowers their number so that the 200-document sample
 * corpus is sampled as a large one is) and without; the sample changes
 * the model, and its bias is corrected for the share kept. */
TY_TEST(api_fieldmodel_workers_same_model) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    ty_model m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(ty_store_read(tmp("sample_read.tny"), &m, err, sizeof err), TENYO_OK);
    CHECK(m.ndocs == 200 && m.nfields > 1);
    ty_buf b1 = {0}, b3 = {0}, bs1 = {0}, bs3 = {0};
    ty_fieldmodel f1, f3, s1, s3;
    CHECK_EQ_INT(ty_fieldmodel_train_workers(&m, 1, &f1), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_train_workers(&m, 3, &f3), TENYO_OK);
    setenv("TENYO_FM_NEG", "40", 1);
    CHECK_EQ_INT(ty_fieldmodel_train_workers(&m, 1, &s1), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_train_workers(&m, 3, &s3), TENYO_OK);
    unsetenv("TENYO_FM_NEG");
    CHECK_EQ_INT(ty_fieldmodel_write(&f1, &m, &b1), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_write(&f3, &m, &b3), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_write(&s1, &m, &bs1), TENYO_OK);
    CHECK_EQ_INT(ty_fieldmodel_write(&s3, &m, &bs3), TENYO_OK);
    CHECK(b1.len == b3.len && !memcmp(b1.p, b3.p, b1.len));
    CHECK(bs1.len == bs3.len && !memcmp(bs1.p, bs3.p, bs1.len));
    CHECK(b1.len != bs1.len || memcmp(b1.p, bs1.p, b1.len));
    /* the stored model (built with the defaults) is the one-worker model */
    CHECK(m.fm_blob && m.fm_len == b1.len && !memcmp(m.fm_blob, b1.p, b1.len));
    /* a field trained both ways: with 40 of ~190 negatives kept, the
     * sampled model's raw intercept is higher and the correction ln(keep)
     * brings it back near the full model's */
    uint32_t nboth = 0;
    double gap = 0;
    for (uint32_t f = 0; f < m.nfields; f++)
        if (f1.trained[f] && s1.trained[f]) {
            nboth++;
            gap += fabs((double)s1.bias[f] - f1.bias[f]);
        }
    CHECK(nboth > 0);
    CHECK(gap / nboth < 1.0);
    ty_buf_free(&b1);
    ty_buf_free(&b3);
    ty_buf_free(&bs1);
    ty_buf_free(&bs3);
    ty_fieldmodel_free(&f1);
    ty_fieldmodel_free(&f3);
    ty_fieldmodel_free(&s1);
    ty_fieldmodel_free(&s3);
    ty_model_free(&m);
}

/* Company matching's application: every match of the sample gets at most
 * one use; one the patent's own text states has the patent as evidence, a
 * phrase from it or none (its title) and no confidence (-1); one from
 * evidence has a proposal's field, a phrase and a confidence in (0, 1];
 * the batch gives the same uses as one call per match; matches come
 * strongest band first, each band by the one rule (ty_band_of); arguments
 * are checked. */
TY_TEST(api_match_apply) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    const char *txt = "カメラで撮像した画像から異常を検出する検査装置の設計と製造を得意とする。";
    tenyo_idea id[20];
    tenyo_match mt[8];
    tenyo_match_app ap[8], one;
    int got = 0;
    int n = tenyo_match_text(c, txt, strlen(txt), NULL, 20, id, &got, 8, mt);
    CHECK(n >= 1);
    int found = tenyo_match_apply(c, mt, (size_t)n, id, got, NULL, ap);
    CHECK(found >= 1 && found <= n);
    for (int i = 0; i < n; i++) {
        if (!ap[i].found) continue;
        CHECK(ap[i].code && strlen(ap[i].code) == 4);
        if (ap[i].own) CHECK(ap[i].evidence == mt[i].doc && ap[i].confidence == -1);
        else CHECK(ap[i].phrase && ap[i].confidence > 0 && ap[i].confidence <= 1);
        CHECK(ap[i].evidence < tenyo_index_ndocs(x));
        if (ap[i].phrase) CHECK(ap[i].target && ap[i].target_len > 0);
        CHECK(mt[i].band >= TENYO_BAND_REFERENCE && mt[i].band <= TENYO_BAND_STRONG);
        CHECK(i == 0 || mt[i].band <= mt[i - 1].band);
        CHECK((mt[i].band == TENYO_BAND_STRONG) == (mt[i].weak == 0));
        CHECK(mt[i].content >= 0 && mt[i].content <= 1);
        CHECK_EQ_INT(tenyo_match_apply(c, &mt[i], 1, id, got, NULL, &one), 1);
        CHECK(one.evidence == ap[i].evidence && !strcmp(one.code, ap[i].code));
        CHECK(one.card == ap[i].card && one.band == ap[i].band && one.nwords == ap[i].nwords);
    }
    /* the judge's decision with the use known: the band (a strong match
     * without a use a candidate), no use said, the words its why shows, a
     * card only with one of them; the JSON lists the cards it decided */
    int cards = 0;
    for (int i = 0; i < n; i++) {
        CHECK(ap[i].band == (!ap[i].found && mt[i].band == TENYO_BAND_STRONG ? TENYO_BAND_CANDIDATE
                                                                              : mt[i].band));
        CHECK(!(ap[i].weak & TENYO_WEAK_NO_USE) == !!ap[i].found);
        CHECK((ap[i].weak & ~(unsigned)TENYO_WEAK_NO_USE) == mt[i].weak);
        tenyo_why w;
        int wr = tenyo_match_why(c, txt, strlen(txt), mt[i].doc, &w);
        CHECK(wr >= 0 && ap[i].nwords == (wr == 1 ? w.nterms : 0));
        CHECK(!ap[i].card || ap[i].nwords > 0);
        cards += ap[i].card;
    }
    char *js = NULL;
    CHECK_EQ_INT(tenyo_match_text(c, txt, strlen(txt), NULL, 20, id, &got, 8, mt), n);
    CHECK_EQ_INT(tenyo_match_json(c, txt, strlen(txt), id, got, mt, n, 8, "ja", &js), TENYO_OK);
    json_t *jo = json_loads(js, 0, NULL);
    CHECK(jo && (int)json_array_size(json_object_get(jo, "matches")) == cards);
    CHECK(jo && (int)json_array_size(json_object_get(jo, "reference")) == n - cards);
    json_decref(jo);
    tenyo_json_free(js);
    CHECK_EQ_INT(tenyo_match_apply(c, mt, 0, id, got, NULL, NULL), 0);
    CHECK_EQ_INT(tenyo_match_apply(NULL, mt, 1, id, got, NULL, ap), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_match_apply(c, mt, 1, id, got, NULL, NULL), TENYO_ERR_ARG);
    tenyo_match bad = mt[0];
    bad.doc = tenyo_index_ndocs(x);
    CHECK_EQ_INT(tenyo_match_apply(c, &bad, 1, id, got, NULL, ap), TENYO_ERR_ARG);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The first co-classification rows an index is asked for come from a pass
 * over its documents, without building every field's lists; every field's
 * row so made equals the lists' counts (tenyo_index_cooccur), and the
 * 33rd row builds them. */
/* The homes' rows counted in parts on several threads add up to the one
 * pass's, for any count of parts (the sample cut in parts of 16 documents
 * and more), rows of two and of five homes (a field twice, one past the
 * table). */
TY_TEST(api_cooccur_rows_in_parts_same) {
    char path[512];
    snprintf(path, sizeof path, "%s/co_parts.tny", ty_test_tmpdir());
    CHECK(ty_test_build(SAMPLE, 1000000, NULL, path) == 0);
    char err[256];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    if (!x) return;
    uint32_t nf = x->m.nfields;
    int64_t sets[2][5] = {{3, 7}, {0, 11, 11, (int64_t)nf + 5, 19}};
    int ns[2] = {2, 5};
    size_t saved = ty_cooc_part_min, diff = 0, nonzero = 0;
    for (int s = 0; s < 2; s++) {
        uint32_t *one = calloc((size_t)ns[s] * nf, sizeof *one);
        uint32_t *many = calloc((size_t)ns[s] * nf, sizeof *many);
        CHECK(one && many);
        ty_cooc_part_min = 1u << 30; /* one pass */
        x->co_direct = 0;
        CHECK_EQ_INT(ty_cooccur_rows_nt(x, sets[s], ns[s], one, 4), 0);
        for (size_t pmin = 16; pmin <= 64; pmin *= 2)
            for (int nt = 2; nt <= 5; nt++) {
                ty_cooc_part_min = pmin;
                x->co_direct = 0; /* the direct pass, not the lists */
                memset(many, 0xff, (size_t)ns[s] * nf * sizeof *many);
                CHECK_EQ_INT(ty_cooccur_rows_nt(x, sets[s], ns[s], many, nt), 0);
                for (size_t i = 0; i < (size_t)ns[s] * nf; i++) diff += one[i] != many[i];
            }
        for (size_t i = 0; i < (size_t)ns[s] * nf; i++) nonzero += one[i] != 0;
        free(one);
        free(many);
    }
    ty_cooc_part_min = saved;
    CHECK(!ty_once_done(&x->co_once));
    tenyo_index_free(x);
    CHECK_EQ_INT(diff, 0);
    CHECK(nonzero > 10);
}

TY_TEST(api_cooccur_rows_direct_same) {
    char path[512];
    snprintf(path, sizeof path, "%s/co_rows.tny", ty_test_tmpdir());
    CHECK(ty_test_build(SAMPLE, 1000000, NULL, path) == 0);
    char err[256];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    uint32_t nf = x->m.nfields;
    tenyo_index_free(x);
    CHECK(nf > 40);
    uint32_t *row = calloc(nf, sizeof *row);
    CHECK(row);
    size_t bad = 0, nonzero = 0;
    for (uint32_t base = 0; base < nf; base += 32) {
        x = NULL;
        CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
        uint32_t end = base + 32 < nf ? base + 32 : nf;
        uint32_t **rows = calloc(32, sizeof *rows);
        CHECK(rows);
        for (uint32_t a = base; a < end; a++) {
            rows[a - base] = calloc(nf, sizeof **rows);
            CHECK(rows[a - base] && ty_cooccur_row(x, a, rows[a - base]) == 0);
        }
        CHECKF(!ty_once_done(&x->co_once), "rows %u..%u built the lists", base, end);
        for (uint32_t a = base; a < end; a++) {
            for (uint32_t b = 0; b < nf; b++) {
                nonzero += rows[a - base][b] != 0;
                if (rows[a - base][b] != tenyo_index_cooccur(x, a, b) && bad++ < 3)
                    fprintf(stderr, "  %u,%u: row %u, lists %llu\n", a, b, rows[a - base][b],
                            (unsigned long long)tenyo_index_cooccur(x, a, b));
            }
            free(rows[a - base]);
        }
        free(rows);
        tenyo_index_free(x);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(nonzero > nf);
    /* several rows in one pass (a field twice, one not in the index), then
     * the same fields from the lists */
    x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    int64_t batch[5] = {3, -1, (int64_t)nf - 1, 3, 7};
    uint32_t *rows = calloc((size_t)5 * nf, sizeof *rows);
    CHECK(rows && ty_cooccur_rows(x, batch, 5, rows) == 0);
    CHECK(!ty_once_done(&x->co_once));
    for (int h = 0; rows && h < 5; h++)
        for (uint32_t b = 0; b < nf; b++) {
            uint64_t want = batch[h] < 0 ? 0 : tenyo_index_cooccur(x, (uint32_t)batch[h], b);
            CHECKF(rows[(size_t)h * nf + b] == want, "batch %d field %u: %u, lists %llu", h, b,
                   rows[(size_t)h * nf + b], (unsigned long long)want);
        }
    CHECK(ty_once_done(&x->co_once)); /* tenyo_index_cooccur built them */
    uint32_t *again = calloc((size_t)5 * nf, sizeof *again);
    CHECK(again && ty_cooccur_rows(x, batch, 5, again) == 0);
    CHECK(rows && again && !memcmp(rows, again, (size_t)5 * nf * sizeof *rows));
    free(rows);
    free(again);
    tenyo_index_free(x);
    /* past 32 rows: the lists */
    x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    for (uint32_t a = 0; a < 33; a++) CHECK(ty_cooccur_row(x, a % nf, row) == 0);
    CHECK(ty_once_done(&x->co_once));
    CHECK(ty_cooccur_row(x, nf + 5, row) == 0 && row[0] == 0);
    tenyo_index_free(x);
    free(row);
}

/* A caller that reads neither vectors nor rows (a keyword search) opens
 * the index without its term tables, rows' lengths and field lists
 * (vocab, df, idf, sigma, tfidf.rows, docfields): its keyword queries
 * never read them; the first query that needs them (a text query,
 * similar, ideas; a field filter or ideas the field lists) reads them,
 * and answers bit for bit as an index opened whole. Damaged, they refuse
 * that query and every later one naming the section, the keyword search
 * still answers, and an open that reads them refuses as it always did. */
TY_TEST(api_terms_read_on_need) {
    tenyo_index *x = NULL, *y = NULL;
    char err[512], err2[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    CHECK(!x->m.terms_deferred && x->m.df != NULL);
    char p[512], bad[512]; /* tmp()'s buffers rotate: copies kept */
    snprintf(p, sizeof p, "%s", tmp("sample_read.tny"));
    snprintf(bad, sizeof bad, "%s", tmp("lazy_bad_terms.tny"));
    CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err), TENYO_OK);
    CHECK(y->m.terms_deferred && !y->m.df && !y->m.term_blob && !y->m.tfidf.rowptr);
    tenyo_index_info ix, iy;
    tenyo_index_info_get(x, &ix);
    tenyo_index_info_get(y, &iy);
    CHECK(ix.nnz == iy.nnz && ix.nterms == iy.nterms);
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    tenyo_hit h[5];
    CHECK_EQ_INT(tenyo_ctx_new(y, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(y, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置 OR 方法"), TENYO_OK);
    CHECK(tenyo_search(c, f, 5, h) > 0);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    CHECK(!y->m.df && !y->m.tfidf.rowptr); /* a keyword search read none */
    CHECK(same_vector_answers(x, y));
    CHECK(y->m.df && y->m.tfidf.rowptr &&
          !memcmp(x->m.df, y->m.df, x->m.nterms * sizeof *x->m.df) &&
          !memcmp(x->m.tfidf.rowptr, y->m.tfidf.rowptr, (x->m.ndocs + 1) * sizeof(uint64_t)));
    tenyo_index_free(y);
    y = NULL;
    /* the terms decoded from "vocab": a copy without "vocab.map" (with it
     * a query looks words up in the map; tests of it in test_store.c) */
    char p0[512];
    snprintf(p0, sizeof p0, "%s", tmp("sample_nomap.tny"));
    CHECK_EQ_INT(ty_test_copy(p, p0), 0);
    static const char *const nomap[] = {"vocab.map"};
    CHECK_EQ_INT(ty_store_rewrite(p0, nomap, 1, NULL, 0, NULL, err, sizeof err), TENYO_OK);
    static const char *sec[] = {"vocab", "idf", "tfidf.rows", "docfields"};
    for (int s = 0; s < 4; s++) {
        CHECK_EQ_INT(ty_test_damage(p0, bad, sec[s], NULL), 0);
        CHECK_EQ_INT(tenyo_index_open_for(bad, TENYO_PREFETCH_KEYWORDS, &y, err, sizeof err),
                     TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_new(y, &c, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_new(y, &f), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置"), TENYO_OK);
        CHECK(tenyo_search(c, f, 5, h) > 0);
        CHECK_EQ_INT(tenyo_filter_field(f, "G06F", 0), TENYO_OK); /* reads the field lists */
        int64_t fc = tenyo_filter_count(f);
        CHECK(s == 3 ? fc == TENYO_ERR_CORRUPT : fc >= 0);
        tenyo_filter_free(f);
        const char *q = "運転者の眠気を検出する装置";
        if (s == 3) /* similar reads no field list; ideas does */
            CHECK(tenyo_similar_text(c, q, strlen(q), TENYO_MODE_TFIDF, 5, h) > 0);
        tenyo_idea ia[5];
        for (int i = 0; i < 2; i++) {
            int rc = s == 3 ? sample_ideas_all(y, c, ia, 5)
                            : tenyo_similar_text(c, q, strlen(q), TENYO_MODE_TFIDF, 5, h);
            CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
            CHECKF(strstr(tenyo_ctx_error(c), bad) && strstr(tenyo_ctx_error(c), sec[s]),
                   "%s: %s", sec[s], tenyo_ctx_error(c));
        }
        tenyo_ctx_free(c);
        c = NULL;
        CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_ERR_CORRUPT);
        tenyo_index_free(y);
        y = NULL;
        CHECK_EQ_INT(tenyo_index_open(bad, &y, err2, sizeof err2), TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err2) == 0, "%s: %.200s | %.200s", sec[s], err, err2);
        CHECK(y == NULL);
    }
    tenyo_index_free(x);
}

/* ty_ctx_tokenize_memo sends the terms ty_ctx_tokenize sends, in order,
 * whether the sentence is tokenized or replayed: the sample's abstracts'
 * first 300 sentence-sized pieces asked three times over in another order
 * (more pieces than slots: kept ones pushed out and asked again), and a
 * piece longer than the memo keeps. */
typedef struct memo_rec {
    char buf[1 << 15];
    size_t n;
} memo_rec;
static void memo_rec_emit(void *ud, const char *t, size_t n) {
    memo_rec *r = ud;
    if (r->n + n + 1 < sizeof r->buf) {
        memcpy(r->buf + r->n, t, n);
        r->n += n;
        r->buf[r->n++] = '|';
    }
}
TY_TEST(api_tokenize_memo_same_terms) {
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(open_sample(&x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    if (!x || !c) return;
    enum { NP = 300 };
    static char piece[NP][200];
    int np = 0;
    for (uint64_t d = 0; d < x->m.ndocs && np < NP; d++) {
        const char *a;
        size_t al;
        if (tenyo_doc_abstract(c, d, &a, &al) || !al) continue;
        for (size_t o = 0; o + 60 <= al && np < NP; o += 90) {
            size_t e = o + 60;
            while (e < al && ((unsigned char)a[e] & 0xC0) == 0x80) e++; /* a whole character */
            size_t s0 = o;
            while (s0 < e && ((unsigned char)a[s0] & 0xC0) == 0x80) s0++;
            snprintf(piece[np++], sizeof piece[0], "%.*s", (int)(e - s0), a + s0);
        }
    }
    CHECK(np > TY_TOKMEMO_SLOTS);
    static memo_rec want, got;
    int bad = 0, terms = 0;
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < np; s++) {
            int p = (int)(((uint64_t)s * 7919u + (uint64_t)r * 31u) % (uint64_t)np);
            want.n = got.n = 0;
            CHECK(ty_ctx_tokenize(c, piece[p], strlen(piece[p]), memo_rec_emit, &want) == 0);
            CHECK(ty_ctx_tokenize_memo(c, piece[p], strlen(piece[p]), memo_rec_emit, &got) == 0);
            bad += want.n != got.n || memcmp(want.buf, got.buf, want.n);
            terms += want.n > 0;
        }
    static char big[TY_TOKMEMO_MAX + 400];
    size_t bl = 0;
    while (bl + strlen(piece[0]) + 1 < sizeof big) {
        memcpy(big + bl, piece[bl % 7 == 0 ? 0 : 1], strlen(piece[bl % 7 == 0 ? 0 : 1]));
        bl += strlen(piece[bl % 7 == 0 ? 0 : 1]);
    }
    big[bl] = 0;
    want.n = got.n = 0;
    CHECK(ty_ctx_tokenize(c, big, bl, memo_rec_emit, &want) == 0);
    CHECK(ty_ctx_tokenize_memo(c, big, bl, memo_rec_emit, &got) == 0);
    bad += want.n != got.n || memcmp(want.buf, got.buf, want.n);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(bad == 0 && terms > 3 * np / 2, "%d differ, %d with terms", bad, terms);
}
