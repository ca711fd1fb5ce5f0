/*
 * serve.c — `mpirun -np P tenyo-mpi serve [the options of tenyo serve]
 * INDEX`: the server of `tenyo serve` with the document scans shared
 * over P processes.
 *
 * Who does what. Process 0 runs `tenyo serve` itself (cli_main ->
 * cmd_serve.c -> serve_run) with one hook: once the index is open, cli_serve_share's
 * opened() (here) has the other processes open the same path, checks they
 * hold the same index, and installs a ty_scan_share on it. The full scan
 * of every query (api/ctx.c, "A shared scan") then goes through
 * scan_root: process 0 broadcasts the packed query, every process scores
 * its own documents (ty_ctx_scan_part) and returns its candidates, and the
 * context merges them by score then document, the one-process order, ties
 * included: the answers are the bytes of `tenyo serve` (tests/mpi.sh).
 *
 * Whose documents: on a sharded index shard s is process s % P's
 * (ty_shards_layout); on a single file, process p takes the p-th of P even
 * ranges. Process 0 holds the whole index (fold-in, filters, re-scoring,
 * rendering, ideas); the others open only the shared part and their own
 * shards (ty_index_open_part, the other documents empty stand-ins of the
 * same numbering), so their memory falls with P. A single-file index is
 * opened whole by every process, checked by the manifest's hash.
 *
 * Threads. A process's part of a query runs on its context's threads
 * (tenyo_ctx_set_threads' auto; TENYO_QUERY_THREADS). One query at a time
 * is on the wire (a mutex around broadcast-scan-gather: MPI_THREAD_SERIALIZED).
 *
 * Waiting. The processes other than 0 wait for a query in an MPI_Ibcast
 * tested with nanosleep: every 50 us within 0.1 s of the last query, 0.5 ms
 * within 1 s, then 2 ms; process 0 tests every BUSY_NS. An idle job uses
 * about 1% of a core a process (tests/mpi.sh wants < 10%).
 *
 * Faults. MPI_ERRORS_ARE_FATAL: a process that dies ends the job, process
 * 0 and its port with it, so no answer comes from part of the index; a
 * failed scan fails that query (500). SIGTERM or SIGINT to process 0 stops
 * it as `tenyo serve` stops and every process exits 0; to mpirun, the
 * others end at once and mpirun exits 1 within about a second.
 * Measurements and reasons in full: docs/scaling-out.md, "serve.c's design
 * in full".
 */
#include "mpi/serve.h"

#include "api/api.h"
#include "cli/cli.h"
#include "mpi/mpicomm.h"
#include "store/store.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SJ_DONE = 0, SJ_OPEN = 1, SJ_SCAN = 2 };
#define SJ_HEAD 2                  /* job, bytes of the message after it */
#define BUSY_NS (20 * 1000)        /* waiting for a query's answers */
#define GATHER_NS (50 * 1000)      /* the others, sending theirs */

/* One process's state. */
typedef struct srv {
    int rank, size;                /* MPI_COMM_WORLD */
    pthread_mutex_t mu;            /* process 0: one query on the wire */
    uint64_t *ranges;              /* its documents: nranges [from, to) pairs */
    size_t nranges;
    uint64_t ndocs;                /* documents it scans */
    int broken;                    /* process 0: an exchange failed */
    uint64_t queries;              /* process 0: scans shared */
    uint64_t sent, got;            /* and their bytes: queries broadcast,
                                      answers gathered (its own included) */
} srv;

static srv g_srv;
static cli_serve_dist g_dist;

