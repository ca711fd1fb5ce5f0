/*
 * blas.c — the OpenBLAS and LAPACKE adapter: each library opened with
 * dlopen by the first call of one of its functions in the process (a
 * BLAS call opens OpenBLAS; a LAPACK call LAPACKE, after OpenBLAS), its
 * functions looked up into the table of model/blas.h, through which the
 * library's files call them; OpenBLAS's thread count asked before it is
 * opened (tenyo_set_blas_threads) is set when it is.
 *
 * Why not linked: a linked library is loaded, relocated and initialised at
 * the start of every process, and OpenBLAS, LAPACKE (with the reference
 * LAPACK, libtmglib and the Fortran runtime it brings) and liblinear cost
 * about 5 ms of CPU per process on this machine (a program linked with
 * them and doing nothing: 0.5 ms alone, 2.7 with OpenBLAS, 5.1 with
 * LAPACKE, 4.1 with liblinear: `perf stat -r 100`) — most of a keyword
 * search's whole process, which calls none of them. The building, the
 * SVD, the exact re-scoring of a vector query and the landscape map call
 * them; a command that never does never loads them. The names opened are
 * the sonames of the libraries the headers came with (TY_OPENBLAS_SONAME,
 * TY_LAPACKE_SONAME, read by the Makefile from the development packages'
 * .so links), the ones the loader would have picked. A library that is
 * missing or lacks a function ends the process with a message naming it:
 * the calls have no way to fail (a dot product returns its value), and the
 * loader ended a linked program the same way before it started. Rejected:
 * a stub of each function written out by hand (twelve prototypes copied
 * from the headers; __typeof__ takes them from the headers themselves).
 */
#include "model/blas.h"
#include "util/util.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/resource.h>

#ifndef TY_OPENBLAS_SONAME
#define TY_OPENBLAS_SONAME "libopenblas.so.0"
#endif
#ifndef TY_LAPACKE_SONAME
#define TY_LAPACKE_SONAME "liblapacke.so.3"
#endif

static ty_blas_fns fns;
static pthread_once_t fns_once = PTHREAD_ONCE_INIT, lap_once = PTHREAD_ONCE_INIT;
static void (*thread_shutdown)(void); /* OpenBLAS's blas_thread_shutdown_ */
static int want_threads;              /* ty_blas_threads before the load */

static void fns_load(void) {
    const ty_dlsym t[] = {
        {"cblas_sgemm", (void **)&fns.sgemm},
        {"cblas_sdot", (void **)&fns.sdot},
        {"cblas_strsm", (void **)&fns.strsm},
        {"cblas_ssyrk", (void **)&fns.ssyrk},
        {"cblas_dsyrk", (void **)&fns.dsyrk},
        {"openblas_set_num_threads", (void **)&fns.set_num_threads},
        {"openblas_get_num_threads", (void **)&fns.get_num_threads},
    };
    void *b = ty_dl_need(TY_OPENBLAS_SONAME, t, sizeof t / sizeof *t); /* open for good */
    /* its own: ends its worker threads (its fork handler calls it); a
     * later call that wants threads starts them again */
    *(void **)&thread_shutdown = dlsym(b, "blas_thread_shutdown_");
    int n = __atomic_load_n(&want_threads, __ATOMIC_ACQUIRE);
    if (n > 0) {
        fns.set_num_threads(n);
        if (n == 1 && thread_shutdown) thread_shutdown();
    }
}

int ty_blas_threads(int n) {
    __atomic_store_n(&want_threads, n, __ATOMIC_RELEASE);
    void *h = dlopen(TY_OPENBLAS_SONAME, RTLD_NOW | RTLD_NOLOAD);
    if (!h) return n; /* set by the load */
    dlclose(h);
    const ty_blas_fns *f = ty_blas(); /* a load running now sets n itself */
    f->set_num_threads(n);
    if (n == 1 && thread_shutdown) thread_shutdown();
    return f->get_num_threads();
}

const ty_blas_fns *ty_blas(void) {
    pthread_once(&fns_once, fns_load);
    return &fns;
}

static void lap_load(void) {
    const ty_dlsym t[] = {
        {"LAPACKE_sgeqrf_work", (void **)&fns.sgeqrf_work},
        {"LAPACKE_sorgqr_work", (void **)&fns.sorgqr_work},
        {"LAPACKE_sgesdd_work", (void **)&fns.sgesdd_work},
        {"LAPACKE_dsyevr", (void **)&fns.dsyevr},
        {"LAPACKE_dsyev", (void **)&fns.dsyev},
    };
    (void)ty_dl_need(TY_LAPACKE_SONAME, t, sizeof t / sizeof *t); /* open for good */
}

/* Under ulimit -v, both libraries opened as the process starts (blas.h). */
__attribute__((constructor)) static void blas_limited_start(void) {
    struct rlimit rl;
    if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) (void)ty_lapack();
}

const ty_blas_fns *ty_lapack(void) {
    (void)ty_blas(); /* LAPACKE's BLAS is OpenBLAS: its thread setting first */
    pthread_once(&lap_once, lap_load);
    return &fns;
}
