/*
 * test_ideas_room.c — the ideas pipeline's seams (src/ideas/): the table
 * of options (bounds, words, parsing, the struct set by name, home codes
 * split), the query's own check of a tenyo_ideas_opts against the table,
 * the pool's record of which generator found a card
 * (tenyo_idea_found_by), and the term hook: a word struck in the query's
 * mask carries nothing and is no longer a bridge.
 */
#include "ideas/stages.h"
#include "judge/judge.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Two lists of n cards the same, field by field (a memcmp of the arrays
 * would read the padding of each evidence hit, which no one sets). */
static int ideas_same(const tenyo_idea *a, const tenyo_idea *b, int n) {
    for (int i = 0; i < n; i++) {
        const tenyo_idea *x = &a[i], *y = &b[i];
        if (x->field != y->field || x->code != y->code || x->score != y->score ||
            x->confidence != y->confidence || x->relevance != y->relevance ||
            x->surprise != y->surprise || x->expected != y->expected ||
            x->support != y->support || x->focus != y->focus ||
            memcmp(&x->basis, &y->basis, sizeof x->basis) || x->flags != y->flags ||
            x->nalso != y->nalso ||
            x->nevidence != y->nevidence || x->usable != y->usable ||
            x->content != y->content || x->band != y->band || x->weak != y->weak ||
            x->unexpected != y->unexpected || x->judge != y->judge || x->shown != y->shown ||
            x->sense != y->sense)
            return 0;
        for (int k = 0; k < x->nalso; k++)
            if (x->also[k] != y->also[k]) return 0;
        for (int e = 0; e < x->nevidence; e++)
            if (x->evidence[e].doc != y->evidence[e].doc ||
                x->evidence[e].score != y->evidence[e].score)
                return 0;
    }
    return 1;
}

static const char *room_index(void) {
    static char path[512];
    static int state;
    if (state) return state > 0 ? path : NULL;
    snprintf(path, sizeof path, "%s/room_sample.tny", ty_test_tmpdir());
    state = ty_test_build(SAMPLE, 1000000, NULL, path) == 0 ? 1 : -1;
    return state > 0 ? path : NULL;
}

/* The sample's index opened with a context: 0, or a status (err set; *x
 * NULL when the index did not open). */
static int room_open(tenyo_index **x, tenyo_ctx **c, char *err, size_t n) {
    const char *path = room_index();
    *x = NULL;
    *c = NULL;
    snprintf(err, n, "no sample index");
    if (!path || tenyo_index_open(path, x, err, n)) return TENYO_ERR_INPUT;
    return tenyo_ctx_new(*x, c, err, n);
}