/* This process's ranges of the index at path (ndocs documents). */
static int my_ranges(srv *s, const char *path, uint64_t ndocs, char *err, size_t errlen) {
    free(s->ranges);
    s->ranges = NULL;
    s->nranges = 0;
    s->ndocs = 0;
    if (ty_shards_sniff(path)) {
        uint32_t n = 0;
        uint64_t *first = NULL;
        int rc = ty_shards_layout(path, &n, &first, err, errlen);
        if (rc) return rc;
        if (first[n] != ndocs) {
            free(first);
            ty_seterr(err, errlen, "%s: the manifest names %llu documents, the index holds "
                                   "%llu", path, (unsigned long long)first[n],
                      (unsigned long long)ndocs);
            return TENYO_ERR_CORRUPT;
        }
        s->ranges = malloc(2 * ((size_t)n / (size_t)s->size + 1) * sizeof *s->ranges);
        if (!s->ranges) {
            free(first);
            return TENYO_ERR_NOMEM;
        }
        for (uint32_t i = (uint32_t)s->rank; i < n; i += (uint32_t)s->size) {
            s->ranges[2 * s->nranges] = first[i];
            s->ranges[2 * s->nranges + 1] = first[i + 1];
            s->ndocs += first[i + 1] - first[i];
            s->nranges++;
        }
        free(first);
        return TENYO_OK;
    }
    s->ranges = malloc(2 * sizeof *s->ranges);
    if (!s->ranges) return TENYO_ERR_NOMEM;
    s->ranges[0] = ty_split(ndocs, s->rank, s->size);
    s->ranges[1] = ty_split(ndocs, s->rank + 1, s->size);
    s->ndocs = s->ranges[1] - s->ranges[0];
    s->nranges = 1;
    return TENYO_OK;
}

/* A broadcast from process 0 (n items of type t at p), waited for with
 * naps of ns. */
