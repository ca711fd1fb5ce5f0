/*
 * index_mpi.h — what the files of `tenyo-mpi index` share: each rank's
 * state for the builder's callbacks (share_state), the job headers rank 0
 * broadcasts to the others (JOB_*) and the message tags. tenyo_mpi.c holds
 * the chunk exchange, the weighting, the followers' loop and main;
 * mpi_after.c the SVD and what follows it (vectors, the IVF's k-means and
 * lists, the gather for the file); mpi_msg.c the message helpers; mpi_shards.c the sharded output; mpi_read.c
 * each rank's reading of its share of the inputs.
 */
#ifndef TENYO_MPI_INDEX_MPI_H
#define TENYO_MPI_INDEX_MPI_H

#include "api/api.h"
#include "cli/cli.h"

#include <mpi.h>
#include <stdint.h>

#define TAG_CHUNK 11
/* A record's position: its input's index << LINE_BITS | the line it starts
 * at (read_add; the live records' numbers a shard's writer reads again). */
#define LINE_BITS 40
#define DEFAULT_CHUNK 256
#define POLL_NS (200 * 1000)
#define PIECE ((size_t)1 << 30) /* bytes per message of a large array */

/* A send in flight: the request and the buffer it owns. */
typedef struct pending {
    MPI_Request req;      /* MPI_Isend's request */
    void *buf;            /* the chunk, freed when the send completes */
    size_t n;             /* its bytes */
} pending;

/* Bytes of chunks a rank may have sent that rank 0 has not taken yet; past
 * it the rank waits (put_chunk) until half is taken, so a rank that reads
 * and tokenizes faster than rank 0 merges holds a bounded backlog, not its
 * whole share. TENYO_MPI_INFLIGHT (bytes) sets it (the tests: 1, every
 * chunk waited for). */
#define INFLIGHT ((size_t)256 << 20)

/* This rank's state for the builder's callbacks. */
typedef struct share_state {
    int rank, size;       /* MPI_COMM_WORLD */
    uint64_t argv_print;  /* FNV-1a of the command line (same_inputs) */
    pending *sends;       /* rank != 0: sends not known complete */
    size_t nsends, cap;   /* used / allocated */
    size_t inflight;      /* their bytes */
    size_t inflight_max;  /* INFLIGHT or TENYO_MPI_INFLIGHT */
    double send_wait;     /* seconds waiting for rank 0 to take them
                             (INFLIGHT reached) */
    uint64_t bytes;       /* bytes sent (rank != 0) or received (rank 0) */
    uint64_t chunks;      /* chunks sent or received */
    uint64_t *from;       /* rank 0: chunks received from each rank */
    uint64_t svd_bytes;   /* bytes this rank put into the SVD's reductions */
    uint64_t svd_calls;   /* and how many reductions */
    ty_csr rows;          /* rank != 0: its block of TF-IDF rows */
    uint32_t *tf;         /* their counts */
    uint64_t row0;        /* the block's first document */
    float *vecs;          /* rank != 0, after the SVD: its rows' vectors */
    uint32_t k;           /* floats a vector (0: none) */
    uint64_t got[5];      /* rank 0: bytes received after the SVD: the
                             IVF's sample vectors, its list assignments,
                             the field model's rows, the file's rows and
                             vectors, the k-means sample assignments
                             (POST_*) */
    float *ksmp;          /* rank != 0, after a JOB_VECS: its block's
                             listed vectors (the IVF's sample rows), kept
                             for the k-means steps (JOB_KSTEP) that follow;
                             vecs itself when the list was every document */
    int ks_have;          /* ksmp (and the ks_ fields) describe a list */
    int ks_owned;         /* ksmp is a copy of its own (free it) */
    uint64_t ks_n;        /* rows of ksmp */
    int64_t ks_list;      /* entries of the list it came from (-1: every
                             document) */
    uint64_t ks_nrows;    /* documents, then */
    uint64_t ks_steps;    /* k-means steps this rank took part in */
    uint64_t ks_rows;     /* sample rows it assigned over them (times nlist:
                             its distance evaluations) */
    uint64_t ks_evals;    /* those distance evaluations (rows x nlist) */
    uint64_t ks_bcast;    /* rank 0: bytes of centroids broadcast by the
                             k-means steps (each to every other rank) */
    uint32_t ks_nlist;    /* rank 0: lists of the last k-means step */
    double ks_t0, ks_c0;  /* rank 0: wall and CPU clock when the sample had
                             been gathered (0: not in a k-means) */
    double ks_wall, ks_cpu; /* rank 0: seconds from the sample gathered to
                             the final centroids (JOB_ASSIGN) */
    double ks_own;        /* rank 0: of them, assigning its own sample rows */
    double ks_wait;       /* and waiting for the others' assignments */
    uint64_t wrote_bytes; /* bytes of the index files this rank wrote */
    uint32_t wrote_files; /* and how many */
    uint64_t shard_sent;  /* rank 0: bytes of shard pieces sent to others */
    uint64_t shard_docs;  /* rank 0: the documents of those shards */
    uint64_t shard_recs;  /* rank 0: of the bytes, their record numbers' */
    char **files;         /* the inputs (cli_dist.inputs), read again by a
                             shard's writer for its documents' metadata */
    int nfiles;           /* how many */
    tenyo_read_opts ro;   /* how they are read */
    double reread_s;      /* seconds this rank spent reading them again */
    /* reading, each rank its own share ("Reading"): */
    tenyo_builder *b;     /* the build (setup) */
    uint32_t lines;       /* lines (XML: records) a chunk */
    int file;             /* the input being read (read_begin) */
    tenyo_reader *rd;     /* its reader */
    uint64_t base;        /* its first chunk's number */
    long last;            /* the last line a record of it starts at, of
                             those seen so far (-1: none) */
    uint64_t next;        /* rank != 0: its next chunk not yet ended;
                             rank 0: the first chunk not yet taken or
                             passed */
    uint64_t *fcnt;       /* rank 0: per rank, its counts of this input's
                             records (good, skipped, empty; 3 each) */
    uint64_t taken;       /* records this rank was given by its reader */
    uint64_t took;        /* rank 0: the other ranks' records it merged */
    double took_wait;     /* and the seconds it waited for their chunks */
    double took_merge;    /* and its CPU seconds merging them */
    double read_s;        /* seconds in its reader (each input's time less
                             the time in the builder, read_add, read_end) */
    double file_t0;       /* when the input being read was opened */
    char rerr[256];       /* a failed hook's message */
} share_state;

