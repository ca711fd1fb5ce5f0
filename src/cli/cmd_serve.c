/*
 * cmd_serve.c — `tenyo serve INDEX`: the command's options and help; the
 * server itself is src/serve/'s (serve_run, serve.h), which this file
 * calls once the options are read and checked. The numeric options'
 * bounds and defaults are the server's (serve_limits).
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static const char *serve_usage =
    "usage: tenyo serve INDEX [--bind ADDR] [--port N] [--threads N] [--ipc-titles FILE]\n"
    "                         [--client-conns N] [--writable [--upload-max MB]\n"
    "                         [--upload-rows N] [--upload-time S]\n"
    "                         [--upload-decompressed MB]] [--worksheets N]\n"
    "                         [--worksheets-mb MB] [--quiet]\n"
    "Serve the index over HTTP: a JSON API and the analyst web page. Read-only\n"
    "unless --writable: then the page can add a J-PlatPat export to the index and\n"
    "load the licensable list, as tenyo add and tenyo open --from do (the same\n"
    "writer lock; all of a file or nothing). The analysts' worksheets are saved\n"
    "beside the index (INDEX.worksheets/) writable or not, within the limits below.\n"
    "  -b, --bind ADDR      address to listen on (default 127.0.0.1; IPv4 or IPv6)\n"
    "  -p, --port N         TCP port (default 8080; 0 picks a free one)\n"
    "  -t, --threads N      worker threads = query contexts (default: cores, at most 64)\n"
    "  --ipc-titles FILE    IPC scheme TSV for subclass labels (repeatable; - for stdin)\n"
    "  --client-conns N     open connections one client address may hold (default an\n"
    "                       eighth of the connection limit, 1024 of 8192; no limit\n"
    "                       when bound to loopback, where every client is one address)\n"
    "  --writable           let the page (POST /api/add, /api/licensable) change the\n"
    "                       index; without it those answer 403\n"
    "  --upload-max MB      largest file the page may send (default 32, at most 1024)\n"
    "  --upload-rows N      most records one file may hold (default 20000)\n"
    "  --upload-time S      seconds a whole file may take to arrive (default 300)\n"
    "  --upload-decompressed MB  most a zstd-compressed file may hold once\n"
    "                       decompressed (default 256)\n"
    "  --worksheets N       most worksheets the page may save, for patents (or\n"
    "                       companies) of the index (default 1000; 0: none)\n"
    "  --worksheets-mb MB   most MiB they may take in all (default 256)\n"
    "  -q, --quiet          no access log, no line about bad requests or closed\n"
    "                       connections (errors at start still shown)\n"
    "Endpoints (each answers with the JSON of the command named; filters as\n"
    "arguments or members: date_from, date_to, applicant, exclude_applicant, fields,\n"
    "exclude_fields, keywords, open_only, kind):\n"
    "  GET  /healthz                        {\"status\": \"ok\", ...}\n"
    "  GET  /api/info                       = tenyo info --json\n"
    "  GET  /api/patent/ID?k=&mode=         the patent, its abstract and its similar\n"
    "  GET  /api/similar?id=|text=&k=&mode= = tenyo similar --json\n"
    "  GET  /api/search?q=QUERY&k=          = tenyo search --json (keyword search)\n"
    "  GET  /api/resolve?q=TYPED            how typed text reads: an indexed id, a\n"
    "                                       (mistyped) number, or text\n"
    "  GET  /api/profile?id=ID&id=...&n=    = tenyo profile's objects (at most 20 ids)\n"
    "  GET  /api/map?id=|text=&doc=ID       the landscape map of the fields\n"
    "  GET  /api/report?task=ideas|match&body=JSON[&kept=1]   the printable report\n"
    "                                       (HTML; kept=1: the worksheet's kept cards)\n"
    "  POST /api/worksheet                  save a worksheet (ideas --worksheet's JSON,\n"
    "                                       up to 4 MiB) in INDEX.worksheets/\n"
    "  GET  /api/worksheet?id=|patent=|company=|text=   a saved worksheet\n"
    "  GET  /api/senses                     the remembered sense splits (INDEX.senses)\n"
    "  POST /api/senses {\"word\", \"pairs\": [[FIELD, OTHER], ...]}   remember splits\n"
    "                                       (= ideas --not WORD --remember)\n"
    "  GET  /api/sentences?id=ID            the patent's sentences, numbered for focus\n"
    "  POST /api/ideas {\"id\"|\"text\", \"home\", \"distance\", \"n\", \"lang\", \"mode\", ...}\n"
    "                                       = tenyo ideas --json\n"
    "  POST /api/ideas.csv (the same body)  = tenyo ideas --csv --bom\n"
    "  GET  /api/ideas/options              the ideas options: names, types, bounds\n"
    "  POST /api/match {\"text\", \"k\", \"home\", \"lang\", ...}   = tenyo match --json\n"
    "  POST /api/add?name=FILE (the file as the body)   = tenyo add (--writable)\n"
    "  POST /api/licensable?name=FILE[&column=C]        = tenyo open --from (--writable)\n"
    "  GET  /api/updates                    writable or not, the limits, the write\n"
    "                                       under way (its stage and progress)\n"
    "  GET  /, /app.js, /app.css            the web page\n"
    "Stops on SIGINT or SIGTERM (exit 0).\n";

/* The numeric option of short code c, as an index of serve_limits, or
 * -1 when c is none. */