static int bcast(void *p, int n, MPI_Datatype t, long ns) {
    MPI_Request r;
    if (MPI_Ibcast(p, n, t, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS) return TENYO_ERR_DEPENDENCY;
    return ty_mpicomm_wait(&r, ns);
}

/* Gather every process's answer (n bytes at p) to process 0: *all
 * (malloc'd), cnt[size] and dsp[size] there. */
static int gather(const srv *s, const void *p, size_t n, char **all, int *cnt, int *dsp) {
    if (n > INT_MAX) return TENYO_ERR_LIMIT;
    int me = (int)n;
    MPI_Request r;
    if (MPI_Igather(&me, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS)
        return TENYO_ERR_DEPENDENCY;
    int rc = ty_mpicomm_wait(&r, s->rank ? GATHER_NS : BUSY_NS);
    if (rc) return rc;
    char *buf = NULL;
    if (s->rank == 0) {
        size_t tot = 0;
        for (int i = 0; i < s->size; i++) {
            dsp[i] = (int)tot;
            tot += (size_t)cnt[i];
            if (tot > INT_MAX) return TENYO_ERR_LIMIT; /* the others wait: fatal below */
        }
        buf = malloc(tot ? tot : 1);
        if (!buf) return TENYO_ERR_NOMEM;
    }
    if (MPI_Igatherv(p, me, MPI_BYTE, buf, cnt, dsp, MPI_BYTE, 0, MPI_COMM_WORLD, &r) !=
        MPI_SUCCESS) {
        free(buf);
        return TENYO_ERR_DEPENDENCY;
    }
    rc = ty_mpicomm_wait(&r, s->rank ? GATHER_NS : BUSY_NS);
    if (rc) {
        free(buf);
        return rc;
    }
    if (all) *all = buf;
    else free(buf);
    return TENYO_OK;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The next job's header from process 0: naps of 50 us within 0.1 s of
 * the last query (a busy server's next query is soon), 0.5 ms within 1 s,
 * then 2 ms (an idle job: about 500 tests a second). */
static int wait_job(int64_t *h, double last) {
    MPI_Request r;
    if (MPI_Ibcast(h, SJ_HEAD, MPI_INT64_T, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS)
        return TENYO_ERR_DEPENDENCY;
    for (;;) {
        int done = 0;
        if (MPI_Test(&r, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return TENYO_ERR_DEPENDENCY;
        if (done) return TENYO_OK;
        double idle = now_s() - last;
        long ns = idle < 0.1 ? 50000 : idle < 1 ? 500000 : 2000000;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
    }
}

/* A part that failed: count -1, then its message. */
static void part_failed(ty_buf *out, int rank, const char *msg) {
    int64_t bad = -1;
    char m[TY_ERRLEN];
    snprintf(m, sizeof m, "process %d: %s", rank, msg);
    out->len = 0;
    if (ty_buf_append(out, &bad, sizeof bad) || ty_buf_append(out, m, strlen(m) + 1))
        out->len = 0;
}

/* ty_scan_share.scan on process 0 (any server thread). */
static int scan_root(void *ud, tenyo_ctx *c, const void *msg, size_t len, void **out,
                     size_t *outn, char *err, size_t errlen) {
    srv *s = ud;
    if (len > INT_MAX) {
        ty_seterr(err, errlen, "shared scan: a query of %zu bytes", len);
        return TENYO_ERR_LIMIT;
    }
    pthread_mutex_lock(&s->mu);
    int rc = TENYO_ERR_DEPENDENCY;
    ty_buf mine = {0};
    int *cnt = malloc((size_t)s->size * sizeof *cnt), *dsp = malloc((size_t)s->size * sizeof *dsp);
    char *all = NULL;
    if (s->broken) {
        ty_seterr(err, errlen, "the processes of the job are no longer in step");
        goto done;
    }
    if (!cnt || !dsp) {
        rc = TENYO_ERR_NOMEM;
        ty_seterr(err, errlen, "out of memory");
        goto done;
    }
    int64_t h[SJ_HEAD] = {SJ_SCAN, (int64_t)len};
    if (bcast(h, SJ_HEAD, MPI_INT64_T, BUSY_NS) ||
        bcast((void *)(uintptr_t)msg, (int)len, MPI_BYTE, BUSY_NS)) {
        s->broken = 1;
        ty_seterr(err, errlen, "message passing failed sending the query");
        goto done;
    }
    int prc = ty_ctx_scan_part(c, msg, len, s->ranges, s->nranges, &mine);
    if (prc) part_failed(&mine, 0, tenyo_ctx_error(c));
    rc = gather(s, mine.p, mine.len, &all, cnt, dsp);
    if (rc) {
        s->broken = 1;
        ty_seterr(err, errlen, "message passing failed gathering the answers");
        rc = TENYO_ERR_DEPENDENCY;
        goto done;
    }
    /* every process's answer must be there and whole */
    for (int p = 0; p < s->size; p++) {
        int64_t n = -1;
        if (cnt[p] >= (int)sizeof n) memcpy(&n, all + dsp[p], sizeof n);
        if (n < 0) {
            const char *m = cnt[p] > (int)sizeof n ? all + dsp[p] + sizeof n : "no answer";
            ty_seterr(err, errlen, "shared scan: %.*s", (int)strnlen(m, 400), m);
            rc = prc && p == 0 ? prc : TENYO_ERR_DEPENDENCY;
            goto done;
        }
    }
    *out = all;
    *outn = (size_t)dsp[s->size - 1] + (size_t)cnt[s->size - 1];
    s->queries++;
    s->sent += len;
    s->got += *outn;
    all = NULL;
    rc = TENYO_OK;
done:
    pthread_mutex_unlock(&s->mu);
    ty_buf_free(&mine);
    free(all);
    free(cnt);
    free(dsp);
    return rc;
}

/* The identity every process checks: status, documents, and the fit id
 * of a single file or the manifest's hash of a sharded index (what every
 * process read of it, all or some of its shards: the fit id hashes rows a
 * partial read lacks). */
static void identity(const tenyo_index *x, int rc, int64_t id[3]) {
    id[0] = rc;
    id[1] = x && !rc ? (int64_t)x->m.ndocs : -1;
    id[2] = x && !rc ? (int64_t)(x->m.nshards ? x->m.shard_ident : ty_model_fit_id(&x->m)) : -1;
}

/* Open the index at path for this process's part of the scans: of a
 * sharded index only its shards (s % size == rank) and the shared part
 * (ty_index_open_part), a single file whole. */
static int open_mine(const srv *s, const char *path, tenyo_index **x, char *err,
                     size_t errlen) {
    if (!ty_shards_sniff(path)) return tenyo_index_open(path, x, err, errlen);
    uint32_t n = 0;
    uint64_t *first = NULL;
    int rc = ty_shards_layout(path, &n, &first, err, errlen);
    if (rc) return rc;
    free(first);
    uint8_t *keep = calloc(n ? n : 1, 1);
    if (!keep) return TENYO_ERR_NOMEM;
    for (uint32_t i = (uint32_t)s->rank; i < n; i += (uint32_t)s->size) keep[i] = 1;
    rc = ty_index_open_part(path, keep, n, x, err, errlen);
    free(keep);
    return rc;
}

/* cli_serve_share.opened on process 0. */
static int opened(void *ud, tenyo_index *x, const char *path, char *err, size_t errlen) {
    srv *s = ud;
    size_t pl = strlen(path);
    int64_t h[SJ_HEAD] = {SJ_OPEN, (int64_t)pl};
    if (pl > INT_MAX || bcast(h, SJ_HEAD, MPI_INT64_T, BUSY_NS) ||
        bcast((void *)(uintptr_t)path, (int)pl, MPI_CHAR, BUSY_NS)) {
        ty_seterr(err, errlen, "message passing failed sending the index path");
        return TENYO_ERR_DEPENDENCY;
    }
    int rc = my_ranges(s, path, x->m.ndocs, err, errlen);
    int64_t id[3];
    identity(x, rc, id);
    int64_t *ids = malloc((size_t)s->size * sizeof id);
    if (!ids) return TENYO_ERR_NOMEM;
    MPI_Request r;
    if (MPI_Igather(id, 3, MPI_INT64_T, ids, 3, MPI_INT64_T, 0, MPI_COMM_WORLD, &r) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&r, BUSY_NS)) {
        free(ids);
        ty_seterr(err, errlen, "message passing failed opening the index");
        return TENYO_ERR_DEPENDENCY;
    }
    for (int p = 1; p < s->size && !rc; p++) {
        if (ids[3 * p]) {
            ty_seterr(err, errlen, "process %d cannot open %s (%s; its message above)", p,
                      path, tenyo_strerror((int)ids[3 * p]));
            rc = (int)ids[3 * p];
        } else if (ids[3 * p + 1] != id[1] || ids[3 * p + 2] != id[2]) {
            ty_seterr(err, errlen, "process %d opened another index at %s (%lld documents, "
                                   "fit %016llx; process 0: %lld, %016llx)", p, path,
                      (long long)ids[3 * p + 1], (unsigned long long)ids[3 * p + 2],
                      (long long)id[1], (unsigned long long)id[2]);
            rc = TENYO_ERR_MISMATCH;
        }
    }
    free(ids);
    if (rc) return rc;
    ty_index_set_scan_share(x, &(ty_scan_share){.scan = scan_root, .ud = s});
    fprintf(stderr, "tenyo-mpi: %d processes scan %s; process 0: %llu documents in %zu "
                    "range%s\n", s->size, ty_shards_sniff(path) ? "its shards" : "even ranges",
            (unsigned long long)s->ndocs, s->nranges, s->nranges == 1 ? "" : "s");
    return TENYO_OK;
}

/* A process other than 0: open what process 0 names, then scan its part
 * of every query until the end. */
static int follow(srv *s) {
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    ty_buf out = {0};
    char *msg = NULL, err[TY_ERRLEN];
    int ec = 0;
    double last = now_s();
    for (;;) {
        int64_t h[SJ_HEAD] = {0};
        if (wait_job(h, last)) goto mpi;
        if (h[0] == SJ_DONE) break;
        if (h[1] < 0 || h[1] > INT_MAX) goto mpi;
        char *m = realloc(msg, (size_t)h[1] + 1);
        if (!m) goto mpi; /* process 0 would wait for ever: end the job */
        msg = m;
        if (bcast(msg, (int)h[1], MPI_BYTE, BUSY_NS)) goto mpi;
        msg[h[1]] = 0;
        if (h[0] == SJ_OPEN) {
            tenyo_ctx_free(c);
            tenyo_index_free(x);
            c = NULL;
            x = NULL;
            err[0] = 0;
            int rc = open_mine(s, msg, &x, err, sizeof err);
            if (!rc) rc = tenyo_index_warm(x, err, sizeof err);
            if (!rc) rc = my_ranges(s, msg, x->m.ndocs, err, sizeof err);
            if (!rc) rc = tenyo_ctx_new(x, &c, err, sizeof err);
            if (rc) fprintf(stderr, "tenyo-mpi: process %d: %s\n", s->rank, err);
            int64_t id[3];
            identity(x, rc, id);
            MPI_Request r;
            if (MPI_Igather(id, 3, MPI_INT64_T, NULL, 3, MPI_INT64_T, 0, MPI_COMM_WORLD, &r) !=
                    MPI_SUCCESS ||
                ty_mpicomm_wait(&r, BUSY_NS))
                goto mpi;
            if (rc) { /* process 0 ends the job */
                tenyo_ctx_free(c);
                tenyo_index_free(x);
                c = NULL;
                x = NULL;
            }
        } else if (h[0] == SJ_SCAN) {
            out.len = 0;
            int rc = c ? ty_ctx_scan_part(c, msg, (size_t)h[1], s->ranges, s->nranges, &out)
                       : TENYO_ERR_ARG;
            if (rc) part_failed(&out, s->rank, c ? tenyo_ctx_error(c) : "no index open");
            if (gather(s, out.p, out.len, NULL, NULL, NULL)) goto mpi;
            last = now_s();
        } else {
            goto mpi;
        }
    }
    goto done;
mpi:
    fprintf(stderr, "tenyo-mpi: process %d: message passing with process 0 failed\n", s->rank);
    ec = 70;
done:
    ty_buf_free(&out);
    free(msg);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return ec;
}

int ty_mpi_serve(int rank, int size, int argc, char **argv) {
    srv *s = &g_srv;
    s->rank = rank;
    s->size = size;
    pthread_mutex_init(&s->mu, NULL);
    int ec;
    if (rank == 0) {
        g_dist = (cli_serve_dist){.opened = opened, .ud = s};
        cli_serve_share = &g_dist;
        ec = cli_main(argc, argv);
        if (s->queries) /* what the sharing moved */
            fprintf(stderr, "tenyo-mpi: %llu queries shared over %d processes: %.1f kB "
                            "broadcast and %.1f kB of candidates gathered a query\n",
                    (unsigned long long)s->queries, size, (double)s->sent / 1e3 / s->queries,
                    (double)s->got / 1e3 / s->queries);
        fflush(stdout);
        fflush(stderr);
        if (ec) MPI_Abort(MPI_COMM_WORLD, ec); /* ends every process */
        int64_t h[SJ_HEAD] = {SJ_DONE, 0};
        if (bcast(h, SJ_HEAD, MPI_INT64_T, BUSY_NS)) MPI_Abort(MPI_COMM_WORLD, 70);
    } else {
        if (!getenv("OPENBLAS_NUM_THREADS")) tenyo_set_blas_threads(1);
        ec = follow(s);
        fflush(stderr);
        if (ec) MPI_Abort(MPI_COMM_WORLD, ec);
    }
    free(s->ranges);
    pthread_mutex_destroy(&s->mu);
    return 0;
}
