/*
 * serve_mhd.h — libmicrohttpd's functions as the server calls them: a table
 * filled by serve_mhd_open (serve_mhd.c) when `tenyo serve` starts, so that
 * every other command runs without the library (and the TLS stack it
 * brings) loaded. The types and constants are <microhttpd.h>'s; each entry
 * has the type of the function it names (__typeof__), so a call through
 * the table is checked as a direct call would be.
 */
#ifndef TENYO_SERVE_MHD_H
#define TENYO_SERVE_MHD_H

#include <microhttpd.h>
#include <stddef.h>

typedef struct serve_mhd_fns {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_add_connection) add_connection;
    __typeof__(&MHD_get_connection_info) get_connection_info;
    __typeof__(&MHD_get_connection_values) get_connection_values;
    __typeof__(&MHD_get_connection_values_n) get_connection_values_n;
    __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
    __typeof__(&MHD_suspend_connection) suspend_connection;
    __typeof__(&MHD_resume_connection) resume_connection;
} serve_mhd_fns;

/* The table (all NULL until serve_mhd_open succeeds). */
extern serve_mhd_fns serve_mhd;

/* Load libmicrohttpd and fill serve_mhd, once (later calls return the
 * first's outcome; not for concurrent first calls: the server's start-up
 * calls it before any thread of its own). 0, or -1 with why in err (the
 * library or one of its functions not found). */
int serve_mhd_open(char *err, size_t errlen);

#endif
