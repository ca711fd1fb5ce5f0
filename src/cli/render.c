/*
 * render.c — the JSON shapes of `info`, `similar` and patent metadata,
 * built in one place so that the command line (`--json`) and the HTTP
 * server (`tenyo serve`) answer the same inputs with the same objects.
 * (The `ideas` object is built in answers.c for the same reason.)
 *
 * Everything here reads the index through tenyo.h only; strings are copied
 * into the JSON values, so the objects outlive nothing they point to.
 *
 * Text that came from records goes out through safe.c's rules (cli_safe,
 * cli_csv_risky).
 */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================== JSON shapes */

/* A field and its size, for ordering fields by size. */
typedef struct field_size { uint64_t count; uint32_t field; } field_size;

/* More documents first, then field number (the table is sorted by code). */
static int cmp_field_size(const void *a, const void *b) {
    const field_size *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->field < y->field ? -1 : x->field > y->field;
}

json_t *cli_info_json(const tenyo_index *x, const char *path) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(path));
    json_object_set_new(o, "format_version", json_integer(in.format_version));
    json_object_set_new(o, "documents", json_integer((json_int_t)in.ndocs));
    json_object_set_new(o, "open_documents", json_integer((json_int_t)in.nopen));
    json_t *lic = json_object();
    json_object_set_new(lic, "documents", json_integer((json_int_t)in.nopen));
    json_object_set_new(lic, "by_records", json_integer((json_int_t)in.open_records));
    if (in.open_listed) {
        json_t *l = json_object();
        json_object_set_new(l, "source", json_string(in.open_source));
        json_object_set_new(l, "loaded", json_integer((json_int_t)in.open_loaded));
        json_object_set_new(l, "listed", json_integer((json_int_t)in.open_listed));
        json_object_set_new(l, "in_index", json_integer((json_int_t)in.open_found));
        json_object_set_new(l, "lines", json_integer((json_int_t)in.open_lines));
        json_object_set_new(l, "unresolved", json_integer((json_int_t)in.open_unresolved));
        json_object_set_new(lic, "list", l);
    } else {
        json_object_set_new(lic, "list", json_null());
    }
    json_object_set_new(o, "licensable", lic);
    json_object_set_new(o, "terms", json_integer((json_int_t)in.nterms));
    json_object_set_new(o, "nonzeros", json_integer((json_int_t)in.nnz));
    json_object_set_new(o, "rank", json_integer(in.dim));
    json_object_set_new(o, "fields", json_integer(in.nfields));
    json_object_set_new(o, "file_bytes", json_integer((json_int_t)in.file_bytes));
    if (in.nshards) { /* a sharded index: documents and bytes of each shard file */
        json_t *sh = json_array();
        for (uint32_t i = 0; i < in.nshards; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "documents", json_integer((json_int_t)in.shard_docs[i]));
            json_object_set_new(e, "bytes", json_integer((json_int_t)in.shard_bytes[i]));
            json_array_append_new(sh, e);
        }
        json_object_set_new(o, "shards", sh);
    } else {
        json_object_set_new(o, "shards", json_null());
    }
    json_t *b = json_object();
    json_object_set_new(b, "tokenizer", json_string(in.tokenizer));
    json_object_set_new(b, "writer", json_string(in.writer));
    json_object_set_new(b, "min_df", json_integer(in.min_df));
    json_object_set_new(b, "max_df_ratio", json_real(in.max_df_ratio));
    json_object_set_new(b, "seed", json_integer((json_int_t)in.seed));
    json_object_set_new(b, "oversample", json_integer(in.oversample));
    json_object_set_new(b, "power_iters", json_integer(in.power_iters));
    json_object_set_new(o, "build", b);
    json_t *sr = json_object();
    json_object_set_new(sr, "scan", json_string(in.ndocs >= in.int8_min_docs ? "int8" : "fp32"));
    json_object_set_new(sr, "int8_kernel", json_string(in.scan_kernel));
    json_object_set_new(sr, "int8_min_docs", json_integer((json_int_t)in.int8_min_docs));
    json_object_set_new(sr, "ivf_lists", json_integer(in.ivf_lists));
    json_object_set_new(sr, "f16_bytes", json_integer((json_int_t)in.f16_bytes));
    json_object_set_new(o, "search", sr);
    json_object_set_new(o, "phrases", json_integer((json_int_t)in.nphrases));
    json_object_set_new(o, "abstract_bytes", json_integer((json_int_t)in.abstract_bytes));
    uint64_t kwb = 0; /* the keyword text's bytes in memory (keyword search) */
    if (!tenyo_index_keyword_stats((tenyo_index *)x, &kwb, NULL))
        json_object_set_new(o, "keyword_bytes", json_integer((json_int_t)kwb));
    json_t *up = json_object();
    json_object_set_new(up, "generation", json_integer((json_int_t)in.generation));
    json_object_set_new(up, "segments", json_integer(in.nsegments));
    json_object_set_new(up, "bytes", json_integer((json_int_t)in.update_bytes));
    json_object_set_new(up, "docs_fit", json_integer((json_int_t)in.docs_fit));
    json_object_set_new(up, "docs_added", json_integer((json_int_t)in.docs_added));
    json_object_set_new(up, "docs_deleted", json_integer((json_int_t)in.docs_deleted));
    json_object_set_new(up, "terms_new", json_integer((json_int_t)in.terms_new));
    json_object_set_new(up, "stale_docs", json_real(in.stale_docs));
    json_object_set_new(up, "stale_mass", json_real(in.stale_mass));
    json_object_set_new(up, "new_term_mass", json_real(in.new_term_mass));
    json_object_set_new(up, "rebuild_advised", json_boolean(in.rebuild_advised));
    json_object_set_new(up, "updates_missing", json_boolean(in.updates_missing));
    json_object_set_new(o, "updates", up);
    json_t *secs = json_array();
    for (int i = 0; i < in.nsections; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "name", json_string(in.sections[i].name));
        json_object_set_new(s, "stored", json_integer((json_int_t)in.sections[i].stored));
        json_object_set_new(s, "raw", json_integer((json_int_t)in.sections[i].raw));
        json_array_append_new(secs, s);
    }
    json_object_set_new(o, "sections", secs);
    json_t *fields = json_array();
    for (uint32_t j = 0; j < in.nfields; j++) {
        const char *code;
        uint64_t cnt;
        tenyo_index_field(x, j, &code, &cnt);
        json_t *f = json_object();
        json_object_set_new(f, "field", json_string(code));
        json_object_set_new(f, "documents", json_integer((json_int_t)cnt));
        json_array_append_new(fields, f);
    }
    json_object_set_new(o, "field_counts", fields);
    return o;
}

