/*
 * tenyo_mpi.c — tenyo-mpi, the tenyo command line over Open MPI ranks:
 *
 *   mpirun -np P tenyo-mpi index [the options of tenyo index] FILE... -o INDEX
 *   mpirun -np P tenyo-mpi serve [the options of tenyo serve] INDEX
 *
 * `serve` is src/mpi/serve.c (its opening comment is its design): the
 * server of `tenyo serve` on rank 0, every rank scanning its shards of
 * each query, the answers the bytes of `tenyo serve`'s. What follows is
 * `index`.
 *
 * What is shared, and how. Tokenizing is two thirds of a build (MeCab), so
 * that is what the ranks share first, and each rank reads and parses only
 * its own records. Every rank opens the same inputs with the same reader;
 * records are dealt by the line they start at (XML: their record number):
 * the record at line l of input i lies in chunk base(i) + l / CHUNK, and
 * chunk c belongs to rank c % P (round-robin chunks of lines, so shares
 * stay even whatever the corpus and no counting pass is needed; base(i)
 * is the number of chunks of the inputs before i, which every rank knows
 * at the end of each, below). Each rank's reader takes only the records of
 * its chunks (ty_reader_select, io.h; "Reading" below): the JSONL lines of
 * other ranks' records are not even parsed (finding their '\n' is the
 * cost, ~1.3 us a record against ~60-77 us parsed, bench/README.md
 * "Reading a share of a file that every process reads"; CSV and XML
 * records are parsed and dropped, as those formats need the parse to find
 * a record's end), and a bad record is reported, counted and (--strict)
 * fatal on its own rank only. A record's position, input << 40 | line,
 * is its number everywhere after (increasing in reading order, the same
 * on every rank whatever P). A rank other than 0 tokenizes its records
 * with its threads, interns their terms into a vocabulary of its own,
 * keeps each record's distinct (local term id, count) pairs itself, and
 * sends every chunk of its own, in order, to rank 0 (MPI_Isend, point to
 * point; an empty chunk too, a 40-byte head) with what rank 0 needs of
 * each record in record order: its metadata (id, the metadata block
 * rank 0 keeps: with --shards only the field subclasses, below "Sharded
 * output"; unsharded the whole block and the abstract as kept), the terms
 * the record added to the rank's vocabulary (so each term string travels
 * once per rank), its number of distinct terms, its surface votes by
 * local ids and its phrases (api/builder.c, "shared tokenizing", has the
 * layout). Rank 0 reads and tokenizes its own records, and before its own
 * next record of a later chunk (and at the end of each input) takes the
 * other ranks' chunks before it in chunk order (MPI_Recv by source: MPI
 * keeps the order of messages between two ranks; ty_builder_share_take
 * merges what it has pending of its own first): the records' ids take
 * their documents' places (a repeated id replaces the earlier record
 * wherever either was read), their new terms are interned (so each rank's
 * local ids map to its own), votes and phrases replayed exactly as the
 * single-process builder does with what it tokenized itself. Each chunk's
 * head carries its rank's counts of the input's good, skipped and empty
 * records, so rank 0's summary and charset warnings count every rank's.
 *
 * The weighting, every rank at once (builder.c, "weight"; the collectives
 * are ty_builder_share's callbacks here): rank 0 broadcasts the number of
 * raw terms and documents and sends each rank (one all-to-all) its local
 * -> global term map and, per record of its, the document it is the live
 * version of or none (a repeated id replaced it: rank 0 alone sees every
 * id). Each rank counts the document frequencies of its live records and
 * an MPI_Iallreduce sums them (integers: exact in any order); every rank
 * then makes the same kept terms and idf with the builder's one code,
 * weighs its live records' rows (TF-IDF, max_terms) and a second
 * all-to-all moves each row to the rank whose SVD block holds its document
 * (ty_svd_share: whole blocks of TY_SVD_BLOCK rows; a rank may get none).
 * The SVD then runs on those blocks as they are (svd.c's row-split
 * randomized SVD, reductions over MPI in src/mpi/mpicomm.c, fixed-block
 * int64 sums) and each rank computes its rows' document vectors and keeps
 * them with its rows (below, "After the SVD"). The index is the same
 * bytes as `tenyo index` writes for any P, any CHUNK, uneven shares, ranks
 * with no records or no rows, and repeated ids across ranks and blocks
 * (tests/mpi.sh compares them with cmp).
 *
 * Why local ids replayed on rank 0, and not per-rank vocabularies, votes
 * and phrases merged at the end: the index depends on more than counts —
 * term ids in first-occurrence order, the surface-word majority vote (a
 * Boyer-Moore vote in document order, which has no exact merge of
 * partial states), phrases numbered by first use, repeated ids replacing
 * earlier records (whose replaced versions still count for first
 * occurrence and the vote). Replaying each record's new terms, votes and
 * phrases through the one merge, in record order, keeps every one of them
 * exact by construction whatever the chunking: a term new to the build at
 * a record is new to the rank that tokenized it, and a record's locally
 * new terms come in the order the term stream would have interned them.
 * Only the (term, count) pairs, which need no order, stay on their ranks:
 * document frequencies are sums, and a row's entries are sorted by global
 * id once mapped. The messages to rank 0 are the new term strings and a
 * few bytes a surface vote. Rejected for now: contiguous record ranges
 * per rank with vocabulary, df and a vote chain merged rank by rank at the
 * end (needs a counting pass over the input first), and a count-based
 * surface vote (changes `tenyo index`'s bytes where no word has a
 * majority).
 *
 * After the SVD. Every rank holds its SVD block's TF-IDF rows (with their
 * counts) and their document vectors; rank 0 holds every document's
 * fields and phrases, and unsharded its metadata and abstract. What needs
 * more than one
 * rank's rows fetches only what it reads (the builder drives it,
 * api/builder.c "after the SVD"; the moves are ty_builder_share's vecs,
 * rows and assign callbacks here, each a broadcast header, the list, then
 * point to point to rank 0 in rank order, landing in place because blocks
 * are contiguous and lists ascending):
 *   - the IVF (--ivf; search/ivf.c built in steps): rank 0 draws the
 *     k-means sample (ty_ivf_plan_new: min(n, 64 nlist) rows, ascending)
 *     and gathers those vectors (JOB_VECS: 8 bytes a listed document
 *     broadcast, 4 x k bytes a sampled vector back); every other rank
 *     keeps its sample rows (ksmp). Then k-means (ty_ivf_train_with),
 *     whose assignment step, the expensive part (sample x nlist x k x 2
 *     flops an iteration), runs where the rows are: each iteration rank 0
 *     broadcasts the centroids (JOB_KSTEP: nlist x k floats), every rank
 *     assigns the sample rows of its own block (ty_ivf_assign; rank 0 its
 *     own from the gathered sample, the first rows of it: its block is
 *     the first) and sends 4 bytes a sample row, received in rank order
 *     into place (blocks contiguous, the list ascending, as JOB_VECS);
 *     rank 0 does the update over the sample it gathered (sums in sample
 *     order in double, empty lists split with the seeded generator), as
 *     one process does. Then the final centroids go to every rank, which
 *     assigns its own vectors (JOB_ASSIGN: per row, so any split gives
 *     the same lists) and sends 4 bytes a document; rank 0 makes the
 *     lists (ty_ivf_lists). The IVF's codes are not part of the file, so
 *     no rank computes them here;
 *   - the field model (model/linear.c) trains on every s-th document
 *     (FM_MAX_DOCS = 40,000 at most): rank 0 gathers those rows only
 *     (JOB_PICK: 8 bytes a listed document, then lengths, columns and
 *     weights, 16 bytes a row plus 8 a non-zero) and trains on them
 *     (ty_fieldmodel_train_rows): the same model;
 *   - the file: a single-file index is written by one process, so rank
 *     0 then gathers every row with its counts and every vector
 *     (JOB_GATHER, ~12 bytes a non-zero plus 4 x k bytes a document) after
 *     the IVF and the field model, with the SVD's memory given back. A
 *     sharded one (--shards N) is not gathered: the ranks' non-zeros are
 *     summed (JOB_NNZ, 8 bytes a rank) for the shared part, and each
 *     shard's rows and vectors go from the ranks that hold them to the
 *     shard's writer (below, "Sharded output").
 * Every result stays P-independent by construction: the sample and the
 * training rows are chosen from n and the seed alone, the k-means update
 * and the field model run on rank 0 over rows in document order, and an
 * assignment (of a sample row in k-means, of a document after it) is a
 * per-row argmax (ties to the lower list), the same bits on any rank for
 * any split, thread count or blocking. At 100M the sample is 2.56M
 * vectors and 40,000 lists, ~5e13 flops an iteration, 10 iterations:
 * spread over P ranks, each does its block's share of that, and an
 * iteration moves the centroids out (40,000 x 256 x 4 = 41 MB to each
 * rank) and 4 bytes a sample row back (10 MB in all), against the 2.6 GB
 * of sample vectors gathered once. The update left on rank 0 is
 * sample x k additions an iteration (1/nlist of the assignment's work)
 * and is why rank 0 still gathers the sample. It could move too: each
 * rank summing its sample rows per list and the sums reduced, but only
 * with fixed-point int64 sums like the SVD's (the double sums in sample
 * order are not associative), which changes the centroids' bits and so
 * the single-process index: not done (the sample's 2.6 GB at 100M is
 * gathered once, the update is cheap). Rejected: a per-iteration
 * all-gather of the assignments so that every rank updates (the same
 * update P times, and every rank would need the whole sample); the field
 * model trained per rank and merged (liblinear's dual solver has no exact
 * merge; 40,000 rows are small).
 * What rank 0 receives after the SVD (gen100k, P = 4, bench/README.md,
 * "rows and vectors stay on their ranks"): unsharded, the file's gather is
 * what the SVD's vector collection and the row gather were before (207.90
 * MB), plus the field model's rows (30.02 MB: every 3rd document at 100k;
 * 40,000 rows of ~150 non-zeros, ~50 MB, at 100M) and with --ivf the
 * sample's vectors (81% of them at 100k; 2.56M x 1 KiB = 2.6 GB of 100M)
 * and the assignments (4 bytes a document; with --ivf also 4 bytes a
 * sample row each k-means iteration, bench/README.md, "k-means
 * assignment on the ranks"). At 100M that gather is ~280
 * GB (15e9 non-zeros x 12 bytes + 100M x 1 KiB) against the ~3 GB the IVF
 * and the field model fetch. With --shards there is no gather: rank 0
 * receives, for the file, only the rows pieces of the shards it writes
 * that other ranks' blocks hold (gen100k, --shards 4, P = 4: 207.90 MB
 * before, 0.00 after, shard 0 lying in rank 0's block; bench/README.md,
 * "each shard's rows and vectors from where they are").
 *
 * Memory (VmHWM per rank, printed by rank 0 at the end of every index
 * job; measured in bench/README.md, "tenyo-mpi index: memory per rank").
 * Rank 0 holds every record's metadata and abstract (with --shards only
 * their ids, fields' subclasses and flags: "Sharded output"), the
 * vocabulary, the
 * votes and phrases, the pairs of its own records only, then its block of
 * rows for the SVD and its block's document vectors; after the SVD (its
 * blocks freed) it gathers the IVF's sample vectors and the field model's
 * rows, then, unsharded, the whole TF-IDF matrix with its counts and every
 * vector (~12 bytes a non-zero and 4 x k bytes a document: the file's
 * sections) and writes the file; sharded, it keeps its own block and
 * holds the raw per-document sections of the flags, fields and phrases
 * (not of the rows nor of the text: ty_shards_begin_meta) and, writing
 * its own shards, their documents' metadata read again and the rows
 * pieces. The other ranks hold their
 * chunks' text and tokenizer output while tokenizing, their vocabulary and
 * their records' pairs, then their block of rows and, in the SVD, its
 * per-rank blocks (svd.c: the terms side whole and its int64 reduction
 * block, which at 139k terms is most of a rank's peak), with --ivf
 * through k-means a copy of their block's sample rows (4 x k bytes a
 * row, after the SVD: below its peak; none when the sample is every
 * document, the vectors themselves then); sharded, at the
 * end, the encoded rows pieces of their block (sent, freed as the sends
 * complete) and those of the shards they write, with those shards'
 * documents' metadata (a 1/P share, read at the end). Every rank's peak,
 * rank 0's included, is in the SVD at 100k (gen100k at P = 4, VmRSS
 * sampled: rank 0 1,253 MiB there, ~800 MiB gathering and writing after
 * it); rank 0's excess over the others was what it alone held through
 * the SVD: every document's metadata and abstract, which with --shards
 * it no longer holds (bench/README.md, "no document text on rank 0").
 * So at 100k the end's gather
 * never set the peak and removing it does not lower VmHWM (gen100k,
 * --shards 4, P = 4, 2 cores, BLAS threads 1: 1272.7, 1137.1, 1127.4,
 * 1127.3 MiB before, 1272.5, 1136.5, 1127.0, 1128.0 after; rank 0's
 * bytes received after the SVD 237.92 MB before, 30.02 after, the field
 * model's rows alone; bench/README.md); at 100M it is what would (~280
 * GB on rank 0).
 *
 * Sharded output. With --shards N (the option of tenyo index) the index
 * is a sharded one (store/shards.c, layout in store/format.h): a manifest
 * at -o naming a shared part and N shard files of contiguous documents,
 * each the bytes `tenyo index --shards N` writes (tests/mpi.sh cmp's them
 * for P = 1..4, N = 1, 2, 3, 5, ranks holding no shard, shards of no
 * documents), which the plain tenyo opens directly (info, similar, ideas,
 * serve). Shard i (documents ty_shards_first: even cuts) is written by
 * rank i % P. Its bytes come from three places, each encoded by the
 * store's one section code:
 *   - the per-document sections numbered globally (docflags: open and
 *     the language the tokenizer found; docfields: ids in the field
 *     table; phrase.docs: phrase ids renumbered by first use among live
 *     documents), which rank 0 makes: it encodes the model without its
 *     rows, vectors and text (ty_shards_begin_meta with docs_elsewhere:
 *     neither read nor checked there; the build section's non-zeros are
 *     the sum over the ranks, JOB_NNZ), writes the shared part
 *     (vocabulary, idf, basis, fields, labels, field model, IVF) once,
 *     cuts each shard's raw pieces of those sections (ty_shards_piece:
 *     10-16 bytes a document measured) and sends them to the shard's
 *     rank with the live record position of each of its documents (8
 *     bytes a document: the live map, for its part only), a length then
 *     pieces of at most PIECE bytes, every other rank's shards before
 *     its own;
 *   - the documents' text (docmeta: id, title, applicant, date, codes,
 *     fields string; the abstracts' text), which no rank keeps through
 *     the build: the writer reads the inputs again (the same files and
 *     options, cli_dist.inputs), taking (parsing) only the records at
 *     the live positions of its shards' documents (docs_want: the
 *     other lines skipped as in the first read)
 *     (ty_builder_doc_meta: the builder's own make_meta and fields_of, so
 *     the strings are the one-process build's), cuts them per shard in
 *     document order (a repeated id's document takes its last record's
 *     text at the first record's place) and hands them to
 *     ty_shards_write_parts;
 *   - the rows and vectors (docvec.q8, tfidf.rows, tfidf.cols, tfidf.tf
 *     and with --f16 docvec.f16), which stay on the ranks whose SVD
 *     blocks hold them: each rank encodes its block's part of every shard
 *     (ty_shards_rows_piece: write.c's own section code over those rows;
 *     a document's bytes in each of them depend on its row and vector
 *     only, so the part is the whole file's cut) and posts it to the
 *     shard's writer at once (MPI_Isend, TAG_SHROWS, rank to rank: none
 *     passes through rank 0 unless rank 0 writes that shard), kept when
 *     it writes the shard itself.
 * The writer first takes every piece of its shards from rank 0, then
 * reads the inputs once for all of its shards' documents (write_mine),
 * then writes its shards in order, for each rank 0's piece, its text and
 * the rows pieces of the ranks whose blocks meet the shard, in rank order
 * (blocks are contiguous and ascending; a shard of no documents gets an
 * empty piece made there), and ty_shards_write_pieces joins the rows
 * pieces (part A of each, then part B: the read's assembly), puts the
 * sections in the file's order, compresses (zstd, through the store) and
 * writes the file (temporary file, fsync, rename), says so on stderr
 * ("tenyo-mpi: rank R wrote NAME (B bytes)"), and reports the file's size
 * and stored header checksum to rank 0, which checks each file against
 * its report as it sees it (ty_shards_done) and, once every shard is
 * reported, replaces the manifest, alone, last and atomically
 * (ty_shards_commit: the manifest pins every file by those two numbers).
 * No deadlock: every rows send is posted before any rank waits for
 * anything of the job, and every rank waits for its own sends
 * (rows_wait) only after taking all it is sent.
 * Why the rows move as encoded sections from the SVD block owners, and
 * not the shards re-assigned to the block owners or the rows moved by an
 * all-to-all first: the shards are even cuts of the documents (the files
 * of `tenyo index --shards N`, whatever P), the blocks are TY_SVD_BLOCK
 * rows (whatever N), so neither can follow the other; a shard meets at
 * most a few blocks, so each rank sends at most one message per shard
 * (N x P messages at most, most of them empty and not sent), and the
 * encoded sections are smaller than the raw rows (LEB128 columns and
 * counts, int8 codes: ~3 bytes a non-zero and k + 4 bytes a document
 * against ~12 and 4 k) and are encoded where the rows are, in parallel.
 * Rejected: an MPI_Alltoallv of raw rows to the writers, then encoding
 * (more bytes, and the encoder would need the whole shard's rows
 * assembled); a second encoder of the per-document sections in
 * src/mpi (two codes to keep bit-identical: the rows' sections are
 * encoded by write.c's put_rows for a whole file and for a part alike).
 * A rank killed at any point, before or after its shard file is in place,
 * ends the job before the manifest moves: the previous manifest and the
 * files it names stay, and the files no manifest names are collected by
 * the next writer (ty_shards_collect; tests/mpi.sh kills rank 1 held
 * after writing its shard by TENYO_MPI_SHARD_PAUSE, and rank 0 waiting
 * for its report). So the compression and the writes of the shards (the
 * abstracts' packing included) are spread over the ranks, rank 0 writes
 * the shared part and its own shards, and no rank writes or reads a
 * whole temporary file or holds every row.
 *
 * Why the text is read again by its writer, and not kept by every rank
 * from the first read or sent by the rank that tokenized it: the
 * document numbers (first occurrence of each id), which record of a
 * repeated id is live and so which documents a shard holds are known
 * only once every record is merged, on rank 0; keeping every record's
 * text on every rank until then would multiply the metadata by P, and
 * keeping each tokenizing rank's own records' text would leave most of a
 * shard's text on other ranks (records are dealt round-robin in chunks,
 * shards are contiguous documents), to be moved rank to rank as the rows
 * are: ~the whole text over the network once, against each writer
 * scanning the inputs once more and parsing its documents' records. What stays
 * on rank 0 per document is what the global decisions need: its id (the
 * id map: which record replaces which), its field subclasses (the field
 * table, the fields' counts and the field model's labels; kept as 4-byte
 * codes, not the code strings), its flags, its phrase ids (numbered by
 * first use) and its live record position. Rejected: the writers mapping
 * field and phrase ids themselves with tables rank 0 broadcasts (the
 * phrase renumbering needs every document's phrases in order, on rank 0
 * anyway; its ids are a few bytes a document, sent as the section's
 * cut); the live map broadcast whole (8 bytes a document to every rank
 * instead of each writer's part). Without --shards nothing changes: rank
 * 0 writes the one file and keeps every document's metadata and abstract
 * from the first read, as `tenyo index` does.
 *
 * Not shared yet (issue 20, left): rank 0's merge of the other ranks'
 * records is serial (record order fixes ids, votes and phrases) and
 * alternates with its own tokenizing: 5.8-7.1 us of CPU a record at
 * gen100k (printed by every run), ~9.5 minutes at 100M plus its own ~4.5
 * minutes of tokenizing, the longest part there; unsharded, the rows and vectors are
 * still gathered for the one file and rank 0 holds every document's
 * metadata; sharded, rank 0 still holds per document its id, field
 * subclasses, flags, phrase ids and record position (~170 bytes a
 * document with the builder's per-document record, by the structures'
 * sizes: ~17 GB at 100M), and per record of another rank its position and
 * document (16 bytes); the rows pieces are not checked on rank 0 (columns
 * < terms, finite values: each rank's rows were made by the same
 * weighting, and the reader checks every shard on open). Every rank still
 * scans every input (its share parsed, the rest skipped: ~1.3 us a JSONL
 * record, ~2 minutes at 100M), and each shard's writer scans it once more
 * up to its last document's live record, parsing only those records
 * (docs_want; docs_add stops the read there); so the inputs must be files
 * that read the same twice (they already must be readable by every rank:
 * no standard input, no pipe), and a file changed during the build is an
 * error naming the records not found. Splitting the inputs' bytes
 * instead (each rank seeking to its part) would save the scan but needs
 * record boundaries found from an arbitrary offset, which JSONL gives
 * and CSV (quoted newlines) and XML do not: not done.
 *
 * Waiting. Open MPI's blocking calls poll at full CPU; a rank waiting for
 * rank 0 would take a core from the ranks that tokenize (and count as
 * work). Every wait here is a test with a 200 us sleep between tries.
 *
 * Faults. MPI_ERRORS_ARE_FATAL stays on; a rank that fails calls
 * MPI_Abort, and mpirun ends the whole job when a rank dies (SIGKILL
 * included), exit status non-zero. Rank 0 writes the index only at the
 * end, through the store's temporary file and rename (a sharded one: the
 * manifest last, after every rank's report), so an ended job leaves the
 * previous index as it was.
 *
 * Same inputs. Chunks are dealt by line number, so every rank must read
 * the same bytes: a rank whose file of the same path holds other content
 * (another node's copy) would send other records under the same numbers,
 * and one whose file is shorter, or whose list of files or CHUNK differs,
 * waits for chunks that never come. So before reading, every rank takes a
 * fingerprint of what it was given (the file names, each file's size and
 * FNV-1a of its bytes, the reader options, CHUNK; standard input by name
 * only, and the whole command line: an option such as --min-df decides
 * what each rank keeps) and the ranks compare them (one all-gather of 56
 * bytes a rank):
 * any difference ends the job before anything is read or written, rank 0
 * naming the first rank that differs and how (same_inputs). The cost is
 * one more read of the inputs by each rank, from the page cache after the
 * first.
 *
 * CHUNK is TENYO_MPI_CHUNK (lines) from the environment when set (the
 * tests use small chunks so that the 200-record sample is shared), else
 * 256.
 * TENYO_MPI_SHARD_PAUSE=S (tests): a rank other than 0 waits S seconds
 * after writing each shard file, before reporting it.
 */
