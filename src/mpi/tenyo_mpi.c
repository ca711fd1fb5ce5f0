/*
 * tenyo_mpi.c — tenyo-mpi, the tenyo command line over Open MPI ranks:
 *
 *   mpirun -np P tenyo-mpi index [the options of tenyo index] FILE... -o INDEX
 *
 * What is shared, and how. Tokenizing is two thirds of a build (MeCab), so
 * that is what the ranks share first. Every rank reads the same inputs
 * with the same reader and sees the same records in the same order (the
 * reader is about ten times faster than the tokenizer, so reading twice is
 * cheap beside tokenizing once). Record r belongs to rank
 * (r / CHUNK) % P: round-robin chunks, so shares stay even whatever the
 * corpus and no counting pass is needed. A rank other than 0 keeps nothing
 * of other ranks' records, tokenizes its own with its threads and sends
 * each chunk's tokenizer output to rank 0 (MPI_Isend, point to point).
 * Rank 0 keeps every record's metadata, tokenizes its own chunks, and when
 * it merges a batch takes the other ranks' chunks in record order
 * (MPI_Recv by source: MPI keeps the order of messages between two ranks)
 * and merges them exactly as the single-process builder merges what it
 * tokenized itself (api/builder.c, "shared tokenizing"). From there rank 0
 * is `tenyo index`: vocabulary, document frequencies, TF-IDF, SVD, IVF,
 * fields, one index file written atomically, the same bytes as
 * `tenyo index` writes for any P, any CHUNK, uneven shares and ranks with
 * no records (tests/mpi.sh compares them with cmp).
 *
 * Why not merge per-rank vocabularies and document frequencies instead of
 * shipping tokenizer output: the index depends on more than counts — term
 * ids in first-occurrence order, the surface-word majority vote (a
 * Boyer-Moore vote in document order, which has no exact merge of partial
 * states), phrases numbered by first use, repeated ids replacing earlier
 * records. Replaying the tokenizer output through the one merge makes
 * every one of them exact by construction, at the price of about the
 * text's size in messages to rank 0.
 *
 * Not shared yet (issue 20, left): the SVD runs on rank 0 alone (the
 * row-split SVD over ranks exists, src/mpi/mpicomm.c, checked bit for bit
 * by tests/mpi/svd_check.c, but the builder does not hand it the rows
 * yet); the index is one file written by rank 0, not per-rank shards; and
 * `tenyo-mpi serve` is not written.
 *
 * Waiting. Open MPI's blocking calls poll at full CPU; a rank waiting for
 * rank 0 would take a core from the ranks that tokenize (and count as
 * work). Every wait here is a test with a 200 us sleep between tries.
 *
 * Faults. MPI_ERRORS_ARE_FATAL stays on; a rank that fails calls
 * MPI_Abort, and mpirun ends the whole job when a rank dies (SIGKILL
 * included), exit status non-zero. Rank 0 writes the index only at the
 * end, through the store's temporary file and rename, so an ended job
 * leaves the previous index as it was.
 *
 * CHUNK is TENYO_MPI_CHUNK from the environment when set (the tests use
 * small chunks so that the 200-record sample is shared), else 256.
 */
#include "internal.h"
#include "cli/cli.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAG_CHUNK 11
#define DEFAULT_CHUNK 256
#define POLL_NS (200 * 1000)

/* A send in flight: the request and the buffer it owns. */
typedef struct pending {
    MPI_Request req;      /* MPI_Isend's request */
    void *buf;            /* the chunk, freed when the send completes */
} pending;

/* This rank's state for the builder's callbacks. */
typedef struct share_state {
    int rank, size;       /* MPI_COMM_WORLD */
    pending *sends;       /* rank != 0: sends not known complete */
    size_t nsends, cap;   /* used / allocated */
    uint64_t bytes;       /* bytes sent (rank != 0) or received (rank 0) */
    uint64_t chunks;      /* chunks sent or received */
    uint64_t *from;       /* rank 0: chunks received from each rank */
} share_state;

