/*
 * mpi_read.c — each rank reads its own share of the inputs for `tenyo-mpi
 * index`: records are dealt in chunks of lines (TENYO_MPI_CHUNK, default
 * DEFAULT_CHUNK) by line number, so every rank opens every input and keeps
 * the chunks that are its own; the others' chunks reach rank 0 through the
 * chunk exchange (tenyo_mpi.c), merged in record order. Also the check that
 * every rank reads the same inputs (same_inputs: a hash of each file, one
 * reduction). The opening comment of tenyo_mpi.c ("Reading", "Same
 * inputs") gives the design.
 */
#include "api/api.h"
#include "cli/cli.h"
#include "mpi/index_mpi.h"
#include "mpi/mpicomm.h"

#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ============================================================ reading */

uint32_t tm_chunk_size(void);

/* ty_want_fn of the first read: the records of the chunks dealt to this
 * rank (chunk base + line / lines, rank chunk % P); every record start
 * of the input passes here on every rank, so each knows where it ends. */
static int read_want(void *ud, long line) {
    share_state *s = ud;
    if (line > s->last) s->last = line;
    uint64_t g = s->base + (uint64_t)(line < 0 ? 0 : line) / s->lines;
    return (int)(g % (uint64_t)s->size) == s->rank;
}

/* Rank != 0: end every chunk of its own before chunk g (the records added
 * since the last one are the first's; the others empty). */
static int read_advance(share_state *s, uint64_t g) {
    while (s->next < g) {
        tenyo_read_stats now;
        tenyo_reader_stats(s->rd, &now);
        uint64_t c[3] = {now.records, now.skipped, now.empty};
        int rc = ty_builder_share_end_chunk(s->b, s->next, c);
        if (rc) return rc;
        s->next += (uint64_t)s->size;
    }
    return TENYO_OK;
}

/* Rank 0: take every other rank's chunk before chunk g, in order. */
static int read_take(share_state *s, uint64_t g) {
    for (; s->next < g; s->next++) {
        int owner = (int)(s->next % (uint64_t)s->size);
        if (owner == 0) continue;
        int rc = ty_builder_share_take(s->b, s->next, owner, &s->fcnt[3 * owner]);
        if (rc) return rc;
    }
    return TENYO_OK;
}

/* cli_sink.begin: input i open; its share selected. */
static int read_begin(void *ud, int file, tenyo_reader *r) {
    share_state *s = ud;
    if (file >= (1 << (63 - LINE_BITS))) {
        snprintf(s->rerr, sizeof s->rerr, "more than %d inputs", 1 << (63 - LINE_BITS));
        return TENYO_ERR_LIMIT;
    }
    /* every rank reads the input, and the shard writers read it again:
     * standard input or a pipe would give each a different stream (and
     * leave rank 0 waiting for chunks no other rank saw) */
    struct stat sb;
    const char *name = s->files && file < s->nfiles ? s->files[file] : NULL;
    if (name && (!strcmp(name, "-") || stat(name, &sb) || !S_ISREG(sb.st_mode))) {
        snprintf(s->rerr, sizeof s->rerr, "tenyo-mpi reads every input on every process "
                 "(and again for the shards): it must be a regular file, not standard input "
                 "or a pipe");
        return TENYO_ERR_ARG;
    }
    s->file = file;
    s->rd = r;
    s->last = -1;
    s->file_t0 = ty_now();
    if (s->fcnt) memset(s->fcnt, 0, 3 * (size_t)s->size * sizeof *s->fcnt);
    ty_reader_select(r, read_want, s);
    return TENYO_OK;
}

/* cli_sink.add: a record of this rank's share, at its position. */
static int read_add(void *ud, const tenyo_doc *d) {
    share_state *s = ud;
    uint64_t line = d->line < 0 ? 0 : (uint64_t)d->line;
    uint64_t g = s->base + line / s->lines;
    if ((int)(g % (uint64_t)s->size) != s->rank || line >> LINE_BITS) {
        snprintf(s->rerr, sizeof s->rerr, "a record at line %llu is not this process's",
                 (unsigned long long)line);
        return TENYO_ERR_ARG;
    }
    s->rerr[0] = 0;
    s->taken++;
    double t0 = ty_now();
    int rc = s->rank == 0 ? read_take(s, g) : read_advance(s, g);
    if (!rc) rc = ty_builder_add_at(s->b, d, (uint64_t)s->file << LINE_BITS | line);
    s->read_s -= ty_now() - t0; /* the builder's time, not the reader's */
    return rc;
}

