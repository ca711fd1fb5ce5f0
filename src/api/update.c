/*
 * update.c — incremental updates: tenyo add / delete (tenyo_update_*) and
 * rebuild (tenyo_index_rebuild); the model, the merge at open and
 * staleness are api/segment.c's opening comment.
 *
 * A writer opens the index (base and updates merged, tenyo_index_open),
 * builds the added documents into a new segment with the base's tokenizer
 * (tenyo_builder, no LSA), writes the deletion file and the MANIFEST that
 * names them. An added record whose id names a live document is merged
 * with it field by field first (update_merge.c): one that brings nothing
 * new leaves the document as it is; one that changes only its other fields
 * (numbers, applicant, date, codes, mark) adds it again from its stored
 * term counts, surfaces, phrases and abstract (put_counts, as a rebuild
 * does), so that no text is lost that the index does not keep (claims,
 * descriptions, an abstract past 4 KiB or under --no-abstracts); one that
 * changes its text adds the merged record, tokenized again, unless the
 * document's stored terms show text the index does not keep that the
 * merged record lacks (held_text): that record is refused, naming the
 * patent and what would be lost, and nothing is committed.
 *
 * Writers. tenyo_update_open and tenyo_index_rebuild take the index's one
 * writer lock on its real path (store/manifest.c, ty_wlock) and collect
 * the leftovers of killed writers before anything else. The commit point
 * is the MANIFEST's rename: every file an update writes before it is a
 * leftover if it is killed or fails first. The first update committed for
 * a base then sets the base's "updated" byte (store/write.c), so a base
 * copied without "<path>.upd/" says that updates exist (tenyo info warns,
 * tenyo check reports); a format-3 base without the byte and without a
 * MANIFEST has had no update committed, and the segment and deletion
 * files beside it are collected by the next writer. A manifest whose
 * rename is in place but whose directory sync failed is reported as
 * committed with unknown durability (TENYO_ERR_UNSYNCED), and the files
 * the previous manifest named are kept.
 *
 * Rebuild reads every live document's stored term counts, surfaces,
 * phrases, abstract and other numbers (update_merge.c's index of them)
 * back out of the merged model and feeds them to a builder
 * (ty_builder_add_counts): vocabulary, df filters, idf, SVD and IVF are
 * refitted with the base's options, no source files needed. Terms the
 * original build dropped (df below min_df) are not in the index and cannot
 * come back; a rebuild is a refit of what the index holds.
 */
#include "api/api.h"
#include "api/build.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ============================================================== updates */

struct tenyo_update {
    ty_wlock lock;            /* the writer lock: real path, update directory */
    const char *path;         /* = lock.path: the base file's real path */
    const char *dir;          /* = lock.dir: its update directory */
    tenyo_index *x;           /* state when opened */
    ty_manifest mf;           /* its manifest (fresh when none or stale) */
    tenyo_build_opts o;       /* threads, progress */
    tenyo_builder *b;         /* documents to add (NULL: none yet) */
    ty_strmap *added;         /* their ids */
    uint64_t *del;            /* global positions deleted by this update */
    char **delid;             /* their documents' ids (malloc'd each) */
    size_t ndel, capdel;      /* used / allocated */
    uint8_t *deleted;         /* per document of x: deleted by this update */
    ty_upd_numidx *numidx;    /* x's other numbers by id (update_merge.c) */
    uint64_t unchanged;       /* records a live document was left as */
    int counts_ready;         /* x's term counts loaded, its keyword index
                                 too when it has one (put_counts) */
    ty_tokctx *tc;            /* the builder's tokenizer, for held_text */
    char lost[96];            /* a word held_text found lost (0: kept) */
    const char **terms;       /* put_counts's room for one row */
    size_t capterms;          /* its entries */
    ty_buf surf, phr;         /* put_counts's scratch */
    int marked;               /* the base's "updated" byte was set here */
    double t0;                /* open time */
    char err[TY_ERRLEN];      /* last error */
};

const char *tenyo_update_error(const tenyo_update *u) { return u ? u->err : ""; }

uint64_t tenyo_update_unchanged(const tenyo_update *u) { return u ? u->unchanged : 0; }

void tenyo_update_free(tenyo_update *u) {
    if (!u) return;
    ty_tokctx_free(u->tc); /* before the builder's tokenizer it was made from */
    tenyo_builder_free(u->b);
    ty_strmap_free(u->added);
    tenyo_index_free(u->x);
    ty_manifest_free(&u->mf);
    ty_wlock_release(&u->lock);
    for (size_t i = 0; i < u->ndel; i++) free(u->delid[i]);
    free(u->del);
    free(u->delid);
    free(u->deleted);
    ty_upd_numidx_free(u->numidx);
    free(u->terms);
    ty_buf_free(&u->surf);
    ty_buf_free(&u->phr);
    free(u);
}

/* Global position of document d of an opened index. */
static uint64_t gpos_of(const tenyo_index *x, uint64_t d) {
    return x->upd.gpos ? x->upd.gpos[d] : d;
}

