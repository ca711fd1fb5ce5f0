/*
 * blas.h — the BLAS and LAPACKE functions the library calls (model/blas.c
 * opens OpenBLAS and LAPACKE on the first call). Every file of the library
 * that calls one includes this instead of <cblas.h> / <lapacke.h>: the
 * headers' types and prototypes, and each function the library uses
 * redefined as a call through ty_blas()'s table, so the calls read as the
 * libraries' own.
 */
#ifndef TENYO_BLAS_H
#define TENYO_BLAS_H

#include <cblas.h>
#include <lapacke.h>

typedef struct ty_blas_fns {
    __typeof__(cblas_sgemm) *sgemm;
    __typeof__(cblas_sdot) *sdot;
    __typeof__(cblas_strsm) *strsm;
    __typeof__(cblas_ssyrk) *ssyrk;
    __typeof__(cblas_dsyrk) *dsyrk;
    __typeof__(openblas_set_num_threads) *set_num_threads;
    __typeof__(openblas_get_num_threads) *get_num_threads;
    __typeof__(LAPACKE_sgeqrf_work) *sgeqrf_work;
    __typeof__(LAPACKE_sorgqr_work) *sorgqr_work;
    __typeof__(LAPACKE_sgesdd_work) *sgesdd_work;
    __typeof__(LAPACKE_dsyevr) *dsyevr;
    __typeof__(LAPACKE_dsyev) *dsyev;
} ty_blas_fns;

/* The table: OpenBLAS's functions opened by the first BLAS call of the
 * process (ty_blas), LAPACKE's by the first LAPACK call (ty_lapack), from
 * any thread, once each. A library that cannot be opened ends the process
 * with a message naming it, as the dynamic loader would have at its start. */
const ty_blas_fns *ty_blas(void);
const ty_blas_fns *ty_lapack(void);
/* Under an address-space limit (ulimit -v) both are opened with the
 * process, as when they were linked (blas.c): OpenBLAS's start-up (its
 * threads and buffers) opened later, once a build's memory has grown,
 * could find no room and retry for ever. */

/* OpenBLAS's threads set to n (>= 1; 1 also ends the workers it started
 * when it was loaded): now where it is loaded in the process already,
 * else by the first call that opens it. n, or what OpenBLAS reports. */
int ty_blas_threads(int n);

#define cblas_sgemm(...) (ty_blas()->sgemm(__VA_ARGS__))
#define cblas_sdot(...) (ty_blas()->sdot(__VA_ARGS__))
#define cblas_strsm(...) (ty_blas()->strsm(__VA_ARGS__))
#define cblas_ssyrk(...) (ty_blas()->ssyrk(__VA_ARGS__))
#define cblas_dsyrk(...) (ty_blas()->dsyrk(__VA_ARGS__))
#define openblas_set_num_threads(n) (ty_blas()->set_num_threads(n))
#define openblas_get_num_threads() (ty_blas()->get_num_threads())
#define LAPACKE_sgeqrf_work(...) (ty_lapack()->sgeqrf_work(__VA_ARGS__))
#define LAPACKE_sorgqr_work(...) (ty_lapack()->sorgqr_work(__VA_ARGS__))
#define LAPACKE_sgesdd_work(...) (ty_lapack()->sgesdd_work(__VA_ARGS__))
#define LAPACKE_dsyevr(...) (ty_lapack()->dsyevr(__VA_ARGS__))
#define LAPACKE_dsyev(...) (ty_lapack()->dsyev(__VA_ARGS__))

#endif
