/*
 * state.c — what the whole command line shares about the run: the name
 * of the command being run (tenyo.c sets it), read by the messages
 * (opts.c) and the help in Japanese (help_ja.c). A file of its own, below
 * both, so that neither calls the other for it.
 */
#include "cli.h"

const char *cli_cmd = "";