TY_TEST(ideas_options_table_bounds_and_words) {
    char err[256];
    double v;
    CHECK(tenyo_ideas_opt_count() >= 15);
    for (size_t i = 0; i < tenyo_ideas_opt_count(); i++) {
        const tenyo_opt *d = tenyo_ideas_opt(i);
        CHECK(d && d->name && d->cli && d->help && d->help_ja && d->def);
        CHECK(tenyo_ideas_opt_find(d->name) == d && tenyo_ideas_opt_find(d->cli) == d);
        if (d->type == TENYO_OPT_NUMBER || d->type == TENYO_OPT_INTEGER) {
            CHECKF(tenyo_ideas_opt_check(d->name, d->min, err, sizeof err) == 0, "%s", d->name);
            CHECKF(tenyo_ideas_opt_check(d->name, d->max, err, sizeof err) == 0, "%s", d->name);
            CHECK(tenyo_ideas_opt_check(d->name, d->max + 1, err, sizeof err) == TENYO_ERR_ARG);
            CHECKF(!strncmp(err, "must be a", 9), "%s: %s", d->name, err);
            CHECK(tenyo_ideas_opt_check(d->name, NAN, err, sizeof err) == TENYO_ERR_ARG);
            CHECK(tenyo_ideas_opt_parse(d->name, "x", &v, err, sizeof err) == TENYO_ERR_ARG);
        }
    }
    CHECK(tenyo_ideas_opt_find("no_such") == NULL);
    CHECK(tenyo_ideas_opt_check("no_such", 0, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(strstr(err, "no_such") != NULL);
    CHECK(tenyo_ideas_opt_parse("novelty", "2", &v, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(!strcmp(err, "must be a number from 0 to 1"));
    CHECK(tenyo_ideas_opt_parse("novelty", "0.25", &v, err, sizeof err) == 0 && v == 0.25);
    CHECK(tenyo_ideas_opt_parse("knn", "1.5", &v, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(!strcmp(err, "must be an integer from 1 to 100000"));
    CHECK(tenyo_ideas_opt_parse("distance", "far", &v, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(!strcmp(err, "must be one of section, class, subclass"));
    CHECK(tenyo_ideas_opt_parse("distance", "subclass", &v, err, sizeof err) == 0 && v == 2);
    CHECK(tenyo_ideas_opt_parse("distance", "", &v, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(tenyo_ideas_opt_parse("merge", "false", &v, err, sizeof err) == 0 && v == 0);
    CHECK(tenyo_ideas_opt_parse("merge", "maybe", &v, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(tenyo_ideas_opt_parse("home", "B60W", &v, err, sizeof err) == TENYO_ERR_ARG);
}

TY_TEST(ideas_options_set_by_name) {
    char err[256];
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    CHECK(tenyo_ideas_opts_set(&o, "novelty", 0.3, err, sizeof err) == 0 && o.novelty == 0.3);
    CHECK(tenyo_ideas_opts_set(&o, "distance", 0, err, sizeof err) == 0 &&
          o.distance == TENYO_DIST_SECTION);
    CHECK(tenyo_ideas_opts_set(&o, "mode", 1, err, sizeof err) == 0 && o.mode == TENYO_MODE_LSA);
    CHECK(tenyo_ideas_opts_set(&o, "merge", 0, err, sizeof err) == 0 && o.merge == 0);
    CHECK(tenyo_ideas_opts_set(&o, "--knn", 77, err, sizeof err) == 0 && o.knn == 77);
    CHECK(tenyo_ideas_opts_set(&o, "serendipity_from", 3, err, sizeof err) == 0 &&
          o.serendipity_from == 3);
    CHECK(tenyo_ideas_opts_set(&o, "novelty", 1.5, err, sizeof err) == TENYO_ERR_ARG &&
          o.novelty == 0.3);
    CHECK(tenyo_ideas_opts_set(&o, "n", 5, err, sizeof err) == TENYO_ERR_ARG);
    CHECK(tenyo_ideas_opts_set(&o, "home", 1, err, sizeof err) == TENYO_ERR_ARG);
    char buf[] = "b60w, G08G  A61B";
    const char *homes[3];
    CHECK(tenyo_ideas_home_split(buf, homes, 3, err, sizeof err) == 3);
    CHECK(!strcmp(homes[0], "b60w") && !strcmp(homes[2], "A61B"));
    char buf2[] = "A01B,B01D,C01B";
    CHECK(tenyo_ideas_home_split(buf2, homes, 2, err, sizeof err) == TENYO_ERR_LIMIT);
    CHECK(!strcmp(err, "too many home fields (at most 2)"));
}

/* The query checks its struct against the same table (a C caller that
 * fills tenyo_ideas_opts by hand meets the bounds the surfaces do). */
TY_TEST(ideas_struct_checked_by_the_table) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(x != NULL, "%.300s", err);
    tenyo_idea out[10];
    tenyo_ideas_opts o;
    int bad = -1, bad2 = -1, good = -1, badhome = -1;
    char msg[512] = "", hmsg[512] = "";
    if (rc == 0) {
        tenyo_ideas_opts_default(&o);
        o.novelty = 2;
        bad = tenyo_ideas_doc(c, 0, &o, 10, out);
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        tenyo_ideas_opts_default(&o);
        o.field_norm = 3;
        bad2 = tenyo_ideas_doc(c, 0, &o, 10, out);
        tenyo_ideas_opts_default(&o);
        const char *h[] = {"B60WX"};
        o.home = h;
        o.nhome = 1;
        badhome = tenyo_ideas_doc(c, 0, &o, 10, out);
        snprintf(hmsg, sizeof hmsg, "%s", tenyo_ctx_error(c));
        tenyo_ideas_opts_default(&o); /* -1: the tuned defaults */
        good = tenyo_ideas_doc(c, 0, &o, 10, out);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK(rc == 0);
    CHECK(bad == TENYO_ERR_ARG && bad2 == TENYO_ERR_ARG && badhome == TENYO_ERR_ARG);
    CHECKF(!strcmp(msg, "ideas option novelty must be a number from 0 to 1"), "%s", msg);
    CHECKF(strstr(hmsg, "B60WX") != NULL, "%s", hmsg);
    CHECK(good > 0);
}

/* Every card says who found it; the neighbour vote is the table's first
 * row. Nothing before the first query. */
TY_TEST(ideas_cards_name_their_generator) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(x != NULL, "%.300s", err);
    tenyo_idea out[10];
    const char *names[4];
    int before = -1, got = -1, all = 1;
    if (rc == 0) {
        memset(out, 0, sizeof out);
        before = tenyo_idea_found_by(c, &out[0], 4, names);
        got = tenyo_ideas_doc(c, 0, NULL, 10, out);
        for (int i = 0; i < got; i++)
            all &= tenyo_idea_found_by(c, &out[i], 4, names) == 1 &&
                   !strcmp(names[0], "neighbours");
    }
    int nullarg = tenyo_idea_found_by(NULL, &out[0], 4, names);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK(rc == 0 && before == 0 && got > 0 && all);
    CHECK(nullarg == TENYO_ERR_ARG);
    CHECK(ty_ngenerators >= 1 && !strcmp(ty_generators[0].name, "neighbours"));
}

/* The term hook: a word struck in the mask weighs nothing, is worth
 * nothing to any card, and leaves the bridge list; cleared, it is back. */
TY_TEST(ideas_struck_word_leaves_the_bridges) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(x != NULL, "%.300s", err);
    tenyo_idea out[10];
    const char *t0[5], *t1[5], *t2[5];
    int got = -1, n0 = -1, n1 = -1, n2 = -1, found = 0, gone = 1;
    double w = -1, worth = -1;
    if (rc == 0) got = tenyo_ideas_doc(c, 0, NULL, 10, out);
    if (got > 0) n0 = tenyo_idea_bridge(c, &out[0], 5, t0);
    if (n0 > 0) {
        ty_ideas *is = ty_ideas_get(c);
        const ty_model *m = &x->m;
        for (size_t i = 0; i < is->qn; i++) {
            if (strcmp(m->term_blob + m->term_off[c->qt[i]], t0[0])) continue;
            is->mask.flags[i] |= TY_TERM_STRUCK;
            is->mask.any = 1;
            w = ty_term_weight(c, i, out[0].field);
            worth = ty_term_worth(c, ty_term_generic(x), i, out[0].field);
            found = 1;
        }
        n1 = tenyo_idea_bridge(c, &out[0], 5, t1);
        for (int k = 0; k < n1; k++) gone &= strcmp(t1[k], t0[0]) != 0;
        ty_termmask_reset(&is->mask, is->qn);
        n2 = tenyo_idea_bridge(c, &out[0], 5, t2);
    }
    /* the terms live in the index: compared before it is freed */
    int back = n2 == n0 && n0 > 0 && !strcmp(t2[0], t0[0]);
    char first[256] = "";
    if (n0 > 0) snprintf(first, sizeof first, "%s", t0[0]);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK(rc == 0 && got > 0 && n0 > 0);
    CHECKF(found, "bridge '%s' is no query term", first);
    CHECK(w == 0 && worth == 0);
    CHECK(n1 >= 0 && gone);
    CHECK(back);
}

/* Steering through the library: a struck word leaves every card's
 * bridges and the cards that shared it say so; a rejected field is no
 * card; a kept field comes first; set back to NULL, the list is the
 * unsteered one again, byte for byte. */
TY_TEST(ideas_steer_strike_reject_keep) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    tenyo_steer *s = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(x != NULL, "%.300s", err);
    int rs = tenyo_steer_new(&s);
    tenyo_idea a[10], b[10], d[10];
    const char *bt[5], *w[4];
    char word[256] = "", last[5] = "", first[5] = "";
    int na = -1, nb = -1, nd = -1, lost = 0, bridged = 0, rejected_seen = 0, same = 0;
    int bad_word = 0, bad_field = 0, nstruck = -1;
    if (rc == 0 && rs == 0) na = tenyo_ideas_doc(c, 0, NULL, 10, a);
    if (na > 2 && tenyo_idea_bridge(c, &a[0], 5, bt) > 0) {
        snprintf(word, sizeof word, "%s", bt[0]);
        snprintf(first, sizeof first, "%s", a[0].code);
        snprintf(last, sizeof last, "%s", a[na - 1].code);
        bad_word = tenyo_steer_strike(s, "") == TENYO_ERR_ARG &&
                   tenyo_steer_strike(s, "\xff\xfe") == TENYO_ERR_ARG;
        bad_field = tenyo_steer_keep(s, "B60") == TENYO_ERR_ARG;
        tenyo_steer_strike(s, word);
        tenyo_steer_reject(s, first);
        tenyo_steer_keep(s, last);
        nstruck = (int)tenyo_steer_count(s, TENYO_STEER_STRUCK);
        tenyo_ctx_set_steer(c, s);
        nb = tenyo_ideas_doc(c, 0, NULL, 10, b);
        for (int i = 0; i < nb; i++) {
            rejected_seen |= !strcmp(b[i].code, first);
            int k = tenyo_idea_bridge(c, &b[i], 5, bt);
            for (int j = 0; j < k; j++) bridged |= !strcmp(bt[j], word);
            int n = tenyo_idea_struck(c, &b[i], 4, w);
            for (int j = 0; j < n; j++) lost |= !strcmp(w[j], word);
        }
        tenyo_ctx_set_steer(c, NULL);
        nd = tenyo_ideas_doc(c, 0, NULL, 10, d);
        same = nd == na && ideas_same(d, a, na);
    }
    int kept_first = nb > 0 && !strcmp(b[0].code, last);
    tenyo_steer_free(s);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK(rc == 0 && rs == 0 && na > 2 && word[0]);
    CHECK(bad_word && bad_field && nstruck == 1);
    CHECK(nb > 0 && !rejected_seen);
    CHECKF(kept_first, "kept %s not first", last);
    CHECKF(!bridged, "struck '%s' still a bridge", word);
    CHECKF(lost, "no card says it lost '%s'", word);
    CHECK(same);
}

/* A refused keep changes nothing (a full list: the field stays rejected);
 * a blank word is no word; a focus on a document out of range says so. */
TY_TEST(ideas_steer_refusals_change_nothing) {
    tenyo_steer *s = NULL;
    CHECK(tenyo_steer_new(&s) == 0);
    char code[8];
    int filled = 1;
    for (int i = 0; i < 256 && filled; i++) {
        snprintf(code, sizeof code, "%c%02d%c", 'A' + i / 52 % 8, i % 52 / 26 + 1, 'A' + i % 26);
        filled = tenyo_steer_keep(s, code) == 0;
    }
    int rej = tenyo_steer_reject(s, "H99Z");
    int full = tenyo_steer_keep(s, "H99Z");
    size_t nk = tenyo_steer_count(s, TENYO_STEER_KEPT), nr = tenyo_steer_count(s, TENYO_STEER_REJECTED);
    int blank = tenyo_steer_strike(s, "  \t");
    int focus = tenyo_steer_focus(s, "1");
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err), far = 0, sent = 0;
    char msg[256] = "";
    if (rc == 0) {
        tenyo_ctx_set_steer(c, s);
        tenyo_idea out[4];
        far = tenyo_ideas_doc(c, x->m.ndocs + 5, NULL, 4, out);
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        tenyo_sentence st[4];
        sent = tenyo_query_sentences(c, (int64_t)x->m.ndocs, NULL, 4, st);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    tenyo_steer_free(s);
    CHECK(filled && rej == 0);
    CHECK(full == TENYO_ERR_LIMIT && nk == 256 && nr == 1);
    CHECK(blank == TENYO_ERR_ARG && focus == 0);
    CHECK(rc == 0);
    CHECKF(far == TENYO_ERR_NOTFOUND && strstr(msg, "out of range"), "%d %s", far, msg);
    CHECK(sent == TENYO_ERR_NOTFOUND);
}

/* The patent stays the query under a focus in the analyst's words: a
 * document out of range is refused before anything reads it. */
TY_TEST(ideas_focus_text_document_out_of_range) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    tenyo_steer *s = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err), got = 0;
    if (rc == 0 && tenyo_steer_new(&s) == 0 && tenyo_steer_focus_text(s, "robot gripper") == 0) {
        tenyo_ctx_set_steer(c, s);
        tenyo_idea out[4];
        got = tenyo_ideas_doc(c, x->m.ndocs, NULL, 4, out);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    tenyo_steer_free(s);
    CHECK(rc == 0 && got == TENYO_ERR_NOTFOUND);
}

/* More cards: offset 10 with n 5 returns cards 11-15 of the list of 15,
 * the notes say where the page starts; an offset past the list returns
 * none; a negative offset is refused by the table's check. */
TY_TEST(ideas_offset_pages_the_list) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    tenyo_idea all[15], page[5], none[5];
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    int na = rc ? -1 : tenyo_ideas_doc(c, 0, &o, 15, all);
    o.offset = 10;
    int np = rc ? -1 : tenyo_ideas_doc(c, 0, &o, 5, page);
    size_t off = rc ? 0 : tenyo_ctx_notes(c)->offset;
    o.offset = 1000;
    int nn = rc ? -1 : tenyo_ideas_doc(c, 0, &o, 5, none);
    o.offset = -1;
    int neg = rc ? 0 : tenyo_ideas_doc(c, 0, &o, 5, none);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", rc ? "" : tenyo_ctx_error(c));
    /* the codes live as long as the index: compared before it is freed */
    int same = 1;
    for (int i = 0; i < 5 && na == 15 && np == 5; i++)
        same &= !strcmp(all[10 + i].code, page[i].code);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(na == 15 && np == 5, "%d %d", na, np);
    CHECK(same && off == 10);
    CHECK(nn == 0);
    CHECKF(neg == TENYO_ERR_ARG && strstr(msg, "offset"), "%d %s", neg, msg);
}

/* Keep and reject move the list (feedback.c): keeping a card pulls the
 * query toward its evidence, so its confidence rises; rejecting one moves
 * the other cards' numbers; the unsteered list afterwards is the one
 * before, byte for byte. */
TY_TEST(ideas_feedback_moves_the_list) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    tenyo_steer *k = NULL, *r = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    tenyo_idea a[10], b[10], d[10], e[10];
    int na = -1, nb = -1, nd = -1, ne = -1;
    if (!rc) na = tenyo_ideas_doc(c, 0, NULL, 10, a);
    double before = -1, after = -1;
    int moved = 0, shown = 0;
    if (na > 2 && !tenyo_steer_new(&k) && !tenyo_steer_new(&r)) {
        before = a[1].confidence;
        tenyo_steer_keep(k, a[1].code);
        tenyo_ctx_set_steer(c, k);
        nb = tenyo_ideas_doc(c, 0, NULL, 10, b);
        if (nb > 0 && !strcmp(b[0].code, a[1].code)) after = b[0].confidence;
        tenyo_steer_reject(r, a[0].code);
        tenyo_ctx_set_steer(c, r);
        nd = tenyo_ideas_doc(c, 0, NULL, 10, d);
        for (int i = 0; i < nd; i++) {
            shown |= !strcmp(d[i].code, a[0].code);
            for (int j = 0; j < na; j++)
                if (!strcmp(d[i].code, a[j].code)) moved |= d[i].confidence != a[j].confidence;
        }
        tenyo_ctx_set_steer(c, NULL);
        ne = tenyo_ideas_doc(c, 0, NULL, 10, e);
    }
    int same = ne == na && na > 0 && ideas_same(a, e, na);
    tenyo_steer_free(k);
    tenyo_steer_free(r);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(after > before, "kept card's confidence %g -> %g", before, after);
    CHECK(nd > 0 && !shown && moved);
    CHECK(same);
}

/* A worksheet round trip: decisions recorded from a steer, a note, saved
 * and loaded back to the same text; applied to a new steer, the same
 * decisions; damaged texts refused with the member named. */
TY_TEST(ideas_worksheet_round_trip_and_refusals) {
    tenyo_worksheet *w = NULL, *r = NULL;
    tenyo_steer *s = NULL, *t = NULL;
    char err[512] = "", path[600], *a = NULL, *b = NULL;
    snprintf(path, sizeof path, "%s/room_ws.json", ty_test_tmpdir());
    CHECK(tenyo_worksheet_new("patent", "SAMPLE-001", &w) == 0);
    CHECK(tenyo_worksheet_new("museum", "x", &r) == TENYO_ERR_ARG && !r);
    CHECK(tenyo_steer_new(&s) == 0 && tenyo_steer_new(&t) == 0);
    tenyo_steer_strike(s, "チップ");
    tenyo_steer_keep(s, "g06t");
    tenyo_steer_reject(s, "A23L");
    tenyo_steer_focus(s, "2,3");
    CHECK(tenyo_worksheet_record(w, s, NULL, NULL, 0) == 0);
    CHECK(tenyo_worksheet_note(w, "G06T", "検査装置に") == 0);
    CHECK(tenyo_worksheet_note(w, "H01M", "x") == TENYO_ERR_NOTFOUND);
    CHECK(tenyo_worksheet_note(w, "G06T", "\xff") == TENYO_ERR_ARG);
    CHECK(tenyo_worksheet_save(w, path, err, sizeof err) == 0);
    CHECKF(tenyo_worksheet_load(path, &r, err, sizeof err) == 0, "%s", err);
    CHECK(tenyo_worksheet_json(w, &a) == 0 && r && tenyo_worksheet_json(r, &b) == 0);
    CHECK(a && b && !strcmp(a, b));
    CHECK(r && tenyo_worksheet_apply(r, t) == 0);
    const char *ft = NULL, *f, *d, *note;
    CHECK(tenyo_steer_focus_get(t, &ft) == 6 && !ft);
    CHECK(tenyo_steer_count(t, TENYO_STEER_STRUCK) == 1 && tenyo_steer_count(t, TENYO_STEER_KEPT) == 1);
    CHECK(!strcmp(tenyo_steer_item(t, TENYO_STEER_REJECTED, 0), "A23L"));
    CHECK(tenyo_worksheet_card(r, 0, &f, &d, &note) == 0 && !strcmp(f, "G06T") &&
          !strcmp(d, "kept") && note && !strcmp(note, "検査装置に"));
    CHECK(tenyo_worksheet_card(r, 2, &f, &d, &note) == TENYO_ERR_NOTFOUND);
    static const struct { const char *text, *why; } badws[] = {
        {"[]", "not a JSON object"},
        {"{\"tenyo_worksheet\":1}", "exactly one of"},
        {"{\"tenyo_worksheet\":1,\"patent\":\"P\",\"strike\":[1]}", "strike[0]: must be a string"},
        {"{\"tenyo_worksheet\":1,\"patent\":\"P\",\"focus\":[65]}", "focus[0]"},
        {"{\"tenyo_worksheet\":1,\"patent\":\"P\",\"patent\":\"Q\"}", "duplicate"},
        {"{\"tenyo_worksheet\":1,\"patent\":\"P\",\"cards\":[{\"field\":\"G06T\"}]}", "needs \"field\" and \"decision\""},
        {"{\"tenyo_worksheet\":1,\"patent\":\"\xc3\"}", "line 1"},
    };
    for (size_t i = 0; i < sizeof badws / sizeof badws[0]; i++) {
        tenyo_worksheet *x = NULL;
        int rc = tenyo_worksheet_parse(badws[i].text, strlen(badws[i].text), &x, err, sizeof err);
        CHECKF(rc == TENYO_ERR_INPUT && !x && strstr(err, badws[i].why), "%zu: %d %s", i, rc, err);
    }
    tenyo_json_free(a);
    tenyo_json_free(b);
    tenyo_steer_free(s);
    tenyo_steer_free(t);
    tenyo_worksheet_free(w);
    tenyo_worksheet_free(r);
}

/* A worksheet is written by the output rule (never over an index, a file
 * of an update folder, a file that is no worksheet; through a symbolic
 * link to its target), the steer's bounds and one card a field are checked
 * where it is read, and one writer holds its lock at a time; a killed
 * writer's temporary file is removed under the lock. */
TY_TEST(ideas_worksheet_output_rule_lock_and_bounds) {
    char err[512] = "", p[600], q[600], lk[640], tmp[640];
    const char *dir = ty_test_tmpdir();
    tenyo_worksheet *w = NULL, *r = NULL;
    CHECK(tenyo_worksheet_new("patent", "SAMPLE-001", &w) == 0);
    /* an index, a file of its update folder, a text file: refused, unchanged */
    snprintf(p, sizeof p, "%s/wsrule.tny", dir);
    FILE *f = fopen(p, "wb");
    fputs("TENYOIDX and more", f);
    fclose(f);
    CHECKF(tenyo_worksheet_save(w, p, err, sizeof err) == TENYO_ERR_ARG && strstr(err, "tenyo index"), "%s", err);
    snprintf(q, sizeof q, "%s/wsrule.tny.upd", dir);
    mkdir(q, 0777);
    snprintf(q, sizeof q, "%s/wsrule.tny.upd/ws.json", dir);
    CHECKF(tenyo_worksheet_save(w, q, err, sizeof err) == TENYO_ERR_ARG && strstr(err, "update directory"), "%s", err);
    snprintf(q, sizeof q, "%s/wsrule.txt", dir);
    f = fopen(q, "wb");
    fputs("notes\n", f);
    fclose(f);
    CHECKF(tenyo_worksheet_save(w, q, err, sizeof err) == TENYO_ERR_ARG && strstr(err, "not a worksheet"), "%s", err);
    CHECK(tenyo_worksheet_save(w, "", err, sizeof err) == TENYO_ERR_ARG && strstr(err, "empty file name"));
    /* a link: its target written, the link kept */
    snprintf(p, sizeof p, "%s/wsrule_target.json", dir);
    snprintf(q, sizeof q, "%s/wsrule_link.json", dir);
    unlink(p);
    unlink(q);
    CHECK(tenyo_worksheet_save(w, p, err, sizeof err) == 0 && symlink(p, q) == 0);
    tenyo_steer *s = NULL;
    CHECK(tenyo_steer_new(&s) == 0 && tenyo_steer_keep(s, "G08B") == 0);
    CHECK(tenyo_worksheet_record(w, s, NULL, NULL, 0) == 0);
    CHECKF(tenyo_worksheet_save(w, q, err, sizeof err) == 0, "%s", err);
    struct stat st;
    CHECK(lstat(q, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(tenyo_worksheet_load(p, &r, err, sizeof err) == 0 && tenyo_worksheet_note(r, "G08B", "") == 0);
    tenyo_worksheet_free(r);
    /* the lock: one holder; a second is refused after its wait; a stray
     * temporary of a killed writer removed when it is taken */
    tenyo_lock *l1 = NULL, *l2 = NULL;
    snprintf(tmp, sizeof tmp, "%s.tmp.Zz9Yx8", p);
    f = fopen(tmp, "wb");
    fclose(f);
    CHECKF(tenyo_worksheet_lock_take(q, 0, &l1, err, sizeof err) == 0 && l1, "%s", err);
    CHECK(access(tmp, F_OK) != 0);
    snprintf(lk, sizeof lk, "%s.lock", p);
    CHECK(access(lk, F_OK) == 0); /* beside the target, shared by the link */
    pid_t pid = fork();
    if (pid == 0) /* another process: refused while l1 is held */
        _exit(tenyo_worksheet_lock_take(p, 50, &l2, err, sizeof err) == TENYO_ERR_BUSY ? 0 : 1);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tenyo_lock_free(l1);
    CHECK(tenyo_worksheet_lock_take(p, 0, &l2, err, sizeof err) == 0 && l2);
    tenyo_lock_free(l2);
    /* the steer's bounds and one card a field, refused where it is read */
    json_t *o = json_pack("{s:i, s:s, s:[]}", "tenyo_worksheet", 1, "patent", "P", "cards");
    for (int i = 0; i < 257; i++) {
        char fld[8];
        snprintf(fld, sizeof fld, "%c%02d%c", 'A' + i / 100 % 8, i % 100, 'B' + i / 800);
        json_array_append_new(json_object_get(o, "cards"),
                              json_pack("{s:s, s:s}", "field", fld, "decision", "kept"));
    }
    char *t = json_dumps(o, 0);
    CHECK(tenyo_worksheet_parse(t, strlen(t), &r, err, sizeof err) == TENYO_ERR_INPUT &&
          strstr(err, "more than 256 kept"));
    free(t);
    json_decref(o);
    static const char dup[] = "{\"tenyo_worksheet\":1,\"patent\":\"P\",\"cards\":["
                              "{\"field\":\"G07C\",\"decision\":\"kept\"},"
                              "{\"field\":\"G07C\",\"decision\":\"rejected\"}]}";
    CHECK(tenyo_worksheet_parse(dup, strlen(dup), &r, err, sizeof err) == TENYO_ERR_INPUT &&
          strstr(err, "cards[1].field: G07C has a card already"));
    tenyo_steer_free(s);
    tenyo_worksheet_free(w);
}

/* Senses remembered: a word split between the query's home and one field
 * is no bridge of that field's card, still one of the others'; the set
 * round-trips through its TSV; a bad line is named and nothing is taken. */
TY_TEST(ideas_senses_split_one_pair) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    tenyo_senses *s = NULL, *r = NULL;
    char err[512], path[600];
    snprintf(path, sizeof path, "%s/room.senses", ty_test_tmpdir());
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    CHECK(tenyo_senses_new(&s) == 0 && tenyo_senses_new(&r) == 0);
    tenyo_idea a[10], b[10];
    const char *bt[8];
    int na = rc ? -1 : tenyo_ideas_doc(c, 0, NULL, 10, a);
    char word[256] = "", field[5] = "", home[5] = "";
    /* a word two cards share: split it from the first card's field only */
    for (int i = 0; i < na && !word[0]; i++) {
        int k = tenyo_idea_bridge(c, &a[i], 8, bt);
        for (int j = 0; j < k && !word[0]; j++)
            for (int i2 = i + 1; i2 < na && !word[0]; i2++) {
                const char *bt2[8];
                int k2 = tenyo_idea_bridge(c, &a[i2], 8, bt2);
                for (int j2 = 0; j2 < k2; j2++)
                    if (!strcmp(bt[j], bt2[j2])) {
                        snprintf(word, sizeof word, "%s", bt[j]);
                        snprintf(field, sizeof field, "%s", a[i].code);
                    }
            }
    }
    snprintf(home, sizeof home, "%.4s", rc ? "" : tenyo_ctx_home(c, NULL));
    CHECKF(word[0] && home[0], "no shared bridge word in the sample's first list");
    CHECK(tenyo_senses_add(s, word, home, field) == 0);
    CHECK(tenyo_senses_add(s, word, field, home) == 1);
    CHECK(tenyo_senses_add(s, word, home, home) == TENYO_ERR_ARG);
    tenyo_ctx_set_senses(c, s);
    int nb = tenyo_ideas_doc(c, 0, NULL, 10, b);
    int in_field = 0, elsewhere = 0;
    for (int i = 0; i < nb; i++) {
        int k = tenyo_idea_bridge(c, &b[i], 8, bt);
        for (int j = 0; j < k; j++)
            if (!strcmp(bt[j], word)) *(strcmp(b[i].code, field) ? &elsewhere : &in_field) = 1;
    }
    CHECKF(!in_field && elsewhere, "'%s' split from %s: in it %d, elsewhere %d", word, field,
           in_field, elsewhere);
    CHECK(tenyo_senses_save(s, path, err, sizeof err) == 0);
    CHECKF(tenyo_senses_load(r, path, err, sizeof err) == 0 && tenyo_senses_count(r) == 1, "%.300s", err);
    FILE *f = fopen(path, "a");
    if (f) {
        fputs("ok\tB60W\tF24F\nno\tB60W\n", f);
        fclose(f);
    }
    tenyo_senses *t = NULL;
    tenyo_senses_new(&t);
    CHECK(tenyo_senses_load(t, path, err, sizeof err) == TENYO_ERR_INPUT);
    CHECKF(strstr(err, "room.senses:4: needs three columns") && tenyo_senses_count(t) == 0, "%.300s", err);
    CHECK(tenyo_senses_remove(r, word, field, home) == 0 && tenyo_senses_count(r) == 0);
    tenyo_ctx_set_senses(c, NULL);
    tenyo_senses_free(t);
    tenyo_senses_free(s);
    tenyo_senses_free(r);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* A senses file's limits and the file rule of its save: a merge over
 * 100,000 splits takes nothing of the refused file (all or nothing); a
 * NUL byte is named at its line; a split removed can be added again; the
 * save never replaces an index or a file that is not a senses file (a
 * corpus), and does replace a senses file without a header. */
TY_TEST(ideas_senses_limits_and_save_rule) {
    char err[512], p1[600], p2[600], pj[600], pi[600], w[32];
    const char *dir = ty_test_tmpdir();
    snprintf(p1, sizeof p1, "%s/lim1.senses", dir);
    snprintf(p2, sizeof p2, "%s/lim2.senses", dir);
    snprintf(pj, sizeof pj, "%s/corpus.jsonl", dir);
    tenyo_senses *a = NULL, *b = NULL;
    CHECK(tenyo_senses_new(&a) == 0 && tenyo_senses_new(&b) == 0);
    if (!a || !b) return;
    for (int i = 0; i < 60000; i++) {
        snprintf(w, sizeof w, "a%d", i);
        tenyo_senses_add(a, w, "B60W", "G07C");
        snprintf(w, sizeof w, "b%d", i);
        tenyo_senses_add(b, w, "B60W", "G07C");
    }
    CHECK(tenyo_senses_count(a) == 60000);
    CHECKF(tenyo_senses_save(b, p2, err, sizeof err) == 0, "%.300s", err);
    CHECK(tenyo_senses_load(a, p2, err, sizeof err) == TENYO_ERR_LIMIT);
    CHECKF(tenyo_senses_count(a) == 60000 && strstr(err, "nothing of it taken"),
           "%zu splits after the refused merge: %.300s", tenyo_senses_count(a), err);
    /* a split removed is gone and can come back */
    CHECK(tenyo_senses_remove(a, "a7", "G07C", "B60W") == 0);
    CHECK(tenyo_senses_remove(a, "a7", "G07C", "B60W") == TENYO_ERR_NOTFOUND);
    CHECK(tenyo_senses_add(a, "a7", "B60W", "G07C") == 0 && tenyo_senses_count(a) == 60000);
    CHECK(tenyo_senses_add(a, "A7", "G07C", "B60W") == 1);
    /* a NUL byte at its line */
    FILE *f = fopen(p1, "wb");
    if (f) {
        fwrite("x\tB60W\tG07C\ny\0z\tB60W\tG07C\n", 1, 26, f);
        fclose(f);
    }
    CHECK(tenyo_senses_load(b, p1, err, sizeof err) == TENYO_ERR_INPUT);
    CHECKF(strstr(err, "lim1.senses:2: NUL byte") != NULL, "%.300s", err);
    /* the save's file rule */
    f = fopen(pj, "w");
    if (f) {
        fputs("{\"id\": \"X-1\", \"title\": \"t\"}\n", f);
        fclose(f);
    }
    CHECK(tenyo_senses_save(b, pj, err, sizeof err) == TENYO_ERR_ARG);
    CHECKF(strstr(err, "not a senses file") != NULL, "%.300s", err);
    f = fopen(pj, "r");
    char line[64] = "";
    if (f) {
        CHECK(fgets(line, sizeof line, f) && !strncmp(line, "{\"id\"", 5));
        fclose(f);
    }
    const char *ix = room_index();
    if (ix) {
        snprintf(pi, sizeof pi, "%s", ix);
        CHECK(tenyo_senses_save(b, pi, err, sizeof err) == TENYO_ERR_ARG);
        CHECKF(strstr(err, "tenyo index") != NULL, "%.300s", err);
        tenyo_index *x = NULL;
        CHECKF(tenyo_index_open(pi, &x, err, sizeof err) == 0, "%.300s", err);
        tenyo_index_free(x);
    }
    f = fopen(p1, "w");
    if (f) {
        fputs("# ours\nx\tB60W\tG07C\n", f);
        fclose(f);
    }
    CHECKF(tenyo_senses_save(b, p1, err, sizeof err) == 0, "%.300s", err);
    tenyo_senses_free(a);
    tenyo_senses_free(b);
}

/* A full-width ． between two digits is a decimal point, not a sentence's
 * end: a why line quoted "カルニチン塩の濃度が０．" cut at it. */
TY_TEST(ideas_sentences_decimal_point) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECK(rc == 0);
    if (rc) return;
    const char *t = "カルニチン塩の濃度が０．５５ｇ／Ｌ、比重1．2である飲用組成物。"
                    "項目１．次の文は別である。";
    tenyo_sentence st[8];
    int n = tenyo_query_sentences(c, -1, t, 8, st);
    CHECKF(n == 3, "%d sentences", n);
    if (n >= 1) {
        CHECK(st[0].len > 0 && memmem(st[0].text, st[0].len, "０．５５ｇ", strlen("０．５５ｇ")));
        CHECK(memmem(st[0].text, st[0].len, "1．2である", strlen("1．2である")) != NULL);
    }
    if (n >= 2) CHECKF(st[1].len == strlen("項目１．"), "%zu", st[1].len);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* One sense on both sides (judge/sense.c): 運転 beside 眠気・撮像・警告 in
 * the query agrees with a forklift driver's sentence and not with a heat
 * pump's defrost run; a term in no sentence of one side is unknown (-1);
 * the rule takes a card of two senses one band down, never strong. */
TY_TEST(judge_sense_two_senses) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    static const char q[] = "運転者の眠気を撮像画像から推定し、警告灯を点灯する。";
    static const char same[] = "フォークリフトの運転者の眠気を撮像して警告灯を点灯する。";
    static const char other[] = "ヒートポンプ式給湯機の除霜運転の時刻を給湯需要の予測に基づいて決める。";
    ty_judge_span qs = {q, strlen(q)}, es = {same, strlen(same)}, eo = {other, strlen(other)};
    const char *terms[] = {"運転"}, *none[] = {"内視鏡"};
    double a_same = rc ? -2 : ty_judge_sense(c, &qs, 1, &es, 1, terms, 1);
    double a_other = rc ? -2 : ty_judge_sense(c, &qs, 1, &eo, 1, terms, 1);
    double a_none = rc ? -2 : ty_judge_sense(c, &qs, 1, &es, 1, none, 1);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(a_same > 0.3 && a_other >= 0 && a_other < 0.1, "%.3f %.3f", a_same, a_other);
    CHECK(a_none == -1);
    unsigned w = 0;
    CHECK_EQ_INT(ty_judge_sense_band(TENYO_BAND_STRONG, a_other, &w), TENYO_BAND_CANDIDATE);
    CHECK(w == TENYO_WEAK_TWO_SENSES);
    w = 0;
    CHECK_EQ_INT(ty_judge_sense_band(TENYO_BAND_CANDIDATE, a_other, &w), TENYO_BAND_REFERENCE);
    w = 0;
    CHECK_EQ_INT(ty_judge_sense_band(TENYO_BAND_STRONG, a_same, &w), TENYO_BAND_STRONG);
    CHECK_EQ_INT(ty_judge_sense_band(TENYO_BAND_STRONG, -1, &w), TENYO_BAND_STRONG);
    CHECK(w == 0);
}

/* What a company would do with a matched patent (matchuse.c): the
 * company's clause holding the shared term, its predicate cut, joined to
 * the patent's clause holding it, reference signs and labels out; a term
 * in one sentence only is no anchor; English stems anchor on a word start. */
/* match's list (judge/list.c): a patent whose why line shows no shared
 * word is no card, whatever its band; a candidate or strong one showing a
 * word is a card; a reference one only when it shares a specific word, at
 * a similarity the engine does not call weak. */
TY_TEST(judge_match_card_needs_a_word_shown) {
    double weak = IDEAS_WEAK_QUERY;
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_CANDIDATE, 0, 1, 0.0, weak), 1);
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_CANDIDATE, 2, 0, 0.5, weak), 0); /* nothing shown */
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_STRONG, 3, 0, 0.9, weak), 0);
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_STRONG, 3, 2, 0.5, weak), 1);
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_REFERENCE, 1, 1, weak, weak), 1);
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_REFERENCE, 1, 0, 0.5, weak), 0); /* nothing shown */
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_REFERENCE, 0, 2, 0.5, weak), 0); /* generic only */
    CHECK_EQ_INT(ty_judge_match_card(TENYO_BAND_REFERENCE, 2, 2, weak / 2, weak), 0); /* weak */
}

