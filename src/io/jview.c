/*
 * jview.c — the pools of a JSON Lines record's view (jview.h): members and
 * top-level array elements in two arrays that grow by doubling and are
 * kept from line to line, so a record costs no allocation once the
 * largest has been seen.
 */
#include "io/io.h"
#include "io/jview.h"

#include <stdlib.h>
#include <string.h>

void ty_jdoc_clear(ty_jdoc *d) {
    d->nmem = 0;
    d->nel = 0;
}

void ty_jdoc_free(ty_jdoc *d) {
    free(d->mem);
    free(d->el);
    memset(d, 0, sizeof *d);
}

ty_jmember *ty_jdoc_member(ty_jdoc *d) {
    if (ty_grow((void **)&d->mem, &d->capmem, d->nmem, sizeof *d->mem, 32)) return NULL;
    ty_jmember *m = &d->mem[d->nmem++];
    memset(m, 0, sizeof *m);
    return m;
}

ty_jv *ty_jdoc_element(ty_jdoc *d) {
    if (ty_grow((void **)&d->el, &d->capel, d->nel, sizeof *d->el, 64)) return NULL;
    ty_jv *v = &d->el[d->nel++];
    memset(v, 0, sizeof *v);
    return v;
}

const ty_jv *ty_jdoc_get(const ty_jdoc *d, const char *key) {
    for (size_t i = 0; i < d->nmem; i++)
        if (!strcmp(d->mem[i].key, key)) return &d->mem[i].v;
    return NULL;
}
