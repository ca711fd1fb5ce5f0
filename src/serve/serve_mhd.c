/*
 * serve_mhd.c — the libmicrohttpd adapter: the library opened with dlopen
 * when the server starts, its functions looked up into serve_mhd's table
 * (serve_mhd.h), through which the server's files call them.
 *
 * Why not linked: of the program's commands only `serve` uses it, and a
 * linked library is loaded and relocated at the start of every process —
 * libmicrohttpd with GnuTLS, Nettle, GMP, p11-kit, libtasn1, libidn2 and
 * libunistring, ten objects of the 35 the program loaded, about 3.5 ms of
 * a 35 ms `tenyo search` at 60k documents (2 cores, bench/HISTORY.md).
 * The name opened is the soname of the library the headers came with
 * (SERVE_MHD_SONAME, read by the Makefile from the development package's
 * libmicrohttpd.so), the one the loader would have picked; a missing one
 * is a refusal to start the server, naming it. Rejected: a hand-made stub
 * of each function that opens the library on first call (the same table,
 * thirteen more functions), and splitting the server into a program of
 * its own (a second binary to install for one command).
 */
#include "serve_mhd.h"

#include <dlfcn.h>
#include <stdio.h>

#ifndef SERVE_MHD_SONAME
#define SERVE_MHD_SONAME "libmicrohttpd.so.12"
#endif

serve_mhd_fns serve_mhd;

int serve_mhd_open(char *err, size_t errlen) {
    static int state; /* 0 not tried, 1 open, -1 refused */
    static char why[256];
    if (state) {
        if (state < 0) snprintf(err, errlen, "%s", why);
        return state > 0 ? 0 : -1;
    }
    state = -1;
    void *h = dlopen(SERVE_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, sizeof why, "cannot load %s: %s", SERVE_MHD_SONAME, e ? e : "not found");
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    static const struct {
        const char *name;
        void **slot;
    } fns[] = {
        {"MHD_start_daemon", (void **)&serve_mhd.start_daemon},
        {"MHD_stop_daemon", (void **)&serve_mhd.stop_daemon},
        {"MHD_add_connection", (void **)&serve_mhd.add_connection},
        {"MHD_get_connection_info", (void **)&serve_mhd.get_connection_info},
        {"MHD_get_connection_values", (void **)&serve_mhd.get_connection_values},
        {"MHD_get_connection_values_n", (void **)&serve_mhd.get_connection_values_n},
        {"MHD_lookup_connection_value", (void **)&serve_mhd.lookup_connection_value},
        {"MHD_create_response_from_buffer", (void **)&serve_mhd.create_response_from_buffer},
        {"MHD_add_response_header", (void **)&serve_mhd.add_response_header},
        {"MHD_queue_response", (void **)&serve_mhd.queue_response},
        {"MHD_destroy_response", (void **)&serve_mhd.destroy_response},
        {"MHD_suspend_connection", (void **)&serve_mhd.suspend_connection},
        {"MHD_resume_connection", (void **)&serve_mhd.resume_connection},
    };
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        void *p = dlsym(h, fns[i].name);
        if (!p) {
            snprintf(why, sizeof why, "%s: no function %s", SERVE_MHD_SONAME, fns[i].name);
            snprintf(err, errlen, "%s", why);
            serve_mhd = (serve_mhd_fns){0};
            dlclose(h);
            return -1;
        }
        *fns[i].slot = p;
    }
    state = 1; /* the handle stays open for the process's life */
    return 0;
}