int cli_fields_by_size(const tenyo_index *x, uint32_t *order, uint32_t n) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    field_size *fs = malloc((in.nfields ? in.nfields : 1) * sizeof *fs);
    if (!fs) return -1;
    for (uint32_t j = 0; j < in.nfields; j++) {
        fs[j].field = j;
        tenyo_index_field(x, j, NULL, &fs[j].count);
    }
    qsort(fs, in.nfields, sizeof *fs, cmp_field_size);
    uint32_t m = in.nfields < n ? in.nfields : n;
    for (uint32_t j = 0; j < m; j++) order[j] = fs[j].field;
    free(fs);
    return (int)m;
}

/* "application", "grant" or null: the kind the id says (tenyo_id_kind). */
static json_t *kind_json(const char *id) {
    int k = tenyo_id_kind(id);
    return k == TENYO_KIND_APPLICATION ? json_string("application")
           : k == TENYO_KIND_GRANT     ? json_string("grant")
                                       : json_null();
}

json_t *cli_doc_json(const tenyo_index *x, uint64_t doc) {
    tenyo_doc_meta dm;
    if (tenyo_index_doc(x, doc, &dm) != TENYO_OK) return json_null();
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(dm.id));
    json_object_set_new(r, "title", json_string(dm.title));
    json_object_set_new(r, "fields", cli_json_list(dm.fields));
    json_object_set_new(r, "applicant", json_string(dm.applicant));
    json_object_set_new(r, "date", json_string(dm.date));
    json_object_set_new(r, "open", json_boolean(dm.open));
    json_object_set_new(r, "kind", kind_json(dm.id));
    char link[256];
    json_object_set_new(r, "link", json_string(cli_record_link(dm.id, link, sizeof link)));
    return r;
}