static const char *read_error(void *ud) {
    share_state *s = ud;
    return s->rerr[0] ? s->rerr : tenyo_builder_error(s->b);
}

/* cli_sink.end: input i read; every chunk of it ended (rank != 0) or
 * taken (rank 0, which adds the others' counts of it to st). */
static int read_end(void *ud, int file, tenyo_read_stats *st) {
    share_state *s = ud;
    (void)file;
    s->rerr[0] = 0;
    s->read_s += ty_now() - s->file_t0; /* the end's builder work not counted */
    uint64_t end = s->base + (s->last < 0 ? 0 : (uint64_t)s->last / s->lines + 1);
    int rc = s->rank == 0 ? read_take(s, end) : read_advance(s, end);
    if (rc) return rc;
    if (s->rank == 0) {
        ty_builder_share_took(s->b, &s->took, &s->took_wait, &s->took_merge);
        for (int r = 1; r < s->size; r++) {
            st->records += s->fcnt[3 * r];
            st->skipped += s->fcnt[3 * r + 1];
            st->empty += s->fcnt[3 * r + 2];
        }
    }
    s->base = end;
    s->rd = NULL;
    return TENYO_OK;
}

/* cli_dist.sink: the builder's sink made to read this rank's share. */
int tm_read_sink(void *ud, tenyo_builder *b, cli_sink *k) {
    share_state *s = ud;
    s->b = b;
    s->lines = tm_chunk_size();
    const char *e = getenv("TENYO_MPI_INFLIGHT");
    s->inflight_max = e && *e ? (size_t)strtoull(e, NULL, 10) : INFLIGHT;
    s->base = 0;
    s->next = s->rank == 0 ? 0 : (uint64_t)s->rank;
    if (s->rank == 0 && s->size > 1 &&
        !(s->fcnt = calloc(3 * (size_t)s->size, sizeof *s->fcnt)))
        return TENYO_ERR_NOMEM;
    k->add = read_add;
    k->error = read_error;
    k->ud = s;
    k->begin = read_begin;
    k->end = read_end;
    k->no_totals = s->rank != 0; /* rank 0 judges them, every rank's counted */
    return TENYO_OK;
}

uint32_t tm_chunk_size(void) {
    const char *e = getenv("TENYO_MPI_CHUNK");
    if (!e || !*e) return DEFAULT_CHUNK;
    char *end;
    unsigned long v = strtoul(e, &end, 10);
    if (*end || v == 0 || v > (1ul << 24)) {
        fprintf(stderr, "tenyo-mpi: TENYO_MPI_CHUNK=%s: want a number of lines, "
                        "1..16777216\n", e);
        MPI_Abort(MPI_COMM_WORLD, 64);
    }
    return (uint32_t)v;
}


/* FNV-1a of the bytes of path and its size into h[0], h[1] (h[1] =
 * UINT64_MAX when it cannot be read: the reader then says why). Returns
 * the errno of a file that cannot be opened, else 0. */
static int file_print(const char *path, uint64_t h[2]) {
    h[0] = 0;
    h[1] = UINT64_MAX;
    if (!strcmp(path, "-")) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno ? errno : ENOENT;
    static unsigned char buf[1 << 20];
    uint64_t x = 14695981039346656037ull, n = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < got; i++) x = (x ^ buf[i]) * 1099511628211ull;
        n += got;
    }
    if (!ferror(f)) {
        h[0] = x;
        h[1] = n;
    }
    fclose(f);
    return 0;
}

/* Rank 0's word on an input that some process cannot open while another
 * can (an input missing on one machine): which file, where, and why;
 * then the job ends (exit 2). all: every rank's F fingerprints, whose
 * [7] is 1 + the index of the first file it cannot open and [8] the
 * errno. Nothing when every rank opens the same files (a file no rank
 * can open is the reader's to report, as tenyo index does). */
