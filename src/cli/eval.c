/*
 * eval.c — `tenyo eval`: Protocol S of ../shared/EVAL.md.
 *
 * Corpus: as EVAL.md defines it, the records that have an abstract and at
 * least one classification code (others are left out and counted).
 * Split: a record is a test query when md5(salt + id) mod modulus == 0
 * (tenyo_split_is_test; salt "dev", modulus 4 = the development split).
 * The train records are indexed exactly as `tenyo index` would (same
 * builder, same options), the index is written to a file and loaded again so
 * that the evaluation also exercises the store.
 *
 * Protocol S: every train document that has at least one classification
 * main group (code up to the slash, spaces removed, CPC section Y ignored)
 * queries the train index with `similar` (itself excluded); P@10 is the
 * share of the 10 neighbours sharing at least one main group with it,
 * averaged over queries. Documents without any main group cannot have a
 * relevant neighbour and are not used as queries (their number is printed).
 * Queries run on all cores, one tenyo_ctx per thread.
 */
#include "cli.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct split_filter {
    const char *salt;        /* split salt */
    unsigned mod;            /* split modulus */
    unsigned long long no_text; /* records without abstract or codes */
} split_filter;

/* EVAL.md's corpora are the records with an abstract and classification
 * codes; of those, the train split is indexed. */