json_t *cli_similar_json(const tenyo_index *x, int64_t qdoc, const char *text,
                         tenyo_mode mode, long k, const tenyo_hit *hits, int n) {
    json_t *o = json_object(), *q = json_object(), *res = json_array();
    if (qdoc >= 0) {
        tenyo_doc_meta qm;
        tenyo_index_doc(x, (uint64_t)qdoc, &qm);
        json_object_set_new(q, "id", json_string(qm.id));
        json_object_set_new(q, "title", json_string(qm.title));
        json_object_set_new(q, "fields", cli_json_list(qm.fields));
    } else {
        json_object_set_new(q, "text", json_string(text ? text : ""));
    }
    json_object_set_new(q, "mode", json_string(cli_mode_name(mode)));
    json_object_set_new(q, "k", json_integer(k));
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, hits[i].doc, &dm);
        json_t *r = json_object();
        json_object_set_new(r, "rank", json_integer(i + 1));
        json_object_set_new(r, "id", json_string(dm.id));
        json_object_set_new(r, "score", json_real((double)hits[i].score));
        json_object_set_new(r, "title", json_string(dm.title));
        json_object_set_new(r, "fields", cli_json_list(dm.fields));
        json_object_set_new(r, "applicant", json_string(dm.applicant));
        json_object_set_new(r, "date", json_string(dm.date));
        json_object_set_new(r, "open", json_boolean(dm.open));
        char link[256];
        json_object_set_new(r, "link", json_string(cli_record_link(dm.id, link, sizeof link)));
        json_array_append_new(res, r);
    }
    json_object_set_new(o, "query", q);
    json_object_set_new(o, "results", res);
    return o;
}

/* ============================================================ output */

json_t *cli_json_list(const char *csv) {
    json_t *a = json_array();
    const char *p = csv;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (e ? 1 : 0);
    }
    return a;
}

const char *cli_jstr(const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

void cli_print_json(json_t *j) {
    char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}


/* ============================================================= links */

/* Digits of s[0..) after skipping '-', '/' and spaces, into out (cap). */
static size_t digits(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        if (*s >= '0' && *s <= '9') out[n++] = *s;
        else if (*s != '-' && *s != '/' && *s != ' ') break;
    }
    out[n] = 0;
    return n;
}

const char *cli_record_link(const char *id, char *buf, size_t cap) {
    static const char jpp[] = "https://www.j-platpat.inpit.go.jp/c1801/PU/JP-";
    static const char gp[] = "https://patents.google.com/patent/";
    char d[32];
    buf[0] = 0;
    if (!id) return buf;
    /* J-PlatPat's fixed addresses (2024): JP-YYYY-NNNNNN/11 for a
     * publication of an application (特開), JP-N/15 for a granted patent
     * (特許), JP-N/25 for a registered utility model (実登); other
     * Japanese forms and US numbers on Google Patents */
    if (!strncmp(id, "特開", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, d, d + 4);
    else if (!strncmp(id, "特許", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/15/ja", jpp, d);
    else if (!strncmp(id, "実登", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/25/ja", jpp, d);
    else if (!strncmp(id, "特表", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%sJP%sA/ja", gp, d);
    else if (!strncmp(id, "特開平", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPH%sA/ja", gp, d);
    else if (!strncmp(id, "特開昭", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPS%sA/ja", gp, d);
    else if (!strncmp(id, "再表", 6) && digits(id + 6, d, sizeof d) >= 8)
        snprintf(buf, cap, "%sWO%sA1/ja", gp, d);
    else {
        char key[64];
        if (tenyo_patno_key(id, key, sizeof key) == 1) {
            if (!strncmp(key, "us", 2) && strspn(key + 2, "0123456789") == strlen(key + 2) &&
                key[2])
                snprintf(buf, cap, "%sUS%s/en", gp, key + 2);
            else if (!strncmp(key, "jp", 2) && strlen(key + 2) == 10 &&
                     strspn(key + 2, "0123456789") == 10)
                snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, key + 2, key + 6);
        }
    }
    return buf;
}


size_t cli_mark_len(const char *s, size_t n, size_t i, const json_t *t) {
    size_t best = 0, k;
    json_t *v;
    json_array_foreach(t, k, v) {
        const char *w = json_string_value(v);
        size_t wl = w ? strlen(w) : 0;
        if (!wl || wl > n - i || wl <= best) continue;
        int ascii = (unsigned char)w[0] < 0x80, hit = 1;
        if (ascii && i && isalnum((unsigned char)s[i - 1])) continue;
        for (size_t q = 0; q < wl && hit; q++)
            hit = ascii ? tolower((unsigned char)s[i + q]) == tolower((unsigned char)w[q])
                        : s[i + q] == w[q];
        if (hit) best = wl;
    }
    return best;
}

void cli_print_marked(const char *s, const json_t *t, int ja) {
    char out[4096];
    size_t o = 0, n = strlen(s);
    for (size_t i = 0; i < n && o + 16 < sizeof out;) {
        size_t best = cli_mark_len(s, n, i, t);
        if (best && o + best + 12 < sizeof out) {
            const char *l = ja ? "【" : "*", *r = ja ? "】" : "*";
            memcpy(out + o, l, strlen(l)), o += strlen(l);
            memcpy(out + o, s + i, best), o += best;
            memcpy(out + o, r, strlen(r)), o += strlen(r);
            i += best;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = 0;
    fputs(cli_safe(out), stdout);
}
