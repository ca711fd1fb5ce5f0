/*
 * test_segment.c — incremental updates (api/segment.c, store/manifest.c):
 * add, replace, delete, staleness, the lock, stale and damaged manifests,
 * the IVF remap, and rebuild. The corpus is our own data/sample: the first
 * 180 records make the base, the last 20 are added.
 */
#include "test.h"
#include "api/api.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Records [from, to) of the sample, given to add(ud, doc). */

static int add_u(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }

/* Add d with a fuller title (「改訂 」 before it): a record that brings
 * something new, so that it replaces an indexed document of its id (one
 * that brings nothing new leaves the document as it is). */
static int add_revised(void *ud, const tenyo_doc *d) {
    char t[1024];
    snprintf(t, sizeof t, "改訂 %s", d->title);
    tenyo_doc r = *d;
    r.title = t;
    return tenyo_update_add(ud, &r);
}

/* A base index of records [0, n) at tmp/name, with IVF lists when ivf
 * (and float16 vectors for their re-rank when ivf is 2); its updates are
 * dropped first unless keep_updates. */
static const char *make_base_k(const char *name, int n, int ivf, int keep_updates) {
    static char path[8][512];
    static int slot;
    char *p = path[slot++ % 8];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    if (!keep_updates) tenyo_index_drop_updates(p, NULL, 0);
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.threads = 1;
    o.ivf_lists = ivf ? 8 : 0;
    o.f16_vectors = ivf == 2;
    return ty_test_build(SAMPLE, n, &o, p) == 0 ? p : NULL;
}

static const char *make_base(const char *name, int n, int ivf) {
    return make_base_k(name, n, ivf, 0);
}

/* Delete id from the index at path in one committed update: the number
 * deleted (0 or 1), or the TENYO_ERR_* (< 0) of opening or committing. */
static int delete_one(const char *path, const char *id) {
    tenyo_update *u = NULL;
    char err[256];
    int rc = tenyo_update_open(path, NULL, &u, err, sizeof err);
    if (rc) return rc;
    int n = tenyo_update_delete(u, id);
    rc = tenyo_update_commit(u, NULL);
    tenyo_update_free(u);
    return rc ? rc : n;
}

/* Add records [from, to) to the index at path (revised: each with a fuller
 * title, add_revised). */
static int add_range_as(const char *path, int from, int to, tenyo_update_stats *st, int revised) {
    tenyo_update *u = NULL;
    char err[256];
    int rc = tenyo_update_open(path, NULL, &u, err, sizeof err);
    if (rc) return rc;
    rc = ty_test_feed(SAMPLE, from, to, revised ? add_revised : add_u, u) < 0
             ? TENYO_ERR_INPUT : tenyo_update_commit(u, st);
    tenyo_update_free(u);
    return rc;
}

static int add_range(const char *path, int from, int to, tenyo_update_stats *st) {
    return add_range_as(path, from, to, st, 0);
}

