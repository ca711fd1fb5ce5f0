/*
 * mpicomm.h — the collective reductions of svd.c's row split
 * (ty_svd_comm) over an MPI communicator. Only the MPI programs include
 * it; libtenyo and the plain tenyo never see MPI.
 */
#ifndef TENYO_MPICOMM_H
#define TENYO_MPICOMM_H

#include <mpi.h>
#include <stdint.h>

#include "api/api.h"

/* One communicator's reductions and what they moved. */
typedef struct ty_mpicomm {
    MPI_Comm comm;        /* the ranks that share the rows */
    uint64_t calls;       /* reductions made */
    uint64_t bytes;       /* bytes this rank contributed (its send buffer;
                             an allreduce moves about twice that per rank
                             with a ring or recursive-doubling schedule) */
    uint64_t bytes_i64;   /* of which in integer sums */
    uint64_t bytes_f32;   /* of which its rows of gathered float blocks */
} ty_mpicomm;

/* Fill c->comm (the row split of svd.c) for rows [row0, row0 + n) of
 * nrows_total, reducing over mc->comm. */
void ty_mpicomm_svd(ty_mpicomm *mc, ty_svd_comm *c, uint64_t row0,
                    uint64_t nrows_total);

/* Rows of the split of `total` rows over `size` ranks in whole blocks:
 * rank r gets [*r0, *r1) (ty_svd_share: from four blocks a rank on, rank 0
 * three quarters of a share; else shares differ by at most one block, and
 * when there are fewer blocks than ranks the last ranks get none). */
void ty_mpicomm_share(uint64_t total, uint64_t block, int rank, int size,
                      uint64_t *r0, uint64_t *r1);

/* Wait for request r without spinning: MPI_Test, and a nanosleep of ns
 * nanoseconds between tests (Open MPI's blocking waits poll at full CPU).
 * 0, or TENYO_ERR_DEPENDENCY. */
int ty_mpicomm_wait(MPI_Request *r, long ns);

#endif
