/*
 * jview.c — the pools of a JSON Lines record's view (jview.h): members and
 * top-level array elements in two arrays that grow by doubling and are
 * kept from line to line, so a record costs no allocation once the
 * largest has been seen; and the names of the members jsonl.c's fill
 * reads, the only ones the parsers keep (ty_jview_read).
 */
#include "io/io.h"
#include "io/jview.h"

#include <stdlib.h>
#include <string.h>

const char *const ty_jkeys_id[4] = {"id", "patent_id", "doc_id", "文献番号"};
const char *const ty_jkeys_date[4] = {"date", "pub_date", "publication_date", "filing_date"};
const char *const ty_jkeys_code[3] = {"ipc", "fi", "cpc"};
const char *const ty_jkeys_other[11] = {"title", "abstract", "claims", "description",
                                        "applicant", "open", "lang", "app_no",
                                        "reg_no", "pub_no", "numbers"};

int ty_jview_read(const char *key) {
    const char *const *lists[] = {ty_jkeys_id, ty_jkeys_date, ty_jkeys_code, ty_jkeys_other};
    const size_t sizes[] = {4, 4, 3, 11};
    for (size_t l = 0; l < 4; l++)
        for (size_t i = 0; i < sizes[l]; i++)
            if (!strcmp(key, lists[l][i])) return 1;
    return 0;
}

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