static int keep_train(void *ud, const tenyo_doc *d) {
    split_filter *s = ud;
    if (!d->abstract[0] || d->ncodes == 0) {
        s->no_text++;
        return 0;
    }
    return !tenyo_split_is_test(d->id, s->salt, s->mod);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t hash_str(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ull; }
    return h;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Main groups of every document as sorted hash lists. */
typedef struct groups {
    uint64_t *h;       /* all hashes */
    uint64_t *ptr;     /* ndocs+1 offsets */
} groups;

static int build_groups(const tenyo_index *x, groups *g) {
    uint64_t n = tenyo_index_ndocs(x), cap = 1024, used = 0;
    g->ptr = calloc(n + 1, sizeof *g->ptr);
    g->h = malloc(cap * sizeof *g->h);
    if (!g->ptr || !g->h) return -1;
    for (uint64_t d = 0; d < n; d++) {
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        uint64_t start = used;
        const char *p = m.codes;
        while (*p) {
            const char *e = strchr(p, ';');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char grp[64];
            size_t k = 0;
            for (size_t i = 0; i < len && k < sizeof grp - 1 && p[i] != '/'; i++)
                if (p[i] != ' ') grp[k++] = p[i];
            if (k >= 4 && grp[0] != 'Y' && memchr(p, '/', len)) {
                if (used == cap) {
                    cap *= 2;
                    uint64_t *nh = realloc(g->h, cap * sizeof *nh);
                    if (!nh) return -1;
                    g->h = nh;
                }
                g->h[used++] = hash_str(grp, k);
            }
            p += len + (e ? 1 : 0);
        }
        qsort(g->h + start, used - start, sizeof *g->h, cmp_u64);
        g->ptr[d + 1] = used;
    }
    return 0;
}

static int share_group(const groups *g, uint64_t a, uint64_t b) {
    uint64_t i = g->ptr[a], ie = g->ptr[a + 1], j = g->ptr[b], je = g->ptr[b + 1];
    while (i < ie && j < je) {
        if (g->h[i] == g->h[j]) return 1;
        if (g->h[i] < g->h[j]) i++;
        else j++;
    }
    return 0;
}

typedef struct sjob {
    const tenyo_index *x;   /* train index */
    const groups *g;        /* main groups */
    tenyo_mode mode;        /* search mode */
    double weight;          /* hybrid weight (<0: default) */
    int threads;            /* workers */
    int tid;                /* this worker */
    double sum;             /* sum of P@10 over this worker's queries */
    uint64_t nq;            /* queries done */
    int status;             /* first error */
} sjob;

static void *s_worker(void *arg) {
    sjob *j = arg;
    tenyo_ctx *c = NULL;
    char err[512];
    if (tenyo_ctx_new(j->x, &c, err, sizeof err)) { j->status = -1; return NULL; }
    if (j->weight >= 0) tenyo_ctx_set_hybrid_weight(c, j->weight);
    tenyo_hit hits[10];
    uint64_t n = tenyo_index_ndocs(j->x);
    for (uint64_t d = (uint64_t)j->tid; d < n; d += (uint64_t)j->threads) {
        if (j->g->ptr[d] == j->g->ptr[d + 1]) continue;
        int r = tenyo_similar_doc(c, d, j->mode, 10, hits);
        if (r < 0) { j->status = r; break; }
        int rel = 0;
        for (int i = 0; i < r; i++) rel += share_group(j->g, d, hits[i].doc);
        j->sum += rel / 10.0;
        j->nq++;
    }
    tenyo_ctx_free(c);
    return NULL;
}

static const char *eval_usage =
    "usage: tenyo eval [options] FILE...\n"
    "Protocol S of EVAL.md: index the train split of FILEs, query every train\n"
    "document, report P@10 (neighbours sharing a classification main group).\n"
    "  --salt S             split salt (default \"dev\": the development split)\n"
    "  --modulus M          split modulus (default 4)\n"
    "  -m, --mode M         tfidf | lsa | hybrid | all (default all)\n"
    "  --hybrid-weight W    TF-IDF weight in hybrid mode (default 0.7)\n"
    "  --keep-index PATH    keep the train index at PATH\n"
    "  --json               one JSON object\n"
    "  plus the build options of `tenyo index` (-d, -t, --min-df, --max-df, ...)\n";

int cli_cmd_eval(int argc, char **argv) {
    static const struct option lo[] = {
        {"salt", required_argument, 0, OPT_SALT}, {"modulus", required_argument, 0, OPT_MODULUS},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"keep-index", required_argument, 0, OPT_KEEP},
        {"hybrid-weight", required_argument, 0, OPT_WEIGHT},
        {"dim", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"min-df", required_argument, 0, OPT_MIN_DF}, {"max-df", required_argument, 0, OPT_MAX_DF},
        {"seed", required_argument, 0, OPT_SEED}, {"power-iters", required_argument, 0, OPT_POWER},
        {"oversample", required_argument, 0, OPT_OVERSAMPLE}, {"dicdir", required_argument, 0, OPT_DICDIR},
        {"no-parts", no_argument, 0, OPT_NO_PARTS}, {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    split_filter sf = {"dev", 4, 0};
    const char *keep = NULL, *modes = "all";
    double weight = -1;
    int json = 0, bad = 0, c;
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:jd:t:h", lo, NULL)) != -1) {
        if (cli_build_opt(c, optarg, &bo, &bad)) continue;
        switch (c) {
        case OPT_SALT: sf.salt = optarg; break;
        case OPT_MODULUS: sf.mod = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'm': modes = optarg; break;
        case 'j': json = 1; break;
        case OPT_KEEP: keep = optarg; break;
        case OPT_WEIGHT: weight = strtod(optarg, NULL); break;
        case 'h': fputs(eval_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    tenyo_mode mlist[3];
    int nm = 0;
    if (!strcmp(modes, "all")) {
        mlist[0] = TENYO_MODE_TFIDF; mlist[1] = TENYO_MODE_LSA; mlist[2] = TENYO_MODE_HYBRID;
        nm = 3;
    } else if (cli_parse_mode(modes, &mlist[0]) == 0) {
        nm = 1;
    } else {
        fprintf(stderr, "tenyo: unknown mode '%s'\n", modes);
        bad = 1;
    }
    if (bad || optind >= argc || sf.mod < 2 || (weight >= 0 && weight > 1)) {
        fputs(eval_usage, stderr);
        return EXIT_USAGE;
    }
    char tmp[4096];
    if (keep) snprintf(tmp, sizeof tmp, "%s", keep);
    else {
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/tenyo-eval-%ld.tny", td && *td ? td : "/tmp",
                 (long)getpid());
    }
    char err[512] = "";
    tenyo_builder *b = NULL;
    int rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (rc) { fprintf(stderr, "tenyo: %s\n", err); return EXIT_RESOURCE; }
    double t0 = now_s();
    cli_read_totals tot = {0};
    tenyo_read_opts ro = {0};
    int ec = cli_read_inputs(b, argv + optind, argc - optind, &ro, 1, keep_train, &sf, &tot);
    if (ec) { tenyo_builder_free(b); return ec; }
    tenyo_build_stats st;
    rc = tenyo_builder_write(b, tmp, &st);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", tenyo_builder_error(b));
        tenyo_builder_free(b);
        return cli_exit_code(rc);
    }
    tenyo_builder_free(b);
    double t_build = now_s() - t0;
    tenyo_index *x = NULL;
    rc = tenyo_index_open(tmp, &x, err, sizeof err);
    if (!keep) unlink(tmp);
    if (rc) { fprintf(stderr, "tenyo: %s\n", err); return EXIT_INDEX; }
    groups g = {0};
    if (build_groups(x, &g)) {
        fprintf(stderr, "tenyo: out of memory\n");
        tenyo_index_free(x);
        return EXIT_RESOURCE;
    }
    int nt = bo.threads > 0 ? bo.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    double p10[3] = {0}, secs[3] = {0};
    uint64_t nq = 0;
    for (int mi = 0; mi < nm; mi++) {
        sjob jobs[64];
        pthread_t th[64];
        double t1 = now_s();
        for (int t = 0; t < nt; t++) {
            jobs[t] = (sjob){x, &g, mlist[mi], weight, nt, t, 0, 0, 0};
            pthread_create(&th[t], NULL, s_worker, &jobs[t]);
        }
        double sum = 0;
        nq = 0;
        for (int t = 0; t < nt; t++) {
            pthread_join(th[t], NULL);
            sum += jobs[t].sum;
            nq += jobs[t].nq;
            if (jobs[t].status) ec = EXIT_RESOURCE;
        }
        secs[mi] = now_s() - t1;
        p10[mi] = nq ? sum / (double)nq : 0;
    }
    uint64_t ndocs = tenyo_index_ndocs(x);
    if (json) {
        json_t *o = json_object(), *r = json_object();
        json_object_set_new(o, "protocol", json_string("S"));
        json_object_set_new(o, "salt", json_string(sf.salt));
        json_object_set_new(o, "modulus", json_integer(sf.mod));
        json_object_set_new(o, "train_docs", json_integer((json_int_t)ndocs));
        json_object_set_new(o, "test_docs_left_out", json_integer((json_int_t)(tot.filtered - sf.no_text)));
        json_object_set_new(o, "docs_without_abstract_or_codes", json_integer((json_int_t)sf.no_text));
        json_object_set_new(o, "queries", json_integer((json_int_t)nq));
        json_object_set_new(o, "terms", json_integer((json_int_t)st.terms));
        json_object_set_new(o, "rank", json_integer(st.dim));
        json_object_set_new(o, "build_seconds", json_real(t_build));
        for (int mi = 0; mi < nm; mi++) {
            json_t *m = json_object();
            json_object_set_new(m, "p_at_10", json_real(p10[mi]));
            json_object_set_new(m, "seconds", json_real(secs[mi]));
            json_object_set_new(m, "queries_per_second", json_real(nq / (secs[mi] > 0 ? secs[mi] : 1e-9)));
            json_object_set_new(r, cli_mode_name(mlist[mi]), m);
        }
        json_object_set_new(o, "modes", r);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("Protocol S (split salt \"%s\", modulus %u): %llu train docs, %llu test docs left out, "
               "%llu records without abstract or codes left out\n",
               sf.salt, sf.mod, (unsigned long long)ndocs, (unsigned long long)(tot.filtered - sf.no_text),
               sf.no_text);
        printf("index: %llu terms, rank %d, built in %.1f s; %llu queries (%llu docs without a main group not queried)\n",
               (unsigned long long)st.terms, st.dim, t_build, (unsigned long long)nq,
               (unsigned long long)(ndocs - nq));
        printf("%-8s %8s %10s %10s\n", "mode", "P@10", "seconds", "queries/s");
        for (int mi = 0; mi < nm; mi++)
            printf("%-8s %8.3f %10.2f %10.0f\n", cli_mode_name(mlist[mi]), p10[mi], secs[mi],
                   nq / (secs[mi] > 0 ? secs[mi] : 1e-9));
    }
    free(g.h);
    free(g.ptr);
    tenyo_index_free(x);
    return ec;
}