/* An ideas card that can show no shared term is never above reference
 * (judge/list.c): strong and candidate go down with the weak point said;
 * a card showing a term, or already a reference card, keeps its band. */
TY_TEST(judge_term_band_needs_a_term_shown) {
    unsigned w = TENYO_WEAK_ONE_PATENT;
    CHECK_EQ_INT(ty_judge_term_band(TENYO_BAND_STRONG, 0, &w), TENYO_BAND_REFERENCE);
    CHECK(w == (TENYO_WEAK_ONE_PATENT | TENYO_WEAK_NO_TERM));
    w = 0;
    CHECK_EQ_INT(ty_judge_term_band(TENYO_BAND_CANDIDATE, 0, &w), TENYO_BAND_REFERENCE);
    CHECK(w == TENYO_WEAK_NO_TERM);
    w = 0;
    CHECK_EQ_INT(ty_judge_term_band(TENYO_BAND_STRONG, 2, &w), TENYO_BAND_STRONG);
    CHECK_EQ_INT(ty_judge_term_band(TENYO_BAND_CANDIDATE, 1, &w), TENYO_BAND_CANDIDATE);
    CHECK_EQ_INT(ty_judge_term_band(TENYO_BAND_REFERENCE, 0, &w), TENYO_BAND_REFERENCE);
    CHECK(w == 0);
}

