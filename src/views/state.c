/*
 * state.c — what the whole program shares about the run: the name of the
 * command being run (cli/tenyo.c sets it), read by the messages (say.c,
 * for the commands and the server alike) and the help in Japanese
 * (cli/help_ja.c). A file of its own, below both, so that neither calls
 * the other for it.
 */
#include "views.h"

const char *cli_cmd = "";
