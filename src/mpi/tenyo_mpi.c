/*
 * tenyo_mpi.c — tenyo-mpi, the tenyo command line over Open MPI ranks:
 *
 *   mpirun -np P tenyo-mpi index [the options of tenyo index] FILE... -o INDEX
 *   mpirun -np P tenyo-mpi serve [the options of tenyo serve] INDEX
 *
 * `serve` is src/mpi/serve.c. `index` writes the bytes `tenyo index` writes,
 * for any P and CHUNK (tests/mpi.sh cmp's them):
 *
 * Reading and tokenizing. Every rank reads the same inputs; the record at
 * line l of input i lies in chunk base(i) + l / CHUNK, and chunk c is rank
 * c % P's (ty_reader_select). A rank other than 0 tokenizes its records
 * into a vocabulary of its own and sends each of its chunks, in order, to
 * rank 0 (MPI_Isend; api/build_tok.c "shared tokenizing" has the layout);
 * rank 0 replays them in chunk order through the builder's one merge, so
 * term ids, surface votes, phrases and repeated ids come out as one
 * process makes them.
 *
 * Weighting (ty_builder_share's callbacks here): rank 0 sends each rank
 * its local -> global term map and its live records; document frequencies
 * are summed (MPI_Iallreduce); every rank weighs its rows and an
 * all-to-all moves each row to the rank whose SVD block holds it
 * (ty_svd_share). The SVD runs on those blocks (svd.c, mpicomm.c).
 *
 * After the SVD (mpi_after.c; jobs with a broadcast header): the IVF
 * sample is gathered on rank 0 (JOB_VECS), each rank assigns its sample
 * rows every k-means iteration (JOB_KSTEP), then its vectors (JOB_ASSIGN);
 * the field model's rows go to rank 0 (JOB_PICK); unsharded, rank 0
 * gathers every row and vector (JOB_GATHER) and writes the file. Sharded
 * (--shards N, mpi_shards.c): shard i is written by rank i % P from rank
 * 0's pieces and the rows the block owners post; rank 0 replaces the
 * manifest last. Every send is posted before any rank waits: no deadlock.
 *
 * Waiting: every wait is a test with a 200 us sleep (Open MPI's blocking
 * calls poll at full CPU). Faults: MPI_ERRORS_ARE_FATAL, MPI_Abort on
 * failure; the index is replaced only at the end, so an ended job leaves
 * the previous one. Before reading, the ranks compare fingerprints of
 * their inputs, options and command line (same_inputs).
 * CHUNK is TENYO_MPI_CHUNK (lines), default 256; TENYO_MPI_SHARD_PAUSE=S
 * (tests) delays a shard's report S seconds.
 *
 * The files (index_mpi.h: the state and job headers they share). This one:
 * the chunk exchange, the weighting's collectives, the followers' loop,
 * the builder's callbacks and main; mpi_read.c: each rank's reading;
 * mpi_after.c: the SVD and what follows it; mpi_shards.c: the sharded
 * output; mpi_msg.c: the message helpers; serve.c: `tenyo-mpi serve`.
 * Reasons, measurements and what is not shared: docs/scaling-out.md
 * ("tenyo-mpi index in detail", "tenyo_mpi.c's steps in full").
 */
#include "api/api.h"
#include "cli/cli.h"
#include "mpi/mpicomm.h"
#include "mpi/index_mpi.h"
#include "mpi/serve.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Free the buffers of completed sends, waiting (without spinning) until
 * at most keep bytes are still in flight (SIZE_MAX: no wait; 0: none
 * left). */