TY_TEST(match_use_clauses) {
    tenyo_why w = {0};
    w.query = "鋳鉄の鋳物を砂型で鋳造している。工作機械のベッドが中心で、溶解炉の管理、鋳物砂の再生を得意とする。";
    w.evidence = "【解決手段】誘導加熱コイル１８に供給すべき電力を設定するとともに、溶解炉１０の内径に（Ｂ）コイルを合わせる";
    w.terms[0] = "鋳型"; /* in neither: skipped */
    w.terms[1] = "溶解炉";
    w.nterms = 2;
    ty_buf cb = {0}, tb = {0};
    const char *term = NULL;
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 1);
    CHECK_STR(cb.p, "溶解炉の管理");
    CHECK_STR(tb.p, "溶解炉の内径にコイルを合わせる");
    CHECK_STR(term, "溶解炉");
    /* the predicate of the enumeration's last item: を得意とする cut */
    w.terms[1] = "再生";
    w.evidence = "鋳物砂の再生装置１２内に配置した。";
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 1);
    CHECK_STR(cb.p, "鋳物砂の再生");
    CHECK_STR(tb.p, "鋳物砂の再生装置内に配置した");
    /* a leading "we" and a closing を開発 cut */
    w.query = "当社は工場向けの在庫管理システムを開発している。";
    w.evidence = "本発明の在庫管理システムは、入庫を記録する。";
    w.terms[1] = "在庫管理";
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 1);
    CHECK_STR(cb.p, "工場向けの在庫管理システム");
    CHECK_STR(tb.p, "在庫管理システム");
    /* no term in both sentences: nothing is guessed */
    w.terms[1] = "入庫";
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 0);
    /* English: the stem anchors on a word start, case folded */
    w.query = "We machine aluminium housings, and we anodize parts for cameras.";
    w.evidence = "An anodized layer is formed on the housing; the camera body is sealed.";
    w.terms[0] = "anod";
    w.nterms = 1;
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 1);
    CHECK_STR(cb.p, "and we anodize parts for cameras");
    CHECK_STR(tb.p, "An anodized layer is formed on the housing");
    /* a long English clause is cut at spaces, never inside a word */
    w.query = "Our shop bends and welds steel reinforcing bars and makes concrete formwork for builders";
    w.evidence = "The pressure is kept below 1.5 bar by a relief valve in the line.";
    w.terms[0] = "bar";
    CHECK_EQ_INT(ty_match_use(&w, &cb, &tb, &term), 1);
    CHECKF(!strncmp(cb.p, "\xE2\x80\xA6", 3) && cb.p[3] != ' ' && strstr(cb.p, " bars ") != NULL,
           "%s", cb.p);
    size_t cl = strlen(cb.p);
    CHECKF(cl > 3 && !strcmp(cb.p + cl - 3, "\xE2\x80\xA6") && cb.p[cl - 4] != ' ', "%s", cb.p);
    {
        /* the words around the cuts are whole words of the company's text */
        char first[64] = "", last[64] = "";
        sscanf(cb.p + 3, "%63s", first);
        const char *sp = strrchr(cb.p, ' ');
        snprintf(last, sizeof last, "%.*s", (int)(cl - 3 - (size_t)(sp + 1 - cb.p)), sp + 1);
        char pat[80];
        snprintf(pat, sizeof pat, " %s ", first);
        CHECKF(strstr(w.query, pat) != NULL || !strncmp(w.query, first, strlen(first)), "%s", first);
        snprintf(pat, sizeof pat, " %s ", last);
        CHECKF(strstr(w.query, pat) != NULL, "'%s'", last);
    }
    ty_buf_free(&cb);
    ty_buf_free(&tb);
}

