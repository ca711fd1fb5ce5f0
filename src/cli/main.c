/*
 * main.c — the tenyo program's entry: the command line is cli_main
 * (tenyo.c), kept out of this file so that tenyo-mpi (src/mpi/tenyo_mpi.c)
 * links the same commands under its own main, after MPI_Init.
 *
 * The C library's heap is set for the command first (heap.c): a policy of
 * this program's processes, not of tenyo-mpi's or of the library's hosts.
 *
 * Who calls whom: called by the C run time; calls heap.c (cli_heap_setup),
 * tenyo.c (cli_main).
 */
#include "cli.h"

int main(int argc, char **argv) {
    cli_heap_setup(argc, argv);
    return cli_main(argc, argv);
}
