/*
 * ideas.c — cross-field proposals: where else could this patent apply?
 * One query through the stages of stages.h, in order: prepare (the query's
 * terms, api layer), adjust the query (its term mask), scan and home (the
 * patent's own fields, stated, or predicted from the nearest patents for
 * free text), the generators of generate.c's table into the pool, a card
 * per candidate field (its numbers and band, score.c), veto (thresholds,
 * present.c), present (order, one idea one card, the notes). The history
 * of what was tried is in docs/ideas-decisions.md.
 */
#include "stages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* 1 when code differs from home at the distance level. */
static int far_from(const char *code, const char *home, tenyo_distance d) {
    size_t n = d == TENYO_DIST_SECTION ? 1 : d == TENYO_DIST_CLASS ? 3 : 4;
    return strncmp(code, home, n) != 0;
}

/* Home codes (validated, uppercased) into homes[][5]; returns count or <0. */
static int take_home(tenyo_ctx *c, const tenyo_ideas_opts *o, uint64_t doc,
                     char (*homes)[5], int cap, int *predicted) {
    const ty_model *m = &c->idx->m;
    int nh = 0;
    *predicted = 0;
    if (o->home && o->nhome > (size_t)cap) {
        ty_seterr(c->err, sizeof c->err, "too many home fields (at most %d)", cap);
        return TENYO_ERR_LIMIT;
    }
    if (o->home && o->nhome) {
        for (size_t i = 0; i < o->nhome && nh < cap; i++) {
            char code[5] = {0};
            const char *h = o->home[i];
            if (!ty_ideas_home_ok(h)) goto bad; /* the rule every surface splits by */
            for (int k = 0; k < 4; k++) code[k] = (char)toupper((unsigned char)h[k]);
            memcpy(homes[nh++], code, 5);
            continue;
        bad:
            ty_seterr(c->err, sizeof c->err,
                      "home field '%s' is not an IPC subclass (like A61B)",
                      h ? h : "(null)");
            return TENYO_ERR_ARG;
        }
        return nh;
    }
    if (doc != UINT64_MAX) {
        for (uint64_t i = m->field_ptr[doc]; i < m->field_ptr[doc + 1] && nh < cap; i++) {
            memcpy(homes[nh], m->field_code[m->field_ids[i]], 4);
            homes[nh++][4] = 0;
        }
        if (nh) return nh;
    }
    return 0; /* predict */
}

/* Predict home subclasses from the 10 nearest neighbours in c->s1. */
static int predict_home(tenyo_ctx *c, uint64_t skip, char (*homes)[5], int cap) {
    const ty_model *m = &c->idx->m;
    tenyo_hit h[10];
    size_t n = ty_ctx_topk(c, c->s1, skip, NULL, 10, h);
    double *v = ty_calloc(m->nfields ? m->nfields : 1, sizeof *v);
    if (!v) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        for (uint64_t j = m->field_ptr[h[i].doc]; j < m->field_ptr[h[i].doc + 1]; j++)
            v[m->field_ids[j]] += h[i].score > 0 ? h[i].score : 0;
    double best = 0;
    for (uint32_t f = 0; f < m->nfields; f++) if (v[f] > best) best = v[f];
    int nh = 0;
    while (best > 0 && nh < cap) {
        double b = 0;
        int bf = -1;
        for (uint32_t f = 0; f < m->nfields; f++)
            if (v[f] > b) { b = v[f]; bf = (int)f; }
        if (bf < 0 || b < 0.5 * best) break;
        memcpy(homes[nh], m->field_code[bf], 4);
        homes[nh++][4] = 0;
        v[bf] = 0;
    }
    free(v);
    return nh;
}

/* Prior smoothing strength of surprise: P(f | h) = (co + MU p_f) / (n_h + MU). */
#define SURPRISE_MU 5.0

/* Options a query cannot run with (TENYO_ERR_ARG): the table's bounds
 * (options.c). */
