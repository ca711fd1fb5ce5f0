/*
 * mpicomm.c — the Open MPI adapter of tenyo's row-split SVD.
 *
 * svd.c does no message passing: when the document rows are split over
 * processes it calls two collective reductions through ty_svd_comm, an
 * element-wise int64 sum and an element-wise double maximum. Both are
 * exact, so MPI_Allreduce may combine the ranks' contributions in any
 * order or tree it likes (MPI does not promise a fixed one for
 * floating-point sums: that is why svd.c never hands it floats to add).
 * This file maps them onto MPI_Allreduce and counts what each rank puts
 * in, so that the bytes per SVD pass can be measured rather than assumed.
 * The third collective, gathering the terms block whose chunks the ranks
 * orthonormalised separately, is MPI_Allgatherv: floats copied, not
 * added, so any order is the same. The fourth, MPI_Bcast from rank 0,
 * sends the l x l Cholesky factor of each Cholesky-QR pass, which every
 * rank would otherwise compute alike from the same reduced Gram matrix
 * (the same bits either way; P - 1 copies of the l^3/3 work saved).
 *
 * Large vectors (terms x l int64, 30 MB at 14k terms x 272) are reduced in
 * slices of at most 2^27 elements: MPI counts are int, and a slice keeps
 * the library's temporary buffers bounded.
 *
 * Errors: MPI's default handler (MPI_ERRORS_ARE_FATAL) aborts the whole
 * job on a failed collective, which is what a lost rank must do; a code
 * returned anyway becomes TENYO_ERR_DEPENDENCY.
 *
 * The split: ranks get whole blocks of rows (svd.c's reduction blocks),
 * rank 0 a lighter share once there are enough (ty_mpicomm_share); a rank
 * may get none.
 */
#include "mpicomm.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MPICOMM_SLICE ((size_t)1 << 27)

static int sum_i64(void *ud, int64_t *x, size_t n) {
    ty_mpicomm *mc = ud;
    mc->calls++;
    mc->bytes += n * sizeof *x;
    mc->bytes_i64 += n * sizeof *x;
    for (size_t o = 0; o < n; o += MPICOMM_SLICE) {
        size_t k = n - o < MPICOMM_SLICE ? n - o : MPICOMM_SLICE;
        if (MPI_Allreduce(MPI_IN_PLACE, x + o, (int)k, MPI_INT64_T, MPI_SUM,
                          mc->comm) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
    }
    return 0;
}

static int max_f64(void *ud, double *x, size_t n) {
    ty_mpicomm *mc = ud;
    mc->calls++;
    mc->bytes += n * sizeof *x;
    for (size_t o = 0; o < n; o += MPICOMM_SLICE) {
        size_t k = n - o < MPICOMM_SLICE ? n - o : MPICOMM_SLICE;
        if (MPI_Allreduce(MPI_IN_PLACE, x + o, (int)k, MPI_DOUBLE, MPI_MAX,
                          mc->comm) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
    }
    return 0;
}

/* MPI_Allgatherv in place; counts and displacements are ints in MPI, so
 * a block beyond INT_MAX floats is refused (TENYO_ERR_LIMIT: 7.9 M terms
 * at l = 272). */
static int gather_f32(void *ud, float *x, size_t row_len, const uint64_t *row_off) {
    ty_mpicomm *mc = ud;
    int size, rc = TENYO_ERR_NOMEM;
    MPI_Comm_size(mc->comm, &size);
    int *cnt = malloc((size_t)size * sizeof *cnt), *dsp = malloc((size_t)size * sizeof *dsp);
    if (!cnt || !dsp) goto done;
    rc = TENYO_ERR_LIMIT;
    if (row_off[size] * row_len > (uint64_t)INT_MAX) goto done;
    for (int p = 0; p < size; p++) {
        cnt[p] = (int)((row_off[p + 1] - row_off[p]) * row_len);
        dsp[p] = (int)(row_off[p] * row_len);
    }
    int me;
    MPI_Comm_rank(mc->comm, &me);
    mc->calls++;
    mc->bytes += (uint64_t)cnt[me] * sizeof *x;
    mc->bytes_f32 += (uint64_t)cnt[me] * sizeof *x;
    rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, cnt, dsp, MPI_FLOAT,
                        mc->comm) == MPI_SUCCESS ? 0 : TENYO_ERR_DEPENDENCY;
done:
    free(cnt);
    free(dsp);
    return rc;
}

/* MPI_Reduce_scatter from x (not in place: x keeps its contents, so svd.c
 * need not zero the whole block again each pass) into sum: rank p gets
 * the sums of rows [row_off[p], row_off[p+1]). Counts are ints: a share
 * beyond INT_MAX values is refused. */
static int sum_scatter_i64(void *ud, const int64_t *x, int64_t *sum, size_t row_len,
                           const uint64_t *row_off) {
    ty_mpicomm *mc = ud;
    int size, rc = TENYO_ERR_NOMEM;
    MPI_Comm_size(mc->comm, &size);
    int *cnt = malloc((size_t)size * sizeof *cnt);
    if (!cnt) return rc;
    rc = TENYO_ERR_LIMIT;
    for (int p = 0; p < size; p++) {
        uint64_t c = (row_off[p + 1] - row_off[p]) * row_len;
        if (c > (uint64_t)INT_MAX) goto done;
        cnt[p] = (int)c;
    }
    uint64_t n = row_off[size] * row_len;
    mc->calls++;
    mc->bytes += n * sizeof *x;
    mc->bytes_i64 += n * sizeof *x;
    rc = MPI_Reduce_scatter(x, sum, cnt, MPI_INT64_T, MPI_SUM, mc->comm) ==
                 MPI_SUCCESS ? 0 : TENYO_ERR_DEPENDENCY;
done:
    free(cnt);
    return rc;
}

/* MPI_Bcast from rank 0 (what every rank would compute alike: the
 * Cholesky factor of a Cholesky-QR pass); rank 0 counts what it sends. */
static int bcast_f64(void *ud, double *x, size_t n) {
    ty_mpicomm *mc = ud;
    int me;
    MPI_Comm_rank(mc->comm, &me);
    mc->calls++;
    if (me == 0) mc->bytes += n * sizeof *x;
    for (size_t o = 0; o < n; o += MPICOMM_SLICE) {
        size_t k = n - o < MPICOMM_SLICE ? n - o : MPICOMM_SLICE;
        if (MPI_Bcast(x + o, (int)k, MPI_DOUBLE, 0, mc->comm) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
    }
    return 0;
}

void ty_mpicomm_svd(ty_mpicomm *mc, ty_svd_comm *c, uint64_t row0,
                    uint64_t nrows_total) {
    *c = (ty_svd_comm){.row0 = row0, .nrows_total = nrows_total,
                       .sum_i64 = sum_i64, .max_f64 = max_f64,
                       .gather_f32 = gather_f32, .sum_scatter_i64 = sum_scatter_i64,
                       .bcast_f64 = bcast_f64, .ud = mc};
    MPI_Comm_rank(mc->comm, &c->rank);
    MPI_Comm_size(mc->comm, &c->size);
}

void ty_mpicomm_share(uint64_t total, uint64_t block, int rank, int size,
                      uint64_t *r0, uint64_t *r1) {
    ty_svd_share(total, block, rank, size, r0, r1);
}

int ty_mpicomm_wait(MPI_Request *r, long ns) {
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    for (;;) {
        int done = 0;
        if (MPI_Test(r, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return TENYO_ERR_DEPENDENCY;
        if (done) return 0;
        nanosleep(&ts, NULL);
    }
}