/* The English card judge (judge/card.c): a card whose weight is mostly in
 * Latin-script terms is weighed by the en.card weights, so the same card
 * resting on widely spread words (member, housing: spread near 0.9) gets
 * a lower probability than one resting on field words (catheter: 0.4); a
 * Japanese card never sees the English facts. */
/* The evidence facts of a card: the best evidence patent's similarity and
 * the sum over the card's evidence, in full from TY_CJ_FULL_QUERY query
 * terms, scaled down on a shorter query (a two-word text is close to any
 * patent writing one of its words); a closer evidence patent raises the
 * judge's probability. */
TY_TEST(judge_card_evidence_facts) {
    const char *const *names = ty_judge_card_names();
    CHECK_STR(names[16], "card.evidence_sim");
    CHECK_STR(names[17], "card.evidence_sum");
    tenyo_hit ev[3] = {{.doc = 1, .score = 0.4f}, {.doc = 2, .score = 0.2f}, {.doc = 3, .score = -0.1f}};
    double f[TY_CJ_N], g[TY_CJ_N], w[6] = {0}; /* no term carries weight */
    uint32_t t[6] = {0};
    ty_judge_card_facts(NULL, 0.5, TENYO_BAND_REFERENCE, t, w, 6, ev, 3, f);
    CHECK_NEAR(f[16], 0.4, 1e-6);
    CHECK_NEAR(f[17], 0.6, 1e-6); /* a negative similarity counts as 0 */
    ty_judge_card_facts(NULL, 0.5, TENYO_BAND_REFERENCE, t, w, 2, ev, 3, g);
    CHECK_NEAR(g[16], 0.4 * 2 / 6, 1e-6);
    CHECK_NEAR(g[17], 0.6 * 2 / 6, 1e-6);
    CHECKF(ty_judge_card(f) > ty_judge_card(g), "full %.3f, short query %.3f", ty_judge_card(f), ty_judge_card(g));
    ev[0].score = 0.05f;
    ty_judge_card_facts(NULL, 0.5, TENYO_BAND_REFERENCE, t, w, 6, ev, 3, g);
    CHECKF(ty_judge_card(f) > ty_judge_card(g), "close %.3f, far %.3f", ty_judge_card(f), ty_judge_card(g));
}