#include "api/api.h"
#include "cli/cli.h"
#include "mpi/mpicomm.h"
#include "mpi/serve.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

static void nap(void) {
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

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
        nap();
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
        nap();
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

/* ============================================================ the SVD */

/* Rank 0 tells the others what comes next with one broadcast header. */
enum { JOB_DONE = 0, JOB_LSA = 1, JOB_GATHER = 2, JOB_SHARDS = 3, JOB_VECS = 4, JOB_PICK = 5,
       JOB_ASSIGN = 6, JOB_NNZ = 7, JOB_KSTEP = 8 };
enum { POST_VECS, POST_ASG, POST_ROWS, POST_FILE, POST_KASG };
#define HEAD_N 8
#define TAG_ROWS 12
#define TAG_VECS 13
#define TAG_ASG 17
#define TAG_KASG 19

/* A broadcast from rank 0 of n int64, waited for without spinning. */
static int bcast_wait(int64_t *h, int n) {
    MPI_Request r;
    if (MPI_Ibcast(h, n, MPI_INT64_T, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS)
        return TENYO_ERR_DEPENDENCY;
    return ty_mpicomm_wait(&r, POLL_NS);
}

/* n bytes to / from rank `peer` in messages of at most PIECE bytes,
 * each waited for without spinning. */
static int send_big(const void *p, size_t n, int peer, int tag) {
    for (size_t o = 0; o < n || o == 0; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Isend((const char *)p + o, (int)k, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &r) !=
                MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
        if (n == 0) break;
    }
    return TENYO_OK;
}

static int recv_big(void *p, size_t n, int peer, int tag) {
    for (size_t o = 0; o < n || o == 0; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Irecv((char *)p + o, (int)k, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &r) !=
                MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
        if (n == 0) break;
    }
    return TENYO_OK;
}

/* This rank's part of the SVD over its rows `mine` (global rows
 * [r0, r0 + mine->nrows) of nrows): s, v of the whole, docvec of its rows. */
static int lsa_part(share_state *st, const ty_csr *mine, uint64_t r0, uint64_t nrows,
                    const ty_svd_opts *o, float *s, float *v, float *dv, char *err,
                    size_t errlen) {
    ty_mpicomm mc = {.comm = MPI_COMM_WORLD};
    ty_svd_comm sc;
    ty_mpicomm_svd(&mc, &sc, r0, nrows);
    ty_svd_opts so = *o;
    so.block = TY_SVD_BLOCK;
    so.comm = &sc;
    if (st->rank != 0) so.progress = NULL;
    int rc = ty_svd_randomized(mine, &so, NULL, s, v, err, errlen);
    if (!rc && mine->nrows) ty_builder_docvecs(mine, v, (uint64_t)o->rank, dv, o->threads);
    st->svd_bytes += mc.bytes;
    st->svd_calls += mc.calls;
    return rc;
}

/* Rank 0 (ty_builder_share.lsa): every rank factors its block of rows
 * (each already holds it, from the weighting) and keeps its block's
 * document vectors. */
static int lsa_root(void *ud, const ty_csr *a, uint64_t nrows, const ty_svd_opts *o,
                    float *s, float *v, float *docvec, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_LSA, (int64_t)nrows, (int64_t)a->ncols, o->rank, o->oversample,
                         o->power_iters, (int64_t)o->seed, o->threads};
    if (bcast_wait(h, HEAD_N)) {
        ty_seterr(err, errlen, "message passing failed sharing the SVD");
        return TENYO_ERR_DEPENDENCY;
    }
    return lsa_part(st, a, 0, nrows, o, s, v, docvec, err, errlen);
}

/* ============================================================ after the SVD */

/* n bytes at p from rank 0 to every rank, in pieces, without spinning. */
static int bcast_big(void *p, size_t n) {
    for (size_t o = 0; o < n; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Ibcast((char *)p + o, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* The first of d[0..n) (ascending) that is >= x, or n. */
static uint64_t lbound(const uint64_t *d, uint64_t n, uint64_t x) {
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (d[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Entries [*i0, *i1) of the list d[0..n) (NULL: every document) that fall
 * in rank r's block [*r0, *r1) of nrows documents. */
static void list_share(const uint64_t *d, uint64_t n, uint64_t nrows, int r, int P,
                       uint64_t *r0, uint64_t *r1, uint64_t *i0, uint64_t *i1) {
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, P, r0, r1);
    *i0 = d ? lbound(d, n, *r0) : *r0;
    *i1 = d ? lbound(d, n, *r1) : *r1;
}

/* Rank 0 and the others: the list of a JOB_VECS or JOB_PICK (h[2]
 * entries, -1: none, every document), broadcast; *d NULL for none. */
static int bcast_list(const int64_t *h, uint64_t **d, char *err, size_t errlen) {
    *d = NULL;
    if (h[2] < 0) return TENYO_OK;
    uint64_t n = (uint64_t)h[2];
    *d = malloc(n ? n * sizeof **d : 1);
    if (!*d) {
        ty_seterr(err, errlen, "out of memory for a list of %llu documents",
                  (unsigned long long)n);
        return TENYO_ERR_NOMEM;
    }
    if (bcast_big(*d, n * sizeof **d)) {
        free(*d);
        *d = NULL;
        ty_seterr(err, errlen, "message passing failed broadcasting a list of documents");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Rank 0 (ty_builder_share.vecs): the listed documents' vectors, each
 * rank's in rank order (its block is contiguous and the list ascending,
 * so they land in place). */
static int vecs_root(void *ud, const float *own, uint64_t own_rows, uint64_t nrows, uint32_t k,
                     const uint64_t *docs, uint64_t n, float *out, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_VECS, (int64_t)nrows, docs ? (int64_t)n : -1, k};
    uint64_t r0, r1, i0, i1;
    if (bcast_wait(h, HEAD_N) || (docs && bcast_big((void *)docs, n * sizeof *docs))) goto mpi;
    for (int r = 0; r < st->size; r++) {
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        if (r == 0) {
            if (r1 - r0 != own_rows) goto mpi;
            for (uint64_t i = i0; i < i1; i++)
                memcpy(out + i * k, own + (docs ? docs[i] : i) * k, k * sizeof *out);
            continue;
        }
        if (recv_big(out + i0 * k, (i1 - i0) * k * sizeof *out, r, TAG_VECS)) goto mpi;
        st->got[POST_VECS] += (i1 - i0) * k * sizeof *out;
    }
    st->ks_t0 = ty_now(); /* the IVF's k-means starts (ended by assign_root) */
    st->ks_c0 = ty_cpu_now(0);
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed gathering document vectors");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_VECS: send rank 0 the listed vectors of its
 * block, in list order. */
static int follow_vecs(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], r0, r1, i0, i1, *docs;
    uint32_t k = (uint32_t)h[3];
    int rc = bcast_list(h, &docs, err, errlen);
    if (rc) return rc;
    uint64_t n = docs ? (uint64_t)h[2] : nrows;
    list_share(docs, n, nrows, st->rank, st->size, &r0, &r1, &i0, &i1);
    float *buf = st->vecs;
    if (k != st->k || r0 != st->row0 || r1 - r0 != st->rows.nrows) {
        free(docs);
        ty_seterr(err, errlen, "process %d holds other vectors than asked for", st->rank);
        return TENYO_ERR_CORRUPT;
    }
    if (docs) { /* the listed ones, together */
        buf = malloc(i1 > i0 ? (i1 - i0) * k * sizeof *buf : 1);
        if (!buf) {
            free(docs);
            ty_seterr(err, errlen, "out of memory sending document vectors");
            return TENYO_ERR_NOMEM;
        }
        for (uint64_t i = i0; i < i1; i++)
            memcpy(buf + (i - i0) * k, st->vecs + (docs[i] - r0) * k, k * sizeof *buf);
    }
    if (send_big(buf, (i1 - i0) * k * sizeof *buf, 0, TAG_VECS)) {
        ty_seterr(err, errlen, "message passing failed sending document vectors");
        rc = TENYO_ERR_DEPENDENCY;
    }
    free(docs);
    if (rc) {
        if (docs) free(buf);
        return rc;
    }
    /* kept for the k-means steps that may follow (the list is the IVF's
     * sample): the rows stay here, only their assignments move */
    st->ksmp = buf;
    st->ks_owned = docs != NULL;
    st->ks_have = 1;
    st->ks_n = i1 - i0;
    st->ks_list = h[2];
    st->ks_nrows = nrows;
    return TENYO_OK;
}

/* Give back the sample rows kept from a JOB_VECS (any job but a k-means
 * step ends the k-means). */
static void ks_drop(share_state *st) {
    if (st->ks_owned) free(st->ksmp);
    st->ksmp = NULL;
    st->ks_have = st->ks_owned = 0;
    st->ks_n = 0;
}

/* Rank 0 (ty_builder_share.ksample), once a k-means iteration: the
 * centroids to every rank; each assigns the sample rows of its own block
 * (the others' kept from JOB_VECS, rank 0's own from smp, the first rows
 * of the sample: its block is the first) and sends the assignments, 4
 * bytes a row, received here in rank order into place (blocks contiguous,
 * the list ascending, as in vecs_root). */
static int ksample_root(void *ud, const float *smp, const uint64_t *docs, uint64_t n,
                        uint64_t nrows, uint32_t k, const float *cent, uint32_t nlist,
                        int threads, uint32_t *asg, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_KSTEP, (int64_t)nrows, docs ? (int64_t)n : -1, k, nlist, threads};
    size_t cb = (size_t)nlist * k * sizeof *cent;
    uint64_t r0, r1, i0, i1;
    ty_ivf v;
    memset(&v, 0, sizeof v);
    v.cent = (float *)cent; /* read only: ty_ivf_assign's argument */
    v.nlist = nlist;
    v.dim = k;
    if (bcast_wait(h, HEAD_N) || bcast_big(v.cent, cb)) goto mpi;
    st->ks_bcast += cb;
    st->ks_nlist = nlist;
    st->ks_steps++;
    double t = ty_now();
    list_share(docs, n, nrows, 0, st->size, &r0, &r1, &i0, &i1);
    int rc = ty_ivf_assign(&v, smp + i0 * k, i1 - i0, threads, asg + i0);
    if (rc) {
        ty_seterr(err, errlen, "out of memory assigning the k-means sample");
        return rc;
    }
    st->ks_rows += i1 - i0;
    st->ks_evals += (i1 - i0) * nlist;
    double t2 = ty_now();
    st->ks_own += t2 - t;
    for (int r = 1; r < st->size; r++) {
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        if (recv_big(asg + i0, (i1 - i0) * sizeof *asg, r, TAG_KASG)) goto mpi;
        st->got[POST_KASG] += (i1 - i0) * sizeof *asg;
    }
    st->ks_wait += ty_now() - t2;
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed in a k-means step");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_KSTEP and JOB_ASSIGN: take the nlist x dim
 * centroids rank 0 broadcasts, assign the n rows of x (n x dim) to them
 * with ty_ivf_assign over `threads`, and send rank 0 the n assignments
 * under tag. match = 0 (the job does not fit what this rank holds) still
 * takes the broadcast, so that every rank completes it, then fails with
 * TENYO_ERR_CORRUPT; also TENYO_ERR_NOMEM, TENYO_ERR_DEPENDENCY (a
 * message failed). */
static int assign_for_root(uint32_t nlist, uint32_t dim, int match, const float *x,
                           uint64_t n, int threads, int tag) {
    ty_ivf v;
    memset(&v, 0, sizeof v);
    v.nlist = nlist;
    v.dim = dim;
    size_t cb = (size_t)nlist * dim * sizeof *v.cent;
    v.cent = malloc(cb + 1);
    uint32_t *asg = malloc(n ? n * sizeof *asg : 1);
    int rc = TENYO_ERR_NOMEM;
    if (!v.cent || !asg) goto done;
    rc = TENYO_ERR_DEPENDENCY;
    if (bcast_big(v.cent, cb)) goto done;
    rc = TENYO_ERR_CORRUPT;
    if (!match || !nlist) goto done;
    rc = ty_ivf_assign(&v, x, n, threads, asg);
    if (!rc && send_big(asg, n * sizeof *asg, 0, tag)) rc = TENYO_ERR_DEPENDENCY;
done:
    free(v.cent);
    free(asg);
    return rc;
}

/* Ranks other than 0, JOB_KSTEP: the centroids, then the nearest of them
 * for each sample row it kept (JOB_VECS), to rank 0. */
static int follow_kstep(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t nlist = (uint32_t)h[4], dim = (uint32_t)h[3];
    int match = st->ks_have && st->ks_list == h[2] && st->ks_nrows == (uint64_t)h[1] &&
                (!st->ks_n || dim == st->k);
    int rc = assign_for_root(nlist, dim, match, st->ksmp, st->ks_n, (int)h[5], TAG_KASG);
    if (!rc) {
        st->ks_steps++;
        st->ks_rows += st->ks_n;
        st->ks_evals += st->ks_n * nlist;
    } else {
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory in a k-means step"
                               : rc == TENYO_ERR_CORRUPT ? "process holds another k-means "
                                                           "sample than asked for"
                                                         : "message passing failed in a "
                                                           "k-means step");
    }
    return rc;
}

/* Rank 0 (ty_builder_share.rows): the listed documents' rows (columns
 * and weights), each rank's lengths first, then its entries in place. */
static int pick_root(void *ud, const ty_csr *own, uint64_t nrows, const uint64_t *docs,
                     uint64_t n, ty_csr *out, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_PICK, (int64_t)nrows, (int64_t)n};
    uint64_t r0, r1, i0, i1;
    int rc = TENYO_ERR_DEPENDENCY;
    memset(out, 0, sizeof *out);
    if (bcast_wait(h, HEAD_N) || bcast_big((void *)docs, n * sizeof *docs)) goto fail;
    rc = TENYO_ERR_NOMEM;
    uint64_t *rp = calloc(n + 1, sizeof *rp);
    out->rowptr = rp;
    out->nrows = n;
    out->ncols = own->ncols;
    if (!rp) goto fail;
    for (int r = 0; r < st->size; r++) { /* lengths */
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        rc = TENYO_ERR_DEPENDENCY;
        if (r == 0) {
            if (r1 - r0 != own->nrows) goto fail;
            for (uint64_t i = i0; i < i1; i++)
                rp[i + 1] = own->rowptr[docs[i] + 1] - own->rowptr[docs[i]];
        } else if (recv_big(rp + i0 + 1, (i1 - i0) * sizeof *rp, r, TAG_ROWS)) {
            goto fail;
        } else {
            st->got[POST_ROWS] += (i1 - i0) * sizeof *rp;
        }
    }
    for (uint64_t i = 0; i < n; i++) rp[i + 1] += rp[i];
    uint64_t z = rp[n];
    rc = TENYO_ERR_NOMEM;
    out->col = malloc(z ? z * sizeof *out->col : 1);
    out->val = malloc(z ? z * sizeof *out->val : 1);
    if (!out->col || !out->val) goto fail;
    rc = TENYO_ERR_DEPENDENCY;
    for (int r = 0; r < st->size; r++) { /* entries */
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        uint64_t o = rp[i0], e = rp[i1] - o;
        if (r == 0) {
            for (uint64_t i = i0; i < i1; i++) {
                uint64_t a = own->rowptr[docs[i]], l = rp[i + 1] - rp[i];
                memcpy(out->col + rp[i], own->col + a, l * sizeof *out->col);
                memcpy(out->val + rp[i], own->val + a, l * sizeof *out->val);
            }
            continue;
        }
        if (recv_big(out->col + o, e * sizeof *out->col, r, TAG_ROWS) ||
            recv_big(out->val + o, e * sizeof *out->val, r, TAG_ROWS))
            goto fail;
        st->got[POST_ROWS] += e * (sizeof *out->col + sizeof *out->val);
    }
    return TENYO_OK;
fail:
    ty_csr_free(out);
    ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory gathering rows"
                                                 : "message passing failed gathering rows");
    return rc;
}

/* Ranks other than 0, JOB_PICK: the listed rows of its block, lengths
 * then columns then weights. */
static int follow_pick(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], r0, r1, i0, i1, *docs;
    int rc = bcast_list(h, &docs, err, errlen);
    if (rc) return rc;
    uint64_t n = (uint64_t)h[2];
    list_share(docs, n, nrows, st->rank, st->size, &r0, &r1, &i0, &i1);
    const ty_csr *a = &st->rows;
    uint64_t m = i1 - i0, z = 0;
    uint64_t *len = malloc(m ? m * sizeof *len : 1);
    uint32_t *col = NULL;
    float *val = NULL;
    rc = TENYO_ERR_CORRUPT;
    if (r0 != st->row0 || r1 - r0 != a->nrows) goto done;
    rc = TENYO_ERR_NOMEM;
    if (!len) goto done;
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t d = docs[i] - r0;
        len[i - i0] = a->rowptr[d + 1] - a->rowptr[d];
        z += len[i - i0];
    }
    col = malloc(z ? z * sizeof *col : 1);
    val = malloc(z ? z * sizeof *val : 1);
    if (!col || !val) goto done;
    for (uint64_t i = i0, o = 0; i < i1; i++) {
        uint64_t d = docs[i] - r0, b = a->rowptr[d], l = len[i - i0];
        memcpy(col + o, a->col + b, l * sizeof *col);
        memcpy(val + o, a->val + b, l * sizeof *val);
        o += l;
    }
    rc = send_big(len, m * sizeof *len, 0, TAG_ROWS) ||
                 send_big(col, z * sizeof *col, 0, TAG_ROWS) ||
                 send_big(val, z * sizeof *val, 0, TAG_ROWS)
             ? TENYO_ERR_DEPENDENCY
             : TENYO_OK;
done:
    if (rc)
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory sending rows"
                               : rc == TENYO_ERR_CORRUPT ? "process holds other rows than asked for"
                                                         : "message passing failed sending rows");
    free(len);
    free(col);
    free(val);
    free(docs);
    return rc;
}