static void nap(void) {
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

/* Free the buffers of completed sends; with wait, until none is left. */
static int reap(share_state *s, int wait) {
    do {
        size_t k = 0;
        for (size_t i = 0; i < s->nsends; i++) {
            int done = 0;
            if (MPI_Test(&s->sends[i].req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                return TENYO_ERR_DEPENDENCY;
            if (done) free(s->sends[i].buf);
            else s->sends[k++] = s->sends[i];
        }
        s->nsends = k;
        if (wait && s->nsends) nap();
    } while (wait && s->nsends);
    return TENYO_OK;
}

static int put_chunk(void *ud, uint64_t chunk, void *p, size_t n) {
    share_state *s = ud;
    (void)chunk;
    if (n > INT_MAX) {
        free(p);
        return TENYO_ERR_LIMIT;
    }
    if (s->nsends == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        pending *q = realloc(s->sends, cap * sizeof *q);
        if (!q) {
            free(p);
            return TENYO_ERR_NOMEM;
        }
        s->sends = q;
        s->cap = cap;
    }
    pending *e = &s->sends[s->nsends];
    if (MPI_Isend(p, (int)n, MPI_BYTE, 0, TAG_CHUNK, MPI_COMM_WORLD, &e->req) != MPI_SUCCESS) {
        free(p);
        return TENYO_ERR_DEPENDENCY;
    }
    e->buf = p;
    s->nsends++;
    s->bytes += n;
    s->chunks++;
    return reap(s, 0);
}

static int get_chunk(void *ud, uint64_t chunk, int owner, void **p, size_t *n, char *err,
                     size_t errlen) {
    share_state *s = ud;
    MPI_Status st;
    int flag = 0, cnt = 0;
    for (;;) {
        if (MPI_Iprobe(owner, TAG_CHUNK, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
        if (flag) break;
        nap();
    }
    MPI_Get_count(&st, MPI_BYTE, &cnt);
    void *b = malloc(cnt > 0 ? (size_t)cnt : 1);
    if (!b) {
        ty_seterr(err, errlen, "out of memory receiving chunk %llu from process %d",
                  (unsigned long long)chunk, owner);
        return TENYO_ERR_NOMEM;
    }
    if (MPI_Recv(b, cnt, MPI_BYTE, owner, TAG_CHUNK, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS) {
        free(b);
        ty_seterr(err, errlen, "cannot receive chunk %llu from process %d",
                  (unsigned long long)chunk, owner);
        return TENYO_ERR_DEPENDENCY;
    }
    *p = b;
    *n = (size_t)cnt;
    s->bytes += (uint64_t)cnt;
    s->chunks++;
    if (s->from) s->from[owner]++;
    return TENYO_OK;
}

static uint32_t chunk_size(void) {
    const char *e = getenv("TENYO_MPI_CHUNK");
    if (!e || !*e) return DEFAULT_CHUNK;
    char *end;
    unsigned long v = strtoul(e, &end, 10);
    if (*end || v == 0 || v > (1ul << 24)) {
        fprintf(stderr, "tenyo-mpi: TENYO_MPI_CHUNK=%s: want a number of records, "
                        "1..16777216\n", e);
        MPI_Abort(MPI_COMM_WORLD, 64);
    }
    return (uint32_t)v;
}

static int setup(void *ud, tenyo_builder *b) {
    share_state *s = ud;
    ty_builder_share sh = {.rank = s->rank, .size = s->size, .chunk = chunk_size(),
                           .put = put_chunk, .get = get_chunk, .ud = s};
    return ty_builder_set_share(b, &sh);
}

static int flush(void *ud, tenyo_builder *b, char *err, size_t errlen) {
    share_state *s = ud;
    int rc = ty_builder_share_flush(b);
    if (rc) {
        ty_seterr(err, errlen, "%s", tenyo_builder_error(b));
        return rc;
    }
    rc = reap(s, 1);
    if (rc) ty_seterr(err, errlen, "sending to process 0 failed");
    return rc;
}

int main(int argc, char **argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    share_state s = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s.size);
    cli_dist dist = {.rank = s.rank, .size = s.size, .setup = setup, .flush = flush, .ud = &s};
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "index")) {
        cli_index_dist = &dist;
    } else if (strcmp(cmd, "help") && strcmp(cmd, "--help") && strcmp(cmd, "-h") &&
               strcmp(cmd, "version") && strcmp(cmd, "--version")) {
        if (s.rank == 0)
            fprintf(stderr, "tenyo-mpi: %s%s: tenyo-mpi runs `index` (mpirun -np P tenyo-mpi "
                            "index ... -o INDEX); query the index with tenyo\n",
                    *cmd ? "unknown or unshared command " : "no command", cmd);
        MPI_Finalize();
        return 64;
    }
    if (s.rank == 0) s.from = calloc((size_t)s.size, sizeof *s.from);
    int ec = s.rank == 0 || cli_index_dist ? cli_main(argc, argv) : 0;
    if (!ec && s.rank == 0 && cli_index_dist && s.size > 1) {
        /* what the other ranks tokenized, as process 0 received it */
        fprintf(stderr, "tenyo-mpi: %d processes, chunks of %u records; received %llu chunks "
                        "(%.2f MB of tokenizer output):", s.size, chunk_size(),
                (unsigned long long)s.chunks, (double)s.bytes / 1e6);
        for (int r = 1; r < s.size && s.from; r++)
            fprintf(stderr, " %llu from rank %d%s", (unsigned long long)s.from[r], r,
                    r + 1 < s.size ? "," : "\n");
    }
    fflush(stdout);
    fflush(stderr);
    if (ec) MPI_Abort(MPI_COMM_WORLD, ec); /* ends every rank: no half job */
    /* wait for the others without spinning */
    MPI_Request r;
    int done = 0;
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    while (MPI_Test(&r, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) nap();
    free(s.sends);
    free(s.from);
    MPI_Finalize();
    return 0;
}