TY_TEST(segment_add_folds_in) {
    const char *p = make_base("seg_add.tny", 180, 0);
    CHECK(p);
    tenyo_update_stats st;
    CHECK_EQ_INT(add_range(p, 180, 200, &st), TENYO_OK);
    CHECK_EQ_INT(st.added, 20);
    CHECK_EQ_INT(st.replaced, 0);
    CHECK_EQ_INT(st.docs, 200);
    CHECK_EQ_INT(st.generation, 1);
    tenyo_index *x = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 200);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 1);
    CHECK_EQ_INT(in.nsegments, 1);
    CHECK_EQ_INT(in.docs_fit, 180);
    CHECK_EQ_INT(in.docs_added, 20);
    CHECK_NEAR(in.stale_docs, 0.1, 1e-9);
    CHECK(in.stale_mass > 0 && in.stale_mass < 1);
    /* an added document: its stored vector is the fold-in of its own text,
     * so a text query with it finds it first at cosine 1 in LSA mode */
    int64_t d = tenyo_index_find(x, "SAMPLE-190");
    CHECK(d >= 180);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, (uint64_t)d, &dm);
    const ty_model *m = &x->m;
    CHECK(m->dim > 0);
    float v[TY_MAX_DIM];
    ty_q8_row(&x->q8, (uint64_t)d, v);
    double n2 = 0;
    for (uint32_t j = 0; j < m->dim; j++) n2 += (double)v[j] * v[j];
    CHECK_NEAR(n2, 1.0, 1e-4);
    /* its neighbours are ordinary documents, and it is found from the base */
    tenyo_hit h[10];
    int n = tenyo_similar_doc(c, (uint64_t)d, TENYO_MODE_HYBRID, 5, h);
    CHECK(n == 5);
    for (int i = 0; i < n; i++) CHECK(h[i].doc != (uint64_t)d && h[i].score > 0);
    n = tenyo_similar_doc(c, h[0].doc, TENYO_MODE_HYBRID, 10, h);
    int found = 0;
    for (int i = 0; i < n; i++) found |= h[i].doc == (uint64_t)d;
    CHECK(found);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(segment_replace_and_delete) {
    const char *p = make_base("seg_del.tny", 180, 0);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 180, 200, NULL), TENYO_OK);
    tenyo_update *u = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-005"), 1);   /* in the base */
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-195"), 1);   /* in the segment */
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-195"), 0);   /* already */
    CHECK_EQ_INT(tenyo_update_delete(u, "NO-SUCH-ID"), 0);
    const char *codes[] = {"G06F16/00"};
    tenyo_doc nd = {.id = "SAMPLE-010",
                    .title = "置き換えた題名：自己修復性のポリウレタン被膜", .abstract =
                    "太陽電池パネルの表面に撥水性の被膜を形成する方法。", .claims = "",
                    .description = "", .applicant = "", .date = "2025-01-01", .codes = codes,
                    .ncodes = 1, .open = 1, .lang = "ja", .source = "t", .line = 1};
    CHECK_EQ_INT(tenyo_update_add(u, &nd), TENYO_OK);
    tenyo_update_stats st;
    CHECK_EQ_INT(tenyo_update_commit(u, &st), TENYO_OK);
    tenyo_update_free(u);
    CHECK_EQ_INT(st.added, 1);
    CHECK_EQ_INT(st.replaced, 1);
    CHECK_EQ_INT(st.deleted, 2);
    CHECK_EQ_INT(st.docs, 198);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 198);
    CHECK(tenyo_index_find(x, "SAMPLE-005") < 0);
    CHECK(tenyo_index_find(x, "SAMPLE-195") < 0);
    int64_t d = tenyo_index_find(x, "SAMPLE-010");
    CHECK(d >= 0);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, (uint64_t)d, &dm);
    /* merged with the indexed document: the longer title (this one), the
     * codes of both (its own first), marked licensable */
    CHECK_STR(dm.title, "置き換えた題名：自己修復性のポリウレタン被膜");
    CHECK(strstr(dm.fields, "G06F") != NULL && strcmp(dm.fields, "G06F"));
    CHECK(dm.open);
    int64_t f = tenyo_index_field_find(x, "G06F");
    CHECK(f >= 0);
    /* no result list ever shows a deleted document */
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[198];
    int n = tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 198, h);
    CHECK_EQ_INT(n, 197);
    for (int i = 0; i < n; i++) {
        tenyo_index_doc(x, h[i].doc, &dm);
        CHECK(strcmp(dm.id, "SAMPLE-005") && strcmp(dm.id, "SAMPLE-195"));
    }
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 2);
    CHECK_EQ_INT(in.docs_deleted, 2); /* SAMPLE-005 and the old SAMPLE-010 */
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(segment_uncommitted_and_lock) {
    const char *p = make_base("seg_lock.tny", 60, 0);
    CHECK(p);
    tenyo_update *u = NULL, *u2 = NULL;
    char err[256] = "";
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u2, err, sizeof err), TENYO_ERR_BUSY);
    CHECK(strstr(err, "another writer"));
    /* every writer takes the same lock: a new base and a rebuild too */
    tenyo_writer *w = NULL;
    CHECK_EQ_INT(tenyo_writer_open(p, 0, &w, err, sizeof err), TENYO_ERR_BUSY);
    CHECK(w == NULL);
    CHECK_EQ_INT(tenyo_index_rebuild(p, NULL, NULL, err, sizeof err), TENYO_ERR_BUSY);
    CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-001"), 1);
    CHECK(ty_test_feed(SAMPLE, 60, 80, add_u, u) > 0);
    tenyo_update_free(u); /* not committed */
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 60);
    CHECK(tenyo_index_find(x, "SAMPLE-001") >= 0);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 0);
    tenyo_index_free(x);
    /* the lock was released */
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    tenyo_update_free(u);
}

TY_TEST(segment_stale_and_damaged_manifest) {
    const char *p = make_base("seg_stale.tny", 100, 0);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 100, 120, NULL), TENYO_OK);
    /* a new base written over it (as `tenyo index` does before it drops the
     * updates): the manifest's fit no longer matches and is ignored */
    char keep[600];
    snprintf(keep, sizeof keep, "%s.upd/MANIFEST", p);
    CHECK(make_base_k("seg_stale.tny", 90, 0, 1));
    tenyo_index *x = NULL;
    char err[256] = "";
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 90);
    tenyo_index_free(x);
    /* a damaged manifest is refused, naming it */
    FILE *f = fopen(keep, "r+b");
    CHECK(f);
    fseek(f, 20, SEEK_SET);
    fputc('7', f);
    fclose(f);
    int rc = tenyo_index_open(p, &x, err, sizeof err);
    CHECKF(rc == TENYO_ERR_CORRUPT, "rc %d: %s", rc, err);
    CHECK(strstr(err, "MANIFEST"));
    CHECK_EQ_INT(tenyo_index_drop_updates(p, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 90);
    tenyo_index_free(x);
}

