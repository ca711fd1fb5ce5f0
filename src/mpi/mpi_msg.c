/*
 * mpi_msg.c — the message helpers every part of `tenyo-mpi index` uses:
 * a broadcast header from rank 0, and arrays of any size sent and received
 * in pieces of at most PIECE bytes (MPI counts are ints), each wait a poll
 * that sleeps POLL_NS between tests (tm_nap) rather than Open MPI's
 * blocking calls, which spin at full CPU (the opening comment of
 * tenyo_mpi.c, "Waiting"). The lowest file of the folder's index code.
 */
#include "mpi/index_mpi.h"
#include "mpi/mpicomm.h"

#include <mpi.h>
#include <time.h>

/* Sleep one poll interval (POLL_NS). */
void tm_nap(void) {
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

/* A broadcast from rank 0 of n int64, waited for without spinning. */
int tm_bcast_wait(int64_t *h, int n) {
    MPI_Request r;
    if (MPI_Ibcast(h, n, MPI_INT64_T, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS)
        return TENYO_ERR_DEPENDENCY;
    return ty_mpicomm_wait(&r, POLL_NS);
}

/* n bytes to / from rank `peer` in messages of at most PIECE bytes,
 * each waited for without spinning. */
int tm_send_big(const void *p, size_t n, int peer, int tag) {
    for (size_t o = 0; o < n || o == 0; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Isend((const char *)p + o, (int)k, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &r) !=
                MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
        if (n == 0) break;
    }
    return TENYO_OK;
}

int tm_recv_big(void *p, size_t n, int peer, int tag) {
    for (size_t o = 0; o < n || o == 0; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Irecv((char *)p + o, (int)k, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &r) !=
                MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
        if (n == 0) break;
    }
    return TENYO_OK;
}
