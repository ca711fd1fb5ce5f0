/*
 * fuzz_match.c — the body of POST /api/match, the company query
 * (serve_match_parse in src/serve/serve_parse.c), over arbitrary bytes,
 * handed over as libmicrohttpd hands a body: an exact-size copy, not
 * terminated.
 *
 * Properties of an accepted body: a text (never an id: a company is
 * described, not numbered) of 1..32 KiB whose strlen is its length, k in
 * 1..100 (default 10), lang ja or en, home codes that are IPC subclasses,
 * at most SRV_MAX_HOME of them; the same bytes parse the same way twice.
 * A refusal is a 4xx/500 status with a terminated, non-empty message.
 * Differential: the members of a match body are the ideas body's except k
 * (and the ideas body's id, n and novelty are unknown here), so a body the
 * match parser accepts and that has no k must be accepted by
 * serve_ideas_parse too, with the same text, options and filters — one
 * grammar, two entry points, which must not drift apart.
 * Linked against the CLI objects (serve_parse.c) like fuzz_http.
 */
#include "fuzz.h"
#include "serve/serve_parse.h"

#define FZ_MSG 256

/* The contract of a refusal: a known status and a terminated message. */
static void check_verdict(unsigned st, const char *msg) {
    if (!st) return;
    FZ_ASSERT(st == SRV_HTTP_BAD_REQUEST || st == SRV_HTTP_TOO_LARGE ||
              st == SRV_HTTP_INTERNAL);
    FZ_ASSERT(memchr(msg, 0, FZ_MSG) != NULL && msg[0] != 0);
}

/* Two strings equal, NULL only with NULL. */
static int same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The options and filters two accepted parses gave are the same. */
static void check_same(const serve_ideas_req *a, const serve_ideas_req *b) {
    FZ_ASSERT(same_str(a->text, b->text) && a->len == b->len);
    FZ_ASSERT(!strcmp(a->lang, b->lang));
    FZ_ASSERT(a->io.distance == b->io.distance && a->io.mode == b->io.mode);
    FZ_ASSERT(a->io.min_confidence == b->io.min_confidence);
    FZ_ASSERT(a->io.nhome == b->io.nhome);
    for (size_t i = 0; i < a->io.nhome; i++) FZ_ASSERT(!strcmp(a->io.home[i], b->io.home[i]));
    const cli_filter_opts *f = &a->filter, *g = &b->filter;
    FZ_ASSERT(same_str(f->date_from, g->date_from) && same_str(f->date_to, g->date_to));
    FZ_ASSERT(same_str(f->keywords, g->keywords) && f->kind == g->kind && f->any == g->any);
    for (int w = 0; w < 2; w++) {
        FZ_ASSERT(f->nappl[w] == g->nappl[w] && f->nfield[w] == g->nfield[w]);
        for (int i = 0; i < f->nappl[w]; i++) FZ_ASSERT(!strcmp(f->appl[w][i], g->appl[w][i]));
        for (int i = 0; i < f->nfield[w]; i++) FZ_ASSERT(!strcmp(f->field[w][i], g->field[w][i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *body = malloc(size ? size : 1);
    if (!body) return 0;
    if (size) memcpy(body, data, size);
    serve_ideas_req q, q2, qi;
    char msg[FZ_MSG], msg2[FZ_MSG], msgi[FZ_MSG];
    memset(msg, 'x', sizeof msg);
    memset(msg2, 'x', sizeof msg2);
    unsigned st = serve_match_parse(body, size, &q, msg, sizeof msg);
    unsigned st2 = serve_match_parse(body, size, &q2, msg2, sizeof msg2);
    check_verdict(st, msg);
    FZ_ASSERT(st == st2); /* the same bytes, the same answer */
    if (st) FZ_ASSERT(!strcmp(msg, msg2));
    if (st == 0) {
        FZ_ASSERT(q.root != NULL && json_is_object(q.root));
        FZ_ASSERT(q.id == NULL && q.text != NULL);
        FZ_ASSERT(q.len > 0 && q.len <= SRV_MAX_TEXT && q.len == strlen(q.text));
        FZ_ASSERT(q.n >= 1 && q.n <= SRV_MAX_K);
        FZ_ASSERT(json_object_get(q.root, "k") || q.n == 10);
        FZ_ASSERT(!json_object_get(q.root, "id") && !json_object_get(q.root, "n") &&
                  !json_object_get(q.root, "novelty"));
        FZ_ASSERT(!strcmp(q.lang, "ja") || !strcmp(q.lang, "en"));
        fz_check_home(&q.io, SRV_MAX_HOME);
        /* given: in [0, 1]; absent: the engine's default (< 0) */
        if (json_object_get(q.root, "min_confidence"))
            FZ_ASSERT(q.io.min_confidence >= 0 && q.io.min_confidence <= 1);
        else
            FZ_ASSERT(q.io.min_confidence < 0);
        check_same(&q, &q2);
        /* the ideas grammar agrees on a body without k */
        if (!json_object_get(q.root, "k")) {
            unsigned sti = serve_ideas_parse(body, size, &qi, msgi, sizeof msgi);
            FZ_ASSERT(sti == 0);
            check_same(&q, &qi);
            FZ_ASSERT(q.io.open_only == qi.io.open_only);
            serve_ideas_req_free(&qi);
        }
    }
    serve_ideas_req_free(&q);
    serve_ideas_req_free(&q2);
    FZ_ASSERT(q.root == NULL && q.homebuf == NULL);
    free(body);
    return 0;
}