static int ideas_bad_opts(tenyo_ctx *c, const tenyo_ideas_opts *o, size_t n, const tenyo_idea *out) {
    int rc = ty_ideas_opts_check(o, c->err, sizeof c->err);
    if (rc) return rc;
    return n > 0 && !out ? TENYO_ERR_ARG : TENYO_OK;
}

/* The notes a query starts with (zeroed by ideas_run): its thresholds and
 * its words. */
static void ideas_notes_start(const tenyo_ctx *c, tenyo_ideas_notes *nt, double minconf,
                              double minuse, double mincontent) {
    nt->min_confidence = minconf;
    nt->min_usable = minuse;
    nt->min_content = mincontent;
    nt->nunknown = c->nunk;
    for (size_t i = 0; i < c->nunk && i < 8; i++) nt->unknown[i] = c->unk[i];
    if (c->nunk) nt->flags |= TENYO_NOTE_UNKNOWN_WORDS;
    nt->npartial = c->npart;
    for (size_t i = 0; i < c->npart && i < 8; i++) {
        nt->partial[i] = c->part[i];
        nt->partial_as[i] = c->part_as[i];
    }
    if (c->npart) nt->flags |= TENYO_NOTE_PARTIAL_WORDS;
    if (!c->idx->m.nfields) nt->flags |= TENYO_NOTE_NO_CODES;
}

/* Stage: adjust the query. Its term mask starts clear (every word carries
 * its weight), then the words the analyst struck carry nothing; kept and
 * rejected cards move the query vector (feedback.c). */
static int ideas_adjust(ty_iquery *q) {
    int rc = ty_termmask_reset(&q->is->mask, q->qn);
    if (!rc) ty_steer_mask(q->c, &q->is->mask, q->qn);
    if (!rc) rc = ty_feedback_apply(q->c, q->o, q->skip, q->qn);
    return rc;
}

/* Stage: the scan, then the home: given, or predicted from the nearest
 * patents; remembered on the ideas state for the accessors. */
static int ideas_scan_home(ty_iquery *st) {
    tenyo_ctx *c = st->c;
    ty_ideas *is = st->is;
    const tenyo_ideas_opts *o = st->o;
    const ty_model *m = st->m;
    uint64_t skip = st->skip;
    int predicted = 0, nh = 0;
    int given = o->home && o->nhome; /* home fields named: checked before the scan */
    if (given && (nh = take_home(c, o, skip, st->homes, 64, &predicted)) < 0) return nh;
    /* the scan may prune (api/index.c): scores are exact for every document
     * that can be among the best need, -inf below; need covers the
     * neighbours and predict_home's 10, the query document aside. The
     * neighbours of open_only are the best open documents, which a bound
     * on all documents does not cover: that scan is not pruned. */
    size_t sneed = (o->knn > 0 ? (size_t)o->knn : IDEAS_KNN);
    sneed = (sneed > 10 ? sneed : 10) + 1;
    int prune = c->prune;
    if (o->open_only) c->prune = 0;
    c->keep_open = o->open_only; /* a shared scan returns the best open ones too */
    int rc = ty_ctx_score(c, o->mode, st->qn, sneed);
    c->keep_open = 0;
    c->prune = prune;
    if (rc) return rc;
    /* the documents' fields (the query's home, the fields' votes, bands):
     * after the scan, which a caller naming them (TENYO_PREFETCH_FIELDS)
     * runs while they are read */
    rc = ty_model_need_docfields(m, c->err, sizeof c->err);
    if (!rc && !given && (nh = take_home(c, o, skip, st->homes, 64, &predicted)) < 0) rc = nh;
    if (!rc) rc = ty_index_need_fieldmodel(c->idx, c->err, sizeof c->err);
    if (rc) return rc;
    if (skip != UINT64_MAX && ty_title_only(m, skip)) is->notes.flags |= TENYO_NOTE_TITLE_ONLY_QUERY;
    if (nh == 0) {
        nh = predict_home(c, skip, st->homes, 8);
        if (nh < 0) return nh;
        predicted = 1;
    }
    if (predicted && nh) is->notes.flags |= TENYO_NOTE_HOME_PREDICTED;
    is->home[0] = 0;
    for (int i = 0; i < nh; i++) {
        size_t l = strlen(is->home);
        if (l + 6 < sizeof is->home)
            snprintf(is->home + l, sizeof is->home - l, "%s%s", i ? "," : "", st->homes[i]);
    }
    is->home_predicted = predicted;
    is->skip = skip;
    st->nh = nh;
    return TENYO_OK;
}