static void missing_input(share_state *s, char **files, const uint64_t *all, int F) {
    for (int k = 1; k < s->size; k++) {
        const uint64_t *o = all + (size_t)k * F;
        if (o[7] == all[7] || o[0] != all[0] || o[3] != all[3]) continue;
        const uint64_t *m = all[7] ? all : o; /* the rank that cannot open it */
        int who = all[7] ? 0 : k, other = all[7] ? k : 0;
        if (s->rank == 0) {
            fprintf(stderr, "tenyo-mpi: %s: cannot open on process %d: %s (process %d opens "
                    "it). Every process must read the same files; nothing read, nothing "
                    "written\n", files[m[7] - 1], who, strerror((int)m[8]), other);
            fflush(stderr);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        MPI_Request w; /* rank 0 ends the job */
        if (MPI_Ibarrier(MPI_COMM_WORLD, &w) == MPI_SUCCESS) ty_mpicomm_wait(&w, POLL_NS);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

/* Every rank must read the same inputs (the opening comment, "Same
 * inputs"): compare fingerprints; on a difference rank 0 says which rank
 * differs and how, and ends the job (exit 2) before anything is read. */
static void same_inputs(share_state *s, char **files, int nfiles, const tenyo_read_opts *ro) {
    enum { F = 9, COMPARED = 7 }; /* [7], [8]: the first file not opened, its errno */
    uint64_t fp[F] = {(uint64_t)nfiles, tm_chunk_size(), 0, 0, 0, 0, s->argv_print, 0, 0};
    char opts[160];
    snprintf(opts, sizeof opts, "%d|%s|%d", ro->format, ro->encoding ? ro->encoding : "",
             ro->strict);
    fp[2] = ty_fnv1a(opts, strlen(opts));
    for (int i = 0; i < nfiles; i++) {
        uint64_t h[2];
        int e = file_print(files[i], h);
        if (e && !fp[7]) {
            fp[7] = (uint64_t)i + 1;
            fp[8] = (uint64_t)e;
        }
        fp[3] = ty_fnv1a(files[i], strlen(files[i] ) + 1) ^ (fp[3] * 1099511628211ull);
        fp[4] = (fp[4] * 1099511628211ull) ^ h[1];
        fp[5] = (fp[5] * 1099511628211ull) ^ h[0];
    }
    uint64_t *all = calloc((size_t)s->size * F, sizeof *all);
    MPI_Request r;
    if (!all || MPI_Iallgather(fp, F, MPI_UINT64_T, all, F, MPI_UINT64_T, MPI_COMM_WORLD, &r) !=
                    MPI_SUCCESS || ty_mpicomm_wait(&r, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    missing_input(s, files, all, F);
    int bad = -1, what = 0;
    for (int k = 1; k < s->size && bad < 0; k++)
        for (int j = 0; j < COMPARED && bad < 0; j++)
            if (all[(size_t)k * F + j] != all[j]) {
                bad = k;
                what = j;
            }
    if (bad >= 0 && s->rank == 0) {
        const uint64_t *o = all + (size_t)bad * F;
        char why[200];
        switch (what) {
        case 0: snprintf(why, sizeof why, "%llu input files, process 0 %llu",
                         (unsigned long long)o[0], (unsigned long long)all[0]); break;
        case 1: snprintf(why, sizeof why, "TENYO_MPI_CHUNK %llu, process 0 %llu",
                         (unsigned long long)o[1], (unsigned long long)all[1]); break;
        case 2: snprintf(why, sizeof why, "other reading options (format, encoding, strict)");
                break;
        case 3: snprintf(why, sizeof why, "other input file names"); break;
        case 4: snprintf(why, sizeof why, "input files of other sizes (or unreadable)"); break;
        case 5: snprintf(why, sizeof why, "input files of the same sizes but other bytes");
                break;
        default: snprintf(why, sizeof why, "another command line (its options)");
        }
        fprintf(stderr, "tenyo-mpi: process %d reads other inputs than process 0: %s. Every "
                        "process must read the same files (same names, same bytes) with the "
                        "same TENYO_MPI_CHUNK; nothing read, nothing written\n", bad, why);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    free(all);
    if (bad >= 0) { /* rank 0 ends the job */
        MPI_Request w;
        if (MPI_Ibarrier(MPI_COMM_WORLD, &w) == MPI_SUCCESS) ty_mpicomm_wait(&w, POLL_NS);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

/* cli_dist.inputs: the inputs checked alike on every rank (same_inputs),
 * and kept for a shard writer's second read (docs_read). */
void tm_set_inputs(void *ud, char **files, int nfiles, const tenyo_read_opts *ro) {
    share_state *s = ud;
    if (s->size > 1) same_inputs(s, files, nfiles, ro);
    s->files = files;
    s->nfiles = nfiles;
    s->ro = *ro;
}