static int reap(share_state *s, size_t keep) {
    for (;;) {
        size_t k = 0;
        for (size_t i = 0; i < s->nsends; i++) {
            int done = 0;
            if (MPI_Test(&s->sends[i].req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                return TENYO_ERR_DEPENDENCY;
            if (done) {
                free(s->sends[i].buf);
                s->inflight -= s->sends[i].n;
            } else {
                s->sends[k++] = s->sends[i];
            }
        }
        s->nsends = k;
        if (s->inflight <= keep) return TENYO_OK;
        tm_nap();
    }
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
    e->n = n;
    s->nsends++;
    s->inflight += n;
    s->bytes += n;
    s->chunks++;
    int rc = reap(s, SIZE_MAX);
    if (!rc && s->inflight > s->inflight_max) {
        double t0 = ty_now();
        rc = reap(s, s->inflight_max / 2);
        s->send_wait += ty_now() - t0;
    }
    return rc;
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
        tm_nap();
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

/* ============================================================ the weighting */

#define TAG_XCHG 14

/* ty_builder_share.bcast: n bytes from rank 0, waited for without spinning. */
static int bcast_bytes(void *ud, void *p, size_t n, char *err, size_t errlen) {
    (void)ud;
    MPI_Request r;
    if (n > INT_MAX || MPI_Ibcast(p, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS)) {
        ty_seterr(err, errlen, "message passing failed broadcasting the weights' header");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* ty_builder_share.sum_u32: MPI_Iallreduce in slices (exact: integers). */
static int sum_u32(void *ud, uint32_t *x, size_t n, char *err, size_t errlen) {
    (void)ud;
    for (size_t o = 0; o < n; o += PIECE / 4) {
        size_t k = n - o < PIECE / 4 ? n - o : PIECE / 4;
        MPI_Request r;
        if (MPI_Iallreduce(MPI_IN_PLACE, x + o, (int)k, MPI_UINT32_T, MPI_SUM,
                           MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS)) {
            ty_seterr(err, errlen, "message passing failed summing document frequencies");
            return TENYO_ERR_DEPENDENCY;
        }
    }
    return TENYO_OK;
}

/* Post the pieces (of at most PIECE bytes) of n bytes at p to or from
 * peer as requests at q[*nq]. */
static int post_pieces(char *p, size_t n, int peer, int send, MPI_Request *q, size_t *nq) {
    for (size_t o = 0; o < n; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        int rc = send ? MPI_Isend(p + o, (int)k, MPI_BYTE, peer, TAG_XCHG, MPI_COMM_WORLD,
                                  &q[*nq])
                      : MPI_Irecv(p + o, (int)k, MPI_BYTE, peer, TAG_XCHG, MPI_COMM_WORLD,
                                  &q[*nq]);
        if (rc != MPI_SUCCESS) return TENYO_ERR_DEPENDENCY;
        (*nq)++;
    }
    return TENYO_OK;
}

/* ty_builder_share.exchange: the sizes by MPI_Ialltoall, then every
 * buffer in pieces, all posted at once and waited for together (no
 * order between the peers to deadlock on); a rank's own buffer is moved. */
static int exchange(void *ud, ty_buf *out, ty_buf *in, char *err, size_t errlen) {
    share_state *s = ud;
    int P = s->size, rc = TENYO_ERR_NOMEM;
    uint64_t *no = calloc((size_t)P, 8), *ni = calloc((size_t)P, 8);
    size_t nreq = 0, nq = 0;
    MPI_Request *q = NULL, r;
    if (!no || !ni) goto done;
    for (int p = 0; p < P; p++) no[p] = out[p].len;
    rc = TENYO_ERR_DEPENDENCY;
    if (MPI_Ialltoall(no, 1, MPI_UINT64_T, ni, 1, MPI_UINT64_T, MPI_COMM_WORLD, &r) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS))
        goto done;
    for (int p = 0; p < P; p++)
        if (p != s->rank) nreq += (no[p] + PIECE - 1) / PIECE + (ni[p] + PIECE - 1) / PIECE;
    rc = TENYO_ERR_NOMEM;
    q = malloc((nreq ? nreq : 1) * sizeof *q);
    if (!q) goto done;
    for (int p = 0; p < P; p++) {
        if (p == s->rank) {
            in[p] = out[p];
            out[p] = (ty_buf){0};
            continue;
        }
        in[p].p = malloc(ni[p] ? ni[p] : 1);
        if (!in[p].p) goto done;
        in[p].len = in[p].cap = ni[p];
    }
    rc = TENYO_ERR_DEPENDENCY;
    for (int p = 0; p < P; p++)
        if (p != s->rank &&
            (post_pieces(in[p].p, ni[p], p, 0, q, &nq) ||
             post_pieces(out[p].p, no[p], p, 1, q, &nq)))
            goto done;
    for (;;) {
        int all = 0;
        if (MPI_Testall((int)nq, q, &all, MPI_STATUSES_IGNORE) != MPI_SUCCESS) goto done;
        if (all) break;
        tm_nap();
    }
    rc = TENYO_OK;
done:
    if (rc) ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory exchanging rows"
                                                         : "message passing failed "
                                                           "exchanging rows");
    free(q);
    free(no);
    free(ni);
    return rc;
}

/* Ranks other than 0, after the weighting: do what rank 0 broadcasts
 * until it says done. 0, or a status with err set. */
static int follow(share_state *st, char *err, size_t errlen) {
    for (;;) {
        int64_t h[HEAD_N] = {0};
        if (tm_bcast_wait(h, HEAD_N)) {
            ty_seterr(err, errlen, "message passing failed waiting for process 0");
            return TENYO_ERR_DEPENDENCY;
        }
        int rc = TENYO_OK;
        if (h[0] != JOB_KSTEP) tm_ks_drop(st); /* the k-means, if any, is over */
        if (h[0] == JOB_DONE) return TENYO_OK;
        if (h[0] == JOB_LSA) rc = tm_follow_lsa(st, h, err, errlen);
        else if (h[0] == JOB_GATHER) rc = tm_follow_gather(st, h, err, errlen);
        else if (h[0] == JOB_VECS) rc = tm_follow_vecs(st, h, err, errlen);
        else if (h[0] == JOB_PICK) rc = tm_follow_pick(st, h, err, errlen);
        else if (h[0] == JOB_ASSIGN) rc = tm_follow_assign(st, h, err, errlen);
        else if (h[0] == JOB_KSTEP) rc = tm_follow_kstep(st, h, err, errlen);
        else if (h[0] == JOB_SHARDS) rc = tm_follow_shards(st, h, err, errlen);
        else if (h[0] == JOB_NNZ) rc = tm_follow_nnz(st, err, errlen);
        if (rc) return rc;
    }
}

static int setup(void *ud, tenyo_builder *b) {
    share_state *s = ud;
    ty_builder_share sh = {.rank = s->rank, .size = s->size, .put = put_chunk, .get = get_chunk, .bcast = bcast_bytes,
                           .sum_u32 = sum_u32, .exchange = exchange, .lsa = tm_lsa_root,
                           .vecs = tm_vecs_root, .ksample = tm_ksample_root, .rows = tm_pick_root,
                           .assign = tm_assign_root,
                           .gather = tm_gather_root, .nnz = tm_nnz_root, .shards = tm_shards_root,
                           .docs_elsewhere = 1, .ud = s};
    return ty_builder_set_share(b, &sh);
}
static int flush(void *ud, tenyo_builder *b, char *err, size_t errlen) {
    share_state *s = ud;
    int rc = ty_builder_share_flush(b);
    if (rc) {
        ty_seterr(err, errlen, "%s", tenyo_builder_error(b));
        return rc;
    }
    rc = reap(s, 0);
    if (rc) {
        ty_seterr(err, errlen, "sending to process 0 failed");
        return rc;
    }
    rc = ty_builder_share_weigh(b, &s->rows, &s->tf, &s->row0);
    if (rc) {
        ty_seterr(err, errlen, "%s", tenyo_builder_error(b));
        return rc;
    }
    return follow(s, err, errlen); /* the SVD and the gather, when rank 0 gets there */
}

/* 1 when every rank runs the same command cmd; else 0, said by rank 0. */
static int same_command(const share_state *s, const char *cmd) {
    /* every rank runs the same command, or none runs: a rank in `index`'s
     * collectives would wait forever for one that ran another (and MPI
     * would abort `serve` with no word of why). min of (h, ~h) over the
     * ranks: min h and ~max h, equal to this rank's when all agree */
    uint64_t ch = ty_fnv1a(cmd, strlen(cmd) + 1), mine[2] = {ch, ~ch}, all[2];
    MPI_Request cr;
    if (MPI_Iallreduce(mine, all, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD, &cr) != MPI_SUCCESS ||
        ty_mpicomm_wait(&cr, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    if (all[0] != ch || all[1] != ~ch) {
        if (s->rank == 0)
            fprintf(stderr, "tenyo-mpi: the processes run different commands (process 0: '%s'); "
                            "every process of the job must run the same one\n", cmd);
        return 0;
    }
    return 1;
}

/* Rank 0 of a shared index: what the other ranks sent it, before and after
 * the SVD. */
static void report_received(const share_state *s) {
    /* what the other ranks tokenized, as process 0 received it */
    fprintf(stderr, "tenyo-mpi: %d processes, chunks of %u lines; received %llu chunks "
                    "(%.2f MB of metadata and merge input):", s->size, tm_chunk_size(),
            (unsigned long long)s->chunks, (double)s->bytes / 1e6);
    for (int r = 1; r < s->size && s->from; r++)
        fprintf(stderr, " %llu from rank %d%s", (unsigned long long)s->from[r], r,
                r + 1 < s->size ? "," : "");
    fprintf(stderr, "; SVD rows shared in blocks of %d, rank 0 put %.2f MB into %llu "
                    "reductions\n", TY_SVD_BLOCK, (double)s->svd_bytes / 1e6,
            (unsigned long long)s->svd_calls);
    fprintf(stderr, "tenyo-mpi: rank 0 received after the SVD %.2f MB: IVF sample vectors "
                    "%.2f MB, k-means assignments %.2f MB, list assignments %.2f MB, field "
                    "model rows %.2f MB, rows and vectors for the file %.2f MB\n",
            (double)(s->got[0] + s->got[1] + s->got[2] + s->got[3] + s->got[4]) / 1e6,
            (double)s->got[POST_VECS] / 1e6, (double)s->got[POST_KASG] / 1e6,
            (double)s->got[POST_ASG] / 1e6, (double)s->got[POST_ROWS] / 1e6,
            (double)s->got[POST_FILE] / 1e6);
}

/* Every rank's counts gathered to rank 0 and said there, one line per
 * write: the reading, the shard files, the k-means, the peak memory
 * (hwms: rank 0's gather of them, NULL elsewhere). */
static void report_ranks(share_state *s, const double *hwms) {
    /* the index files each rank wrote (a sharded index: its shards), the
     * k-means sample rows it assigned and their distance evaluations, and
     * its second read of the inputs (ms) */
    tm_ks_drop(s);
    MPI_Request gr;
    enum { W = 8 };
    uint64_t wr[W] = {s->wrote_files, s->wrote_bytes, s->ks_rows, s->ks_evals,
                      (uint64_t)(s->reread_s * 1000 + 0.5), s->taken,
                      (uint64_t)(s->read_s * 1000 + 0.5),
                      (uint64_t)(s->send_wait * 1000 + 0.5)};
    uint64_t *wrs = s->rank == 0 ? calloc(W * (size_t)s->size, sizeof *wrs) : NULL;
    if (MPI_Igather(wr, W, MPI_UINT64_T, wrs, W, MPI_UINT64_T, 0, MPI_COMM_WORLD, &gr) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&gr, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    /* each line one write (stderr is unbuffered): mpirun --tag-output
     * tags what arrives, and a line in pieces would be tagged in pieces */
    char *line = NULL;
    size_t ll = 0;
    FILE *ms = s->rank == 0 && cli_index_dist ? open_memstream(&line, &ll) : NULL;
    if (ms && wrs && s->size > 1) {
        /* each rank's share of the reading: the records its reader handed
         * out (its own; the others' lines skipped), its seconds in the
         * reader (the inputs' time less the builder's) and those it waited
         * for rank 0 to take its chunks (INFLIGHT) */
        fprintf(ms, "tenyo-mpi: records parsed per rank (seconds reading, seconds waiting "
                    "for rank 0 to take them):");
        for (int r = 0; r < s->size; r++)
            fprintf(ms, " %d: %llu (%.2f, %.2f)%s", r, (unsigned long long)wrs[W * r + 5],
                    (double)wrs[W * r + 6] / 1e3, (double)wrs[W * r + 7] / 1e3,
                    r + 1 < s->size ? "," : "\n");
        /* rank 0's merge of the others' records: serial, so at scale the
         * rate every other rank's share must be taken at */
        fprintf(ms, "tenyo-mpi: rank 0 merged %llu records of the other ranks in %.2f s "
                    "of CPU (%.1f us a record), waiting %.2f s for their chunks\n",
                (unsigned long long)s->took, s->took_merge,
                s->took ? 1e6 * s->took_merge / (double)s->took : 0.0, s->took_wait);
    }
    if (ms && wrs && s->wrote_files) {
        fprintf(ms, "tenyo-mpi: shard files written per rank (the manifest by rank 0 "
                    "last; %.2f MB of pieces sent for %llu documents, %.2f MB of them record "
                    "numbers):", (double)s->shard_sent / 1e6, (unsigned long long)s->shard_docs,
                (double)s->shard_recs / 1e6);
        for (int r = 0; r < s->size; r++)
            fprintf(ms, " %d: %llu files, %.2f MB%s", r, (unsigned long long)wrs[W * r],
                    (double)wrs[W * r + 1] / 1e6, r + 1 < s->size ? "," : "\n");
        fprintf(ms, "tenyo-mpi: inputs read again by the shards' writers for their "
                    "documents' metadata, seconds per rank:");
        for (int r = 0; r < s->size; r++)
            fprintf(ms, " %d: %.2f%s", r, (double)wrs[W * r + 4] / 1e3,
                    r + 1 < s->size ? "," : "\n");
    }
    if (ms && wrs && s->ks_steps) {
        /* the IVF's k-means: what each rank assigned, what moved, rank 0's time */
        fprintf(ms, "tenyo-mpi: k-means assignments per rank (%llu iterations, %u lists; "
                    "sample rows, distance evaluations):",
                (unsigned long long)s->ks_steps, s->ks_nlist);
        for (int r = 0; r < s->size; r++)
            fprintf(ms, " %d: %llu, %llu%s", r, (unsigned long long)wrs[W * r + 2],
                    (unsigned long long)wrs[W * r + 3], r + 1 < s->size ? "," : "");
        fprintf(ms, "; per iteration %.4f MB of centroids to each other rank, %.4f MB of "
                    "assignments back; rank 0 %.3f s in the k-means (%.3f s CPU; %.3f s "
                    "assigning its rows, %.3f s waiting for the others')\n",
                (double)s->ks_bcast / (double)s->ks_steps / 1e6,
                (double)s->got[POST_KASG] / (double)s->ks_steps / 1e6, s->ks_wall, s->ks_cpu,
                s->ks_own, s->ks_wait);
    }
    free(wrs);
    if (ms && hwms) {
        fprintf(ms, "tenyo-mpi: peak memory (VmHWM) per rank:");
        for (int r = 0; r < s->size; r++)
            fprintf(ms, " %d: %.1f MiB%s", r, hwms[r], r + 1 < s->size ? "," : "\n");
    }
    if (ms && fclose(ms) == 0 && line) {
        for (char *a = line, *z; *a; a = z + 1) { /* line by line */
            z = strchr(a, '\n');
            if (!z) z = a + strlen(a) - 1;
            fwrite(a, 1, (size_t)(z - a) + 1, stderr);
        }
    }
    free(line);
    fflush(stderr);
}

int main(int argc, char **argv) {
    int provided = 0;
    const char *cmd = argc > 1 ? argv[1] : "";
    int serve = !strcmp(cmd, "serve");
    /* serve: MPI from the server's threads, one at a time */
    MPI_Init_thread(&argc, &argv, serve ? MPI_THREAD_SERIALIZED : MPI_THREAD_FUNNELED,
                    &provided);
    share_state s = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s.size);
    for (int i = 0; i < argc; i++) /* same_inputs: every rank's must be the same */
        s.argv_print = (s.argv_print * 1099511628211ull) ^ ty_fnv1a(argv[i], strlen(argv[i]) + 1);
    cmd = argc > 1 ? argv[1] : "";
    if (!same_command(&s, cmd)) {
        MPI_Finalize();
        return 2;
    }
    if (serve) {
        if (provided < MPI_THREAD_SERIALIZED) {
            if (s.rank == 0)
                fprintf(stderr, "tenyo-mpi: serve needs MPI_THREAD_SERIALIZED; this MPI "
                                "provides level %d\n", provided);
            MPI_Finalize();
            return 69;
        }
        int ec = ty_mpi_serve(s.rank, s.size, argc, argv);
        MPI_Request r;
        if (MPI_Ibarrier(MPI_COMM_WORLD, &r) == MPI_SUCCESS) ty_mpicomm_wait(&r, POLL_NS);
        MPI_Finalize();
        return ec;
    }
    cli_dist dist = {.rank = s.rank, .size = s.size, .setup = setup, .flush = flush,
                     .inputs = tm_set_inputs, .sink = s.size > 1 ? tm_read_sink : NULL, .ud = &s};
    if (!strcmp(cmd, "index")) {
        cli_index_dist = &dist;
    } else if (strcmp(cmd, "help") && strcmp(cmd, "--help") && strcmp(cmd, "-h") &&
               strcmp(cmd, "version") && strcmp(cmd, "--version")) {
        if (s.rank == 0)
            fprintf(stderr, "tenyo-mpi: %s%s: tenyo-mpi runs `index` (mpirun -np P tenyo-mpi "
                            "index ... -o INDEX) and `serve` (mpirun -np P tenyo-mpi serve "
                            "... INDEX); other queries: tenyo\n",
                    *cmd ? "unknown or unshared command " : "no command", cmd);
        MPI_Finalize();
        return 64;
    }
    if (s.rank == 0) s.from = calloc((size_t)s.size, sizeof *s.from);
    int ec = s.rank == 0 || cli_index_dist ? cli_main(argc, argv) : 0;
    fflush(stdout);
    fflush(stderr);
    if (ec) MPI_Abort(MPI_COMM_WORLD, ec); /* ends every rank: no half job */
    if (s.rank == 0 && cli_index_dist) { /* the others follow until this */
        int64_t h[HEAD_N] = {JOB_DONE};
        if (tm_bcast_wait(h, HEAD_N)) MPI_Abort(MPI_COMM_WORLD, 70);
    }
    /* every rank's peak resident memory, to rank 0 */
    /* the CLI's peak (getrusage's maxrss: the kernel's VmHWM) */
    double hwm = cli_peak_mib(), *hwms = s.rank == 0 ? calloc((size_t)s.size, sizeof *hwms) : NULL;
    MPI_Request gr;
    if (MPI_Igather(&hwm, 1, MPI_DOUBLE, hwms, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD, &gr) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&gr, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    if (s.rank == 0 && cli_index_dist && s.size > 1) report_received(&s);
    report_ranks(&s, hwms);
    free(hwms);
    /* wait for the others without spinning */
    MPI_Request r;
    if (MPI_Ibarrier(MPI_COMM_WORLD, &r) == MPI_SUCCESS) ty_mpicomm_wait(&r, POLL_NS);
    free(s.sends);
    free(s.from);
    free(s.fcnt);
    ty_csr_free(&s.rows);
    free(s.tf);
    free(s.vecs);
    MPI_Finalize();
    return 0;
}