/* Rank 0 tells the others what comes next with one broadcast header. */
enum { JOB_DONE = 0, JOB_LSA = 1, JOB_GATHER = 2, JOB_SHARDS = 3, JOB_VECS = 4, JOB_PICK = 5,
       JOB_ASSIGN = 6, JOB_NNZ = 7, JOB_KSTEP = 8 };
enum { POST_VECS, POST_ASG, POST_ROWS, POST_FILE, POST_KASG };
#define HEAD_N 8
#define TAG_ROWS 12
#define TAG_VECS 13
#define TAG_ASG 17
#define TAG_KASG 19

/* Rank 0 (ty_builder_share.assign): the centroids to every rank, which
 * assigns its block's vectors; the assignments back, in place. */
int tm_assign_root(void *ud, const ty_ivf *v, const float *own, uint64_t own_rows,
                       uint64_t nrows, int threads, uint32_t *asg, char *err, size_t errlen);
/* Ranks other than 0, JOB_ASSIGN: its vectors' lists, to rank 0. */
int tm_follow_assign(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Ranks other than 0, JOB_GATHER: send rank 0 its block of rows (lengths
 * first, then columns, weights, counts) and its vectors, and give them
 * back. */
int tm_follow_gather(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Ranks other than 0, JOB_KSTEP: the centroids, then the nearest of them
 * for each sample row it kept (JOB_VECS), to rank 0. */
int tm_follow_kstep(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Ranks other than 0, JOB_LSA: factor its block with the others and keep
 * the document vectors of its rows. */
int tm_follow_lsa(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Ranks other than 0, JOB_PICK: the listed rows of its block, lengths
 * then columns then weights. */
int tm_follow_pick(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Ranks other than 0, JOB_VECS: send rank 0 the listed vectors of its
 * block, in list order. */
int tm_follow_vecs(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Rank 0 (ty_builder_share.gather), last: every rank's block of rows
 * after its own, in rank order (the blocks are contiguous): the rows'
 * lengths first, so that the entries are received in place; then the
 * vectors, in place. */
int tm_gather_root(void *ud, ty_csr *a, uint32_t **tf, float **docvec, uint32_t k,
                       uint64_t nrows, char *err, size_t errlen);
/* Give back the sample rows kept from a JOB_VECS (any job but a k-means
 * step ends the k-means). */
void tm_ks_drop(share_state *st);
/* Rank 0 (ty_builder_share.ksample), once a k-means iteration: the
 * centroids to every rank; each assigns the sample rows of its own block
 * (the others' kept from JOB_VECS, rank 0's own from smp, the first rows
 * of the sample: its block is the first) and sends the assignments, 4
 * bytes a row, received here in rank order into place (blocks contiguous,
 * the list ascending, as in vecs_root). */
int tm_ksample_root(void *ud, const float *smp, const uint64_t *docs, uint64_t n,
                        uint64_t nrows, uint32_t k, const float *cent, uint32_t nlist,
                        int threads, uint32_t *asg, char *err, size_t errlen);
/* Rank 0 (ty_builder_share.rows): the listed documents' rows (columns
 * and weights), each rank's lengths first, then its entries in place. */
int tm_pick_root(void *ud, const ty_csr *own, uint64_t nrows, const uint64_t *docs,
                     uint64_t n, ty_csr *out, char *err, size_t errlen);
/* Rank 0 (ty_builder_share.vecs): the listed documents' vectors, each
 * rank's in rank order (its block is contiguous and the list ascending,
 * so they land in place). */
int tm_vecs_root(void *ud, const float *own, uint64_t own_rows, uint64_t nrows, uint32_t k,
                     const uint64_t *docs, uint64_t n, float *out, char *err, size_t errlen);
uint32_t tm_chunk_size(void);
/* cli_dist.sink: the builder's sink made to read this rank's share. */
int tm_read_sink(void *ud, tenyo_builder *b, cli_sink *k);
/* cli_dist.inputs: the inputs checked alike on every rank (same_inputs),
 * and kept for a shard writer's second read (docs_read). */
void tm_set_inputs(void *ud, char **files, int nfiles, const tenyo_read_opts *ro);
/* Ranks other than 0, JOB_NNZ: its block's non-zeros, to the sum. */
int tm_follow_nnz(share_state *st, char *err, size_t errlen);
/* Ranks other than 0, JOB_SHARDS: post its block's part of every shard
 * to the shard's writer (rows_post), then receive its shards' pieces
 * from rank 0 (i with i % P == rank, in order; with h[5] each followed by
 * its documents' live record numbers), read the inputs again for those
 * documents' metadata (write_mine), write and report each, with the rows
 * pieces of the ranks that hold its documents; its rows and vectors are
 * given back at the end. */
int tm_follow_shards(share_state *st, const int64_t *h, char *err, size_t errlen);
/* Rank 0 (ty_builder_share.nnz): every rank's non-zeros summed here
 * (integers: exact), for the shared part's build section. */
int tm_nnz_root(void *ud, uint64_t own, uint64_t *all, char *err, size_t errlen);
/* Rank 0 (ty_builder_share.shards): shard i is written by rank i % P.
 * Every rank first posts its block's part of each shard to the shard's
 * writer (rows_post: rank to rank, none through here); then every other
 * rank's pieces are sent (each rank compresses and writes while this one
 * goes on): with recs (docs_elsewhere), each the per-document pieces
 * made here (docflags, docfields, phrase.docs: a few bytes a document,
 * no text) and the shard's documents' live record numbers (8 bytes a
 * document), from which the writer makes their docmeta and abstracts'
 * text itself (write_mine); then this rank writes its own, then takes
 * the reports in shard order (each rank sends its own in order) and
 * checks each file (ty_shards_done). */
int tm_shards_root(void *ud, ty_shards_out *o, uint32_t n, uint64_t nrows,
                       ty_csr *own, uint32_t **own_tf, float **own_vecs,
                       uint32_t k, int f16, const uint64_t *recs, int has_abs, char *err,
                       size_t errlen);
/* A broadcast from rank 0 of n int64, waited for without spinning. */
int tm_bcast_wait(int64_t *h, int n);
/* This rank's part of the SVD over its rows `mine` (global rows
 * [r0, r0 + mine->nrows) of nrows): s, v of the whole, docvec of its rows. */
int tm_lsa_part(share_state *st, const ty_csr *mine, uint64_t r0, uint64_t nrows,
                    const ty_svd_opts *o, float *s, float *v, float *dv, char *err,
                    size_t errlen);
void tm_nap(void);
int tm_recv_big(void *p, size_t n, int peer, int tag);
/* n bytes to / from rank `peer` in messages of at most PIECE bytes,
 * each waited for without spinning. */
int tm_send_big(const void *p, size_t n, int peer, int tag);

/* Rank 0 (ty_builder_share.lsa): every rank factors its block of rows
 * (each already holds it, from the weighting) and keeps its block's
 * document vectors. */
int tm_lsa_root(void *ud, const ty_csr *a, uint64_t nrows, const ty_svd_opts *o,
                float *s, float *v, float *docvec, char *err, size_t errlen);

#endif