int tenyo_update_open(const char *path, const tenyo_build_opts *opts, tenyo_update **out,
                      char *err, size_t errlen) {
    if (!path || !out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_update *u = ty_calloc(1, sizeof *u);
    if (!u) return TENYO_ERR_NOMEM;
    u->lock.fd = -1;
    u->t0 = ty_now();
    if (opts) u->o = *opts;
    else tenyo_build_opts_default(&u->o);
    int rc = TENYO_ERR_NOMEM;
    u->added = ty_strmap_new();
    if (!u->added) goto fail;
    struct stat st;
    if (stat(path, &st) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        rc = errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
        goto fail;
    }
    rc = ty_shards_refuse(path, err, errlen);
    if (rc) goto fail;
    /* one writer at a time, on the real path (a link and its target are one
     * index); what killed writers left is collected under the lock */
    rc = ty_wlock_take(path, &u->lock, err, errlen);
    if (rc) goto fail;
    u->path = u->lock.path;
    u->dir = u->lock.dir;
    ty_wlock_collect(&u->lock);
    rc = tenyo_index_open(u->path, &u->x, err, errlen);
    if (!rc) rc = ty_index_need_vectors(u->x, err, errlen); /* the writer reads them */
    if (rc) goto fail;
    if (!ty_model_has_tf(&u->x->m)) {
        ty_seterr(err, errlen, "%s: written by index format %u without term counts; "
                  "index the source again to update it", path, u->x->m.format_version);
        rc = TENYO_ERR_VERSION;
        goto fail;
    }
    char why[TY_ERRLEN];
    rc = ty_manifest_read(u->dir, &u->mf, why, sizeof why);
    /* an open with no manifest left the fit id for the one that makes it */
    if (!u->x->upd.fit && !u->x->upd.gpos) u->x->upd.fit = ty_model_fit_id(&u->x->m);
    if (rc == TENYO_OK && u->mf.fit != u->x->upd.fit) {
        /* stale: made for another base (a rebuild was interrupted before it
         * dropped it); start over from this base, generations still rising */
        uint64_t g = u->mf.generation;
        ty_manifest_free(&u->mf);
        u->mf.generation = g;
    } else if (rc == TENYO_ERR_NOTFOUND) {
        memset(&u->mf, 0, sizeof u->mf);
        /* no update was ever committed to a base that can record one and
         * does not: segment and deletion files here are those of updates
         * killed before their commit point (the MANIFEST's rename) */
        if (u->x->m.format_version >= 3 && !u->x->m.updated) ty_upd_gc(u->dir, NULL);
    } else if (rc) {
        ty_seterr(err, errlen, "%s", why);
        goto fail;
    }
    u->mf.fit = u->x->upd.fit;
    u->mf.base_docs = u->x->upd.gpos ? u->x->upd.base_docs : u->x->m.ndocs;
    rc = TENYO_ERR_NOMEM;
    u->deleted = ty_calloc(u->x->m.ndocs ? u->x->m.ndocs : 1, 1);
    if (!u->deleted) goto fail;
    *out = u;
    return TENYO_OK;
fail:
    tenyo_update_free(u);
    return rc;
}

static int put_counts(tenyo_builder *b, const tenyo_index *x, uint64_t d, const tenyo_doc *doc,
                      const char **terms, ty_buf *surf, ty_buf *phr);

/* Load what put_counts and held_text read of u->x: its term counts and,
 * when it has one, its keyword index (the whole abstracts). 0 or a status
 * with u->err set. */
static int counts_ready(tenyo_update *u) {
    if (u->counts_ready) return TENYO_OK;
    int rc = ty_model_need_tf(&u->x->m, u->err, sizeof u->err);
    if (rc) return rc;
    const ty_model *m = &u->x->m;
    if (m->kw_blob || m->kw_sec || u->x->kw_nparts) /* a damaged one: the 4 KiB kept */
        (void)tenyo_index_keyword_index(u->x, NULL, NULL, NULL);
    u->counts_ready = 1;
    return TENYO_OK;
}

/* Terms of a text and how often each occurs (held_text). */
typedef struct tcount {
    ty_strmap *t;       /* term -> k */
    uint32_t *n;        /* per k: occurrences */
    size_t cap;         /* entries of n */
    int status;         /* first failure */
} tcount;

static void tcount_term(void *ud, const char *t, size_t n) {
    tcount *c = ud;
    if (c->status) return;
    int is_new = 0;
    int64_t k = ty_strmap_intern(c->t, t, n, &is_new);
    if (k < 0) {
        c->status = (int)k;
        return;
    }
    if (is_new) {
        if (ty_grow((void **)&c->n, &c->cap, (size_t)k, sizeof *c->n, 256)) {
            c->status = TENYO_ERR_NOMEM;
            return;
        }
        c->n[k] = 0;
    }
    c->n[k]++;
}

/* The terms of the text record d is indexed on (as the builder tokenizes
 * a record) counted into *c (c->t made here); desc: its description too,
 * next to its title as a record without abstract and claims has it (the
 * tokenizer may join words across the line between them). 0 or a
 * negative status. */
static int count_text(ty_tokctx *tc, const tenyo_doc *d, int desc, tcount *c) {
    ty_buf text = {0};
    tenyo_doc td = *d;
    if (desc) td.abstract = td.claims = ""; /* title, description; then the rest */
    if (!(c->t = ty_strmap_new()) || ty_bld_record_text(&text, &td) ||
        (desc && (ty_bld_add_text(&text, d->abstract) || ty_bld_add_text(&text, d->claims)))) {
        ty_buf_free(&text);
        return TENYO_ERR_NOMEM;
    }
    ty_tok_sink sink = {tcount_term, NULL, NULL, c, NULL};
    int r = ty_tokenize_sink(tc, text.p ? text.p : "", text.len, &sink);
    ty_buf_free(&text);
    return c->status ? c->status : r < 0 ? r : TENYO_OK;
}

/* Occurrences of term t in c. */
static uint32_t tcount_of(const tcount *c, const char *t) {
    int64_t k = ty_strmap_get(c->t, t, strlen(t));
    return k < 0 ? 0 : c->n[k];
}

/* Whether the merged record rec keeps the text of live document d of u->x
 * that the index does not (old: the record of what it keeps, its title
 * and abstract): each stored term count of d beyond what old's text gives
 * (what claims, a description or an abstract not kept whole gave) at most
 * what rec's text gives, both tokenized as the builder tokenizes a
 * record. What old gives may change by the merge's rules (a conflict
 * keeps the longer title); what nothing keeps must come again. 1 kept, 0
 * not, or a negative status. */
static int held_text(tenyo_update *u, uint64_t d, const tenyo_doc *old, const tenyo_doc *rec,
                     int desc) {
    char why[TY_ERRLEN] = "";
    if (!u->tc && ty_tokctx_new(u->b->tok, &u->tc, why, sizeof why)) {
        ty_seterr(u->err, sizeof u->err, "cannot start the tokenizer: %s", why);
        return TENYO_ERR_NOMEM;
    }
    tcount co = {0}, cr = {0};
    int rc = count_text(u->tc, old, 0, &co);
    if (!rc) rc = count_text(u->tc, rec, desc, &cr);
    u->lost[0] = 0;
    if (!rc) {
        const ty_model *m = &u->x->m;
        rc = 1;
        for (uint64_t j = m->tfidf.rowptr[d]; j < m->tfidf.rowptr[d + 1] && rc == 1; j++) {
            const char *t = m->term_blob + m->term_off[m->tfidf.col[j]];
            uint32_t kept = tcount_of(&co, t);
            if (m->tf[j] > kept && m->tf[j] - kept > tcount_of(&cr, t)) {
                rc = 0; /* the word named as the user wrote it, where known */
                const char *w = m->surf_off ? m->surf_blob + m->surf_off[m->tfidf.col[j]] : "";
                snprintf(u->lost, sizeof u->lost, "%s", *w ? w : t);
            }
        }
    }
    ty_strmap_free(co.t);
    ty_strmap_free(cr.t);
    free(co.n);
    free(cr.n);
    if (rc == TENYO_ERR_NOMEM) ty_seterr(u->err, sizeof u->err, "out of memory merging a record");
    else if (rc < 0) ty_seterr(u->err, sizeof u->err, "cannot tokenize the record (%s)",
                               tenyo_strerror(rc));
    return rc;
}

/* Whether the words live document d of u->x lost to the merged record rec
 * (held_text 0) all come from its whole abstract, which the keyword index
 * keeps (folded: NFKC, case) past the 4 KiB its stored abstract holds:
 * 1 yes, 0 no (claims or a description hold some), negative status. */
static int lost_in_abstract(tenyo_update *u, uint64_t d, const tenyo_doc *old,
                            const tenyo_doc *rec) {
    const tenyo_index *x = u->x;
    if (!x->kwx || !x->kw_text) return 0;
    int rc = ty_kw_need(x, d, d + 1, u->err, sizeof u->err);
    if (rc) return rc;
    const char *r = x->kw_text + x->kw_off[d] + x->kw_tlen[d] + 1;
    size_t n = (size_t)(x->kw_text + x->kw_off[d + 1] - 1 - r);
    char *whole = ty_malloc(n + 1);
    if (!whole) return TENYO_ERR_NOMEM;
    memcpy(whole, r, n);
    whole[n] = 0;
    tenyo_doc o = *old;
    o.abstract = whole;
    char lost[sizeof u->lost];
    memcpy(lost, u->lost, sizeof lost);
    rc = held_text(u, d, &o, rec, 0);
    memcpy(u->lost, lost, sizeof lost); /* the word of the first look */
    free(whole);
    return rc;
}

/* The refusal of record doc, whose text differs from live document d's
 * (old: what the index keeps of it), when the merged record rec would lose
 * text of d (held_text 0), naming the text lost, a word of it, and what
 * to give instead. TENYO_ERR_INPUT, or a negative status. */
static int refuse_loss(tenyo_update *u, const tenyo_doc *doc, uint64_t d, const tenyo_doc *old,
                       const tenyo_doc *rec) {
    const ty_model *m = &u->x->m;
    /* the stored abstract at the 4 KiB it keeps: the rest of it may be
     * what is lost; the keyword index, where there is one, says whether
     * all of it is */
    int cut = m->abs && old->abstract && strlen(old->abstract) + 8 >= BUILD_ABS_MAX;
    int only_abs = cut ? lost_in_abstract(u, d, old, rec) : 0;
    if (only_abs < 0) return only_abs;
    int had_abs = m->abs && old->abstract && *old->abstract;
    const char *what, *give;
    if (!m->abs) {
        what = "its abstract (this index keeps none: --no-abstracts), claims or description";
        give = "with that text";
    } else if (only_abs) {
        what = "its abstract past the 4 KiB the index keeps";
        give = "with its whole abstract";
    } else if (cut) {
        what = "its abstract past the 4 KiB the index keeps, its claims or description";
        give = "with that text";
    } else if (had_abs) {
        what = "its claims";
        give = "with its claims";
    } else {
        /* indexed without an abstract: from its claims, or from its
         * description when it had no claims either; a description is
         * indexed only while a record has neither (as tenyo index does),
         * so it gives way to the abstract when given again */
        what = "its claims or description";
        give = "with its claims, or with its description (whose words then give way to the "
               "new abstract, as tenyo index indexes a description only without abstract and "
               "claims),";
    }
    ty_seterr(u->err, sizeof u->err,
              "%s: not added: this record changes the indexed patent's text, which is then "
              "indexed again from what the index keeps of it (title and abstract) and this "
              "record; text indexed before that neither gives (%s%s%s%s) would be lost. Index "
              "the sources again with this file (tenyo index), or give this record %s or "
              "without new text (its other fields are then merged)",
              doc->id, what, u->lost[0] ? ": words such as '" : "", u->lost,
              u->lost[0] ? "'" : "", give);
    return TENYO_ERR_INPUT;
}

int tenyo_update_add(tenyo_update *u, const tenyo_doc *doc) {
    if (!u || !doc || !doc->id) return TENYO_ERR_ARG;
    int rc;
    if (!u->b) {
        tenyo_build_opts o = u->o;
        o.tok = u->x->tok;
        o.dim = TY_BUILD_NO_LSA;
        o.min_df = 1;
        o.max_df_ratio = 1.0;
        o.ivf_lists = 0;
        o.ipc_titles = NULL;
        o.nipc_titles = 0;
        rc = tenyo_builder_new(&o, &u->b, u->err, sizeof u->err);
        if (rc) return rc;
        /* documents tokenized differently from the base would not match
         * its vocabulary: the same check a text query makes */
        const char *want = u->x->m.tokenizer ? u->x->m.tokenizer : "";
        if (strcmp(want, ty_builder_tokenizer(u->b))) {
            ty_seterr(u->err, sizeof u->err,
                      "%s: the tokenizer here differs from the index's: index %s, here %s",
                      u->path, want, ty_builder_tokenizer(u->b));
            tenyo_builder_free(u->b);
            u->b = NULL;
            return TENYO_ERR_MISMATCH;
        }
    }
    /* the live document of its id: merged with it (update_merge.c). A
     * record that brings nothing new leaves it as it is; one that changes
     * only its other fields (applicant, date, codes, numbers, mark) adds
     * it again with its stored terms, phrases and abstract as they are;
     * one that changes its text adds the merged record, to be tokenized
     * again, refused when the document holds text the index does not keep
     * (claims, description, an abstract not kept whole), which would be
     * lost. A later record of an id this update added already merges with
     * that (the builder's merge), after the same refusal. */
    ty_upd_merged mg = {0};
    int again = ty_strmap_get(u->added, doc->id, strlen(doc->id)) >= 0;
    int64_t live = tenyo_index_find(u->x, doc->id);
    const tenyo_doc *put = doc;
    if (live >= 0 && !u->deleted[live]) {
        rc = ty_upd_merge(u->x, (uint64_t)live, &u->numidx, doc,
                          again ? NULL : u->o.report, u->o.report_ud, &mg);
        if (rc) {
            ty_seterr(u->err, sizeof u->err, "%s: cannot read the indexed document "
                      "to merge with (%s)", doc->id, tenyo_strerror(rc));
            goto out;
        }
        if (mg.changed || again) rc = counts_ready(u);
        if (!rc && mg.changed == 2) {
            tenyo_doc_meta dm;
            tenyo_index_doc(u->x, (uint64_t)live, &dm);
            tenyo_doc old = {.id = dm.id, .title = dm.title,
                             .abstract = u->x->m.abs ? mg.abs.p : ""};
            const tenyo_doc *md = ty_bld_merged_doc(mg.m);
            rc = held_text(u, (uint64_t)live, &old, md, 0);
            /* indexed from its description (no abstract, no claims), given
             * an abstract and its description again: the description's
             * words give way to the abstract, as tenyo index of the
             * sources gives them (a description is indexed only without
             * both); said */
            if (rc == 0 && u->x->m.abs && !*old.abstract && md->abstract && *md->abstract &&
                md->description && *md->description &&
                (rc = held_text(u, (uint64_t)live, &old, md, 1)) == 1 && u->o.report && !again) {
                char note[TY_ERRLEN];
                snprintf(note, sizeof note, "%s: its description is no longer indexed now that it "
                         "has an abstract (tenyo index indexes a description only without "
                         "abstract and claims)", doc->id);
                u->o.report(u->o.report_ud, doc->source, doc->line, note);
            }
            rc = rc == 1 ? TENYO_OK : rc == 0 ? refuse_loss(u, doc, (uint64_t)live, &old, md) : rc;
        }
        if (rc || again) { /* again: the builder merges it with this update's */
            ty_upd_merged_free(&mg);
            if (rc) return rc;
        } else if (!mg.changed) {
            u->unchanged++;
            goto out;
        } else if (mg.changed == 1) {
            tenyo_doc_meta dm;
            tenyo_index_doc(u->x, (uint64_t)live, &dm);
            tenyo_doc md = *ty_bld_merged_doc(mg.m);
            md.claims = md.description = "";
            md.lang = dm.lang; /* of its text, which stays */
            uint64_t row = u->x->m.tfidf.rowptr[live + 1] - u->x->m.tfidf.rowptr[live];
            if (row > u->capterms) {
                const char **t = ty_reallocarray(u->terms, (size_t)row, sizeof *t);
                if (!t) {
                    rc = TENYO_ERR_NOMEM;
                    ty_seterr(u->err, sizeof u->err, "out of memory adding %s", doc->id);
                    goto out;
                }
                u->terms = t;
                u->capterms = (size_t)row;
            }
            rc = put_counts(u->b, u->x, (uint64_t)live, &md, u->terms, &u->surf, &u->phr);
            if (rc) {
                ty_seterr(u->err, sizeof u->err, "%s", rc == TENYO_ERR_NOMEM
                          ? "out of memory" : tenyo_builder_error(u->b));
                goto out;
            }
            put = NULL;
        } else {
            put = ty_bld_merged_doc(mg.m);
        }
    }
    rc = put ? tenyo_builder_add(u->b, put) : TENYO_OK;
    ty_upd_merged_free(&mg);
    if (rc) {
        ty_seterr(u->err, sizeof u->err, "%s", tenyo_builder_error(u->b));
        return rc;
    }
    if (ty_strmap_intern(u->added, doc->id, strlen(doc->id), NULL) < 0) return TENYO_ERR_NOMEM;
    return TENYO_OK;
out:
    ty_upd_merged_free(&mg);
    return rc;
}

/* Queue document d of u->x (its global position and stored id) for
 * deletion. */
static int push_del(tenyo_update *u, uint64_t d) {
    if (u->ndel == u->capdel) {
        size_t c = u->capdel ? 2 * u->capdel : 64;
        uint64_t *p = ty_reallocarray(u->del, c, sizeof *p);
        if (!p) return TENYO_ERR_NOMEM;
        u->del = p;
        char **q = ty_reallocarray(u->delid, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        u->delid = q;
        u->capdel = c;
    }
    tenyo_doc_meta dm;
    tenyo_index_doc(u->x, d, &dm);
    char *id = ty_strdup(dm.id ? dm.id : "");
    if (!id) return TENYO_ERR_NOMEM;
    u->del[u->ndel] = gpos_of(u->x, d);
    u->delid[u->ndel++] = id;
    return TENYO_OK;
}

/* A deletion: global position and the id of its document. */
typedef struct del_rec {
    uint64_t pos;             /* global position */
    const char *id;           /* stored id ("" when not known) */
} del_rec;

static int cmp_del_rec(const void *a, const void *b) {
    uint64_t x = ((const del_rec *)a)->pos, y = ((const del_rec *)b)->pos;
    return x < y ? -1 : x > y;
}

int tenyo_update_delete(tenyo_update *u, const char *id) {
    if (!u || !id) return TENYO_ERR_ARG;
    int64_t d = tenyo_index_find(u->x, id);
    if (d < 0 || u->deleted[d]) return 0;
    if (push_del(u, (uint64_t)d)) return TENYO_ERR_NOMEM;
    u->deleted[d] = 1;
    return 1;
}

int tenyo_update_commit(tenyo_update *u, tenyo_update_stats *st) {
    if (!u) return TENYO_ERR_ARG;
    tenyo_update_stats s = {0};
    s.generation = u->mf.generation;
    uint64_t deleted_here = u->ndel;
    uint64_t nadd_ids = ty_strmap_size(u->added);
    ty_manifest nm = {0};
    del_rec *all = NULL;
    const char **allid = NULL;
    uint64_t *allpos = NULL;
    ty_dels old = {0};
    char name[64];
    int rc = TENYO_OK, unsynced = 0;
    if (nadd_ids == 0 && u->ndel == 0) goto stats; /* nothing to do */
    if (u->mf.generation >= (uint64_t)INT64_MAX) {
        /* a manifest stores generations as JSON integers (int64): one more
         * would be a manifest its own reader refuses */
        ty_seterr(u->err, sizeof u->err, "%s/MANIFEST: generation %" PRIu64 " is the last one "
                  "a manifest can hold; `tenyo rebuild %s` starts the updates over",
                  u->dir, u->mf.generation, u->path);
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    uint64_t gen = u->mf.generation + 1;
    rc = TENYO_ERR_NOMEM;
    nm.generation = gen;
    nm.fit = u->mf.fit;
    nm.base_docs = u->mf.base_docs;
    nm.seg = ty_calloc(u->mf.nseg + 1, sizeof *nm.seg);
    if (!nm.seg) goto done;
    if (u->mf.nseg) memcpy(nm.seg, u->mf.seg, u->mf.nseg * sizeof *nm.seg);
    nm.nseg = u->mf.nseg;
    uint64_t positions = u->x->upd.gpos ? u->x->upd.positions : u->x->m.ndocs;
    if (nadd_ids) {
        snprintf(name, sizeof name, "seg-%06" PRIu64 ".tys", gen);
        char *sp = ty_upd_path(u->dir, name);
        if (!sp) goto done;
        tenyo_build_stats bs;
        rc = tenyo_builder_write(u->b, sp, &bs);
        free(sp);
        if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_ERR_IO; /* not named yet: not committed */
        if (rc) {
            ty_seterr(u->err, sizeof u->err, "%s/%s: %s", u->dir, name, tenyo_builder_error(u->b));
            goto done;
        }
        rc = TENYO_ERR_NOMEM;
        snprintf(nm.seg[nm.nseg].file, sizeof nm.seg[nm.nseg].file, "%s", name);
        nm.seg[nm.nseg].docs = bs.docs;
        nm.seg[nm.nseg].bytes = bs.file_bytes;
        nm.nseg++;
        s.added = bs.docs;
        s.segment_bytes = bs.file_bytes;
        /* a repeated id replaces the live document */
        for (uint32_t i = 0; i < nadd_ids; i++) {
            size_t len;
            const char *id = ty_strmap_key(u->added, i, &len);
            int64_t d = tenyo_index_find(u->x, id);
            if (d < 0) continue;
            s.replaced++;
            if (!u->deleted[d]) {
                if (push_del(u, (uint64_t)d)) goto done;
                u->deleted[d] = 1;
            }
        }
    }
    /* deletions: the earlier ones and this update's, sorted and unique,
     * with their ids; written at every commit (also when there are none),
     * with the state they count, so that the newest deletion file records
     * the committed state if the MANIFEST is lost (store/manifest.c) */
    if (u->mf.del[0]) {
        rc = ty_dels_load(u->dir, u->mf.del, &old, u->err, sizeof u->err);
        if (!rc && old.n && old.pos[old.n - 1] >= positions) {
            ty_seterr(u->err, sizeof u->err, "%s/%s: damaged deletion file (position beyond "
                      "the %" PRIu64 " documents)", u->dir, u->mf.del, positions);
            rc = TENYO_ERR_CORRUPT;
        }
        if (rc) goto done;
        rc = TENYO_ERR_NOMEM;
    }
    uint64_t nall = old.n + u->ndel;
    all = ty_mallocarray(nall ? nall : 1, sizeof *all);
    allid = ty_mallocarray(nall ? nall : 1, sizeof *allid);
    allpos = ty_mallocarray(nall ? nall : 1, sizeof *allpos);
    if (!all || !allid || !allpos) goto done;
    for (uint64_t i = 0; i < old.n; i++)
        all[i] = (del_rec){old.pos[i], old.ids ? old.ids[i] : ""};
    for (size_t i = 0; i < u->ndel; i++) all[old.n + i] = (del_rec){u->del[i], u->delid[i]};
    qsort(all, nall, sizeof *all, cmp_del_rec);
    uint64_t nu = 0;
    for (uint64_t i = 0; i < nall; i++)
        if (nu == 0 || allpos[nu - 1] != all[i].pos) {
            allpos[nu] = all[i].pos;
            allid[nu++] = all[i].id;
        } else if (!*allid[nu - 1]) {
            allid[nu - 1] = all[i].id; /* the one that knows the id */
        }
    snprintf(name, sizeof name, "del-%06" PRIu64 ".tyd", gen);
    rc = ty_dels_write(u->dir, name, &nm, allpos, allid, nu, u->err, sizeof u->err);
    if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_ERR_IO; /* not named yet */
    if (rc) goto done;
    snprintf(nm.del, sizeof nm.del, "%s", name);
    nm.ndel = nu;
    /* the commit point: the MANIFEST's rename */
    rc = ty_manifest_write(u->dir, &nm, u->err, sizeof u->err);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done;
    /* committed. When the directory sync failed, the old manifest might come
     * back after a crash: keep the files it names (no collection) */
    if (!rc) ty_upd_gc(u->dir, &nm);
    unsynced = rc == TENYO_ERR_UNSYNCED;
    /* then the base records that updates exist (one byte, once), so that a
     * copy of it without its update directory is noticed. After the commit,
     * never before: a base so marked without a MANIFEST has lost one, and
     * one not marked has had none committed, so the files of an update
     * killed before its rename are leftovers to remove, never a state to
     * restore. Should it fail, the commit stands and the next update marks
     * it. */
    if (!u->x->m.updated && !u->marked) {
        char why[TY_ERRLEN];
        u->marked = ty_store_mark_updated(u->path, why, sizeof why) == TENYO_OK;
    }
    s.generation = gen;
    s.deleted = deleted_here;
stats:;
    uint64_t gone = 0;
    for (uint64_t d = 0; d < u->x->m.ndocs; d++) gone += u->deleted[d];
    s.docs = u->x->m.ndocs - gone + s.added;
    s.seconds = ty_now() - u->t0;
    s.unchanged = u->unchanged;
    if (st) *st = s;
    rc = unsynced ? TENYO_ERR_UNSYNCED : TENYO_OK;
done:
    free(all);
    free(allid);
    free(allpos);
    ty_dels_free(&old);
    ty_manifest_free(&nm);
    return rc;
}

/* ============================================================== rebuild */

/* Split the stored ';'-separated codes into an array of strings (in buf). */
static int split_codes(const char *codes, char **buf, const char ***arr, size_t *n) {
    *n = 0;
    *buf = ty_strdup(codes);
    size_t cap = 1;
    for (const char *p = codes; *p; p++) cap += *p == ';';
    *arr = ty_mallocarray(cap, sizeof **arr);
    if (!*buf || !*arr) return TENYO_ERR_NOMEM;
    char *save = NULL;
    for (char *t = strtok_r(*buf, ";", &save); t; t = strtok_r(NULL, ";", &save))
        (*arr)[(*n)++] = t;
    return TENYO_OK;
}

/* Document d of x (its term counts loaded) into the builder as its stored
 * term counts, surface words and phrases (terms: room for its row), with
 * the metadata and abstract of doc; the keyword index's whole abstract
 * kept too when x has it loaded. What the document's text gave is carried
 * over whole, without its text. */
static int put_counts(tenyo_builder *b, const tenyo_index *x, uint64_t d, const tenyo_doc *doc,
                      const char **terms, ty_buf *surf, ty_buf *phr) {
    const ty_model *m = &x->m;
    uint64_t a = m->tfidf.rowptr[d], e = m->tfidf.rowptr[d + 1];
    surf->len = phr->len = 0;
    for (uint64_t j = a; j < e; j++) {
        terms[j - a] = m->term_blob + m->term_off[m->tfidf.col[j]];
        const char *w = m->surf_off ? m->surf_blob + m->surf_off[m->tfidf.col[j]] : "";
        if (*w && (ty_buf_append(surf, terms[j - a], strlen(terms[j - a])) ||
                   ty_buf_putc(surf, 0x1f) || ty_buf_append(surf, w, strlen(w) + 1)))
            return TENYO_ERR_NOMEM;
    }
    if (m->phr_ptr)
        for (uint64_t j = m->phr_ptr[d]; j < m->phr_ptr[d + 1]; j++) {
            const char *p = m->phr_blob + m->phr_off[m->phr_ids[j]];
            if (ty_buf_append(phr, p, strlen(p) + 1)) return TENYO_ERR_NOMEM;
        }
    int rc = ty_builder_add_counts(b, doc, terms, m->tf + a, (size_t)(e - a), surf->p,
                                   surf->len, phr->p, phr->len);
    if (!rc && x->kwx) /* the keyword index's whole abstract, for the new one */
        rc = ty_kw_need(x, d, d + 1, NULL, 0);
    if (!rc && x->kwx) {
        const char *r = x->kw_text + x->kw_off[d] + x->kw_tlen[d] + 1;
        rc = ty_builder_keep_long(b, doc->id, r,
                                  (size_t)(x->kw_text + x->kw_off[d + 1] - 1 - r));
    }
    return rc;
}

/* Feed live document d of x to the builder as stored counts, with its
 * other numbers (*ni: the numbers index, made on first use; nums: room). */
static int feed_doc(tenyo_builder *b, const tenyo_index *x, uint64_t d, const char **terms,
                    ty_buf *surf, ty_buf *phr, ty_buf *ab, ty_abs_cur *acur, ty_upd_numidx **ni,
                    ty_buf *nums, char *err, size_t errlen) {
    tenyo_doc_meta dm;
    tenyo_index_doc(x, d, &dm);
    char *cbuf = NULL;
    const char **codes = NULL;
    size_t nc = 0;
    int rc = split_codes(dm.codes, &cbuf, &codes, &nc);
    if (rc) goto done;
    /* the abstract as kept (a damaged section stops the rebuild: the old
     * index stays as it is) */
    rc = ty_abs_read(x->m.abs, acur, d, ab, err, errlen);
    if (!rc) rc = ty_upd_numbers(x, ni, dm.id, nums);
    if (rc) goto done;
    tenyo_doc doc = {.id = dm.id, .title = dm.title, .abstract = ab->p, .claims = "",
                     .description = "", .applicant = dm.applicant, .date = dm.date,
                     .codes = codes, .ncodes = nc,
                     /* the record's own flag: a licensable list stays
                      * beside the index (api/openlist.c), not baked in */
                     .open = x->open_rec ? x->open_rec[d] : dm.open, .lang = dm.lang,
                     .numbers = nums->p, .source = "", .line = 0};
    rc = put_counts(b, x, d, &doc, terms, surf, phr);
done:
    free(cbuf);
    free(codes);
    return rc;
}

/* Open the index at path for a rebuild: under the writer lock (*lk,
 * taken on the real path, killed writers' leftovers collected) and with
 * its term counts. 0, or the status with the message. */
static int rebuild_open(const char *path, ty_wlock *lk, tenyo_index **x, char *err,
                        size_t errlen) {
    struct stat sst;
    if (stat(path, &sst) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    int rc = ty_shards_refuse(path, err, errlen);
    if (rc) return rc;
    /* the writer lock on the real path: a rebuild through a symbolic link
     * replaces the file it points to, never the link */
    rc = ty_wlock_take(path, lk, err, errlen);
    if (rc) return rc;
    ty_wlock_collect(lk);
    rc = tenyo_index_open(lk->path, x, err, errlen);
    if (!rc) rc = ty_index_need_vectors(*x, err, errlen); /* the writer reads them */
    if (rc) return rc;
    if (!ty_model_has_tf(&(*x)->m)) {
        ty_seterr(err, errlen, "%s: written by index format %u without term counts; "
                  "index the source again instead", lk->path, (*x)->m.format_version);
        return TENYO_ERR_VERSION;
    }
    return TENYO_OK;
}

/* The builder's options for a refit of x: the base's, with threads and
 * progress from opts and the lists ivf_lists / f16 (ivf_lists as
 * tenyo_build_opts'). */
static void refit_opts(const tenyo_index *x, const tenyo_build_opts *opts, int ivf_lists,
                       int f16, tenyo_build_opts *o) {
    tenyo_build_opts_default(o);
    if (opts) {
        o->threads = opts->threads;
        o->progress = opts->progress;
        o->progress_ud = opts->progress_ud;
    }
    const ty_model *m = &x->m;
    o->tok = x->tok;
    o->seed = m->seed;
    o->min_df = m->min_df;
    o->max_df_ratio = m->max_df_ratio;
    o->oversample = m->oversample;
    o->power_iters = m->power_iters;
    o->max_terms = (int)m->max_terms;
    /* the rank asked for is not recorded: keep the base's, unless it was the
     * small-corpus cap (half the smaller dimension), then the default */
    uint64_t fit_docs = x->upd.gpos ? x->upd.base_docs : m->ndocs;
    uint64_t fit_terms = x->upd.gpos ? x->upd.fit_terms : m->nterms;
    uint64_t cap = (fit_docs < fit_terms ? fit_docs : fit_terms) / 2;
    o->dim = m->dim && m->dim != cap ? (int)m->dim : 0;
    o->ivf_lists = ivf_lists;
    o->f16_vectors = ivf_lists && f16; /* rounded again from the new fit */
}

/* Refit *xp (opened by rebuild_open, freed here: *xp NULL after) into a
 * new base at path, the updates in dir dropped once it is in place. */
static int refit(tenyo_index **xp, const char *path, const char *dir,
                 const tenyo_build_opts *o, tenyo_build_stats *st, char *err,
                 size_t errlen) {
    tenyo_index *x = *xp;
    tenyo_builder *b = NULL;
    const char **terms = NULL;
    ty_buf surf = {0}, phr = {0}, ab = {0}, nums = {0};
    ty_abs_cur acur = {0}; /* documents in order: each block of abstracts read once */
    ty_upd_numidx *ni = NULL; /* the other numbers by id, carried over */
    int rc = ty_model_need_tf(&x->m, err, errlen);
    if (rc) goto done;
    const ty_model *m = &x->m;
    rc = tenyo_builder_new(o, &b, err, errlen);
    if (rc) goto done;
    if (m->labels_blob) {
        rc = ty_builder_set_labels(b, m->labels_blob, (size_t)m->labels_len);
        if (rc) goto done;
    }
    if (m->common_blob) {
        rc = ty_builder_set_common(b, m->common_blob, (size_t)m->common_len);
        if (rc) goto done;
    }
    uint64_t maxrow = 0;
    for (uint64_t d = 0; d < m->ndocs; d++)
        if (m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d] > maxrow)
            maxrow = m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d];
    terms = ty_mallocarray(maxrow ? maxrow : 1, sizeof *terms);
    rc = TENYO_ERR_NOMEM;
    if (!terms) goto done;
    if (m->kw_blob || m->kw_sec || x->kw_nparts) /* whole abstracts kept (a damaged one: the 4 KiB) */
        (void)tenyo_index_keyword_index(x, NULL, NULL, NULL);
    for (uint64_t d = 0; d < m->ndocs; d++) {
        char aerr[TY_ERRLEN] = "";
        rc = feed_doc(b, x, d, terms, &surf, &phr, &ab, &acur, &ni, &nums, aerr, sizeof aerr);
        if (rc) {
            if (rc != TENYO_ERR_NOMEM)
                ty_seterr(err, errlen, "%s: document %llu: %s", path, (unsigned long long)d,
                          *aerr ? aerr : tenyo_builder_error(b));
            goto done;
        }
    }
    ty_upd_numidx_free(ni); /* before x, whose numbers it indexes */
    ni = NULL;
    ty_abs_cur_free(&acur);
    tenyo_index_free(x); /* the builder holds what it needs */
    *xp = x = NULL;
    rc = tenyo_builder_write(b, path, st);
    if (rc) {
        ty_seterr(err, errlen, "%s: %s", path, tenyo_builder_error(b));
        goto done; /* TENYO_ERR_UNSYNCED: the new base is in place, but the
                      old one might come back after a crash: keep the
                      updates (stale for the new base, ignored) */
    }
    /* the new base is in place: the updates it absorbed are now stale (their
     * fit id differs), and can go */
    char *mp = ty_upd_path(dir, "MANIFEST");
    if (mp) unlink(mp);
    free(mp);
    ty_upd_gc(dir, NULL);
    ty_sync_dir(dir, NULL, 0);
    rc = TENYO_OK;
done:
    free(terms);
    ty_buf_free(&surf);
    ty_buf_free(&phr);
    ty_buf_free(&ab);
    ty_abs_cur_free(&acur);
    ty_buf_free(&nums);
    ty_upd_numidx_free(ni);
    tenyo_builder_free(b);
    return rc;
}

/* The lists of the documents of x as ty_ivf_write's blob (into *blob):
 * k-means over the vectors x searches (its int8 codes, dequantised: unit
 * rows), with the base's seed, lists as tenyo_build_opts.ivf_lists. */
static int lists_of(const tenyo_index *x, int ivf_lists, ty_buf *blob, char *err,
                    size_t errlen) {
    uint64_t n = x->m.ndocs;
    uint32_t k = x->m.dim;
    float *v = ty_mallocarray((size_t)n * k, sizeof *v);
    if (!v) return TENYO_ERR_NOMEM;
    ty_q8_rows(&x->q8, 0, n, v);
    ty_ivf_opts io = {0};
    io.nlist = ivf_lists > 0 ? (uint32_t)ivf_lists : 0;
    io.seed = x->m.seed;
    ty_ivf iv;
    memset(&iv, 0, sizeof iv);
    int rc = ty_ivf_build(v, n, k, &io, &iv, err, errlen);
    free(v);
    if (!rc) rc = ty_ivf_write(&iv, blob);
    ty_ivf_free(&iv);
    return rc;
}

/* The lists alone: x (freed here, *xp NULL after) has no updates, so its
 * fit is over exactly its documents and stays; the lists are built anew
 * (ivf_lists 0: none), the stored postings and the first applicants'
 * numbers (store/docapp.c) made anew, the term facts made where it has
 * none and the abstracts put back in a
 * frame of stored blocks, and the file at path rewritten
 * with every other section as it was, the float16 vectors kept with f16
 * (x has them) or dropped. */
static int relist(tenyo_index **xp, const char *path, const tenyo_build_opts *opts,
                  int ivf_lists, int f16, tenyo_build_stats *st, char *err, size_t errlen) {
    tenyo_index *x = *xp;
    double t0 = ty_now(), t1;
    tenyo_progress_fn pf = opts ? opts->progress : NULL;
    void *pud = opts ? opts->progress_ud : NULL;
    ty_buf blob = {0}, tp = {0}, ab = {0}, app = {0}, tfb = {0}, vm = {0}, im = {0};
    ty_secput rows[2] = {{0}};
    int rc = TENYO_OK;
    if (ivf_lists && (!x->m.dim || !x->m.ndocs)) {
        ty_seterr(err, errlen, "%s: no LSA document vectors (rank 0): no lists to build",
                  path);
        return TENYO_ERR_ARG;
    }
    if (ivf_lists) {
        if (pf) pf(pud, "ivf", 0, 1);
        char why[TY_ERRLEN] = "";
        rc = lists_of(x, ivf_lists, &blob, why, sizeof why);
        if (rc) { /* out of memory: rebuild says so for every step */
            ty_seterr(err, errlen, "%s: %s", path, why);
            goto out;
        }
        if (pf) pf(pud, "ivf", 1, 1);
    }
    /* the stored postings (search/tpost.c) made from the rows, so that an
     * index written before them gains them: every other section copied */
    if (ty_model_has_tf(&x->m)) {
        rc = ty_model_need_tf(&x->m, err, errlen);
        if (!rc)
            rc = ty_tpost_pack(&x->m.tfidf, x->m.tf, x->m.idf, x->m.nterms,
                               opts ? opts->threads : 0, &tp, err, errlen);
        if (rc) goto out;
    }
    /* the rows' two streams put back as the writer stores them now (in
     * frames of STORE_ROWS_FRAME documents, store/format.h), so that ideas,
     * match and similar by id on an index written before read the frames
     * of their documents instead of both streams whole; the same content */
    if (ty_model_has_tf(&x->m)) {
        rc = ty_store_rows_put(&x->m, path, rows, err, errlen);
        if (rc) goto out;
    }
    /* the abstracts put back as the writer stores them now (a frame of
     * stored blocks a lookup reads in place), so that an index written
     * before reads a block per lookup too; the same content */
    if (x->m.abs) {
        const char *p;
        uint64_t n;
        rc = ty_abs_content(x->m.abs, &p, &n, err, errlen);
        if (!rc && ty_buf_append(&ab, p, (size_t)n)) {
            ty_seterr(err, errlen, "%s: out of memory copying the abstracts", path);
            rc = TENYO_ERR_NOMEM;
        }
        if (rc) goto out;
    }
    /* the first applicants' numbers, so that an index written before them
     * gains them (its ideas and match then decode no block to compare
     * applicants) */
    rc = ty_docapp_pack(&x->m, &app, err, errlen);
    if (rc) goto out;
    /* the term facts (api/termfacts.c) made where the index has none, so
     * that ideas and match on an index written before them read them as
     * on one written now, instead of a pass over every row per process */
    if (!x->m.tf_sec && x->m.dim && x->m.ndocs) {
        const char *dd = x->m.mecab_dicdir && *x->m.mecab_dicdir ? x->m.mecab_dicdir : NULL;
        rc = ty_tf_build(&x->m, dd, &tfb, err, errlen);
        if (rc) goto out;
    }
    /* the vocabulary laid out to be looked up in place (store/vocabmap.c),
     * so that an index written before it opens for a query without
     * decoding and hashing every term */
    if (!rc && x->m.nterms) rc = ty_model_need_terms(&x->m, err, errlen);
    if (!rc && x->m.nterms && ty_vmap_want(&x->m)) rc = ty_vmap_pack(&x->m, &vm, err, errlen);
    /* and the ids' (store/idmap.c), so that a process naming one patent
     * reads a slot or two instead of every frame of ids */
    if (!rc && x->m.dm && ty_idmap_want(&x->m)) rc = ty_idmap_pack(&x->m, &im, err, errlen);
    if (rc) goto out;
    t1 = ty_now();
    st->docs = x->m.ndocs;
    st->terms = x->m.nterms;
    st->nnz = x->m.ndocs ? x->m.tfidf.rowptr[x->m.ndocs] : 0;
    st->dim = (int)x->m.dim;
    st->sec_ivf = ivf_lists ? t1 - t0 : 0;
    tenyo_index_free(x); /* the rewrite copies from the file */
    *xp = NULL;
    if (pf) pf(pud, "write", 0, 1);
    const char *drop[5] = {"ivf", "tfidf.post", "vocab.map", "ids.map"};
    int ndrop = 4;
    if (!f16) drop[ndrop++] = "docvec.f16";
    ty_secput put[9];
    size_t nput = 0;
    if (vm.len) put[nput++] = (ty_secput){"vocab.map", vm.p, vm.len, NULL, 0};
    if (rows[0].data) { /* in the file's order */
        put[nput++] = rows[0];
        put[nput++] = rows[1];
    }
    if (im.len) put[nput++] = (ty_secput){"ids.map", im.p, im.len, NULL, 0};
    put[nput++] = (ty_secput){"docapp", app.p, app.len, NULL, 0};
    if (ivf_lists) put[nput++] = (ty_secput){"ivf", blob.p, blob.len, NULL, 0};
    if (tfb.len) put[nput++] = (ty_secput){"termfacts", tfb.p, tfb.len, NULL, 0};
    if (tp.len) put[nput++] = (ty_secput){"tfidf.post", tp.p, tp.len, NULL, 0};
    if (ab.len) put[nput++] = (ty_secput){"abstracts", ab.p, ab.len, NULL, 0};
    rc = ty_store_rewrite(path, drop, ndrop, put, nput, &st->file_bytes, err, errlen);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto out;
    if (pf) pf(pud, "write", 1, 1);
    st->sec_write = ty_now() - t1;
    st->sec_total = ty_now() - t0;
out:
    ty_buf_free(&blob);
    ty_buf_free(&tp);
    ty_buf_free(&ab);
    ty_buf_free(&app);
    ty_buf_free(&tfb);
    ty_buf_free(&vm);
    ty_buf_free(&im);
    ty_store_rows_put_free(rows);
    return rc;
}

/* tenyo_index_rebuild (set 0: the lists as the base has them) and
 * tenyo_index_rebuild_ivf (set 1: opts's). */
static int rebuild(const char *path, const tenyo_build_opts *opts, int set,
                   tenyo_build_stats *st, int *refitted, char *err, size_t errlen) {
    tenyo_build_stats s0;
    if (!st) st = &s0;
    memset(st, 0, sizeof *st);
    if (refitted) *refitted = 1;
    if (!path) return TENYO_ERR_ARG;
    int ivf_lists = set && opts ? opts->ivf_lists : 0;
    int f16 = set && opts ? opts->f16_vectors : 0;
    if (set && (ivf_lists < -1 || (f16 && !ivf_lists))) {
        ty_seterr(err, errlen, ivf_lists < -1 ? "%s: bad list count %d" :
                  "%s: float16 vectors serve the approximate search's re-rank: "
                  "build the lists too", path, ivf_lists);
        return TENYO_ERR_ARG;
    }
    ty_wlock lk = {.fd = -1};
    tenyo_index *x = NULL;
    int rc = rebuild_open(path, &lk, &x, err, errlen);
    if (rc) goto done;
    if (!set) {
        /* the base's list count, not the default's (4 sqrt(n) of the
         * documents now): `index --ivf=16` stays 16 lists */
        ivf_lists = x->ivf ? (int)x->ivf->nlist : 0;
        f16 = x->ivf && x->m.doc_h;
    }
    /* no updates: the fit is over exactly the live documents. float16
     * vectors are rounded from a fit's float vectors, which the index
     * does not keep: those it has are kept, else a refit makes them */
    int fit_holds = !x->upd.gpos && !x->upd.nseg && !x->upd.base_deleted &&
                    x->m.format_version == TY_STORE_FORMAT && (!f16 || x->m.doc_h);
    if (set && fit_holds) {
        if (refitted) *refitted = 0;
        rc = relist(&x, lk.path, opts, ivf_lists, f16, st, err, errlen);
    } else {
        tenyo_build_opts o;
        refit_opts(x, opts, ivf_lists, f16, &o);
        rc = refit(&x, lk.path, lk.dir, &o, st, err, errlen);
    }
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: out of memory rebuilding", path);
    tenyo_index_free(x);
    ty_wlock_release(&lk);
    return rc;
}

int tenyo_index_rebuild(const char *path, const tenyo_build_opts *opts, tenyo_build_stats *st,
                        char *err, size_t errlen) {
    return rebuild(path, opts, 0, st, NULL, err, errlen);
}

int tenyo_index_rebuild_ivf(const char *path, const tenyo_build_opts *opts,
                            tenyo_build_stats *st, int *refitted, char *err, size_t errlen) {
    return rebuild(path, opts, 1, st, refitted, err, errlen);
}

int ty_upd_drop(const char *dir, char *err, size_t errlen) {
    int rc = TENYO_OK;
    char *mp = ty_upd_path(dir, "MANIFEST");
    if (mp && unlink(mp) != 0 && errno != ENOENT) {
        ty_seterr(err, errlen, "%s: cannot remove: %s", mp, strerror(errno));
        rc = TENYO_ERR_IO;
    }
    free(mp);
    if (!rc) {
        ty_upd_gc(dir, NULL);
        rc = ty_sync_dir(dir, err, errlen);
    }
    return rc;
}

int tenyo_index_drop_updates(const char *path, char *err, size_t errlen) {
    if (!path) return TENYO_ERR_ARG;
    ty_wlock lk = {.fd = -1};
    struct stat st;
    char *real = NULL;
    int rc = ty_real_path(path, &real, err, errlen);
    if (rc) return rc;
    char *dir = ty_upd_dir(real);
    free(real);
    if (!dir) return TENYO_ERR_NOMEM;
    int none = stat(dir, &st) != 0;
    free(dir);
    if (none) return TENYO_OK;
    rc = ty_wlock_take(path, &lk, err, errlen);
    if (!rc) rc = ty_upd_drop(lk.dir, err, errlen);
    ty_wlock_release(&lk);
    return rc;
}
