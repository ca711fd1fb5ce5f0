/*
 * state.c — what the ideas layer keeps on a query context between calls:
 * the last query's home and notes, its term mask and its candidate pool
 * (stages.h, ty_ideas), and caches of document texts and of the why
 * stage's tokenized sentences. The accessors read it after tenyo_ideas_* returned
 * (tenyo_ctx_notes, tenyo_ctx_home, tenyo_idea_bridge, tenyo_idea_why,
 * tenyo_idea_found_by). The api layer holds it as one opaque pointer
 * (tenyo_ctx.ideas) and frees it through the hook set here
 * (tenyo_ctx.ideas_free): the context knows nothing of what is inside.
 */
#include "stages.h"

#include <stdlib.h>
#include <string.h>

static void ideas_free(void *p) {
    ty_ideas *is = p;
    if (!is) return;
    free(is->mask.w);
    free(is->mask.flags);
    free(is->split);
    ty_pool_free(&is->pool);
    ty_buf_free(&is->sbuf);
    for (int i = 0; i < TY_DOCTEXT_SLOTS; i++) ty_buf_free(&is->dtext[i].text);
    ty_buf_free(&is->fbuf);
    free(is->own.qpiece);
    ty_buf_free(&is->own.text);
    free(is);
}

ty_ideas *ty_ideas_get(tenyo_ctx *c) {
    if (c->ideas) return c->ideas;
    ty_ideas *is = ty_calloc(1, sizeof *is);
    if (!is) {
        ty_seterr(c->err, sizeof c->err, "out of memory for the ideas state");
        return NULL;
    }
    is->skip = UINT64_MAX;
    is->own.doc = UINT64_MAX;
    c->ideas = is;
    c->ideas_free = ideas_free;
    return is;
}

int ty_termmask_reset(ty_termmask *k, size_t qn) {
    if (qn > k->cap) {
        float *w = ty_reallocarray(k->w, qn, sizeof *w);
        if (w) k->w = w;
        uint8_t *fl = ty_reallocarray(k->flags, qn, 1);
        if (fl) k->flags = fl;
        if (!w || !fl) return TENYO_ERR_NOMEM;
        k->cap = qn;
    }
    for (size_t i = 0; i < k->cap; i++) k->w[i] = 1.0f;
    if (k->cap) memset(k->flags, 0, k->cap);
    k->any = 0;
    return TENYO_OK;
}

const tenyo_ideas_notes *tenyo_ctx_notes(const tenyo_ctx *c) {
    static const tenyo_ideas_notes none;
    if (!c) return NULL;
    const ty_ideas *is = ty_ideas_peek(c);
    return is ? &is->notes : &none;
}

const char *tenyo_ctx_home(const tenyo_ctx *c, int *predicted) {
    const ty_ideas *is = ty_ideas_peek(c);
    if (predicted) *predicted = is ? is->home_predicted : 0;
    return is ? is->home : "";
}

int tenyo_idea_found_by(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                        const char **names) {
    if (!c || !idea || (k && !names)) return TENYO_ERR_ARG;
    const ty_ideas *is = ty_ideas_peek(c);
    if (!is || idea->field >= is->pool.nfields) return 0;
    unsigned found = is->pool.cand[idea->field].found;
    size_t n = 0;
    for (size_t g = 0; g < ty_ngenerators && n < k; g++)
        if (found & (1u << g)) names[n++] = ty_generators[g].name;
    return (int)n;
}
