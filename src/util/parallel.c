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
 * ty_parallel_claim serves one query's scoring (api/ctx.c), where the
 * other cores may be busy with other work: the work is cut into nparts
 * fixed parts (part i of nparts), claimed one at a time from a counter by
 * the caller and up to nt - 1 helper threads; the caller returns as soon
 * as every part is done, never waiting for a helper that claimed nothing
 * (one the system did not schedule in time just finds no part left). The
 * output depends on the parts alone, not on who did them. The helpers are
 * kept parked between calls; the shared state of a call is counted by
 * reference, so a helper that comes late touches only it. fork() waits
 * until no helper holds a job (pthread_atfork), so a child's memory holds
 * no job that a thread it lacks was using; the child starts with no
 * helpers and starts its own.
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
        /* watch every interval_ms, but see the end within a millisecond:
         * a short job (a small batch) must not cost a whole interval */
        unsigned since = interval_ms;
        while (nstarted && atomic_load(&left) > 0) {
            if (since >= interval_ms) {
                watch(watch_ud);
                since = 0;
            }
            struct timespec ts = {0, 1000000L};
            nanosleep(&ts, NULL);
            since++;
        }
    }
    for (int t = 0; t < nt; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        else if (t >= first) par_main(&w[t]); /* no thread: here, in order */
    }
    return par_status(w, nt);
}

/* ty_parallel_claim's shared state (freed by the last of its users). */
typedef struct claim_job {
    ty_par_fn fn;          /* the work of one part */
    void *ud;              /* its argument */
    int nparts;            /* parts */
    atomic_int next;       /* the next part to claim */
    atomic_int done;       /* parts finished */
    atomic_int refs;       /* the caller and the helpers started */
    pthread_mutex_t mu;    /* with cv: the caller waits for done == nparts */
    pthread_cond_t cv;
    int rc[];              /* per part: its status */
} claim_job;

static void claim_release(claim_job *j) {
    if (atomic_fetch_sub(&j->refs, 1) != 1) return;
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

/* Claim and do parts until none is left. */
static void claim_work(claim_job *j) {
    for (;;) {
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nparts) return;
        j->rc[i] = j->fn(j->ud, i, j->nparts);
        if (atomic_fetch_add(&j->done, 1) + 1 == j->nparts) {
            pthread_mutex_lock(&j->mu);
            pthread_cond_broadcast(&j->cv);
            pthread_mutex_unlock(&j->mu);
        }
    }
}

/* The helpers: threads started on first need and kept, parked on pool_cv
 * until a job is posted (starting a thread per call cost 0.2 ms here: a
 * new stack mapped and unmapped each time). One job slot: a job posted
 * while another is still in it takes its place (the earlier caller does
 * its remaining parts itself). The slot holds a reference; whoever clears
 * it (the next post, or the caller when its parts are done) drops it. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static claim_job *pool_job;     /* the job in the slot, or NULL */
static unsigned long pool_gen;  /* jobs posted */
static int pool_n;              /* helpers started */
static int pool_busy;           /* helpers holding a job */
static pthread_cond_t pool_idle_cv = PTHREAD_COND_INITIALIZER; /* pool_busy fell */
static _Thread_local int pool_self_busy; /* this thread is a helper holding a job */

static void *pool_main(void *arg) {
    (void)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        while (pool_gen == seen) pthread_cond_wait(&pool_cv, &pool_mu);
        seen = pool_gen;
        claim_job *j = pool_job;
        if (!j) continue;
        atomic_fetch_add(&j->refs, 1);
        pool_busy++;
        pool_self_busy = 1;
        pthread_mutex_unlock(&pool_mu);
        claim_work(j);
        claim_release(j);
        pthread_mutex_lock(&pool_mu);
        pool_self_busy = 0;
        pool_busy--;
        pthread_cond_broadcast(&pool_idle_cv);
    }
    return NULL;
}