TY_TEST(segment_ivf_remapped) {
    const char *p = make_base("seg_ivf.tny", 180, 1);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 180, 200, NULL), TENYO_OK);
    CHECK_EQ_INT(delete_one(p, "SAMPLE-003"), 1);
    char err[256] = "";
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK(x->ivf);
    CHECK_EQ_INT(x->ivf->n, 199);
    /* probing every list is the exact LSA ranking, added documents included */
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit a[10], b[10];
    int64_t d = tenyo_index_find(x, "SAMPLE-185");
    CHECK(d >= 0);
    int na = tenyo_similar_doc(c, (uint64_t)d, TENYO_MODE_LSA, 10, a);
    CHECK_EQ_INT(tenyo_ctx_set_nprobe(c, 8), TENYO_OK);
    int nb = tenyo_similar_doc(c, (uint64_t)d, TENYO_MODE_LSA, 10, b);
    CHECK_EQ_INT(na, nb);
    for (int i = 0; i < na; i++) {
        CHECK_EQ_INT(a[i].doc, b[i].doc);
        CHECK_NEAR(a[i].score, b[i].score, 1e-5);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(segment_rebuild_refits) {
    const char *p = make_base("seg_rebuild.tny", 150, 0);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 150, 200, NULL), TENYO_OK);
    CHECK_EQ_INT(delete_one(p, "SAMPLE-002"), 1);
    char err[256] = "";
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK(in.rebuild_advised);
    tenyo_index_free(x);
    tenyo_build_stats st;
    int rc = tenyo_index_rebuild(p, NULL, &st, err, sizeof err);
    CHECKF(rc == TENYO_OK, "%s", err);
    CHECK_EQ_INT(st.docs, 199);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 0);
    CHECK_EQ_INT(in.docs_fit, 199);
    CHECK_EQ_INT(in.docs_added, 0);
    CHECK(!in.rebuild_advised);
    CHECK(tenyo_index_find(x, "SAMPLE-002") < 0);
    CHECK(tenyo_index_find(x, "SAMPLE-199") >= 0);
    tenyo_index_free(x);
    char mp[600];
    snprintf(mp, sizeof mp, "%s.upd/MANIFEST", p);
    struct stat sb;
    CHECK(stat(mp, &sb) != 0);
}

/* ideas (and hybrid similar) through the IVF lists: with every list probed
 * and a corpus smaller than the candidate count, the approximate path must
 * give exactly the exact answers; with no IVF, nprobe is refused. */
TY_TEST(ivf_ideas_nprobe_all_lists_exact) {
    const char *p = make_base("ivf_ideas.tny", 200, 1);
    CHECK(p);
    tenyo_index *x = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    uint32_t nl = tenyo_index_ivf_lists(x);
    CHECK(nl > 0);
    tenyo_ctx *a = NULL, *b = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &a, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &b, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_nprobe(b, nl), TENYO_OK);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_usable = 0.5;
    for (int mode = TENYO_MODE_LSA; mode <= TENYO_MODE_HYBRID; mode++) {
        o.mode = (tenyo_mode)mode;
        for (uint64_t d = 0; d < 200; d += 37) {
            tenyo_idea ia[10], ib[10];
            int na = tenyo_ideas_doc(a, d, &o, 10, ia);
            int nb = tenyo_ideas_doc(b, d, &o, 10, ib);
            CHECKF(na == nb && na > 0, "doc %llu mode %d: %d vs %d ideas",
                   (unsigned long long)d, mode, na, nb);
            for (int i = 0; i < na; i++) {
                CHECK_EQ_INT(ia[i].field, ib[i].field);
                CHECK_NEAR(ia[i].score, ib[i].score, 1e-5);
            }
            tenyo_hit ha[10], hb[10];
            na = tenyo_similar_doc(a, d, (tenyo_mode)mode, 10, ha);
            nb = tenyo_similar_doc(b, d, (tenyo_mode)mode, 10, hb);
            CHECK_EQ_INT(na, nb);
            for (int i = 0; i < na; i++) {
                CHECK_EQ_INT(ha[i].doc, hb[i].doc);
                CHECK_NEAR(ha[i].score, hb[i].score, 1e-5);
            }
        }
    }
    tenyo_ctx_free(a);
    tenyo_ctx_free(b);
    tenyo_index_free(x);
    /* an index without lists refuses nprobe */
    const char *q = make_base("ivf_none.tny", 60, 0);
    CHECK(q);
    CHECK_EQ_INT(tenyo_index_open(q, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &a, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_nprobe(a, 4), TENYO_ERR_ARG);
    tenyo_ctx_free(a);
    tenyo_index_free(x);
}

/* tenyo check on a consistent index, then with a segment file gone: the
 * reader names the file, check finds it, --repair keeps every readable
 * document (base + the other segment) and moves nothing it cannot read
 * back into place; the repaired index checks clean (issue 16). */
static void check_say(void *ud, int problem, const char *line) {
    (void)line;
    ((int *)ud)[problem ? 1 : 0]++;
}