static int limit_of(int c) {
    static const char codes[SERVE_LIM_N] = {
        [SERVE_LIM_PORT] = 'p', [SERVE_LIM_THREADS] = 't', [SERVE_LIM_CLIENT_CONNS] = 'C',
        [SERVE_LIM_UPLOAD_MB] = 'U', [SERVE_LIM_UPLOAD_ROWS] = 'R',
        [SERVE_LIM_UPLOAD_SECS] = 'T', [SERVE_LIM_UPLOAD_DEC_MB] = 'Z',
        [SERVE_LIM_WS_MAX] = 'S', [SERVE_LIM_WS_MB] = 'M'};
    for (int i = 0; i < SERVE_LIM_N; i++)
        if (codes[i] == c) return i;
    return -1;
}

int cli_cmd_serve(int argc, char **argv) {
    static const struct option lo[] = {
        {"bind", required_argument, 0, 'b'}, {"port", required_argument, 0, 'p'},
        {"threads", required_argument, 0, 't'}, {"ipc-titles", required_argument, 0, 'I'},
        {"client-conns", required_argument, 0, 'C'}, {"writable", no_argument, 0, 'W'},
        {"upload-max", required_argument, 0, 'U'}, {"upload-rows", required_argument, 0, 'R'},
        {"upload-time", required_argument, 0, 'T'},
        {"upload-decompressed", required_argument, 0, 'Z'},
        {"worksheets", required_argument, 0, 'S'}, {"worksheets-mb", required_argument, 0, 'M'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *titles[4];
    serve_config sc = {.bind = "127.0.0.1", .titles = titles};
    for (int i = 0; i < SERVE_LIM_N; i++) sc.lim[i] = serve_limits[i].def;
    int c, bad = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "b:p:t:qh", lo)) != -1) {
        int l = limit_of(c);
        if (l >= 0) {
            bad |= cli_long(serve_limits[l].name, optarg, serve_limits[l].lo, serve_limits[l].hi,
                            &sc.lim[l]) != 0;
            continue;
        }
        switch (c) {
        case 'b': sc.bind = optarg; break;
        case 'I':
            if (sc.ntitles < 4) titles[sc.ntitles++] = cli_input_path(optarg);
            else { cli_err("at most 4 --ipc-titles files\n"); bad = 1; }
            break;
        case 'W': sc.writable = 1; break;
        case 'q': sc.quiet = 1; break;
        case 'h': return cli_help(serve_usage);
        default: bad = 1;
        }
    }
    if (bad || argc - optind != 1) {
        if (!bad) cli_err(argc - optind < 1 ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(serve_usage);
    }
    if (sc.writable && cli_serve_share) {
        cli_err("--writable: not with tenyo-mpi serve (its processes hold the index as it "
                "was); use tenyo serve\n");
        return EXIT_USAGE;
    }
    for (int i = 0; sc.writable && i < sc.ntitles; i++)
        if (!strcmp(titles[i], "/dev/stdin")) {
            cli_err("--writable: --ipc-titles - cannot be read again when the index is "
                    "reloaded; give a file\n");
            return EXIT_USAGE;
        }
    sc.path = argv[optind];
    return serve_run(&sc);
}
