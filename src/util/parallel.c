/*
 * parallel.c — one way to run work on several threads (util/).
 *
 * Every fan-out of the library (tokenizing a batch, the CSR products, the
 * SVD's chunks, the IVF assignment, decoding an index's sparse rows) and of
 * the CLI's batch modes has the same shape: nt workers, worker t doing a
 * part of the work fixed by (t, nt) alone, results written to places that
 * depend on (t, nt) and not on timing. ty_parallel runs them:
 *   - worker 0 on the calling thread, workers 1..nt-1 on new threads;
 *   - a worker whose thread cannot be created runs on the calling thread
 *     after worker 0, so the same parts are done whatever the system gave,
 *     and the output is the same bits (a fan-out never depends on how many
 *     threads actually started, only on nt);
 *   - the status returned is that of the lowest-numbered worker that
 *     failed (a nonzero return), so the message a caller reports does not
 *     depend on which thread finished first.
 * ty_parallel_watch is the same with every worker on a thread of its own
 * while the caller runs a watch function every interval (progress) until
 * they end; ty_split gives worker t's share of n items; ty_parallel_workers
 * clamps a requested thread count.
 *
 * Why not OpenMP: the shapes above need first-error collection and the
 * watch loop, which OpenMP does not give without the same bookkeeping;
 * OpenBLAS (pthreads build) and OpenMP runtimes in one process also fight
 * over cores. The pthread helper is ~100 lines and keeps every build
 * bit-identical whatever the thread count.
 */
#include "util/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

typedef struct par_worker {
    ty_par_fn fn;        /* the work */
    void *ud;            /* its argument */
    int t, nt;           /* this worker, of nt */
    int rc;              /* its status */
    atomic_int *left;    /* workers not finished (watch mode), or NULL */
} par_worker;

static void *par_main(void *arg) {
    par_worker *w = arg;
    w->rc = w->fn(w->ud, w->t, w->nt);
    if (w->left) atomic_fetch_sub(w->left, 1);
    return NULL;
}

/* Lowest-numbered failure, else 0. */
static int par_status(const par_worker *w, int nt) {
    for (int t = 0; t < nt; t++)
        if (w[t].rc) return w[t].rc;
    return 0;
}

int ty_parallel_watch(int nt, ty_par_fn fn, void *ud, void (*watch)(void *ud),
                      void *watch_ud, unsigned interval_ms) {
    if (nt < 1) nt = 1;
    if (nt > TY_PAR_MAX) nt = TY_PAR_MAX;
    par_worker w[TY_PAR_MAX];
    pthread_t th[TY_PAR_MAX];
    int started[TY_PAR_MAX];
    atomic_int left;
    atomic_init(&left, nt);
    int first = watch ? 0 : 1; /* worker 0 on the caller unless it watches */
    for (int t = 0; t < nt; t++) {
        w[t] = (par_worker){fn, ud, t, nt, 0, watch ? &left : NULL};
        started[t] = 0;
    }
    for (int t = first; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, par_main, &w[t]) == 0;
    if (!watch) par_main(&w[0]);
    /* watch while threads run: only those that started count down */
    if (watch) {
        int nstarted = 0;
        for (int t = 0; t < nt; t++) nstarted += started[t];
        atomic_fetch_sub(&left, nt - nstarted);
        while (nstarted && atomic_load(&left) > 0) {
            watch(watch_ud);
            struct timespec ts = {(time_t)(interval_ms / 1000),
                                  (long)(interval_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    for (int t = 0; t < nt; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        else if (t >= first) par_main(&w[t]); /* no thread: here, in order */
    }
    return par_status(w, nt);
}

int ty_parallel(int nt, ty_par_fn fn, void *ud) {
    return ty_parallel_watch(nt, fn, ud, NULL, NULL, 0);
}

int ty_parallel_workers(int threads, uint64_t n, uint64_t min_per_worker) {
    if (threads <= 0) threads = ty_ncores();
    if (threads > TY_PAR_MAX) threads = TY_PAR_MAX;
    if (min_per_worker < 1) min_per_worker = 1;
    uint64_t most = n / min_per_worker;
    if (most < 1) most = 1;
    if ((uint64_t)threads > most) threads = (int)most;
    return threads;
}

int tenyo_parallel(int nthreads, int (*fn)(void *ud, int t, int nt), void *ud) {
    if (!fn) return TENYO_ERR_ARG;
    return ty_parallel(nthreads, fn, ud);
}