TY_TEST(segment_check_and_repair) {
    const char *p = make_base("seg_check.tny", 60, 0);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 60, 80, NULL), TENYO_OK);  /* seg-000001: 20 */
    CHECK_EQ_INT(add_range(p, 80, 90, NULL), TENYO_OK);  /* seg-000002: 10 */
    tenyo_check_stats st;
    char err[512] = "";
    int said[2] = {0, 0};
    CHECK_EQ_INT(tenyo_index_check(p, 0, &st, check_say, said, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(st.problems, 0);
    CHECK_EQ_INT(st.docs_readable, 90);
    CHECK_EQ_INT(said[1], 0);
    char seg[600];
    snprintf(seg, sizeof seg, "%s.upd/seg-000001.tys", p);
    CHECK(unlink(seg) == 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "seg-000001.tys") && strstr(err, "tenyo check --repair"));
    CHECK_EQ_INT(tenyo_index_check(p, 0, &st, NULL, NULL, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(st.segments_bad, 1);
    CHECK_EQ_INT(st.docs_lost, 20);
    CHECK_EQ_INT(tenyo_index_check(p, 1, &st, NULL, NULL, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(st.repaired, 1);
    CHECK_EQ_INT(st.docs_after, 70);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 70);
    CHECK(tenyo_index_find(x, "SAMPLE-085") >= 0); /* the second segment kept */
    CHECK(tenyo_index_find(x, "SAMPLE-070") < 0);  /* the lost one's */
    tenyo_index_free(x);
    CHECK_EQ_INT(tenyo_index_check(p, 0, &st, NULL, NULL, err, sizeof err), TENYO_OK);
}

/* Deletion file format 2 (issue 40, F1): every commit writes one that
 * records the state and each deleted id; a lost MANIFEST is repaired from
 * it with every deletion kept, an older MANIFEST put back is refused by the
 * reader and repaired forward, and with the deletion file lost too the
 * repair refuses and changes nothing. */
TY_TEST(segment_repair_from_deletion_record) {
    const char *p = make_base("seg_rec.tny", 60, 0);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 60, 80, NULL), TENYO_OK);   /* gen 1, no deletions yet */
    CHECK_EQ_INT(delete_one(p, "SAMPLE-010"), 1);         /* gen 2: in the base */
    CHECK_EQ_INT(delete_one(p, "SAMPLE-070"), 1);         /* gen 3: in the segment */
    char dir[600], mp[700], keep[700], err[512] = "";
    snprintf(dir, sizeof dir, "%s.upd", p);
    ty_dels d;
    CHECK_EQ_INT(ty_dels_load(dir, "del-000003.tyd", &d, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(d.version, 2);
    CHECK_EQ_INT(d.generation, 3);
    CHECK_EQ_INT(d.base_docs, 60);
    CHECK_EQ_INT(d.nseg, 1);
    CHECK(!strcmp(d.seg[0].file, "seg-000001.tys") && d.seg[0].docs == 20);
    CHECK_EQ_INT(d.n, 2);
    CHECK(d.ids && !strcmp(d.ids[0], "SAMPLE-010") && !strcmp(d.ids[1], "SAMPLE-070"));
    ty_dels_free(&d);
    snprintf(mp, sizeof mp, "%s/MANIFEST", dir);
    snprintf(keep, sizeof keep, "%s/MANIFEST.gen3", dir);
    CHECK(link(mp, keep) == 0);
    CHECK_EQ_INT(delete_one(p, "SAMPLE-020"), 1);         /* gen 4 */
    CHECK_EQ_INT(delete_one(p, "SAMPLE-021"), 1);         /* gen 5 */
    /* an older MANIFEST put back: readers refuse it, repair goes forward */
    CHECK(rename(keep, mp) == 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "older than"));
    tenyo_check_stats st;
    CHECK_EQ_INT(tenyo_index_check(p, 1, &st, NULL, NULL, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(st.docs_after, 76);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK(tenyo_index_find(x, "SAMPLE-010") < 0 && tenyo_index_find(x, "SAMPLE-070") < 0 &&
          tenyo_index_find(x, "SAMPLE-021") < 0 && tenyo_index_find(x, "SAMPLE-079") >= 0);
    tenyo_index_free(x);
    x = NULL;
    /* the MANIFEST lost: repaired from the newest deletion file */
    CHECK(unlink(mp) == 0);
    CHECK_EQ_INT(tenyo_index_check(p, 1, &st, NULL, NULL, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(st.docs_after, 76);
    /* the MANIFEST and its deletion file lost: refused, nothing changed */
    ty_manifest mf;
    CHECK_EQ_INT(ty_manifest_read(dir, &mf, err, sizeof err), TENYO_OK);
    char dp[700];
    snprintf(dp, sizeof dp, "%s/%s", dir, mf.del);
    ty_manifest_free(&mf);
    CHECK(unlink(dp) == 0 && unlink(mp) == 0);
    CHECK_EQ_INT(tenyo_index_check(p, 1, &st, NULL, NULL, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(st.repaired, 0);
    CHECK(access(mp, F_OK) != 0);
    snprintf(dp, sizeof dp, "%s/seg-000001.tys", dir);
    CHECK(access(dp, F_OK) == 0);
}

/* A new base refuses what it may not replace, and a path through a
 * symbolic link writes the link's target. */
TY_TEST(segment_writer_refusals) {
    const char *p = make_base("seg_writer.tny", 40, 0);
    CHECK(p);
    char other[600], link[600], err[512] = "";
    snprintf(other, sizeof other, "%s.notes.txt", p);
    FILE *f = fopen(other, "w");
    CHECK(f);
    fputs("not an index\n", f);
    fclose(f);
    tenyo_writer *w = NULL;
    CHECK_EQ_INT(tenyo_writer_open(other, 0, &w, err, sizeof err), TENYO_ERR_ARG);
    CHECK(strstr(err, "not a tenyo index"));
    CHECK_EQ_INT(tenyo_writer_open(other, TENYO_WRITE_FORCE, &w, err, sizeof err), TENYO_OK);
    tenyo_writer_free(w);
    snprintf(link, sizeof link, "%s.link", p);
    unlink(link);
    CHECK(symlink(p, link) == 0);
    CHECK_EQ_INT(tenyo_writer_open(link, 0, &w, err, sizeof err), TENYO_OK);
    char *real = realpath(p, NULL);
    int same = real && strcmp(tenyo_writer_path(w), real) == 0;
    free(real);
    CHECK(same);
    tenyo_writer *w2 = NULL;
    CHECK_EQ_INT(tenyo_writer_open(p, 0, &w2, err, sizeof err), TENYO_ERR_BUSY); /* one index */
    tenyo_writer_free(w);
}

/* ------------------------------------------ float16 vectors (docvec.f16) */

/* A base of records [0, n) at tmp/name with IVF lists and float16 vectors. */
static const char *make_base_f16(const char *name, int n) {
    return make_base_k(name, n, 2, 0);
}

/* Documents whose float16 row is not its int8 row's direction (cosine
 * below 0.999): rows out of step with the documents. */
static int f16_rows_off(const tenyo_index *x) {
    const ty_model *m = &x->m;
    size_t k = m->dim;
    float a[TY_MAX_DIM], b[TY_MAX_DIM];
    int off = 0;
    /* an open reads the IVF's lists alone: the rows by their first need */
    if (ty_index_need_vectors(x, NULL, 0)) return -1;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        ty_f16_to_floats(m->doc_h + d * k, k, a);
        ty_q8_row(&x->q8, d, b);
        double ab = 0, aa = 0, bb = 0;
        for (size_t i = 0; i < k; i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i],
                                      bb += (double)b[i] * b[i];
        off += !(ab / sqrt(aa * bb) >= 0.999);
    }
    return off;
}

/* Share of the exact LSA (and hybrid) top 10 that the IVF finds with every
 * list probed and the float16 re-rank, over every third document. */
static double f16_overlap(tenyo_index *x, tenyo_mode mode, size_t rerank) {
    tenyo_ctx *a = NULL, *b = NULL;
    if (tenyo_ctx_new(x, &a, NULL, 0) || tenyo_ctx_new(x, &b, NULL, 0) ||
        tenyo_ctx_set_nprobe(b, tenyo_index_ivf_lists(x)) || tenyo_ctx_set_rerank(b, rerank)) {
        tenyo_ctx_free(a);
        tenyo_ctx_free(b);
        return -1;
    }
    double hit = 0, all = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d += 3) {
        tenyo_hit ha[10], hb[10];
        int na = tenyo_similar_doc(a, d, mode, 10, ha), nb = tenyo_similar_doc(b, d, mode, 10, hb);
        for (int i = 0; i < na; i++)
            for (int j = 0; j < nb; j++) hit += ha[i].doc == hb[j].doc;
        all += na;
    }
    tenyo_ctx_free(a);
    tenyo_ctx_free(b);
    return all ? hit / all : -1;
}

/* Built with --f16: the section is there after reopening, holds the
 * documents' own vectors, costs 2k bytes per document (info), and the IVF
 * re-ranked from it finds the exact scan's answers (recall@10 against the
 * exact int8 scan, whose near ties float16 may order otherwise). */
TY_TEST(f16_index_recall_and_reopen) {
    const char *p = make_base_f16("f16_base.tny", 200);
    CHECK(p);
    tenyo_index *x = NULL;
    char err[256] = "";
    CHECKF(tenyo_index_open(p, &x, err, sizeof err) == TENYO_OK, "%s", err);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    uint32_t k = x->m.dim;
    CHECK(k > 0 && x->m.doc_h);
    CHECK_EQ_INT(in.f16_bytes, 2ull * 200 * k);
    int found = 0;
    for (int i = 0; i < in.nsections; i++)
        found |= !strcmp(in.sections[i].name, "docvec.f16") && in.sections[i].raw == 2ull * 200 * k;
    CHECK(found);
    CHECK_EQ_INT(f16_rows_off(x), 0);
    double r = f16_overlap(x, TENYO_MODE_LSA, 200);
    CHECKF(r >= 0.97, "recall@10 against the exact scan (lsa) %.3f", r);
    r = f16_overlap(x, TENYO_MODE_HYBRID, 200);
    CHECKF(r >= 0.97, "recall@10 against the exact scan (hybrid) %.3f", r);
    /* the default depth too */
    r = f16_overlap(x, TENYO_MODE_LSA, 0);
    CHECKF(r >= 0.97, "recall@10, default re-rank depth %.3f", r);
    CHECK_EQ_INT(tenyo_ctx_set_rerank(NULL, 5), TENYO_ERR_ARG);
    uint16_t *keep = malloc(2ull * 200 * k);
    CHECK(keep);
    memcpy(keep, x->m.doc_h, 2ull * 200 * k);
    tenyo_index_free(x);
    x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    int same = x->m.doc_h && !memcmp(keep, x->m.doc_h, 2ull * 200 * k);
    free(keep);
    tenyo_index_free(x);
    CHECK(same);
    /* without IVF lists there is nothing to re-rank: refused */
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.f16_vectors = 1;
    tenyo_builder *b = NULL;
    CHECK_EQ_INT(tenyo_builder_new(&o, &b, err, sizeof err), TENYO_ERR_ARG);
    CHECK(strstr(err, "--ivf") != NULL);
}

/* Added documents get float16 rows from their fold-in, deleted ones lose
 * theirs (rows stay in step with the documents), and a rebuild writes
 * them again from the new fit. */
TY_TEST(f16_index_updates_and_rebuild) {
    const char *p = make_base_f16("f16_upd.tny", 180);
    CHECK(p);
    CHECK_EQ_INT(add_range(p, 180, 200, NULL), TENYO_OK);
    CHECK_EQ_INT(delete_one(p, "SAMPLE-003"), 1);
    char err[256] = "";
    tenyo_index *x = NULL;
    CHECKF(tenyo_index_open(p, &x, err, sizeof err) == TENYO_OK, "%s", err);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 199);
    CHECK_EQ_INT(in.docs_added, 20);
    CHECK_EQ_INT(in.f16_bytes, 2ull * 199 * x->m.dim);
    CHECK_EQ_INT(f16_rows_off(x), 0);
    double r = f16_overlap(x, TENYO_MODE_LSA, 199);
    CHECKF(r >= 0.97, "recall@10 after add and delete %.3f", r);
    /* an added document finds itself's neighbours: its text query's best
     * is itself at cosine ~1 through the IVF and the float16 row */
    int64_t d = tenyo_index_find(x, "SAMPLE-190");
    CHECK(d >= 0);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_nprobe(c, tenyo_index_ivf_lists(x)), TENYO_OK);
    tenyo_hit h[3];
    int n = tenyo_similar_doc(c, (uint64_t)d, TENYO_MODE_LSA, 3, h);
    CHECK(n == 3);
    for (int i = 0; i < n; i++) CHECK(h[i].doc != (uint64_t)d && h[i].score <= 1.001f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    x = NULL;
    tenyo_build_stats st;
    CHECKF(tenyo_index_rebuild(p, NULL, &st, err, sizeof err) == TENYO_OK, "%s", err);
    CHECKF(tenyo_index_open(p, &x, err, sizeof err) == TENYO_OK, "%s", err);
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 0);
    CHECK(in.ivf_lists > 0);
    CHECK_EQ_INT(in.f16_bytes, 2ull * 199 * x->m.dim);
    CHECK_EQ_INT(f16_rows_off(x), 0);
    tenyo_index_free(x);
}

/* A damaged section docvec.f16 is refused naming it: a flipped byte in its
 * frame (the checksum), and a NaN written by a faulty writer (the value
 * check). */
TY_TEST(f16_section_damaged_refused) {
    const char *p = make_base_f16("f16_bad.tny", 120);
    CHECK(p);
    size_t len = 0;
    unsigned char *f = (unsigned char *)ty_test_slurp(p, &len);
    CHECK(f && len > 40);
    uint32_t ns = (uint32_t)(f[16] | f[17] << 8 | (uint32_t)f[18] << 16 | (uint32_t)f[19] << 24);
    uint64_t off = 0, stored = 0;
    for (uint32_t i = 0; i < ns && 32 + 48 * (size_t)(i + 1) <= len; i++) {
        const unsigned char *e = f + 32 + 48 * (size_t)i;
        if (strcmp((const char *)e, "docvec.f16")) continue;
        for (int b = 7; b >= 0; b--) off = off << 8 | e[16 + b], stored = stored << 8 | e[24 + b];
    }
    CHECK(stored > 16 && off + stored <= len);
    f[off + stored / 2] ^= 0x5a;
    char q[600];
    snprintf(q, sizeof q, "%s/f16_flipped.tny", ty_test_tmpdir());
    FILE *o = fopen(q, "wb");
    CHECK(o);
    CHECK(fwrite(f, 1, len, o) == len);
    fclose(o);
    free(f);
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(q, &x, err, sizeof err);
    CHECK(rc != TENYO_OK && !x);
    CHECKF(strstr(err, "docvec.f16") != NULL, "%s", err);
    ty_model m;
    CHECK_EQ_INT(ty_store_read(p, &m, err, sizeof err), TENYO_OK);
    CHECK(m.doc_h);
    m.doc_h[7 * m.dim + 3] = 0x7e00; /* a NaN in document 7 */
    snprintf(q, sizeof q, "%s/f16_nan.tny", ty_test_tmpdir());
    rc = ty_store_write(&m, q, err, sizeof err);
    ty_model_free(&m);
    CHECKF(rc == TENYO_OK, "%s", err);
    rc = tenyo_index_open(q, &x, err, sizeof err);
    CHECK(rc == TENYO_ERR_CORRUPT && !x);
    CHECKF(strstr(err, "docvec.f16") && strstr(err, "document 7"), "%s", err);
}

/* The answers of every exact mode for a few documents of the index at p,
 * as bytes (ids and scores) into out (n hits each): 0 when they could be
 * had. */
static int exact_answers(const char *p, tenyo_hit *out, size_t n) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[256];
    int bad = tenyo_index_open(p, &x, err, sizeof err) || tenyo_ctx_new(x, &c, err, sizeof err);
    for (int m = 0; m < 3 && !bad; m++)
        for (uint64_t d = 0; d < 4 && !bad; d++) {
            tenyo_hit *h = out + (size_t)(m * 4 + (int)d) * n;
            memset(h, 0, n * sizeof *h);
            bad = tenyo_similar_doc(c, d * 37, (tenyo_mode)m, n, h) != (int)n;
        }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return bad;
}

/* 1 when a[0..n) and b[0..n) name the same documents with the same score
 * bits. */
static int same_hits(const tenyo_hit *a, const tenyo_hit *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i].doc != b[i].doc || memcmp(&a[i].score, &b[i].score, sizeof a[i].score)) return 0;
    return 1;
}

/* tenyo_index_rebuild_ivf: without updates the lists alone (nothing
 * refitted: the exact answers and every other section the same, the file
 * back to its very bytes without lists); float16 vectors without lists
 * refused; with updates a refit with the new lists. */
TY_TEST(segment_rebuild_ivf_lists_alone) {
    const char *p = make_base("seg_relist.tny", 200, 0);
    CHECK(p);
    size_t n0 = 0, n1 = 0;
    char *orig = ty_test_slurp(p, &n0);
    CHECK(orig);
    enum { K = 10 };
    static tenyo_hit before[12 * K], after[12 * K];
    CHECK_EQ_INT(exact_answers(p, before, K), 0);
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.threads = 1;
    o.ivf_lists = 6;
    tenyo_build_stats st;
    int refitted = -1;
    char err[256] = "";
    int rc = tenyo_index_rebuild_ivf(p, &o, &st, &refitted, err, sizeof err);
    CHECKF(rc == TENYO_OK, "%s", err);
    CHECK_EQ_INT(refitted, 0);
    CHECK_EQ_INT(st.docs, 200);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ivf_lists(x), 6);
    tenyo_index_free(x);
    tenyo_check_stats cs;
    CHECKF(tenyo_index_check(p, 0, &cs, NULL, NULL, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK_EQ_INT(exact_answers(p, after, K), 0);
    CHECK(same_hits(before, after, 12 * K)); /* fields, not the struct's padding */
    o.f16_vectors = 1; /* the index has none: made by a refit */
    o.ivf_lists = 0;
    CHECK_EQ_INT(tenyo_index_rebuild_ivf(p, &o, &st, &refitted, err, sizeof err), TENYO_ERR_ARG);
    o.f16_vectors = 0;
    rc = tenyo_index_rebuild_ivf(p, &o, &st, &refitted, err, sizeof err);
    CHECKF(rc == TENYO_OK, "%s", err);
    CHECK_EQ_INT(refitted, 0);
    char *back = ty_test_slurp(p, &n1);
    CHECK(back && n1 == n0 && memcmp(orig, back, n0) == 0);
    free(back);
    free(orig);
    CHECK_EQ_INT(add_range_as(p, 0, 5, NULL, 1), TENYO_OK); /* replaces five */
    o.ivf_lists = 4;
    rc = tenyo_index_rebuild_ivf(p, &o, &st, &refitted, err, sizeof err);
    CHECKF(rc == TENYO_OK, "%s", err);
    CHECK_EQ_INT(refitted, 1);
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ivf_lists(x), 4);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    CHECK_EQ_INT(in.generation, 0);
    tenyo_index_free(x);
}

/* An added record whose id names a live document is merged with it: one
 * that brings nothing new (the same record, or its title alone) leaves
 * the document as it is — nothing added, the abstract kept — and one that
 * brings a new code replaces it with the merged record (abstract kept,
 * codes joined). */
TY_TEST(segment_add_merges_with_indexed) {
    const char *p = make_base("seg_merge.tny", 50, 0);
    CHECK(p);
    tenyo_update_stats st;
    CHECK_EQ_INT(add_range(p, 0, 10, &st), TENYO_OK);
    CHECK_EQ_INT(st.added, 0);
    CHECK_EQ_INT(st.unchanged, 10);
    CHECK_EQ_INT(st.docs, 50);
    tenyo_update *u = NULL;
    char err[256];
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    const char *codes[] = {"B25J15/08"};
    tenyo_doc t = {.id = "SAMPLE-003", .title = "", .abstract = "", .claims = "",
                   .description = "", .applicant = "", .date = "", .lang = "ja",
                   .source = "t", .line = 1};
    CHECK_EQ_INT(tenyo_update_add(u, &t), TENYO_OK); /* nothing new */
    t.id = "SAMPLE-004";
    t.codes = codes;
    t.ncodes = 1;
    CHECK_EQ_INT(tenyo_update_add(u, &t), TENYO_OK); /* a new code */
    CHECK_EQ_INT(tenyo_update_commit(u, &st), TENYO_OK);
    tenyo_update_free(u);
    CHECK_EQ_INT(st.added, 1);
    CHECK_EQ_INT(st.replaced, 1);
    CHECK_EQ_INT(st.unchanged, 1);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    int64_t d = tenyo_index_find(x, "SAMPLE-004");
    CHECK(d >= 0);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, (uint64_t)d, &dm);
    CHECK(strstr(dm.codes, "B25J15/08") != NULL && strchr(dm.codes, ';') != NULL);
    CHECK(dm.title[0] != 0);
    const char *a = NULL;
    size_t al = 0;
    CHECK_EQ_INT(tenyo_doc_abstract(c, (uint64_t)d, &a, &al), TENYO_OK);
    CHECK(al > 20);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The base of segment_add_merge_keeps_text: records [0, 50) and X-9, whose
 * text is a short title and abstract and, as claims, SAMPLE-001's
 * abstract (kept in claims by pick_claims). */
static char claims_buf[8192];
static int pick_claims(void *ud, const tenyo_doc *d) {
    if (!strcmp(d->id, "SAMPLE-001")) snprintf(claims_buf, sizeof claims_buf, "%s", d->abstract);
    return tenyo_builder_add(ud, d);
}

/* The score of SAMPLE-001 as the closest document to X-9 in the index at
 * p (TF-IDF), or -1 when another is closer. */
static float x9_top(const char *p) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[256];
    float s = -1;
    if (tenyo_index_open(p, &x, err, sizeof err) || tenyo_ctx_new(x, &c, err, sizeof err)) {
        tenyo_index_free(x);
        return -2;
    }
    int64_t d = tenyo_index_find(x, "X-9");
    tenyo_hit h[1];
    tenyo_doc_meta dm;
    if (d >= 0 && tenyo_similar_doc(c, (uint64_t)d, TENYO_MODE_TFIDF, 1, h) == 1 &&
        tenyo_index_doc(x, h[0].doc, &dm) == TENYO_OK && !strcmp(dm.id, "SAMPLE-001"))
        s = h[0].score;
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return s;
}

