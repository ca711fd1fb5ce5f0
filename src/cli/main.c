/*
 * main.c — the tenyo program's entry: the command line is cli_main
 * (tenyo.c), kept out of this file so that tenyo-mpi (src/mpi/tenyo_mpi.c)
 * links the same commands under its own main, after MPI_Init.
 *
 * Who calls whom: called by the C run time; calls tenyo.c (cli_main).
 */
#include "cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