/* Expected fields: the prior ranking's top IDEAS_PRIOR_TOP (far fields by
 * co-classification with any home). */
static void mark_expected(ty_iquery *st) {
    const ty_model *m = st->m;
    for (int i = 0; i < st->nh; i++) {
        if (st->hid[i] < 0) continue;
        uint32_t top[IDEAS_PRIOR_TOP];
        uint32_t tc[IDEAS_PRIOR_TOP];
        int nt = 0;
        for (uint32_t f = 0; f < m->nfields; f++) {
            if (!st->ok[f]) continue;
            uint32_t cf = st->corow[(size_t)i * m->nfields + f];
            if (!cf) continue;
            int pos = nt;
            while (pos > 0 && tc[pos - 1] < cf) pos--;
            if (pos >= IDEAS_PRIOR_TOP) continue;
            int last = nt < IDEAS_PRIOR_TOP ? nt : IDEAS_PRIOR_TOP - 1;
            for (int q = last; q > pos; q--) { top[q] = top[q - 1]; tc[q] = tc[q - 1]; }
            top[pos] = f;
            tc[pos] = cf;
            if (nt < IDEAS_PRIOR_TOP) nt++;
        }
        for (int q = 0; q < nt; q++) st->expected[top[q]] = 1;
    }
}

static void card_content(ty_iquery *st, tenyo_idea *id, int again);

/* Field f's card: relevance and surprise from the votes and the homes'
 * co-classifications, then its content, confidence and band. */
static void field_card(ty_iquery *st, uint32_t f, tenyo_idea *id) {
    const ty_model *m = st->m;
    double rate = -1;
    double pf = m->ndocs ? (double)m->field_count[f] / (double)m->ndocs : 0;
    for (int i = 0; i < st->nh; i++) {
        double co = 0, nhd = 0;
        if (st->hid[i] >= 0) {
            co = (double)st->corow[(size_t)i * m->nfields + f];
            nhd = (double)m->field_count[st->hid[i]];
        }
        double r = (co + SURPRISE_MU * pf) / (nhd + SURPRISE_MU);
        if (r > rate) rate = r;
    }
    double pri = 0; /* P(f | home), the best home */
    for (int i = 0; i < st->nh; i++)
        if (st->hid[i] >= 0 && m->field_count[st->hid[i]])
            pri = fmax(pri, (double)st->corow[(size_t)i * m->nfields + f] /
                                (double)m->field_count[st->hid[i]]);
    const ty_cand *v = &st->is->pool.cand[f];
    double share = v->vote / st->vtotal;
    double rel = share / pow((double)(m->field_count[f] ? m->field_count[f] : 1), st->alpha) +
                 st->pw * pri;
    memset(id, 0, sizeof *id);
    id->field = f;
    id->code = m->field_code[f];
    id->relevance = rel;
    id->surprise = st->nh && rate > 0 ? -log(rate) : 0;
    id->expected = st->expected[f];
    id->support = v->support;
    id->nevidence = v->nev;
    memcpy(id->evidence, v->ev, sizeof id->evidence);
    id->basis.vote_share = share;
    id->basis.prior = pri;
    id->basis.field_share = pf;
    int nto = 0;
    for (int e = 0; e < id->nevidence; e++) nto += ty_title_only(m, id->evidence[e].doc);
    id->basis.title_only = id->nevidence ? (double)nto / id->nevidence : 0;
    id->basis.model = st->pm ? st->pm[f] : 0;
    ty_content_shape(st->c, st->gen, id->evidence, id->nevidence, f, st->bw, &id->focus,
                     &id->basis.generic_share, &id->basis.specific_words);
    id->confidence = ty_confidence_of(id, st->qbest);
    if (id->support == 1) id->flags |= TENYO_IDEA_ONE_PATENT;
    if (id->nevidence && nto == id->nevidence) id->flags |= TENYO_IDEA_TITLE_ONLY;
    id->score = id->confidence;
    /* evidence worth citing: beyond the first, nothing below
     * IDEAS_MIN_EVIDENCE (with 300 neighbours, the tail is noise) */
    while (id->nevidence > 1 && id->evidence[id->nevidence - 1].score < IDEAS_MIN_EVIDENCE)
        id->nevidence--;
    id->unexpected = 1 - exp(-id->surprise / 3);
    card_content(st, id, 0);
}

