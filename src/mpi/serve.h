/*
 * serve.h — tenyo-mpi serve (src/mpi/serve.c): `tenyo serve` on process
 * 0 with the document scans shared over every process.
 */
#ifndef TENYO_MPI_SERVE_H
#define TENYO_MPI_SERVE_H

/* The whole command on this process (MPI initialised with at least
 * MPI_THREAD_SERIALIZED): process 0 runs cli_main(argc, argv), the others
 * follow it. Returns 0 when every process is done; a failure ends the
 * job (MPI_Abort) with the exit code. */
int ty_mpi_serve(int rank, int size, int argc, char **argv);

#endif