/* Rank 0 (ty_builder_share.assign): the centroids to every rank, which
 * assigns its block's vectors; the assignments back, in place. */
static int assign_root(void *ud, const ty_ivf *v, const float *own, uint64_t own_rows,
                       uint64_t nrows, int threads, uint32_t *asg, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_ASSIGN, (int64_t)nrows, v->nlist, v->dim, threads};
    if (st->ks_t0 > 0) { /* the k-means that followed the sample's gather */
        st->ks_wall += ty_now() - st->ks_t0;
        st->ks_cpu += ty_cpu_now(0) - st->ks_c0;
        st->ks_t0 = 0;
    }
    uint64_t r0, r1;
    if (bcast_wait(h, HEAD_N) ||
        bcast_big(v->cent, (size_t)v->nlist * v->dim * sizeof *v->cent))
        goto mpi;
    int rc = ty_ivf_assign(v, own, own_rows, threads, asg);
    if (rc) {
        ty_seterr(err, errlen, "out of memory assigning vectors to lists");
        return rc;
    }
    for (int r = 1; r < st->size; r++) {
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        if (recv_big(asg + r0, (r1 - r0) * sizeof *asg, r, TAG_ASG)) goto mpi;
        st->got[POST_ASG] += (r1 - r0) * sizeof *asg;
    }
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed assigning vectors to lists");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_ASSIGN: its vectors' lists, to rank 0. */
static int follow_assign(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t dim = (uint32_t)h[3];
    int rc = assign_for_root((uint32_t)h[2], dim, dim == st->k, st->vecs, st->rows.nrows,
                             (int)h[4], TAG_ASG);
    if (rc)
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory assigning vectors"
                               : rc == TENYO_ERR_CORRUPT ? "centroids of another rank"
                                                         : "message passing failed assigning "
                                                           "vectors");
    return rc;
}