/* The card's shared content and what rests on it: the content's flags,
 * the reader model, the band and the judge's probability (again = 1: the
 * list stage counting anew under the own-word rule: the content shape,
 * its flags, the weak points, the band and the judge's probability; the
 * engine's numbers the thresholds filter on — confidence, content, the
 * reader model — stay as the engine gave them, so a threshold keeps or
 * drops the cards it did before the stage). */
static void card_content(ty_iquery *st, tenyo_idea *id, int again) {
    double content = id->content;
    if (again)
        ty_content_shape(st->c, st->gen, id->evidence, id->nevidence, id->field, st->bw,
                         &id->focus, &id->basis.generic_share, &id->basis.specific_words);
    id->flags &= ~(unsigned)(TENYO_IDEA_ONE_WORD | TENYO_IDEA_GENERIC);
    if (id->focus > IDEAS_ONE_WORD) id->flags |= TENYO_IDEA_ONE_WORD;
    if (id->basis.generic_share > IDEAS_GENERIC) id->flags |= TENYO_IDEA_GENERIC;
    if (!again) id->usable = ty_usable_of(id, st->text, st->english);
    ty_card_band(st->c, st->gen, st->hid, st->nh, id, st->bw);
    if (again) id->content = content;
}

/* Stage: the technical term as the unit of a link (ownword.c): the pool's
 * cards counted again with the words each side uses only inside longer
 * words left out; a kept card keeps its band. */
static int ideas_own_words(ty_iquery *st, tenyo_idea *out, size_t n, const unsigned char *kept) {
    int rc = ty_own_begin(st->c, ty_steer_focused(st->is->steer));
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        if (kept && kept[i]) continue;
        card_content(st, &out[i], 1);
    }
    return TENYO_OK;
}

/* Stage: the fields far enough from every home, the nearest patents (the
 * scan's best: the neighbour generator's voters and the query's best
 * similarity) and the field model's probabilities. */
static int ideas_fields(ty_iquery *st, size_t knn) {
    tenyo_ctx *c = st->c;
    const tenyo_ideas_opts *o = st->o;
    const tenyo_index *x = c->idx;
    const ty_model *m = st->m;
    for (uint32_t f = 0; f < m->nfields; f++) {
        int far = 1;
        for (int i = 0; i < st->nh && far; i++)
            far = far_from(m->field_code[f], st->homes[i], o->distance);
        /* a code outside the IPC scheme (A07K: a record's typo for C07K)
         * is no field to propose: its label would be a section's title */
        st->ok[f] = (uint8_t)(far && ty_labels_class_known(m->field_code[f]));
    }
    /* a filter (tenyo_ctx_set_filter): its left-out documents scored -inf
     * in the scan, and -inf never ranks: they never vote nor serve as
     * evidence. The selection runs on the query's threads (api/index.c). */
    st->nn = ty_ctx_topk(c, c->s1, st->skip, o->open_only ? m->open : NULL, knn, st->nb);
    st->qbest = st->nn && st->nb[0].score > 0 ? st->nb[0].score : 0;
    st->english = ty_query_english(c, st->qn);
    /* the field model: P(field | text) for every field with a model */
    const ty_fieldmodel *fmod = ty_field_model(x);
    if (fmod && m->nfields) {
        st->pm = ty_calloc(m->nfields, sizeof *st->pm);
        if (!st->pm) return TENYO_ERR_NOMEM;
        ty_fieldmodel_score(fmod, c->qt, c->qw, st->qn, st->pm);
        for (uint32_t f = 0; f < m->nfields; f++)
            st->pm[f] = fmod->trained[f] ? (float)(1 / (1 + exp(-st->pm[f]))) : 0;
    }
    st->is->notes.best_similarity = (float)st->qbest;
    if (o->open_only && !(st->qbest > 0)) st->is->notes.flags |= TENYO_NOTE_OPEN_ONLY_EMPTY;
    return TENYO_OK;
}