/* fork(): the slot's lock held across it, taken once no helper holds a
 * job (a helper finishes the part it has and finds none left once the
 * caller's parts are claimed), so the child's copy of the pool is
 * consistent and no job's memory is owed to a thread the child lacks (a
 * helper that had not yet dropped its reference when the caller returned
 * would leave the job unfreeable in the child); the child has
 * none of the helpers (fork copies only the calling thread) and no job of
 * another thread, so it starts with an empty pool and starts helpers of
 * its own on its first need. */
static void pool_fork_prepare(void) {
    pthread_mutex_lock(&pool_mu);
    /* a part that forks on a helper waits for the others only */
    while (pool_busy > pool_self_busy) pthread_cond_wait(&pool_idle_cv, &pool_mu);
}
static void pool_fork_parent(void) { pthread_mutex_unlock(&pool_mu); }
static void pool_fork_child(void) {
    pool_n = 0;
    pool_busy = 0;
    pthread_cond_init(&pool_idle_cv, NULL);
    pool_job = NULL; /* another thread's job: its owner is not in this process */
    pthread_cond_init(&pool_cv, NULL);
    pthread_mutex_unlock(&pool_mu);
}
static pthread_once_t pool_fork_once = PTHREAD_ONCE_INIT;
static void pool_fork_register(void) {
    pthread_atfork(pool_fork_prepare, pool_fork_parent, pool_fork_child);
}

/* Put j in the slot for up to `want` helpers (started as needed). */
static void pool_post(claim_job *j, int want) {
    pthread_once(&pool_fork_once, pool_fork_register);
    pthread_mutex_lock(&pool_mu);
    while (pool_n < want) {
        pthread_t th;
        pthread_attr_t at;
        if (pthread_attr_init(&at)) break;
        int ok = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
                 pthread_create(&th, &at, pool_main, NULL) == 0;
        pthread_attr_destroy(&at);
        if (!ok) break; /* fewer helpers: the caller does more parts */
        pool_n++;
    }
    claim_job *old = pool_job;
    atomic_fetch_add(&j->refs, 1);
    pool_job = j;
    pool_gen++;
    pthread_cond_broadcast(&pool_cv);
    pthread_mutex_unlock(&pool_mu);
    if (old) claim_release(old);
}

/* Take j out of the slot if it is still there. */
static void pool_clear(claim_job *j) {
    pthread_mutex_lock(&pool_mu);
    int mine = pool_job == j;
    if (mine) pool_job = NULL;
    pthread_mutex_unlock(&pool_mu);
    if (mine) claim_release(j);
}

int ty_parallel_claim(int nt, int nparts, ty_par_fn fn, void *ud) {
    if (nparts < 1) return 0;
    if (nt > nparts) nt = nparts;
    if (nt > TY_PAR_MAX) nt = TY_PAR_MAX;
    claim_job *j = nt > 1 ? calloc(1, sizeof *j + (size_t)nparts * sizeof *j->rc) : NULL;
    if (!j) { /* one thread (or no memory for the state): in order, here */
        int rc = 0;
        for (int i = 0; i < nparts; i++) {
            int r = fn(ud, i, nparts);
            if (r && !rc) rc = r;
        }
        return rc;
    }
    j->fn = fn;
    j->ud = ud;
    j->nparts = nparts;
    atomic_init(&j->next, 0);
    atomic_init(&j->done, 0);
    atomic_init(&j->refs, 1);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pool_post(j, nt - 1);
    claim_work(j);
    pthread_mutex_lock(&j->mu);
    while (atomic_load(&j->done) < nparts) pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
    pool_clear(j);
    int rc = 0;
    for (int i = 0; i < nparts && !rc; i++) rc = j->rc[i];
    claim_release(j);
    return rc;
}

int ty_parallel(int nt, ty_par_fn fn, void *ud) {
    return ty_parallel_watch(nt, fn, ud, NULL, NULL, 0);
}

void ty_parallel_err(char (*perr)[TY_ERRLEN], int nt, char *err, size_t errlen) {
    for (int t = 0; t < nt; t++)
        if (perr[t][0]) {
            ty_seterr(err, errlen, "%s", perr[t]);
            return;
        }
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