/* Rank 0 (ty_builder_share.gather), last: every rank's block of rows
 * after its own, in rank order (the blocks are contiguous): the rows'
 * lengths first, so that the entries are received in place; then the
 * vectors, in place. */
static int gather_root(void *ud, ty_csr *a, uint32_t **tf, float **docvec, uint32_t k,
                       uint64_t nrows, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_GATHER, (int64_t)nrows, k};
    uint64_t r0, r1;
    int rc = TENYO_ERR_DEPENDENCY;
    if (bcast_wait(h, HEAD_N)) goto fail;
    rc = TENYO_ERR_NOMEM;
    uint64_t *rp = ty_reallocarray(a->rowptr, nrows + 1, sizeof *rp);
    if (!rp) goto fail;
    a->rowptr = rp;
    for (int r = 1; r < st->size; r++) { /* lengths, then offsets after ours */
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        uint64_t base = rp[r0];
        rc = TENYO_ERR_DEPENDENCY;
        if (recv_big(rp + r0, (r1 - r0 + 1) * sizeof *rp, r, TAG_ROWS)) goto fail;
        st->got[POST_FILE] += (r1 - r0 + 1) * sizeof *rp;
        if (rp[r0] != 0) goto fail;
        for (uint64_t i = r0; i <= r1; i++) rp[i] += base;
    }
    uint64_t z = rp[nrows];
    rc = TENYO_ERR_NOMEM;
    uint32_t *col = ty_reallocarray(a->col, z ? z : 1, sizeof *col);
    if (col) a->col = col;
    float *val = ty_reallocarray(a->val, z ? z : 1, sizeof *val);
    if (val) a->val = val;
    uint32_t *t = ty_reallocarray(*tf, z ? z : 1, sizeof *t);
    if (t) *tf = t;
    float *dv = k ? ty_reallocarray(*docvec, nrows, (size_t)k * sizeof *dv) : NULL;
    if (dv) *docvec = dv;
    if (!col || !val || !t || (k && !dv)) goto fail;
    rc = TENYO_ERR_DEPENDENCY;
    for (int r = 1; r < st->size; r++) {
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        uint64_t o = rp[r0], n = rp[r1] - o;
        if (recv_big(a->col + o, n * sizeof *a->col, r, TAG_ROWS) ||
            recv_big(a->val + o, n * sizeof *a->val, r, TAG_ROWS) ||
            recv_big(*tf + o, n * sizeof **tf, r, TAG_ROWS) ||
            (k && recv_big(dv + r0 * k, (r1 - r0) * k * sizeof *dv, r, TAG_VECS)))
            goto fail;
        st->got[POST_FILE] += n * (sizeof *a->col + sizeof *a->val + sizeof **tf) +
                              (r1 - r0) * k * sizeof *dv;
    }
    a->nrows = nrows;
    return TENYO_OK;