/* Stage: the generators, each row of generate.c's table in turn, into the
 * pool. */
static int ideas_generate(ty_iquery *st) {
    ty_pool *p = &st->is->pool;
    int rc = ty_pool_reset(p, st->m->nfields);
    for (size_t g = 0; g < ty_ngenerators && !rc; g++)
        rc = ty_generators[g].run(st, p, (unsigned)g);
    return rc;
}

/* The rows the cards read, decoded at once on the query's threads: their
 * evidence patents' (a few dozen of the neighbours: 8-45 of 300 at 60k;
 * the neighbours vote by their fields alone). Every reader of a row asks
 * for it itself (ty_model_need_rows); this batch only decodes them
 * together. */
static int ideas_evidence_rows(ty_iquery *st) {
    const ty_pool *p = &st->is->pool;
    size_t n = 0, cap = 0;
    uint64_t *docs = NULL;
    for (uint32_t f = 0; f < p->nfields; f++) {
        const ty_cand *k = &p->cand[f];
        if (k->vote <= 0) continue;
        for (int e = 0; e < k->nev; e++) {
            if (ty_grow((void **)&docs, &cap, n, sizeof *docs, 64)) {
                free(docs);
                return TENYO_ERR_NOMEM;
            }
            docs[n++] = k->ev[e].doc;
        }
    }
    int rc = n ? ty_ctx_need_rows(st->c, docs, n, sizeof *docs) : TENYO_OK;
    free(docs);
    return rc;
}

/* The numbers every card is scored with: the homes' co-classification
 * rows, the prior's expected fields, the norms and the votes' total. */
static int ideas_prior(ty_iquery *st) {
    const tenyo_index *x = st->c->idx;
    const tenyo_ideas_opts *o = st->o;
    for (int i = 0; i < st->nh; i++) st->hid[i] = tenyo_index_field_find(x, st->homes[i]);
    if (ty_ctx_cooccur_rows(st->c, st->hid, st->nh, st->corow)) /* one pass for all homes */
        return TENYO_ERR_NOMEM;
    st->gen = ty_term_generic(x);
    st->alpha = o->field_norm >= 0 ? o->field_norm : IDEAS_ALPHA;
    st->pw = o->prior_weight >= 0 ? o->prior_weight : IDEAS_PRIOR_WEIGHT;
    st->vtotal = ty_pool_total(&st->is->pool);
    mark_expected(st);
    return TENYO_OK;
}

/* Stage: a card per field with a vote in the pool, into *all (grown as
 * needed); returns the count or TENYO_ERR_NOMEM. */
static long ideas_cards(ty_iquery *st, tenyo_idea **all) {
    const ty_pool *p = &st->is->pool;
    size_t cnt = 0, cap = 64;
    *all = ty_mallocarray(cap, sizeof **all);
    if (!*all) return TENYO_ERR_NOMEM;
    for (uint32_t f = 0; f < p->nfields; f++) {
        if (p->cand[f].vote <= 0) continue;
        if (cnt == cap) {
            cap *= 2;
            tenyo_idea *na = ty_reallocarray(*all, cap, sizeof *na);
            if (!na) return TENYO_ERR_NOMEM;
            *all = na;
        }
        field_card(st, f, &(*all)[cnt++]);
    }
    return (long)cnt;
}