TY_TEST(judge_card_english_generic_below_specific) {
    double g[TY_CJ_N] = {0}, s[TY_CJ_N] = {0};
    g[0] = s[0] = 1;                  /* bias */
    g[1] = s[1] = 0;                  /* the reader model at 0.5 */
    g[4] = s[4] = 0.6;                /* genericity */
    g[9] = s[9] = 0.4;                /* idf */
    g[11] = 1, s[11] = 0;             /* en_generic: spread >= 0.8 */
    g[13] = 0.88, s[13] = 0.45;       /* en_spread */
    g[15] = 0.88, s[15] = 0.45;       /* en_top_spread */
    g[TY_CJ_LATIN] = s[TY_CJ_LATIN] = 1;
    const char *const *names = ty_judge_card_names();
    CHECK_STR(names[13], "card.en_spread");
    CHECK_STR(names[11], "card.en_generic");
    CHECK_STR(names[15], "card.en_top_spread");
    CHECK_STR(names[TY_CJ_LATIN], "card.latin");
    double pg = ty_judge_card(g), ps = ty_judge_card(s);
    CHECKF(pg < ps - 0.1, "generic %.3f, specific %.3f", pg, ps);
    /* the same facts on a Japanese card: the English facts weigh nothing */
    g[TY_CJ_LATIN] = s[TY_CJ_LATIN] = 0;
    CHECK_NEAR(ty_judge_card(g), ty_judge_card(s), 1e-12);
}