fail:
    ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory gathering the rows"
                                                 : "message passing failed gathering the rows");
    return rc;
}

/* Ranks other than 0, JOB_LSA: factor its block with the others and keep
 * the document vectors of its rows. */
static int follow_lsa(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], ncols = (uint64_t)h[2], k = (uint64_t)h[3], r0, r1;
    ty_svd_opts o = {.rank = (int)h[3], .oversample = (int)h[4], .power_iters = (int)h[5],
                     .seed = (uint64_t)h[6], .threads = (int)h[7]};
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, st->rank, st->size, &r0, &r1);
    if (r0 != st->row0 || r1 - r0 != st->rows.nrows || ncols != st->rows.ncols) {
        ty_seterr(err, errlen, "process %d holds rows %llu..%llu of %llu columns, not the "
                  "SVD's %llu..%llu of %llu", st->rank, (unsigned long long)st->row0,
                  (unsigned long long)(st->row0 + st->rows.nrows),
                  (unsigned long long)st->rows.ncols, (unsigned long long)r0,
                  (unsigned long long)r1, (unsigned long long)ncols);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t n = r1 - r0;
    float *s = malloc(k * sizeof *s), *v = malloc((ncols ? ncols : 1) * k * sizeof *v);
    float *dv = malloc((n ? n : 1) * k * sizeof *dv);
    int rc = TENYO_ERR_NOMEM;
    if (!s || !v || !dv) {
        ty_seterr(err, errlen, "out of memory for the SVD");
        goto out;
    }
    rc = lsa_part(st, &st->rows, r0, nrows, &o, s, v, dv, err, errlen);
    if (!rc) { /* kept for what follows (JOB_VECS, JOB_ASSIGN, JOB_GATHER) */
        free(st->vecs);
        st->vecs = dv;
        st->k = (uint32_t)k;
        dv = NULL;
    }
out:
    free(s);
    free(v);
    free(dv);
    return rc;
}

/* Ranks other than 0, JOB_GATHER: send rank 0 its block of rows (lengths
 * first, then columns, weights, counts) and its vectors, and give them
 * back. */
static int follow_gather(share_state *st, const int64_t *h, char *err, size_t errlen) {
    const ty_csr *a = &st->rows;
    uint64_t z = a->rowptr[a->nrows], k = (uint64_t)h[2];
    int rc = TENYO_OK;
    if (k && (k != st->k || !st->vecs)) {
        ty_seterr(err, errlen, "process %d holds no vectors of %llu floats", st->rank,
                  (unsigned long long)k);
        rc = TENYO_ERR_CORRUPT;
    } else if (send_big(a->rowptr, (a->nrows + 1) * sizeof *a->rowptr, 0, TAG_ROWS) ||
               send_big(a->col, z * sizeof *a->col, 0, TAG_ROWS) ||
               send_big(a->val, z * sizeof *a->val, 0, TAG_ROWS) ||
               send_big(st->tf, z * sizeof *st->tf, 0, TAG_ROWS) ||
               (k && send_big(st->vecs, a->nrows * k * sizeof *st->vecs, 0, TAG_VECS))) {
        ty_seterr(err, errlen, "message passing failed sending rows to process 0");
        rc = TENYO_ERR_DEPENDENCY;
    }
    ty_csr_free(&st->rows);
    free(st->tf);
    free(st->vecs);
    st->tf = NULL;
    st->vecs = NULL;
    return rc;
}

/* ============================================================ the shards */

#define TAG_SHARD 15
#define TAG_SHARDREP 16

/* A file this rank wrote: counted, and said on stderr by the rank itself
 * (tests/mpi.sh checks, with mpirun --tag-output, that each shard file was
 * written by the rank it belongs to). */
static void wrote(share_state *st, const char *name, uint64_t bytes) {
    st->wrote_files++;
    st->wrote_bytes += bytes;
    fprintf(stderr, "tenyo-mpi: rank %d wrote %s (%llu bytes)\n", st->rank, name,
            (unsigned long long)bytes);
    fflush(stderr);
}

/* Rank 0 (ty_builder_share.nnz): every rank's non-zeros summed here
 * (integers: exact), for the shared part's build section. */