/* The scratch of one query's stages (its homes' rows, masks, neighbours). */
static int ideas_alloc(ty_iquery *st, size_t knn) {
    size_t nf = st->m->nfields ? st->m->nfields : 1;
    st->nb = ty_calloc(knn ? knn : 1, sizeof *st->nb);
    st->ok = ty_calloc(nf, 1);
    st->expected = ty_calloc(nf, 1);
    st->bw = ty_calloc(st->qn ? st->qn : 1, sizeof *st->bw);
    st->corow = ty_mallocarray(st->nh ? (size_t)st->nh : 1, nf * sizeof *st->corow);
    return st->nb && st->ok && st->expected && st->bw && st->corow ? TENYO_OK : TENYO_ERR_NOMEM;
}

static void ideas_release(ty_iquery *st) {
    free(st->pm);
    free(st->expected);
    free(st->corow);
    free(st->nb);
    free(st->ok);
    free(st->bw);
}

/* The list shown: veto (thresholds, rejected fields), present (order,
 * merge), pin (kept fields first), the notes of what came of it; up to n
 * cards into out. */
static int ideas_list(ty_iquery *st, double minconf, double minuse, double mincontent,
                      tenyo_idea *all, size_t cnt, size_t n, tenyo_idea *out) {
    tenyo_ideas_notes *nt = &st->is->notes;
    nt->candidates = cnt;
    cnt = ty_veto(nt, minconf, minuse, mincontent, all, cnt);
    cnt = ty_steer_veto(st->is->steer, all, cnt);
    int kept = ty_present(st->o, all, cnt);
    if (kept < 0) return kept;
    cnt = (size_t)kept;
    int rc = ty_steer_pin(st->is->steer, all, cnt);
    if (rc) return rc;
    /* a later page: the cards before offset passed over (offset > 0) */
    size_t want = st->o->offset > 0 ? (size_t)st->o->offset : 0, skip = want;
    if (cnt < want + n) {
        if (nt->hidden) nt->flags |= TENYO_NOTE_LOW_CONFIDENCE;
        if (nt->candidates < want + n) nt->flags |= TENYO_NOTE_FEW_FIELDS;
    }
    if (st->qbest < IDEAS_WEAK_QUERY) nt->flags |= TENYO_NOTE_WEAK_QUERY;
    skip = skip < cnt ? skip : cnt;
    nt->offset = skip;
    cnt -= skip;
    if (cnt > n) cnt = n;
    if (cnt) memcpy(out, all + skip, cnt * sizeof *out);
    /* the rows of every card's evidence (a kept card's may lie outside
     * this query's neighbours) */
    for (size_t i = 0; i < cnt && !rc; i++)
        rc = ty_model_need_rows(st->m, &out[i].evidence[0].doc, (size_t)out[i].nevidence,
                                sizeof out[i].evidence[0], st->c->err, sizeof st->c->err);
    if (rc) return rc;
    /* the list shown by default: the judge's (judge/list.c), once the
     * sense stage has taken down the cards of two senses (onesense.c) */
    unsigned char pinned[TY_IDEAS_MAX_SHOWN];
    size_t nk = cnt < TY_IDEAS_MAX_SHOWN ? cnt : TY_IDEAS_MAX_SHOWN;
    for (size_t i = 0; i < nk; i++) pinned[i] = (unsigned char)ty_steer_kept(st->is->steer, out[i].code);
    rc = ideas_own_words(st, out, nk, pinned);
    if (!rc) rc = ty_onesense(st->c, out, nk, pinned);
    if (rc) return rc;
    for (size_t i = 0; i < cnt; i++) nt->nbands[out[i].band]++;
    ty_judge_shown(out, nk, pinned, skip == 0, st->o->show > 0 ? (size_t)st->o->show : n);
    for (size_t i = nk; i < cnt; i++) out[i].shown = 0;
    return (int)cnt;
}

/* The query is prepared in c (qn sparse terms); skip = query document.
 * The stages after prepare, in order (stages.h). */