/* tenyo_update_add merging a record into an indexed document keeps the
 * text the index does not keep (its claims): a record of other fields
 * only re-adds it from its stored terms; one whose new text would lose
 * them is refused (TENYO_ERR_INPUT, naming the patent and what), one that
 * gives them again is merged. */
TY_TEST(segment_add_merge_keeps_text) {
    char p[512], err[256];
    snprintf(p, sizeof p, "%s/seg_mkeep.tny", ty_test_tmpdir());
    tenyo_index_drop_updates(p, NULL, 0);
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.threads = 1;
    tenyo_builder *b = NULL;
    CHECK_EQ_INT(tenyo_builder_new(&o, &b, err, sizeof err), TENYO_OK);
    CHECK(ty_test_feed(SAMPLE, 0, 50, pick_claims, b) > 0);
    CHECK(claims_buf[0] != 0);
    tenyo_doc x9 = {.id = "X-9", .title = "別の装置", .abstract = "装置。",
                    .claims = claims_buf, .description = "", .applicant = "", .date = "",
                    .lang = "ja", .source = "t", .line = 1};
    CHECK_EQ_INT(tenyo_builder_add(b, &x9), TENYO_OK);
    CHECK_EQ_INT(tenyo_builder_write(b, p, NULL), TENYO_OK);
    tenyo_builder_free(b);
    float s0 = x9_top(p);
    CHECK(s0 > 0.5f);
    /* other fields only: kept whole */
    tenyo_update *u = NULL;
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    tenyo_doc m = {.id = "X-9", .title = "", .abstract = "", .claims = "", .description = "",
                   .applicant = "株式会社テスト", .date = "", .numbers = "特願2020-999999",
                   .source = "m", .line = 1};
    CHECK_EQ_INT(tenyo_update_add(u, &m), TENYO_OK);
    tenyo_update_stats st;
    CHECK_EQ_INT(tenyo_update_commit(u, &st), TENYO_OK);
    tenyo_update_free(u);
    CHECK_EQ_INT(st.added, 1);
    float s1 = x9_top(p);
    CHECK(s1 > s0 - 0.02f && s1 < s0 + 0.02f);
    /* a new title without the claims: refused, nothing committed */
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    tenyo_doc t = m;
    t.title = "別の装置の改良";
    t.applicant = "";
    t.numbers = "";
    CHECK_EQ_INT(tenyo_update_add(u, &t), TENYO_ERR_INPUT);
    CHECK(strstr(tenyo_update_error(u), "X-9: not added") != NULL);
    /* it has an abstract: only claims can hold what would be lost */
    CHECK(strstr(tenyo_update_error(u), "(its claims: words such as") != NULL);
    tenyo_update_free(u);
    /* with the claims again: merged, the claims' words kept */
    CHECK_EQ_INT(tenyo_update_open(p, NULL, &u, err, sizeof err), TENYO_OK);
    t.claims = claims_buf;
    CHECK_EQ_INT(tenyo_update_add(u, &t), TENYO_OK);
    CHECK_EQ_INT(tenyo_update_commit(u, &st), TENYO_OK);
    tenyo_update_free(u);
    CHECK(x9_top(p) > 0.5f);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    int64_t d = tenyo_index_find(x, "X-9");
    CHECK(d >= 0);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, (uint64_t)d, &dm);
    CHECK_STR(dm.title, "別の装置の改良");
    CHECK_STR(dm.applicant, "株式会社テスト");
    tenyo_index_free(x);
}