/* tenyo_ideas_json_shown: the shown cards, the notes, the warnings and the
 * query as tenyo_ideas_json writes them; each card outside the shown list
 * in its place with its field, labels, band and numbers, but bridge terms,
 * phrases and evidence empty, idea "", no why, no judge facts and
 * "explained": false. A pool larger than the shown list (n 12 asked of
 * the sample's first patents, show 3) has both kinds. */
TY_TEST(ideas_json_shown_leaves_the_others_unexplained) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    int checked = 0, hidden = 0, shown = 0;
    for (int64_t d = 0; !rc && d < 6; d++) {
        tenyo_idea ideas[12];
        tenyo_ideas_opts o;
        tenyo_ideas_opts_default(&o);
        o.show = 3;
        int got = tenyo_ideas_doc(c, (uint64_t)d, &o, 12, ideas);
        if (got <= 0) continue;
        tenyo_query q = {d, NULL, 0, NULL, 0};
        char *full = NULL, *brief = NULL;
        CHECK(tenyo_ideas_json(c, &q, ideas, got, 12, "ja", &full) == TENYO_OK);
        CHECK(tenyo_ideas_json_shown(c, &q, ideas, got, 12, "ja", &brief) == TENYO_OK);
        json_t *a = full ? json_loads(full, 0, NULL) : NULL, *b = brief ? json_loads(brief, 0, NULL) : NULL;
        CHECK(a && b);
        if (a && b) {
            const char *keys[] = {"query", "warnings", "hidden", "hidden_thin", "hidden_content",
                                  "bands", "shown", "more", "legend"};
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
                CHECKF(json_equal(json_object_get(a, keys[k]), json_object_get(b, keys[k])),
                       "doc %lld: %s differs", (long long)d, keys[k]);
            json_t *ia = json_object_get(a, "ideas"), *ib = json_object_get(b, "ideas");
            CHECK(json_array_size(ia) == (size_t)got && json_array_size(ib) == (size_t)got);
            for (size_t i = 0; i < json_array_size(ia) && i < json_array_size(ib); i++) {
                json_t *ca = json_array_get(ia, i), *cb = json_array_get(ib, i);
                if (ideas[i].shown > 0) {
                    CHECKF(json_equal(ca, cb), "doc %lld card %zu: a shown card differs",
                           (long long)d, i);
                    shown++;
                    continue;
                }
                hidden++;
                CHECK(json_is_false(json_object_get(cb, "explained")));
                CHECK(!json_object_get(cb, "why") && !json_object_get(cb, "judge_facts"));
                CHECK(json_array_size(json_object_get(cb, "bridge_terms")) == 0 &&
                      json_array_size(json_object_get(cb, "phrases")) == 0 &&
                      json_array_size(json_object_get(cb, "evidence")) == 0);
                CHECK(!strcmp(json_string_value(json_object_get(cb, "idea")), ""));
                const char *same[] = {"rank", "field", "label", "label_ja", "label_en", "band",
                                      "band_label", "shown", "score", "confidence", "expected",
                                      "also_fields", "weak"};
                for (size_t k = 0; k < sizeof same / sizeof *same; k++)
                    CHECKF(json_equal(json_object_get(ca, same[k]), json_object_get(cb, same[k])),
                           "doc %lld card %zu: %s differs", (long long)d, i, same[k]);
                CHECK(json_array_size(json_object_get(ca, "evidence")) > 0);
            }
            checked++;
        }
        json_decref(a);
        json_decref(b);
        tenyo_json_free(full);
        tenyo_json_free(brief);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(checked >= 3 && hidden > 0 && shown > 0, "%d lists, %d hidden, %d shown cards", checked,
           hidden, shown);
}