static int ideas_run_any(tenyo_ctx *c, uint64_t skip, size_t qn,
                         const tenyo_ideas_opts *o, size_t n, tenyo_idea *out);

/* The proposals, their evidence's strings readable and none read on the
 * way damaged (store/docmeta.c: a damaged frame refuses the answer,
 * naming it, rather than showing "" for a title). */
static int ideas_run(tenyo_ctx *c, uint64_t skip, size_t qn,
                     const tenyo_ideas_opts *o, size_t n, tenyo_idea *out) {
    int got = ideas_run_any(c, skip, qn, o, n, out);
    const ty_model *m = &c->idx->m;
    for (int i = 0; i < got; i++)
        if (out[i].nevidence > 0 &&
            ty_meta_ready(m, &out[i].evidence[0].doc, (size_t)out[i].nevidence,
                          sizeof out[i].evidence[0], c->err, sizeof c->err))
            return TENYO_ERR_CORRUPT;
    if (got >= 0 && skip < m->ndocs && ty_meta_ready(m, &skip, 1, sizeof skip, c->err,
                                                     sizeof c->err))
        return TENYO_ERR_CORRUPT;
    if (got >= 0 && ty_meta_damage(m, c->err, sizeof c->err)) return TENYO_ERR_CORRUPT;
    return got;
}

static int ideas_run_any(tenyo_ctx *c, uint64_t skip, size_t qn,
                         const tenyo_ideas_opts *o, size_t n, tenyo_idea *out) {
    tenyo_ideas_opts def;
    if (!o) {
        tenyo_ideas_opts_default(&def);
        o = &def;
    }
    ty_ideas *is = ty_ideas_get(c);
    if (!is) return TENYO_ERR_NOMEM;
    memset(&is->notes, 0, sizeof is->notes);
    ty_own_reset(c); /* the engine's cards count every shared term */
    is->qn = qn;
    int rc = ideas_bad_opts(c, o, n, out);
    if (rc) return rc;
    /* the list is full by default: a threshold hides proposals only when
     * set (> 0) */
    double minconf = o->min_confidence > 0 ? o->min_confidence : 0;
    double minuse = o->min_usable > 0 ? o->min_usable : 0;
    double mincontent = o->min_content > 0 ? o->min_content : 0;
    ideas_notes_start(c, &is->notes, minconf, minuse, mincontent);
    ty_iquery st = {.c = c, .is = is, .m = &c->idx->m, .o = o, .skip = skip, .qn = qn,
                    .text = skip == UINT64_MAX};
    rc = ideas_adjust(&st);
    if (!rc) rc = ideas_scan_home(&st);
    if (!rc) rc = ty_senses_mask(c, (const char (*)[5])st.homes, st.nh, qn);
    if (rc) return rc;
    size_t knn = o->knn > 0 ? (size_t)o->knn : IDEAS_KNN;
    if (knn > st.m->ndocs) knn = st.m->ndocs;
    tenyo_idea *all = NULL;
    rc = ideas_alloc(&st, knn);
    if (!rc) rc = ideas_fields(&st, knn);
    if (!rc) rc = ideas_generate(&st);
    if (!rc) rc = ideas_evidence_rows(&st);
    if (!rc) rc = ideas_prior(&st);
    long cnt = rc ? rc : ideas_cards(&st, &all);
    int ret = cnt < 0 ? (int)cnt
                      : ideas_list(&st, minconf, minuse, mincontent, all, (size_t)cnt, n, out);
    ideas_release(&st);
    free(all);
    return ret;
}

/* Stage prepare under a focus: the query made from the focused sentences
 * (or the analyst's text of the technique) alone; doc stays the query
 * patent (UINT64_MAX for text). The sparse terms, or a status. */
static int prepare_focused(tenyo_ctx *c, uint64_t doc, const char *text, size_t len) {
    ty_ideas *is = ty_ideas_get(c);
    if (!is) return TENYO_ERR_NOMEM;
    int rc = ty_steer_focus_build(c, is->steer, doc, text, len, &is->fbuf);
    return rc ? rc : ty_ctx_query_text(c, is->fbuf.p, is->fbuf.len);
}