static int nnz_root(void *ud, uint64_t own, uint64_t *all, char *err, size_t errlen) {
    (void)ud;
    int64_t h[HEAD_N] = {JOB_NNZ};
    MPI_Request r;
    if (bcast_wait(h, HEAD_N) ||
        MPI_Ireduce(&own, all, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS)) {
        ty_seterr(err, errlen, "message passing failed counting the non-zeros");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Ranks other than 0, JOB_NNZ: its block's non-zeros, to the sum. */
static int follow_nnz(share_state *st, char *err, size_t errlen) {
    uint64_t own = st->rows.rowptr ? st->rows.rowptr[st->rows.nrows] : 0, all = 0;
    MPI_Request r;
    if (MPI_Ireduce(&own, &all, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD, &r) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS)) {
        ty_seterr(err, errlen, "message passing failed counting the non-zeros");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* The rows pieces of a JOB_SHARDS in flight from this rank: each a length
 * and the piece in messages of at most PIECE bytes (TAG_SHROWS), or kept
 * here for a shard this rank writes. */
typedef struct rows_out {
    uint32_t n;           /* shards */
    void **keep;          /* n: this rank's piece of each shard it writes, or NULL */
    size_t *keeplen;      /* their lengths */
    uint64_t *lens;       /* n: the lengths sent (buffers of the sends) */
    void **bufs;          /* n: the pieces sent, freed once sent */
    MPI_Request *q;       /* the sends */
    size_t nq, capq;      /* used / allocated */
} rows_out;

static void rows_out_free(rows_out *ro) {
    for (uint32_t i = 0; i < ro->n; i++) {
        if (ro->keep) free(ro->keep[i]);
        if (ro->bufs) free(ro->bufs[i]);
    }
    free(ro->keep);
    free(ro->keeplen);
    free(ro->lens);
    free(ro->bufs);
    free(ro->q);
    memset(ro, 0, sizeof *ro);
}

#define TAG_SHROWS 18

/* This rank's block [r0, r0 + a->nrows) of nrows documents, each shard's
 * part of it encoded (ty_shards_rows_piece: its rows' and vectors'
 * sections, float16 ones with f16) and sent to the shard's writer, rank
 * i % P, or kept when that is this rank. The sends are posted, not waited
 * for (rows_wait): every writer takes them in shard order, and in rank
 * order for one shard (the blocks are contiguous and ascending). */
static int rows_post(share_state *st, rows_out *ro, uint32_t n, uint64_t nrows,
                     const ty_csr *a, const uint32_t *tf, const float *vecs, uint32_t k,
                     int f16, uint64_t r0, char *err, size_t errlen) {
    uint32_t P = (uint32_t)st->size;
    int rc = TENYO_ERR_NOMEM;
    memset(ro, 0, sizeof *ro);
    ro->n = n;
    ro->keep = calloc(n, sizeof *ro->keep);
    ro->keeplen = calloc(n, sizeof *ro->keeplen);
    ro->lens = calloc(n, sizeof *ro->lens);
    ro->bufs = calloc(n, sizeof *ro->bufs);
    if (!ro->keep || !ro->keeplen || !ro->lens || !ro->bufs) goto nomem;
    uint64_t r1 = r0 + a->nrows;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t f0 = ty_shards_first(nrows, n, i), f1 = ty_shards_first(nrows, n, i + 1);
        uint64_t lo = f0 > r0 ? f0 : r0, hi = f1 < r1 ? f1 : r1;
        if (lo >= hi) continue;
        /* the rows lo..hi of this block as a matrix of their own */
        uint64_t d = hi - lo, base = a->rowptr[lo - r0];
        uint64_t *rp = malloc((d + 1) * sizeof *rp);
        uint16_t *h = f16 && k ? malloc(d * k * sizeof *h) : NULL;
        if (!rp || (f16 && k && !h)) {
            free(rp);
            free(h);
            goto nomem;
        }
        for (uint64_t j = 0; j <= d; j++) rp[j] = a->rowptr[lo - r0 + j] - base;
        ty_csr sub = {.nrows = d, .ncols = a->ncols, .rowptr = rp,
                      .col = a->col ? a->col + base : NULL,
                      .val = a->val ? a->val + base : NULL};
        const float *v = k ? vecs + (lo - r0) * k : NULL;
        if (h) ty_f16_from_floats(v, (size_t)(d * k), h);
        void *p = NULL;
        size_t len = 0;
        rc = ty_shards_rows_piece(&sub, tf ? tf + base : NULL, v, h, k, &p, &len, err, errlen);
        free(rp);
        free(h);
        if (rc) goto fail;
        int w = (int)(i % P);
        if (w == st->rank) {
            ro->keep[i] = p;
            ro->keeplen[i] = len;
            continue;
        }
        size_t need = ro->nq + 2 + len / PIECE;
        if (need > ro->capq) {
            size_t cap = 2 * need;
            MPI_Request *q = realloc(ro->q, cap * sizeof *q);
            if (!q) {
                free(p);
                goto nomem;
            }
            ro->q = q;
            ro->capq = cap;
        }
        ro->bufs[i] = p;
        ro->lens[i] = len;
        if (MPI_Isend(&ro->lens[i], 1, MPI_UINT64_T, w, TAG_SHROWS, MPI_COMM_WORLD,
                      &ro->q[ro->nq++]) != MPI_SUCCESS)
            goto mpi;
        for (size_t o = 0; o < len || o == 0; o += PIECE) { /* recv_big's cuts */
            size_t m = len - o < PIECE ? len - o : PIECE;
            if (MPI_Isend((char *)p + o, (int)m, MPI_BYTE, w, TAG_SHROWS, MPI_COMM_WORLD,
                          &ro->q[ro->nq++]) != MPI_SUCCESS)
                goto mpi;
            if (len == 0) break;
        }
    }
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "out of memory sending the shards' rows");
    return TENYO_ERR_NOMEM;
mpi:
    ty_seterr(err, errlen, "message passing failed sending the shards' rows");
    return TENYO_ERR_DEPENDENCY;
fail:
    return rc;
}

/* Wait for this rank's rows sends without spinning. */
static int rows_wait(rows_out *ro) {
    for (;;) {
        int done = 0;
        if (ro->nq == 0) return TENYO_OK;
        if (MPI_Testall((int)ro->nq, ro->q, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
        if (done) return TENYO_OK;
        nap();
    }
}

/* Shard i's writer (this rank): its rows pieces, from every rank whose
 * block holds some of its documents, in rank order (kept here, or
 * received), into p[0..*np) and len; a shard of no documents gets one
 * piece of none, made here. */
static int rows_take(share_state *st, rows_out *ro, uint32_t i, uint32_t n, uint64_t nrows,
                     uint32_t k, int f16, void **p, size_t *len, int *np, char *err,
                     size_t errlen) {
    uint64_t f0 = ty_shards_first(nrows, n, i), f1 = ty_shards_first(nrows, n, i + 1);
    *np = 0;
    for (int r = 0; r < st->size; r++) {
        uint64_t r0, r1;
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        if ((f0 > r0 ? f0 : r0) >= (f1 < r1 ? f1 : r1)) continue;
        if (r == st->rank) {
            if (!ro->keep[i]) goto bad;
            p[*np] = ro->keep[i];
            len[(*np)++] = ro->keeplen[i];
            ro->keep[i] = NULL;
            continue;
        }
        uint64_t l = 0;
        if (recv_big(&l, sizeof l, r, TAG_SHROWS)) goto mpi;
        void *b = l < SIZE_MAX ? malloc(l ? (size_t)l : 1) : NULL;
        if (!b) {
            ty_seterr(err, errlen, "out of memory receiving shard %u's rows (%llu bytes)", i,
                      (unsigned long long)l);
            return TENYO_ERR_NOMEM;
        }
        p[*np] = b;
        len[(*np)++] = (size_t)l;
        if (recv_big(b, (size_t)l, r, TAG_SHROWS)) goto mpi;
        if (st->rank == 0) st->got[POST_FILE] += l + sizeof l;
    }
    if (*np == 0) { /* no documents: the sections, empty */
        static const uint16_t none = 0;
        static const uint32_t no_tf = 0; /* counts (of none): tfidf.tf, as the others */
        uint64_t zero = 0;
        ty_csr e = {.nrows = 0, .ncols = 0, .rowptr = &zero};
        int rc = ty_shards_rows_piece(&e, &no_tf, NULL, f16 ? &none : NULL, k, &p[0], &len[0],
                                      err, errlen);
        if (rc) return rc;
        *np = 1;
    }
    return TENYO_OK;
bad:
    ty_seterr(err, errlen, "process %d holds none of shard %u's rows", st->rank, i);
    return TENYO_ERR_CORRUPT;
mpi:
    ty_seterr(err, errlen, "message passing failed receiving shard %u's rows", i);
    return TENYO_ERR_DEPENDENCY;
}

/* Write shard i here from piece pc[0..pl) and its rows pieces, and say so. */
static int write_shard(share_state *st, rows_out *ro, uint32_t i, uint32_t n, uint64_t nrows,
                       uint32_t k, int f16, const void *pc, size_t pl, const ty_buf *dm,
                       const ty_buf *ab, ty_shard_report *rep, char *err, size_t errlen) {
    int P = st->size, np = 0;
    void **p = calloc((size_t)P + 1, sizeof *p);
    size_t *len = calloc((size_t)P + 1, sizeof *len);
    int rc = TENYO_ERR_NOMEM;
    if (!p || !len) {
        ty_seterr(err, errlen, "out of memory writing shard %u", i);
        goto done;
    }
    rc = rows_take(st, ro, i, n, nrows, k, f16, p, len, &np, err, errlen);
    if (!rc)
        rc = ty_shards_write_parts(pc, pl, (const void *const *)p, len, np,
                                   dm ? (dm->p ? dm->p : "") : NULL, dm ? dm->len : 0,
                                   ab ? (ab->p ? ab->p : "") : NULL, ab ? ab->len : 0, rep, err,
                                   errlen);
    if (!rc) wrote(st, rep->name, rep->bytes);
done:
    for (int j = 0; p && j < np; j++) free(p[j]);
    free(p);
    free(len);
    return rc;
}

/* The documents of the shards this rank writes, their metadata made here
 * from the inputs read again (docs_elsewhere): k numbers them in shard
 * then document order; want lists them by live record. */
typedef struct doc_want {
    uint64_t rec;         /* its live record's position (read_add's) */
    uint64_t k;           /* its place among this rank's documents */
} doc_want;

typedef struct docs_in {
    doc_want *want;       /* nk, ascending by rec (live records differ) */
    uint64_t nk;          /* documents */
    uint64_t next;        /* the first of want not yet read */
    uint64_t seen;        /* records read so far (only wanted ones) */
    int file;             /* the input being read */
    int has_abs;          /* the index has abstracts: keep each one's */
    ty_buf meta, abs;     /* their docmeta strings and abstracts, in record
                             order */
    uint64_t *mo, *ao;    /* nk + 1... per k: where its strings start in
                             meta and abs */
    uint64_t *ml, *al;    /* per k: their bytes */
    int rc;               /* a failed add's status */
    char err[160];        /* and its message */
} docs_in;

static void docs_in_free(docs_in *x) {
    free(x->want);
    ty_buf_free(&x->meta);
    ty_buf_free(&x->abs);
    free(x->mo);
    free(x->ao);
    free(x->ml);
    free(x->al);
    memset(x, 0, sizeof *x);
}

static int cmp_want(const void *a, const void *b) {
    uint64_t x = ((const doc_want *)a)->rec, y = ((const doc_want *)b)->rec;
    return x < y ? -1 : x > y;
}

/* ty_want_fn of the second read: the records at wanted positions only
 * (the others' lines not even parsed, as in the first read). */
static int docs_want(void *ud, long line) {
    const docs_in *x = ud;
    doc_want key = {(uint64_t)x->file << LINE_BITS | (uint64_t)(line < 0 ? 0 : line), 0};
    return bsearch(&key, x->want, x->nk, sizeof *x->want, cmp_want) != NULL;
}

/* cli_sink.begin of the second read. */
static int docs_begin(void *ud, int file, tenyo_reader *r) {
    docs_in *x = ud;
    x->file = file;
    ty_reader_select(r, docs_want, x);
    return TENYO_OK;
}

/* cli_sink.add of the second read: kept when it is a wanted document's
 * live record; 1 (stop reading) once every one is (a shard's live records
 * are mostly its own stretch of the input, so the writer of an early
 * shard reads only the input up to it). */
static int docs_add(void *ud, const tenyo_doc *d) {
    docs_in *x = ud;
    uint64_t rec = (uint64_t)x->file << LINE_BITS | (uint64_t)(d->line < 0 ? 0 : d->line);
    x->seen++;
    if (x->next >= x->nk || x->want[x->next].rec != rec) return TENYO_OK;
    uint64_t k = x->want[x->next++].k;
    x->mo[k] = x->meta.len;
    x->ao[k] = x->abs.len;
    int rc = ty_builder_doc_meta(d, &x->meta, x->has_abs ? &x->abs : NULL);
    if (rc) {
        snprintf(x->err, sizeof x->err, "out of memory keeping record %llu's metadata",
                 (unsigned long long)rec);
        return x->rc = rc;
    }
    x->ml[k] = x->meta.len - x->mo[k];
    x->al[k] = x->abs.len - x->ao[k];
    return x->next == x->nk; /* all found: the rest of the input unread */
}

static const char *docs_error(void *ud) {
    return ((docs_in *)ud)->err;
}

/* Read the inputs again and keep the metadata of the documents whose live
 * records are recs[0..nk) (k order) into x (has_abs: their abstracts
 * too). Every one must be found: the inputs are the first read's. */
static int docs_read(share_state *st, const uint64_t *recs, uint64_t nk, int has_abs,
                     docs_in *x, char *err, size_t errlen) {
    memset(x, 0, sizeof *x);
    x->nk = nk;
    x->has_abs = has_abs;
    x->want = malloc((nk ? nk : 1) * sizeof *x->want);
    x->mo = malloc((nk ? nk : 1) * sizeof *x->mo);
    x->ao = malloc((nk ? nk : 1) * sizeof *x->ao);
    x->ml = malloc((nk ? nk : 1) * sizeof *x->ml);
    x->al = malloc((nk ? nk : 1) * sizeof *x->al);
    if (!x->want || !x->mo || !x->ao || !x->ml || !x->al) {
        ty_seterr(err, errlen, "out of memory for %llu documents' metadata",
                  (unsigned long long)nk);
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t k = 0; k < nk; k++) x->want[k] = (doc_want){recs[k], k};
    qsort(x->want, nk, sizeof *x->want, cmp_want);
    for (uint64_t k = 1; k < nk; k++)
        if (x->want[k].rec == x->want[k - 1].rec) {
            ty_seterr(err, errlen, "record %llu is the live version of two documents",
                      (unsigned long long)x->want[k].rec);
            return TENYO_ERR_CORRUPT;
        }
    if (!nk) return TENYO_OK;
    if (!st->files) {
        ty_seterr(err, errlen, "process %d was not given the inputs to read again", st->rank);
        return TENYO_ERR_ARG;
    }
    double t0 = ty_now();
    cli_sink sink = {docs_add, docs_error, x, NULL, NULL, docs_begin, NULL, 1};
    cli_read_totals tot = {0};
    int ec = cli_read_inputs(&sink, st->files, st->nfiles, &st->ro, 1, NULL, NULL, &tot);
    st->reread_s += ty_now() - t0;
    if (x->rc) {
        ty_seterr(err, errlen, "%s", x->err);
        return x->rc;
    }
    if (ec || x->next != nk) {
        ty_seterr(err, errlen, "reading the inputs again, process %d found %llu of its %llu "
                  "documents' records (%llu records taken): the inputs changed during the build",
                  st->rank, (unsigned long long)x->next, (unsigned long long)nk,
                  (unsigned long long)x->seen);
        return TENYO_ERR_INPUT;
    }
    return TENYO_OK;
}

/* The docmeta and abstracts' text of documents k0..k1 of x, in order,
 * into dm and ab (emptied first; ab only when x has abstracts). */
static int docs_cut(const docs_in *x, uint64_t k0, uint64_t k1, ty_buf *dm, ty_buf *ab) {
    dm->len = ab->len = 0;
    for (uint64_t k = k0; k < k1; k++)
        if (ty_buf_append(dm, x->meta.p + x->mo[k], x->ml[k]) ||
            (x->has_abs && x->al[k] && ty_buf_append(ab, x->abs.p + x->ao[k], x->al[k])))
            return TENYO_ERR_NOMEM;
    return TENYO_OK;
}

/* Write this rank's shards mine[0..nm) (ascending) from their pieces
 * pc/pl (rank 0's) and rows pieces, with recs (k order, NULL: the pieces
 * hold the metadata) their documents' live records: their metadata read
 * here first. rep[j] filled for each; each file said on stderr. After
 * each, report(st, j, rep) when given (0 or a status). */
static int write_mine(share_state *st, rows_out *ro, const uint32_t *mine, uint32_t nm,
                      uint32_t n, uint64_t nrows, uint32_t k, int f16, void **pc,
                      const size_t *pl, const uint64_t *recs, int has_abs,
                      int (*report)(share_state *, ty_shards_out *, const ty_shard_report *,
                                    char *, size_t),
                      ty_shards_out *o, char *err, size_t errlen) {
    docs_in x;
    ty_buf dm = {0}, ab = {0};
    uint64_t nk = 0;
    for (uint32_t j = 0; j < nm; j++)
        nk += ty_shards_first(nrows, n, mine[j] + 1) - ty_shards_first(nrows, n, mine[j]);
    int rc = recs ? docs_read(st, recs, nk, has_abs, &x, err, errlen) : TENYO_OK;
    if (!recs) memset(&x, 0, sizeof x);
    uint64_t k0 = 0;
    for (uint32_t j = 0; j < nm && !rc; j++) {
        uint32_t i = mine[j];
        uint64_t d = ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
        if (recs && docs_cut(&x, k0, k0 + d, &dm, &ab)) {
            ty_seterr(err, errlen, "out of memory for shard %u's metadata", i);
            rc = TENYO_ERR_NOMEM;
            break;
        }
        k0 += d;
        ty_shard_report rep;
        rc = write_shard(st, ro, i, n, nrows, k, f16, pc[j], pl[j], recs ? &dm : NULL,
                         recs && has_abs ? &ab : NULL, &rep, err, errlen);
        free(pc[j]);
        pc[j] = NULL;
        if (!rc && report) rc = report(st, o, &rep, err, errlen);
    }
    ty_buf_free(&dm);
    ty_buf_free(&ab);
    docs_in_free(&x);
    return rc;
}

/* Rank 0's report of its own shard: checked at once. */
static int report_root(share_state *st, ty_shards_out *o, const ty_shard_report *rep,
                       char *err, size_t errlen) {
    (void)st;
    return ty_shards_done(o, rep, err, errlen);
}

/* TENYO_MPI_SHARD_PAUSE: seconds a rank other than 0 waits after writing
 * each shard file, before reporting it (tests: a rank killed there). */
static void shard_pause(void) {
    const char *e = getenv("TENYO_MPI_SHARD_PAUSE");
    long s = e && *e ? strtol(e, NULL, 10) : 0;
    if (s > 0 && s <= 600) {
        struct timespec ts = {s, 0};
        nanosleep(&ts, NULL);
    }
}

/* Another rank's report of its shard, sent to rank 0. */
static int report_follow(share_state *st, ty_shards_out *o, const ty_shard_report *rep,
                         char *err, size_t errlen) {
    (void)st;
    (void)o;
    shard_pause();
    if (send_big(rep, sizeof *rep, 0, TAG_SHARDREP)) {
        ty_seterr(err, errlen, "message passing failed reporting shard %u", rep->shard);
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

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
static int shards_root(void *ud, ty_shards_out *o, uint32_t n, uint64_t nrows,
                       const ty_csr *own, const uint32_t *own_tf, const float *own_vecs,
                       uint32_t k, int f16, const uint64_t *recs, int has_abs, char *err,
                       size_t errlen) {
    share_state *st = ud;
    uint32_t P = (uint32_t)st->size, nm = 0;
    int64_t h[HEAD_N] = {JOB_SHARDS, (int64_t)n, (int64_t)nrows, k, f16, recs != NULL,
                         has_abs};
    uint64_t sb, r0, r1, nk = 0;
    rows_out ro;
    memset(&ro, 0, sizeof ro);
    uint32_t *mine = calloc(n / P + 1, sizeof *mine);
    void **pc = calloc(n / P + 1, sizeof *pc);
    size_t *pl = calloc(n / P + 1, sizeof *pl);
    uint64_t *mrec = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!mine || !pc || !pl) {
        ty_seterr(err, errlen, "out of memory for the shards");
        goto done;
    }
    const char *sn = ty_shards_shared(o, &sb);
    wrote(st, sn, sb);
    if (bcast_wait(h, HEAD_N)) goto mpi;
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, 0, st->size, &r0, &r1);
    rc = r1 - r0 == own->nrows
             ? rows_post(st, &ro, n, nrows, own, own_tf, own_vecs, k, f16, r0, err, errlen)
             : TENYO_ERR_CORRUPT;
    if (rc == TENYO_ERR_CORRUPT)
        ty_seterr(err, errlen, "process 0 holds %llu rows, not its SVD block's %llu",
                  (unsigned long long)own->nrows, (unsigned long long)(r1 - r0));
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint64_t d0 = ty_shards_first(nrows, n, i), d1 = ty_shards_first(nrows, n, i + 1);
        void *p = NULL;
        size_t len = 0;
        rc = ty_shards_piece(o, i, &p, &len, err, errlen);
        if (rc) break;
        if (i % P == 0) { /* its own: written below */
            mine[nm] = i;
            pc[nm] = p;
            pl[nm++] = len;
            nk += d1 - d0;
            continue;
        }
        uint64_t l = len;
        int bad = send_big(&l, sizeof l, (int)(i % P), TAG_SHARD) ||
                  send_big(p, len, (int)(i % P), TAG_SHARD) ||
                  (recs && send_big(recs + d0, (d1 - d0) * sizeof *recs, (int)(i % P),
                                    TAG_SHARD));
        free(p);
        if (bad) goto mpi;
        st->shard_sent += len + (recs ? (d1 - d0) * sizeof *recs : 0);
        st->shard_recs += recs ? (d1 - d0) * sizeof *recs : 0;
        st->shard_docs += d1 - d0;
    }
    if (!rc && recs && !(mrec = malloc((nk ? nk : 1) * sizeof *mrec))) {
        ty_seterr(err, errlen, "out of memory for the shards' record numbers");
        rc = TENYO_ERR_NOMEM;
    }
    uint64_t at = 0;
    for (uint32_t j = 0; !rc && recs && j < nm; j++) {
        uint64_t d0 = ty_shards_first(nrows, n, mine[j]);
        uint64_t d1 = ty_shards_first(nrows, n, mine[j] + 1);
        memcpy(mrec + at, recs + d0, (d1 - d0) * sizeof *mrec);
        at += d1 - d0;
    }
    if (!rc)
        rc = write_mine(st, &ro, mine, nm, n, nrows, k, f16, pc, pl, recs ? mrec : NULL, has_abs,
                        report_root, o, err, errlen);
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i % P == 0) continue;
        ty_shard_report rep;
        if (recv_big(&rep, sizeof rep, (int)(i % P), TAG_SHARDREP)) goto mpi;
        rep.name[sizeof rep.name - 1] = 0;
        rc = ty_shards_done(o, &rep, err, errlen);
    }
    if (!rc && rows_wait(&ro)) goto mpi;
    goto done;
mpi:
    ty_seterr(err, errlen, "message passing failed sharing the shards' writing");
    rc = TENYO_ERR_DEPENDENCY;
done:
    rows_out_free(&ro);
    for (uint32_t j = 0; pc && j < nm; j++) free(pc[j]);
    free(pc);
    free(pl);
    free(mine);
    free(mrec);
    return rc;
}

