/*
 * serve.h — the HTTP server of `tenyo serve` as the command line sees it:
 * the settings its options give (cli/cmd_serve.c reads them), the bounds
 * of its numeric options, and the one call that runs the server until
 * SIGINT or SIGTERM. Everything else of src/serve/ is its own
 * (serve_http.h, serve_parse.h, serve_daemon.h).
 */
#ifndef TENYO_SERVE_H
#define TENYO_SERVE_H

#include "tenyo.h"

#include <stddef.h>

/* A server shared over processes (tenyo-mpi serve): set by tenyo-mpi
 * before cli_main on process 0, NULL in tenyo. opened() is called once
 * the index is open and warm, before the first request; it hands the
 * index's scans to the other processes (0 ok, else a status with err
 * set: the server does not start). Everything else is `tenyo serve`. */
typedef struct cli_serve_dist {
    int (*opened)(void *ud, tenyo_index *x, const char *path, char *err, size_t errlen);
    void *ud;                                         /* its first argument */
} cli_serve_dist;
extern const cli_serve_dist *cli_serve_share;

/* The numeric options of serve, their option names and bounds
 * (serve_limits[SERVE_LIM_...]; def 0 for --threads: the cores, for
 * --client-conns: by the connection limit and the address). */
enum { SERVE_LIM_PORT, SERVE_LIM_THREADS, SERVE_LIM_CLIENT_CONNS, SERVE_LIM_UPLOAD_MB,
       SERVE_LIM_UPLOAD_ROWS, SERVE_LIM_UPLOAD_SECS, SERVE_LIM_UPLOAD_DEC_MB, SERVE_LIM_WS_MAX,
       SERVE_LIM_WS_MB, SERVE_LIM_N };
typedef struct serve_limit {
    const char *name;  /* "--port", ... */
    long lo, hi, def;
} serve_limit;
extern const serve_limit serve_limits[SERVE_LIM_N];

/* What `tenyo serve`'s options ask for. */
typedef struct serve_config {
    const char *path;               /* the index */
    const char *bind;               /* the address to listen on */
    long lim[SERVE_LIM_N];          /* the numeric options (serve_limits' defaults) */
    const char *const *titles;      /* --ipc-titles files */
    int ntitles;
    int writable;                   /* --writable */
    int quiet;                      /* --quiet */
} serve_config;

/* Open the index of c, serve it until SIGINT or SIGTERM, and return the
 * exit code (0 after a signal; else after a message). */
int serve_run(const serve_config *c);

#endif