int tenyo_ideas_doc(tenyo_ctx *c, uint64_t doc, const tenyo_ideas_opts *o,
                    size_t n, tenyo_idea *out) {
    if (!c) return TENYO_ERR_ARG;
    int qn = ty_steer_focused(tenyo_ctx_steer(c)) ? prepare_focused(c, doc, NULL, 0)
                                                   : ty_ctx_query_doc(c, doc, 1);
    if (qn < 0) return qn;
    return ideas_run(c, doc, (size_t)qn, o, n, out);
}

int tenyo_ideas_text(tenyo_ctx *c, const char *text, size_t len,
                     const tenyo_ideas_opts *o, size_t n, tenyo_idea *out) {
    if (!c || (!text && len)) return TENYO_ERR_ARG;
    int qn = ty_steer_focused(tenyo_ctx_steer(c)) ? prepare_focused(c, UINT64_MAX, text, len)
                                                   : ty_ctx_query_text(c, text, len);
    if (qn < 0) return qn;
    return ideas_run(c, UINT64_MAX, (size_t)qn, o, n, out);
}

/* ================================================================ batch */

/* State of one tenyo_ideas_batch call for its per-query step. */
typedef struct ibatch {
    const tenyo_query *q;        /* the queries */
    const tenyo_ideas_opts *o;   /* options (home per query) */
    size_t n;                    /* proposals per query */
    tenyo_idea *out;             /* proposals of the current query */
    tenyo_ideas_cb cb;           /* caller's callback */
    void *ud;                    /* its argument */
} ibatch;

static int ideas_step(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn, int status,
                      void *ud) {
    ibatch *b = ud;
    if (status < 0) {
        b->cb(b->ud, i, status, NULL);
        return TENYO_OK;
    }
    tenyo_ideas_opts oj = *b->o;
    if (b->q[i].home && b->q[i].nhome) {
        oj.home = b->q[i].home;
        oj.nhome = b->q[i].nhome;
    }
    int got = ideas_run(c, skip, qn, &oj, b->n, b->out);
    b->cb(b->ud, i, got, got >= 0 ? b->out : NULL);
    return TENYO_OK;
}

/* A batch under a focus or feedback: each query made from its focused
 * sentences, or moved by the kept and rejected cards, one after the other
 * (the batch's shared scans would score the queries as they came). */
static int focused_batch(tenyo_ctx *c, ibatch *b, size_t nq) {
    for (size_t i = 0; i < nq; i++) {
        const tenyo_query *q = &b->q[i];
        tenyo_ideas_opts oj = *b->o;
        if (q->home && q->nhome) {
            oj.home = q->home;
            oj.nhome = q->nhome;
        }
        int got = q->doc >= 0 ? tenyo_ideas_doc(c, (uint64_t)q->doc, &oj, b->n, b->out)
                              : tenyo_ideas_text(c, q->text, q->len, &oj, b->n, b->out);
        b->cb(b->ud, i, got, got >= 0 ? b->out : NULL);
    }
    return TENYO_OK;
}

int tenyo_ideas_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq,
                      const tenyo_ideas_opts *o, size_t n, tenyo_ideas_cb cb,
                      void *ud) {
    if (!c || (nq && !q) || !cb) return TENYO_ERR_ARG;
    tenyo_ideas_opts def;
    if (!o) {
        tenyo_ideas_opts_default(&def);
        o = &def;
    }
    ibatch b = {q, o, n, ty_mallocarray(n ? n : 1, sizeof(tenyo_idea)), cb, ud};
    if (!b.out) return TENYO_ERR_NOMEM;
    const tenyo_steer *s = tenyo_ctx_steer(c);
    int rc = ty_steer_focused(s) || ty_feedback_moves(s) ? focused_batch(c, &b, nq)
                                                   : ty_ctx_batch(c, q, nq, o->mode, 1, 0,
                                                                  ideas_step, &b);
    free(b.out);
    return rc;
}
