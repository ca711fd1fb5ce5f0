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
 * local ids and its phrases (api/build_tok.c, "shared tokenizing", has the
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
 * The weighting, every rank at once (api/build_weight.c, "weight"; the collectives
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
 * is a sharded one (store/shards_write.c, layout in store/format.h): a manifest
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
 *
 * The files (index_mpi.h: the state and job headers they share). This one:
 * the chunk exchange, the weighting's collectives, the followers' loop,
 * the wiring of the builder's callbacks and main (with its report of what
 * each rank did); mpi_read.c: each rank's reading; mpi_after.c: the SVD
 * and what follows it; mpi_shards.c: the sharded output; mpi_msg.c: the
 * message helpers all of them use; serve.c: `tenyo-mpi serve`.
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