/* Ranks other than 0, JOB_SHARDS: post its block's part of every shard
 * to the shard's writer (rows_post), then receive its shards' pieces
 * from rank 0 (i with i % P == rank, in order; with h[5] each followed by
 * its documents' live record numbers), read the inputs again for those
 * documents' metadata (write_mine), write and report each, with the rows
 * pieces of the ranks that hold its documents; its rows and vectors are
 * given back at the end. */
static int follow_shards(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t n = (uint32_t)h[1], P = (uint32_t)st->size, k = (uint32_t)h[3], nm = 0;
    uint64_t nrows = (uint64_t)h[2], r0, r1, nk = 0;
    int f16 = (int)h[4], with_recs = (int)h[5], has_abs = (int)h[6], rc;
    rows_out ro;
    memset(&ro, 0, sizeof ro);
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, st->rank, st->size, &r0, &r1);
    if (r0 != st->row0 || r1 - r0 != st->rows.nrows || (k && r1 > r0 && (k != st->k || !st->vecs))) {
        ty_seterr(err, errlen, "process %d holds rows %llu..%llu of vectors of %u floats, not "
                  "the shards' %llu..%llu of %u", st->rank, (unsigned long long)st->row0,
                  (unsigned long long)(st->row0 + st->rows.nrows), st->k,
                  (unsigned long long)r0, (unsigned long long)r1, k);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t *mine = calloc(n / P + 1, sizeof *mine);
    void **pc = calloc(n / P + 1, sizeof *pc);
    size_t *pl = calloc(n / P + 1, sizeof *pl);
    for (uint32_t i = (uint32_t)st->rank; i < n; i += P)
        nk += ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
    uint64_t *recs = with_recs ? malloc((nk ? nk : 1) * sizeof *recs) : NULL;
    if (!mine || !pc || !pl || (with_recs && !recs)) {
        ty_seterr(err, errlen, "out of memory for the shards");
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    rc = rows_post(st, &ro, n, nrows, &st->rows, st->tf, st->vecs, k, f16, r0, err, errlen);
    uint64_t at = 0;
    for (uint32_t i = (uint32_t)st->rank; i < n && !rc; i += P) {
        uint64_t l = 0, d = ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
        if (recv_big(&l, sizeof l, 0, TAG_SHARD)) goto mpi;
        void *p = l < SIZE_MAX ? malloc(l ? (size_t)l : 1) : NULL;
        if (!p) {
            ty_seterr(err, errlen, "out of memory receiving shard %u (%llu bytes)", i,
                      (unsigned long long)l);
            rc = TENYO_ERR_NOMEM;
            break;
        }
        mine[nm] = i;
        pc[nm] = p;
        pl[nm++] = (size_t)l;
        if (recv_big(p, (size_t)l, 0, TAG_SHARD) ||
            (with_recs && recv_big(recs + at, d * sizeof *recs, 0, TAG_SHARD)))
            goto mpi;
        at += d;
    }
    if (!rc)
        rc = write_mine(st, &ro, mine, nm, n, nrows, k, f16, pc, pl, recs, has_abs,
                        report_follow, NULL, err, errlen);
    if (!rc && rows_wait(&ro)) goto mpi;
    goto done;
mpi:
    ty_seterr(err, errlen, "message passing failed receiving or reporting a shard");
    rc = TENYO_ERR_DEPENDENCY;
done:
    rows_out_free(&ro);
    for (uint32_t j = 0; pc && j < nm; j++) free(pc[j]);
    free(pc);
    free(pl);
    free(mine);
    free(recs);
    ty_csr_free(&st->rows);
    free(st->tf);
    free(st->vecs);
    st->tf = NULL;
    st->vecs = NULL;
    return rc;
}

/* Ranks other than 0, after the weighting: do what rank 0 broadcasts
 * until it says done. 0, or a status with err set. */
static int follow(share_state *st, char *err, size_t errlen) {
    for (;;) {
        int64_t h[HEAD_N] = {0};
        if (bcast_wait(h, HEAD_N)) {
            ty_seterr(err, errlen, "message passing failed waiting for process 0");
            return TENYO_ERR_DEPENDENCY;
        }
        int rc = TENYO_OK;
        if (h[0] != JOB_KSTEP) ks_drop(st); /* the k-means, if any, is over */
        if (h[0] == JOB_DONE) return TENYO_OK;
        if (h[0] == JOB_LSA) rc = follow_lsa(st, h, err, errlen);
        else if (h[0] == JOB_GATHER) rc = follow_gather(st, h, err, errlen);
        else if (h[0] == JOB_VECS) rc = follow_vecs(st, h, err, errlen);
        else if (h[0] == JOB_PICK) rc = follow_pick(st, h, err, errlen);
        else if (h[0] == JOB_ASSIGN) rc = follow_assign(st, h, err, errlen);
        else if (h[0] == JOB_KSTEP) rc = follow_kstep(st, h, err, errlen);
        else if (h[0] == JOB_SHARDS) rc = follow_shards(st, h, err, errlen);
        else if (h[0] == JOB_NNZ) rc = follow_nnz(st, err, errlen);
        if (rc) return rc;
    }
}

/* ============================================================ reading */

static uint32_t chunk_size(void);

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
static int read_sink(void *ud, tenyo_builder *b, cli_sink *k) {
    share_state *s = ud;
    s->b = b;
    s->lines = chunk_size();
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

static uint32_t chunk_size(void) {
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

static int setup(void *ud, tenyo_builder *b) {
    share_state *s = ud;
    ty_builder_share sh = {.rank = s->rank, .size = s->size, .put = put_chunk, .get = get_chunk, .bcast = bcast_bytes,
                           .sum_u32 = sum_u32, .exchange = exchange, .lsa = lsa_root,
                           .vecs = vecs_root, .ksample = ksample_root, .rows = pick_root,
                           .assign = assign_root,
                           .gather = gather_root, .nnz = nnz_root, .shards = shards_root,
                           .docs_elsewhere = 1, .ud = s};
    return ty_builder_set_share(b, &sh);
}

/* FNV-1a of the bytes of path and its size into h[0], h[1] (h[1] =
 * UINT64_MAX when it cannot be read: the reader then says why). */
static void file_print(const char *path, uint64_t h[2]) {
    h[0] = 0;
    h[1] = UINT64_MAX;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    if (!f) return;
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
}

/* Every rank must read the same inputs (the opening comment, "Same
 * inputs"): compare fingerprints; on a difference rank 0 says which rank
 * differs and how, and ends the job (exit 2) before anything is read. */
static void same_inputs(share_state *s, char **files, int nfiles, const tenyo_read_opts *ro) {
    enum { F = 7 };
    uint64_t fp[F] = {(uint64_t)nfiles, chunk_size(), 0, 0, 0, 0, s->argv_print};
    char opts[160];
    snprintf(opts, sizeof opts, "%d|%s|%d", ro->format, ro->encoding ? ro->encoding : "",
             ro->strict);
    fp[2] = ty_fnv1a(opts, strlen(opts));
    for (int i = 0; i < nfiles; i++) {
        uint64_t h[2];
        file_print(files[i], h);
        fp[3] = ty_fnv1a(files[i], strlen(files[i] ) + 1) ^ (fp[3] * 1099511628211ull);
        fp[4] = (fp[4] * 1099511628211ull) ^ h[1];
        fp[5] = (fp[5] * 1099511628211ull) ^ h[0];
    }
    uint64_t *all = calloc((size_t)s->size * F, sizeof *all);
    MPI_Request r;
    if (!all || MPI_Iallgather(fp, F, MPI_UINT64_T, all, F, MPI_UINT64_T, MPI_COMM_WORLD, &r) !=
                    MPI_SUCCESS || ty_mpicomm_wait(&r, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    int bad = -1, what = 0;
    for (int k = 1; k < s->size && bad < 0; k++)
        for (int j = 0; j < F && bad < 0; j++)
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
static void set_inputs(void *ud, char **files, int nfiles, const tenyo_read_opts *ro) {
    share_state *s = ud;
    if (s->size > 1) same_inputs(s, files, nfiles, ro);
    s->files = files;
    s->nfiles = nfiles;
    s->ro = *ro;
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
        if (s.rank == 0)
            fprintf(stderr, "tenyo-mpi: the processes run different commands (process 0: '%s'); "
                            "every process of the job must run the same one\n", cmd);
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
                     .inputs = set_inputs, .sink = s.size > 1 ? read_sink : NULL, .ud = &s};
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
        if (bcast_wait(h, HEAD_N)) MPI_Abort(MPI_COMM_WORLD, 70);
    }
    /* every rank's peak resident memory, to rank 0 */
    /* the CLI's peak (getrusage's maxrss: the kernel's VmHWM) */
    double hwm = cli_peak_mib(), *hwms = s.rank == 0 ? calloc((size_t)s.size, sizeof *hwms) : NULL;
    MPI_Request gr;
    if (MPI_Igather(&hwm, 1, MPI_DOUBLE, hwms, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD, &gr) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&gr, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    if (s.rank == 0 && cli_index_dist && s.size > 1) {
        /* what the other ranks tokenized, as process 0 received it */
        fprintf(stderr, "tenyo-mpi: %d processes, chunks of %u lines; received %llu chunks "
                        "(%.2f MB of metadata and merge input):", s.size, chunk_size(),
                (unsigned long long)s.chunks, (double)s.bytes / 1e6);
        for (int r = 1; r < s.size && s.from; r++)
            fprintf(stderr, " %llu from rank %d%s", (unsigned long long)s.from[r], r,
                    r + 1 < s.size ? "," : "");
        fprintf(stderr, "; SVD rows shared in blocks of %d, rank 0 put %.2f MB into %llu "
                        "reductions\n", TY_SVD_BLOCK, (double)s.svd_bytes / 1e6,
                (unsigned long long)s.svd_calls);
        fprintf(stderr, "tenyo-mpi: rank 0 received after the SVD %.2f MB: IVF sample vectors "
                        "%.2f MB, k-means assignments %.2f MB, list assignments %.2f MB, field "
                        "model rows %.2f MB, rows and vectors for the file %.2f MB\n",
                (double)(s.got[0] + s.got[1] + s.got[2] + s.got[3] + s.got[4]) / 1e6,
                (double)s.got[POST_VECS] / 1e6, (double)s.got[POST_KASG] / 1e6,
                (double)s.got[POST_ASG] / 1e6, (double)s.got[POST_ROWS] / 1e6,
                (double)s.got[POST_FILE] / 1e6);
    }
    /* the index files each rank wrote (a sharded index: its shards), the
     * k-means sample rows it assigned and their distance evaluations, and
     * its second read of the inputs (ms) */
    ks_drop(&s);
    enum { W = 8 };
    uint64_t wr[W] = {s.wrote_files, s.wrote_bytes, s.ks_rows, s.ks_evals,
                      (uint64_t)(s.reread_s * 1000 + 0.5), s.taken,
                      (uint64_t)(s.read_s * 1000 + 0.5),
                      (uint64_t)(s.send_wait * 1000 + 0.5)};
    uint64_t *wrs = s.rank == 0 ? calloc(W * (size_t)s.size, sizeof *wrs) : NULL;
    if (MPI_Igather(wr, W, MPI_UINT64_T, wrs, W, MPI_UINT64_T, 0, MPI_COMM_WORLD, &gr) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&gr, POLL_NS))
        MPI_Abort(MPI_COMM_WORLD, 70);
    /* each line one write (stderr is unbuffered): mpirun --tag-output
     * tags what arrives, and a line in pieces would be tagged in pieces */
    char *line = NULL;
    size_t ll = 0;
    FILE *ms = s.rank == 0 && cli_index_dist ? open_memstream(&line, &ll) : NULL;
    if (ms && wrs && s.size > 1) {
        /* each rank's share of the reading: the records its reader handed
         * out (its own; the others' lines skipped), its seconds in the
         * reader (the inputs' time less the builder's) and those it waited
         * for rank 0 to take its chunks (INFLIGHT) */
        fprintf(ms, "tenyo-mpi: records parsed per rank (seconds reading, seconds waiting "
                    "for rank 0 to take them):");
        for (int r = 0; r < s.size; r++)
            fprintf(ms, " %d: %llu (%.2f, %.2f)%s", r, (unsigned long long)wrs[W * r + 5],
                    (double)wrs[W * r + 6] / 1e3, (double)wrs[W * r + 7] / 1e3,
                    r + 1 < s.size ? "," : "\n");
        /* rank 0's merge of the others' records: serial, so at scale the
         * rate every other rank's share must be taken at */
        fprintf(ms, "tenyo-mpi: rank 0 merged %llu records of the other ranks in %.2f s "
                    "of CPU (%.1f us a record), waiting %.2f s for their chunks\n",
                (unsigned long long)s.took, s.took_merge,
                s.took ? 1e6 * s.took_merge / (double)s.took : 0.0, s.took_wait);
    }
    if (ms && wrs && s.wrote_files) {
        fprintf(ms, "tenyo-mpi: shard files written per rank (the manifest by rank 0 "
                    "last; %.2f MB of pieces sent for %llu documents, %.2f MB of them record "
                    "numbers):", (double)s.shard_sent / 1e6, (unsigned long long)s.shard_docs,
                (double)s.shard_recs / 1e6);
        for (int r = 0; r < s.size; r++)
            fprintf(ms, " %d: %llu files, %.2f MB%s", r, (unsigned long long)wrs[W * r],
                    (double)wrs[W * r + 1] / 1e6, r + 1 < s.size ? "," : "\n");
        fprintf(ms, "tenyo-mpi: inputs read again by the shards' writers for their "
                    "documents' metadata, seconds per rank:");
        for (int r = 0; r < s.size; r++)
            fprintf(ms, " %d: %.2f%s", r, (double)wrs[W * r + 4] / 1e3,
                    r + 1 < s.size ? "," : "\n");
    }
    if (ms && wrs && s.ks_steps) {
        /* the IVF's k-means: what each rank assigned, what moved, rank 0's time */
        fprintf(ms, "tenyo-mpi: k-means assignments per rank (%llu iterations, %u lists; "
                    "sample rows, distance evaluations):",
                (unsigned long long)s.ks_steps, s.ks_nlist);
        for (int r = 0; r < s.size; r++)
            fprintf(ms, " %d: %llu, %llu%s", r, (unsigned long long)wrs[W * r + 2],
                    (unsigned long long)wrs[W * r + 3], r + 1 < s.size ? "," : "");
        fprintf(ms, "; per iteration %.4f MB of centroids to each other rank, %.4f MB of "
                    "assignments back; rank 0 %.3f s in the k-means (%.3f s CPU; %.3f s "
                    "assigning its rows, %.3f s waiting for the others')\n",
                (double)s.ks_bcast / (double)s.ks_steps / 1e6,
                (double)s.got[POST_KASG] / (double)s.ks_steps / 1e6, s.ks_wall, s.ks_cpu,
                s.ks_own, s.ks_wait);
    }
    free(wrs);
    if (ms && hwms) {
        fprintf(ms, "tenyo-mpi: peak memory (VmHWM) per rank:");
        for (int r = 0; r < s.size; r++)
            fprintf(ms, " %d: %.1f MiB%s", r, hwms[r], r + 1 < s.size ? "," : "\n");
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