/* The own-word rule's answers kept on the context by (patent, term) serve
 * every later query: lists made one after another on one context (each
 * query's cards asking of evidence the earlier ones read) equal lists made
 * each on a fresh context, to the byte of their JSON. */
TY_TEST(ideas_own_word_answers_kept_across_queries) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    int compared = 0;
    for (int64_t d = 0; !rc && d < 8; d++) {
        tenyo_idea a[12], b[12];
        tenyo_ctx *f = NULL;
        CHECK(tenyo_ctx_new(x, &f, err, sizeof err) == TENYO_OK);
        int na = tenyo_ideas_doc(c, (uint64_t)d, NULL, 12, a);
        int nb = f ? tenyo_ideas_doc(f, (uint64_t)d, NULL, 12, b) : -1;
        CHECK(na == nb);
        if (na > 0 && na == nb) {
            tenyo_query q = {d, NULL, 0, NULL, 0};
            char *ja = NULL, *jb = NULL;
            CHECK(tenyo_ideas_json(c, &q, a, na, 12, "ja", &ja) == TENYO_OK);
            CHECK(tenyo_ideas_json(f, &q, b, nb, 12, "ja", &jb) == TENYO_OK);
            CHECKF(ja && jb && !strcmp(ja, jb), "document %lld: the lists differ", (long long)d);
            tenyo_json_free(ja);
            tenyo_json_free(jb);
            compared++;
        }
        tenyo_ctx_free(f);
    }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECK(compared >= 4);
}

/* ty_own_doc_piece's kept answers are the rule's: every (patent, term)
 * pair of the sample's first patents and their terms, asked in a scrambled
 * order on one context, gives what the rule gives with nothing kept (the
 * kept answers cleared before each ask); some terms are pieces in one
 * patent and words of their own in another. */
TY_TEST(ideas_own_word_kept_by_patent_and_term) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    char err[512];
    int rc = room_open(&x, &c, err, sizeof err);
    CHECKF(rc == 0, "%.300s", err);
    if (rc) return;
    ty_ideas *is = ty_ideas_get(c);
    CHECK(is != NULL);
    if (!is) return;
    const ty_model *m = &x->m;
    enum { ND = 24, NP = 4000 };
    static uint64_t pd[NP];
    static uint32_t pt[NP];
    static int want[NP];
    int np = 0;
    uint64_t docs[ND];
    for (int i = 0; i < ND; i++) docs[i] = (uint64_t)i;
    CHECK(ty_model_need_rows(m, docs, ND, sizeof *docs, err, sizeof err) == 0);
    /* the pairs: each patent with the terms of the first ND patents' rows */
    for (int i = 0; i < ND && np < NP; i++)
        for (int k = 0; k < ND && np < NP; k += 3)
            for (uint64_t j = m->tfidf.rowptr[k]; j < m->tfidf.rowptr[k + 1] && np < NP; j += 2) {
                pd[np] = docs[i];
                pt[np++] = m->tfidf.col[j];
            }
    int pieces = 0, mixed = 0;
    for (int p = 0; p < np; p++) {
        memset(is->own.memo, 0, sizeof is->own.memo);
        is->own.doc = UINT64_MAX;
        want[p] = ty_own_doc_piece(c, pd[p], pt[p]);
        pieces += want[p];
    }
    for (int p = 0; p < np; p++) /* a term a piece of one patent, not of another */
        for (int q = p + 1; q < np && !mixed; q++)
            mixed = pt[q] == pt[p] && want[q] != want[p];
    memset(is->own.memo, 0, sizeof is->own.memo);
    is->own.doc = UINT64_MAX;
    int bad = 0;
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < np; s++) {
            int p = (int)(((uint64_t)s * 7919u + (uint64_t)r * 104729u) % (uint64_t)np);
            bad += ty_own_doc_piece(c, pd[p], pt[p]) != want[p];
        }
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    CHECKF(bad == 0 && pieces > 0 && mixed, "%d of %d asks differ; %d pieces; mixed %d", bad, 3 * np,
           pieces, mixed);
}
