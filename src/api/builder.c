/*
 * builder.c — tenyo_builder: records in, index file out, in memory
 * proportional to the terms of the corpus, not to its text.
 *
 * Pipeline (each stage a separate layer, glued here):
 *   1. add:      the record's metadata is kept (id, title, applicant, date,
 *                codes: one allocation per document) and its text to index
 *                is copied into a pending batch. A repeated id replaces the
 *                earlier record in place and is counted.
 *   2. tokenize: when the batch holds BATCH_DOCS documents or BATCH_BYTES
 *                of text (and at write), it is tokenized in parallel: one
 *                ty_tokctx (MeCab lattice + ICU state) per thread, kept
 *                across batches, over one shared MeCab model; each worker
 *                writes the terms of its documents into per-document
 *                buffers. The main thread then merges the batch in document
 *                order: terms are interned into the raw vocabulary (a
 *                ty_strmap, so raw term ids are in first-occurrence order),
 *                and of each document only its sorted (raw term id, count)
 *                pairs are kept, varint-encoded (id deltas, counts) in one
 *                arena, about 3 bytes a pair; the surface words of stemmed
 *                terms go straight into a per-term majority vote and the
 *                application phrases are interned. The raw text is freed.
 *   3. weight:   at write, document frequencies over the live documents,
 *                min_df / max_df_ratio filtering (term ids stay in
 *                first-occurrence order), sublinear TF-IDF rows. The terms
 *                max_df dropped (at most 4,096) are kept as the "common"
 *                section, so a query of only such words is told they are
 *                too common rather than absent (a rebuild passes the
 *                base's on: set_common).
 *   4. factor:   randomized truncated SVD of the TF-IDF matrix (model/svd.c);
 *                the term basis V is stored for query fold-in and the
 *                document vectors are the L2-normalised rows of A V (= U S),
 *                so that a folded-in indexed document lands exactly on its
 *                own vector.
 *   5. store:    fields, metadata and everything above go to store/ (write.c),
 *                which writes the file atomically.
 * A shared build (tenyo-mpi index; "shared tokenizing" and "after the
 * SVD" below) runs the same stages with the records and rows spread over
 * processes: each process is given and tokenizes only its own records,
 * and process 0 takes the others' metadata and merge input in record
 * order; after the SVD each keeps its block's rows and vectors, process 0 fetches
 * the IVF's sample vectors and the field model's rows only, has each
 * process assign its sample rows in every k-means iteration and then its
 * vectors to the IVF's lists, and gathers the whole
 * matrix and vectors last, for the file. A sharded shared build
 * (ty_builder_share.docs_elsewhere) keeps no document text on process 0:
 * it keeps of a record its id (the id map), its codes reduced to their
 * distinct field subclasses (slim_meta: the field table and lists come
 * out the same, fields_of), its flags and whether it has an abstract;
 * the docmeta strings and abstracts are made by each shard's writer from
 * the inputs read again (ty_builder_doc_meta: make_meta, fields_of and
 * keep_abstract, the code the one-process build runs), for the live
 * records write_shards names (each document's record position).
 * Term ids, phrase ids and the surface votes depend only on the order in
 * which records were added, never on the thread count or on where batches
 * were cut, so the file is the same bytes for any --threads, and (without
 * repeated ids) the same bytes as a builder that kept every text and
 * tokenized it all at write time.
 *
 * Repeated ids. The new record takes the old one's place: its metadata at
 * once, its text as a new pending entry whose merge replaces the slot's
 * pairs (the old pairs stay in the arena as dead bytes; repeats are rare).
 * Every version is tokenized and merged in add order, even one replaced
 * while still pending, so that raw ids do not depend on batch boundaries.
 * Terms only replaced versions had get df 0 and disappear; phrases are
 * renumbered at write by first use among live documents. Two things differ
 * from a build that sees only the final versions: term ids follow the
 * first occurrence in add order (replaced versions included) rather than
 * in document order, and the surface vote, which cannot be undone, keeps
 * the replaced versions' words (a display detail: which word shows for a
 * stemmed term). Both are deterministic; without repeated ids there is no
 * difference at all.
 *
 * ty_builder_add_counts() adds a document as terms and counts (the rebuild
 * of an index from its stored counts): it first merges the pending batch,
 * so text and counts documents may be mixed and keep their order.
 *
 * Records without a title (abstract-only US data) get the first sentence of
 * the abstract as their displayed title, so result lists stay readable.
 *
 * Text indexed per record: title, abstract and claims; the description only
 * when the record has neither abstract nor claims (descriptions are long and
 * repetitive and drown the distinctive vocabulary of the abstract; EVAL.md's
 * protocols use title + abstract). Records without any term are kept (their
 * metadata is searchable by id) with zero vectors, and counted as empty.
 *
 * Rank: the requested rank (default 256) is reduced to half the smaller
 * matrix dimension for small corpora, since a rank near min(n, m) would just
 * reproduce TF-IDF with float noise.
 *
 * Memory (measured, bench/gen_corpus, rank 256): 200k patents, 523 MB of
 * JSONL, peak 1.3 GB, all of it the (term, count) pairs' matrix and the SVD
 * of the write phase; while records are added the process stays near
 * 115 MB for 50k patents (131 MB of JSONL), growing only with the pairs.
 *
 * Rejected: keeping every record's text until write (memory grows with the
 * corpus text: peak 2.1 GB for the 200k patents above); tokenizing
 * each record inside add() on the caller's thread (serial); a background
 * tokenizing thread overlapping the caller's reading (the reader is some
 * ten times faster than the tokenizer, so it would save little, for a
 * second batch in memory and a harder error path); fixed-width (uint32,
 * uint32) pairs (8 bytes a pair instead of about 3).
 */
#include "api/api.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A batch is tokenized when it holds this many documents... */
#define BATCH_DOCS 4096
/* ...or this many bytes of text. */
#define BATCH_BYTES ((size_t)32 << 20)
/* Most application phrases kept per document. */
#define BUILD_DOC_PHRASES 8
/* Most tokenizer threads. */
#define MAX_THREADS TY_PAR_MAX

/* Metadata strings of a document, in this order in bdoc.meta. */
enum { BM_ID, BM_TITLE, BM_APPLICANT, BM_DATE, BM_CODES, BM_N };

/* One document (added record). */
typedef struct bdoc {
    char *meta;        /* BM_N NUL-terminated strings one after another
                          (freed once copied into the index) */
    uint64_t pairs;    /* offset of its encoded pairs in b->pairs */
    uint32_t pairs_len; /* bytes of them */
    uint32_t nterms;   /* distinct raw terms (0: the text had none) */
    uint64_t phr;      /* first of its phrase ids in b->phr */
    uint8_t nphr;      /* phrase ids (<= BUILD_DOC_PHRASES) */
    uint8_t open;      /* licensable */
    int8_t lang;       /* 0 ja, 1 en (set when its terms are merged) */
    char *abs;         /* its abstract, at most BUILD_ABS_MAX bytes (NULL:
                          none, or abstracts not kept) */
    uint8_t has_abs;   /* docs_elsewhere: it has one to keep (kept by the
                          shard's writer, not here) */
    uint64_t rec;      /* position of its current version's record (a
                          shared build: ty_builder_add_at's) */
    uint8_t remote;    /* shared build, process 0: that version's pairs
                          are another process's */
    char *nums;        /* its other numbers (tenyo_doc.numbers), or NULL;
                          not carried by a shared (tenyo-mpi) build */
    char *abs_long;    /* its whole abstract when longer than abs keeps
                          (for the keyword index), else NULL */
} bdoc;

/* A document waiting in the batch to be tokenized. */
typedef struct pdoc {
    size_t slot;       /* the document it is the text of */
    char *text;        /* text to index (freed once merged) */
    size_t len;        /* its bytes */
    int lang;          /* 0 ja, 1 en; -1 until a worker detects it */
    uint64_t rec;      /* its position (a shared build's order) */
    uint64_t moff;     /* shared build, process != 0: its metadata part
                          in b->mbuf (share_add), mlen bytes */
    uint32_t mlen;
} pdoc;

/* Terms of one document after tokenizing: NUL-separated strings. */
typedef struct dterms {
    ty_buf buf;        /* term bytes, each followed by NUL */
    uint32_t n;        /* number of terms */
    ty_buf surf;       /* "stem\x1fword\0" for each stemmed term */
    ty_buf phr;        /* "target\x1fexpression\0", distinct, in text order */
    uint32_t nphr;     /* phrases in phr */
    int status;        /* tokenizer status (< 0 on error) */
} dterms;

/* Rank 0 of a shared build: another process's local ids mapped to ours. */
typedef struct share_map {
    uint32_t *term;            /* local term id -> raw term id */
    uint32_t nterm, capterm;   /* used / allocated */
    uint32_t *word;            /* local word id -> id in words */
    uint32_t nword, capword;   /* used / allocated */
    uint64_t *slot;            /* the process's records in record order:
                                  the document each one is a version of */
    uint64_t *rec;             /* and each one's position */
    uint64_t nslot, capslot;   /* used / allocated */
} share_map;

/* Rank != 0 of a shared build: one of its records' (local id, count)
 * pairs, varint-coded in b->pairs as a document's are. */
typedef struct lpairs {
    uint64_t off;              /* offset in b->pairs */
    uint32_t len;              /* bytes */
} lpairs;

struct tenyo_builder {
    tenyo_build_opts o;        /* options (tok strings copied below) */
    char *dicdir;              /* copy of o.tok.mecab_dicdir */
    ty_tokenizer *tok;         /* shared tokenizer */
    ty_tokctx *ctx[MAX_THREADS]; /* per-thread contexts, made on first use */
    ty_strmap *ids;            /* id -> slot in docs */
    bdoc *docs;                /* records in first-seen order */
    size_t n, cap;             /* used / allocated docs */
    pdoc *batch;               /* pending documents, in add order */
    size_t nbatch, capbatch;   /* used / allocated batch entries */
    size_t batch_bytes;        /* text bytes in the batch */
    size_t batch_docs;         /* documents that make a full batch */
    size_t batch_max;          /* text bytes that make a full batch */
    dterms *dt;                /* tokenizer output, one per batch entry */
    ty_strmap *voc;            /* raw vocabulary: term -> raw id */
    ty_buf pairs;              /* encoded (term, count) pairs of all docs */
    uint64_t dead_pairs;       /* bytes of replaced documents' pairs */
    uint32_t *scratch;         /* raw ids of one document (merge) */
    size_t capscratch;         /* entries allocated in scratch */
    ty_strmap *words;          /* surface words of stemmed terms */
    int64_t *cand;             /* per raw term: voted word id, -1 none */
    uint32_t *votes;           /* per raw term: the vote's counter */
    size_t capvote;            /* entries allocated in cand / votes */
    ty_strmap *phrases;        /* application phrases, first-seen order */
    uint32_t *phr;             /* phrase ids of all documents */
    uint64_t nphr, capphr;     /* used / allocated phr entries */
    uint64_t tokenized;        /* records tokenized or merged so far */
    uint64_t duplicates;       /* replaced records */
    double t0;                 /* time of the first add */
    double sec_tok;            /* seconds tokenizing and merging */
    char *labels;              /* IPC titles blob given by set_labels */
    size_t labels_len;         /* its bytes */
    char *common;              /* too-common terms given by set_common (a
                                  rebuild: the base's; NUL-terminated each) */
    size_t common_len;         /* its bytes */
    ty_builder_share sh;       /* shared tokenizing (sh.size > 1), else 0s */
    uint64_t added;            /* records added so far (their numbers) */
    ty_buf out;                /* rank != 0: the pending chunk, serialized */
    uint64_t out_nrec;         /* its records */
    uint64_t last_rec;         /* rank 0: the last remote record's position
                                  (UINT64_MAX: none yet) */
    double take_wait, take_merge; /* rank 0: seconds waiting for the others'
                                  chunks, and CPU seconds merging them (its
                                  thread's: the wall clock would count the
                                  time other processes had the core) */
    uint64_t take_recs;        /* rank 0: their records */
    ty_buf mbuf;               /* rank != 0: the batch's metadata parts */
    ty_strmap *lvoc;           /* rank != 0: its records' terms (local ids) */
    ty_strmap *lwords;         /* rank != 0: their surface words (local ids) */
    share_map *rmap;           /* rank 0: per process, local ids -> ours */
    uint64_t *pk;              /* (raw id << 32 | count) of a document */
    uint32_t cappk;            /* entries allocated in pk */
    lpairs *lp;                /* rank != 0: its records' pairs, in order */
    uint64_t nlp, caplp;       /* used / allocated */
    uint32_t *lmap;            /* rank != 0: local term id -> raw id (from 0) */
    uint64_t nlmap;            /* its entries */
    uint64_t *lslot;           /* rank != 0: per record of lp, its document
                                  (UINT64_MAX: replaced by a later record) */
    float *prune;              /* scratch of ty_tfidf_prune (max_terms) */
    uint64_t capprune;         /* entries allocated in prune */
    uint32_t *rcol, *rtf;      /* one weighted row (a shared build) */
    float *rval;               /* its values */
    uint64_t caprow;           /* entries allocated in each */
    int written;               /* write() ran: the builder is spent */
    char err[TY_ERRLEN];       /* last error */
};

void tenyo_build_opts_default(tenyo_build_opts *o) {
    memset(o, 0, sizeof *o);
    tenyo_tok_opts_default(&o->tok);
    o->dim = 0;
    o->threads = 0;
    o->min_df = 2;
    o->max_df_ratio = 0.5;
    o->seed = 0x74656e796f21ull; /* "tenyo!" */
    o->oversample = 16;
    o->power_iters = 4;
}

int tenyo_builder_new(const tenyo_build_opts *opts, tenyo_builder **out,
                      char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_builder *b = calloc(1, sizeof *b);
    if (!b) return TENYO_ERR_NOMEM;
    if (opts) b->o = *opts;
    else tenyo_build_opts_default(&b->o);
    int rc = TENYO_ERR_ARG;
    if ((b->o.dim < 0 && b->o.dim != TY_BUILD_NO_LSA) || b->o.dim > TY_MAX_DIM) {
        ty_seterr(err, errlen, "--dim must be between 1 and %d", TY_MAX_DIM);
        goto fail;
    }
    if (b->o.min_df < 1) b->o.min_df = 1;
    if (!(b->o.max_df_ratio > 0 && b->o.max_df_ratio <= 1)) {
        ty_seterr(err, errlen, "max_df_ratio must be in (0, 1]");
        goto fail;
    }
    if (b->o.max_terms < 0) {
        ty_seterr(err, errlen, "max_terms must not be negative");
        goto fail;
    }
    if (b->o.f16_vectors && !b->o.ivf_lists) {
        ty_seterr(err, errlen,
                  "float16 vectors (--f16) serve the approximate search's re-rank: "
                  "build the IVF lists too (--ivf)");
        goto fail;
    }
    if (b->o.oversample < 0 || b->o.power_iters < 0 || b->o.power_iters > 50) {
        ty_seterr(err, errlen, "invalid SVD options");
        goto fail;
    }
    if (b->o.threads <= 0) b->o.threads = ty_ncores();
    if (b->o.threads > MAX_THREADS) b->o.threads = MAX_THREADS;
    b->batch_docs = BATCH_DOCS;
    b->batch_max = BATCH_BYTES;
    rc = TENYO_ERR_NOMEM;
    if (b->o.tok.mecab_dicdir) {
        b->dicdir = ty_strdup(b->o.tok.mecab_dicdir);
        if (!b->dicdir) goto fail;
        b->o.tok.mecab_dicdir = b->dicdir;
    }
    b->ids = ty_strmap_new();
    b->voc = ty_strmap_new();
    b->words = ty_strmap_new();
    b->phrases = ty_strmap_new();
    if (!b->ids || !b->voc || !b->words || !b->phrases) goto fail;
    rc = ty_tokenizer_new(&b->o.tok, &b->tok, err, errlen);
    if (rc) goto fail;
    *out = b;
    return TENYO_OK;
fail:
    tenyo_builder_free(b);
    return rc;
}

static void dterms_free(dterms *d) {
    ty_buf_free(&d->buf);
    ty_buf_free(&d->surf);
    ty_buf_free(&d->phr);
    memset(d, 0, sizeof *d);
}

/* Free the term side of the build (vocabulary, pairs, votes, phrases):
 * after weighting, all of it is in the model. */
static void release_terms(tenyo_builder *b) {
    ty_buf_free(&b->pairs);
    free(b->scratch);
    b->scratch = NULL;
    b->capscratch = 0;
    free(b->cand);
    free(b->votes);
    b->cand = NULL;
    b->votes = NULL;
    b->capvote = 0;
    free(b->phr);
    b->phr = NULL;
    b->nphr = b->capphr = 0;
    ty_strmap_free(b->voc);
    ty_strmap_free(b->words);
    ty_strmap_free(b->phrases);
    b->voc = b->words = b->phrases = NULL;
}

/* Free what the build keeps between adds (not the options or the
 * tokenizer). */
static void release(tenyo_builder *b) {
    for (size_t i = 0; i < b->n; i++) {
        free(b->docs[i].meta);
        free(b->docs[i].abs);
        free(b->docs[i].nums);
        free(b->docs[i].abs_long);
    }
    free(b->docs);
    b->docs = NULL;
    b->n = b->cap = 0;
    for (size_t i = 0; i < b->nbatch; i++) free(b->batch[i].text);
    free(b->batch);
    b->batch = NULL;
    if (b->dt)
        for (size_t i = 0; i < b->capbatch; i++) dterms_free(&b->dt[i]);
    free(b->dt);
    b->dt = NULL;
    b->nbatch = b->capbatch = b->batch_bytes = 0;
    release_terms(b);
    ty_strmap_free(b->ids);
    b->ids = NULL;
    ty_buf_free(&b->out);
    ty_strmap_free(b->lvoc);
    ty_strmap_free(b->lwords);
    b->lvoc = b->lwords = NULL;
    for (int r = 0; b->rmap && r < b->sh.size; r++) {
        free(b->rmap[r].term);
        free(b->rmap[r].word);
        free(b->rmap[r].slot);
        free(b->rmap[r].rec);
    }
    free(b->rmap);
    b->rmap = NULL;
    free(b->pk);
    b->pk = NULL;
    b->cappk = 0;
    free(b->lp);
    b->lp = NULL;
    b->nlp = b->caplp = 0;
    free(b->lmap);
    free(b->lslot);
    b->lmap = NULL;
    b->lslot = NULL;
    b->nlmap = 0;
    free(b->prune);
    free(b->rcol);
    free(b->rtf);
    free(b->rval);
    b->prune = b->rval = NULL;
    b->rcol = b->rtf = NULL;
    b->capprune = b->caprow = 0;
    ty_buf_free(&b->mbuf);
}

void tenyo_builder_free(tenyo_builder *b) {
    if (!b) return;
    release(b);
    for (int t = 0; t < MAX_THREADS; t++) ty_tokctx_free(b->ctx[t]);
    ty_tokenizer_free(b->tok);
    free(b->dicdir);
    free(b->common);
    free(b->labels);
    free(b);
}

const char *tenyo_builder_error(const tenyo_builder *b) {
    return b ? b->err : "";
}

/* The k-th metadata string (BM_*) of d. */
static const char *meta_get(const bdoc *d, int k) {
    const char *s = d->meta;
    for (int i = 0; i < k; i++) s += strlen(s) + 1;
    return s;
}

/* The abstract kept for reading (section "abstracts"): NULL for none or
 * when abstracts are not kept, else a copy cut at a character boundary
 * below BUILD_ABS_MAX bytes. *oom set when out of memory. */
#define BUILD_ABS_MAX 4096
static char *keep_abstract(int no_abstracts, const char *a, int *oom) {
    *oom = 0;
    if (no_abstracts || !a || !*a) return NULL;
    size_t n = strlen(a);
    if (n >= BUILD_ABS_MAX) {
        n = BUILD_ABS_MAX - 1;
        while (n && ((unsigned char)a[n] & 0xC0) == 0x80) n--;
    }
    char *c = ty_strndup(a, n);
    *oom = !c;
    return c;
}

/* Append s (if non-empty) to text, separated by a newline. */
static int add_text(ty_buf *t, const char *s) {
    if (!s || !*s) return 0;
    if (t->len && ty_buf_putc(t, '\n')) return -1;
    return ty_buf_append(t, s, strlen(s));
}

/* Title shown for a record without one (US abstracts-only data): the first
 * sentence of the abstract, cut at a character boundary near 90 bytes and
 * marked with "…" when cut. */
static char *display_title(const char *abs) {
    if (!abs) return ty_strdup("");
    size_t n = strlen(abs), cut = 0;
    for (size_t i = 0; i < n; i++) {
        if (abs[i] == '.' && (i + 1 == n || abs[i + 1] == ' ')) { cut = i + 1; break; }
        if (i >= 90 && ((unsigned char)abs[i] & 0xC0) != 0x80) { cut = i; break; }
    }
    if (!cut) return ty_strdup(abs);
    ty_buf t = {0};
    if (ty_buf_append(&t, abs, cut) ||
        (abs[cut - 1] != '.' && ty_buf_append(&t, "\xE2\x80\xA6", 3))) {
        ty_buf_free(&t);
        return NULL;
    }
    return t.p;
}

/* The metadata block of a record: id, title (or the display title from the
 * abstract when use_abstract), applicant, date and the ';'-joined codes
 * (FI codes contain commas: B23K9/12,331@L). NULL when out of memory. */
static char *make_meta(const tenyo_doc *d, int use_abstract) {
    ty_buf m = {0};
    char *title = d->title && *d->title ? NULL
                  : use_abstract        ? display_title(d->abstract)
                                        : ty_strdup("");
    const char *t = d->title && *d->title ? d->title : title;
    int bad = !t || ty_buf_append(&m, d->id, strlen(d->id) + 1) ||
              ty_buf_append(&m, t, strlen(t) + 1);
    const char *app = d->applicant ? d->applicant : "";
    const char *date = d->date ? d->date : "";
    bad = bad || ty_buf_append(&m, app, strlen(app) + 1) ||
          ty_buf_append(&m, date, strlen(date) + 1);
    int first = 1;
    for (size_t i = 0; i < d->ncodes && !bad; i++) {
        if (!d->codes[i] || !*d->codes[i]) continue;
        bad = (!first && ty_buf_putc(&m, ';')) ||
              ty_buf_append(&m, d->codes[i], strlen(d->codes[i]));
        first = 0;
    }
    bad = bad || ty_buf_putc(&m, 0);
    free(title);
    if (bad) {
        ty_buf_free(&m);
        return NULL;
    }
    return m.p;
}

static int next_subclass(const char **p, char sc[5]);

static int cmp_code4(const void *a, const void *b) {
    return memcmp(a, b, 4);
}

/* A sharded tenyo-mpi build whose shards' writers make the documents'
 * metadata (ty_builder_share.docs_elsewhere): process 0 keeps of a record
 * only what global decisions need (docs_elsewhere), which is all the
 * other processes send it of theirs. */
static int slim_docs(const tenyo_builder *b) {
    return b->o.shards > 0 && b->sh.size > 1 && b->sh.shards && b->sh.nnz &&
           b->sh.docs_elsewhere;
}

static int docs_elsewhere(const tenyo_builder *b) {
    return slim_docs(b) && b->sh.rank == 0;
}

/* The distinct field subclasses of a ';'-joined code list, in the order a
 * document's field list keeps them (the first code's field first, the
 * "home" of EVAL.md, then the rest in code order, which is field id
 * order: the field table is sorted), 4 bytes each, into o (emptied
 * first). The one code behind docfields and the "fields" string. */
static int fields_of(const char *codes, ty_buf *o) {
    char sc[5];
    o->len = 0;
    while (next_subclass(&codes, sc)) {
        int seen = 0;
        for (size_t q = 0; q < o->len && !seen; q += 4) seen = !memcmp(o->p + q, sc, 4);
        if (!seen && ty_buf_append(o, sc, 4)) return TENYO_ERR_NOMEM;
    }
    if (o->len > 8) qsort(o->p + 4, o->len / 4 - 1, 4, cmp_code4);
    return TENYO_OK;
}

/* A record's metadata block as docs_elsewhere keeps it: four empty
 * strings (id, title, applicant, date) and its codes reduced to their
 * distinct field subclasses in their list order, ';'-joined (build_fields
 * reads the same fields from it as from the codes). NULL: out of memory. */
static char *slim_meta(const tenyo_doc *d) {
    ty_buf c = {0}, f = {0}, m = {0};
    int bad = 0;
    for (size_t i = 0; i < d->ncodes && !bad; i++) {
        if (!d->codes[i] || !*d->codes[i]) continue;
        bad = (c.len && ty_buf_putc(&c, ';')) ||
              ty_buf_append(&c, d->codes[i], strlen(d->codes[i]));
    }
    bad = bad || ty_buf_putc(&c, 0) || fields_of(c.p, &f) || ty_buf_append(&m, "\0\0\0\0", 4);
    for (size_t q = 0; q < f.len && !bad; q += 4)
        bad = (q && ty_buf_putc(&m, ';')) || ty_buf_append(&m, f.p + q, 4);
    bad = bad || ty_buf_putc(&m, 0);
    ty_buf_free(&c);
    ty_buf_free(&f);
    if (bad) ty_buf_free(&m);
    return bad ? NULL : m.p;
}

/* The language code of a record: 0 ja, 1 en, -1 unknown. */
static int lang_code(const char *l) {
    return l && strcmp(l, "ja") == 0   ? 0
           : l && strcmp(l, "en") == 0 ? 1
                                       : -1;
}

/* The slot of id: an existing one (*is_new = 0; its metadata is replaced by
 * the caller) or a new one at the end. <0 when out of memory. */
static int64_t take_slot(tenyo_builder *b, const char *id, int *is_new) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        bdoc *p = ty_reallocarray(b->docs, cap, sizeof *p);
        if (!p) return TENYO_ERR_NOMEM;
        b->docs = p;
        b->cap = cap;
    }
    int64_t slot = ty_strmap_intern(b->ids, id, strlen(id), is_new);
    if (slot < 0) return slot;
    if (*is_new) {
        memset(&b->docs[b->n], 0, sizeof b->docs[b->n]);
        b->n++;
    } else {
        b->duplicates++;
    }
    return slot;
}

/* Room for one more document in the batch (and its term slot): 0 or
 * TENYO_ERR_NOMEM. */
static int batch_room(tenyo_builder *b) {
    if (b->nbatch < b->capbatch) return TENYO_OK;
    size_t cap = b->capbatch ? b->capbatch * 2 : 256;
    pdoc *p = ty_reallocarray(b->batch, cap, sizeof *p);
    if (!p) return TENYO_ERR_NOMEM;
    b->batch = p;
    dterms *q = ty_reallocarray(b->dt, cap, sizeof *q);
    if (!q) return TENYO_ERR_NOMEM;
    memset(q + b->capbatch, 0, (cap - b->capbatch) * sizeof *q);
    b->dt = q;
    b->capbatch = cap;
    return TENYO_OK;
}

static int tokenize_batch(tenyo_builder *b);
static int share_add(tenyo_builder *b, uint64_t rec, ty_buf *text, int lang,
                     const tenyo_doc *d);

/* A record's metadata as the builder keeps it (process 0), into *meta and
 * *abs (NULL: none kept) and *has_abs: docs_elsewhere's slim block, else
 * the whole one and the abstract. 0 or TENYO_ERR_NOMEM. */
static int doc_keep(const tenyo_builder *b, int slim, const tenyo_doc *d, char **meta,
                    char **abs, uint8_t *has_abs) {
    int oom = 0;
    *abs = NULL;
    if (!(*meta = slim ? slim_meta(d) : make_meta(d, 1))) return TENYO_ERR_NOMEM;
    if (!slim) *abs = keep_abstract(b->o.no_abstracts, d->abstract, &oom);
    if (oom) {
        free(*meta);
        *meta = NULL;
        return TENYO_ERR_NOMEM;
    }
    *has_abs = slim && !b->o.no_abstracts && d->abstract && *d->abstract;
    return TENYO_OK;
}

/* Process 0: record rec (id; meta and abs owned from the call on) takes
 * its document's place, as tenyo_builder_add does; its slot into *slot.
 * A replaced record still pending is tokenized all the same, and its
 * successor's merge replaces it: the terms seen, and so the ids, do not
 * depend on where batches are cut. */
static int doc_place(tenyo_builder *b, const char *id, char *meta, char *abs, uint8_t has_abs,
                     int open, size_t *slot) {
    if (b->n == 0 && b->t0 == 0) b->t0 = ty_now();
    int is_new = 0;
    int64_t s = batch_room(b) ? TENYO_ERR_NOMEM : take_slot(b, id, &is_new);
    if (s < 0) {
        free(meta);
        free(abs);
        return (int)s;
    }
    bdoc *bd = &b->docs[s];
    free(bd->meta);
    bd->meta = meta;
    free(bd->abs);
    bd->abs = abs;
    bd->has_abs = has_abs;
    bd->open = open ? 1 : 0;
    *slot = (size_t)s;
    return TENYO_OK;
}

static int add_at(tenyo_builder *b, const tenyo_doc *d, uint64_t rec) {
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (!*d->id) {
        ty_seterr(b->err, sizeof b->err, "record without id");
        return TENYO_ERR_INPUT;
    }
    ty_buf text = {0};
    int rc = TENYO_ERR_NOMEM;
    b->added++;
    if (add_text(&text, d->title) || add_text(&text, d->abstract) ||
        add_text(&text, d->claims))
        goto fail;
    if ((!d->abstract || !*d->abstract) && (!d->claims || !*d->claims) &&
        add_text(&text, d->description))
        goto fail;
    if (!text.p && !(text.p = ty_strdup(""))) goto fail;
    if (b->sh.size > 1 && b->sh.rank != 0) return share_add(b, rec, &text, lang_code(d->lang), d);
    char *meta, *ab;
    uint8_t has_abs;
    size_t slot;
    if ((rc = doc_keep(b, docs_elsewhere(b), d, &meta, &ab, &has_abs)) ||
        (rc = doc_place(b, d->id, meta, ab, has_abs, d->open, &slot)))
        goto fail;
    free(b->docs[slot].nums); /* a record's numbers replace its earlier version's */
    b->docs[slot].nums = NULL;
    if (d->numbers && *d->numbers && !(b->docs[slot].nums = ty_strdup(d->numbers))) {
        rc = TENYO_ERR_NOMEM;
        goto fail;
    }
    free(b->docs[slot].abs_long); /* the keyword index reads the whole abstract */
    b->docs[slot].abs_long = NULL;
    if (b->docs[slot].abs && d->abstract && strlen(d->abstract) >= BUILD_ABS_MAX &&
        !(b->docs[slot].abs_long = ty_strdup(d->abstract))) {
        rc = TENYO_ERR_NOMEM;
        goto fail;
    }
    b->batch[b->nbatch++] = (pdoc){.slot = slot, .text = text.p, .len = text.len,
                                   .lang = lang_code(d->lang), .rec = rec};
    b->batch_bytes += text.len;
    if (b->nbatch >= b->batch_docs || b->batch_bytes >= b->batch_max)
        return tokenize_batch(b);
    return TENYO_OK;
fail:
    ty_buf_free(&text);
    ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
    return rc;
}

int tenyo_builder_add(tenyo_builder *b, const tenyo_doc *d) {
    if (!b || !d || !d->id) return TENYO_ERR_ARG;
    if (b->sh.size > 1) {
        ty_seterr(b->err, sizeof b->err, "a shared build takes records with their "
                  "positions (ty_builder_add_at)");
        return TENYO_ERR_ARG;
    }
    return add_at(b, d, b->added);
}

int ty_builder_add_at(tenyo_builder *b, const tenyo_doc *d, uint64_t rec) {
    if (!b || !d || !d->id) return TENYO_ERR_ARG;
    return add_at(b, d, rec);
}

/* ============================================================ tokenize */

/* The work of one batch, shared by the workers. Entries are taken from
 * next as workers come free (documents differ in length, so fixed shares
 * would idle some workers); each entry's output goes to its own dt[i] and
 * the batch is merged in entry order afterwards, so which worker took an
 * entry changes no bit. */
typedef struct tok_job {
    tenyo_builder *b;          /* builder (batch, dt, ctx) */
    atomic_size_t next;        /* next batch entry to take */
    atomic_size_t done;        /* entries finished (progress) */
    size_t last;               /* done at the last progress report */
    pthread_mutex_t lock;      /* guards err_t and err */
    int err_t;                 /* worker whose failure err holds, or -1 */
    char err[TY_ERRLEN];       /* setup failure message of worker err_t */
} tok_job;

static void emit_term(void *ud, const char *t, size_t n) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->buf, t, n) || ty_buf_putc(&dt->buf, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->n++;
}

static void emit_surface(void *ud, const char *t, size_t n, const char *w,
                         size_t wn) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->surf, t, n) || ty_buf_putc(&dt->surf, 0x1f) ||
        ty_buf_append(&dt->surf, w, wn) || ty_buf_putc(&dt->surf, 0))
        dt->status = TENYO_ERR_NOMEM;
}

/* 1 when the "target\x1fexpression\0" list phr[0..len) already holds the
 * expression e[0..en). */
static int has_expression(const char *phr, size_t len, const char *e,
                          size_t en) {
    for (size_t at = 0; at < len;) {
        const char *q = phr + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        if (sep && (size_t)(q + ql - sep - 1) == en && memcmp(sep + 1, e, en) == 0)
            return 1;
        at += ql + 1;
    }
    return 0;
}

/* Keep the first BUILD_DOC_PHRASES distinct phrases of a document. */
static void emit_phrase(void *ud, const char *t, size_t tn, const char *e,
                        size_t en) {
    dterms *dt = ud;
    if (dt->status || dt->nphr >= BUILD_DOC_PHRASES || memchr(e, 0, en) ||
        memchr(t, 0x1f, tn) || memchr(e, 0x1f, en) || memchr(t, 0, tn))
        return;
    if (has_expression(dt->phr.p, dt->phr.len, e, en)) return;
    if (ty_buf_append(&dt->phr, t, tn) || ty_buf_putc(&dt->phr, 0x1f) ||
        ty_buf_append(&dt->phr, e, en) || ty_buf_putc(&dt->phr, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->nphr++;
}

/* ty_parallel worker t: tokenize batch entries until none is left, with
 * context t (made on first use and kept in the builder for later batches).
 * A context that cannot be made fails the worker; of several failures the
 * message kept is that of the lowest-numbered worker, whose status
 * ty_parallel returns, so the error does not depend on timing. */
static int tok_worker(void *ud, int t, int nt) {
    (void)nt;
    tok_job *j = ud;
    tenyo_builder *b = j->b;
    char err[TY_ERRLEN];
    int rc = b->ctx[t] ? TENYO_OK
                       : ty_tokctx_new(b->tok, &b->ctx[t], err, sizeof err);
    if (rc) {
        pthread_mutex_lock(&j->lock);
        if (j->err_t < 0 || t < j->err_t) {
            j->err_t = t;
            memcpy(j->err, err, sizeof err);
        }
        pthread_mutex_unlock(&j->lock);
        return rc;
    }
    ty_tokctx *c = b->ctx[t];
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= b->nbatch) break;
        pdoc *pd = &b->batch[i];
        dterms *dt = &b->dt[i];
        ty_tok_sink sink = {emit_term, emit_surface, emit_phrase, dt};
        int r = ty_tokenize_sink(c, pd->text, pd->len, &sink);
        if (r < 0 && !dt->status) dt->status = r;
        if (pd->lang < 0) {
            const char *l = ty_detect_lang(pd->text, pd->len);
            pd->lang = l && strcmp(l, "ja") == 0 ? 0 : 1;
        }
        free(pd->text);
        pd->text = NULL;
        atomic_fetch_add(&j->done, 1);
    }
    return TENYO_OK;
}

/* Progress of a batch, from the calling thread while the workers run. It
 * counts records (a repeated id too): the total is what has been added so
 * far, so done < total until write() ends the stage. */
static void tok_watch(void *ud) {
    tok_job *j = ud;
    tenyo_builder *b = j->b;
    size_t d = atomic_load(&j->done);
    uint64_t total = b->tokenized + b->nbatch;
    if (d != j->last && b->tokenized + d < total)
        b->o.progress(b->o.progress_ud, "tokenize", b->tokenized + d, total);
    j->last = d;
}

/* Append v as a varint (7 bits a byte, low first) to b. */
static int put_varint(ty_buf *b, uint32_t v) {
    char tmp[5];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (char)v;
    return ty_buf_append(b, tmp, n);
}

/* Read a varint at *p (written by put_varint) and advance *p. */
static uint32_t get_varint(const unsigned char **p) {
    uint32_t v = 0;
    int shift = 0;
    for (;;) {
        unsigned c = *(*p)++;
        v |= (uint32_t)(c & 0x7F) << shift;
        if (c < 0x80) return v;
        shift += 7;
    }
}

/* Iterator over a document's (raw term id, count) pairs. */
typedef struct pair_it {
    const unsigned char *p, *end; /* encoded pairs left */
    uint32_t id;                  /* last id (ids are delta-coded) */
} pair_it;

static pair_it pairs_of(const tenyo_builder *b, const bdoc *d) {
    const unsigned char *p = (const unsigned char *)b->pairs.p + d->pairs;
    return (pair_it){p, p + d->pairs_len, 0};
}

/* Next pair into *id, *count; 0 at the end. */
static int pair_next(pair_it *it, uint32_t *id, uint32_t *count) {
    if (it->p >= it->end) return 0;
    it->id += get_varint(&it->p);
    *id = it->id;
    *count = get_varint(&it->p);
    return 1;
}

/* Make room for n raw ids in b->scratch. */
static int scratch_room(tenyo_builder *b, size_t n) {
    if (n <= b->capscratch) return TENYO_OK;
    size_t cap = b->capscratch ? b->capscratch : 1024;
    while (cap < n) cap *= 2;
    uint32_t *p = ty_reallocarray(b->scratch, cap, sizeof *p);
    if (!p) return TENYO_ERR_NOMEM;
    b->scratch = p;
    b->capscratch = cap;
    return TENYO_OK;
}

/* Store the raw ids ids[0..n) (with repeats; cnt[i] occurrences of ids[i],
 * or one each when cnt is NULL) as slot's pairs: sorted, counted, encoded
 * at the end of the arena. The slot's earlier pairs become dead bytes. */
static int set_pairs(tenyo_builder *b, size_t slot, uint32_t *ids,
                     const uint32_t *cnt, size_t n) {
    bdoc *d = &b->docs[slot];
    uint64_t start = b->pairs.len;
    uint32_t distinct = 0, last = 0;
    if (!cnt) {
        if (n > 1) qsort(ids, n, sizeof *ids, ty_cmp_u32); /* ids NULL when n is 0 */
        for (size_t k = 0; k < n;) {
            uint32_t id = ids[k], c = 0;
            while (k < n && ids[k] == id) c++, k++;
            if (put_varint(&b->pairs, id - last) || put_varint(&b->pairs, c))
                return TENYO_ERR_NOMEM;
            last = id;
            distinct++;
        }
    } else {
        /* ids are distinct here (the caller summed repeats), sorted */
        for (size_t k = 0; k < n; k++) {
            if (put_varint(&b->pairs, ids[k] - last) ||
                put_varint(&b->pairs, cnt[k]))
                return TENYO_ERR_NOMEM;
            last = ids[k];
            distinct++;
        }
    }
    if (b->pairs.len - start > UINT32_MAX) {
        ty_seterr(b->err, sizeof b->err, "document %s has too many terms",
                  meta_get(d, BM_ID));
        return TENYO_ERR_LIMIT;
    }
    b->dead_pairs += d->pairs_len;
    d->pairs = start;
    d->pairs_len = (uint32_t)(b->pairs.len - start);
    d->nterms = distinct;
    return TENYO_OK;
}

/* One surface vote: the stemmed term (raw id) t was written as word w
 * (Boyer-Moore majority vote, in document order). */
static int vote_id(tenyo_builder *b, int64_t t, int64_t wid);

static int vote(tenyo_builder *b, const char *term, size_t tn, const char *w,
                size_t wn) {
    int64_t t = ty_strmap_get(b->voc, term, tn);
    if (t < 0) return TENYO_OK; /* not a term: cannot be kept */
    int64_t wid = ty_strmap_intern(b->words, w, wn, NULL);
    if (wid < 0) return (int)wid;
    return vote_id(b, t, wid);
}

/* The vote of raw term t (>= 0) for word id wid of b->words. */
static int vote_id(tenyo_builder *b, int64_t t, int64_t wid) {
    uint32_t nraw = ty_strmap_size(b->voc);
    if (nraw > b->capvote) {
        size_t cap = b->capvote ? b->capvote : 4096;
        while (cap < nraw) cap *= 2;
        int64_t *c = ty_reallocarray(b->cand, cap, sizeof *c);
        if (!c) return TENYO_ERR_NOMEM;
        b->cand = c;
        uint32_t *v = ty_reallocarray(b->votes, cap, sizeof *v);
        if (!v) return TENYO_ERR_NOMEM;
        b->votes = v;
        for (size_t i = b->capvote; i < cap; i++) c[i] = -1, v[i] = 0;
        b->capvote = cap;
    }
    if (b->cand[t] == wid) b->votes[t]++;
    else if (b->votes[t] == 0) { b->cand[t] = wid; b->votes[t] = 1; }
    else b->votes[t]--;
    return TENYO_OK;
}

/* Intern the "target\x1fexpression" phrases of list[0..len) (each
 * NUL-terminated) as slot's phrase ids. */
static int set_phrases(tenyo_builder *b, size_t slot, const char *list,
                       size_t len) {
    bdoc *d = &b->docs[slot];
    uint8_t k = 0;
    uint64_t start = b->nphr;
    for (size_t at = 0; at < len && k < BUILD_DOC_PHRASES;) {
        const char *q = list + at;
        size_t ql = strlen(q);
        at += ql + 1;
        int64_t id = ty_strmap_intern(b->phrases, q, ql, NULL);
        if (id < 0) return (int)id;
        if (b->nphr == b->capphr) {
            uint64_t cap = b->capphr ? b->capphr * 2 : 4096;
            uint32_t *p = ty_reallocarray(b->phr, cap, sizeof *p);
            if (!p) return TENYO_ERR_NOMEM;
            b->phr = p;
            b->capphr = cap;
        }
        b->phr[b->nphr++] = (uint32_t)id;
        k++;
    }
    d->phr = start;
    d->nphr = k;
    return TENYO_OK;
}

/* Merge one tokenized batch entry into the build (main thread, in batch
 * order): intern its terms, store its pairs, vote, intern its phrases. */
/* The dt->n NUL-terminated terms of dt interned in m, in text order, their
 * ids into b->scratch (the build's vocabulary here; a process's own in a
 * shared build, share_put_one). */
static int intern_terms(tenyo_builder *b, ty_strmap *m, const dterms *dt) {
    int rc = scratch_room(b, dt->n);
    if (rc) return rc;
    const char *p = dt->buf.p;
    for (uint32_t k = 0; k < dt->n; k++) {
        size_t len = strlen(p);
        int64_t id = ty_strmap_intern(m, p, len, NULL);
        if (id < 0) return (int)id;
        b->scratch[k] = (uint32_t)id;
        p += len + 1;
    }
    return TENYO_OK;
}

static int merge_one(tenyo_builder *b, pdoc *pd, dterms *dt) {
    bdoc *d = &b->docs[pd->slot];
    d->lang = (int8_t)(pd->lang == 0 ? 0 : 1);
    d->rec = pd->rec;
    d->remote = 0;
    if (dt->status == TENYO_ERR_NOMEM) return TENYO_ERR_NOMEM;
    if (dt->status < 0) {
        /* invalid text was reported by the reader; index it as empty */
        dterms_free(dt);
    }
    int rc = intern_terms(b, b->voc, dt);
    if (rc) return rc;
    if ((rc = set_pairs(b, pd->slot, b->scratch, NULL, dt->n))) return rc;
    for (size_t at = 0; at < dt->surf.len;) {
        const char *q = dt->surf.p + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (sep && (rc = vote(b, q, (size_t)(sep - q), sep + 1, strlen(sep + 1))))
            return rc;
    }
    if ((rc = set_phrases(b, pd->slot, dt->phr.p, dt->phr.len))) return rc;
    dterms_free(dt);
    return TENYO_OK;
}

/* ====================================================== shared tokenizing */

/* A shared build (ty_builder_share, tenyo-mpi index): each process is
 * given only its own records (the caller deals them out by position,
 * ty_builder_add_at), and what a record's merge needs in record order
 * travels from the process that read and tokenized it to process 0 — its
 * metadata and merge input, not its tokenizer output — while its (term,
 * count) pairs stay where they are. Each process other than 0 keeps a
 * local vocabulary (lvoc: its records' terms, ids in first-occurrence
 * order over its own records), a local word table (lwords) and its
 * records' sorted (local id, count) pairs (lp, in b->pairs), and sends
 * per chunk (ty_builder_share_end_chunk: every chunk the caller deals it,
 * in order, an empty one too)
 *   chunk head: u64 chunk number, u64 records, u64 x 3 the caller's
 *         counts (CHUNK_HEAD; tenyo-mpi: the file's good, skipped and
 *         empty records so far on that process)
 * then per record
 *   head: u64 position, i32 status, i32 lang, u32 new terms, u32
 *         distinct terms, u32 votes, u32 phrases, u64 body bytes, u64
 *         phrase bytes, u64 metadata bytes (SHARE_HEAD, host byte order:
 *         one binary per job)
 *   body: its metadata (u8 flags: 1 open, 2 has an abstract to keep
 *         elsewhere, 4 abstract follows, 8 other numbers follow; the id,
 *         the BM_N strings of its metadata block as process 0 keeps it
 *         (slim_meta with docs_elsewhere, else make_meta's), the abstract
 *         as kept and the numbers (tenyo_doc.numbers), each
 *         NUL-terminated); the terms this record added to lvoc,
 *         NUL-terminated, in local id order; its surface votes in text
 *         order, each varint (local term id + 1, or 0 and the stem string
 *         when the stem is not a local term) and varint local word id (the
 *         next id: the word string follows); its phrases as the tokenizer
 *         gave them.
 * Process 0 reads and tokenizes its own records only, and takes the other
 * processes' chunks in record order (ty_builder_share_take, the caller
 * choosing when: before its own next record of a later chunk), first
 * merging what it has pending of its own. Per record it does what
 * tenyo_builder_add does with the metadata (the document's place by id,
 * a repeated id replacing the earlier record's) and what merge_one does
 * with the merge input: it keeps per process the maps local term id ->
 * raw id and local word id -> word id and the document each of its
 * records is a version of, interns the new terms in order, votes,
 * interns the phrases; the document's pairs are the other process's (its
 * nterms is the distinct count, its pairs here none). Exact by
 * construction: a term new to the whole build at some record is new to
 * the process that tokenized it (its records are a subset of the earlier
 * ones), and the record's locally new terms are in first-occurrence order
 * within the record, so interning them in local id order gives every new
 * term the raw id the tokenizer's term stream would (merge_one); votes,
 * phrases and ids are replayed in the same order. At write every process
 * weighs its own live records' rows with the others ("weight": share_df,
 * share_rows): process 0 sends each its term map and which of its records
 * are live (a later record with the same id replaces one), document
 * frequencies are summed, every process makes the same kept terms and idf
 * and sends each weighted row to the owner of its SVD block; the pairs,
 * mapped to raw ids and sorted, are the same (id, count) set one process
 * has, so the rows are the same bits. The index is the same bytes for any
 * number of processes. The messages to process 0 are each record's
 * metadata, each term string once per process and a few bytes a surface
 * vote. */
#define SHARE_HEAD 56
#define CHUNK_HEAD 40

/* Append the NUL-terminated s[0..n) to o. */
static int put_str(ty_buf *o, const char *s, size_t n) {
    return ty_buf_append(o, s, n) || ty_buf_putc(o, 0) ? TENYO_ERR_NOMEM : TENYO_OK;
}

/* Rank != 0: record rec's local ids b->scratch[0..n) (with repeats) kept
 * here as its sorted (local id, count) pairs; *distinct of them. */
static int keep_local_pairs(tenyo_builder *b, uint64_t rec, uint32_t n, uint32_t *distinct) {
    if (b->nlp == b->caplp) {
        uint64_t cap = b->caplp ? 2 * b->caplp : 1024;
        lpairs *q = ty_reallocarray(b->lp, cap, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        b->lp = q;
        b->caplp = cap;
    }
    uint64_t start = b->pairs.len;
    if (n > 1) qsort(b->scratch, n, sizeof *b->scratch, ty_cmp_u32);
    *distinct = 0;
    for (uint32_t k = 0, last = 0; k < n;) {
        uint32_t id = b->scratch[k], c = 0;
        while (k < n && b->scratch[k] == id) c++, k++;
        if (put_varint(&b->pairs, id - last) || put_varint(&b->pairs, c))
            return TENYO_ERR_NOMEM;
        last = id;
        (*distinct)++;
    }
    if (b->pairs.len - start > UINT32_MAX) {
        ty_seterr(b->err, sizeof b->err, "record %llu has too many terms",
                  (unsigned long long)rec);
        return TENYO_ERR_LIMIT;
    }
    b->lp[b->nlp++] = (lpairs){start, (uint32_t)(b->pairs.len - start)};
    return TENYO_OK;
}

/* Rank != 0: serialize one tokenized record (batch entry pd) into the
 * pending chunk. */
static int share_put_one(tenyo_builder *b, const pdoc *pd, dterms *dt) {
    if (dt->status == TENYO_ERR_NOMEM) return TENYO_ERR_NOMEM;
    int32_t st = dt->status, lang = pd->lang;
    if (st < 0) dterms_free(dt); /* invalid text: indexed as empty */
    uint32_t before = ty_strmap_size(b->lvoc);
    int rc = intern_terms(b, b->lvoc, dt);
    if (rc) return rc;
    uint32_t nnew = ty_strmap_size(b->lvoc) - before, npairs = 0, nvotes = 0;
    uint32_t nphr = dt->nphr;
    if (!b->out.len && ty_buf_append(&b->out, (char[CHUNK_HEAD]){0}, CHUNK_HEAD))
        return TENYO_ERR_NOMEM;
    size_t at0 = b->out.len;
    unsigned char h[SHARE_HEAD] = {0};
    if (ty_buf_append(&b->out, h, sizeof h) ||
        ty_buf_append(&b->out, b->mbuf.p + pd->moff, pd->mlen))
        return TENYO_ERR_NOMEM;
    for (uint32_t t = before; t < before + nnew; t++) {
        size_t len;
        const char *key = ty_strmap_key(b->lvoc, t, &len);
        if (put_str(&b->out, key, len)) return TENYO_ERR_NOMEM;
    }
    if ((rc = keep_local_pairs(b, pd->rec, dt->n, &npairs))) return rc;
    for (size_t at = 0; at < dt->surf.len;) {
        const char *q = dt->surf.p + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (!sep) continue;
        size_t tn = (size_t)(sep - q), wn = strlen(sep + 1);
        int64_t t = ty_strmap_get(b->lvoc, q, tn);
        if (put_varint(&b->out, t >= 0 ? (uint32_t)t + 1 : 0) ||
            (t < 0 && put_str(&b->out, q, tn)))
            return TENYO_ERR_NOMEM;
        uint32_t wb = ty_strmap_size(b->lwords);
        int64_t w = ty_strmap_intern(b->lwords, sep + 1, wn, NULL);
        if (w < 0) return (int)w;
        if (put_varint(&b->out, (uint32_t)w) ||
            ((uint32_t)w == wb && put_str(&b->out, sep + 1, wn)))
            return TENYO_ERR_NOMEM;
        nvotes++;
    }
    uint64_t phrlen = dt->phr.len, mlen = pd->mlen;
    if (phrlen && ty_buf_append(&b->out, dt->phr.p, phrlen)) return TENYO_ERR_NOMEM;
    uint64_t body = b->out.len - at0 - SHARE_HEAD;
    unsigned char *o = (unsigned char *)b->out.p + at0;
    memcpy(o, &pd->rec, 8);
    memcpy(o + 8, &st, 4);
    memcpy(o + 12, &lang, 4);
    memcpy(o + 16, &nnew, 4);
    memcpy(o + 20, &npairs, 4);
    memcpy(o + 24, &nvotes, 4);
    memcpy(o + 28, &nphr, 4);
    memcpy(o + 32, &body, 8);
    memcpy(o + 40, &phrlen, 8);
    memcpy(o + 48, &mlen, 8);
    b->out_nrec++;
    dterms_free(dt);
    return TENYO_OK;
}

/* Rank != 0: one of its records queued, its metadata part (share_put_one's
 * layout) kept in b->mbuf until the batch is tokenized. */
static int share_add(tenyo_builder *b, uint64_t rec, ty_buf *text, int lang,
                     const tenyo_doc *d) {
    char *meta = NULL, *ab = NULL;
    uint8_t has_abs = 0;
    if (batch_room(b) || doc_keep(b, slim_docs(b), d, &meta, &ab, &has_abs)) goto nomem;
    size_t ml = 0;
    for (int k = 0; k < BM_N; k++) ml += strlen(meta + ml) + 1;
    uint64_t moff = b->mbuf.len;
    int nums = d->numbers && *d->numbers;
    unsigned char fl = (unsigned char)((d->open ? 1 : 0) | (has_abs ? 2 : 0) | (ab ? 4 : 0) |
                                       (nums ? 8 : 0));
    int bad = ty_buf_putc(&b->mbuf, (char)fl) || put_str(&b->mbuf, d->id, strlen(d->id)) ||
              ty_buf_append(&b->mbuf, meta, ml) || (ab && put_str(&b->mbuf, ab, strlen(ab))) ||
              (nums && put_str(&b->mbuf, d->numbers, strlen(d->numbers)));
    free(meta);
    free(ab);
    meta = ab = NULL;
    if (bad || b->mbuf.len - moff > UINT32_MAX) goto nomem;
    b->batch[b->nbatch++] = (pdoc){.text = text->p, .len = text->len, .lang = lang,
                                   .rec = rec, .moff = moff,
                                   .mlen = (uint32_t)(b->mbuf.len - moff)};
    b->batch_bytes += text->len;
    *text = (ty_buf){0};
    if (b->nbatch >= b->batch_docs || b->batch_bytes >= b->batch_max) return tokenize_batch(b);
    return TENYO_OK;
nomem:
    free(meta);
    free(ab);
    ty_buf_free(text);
    ty_seterr(b->err, sizeof b->err, "out of memory queueing a record");
    return TENYO_ERR_NOMEM;
}

int ty_builder_share_end_chunk(tenyo_builder *b, uint64_t chunk, const uint64_t counts[3]) {
    if (!b || b->sh.size <= 1 || b->sh.rank == 0 || b->written) return TENYO_ERR_ARG;
    int rc = tokenize_batch(b);
    if (rc) return rc;
    if (!b->out.len && ty_buf_append(&b->out, (char[CHUNK_HEAD]){0}, CHUNK_HEAD)) {
        ty_seterr(b->err, sizeof b->err, "out of memory ending chunk %llu",
                  (unsigned long long)chunk);
        return TENYO_ERR_NOMEM;
    }
    uint64_t h[5] = {chunk, b->out_nrec, counts ? counts[0] : 0, counts ? counts[1] : 0,
                     counts ? counts[2] : 0};
    memcpy(b->out.p, h, sizeof h);
    void *p = b->out.p;
    size_t n = b->out.len;
    b->out = (ty_buf){0};
    b->out_nrec = 0;
    rc = b->sh.put(b->sh.ud, chunk, p, n);
    if (rc) ty_seterr(b->err, sizeof b->err, "cannot send tokenized chunk %llu",
                      (unsigned long long)chunk);
    return rc;
}

/* A bounded varint at *p (< end) into *v; 0 when it runs past end. */
static int take_varint(const unsigned char **p, const unsigned char *end, uint32_t *v) {
    uint32_t x = 0;
    for (int shift = 0; shift < 35 && *p < end; shift += 7) {
        unsigned c = *(*p)++;
        x |= (uint32_t)(c & 0x7F) << shift;
        if (c < 0x80) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* A NUL-terminated string at *p (< end): its length into *n, *p past it;
 * 0 when it is not terminated before end. */
static int take_str(const unsigned char **p, const unsigned char *end, const char **s,
                    size_t *n) {
    const unsigned char *z = memchr(*p, 0, (size_t)(end - *p));
    if (!z) return 0;
    *s = (const char *)*p;
    *n = (size_t)(z - *p);
    *p = z + 1;
    return 1;
}

/* Append v to the map m (*n used, *cap allocated). */
static int map_push(uint32_t **m, uint32_t *n, uint32_t *cap, uint32_t v) {
    if (*n == *cap) {
        uint32_t c = *cap ? 2 * *cap : 1024;
        uint32_t *q = ty_reallocarray(*m, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        *m = q;
        *cap = c;
    }
    (*m)[(*n)++] = v;
    return TENYO_OK;
}

/* Append (slot, rec) to rm's records. */
static int slot_push(share_map *rm, uint64_t slot, uint64_t rec) {
    if (rm->nslot == rm->capslot) {
        uint64_t c = rm->capslot ? 2 * rm->capslot : 1024;
        uint64_t *q = ty_reallocarray(rm->slot, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        rm->slot = q;
        q = ty_reallocarray(rm->rec, c, sizeof *q);
        if (!q) return TENYO_ERR_NOMEM;
        rm->rec = q;
        rm->capslot = c;
    }
    rm->slot[rm->nslot] = slot;
    rm->rec[rm->nslot++] = rec;
    return TENYO_OK;
}

/* Rank 0: merge the record at h (left bytes) of chunk `chunk` from process
 * owner, whose position follows *last (strictly): its metadata takes its
 * document's place (doc_place), then its merge input is merged as
 * merge_one merges what this process tokenized. *used: its bytes. */
static int share_merge_remote(tenyo_builder *b, int owner, uint64_t chunk,
                              const unsigned char *h, size_t left, uint64_t *last,
                              size_t *used) {
    share_map *rm = &b->rmap[owner];
    uint64_t rec = 0, body, phrlen, mlen;
    int32_t st, lang;
    uint32_t nnew, npairs, nvotes, nphr;
    if (left < SHARE_HEAD) goto bad;
    memcpy(&rec, h, 8);
    memcpy(&st, h + 8, 4);
    memcpy(&lang, h + 12, 4);
    memcpy(&nnew, h + 16, 4);
    memcpy(&npairs, h + 20, 4);
    memcpy(&nvotes, h + 24, 4);
    memcpy(&nphr, h + 28, 4);
    memcpy(&body, h + 32, 8);
    memcpy(&phrlen, h + 40, 8);
    memcpy(&mlen, h + 48, 8);
    if ((*last != UINT64_MAX && rec <= *last) || body > left - SHARE_HEAD ||
        phrlen > body || mlen > body - phrlen || mlen < 2 + BM_N ||
        nphr > BUILD_DOC_PHRASES || (phrlen && h[SHARE_HEAD + body - 1] != 0))
        goto bad;
    *last = rec;
    /* the metadata: flags, id, the block, the abstract */
    const unsigned char *q = h + SHARE_HEAD, *mend = q + mlen;
    unsigned fl = *q++;
    const char *id, *blk, *s;
    size_t idn, n;
    if (fl > 15 || !take_str(&q, mend, &id, &idn) || !idn) goto bad;
    blk = (const char *)q;
    for (int k = 0; k < BM_N; k++)
        if (!take_str(&q, mend, &s, &n)) goto bad;
    size_t bl = (size_t)((const char *)q - blk);
    const char *abs = NULL;
    size_t absn = 0;
    if ((fl & 4) && !take_str(&q, mend, &abs, &absn)) goto bad;
    const char *nums = NULL;
    size_t numsn = 0;
    if ((fl & 8) && !take_str(&q, mend, &nums, &numsn)) goto bad;
    if (q != mend) goto bad;
    char *meta = malloc(bl), *ab = abs ? ty_strndup(abs, absn) : NULL;
    if (meta) memcpy(meta, blk, bl);
    if (!meta || (abs && !ab)) {
        free(meta);
        free(ab);
        goto nomem;
    }
    size_t slot;
    b->added++;
    int rc = doc_place(b, id, meta, ab, (uint8_t)((fl & 2) != 0), fl & 1, &slot);
    if (rc) goto nomem; /* its only failure */
    free(b->docs[slot].nums); /* a record's numbers replace its earlier version's */
    b->docs[slot].nums = nums ? ty_strndup(nums, numsn) : NULL;
    if (nums && !b->docs[slot].nums) goto nomem;
    q = mend;
    const unsigned char *end = h + SHARE_HEAD + body - phrlen;
    bdoc *d = &b->docs[slot];
    d->lang = (int8_t)(lang == 0 ? 0 : 1);
    rc = TENYO_ERR_NOMEM;
    for (uint32_t k = 0; k < nnew; k++) {
        if (!take_str(&q, end, &s, &n)) goto bad;
        int64_t tid = ty_strmap_intern(b->voc, s, n, NULL);
        if (tid < 0) return (int)tid;
        if (map_push(&rm->term, &rm->nterm, &rm->capterm, (uint32_t)tid)) goto nomem;
    }
    /* the pairs stay with the owner (share_rows); the slot is its */
    b->dead_pairs += d->pairs_len;
    d->pairs = 0;
    d->pairs_len = 0;
    d->nterms = npairs;
    d->rec = rec;
    d->remote = 1;
    if (slot_push(rm, slot, rec)) goto nomem;
    for (uint32_t k = 0; k < nvotes; k++) {
        uint32_t tc, wc;
        int64_t t;
        if (!take_varint(&q, end, &tc)) goto bad;
        if (tc == 0) {
            if (!take_str(&q, end, &s, &n)) goto bad;
            t = ty_strmap_get(b->voc, s, n);
        } else {
            if (tc > rm->nterm) goto bad;
            t = rm->term[tc - 1];
        }
        if (!take_varint(&q, end, &wc) || wc > rm->nword) goto bad;
        if (wc == rm->nword) {
            if (!take_str(&q, end, &s, &n)) goto bad;
            int64_t w = ty_strmap_intern(b->words, s, n, NULL);
            if (w < 0) return (int)w;
            if (map_push(&rm->word, &rm->nword, &rm->capword, (uint32_t)w)) goto nomem;
        }
        if (t >= 0 && (rc = vote_id(b, t, rm->word[wc]))) return rc;
    }
    if (q != end) goto bad;
    /* the phrases: nphr NUL-terminated strings */
    uint32_t nul = 0;
    for (uint64_t i = 0; i < phrlen; i++) nul += end[i] == 0;
    if (nul != nphr) goto bad;
    if ((rc = set_phrases(b, slot, (const char *)end, phrlen))) return rc;
    *used = SHARE_HEAD + body;
    return TENYO_OK;
nomem:
    ty_seterr(b->err, sizeof b->err, "out of memory merging tokenized records");
    return TENYO_ERR_NOMEM;
bad:
    ty_seterr(b->err, sizeof b->err, "process %d sent a damaged chunk %llu (record at "
              "position %llu)", owner, (unsigned long long)chunk, (unsigned long long)rec);
    return TENYO_ERR_CORRUPT;
}

int ty_builder_share_take(tenyo_builder *b, uint64_t chunk, int owner, uint64_t counts[3]) {
    if (!b || b->sh.size <= 1 || b->sh.rank != 0 || owner <= 0 || owner >= b->sh.size ||
        b->written)
        return TENYO_ERR_ARG;
    int rc = tokenize_batch(b); /* its own records before these */
    if (rc) return rc;
    double t0 = ty_now();
    void *p = NULL;
    size_t n = 0;
    if ((rc = b->sh.get(b->sh.ud, chunk, owner, &p, &n, b->err, sizeof b->err))) return rc;
    b->take_wait += ty_now() - t0;
    double c1 = ty_cpu_now(1);
    const unsigned char *c = p;
    uint64_t h[5];
    if (n < CHUNK_HEAD) goto bad;
    memcpy(h, c, sizeof h);
    if (h[0] != chunk || h[1] > n / SHARE_HEAD) goto bad;
    if (counts) memcpy(counts, h + 2, 3 * sizeof *counts);
    size_t at = CHUNK_HEAD;
    for (uint64_t i = 0; i < h[1] && !rc; i++) {
        size_t used = 0;
        rc = share_merge_remote(b, owner, chunk, c + at, n - at, &b->last_rec, &used);
        at += used;
    }
    if (!rc && at != n) goto bad;
    free(p);
    b->tokenized += h[1];
    b->take_recs += h[1];
    b->take_merge += ty_cpu_now(1) - c1;
    b->sec_tok += ty_now() - t0;
    if (rc) b->written = 1; /* a failed merge leaves the build unusable */
    return rc;
bad:
    free(p);
    ty_seterr(b->err, sizeof b->err, "process %d sent a damaged chunk %llu (%zu bytes)",
              owner, (unsigned long long)chunk, n);
    b->written = 1;
    return TENYO_ERR_CORRUPT;
}

void ty_builder_share_took(const tenyo_builder *b, uint64_t *recs, double *wait,
                           double *merge) {
    *recs = b ? b->take_recs : 0;
    *wait = b ? b->take_wait : 0;
    *merge = b ? b->take_merge : 0;
}

int ty_builder_set_share(tenyo_builder *b, const ty_builder_share *s) {
    if (!b || !s || s->size < 1 || s->rank < 0 || s->rank >= s->size || b->added ||
        b->written || (s->size > 1 && s->rank != 0 && !s->put) ||
        (s->size > 1 && s->rank == 0 &&
         (!s->get || !s->lsa || !s->vecs || !s->ksample || !s->rows || !s->assign ||
          !s->gather)) ||
        (s->size > 1 && (!s->bcast || !s->sum_u32 || !s->exchange)))
        return TENYO_ERR_ARG;
    if (s->size > 1 && s->rank != 0) {
        b->lvoc = ty_strmap_new();
        b->lwords = ty_strmap_new();
        if (!b->lvoc || !b->lwords) return TENYO_ERR_NOMEM;
    } else if (s->size > 1) {
        b->rmap = ty_calloc((size_t)s->size, sizeof *b->rmap);
        if (!b->rmap) return TENYO_ERR_NOMEM;
    }
    b->sh = *s;
    b->last_rec = UINT64_MAX;
    return TENYO_OK;
}

int ty_builder_share_flush(tenyo_builder *b) {
    if (!b || b->sh.size <= 1 || b->sh.rank == 0 || b->written) return TENYO_ERR_ARG;
    int rc = tokenize_batch(b);
    if (!rc && (b->out.len || b->out_nrec)) {
        ty_seterr(b->err, sizeof b->err, "%llu records were added after the last chunk "
                  "ended", (unsigned long long)b->out_nrec);
        rc = TENYO_ERR_ARG;
    }
    b->written = 1;
    return rc;
}

/* Tokenize the pending batch with b->o.threads workers (progress from this
 * thread while they run), then merge it in order. */
static int tokenize_batch(tenyo_builder *b) {
    if (!b->nbatch) return TENYO_OK;
    double t0 = ty_now();
    tok_job j = {.b = b, .last = (size_t)-1, .err_t = -1};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    pthread_mutex_init(&j.lock, NULL);
    int nt = ty_parallel_workers(b->o.threads, b->nbatch, 1);
    int rc = ty_parallel_watch(nt, tok_worker, &j, b->o.progress ? tok_watch : NULL, &j,
                               100);
    pthread_mutex_destroy(&j.lock);
    if (rc) ty_seterr(b->err, sizeof b->err, "tokenizer: %s", j.err);
    for (size_t i = 0; i < b->nbatch && !rc; i++) {
        if (b->sh.size > 1 && b->sh.rank != 0) {
            rc = share_put_one(b, &b->batch[i], &b->dt[i]);
            continue;
        }
        rc = merge_one(b, &b->batch[i], &b->dt[i]);
    }
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory tokenizing");
    for (size_t i = 0; i < b->nbatch; i++) {
        free(b->batch[i].text);
        dterms_free(&b->dt[i]);
    }
    b->tokenized += b->nbatch;
    b->nbatch = 0;
    b->batch_bytes = 0;
    b->mbuf.len = 0;
    b->sec_tok += ty_now() - t0;
    if (rc) b->written = 1; /* a failed merge leaves the build unusable */
    return rc;
}

const char *ty_builder_tokenizer(const tenyo_builder *b) {
    return ty_tokenizer_identity(b->tok);
}

int ty_builder_set_labels(tenyo_builder *b, const char *blob, size_t len) {
    if (!b || (!blob && len)) return TENYO_ERR_ARG;
    /* checked now, so that write() cannot fail on it */
    ty_labels *lab = NULL;
    int rc = ty_labels_new(&lab);
    if (!rc) rc = ty_labels_deserialize(lab, blob, len, b->err, sizeof b->err);
    ty_labels_free(lab);
    if (rc) return rc;
    char *c = ty_malloc(len ? len : 1);
    if (!c) return TENYO_ERR_NOMEM;
    if (len) memcpy(c, blob, len);
    free(b->labels);
    b->labels = c;
    b->labels_len = len;
    return TENYO_OK;
}

int ty_builder_set_common(tenyo_builder *b, const char *blob, size_t len) {
    if (!b || (!blob && len) || (len && blob[len - 1])) return TENYO_ERR_ARG;
    char *c = ty_malloc(len ? len : 1);
    if (!c) return TENYO_ERR_NOMEM;
    if (len) memcpy(c, blob, len);
    free(b->common);
    b->common = c;
    b->common_len = len;
    return TENYO_OK;
}

void ty_builder_set_batch(tenyo_builder *b, size_t docs, size_t bytes) {
    if (!b) return;
    b->batch_docs = docs ? docs : BATCH_DOCS;
    b->batch_max = bytes ? bytes : BATCH_BYTES;
}

/* ========================================================== counts in */

int ty_builder_keep_long(tenyo_builder *b, const char *id, const char *abs, size_t len) {
    int64_t slot = len < BUILD_ABS_MAX ? -1 : ty_strmap_get(b->ids, id, strlen(id));
    if (slot < 0 || (uint64_t)slot >= b->n || !b->docs[slot].abs) return TENYO_OK;
    free(b->docs[slot].abs_long);
    b->docs[slot].abs_long = ty_strndup(abs, len);
    return b->docs[slot].abs_long ? TENYO_OK : TENYO_ERR_NOMEM;
}

int ty_builder_add_counts(tenyo_builder *b, const tenyo_doc *meta,
                          const char *const *terms, const uint32_t *counts,
                          size_t n, const char *surf, size_t surf_len,
                          const char *phr, size_t phr_len) {
    if (!b || !meta || !meta->id || (n && (!terms || !counts)) ||
        (!surf && surf_len) || (!phr && phr_len))
        return TENYO_ERR_ARG;
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (!*meta->id) {
        ty_seterr(b->err, sizeof b->err, "record without id");
        return TENYO_ERR_INPUT;
    }
    for (size_t i = 0; i < n; i++)
        if (!terms[i] || !*terms[i] || !counts[i]) {
            ty_seterr(b->err, sizeof b->err,
                      "%s: term %zu is empty or has count 0", meta->id, i);
            return TENYO_ERR_ARG;
        }
    if (surf_len && surf[surf_len - 1]) {
        ty_seterr(b->err, sizeof b->err, "%s: surface list not NUL-terminated",
                  meta->id);
        return TENYO_ERR_ARG;
    }
    if (phr_len && phr[phr_len - 1]) {
        ty_seterr(b->err, sizeof b->err, "%s: phrase list not NUL-terminated",
                  meta->id);
        return TENYO_ERR_ARG;
    }
    if (b->n == 0 && b->t0 == 0) b->t0 = ty_now();
    /* keep the order of documents: what is pending goes first */
    int rc = tokenize_batch(b);
    if (rc) return rc;
    char *m = make_meta(meta, 0);
    ty_buf plist = {0};
    uint32_t *cnt = NULL;
    rc = TENYO_ERR_NOMEM;
    if (!m) goto fail;
    /* the first BUILD_DOC_PHRASES distinct phrases, as the tokenizer keeps */
    uint32_t np = 0;
    for (size_t at = 0; at < phr_len && np < BUILD_DOC_PHRASES;) {
        const char *q = phr + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (!sep || !ql) continue;
        const char *e = sep + 1;
        if (has_expression(plist.p, plist.len, e, strlen(e))) continue;
        if (ty_buf_append(&plist, q, ql + 1)) goto fail;
        np++;
    }
    int is_new = 0;
    int64_t slot = take_slot(b, meta->id, &is_new);
    if (slot < 0) {
        rc = (int)slot;
        goto fail;
    }
    bdoc *d = &b->docs[slot];
    int oom;
    char *ab = keep_abstract(b->o.no_abstracts, meta->abstract, &oom);
    if (oom) goto fail;
    free(d->meta);
    d->meta = m;
    m = NULL;
    free(d->abs);
    d->abs = ab;
    d->open = meta->open ? 1 : 0;
    d->lang = (int8_t)lang_code(meta->lang);
    if (d->lang < 0) {
        /* no text: tell the language from the terms */
        ty_buf all = {0};
        for (size_t i = 0; i < n && all.len < 4096; i++)
            if (ty_buf_append(&all, terms[i], strlen(terms[i])) ||
                ty_buf_putc(&all, ' ')) {
                ty_buf_free(&all);
                goto fail;
            }
        const char *l = ty_detect_lang(all.p ? all.p : "", all.len);
        d->lang = l && strcmp(l, "ja") == 0 ? 0 : 1;
        ty_buf_free(&all);
    }
    /* intern in the given order, then sum repeats */
    if ((rc = scratch_room(b, n))) goto fail;
    cnt = ty_mallocarray(n ? n : 1, sizeof *cnt);
    rc = TENYO_ERR_NOMEM;
    if (!cnt) goto fail;
    for (size_t i = 0; i < n; i++) {
        int64_t id = ty_strmap_intern(b->voc, terms[i], strlen(terms[i]), NULL);
        if (id < 0) {
            rc = (int)id;
            goto fail;
        }
        b->scratch[i] = (uint32_t)id;
    }
    /* sort (id, count) by id: an index sort through packed 64-bit keys */
    uint64_t *key = ty_mallocarray(n ? n : 1, sizeof *key);
    if (!key) goto fail;
    for (size_t i = 0; i < n; i++) key[i] = (uint64_t)b->scratch[i] << 32 | i;
    qsort(key, n, sizeof *key, ty_cmp_u64);
    size_t m2 = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = (uint32_t)(key[i] >> 32);
        uint32_t c = counts[(uint32_t)key[i]];
        if (m2 && b->scratch[m2 - 1] == id) {
            cnt[m2 - 1] = cnt[m2 - 1] + c < cnt[m2 - 1] ? UINT32_MAX
                                                        : cnt[m2 - 1] + c;
        } else {
            b->scratch[m2] = id;
            cnt[m2++] = c;
        }
    }
    free(key);
    if ((rc = set_pairs(b, (size_t)slot, b->scratch, cnt, m2))) goto fail;
    for (size_t at = 0; at < surf_len;) {
        const char *q = surf + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        at += ql + 1;
        if (sep && (rc = vote(b, q, (size_t)(sep - q), sep + 1, strlen(sep + 1))))
            goto fail;
    }
    if ((rc = set_phrases(b, (size_t)slot, plist.p, plist.len))) goto fail;
    b->tokenized++;
    ty_buf_free(&plist);
    free(cnt);
    return TENYO_OK;
fail:
    free(m);
    ty_buf_free(&plist);
    free(cnt);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory adding %s", meta->id);
    if (rc != TENYO_ERR_ARG) b->written = 1; /* the build is unusable */
    return rc;
}

/* ============================================================== fields */

/* Subclass of a classification code: first 4 characters after removing
 * spaces, when they look like an IPC subclass (section A-H, two digits, a
 * letter). CPC section Y (tagging) and malformed codes give 0. */
static int code_subclass(const char *code, size_t len, char out[5]) {
    size_t k = 0;
    for (size_t i = 0; i < len && k < 4; i++) {
        unsigned char c = (unsigned char)code[i];
        if (c == ' ' || c == '\t') continue;
        out[k++] = (char)toupper(c);
    }
    out[k] = 0;
    if (k < 4) return 0;
    if (out[0] < 'A' || out[0] > 'H') return 0;
    if (!isdigit((unsigned char)out[1]) || !isdigit((unsigned char)out[2]))
        return 0;
    if (!isupper((unsigned char)out[3])) return 0;
    return 1;
}

int tenyo_code_subclass(const char *code, char out[5]) {
    if (!code || !out) return 0;
    return code_subclass(code, strlen(code), out);
}

/* Next valid subclass of a ';'-separated code list: advances *p; 1 with the
 * subclass in sc, 0 at the end of the list. */
static int next_subclass(const char **p, char sc[5]) {
    while (**p) {
        const char *e = strchr(*p, ';');
        size_t len = e ? (size_t)(e - *p) : strlen(*p);
        int ok = code_subclass(*p, len, sc);
        *p += len + (e ? 1 : 0);
        if (ok) return 1;
    }
    return 0;
}

static int cmp_code8(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

/* The "fields" metadata string of a document whose fields_of list is f:
 * the codes ','-joined (malloc'd; NULL: out of memory). */
static char *fields_string(const ty_buf *f) {
    ty_buf s = {0};
    for (size_t q = 0; q < f->len; q += 4)
        if ((q && ty_buf_putc(&s, ',')) || ty_buf_append(&s, f->p + q, 4)) {
            ty_buf_free(&s);
            return NULL;
        }
    return s.p ? s.p : ty_strdup("");
}

/* Build the field table and per-document field lists; also the "fields"
 * metadata string of each document into fstr[i] (malloc'd) unless fstr
 * is NULL. */
static int build_fields(tenyo_builder *b, ty_model *m, char **fstr) {
    ty_buf fl = {0};
    ty_strmap *fm = ty_strmap_new();
    if (!fm) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_NOMEM;
    char sc[5];
    /* pass 1: distinct codes */
    for (size_t i = 0; i < b->n; i++) {
        const char *p = meta_get(&b->docs[i], BM_CODES);
        while (next_subclass(&p, sc))
            if (ty_strmap_intern(fm, sc, 4, NULL) < 0) goto done;
    }
    uint32_t nf = ty_strmap_size(fm);
    if (nf > TY_MAX_FIELDS) {
        ty_seterr(b->err, sizeof b->err, "too many distinct fields (%u)", nf);
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    m->nfields = nf;
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_calloc(nf ? nf : 1, sizeof *m->field_count);
    m->field_ptr = ty_calloc(b->n + 1, sizeof *m->field_ptr);
    if (!m->field_code || !m->field_count || !m->field_ptr) goto done;
    for (uint32_t f = 0; f < nf; f++)
        memcpy(m->field_code[f], ty_strmap_key(fm, f, NULL), 4);
    qsort(m->field_code, nf, sizeof *m->field_code, cmp_code8); /* sorted */
    ty_strmap_free(fm);
    fm = ty_strmap_new();
    if (!fm) goto done;
    for (uint32_t f = 0; f < nf; f++)
        if (ty_strmap_intern(fm, m->field_code[f], 4, NULL) < 0) goto done;
    /* pass 2: per-document unique field ids, in fields_of's order */
    size_t cap = 1024, used = 0;
    m->field_ids = ty_mallocarray(cap, sizeof *m->field_ids);
    if (!m->field_ids) goto done;
    for (size_t i = 0; i < b->n; i++) {
        size_t start = used;
        if (fields_of(meta_get(&b->docs[i], BM_CODES), &fl)) goto done;
        for (size_t q = 0; q < fl.len; q += 4) {
            if (used == cap) {
                cap *= 2;
                uint16_t *np = ty_reallocarray(m->field_ids, cap, sizeof *np);
                if (!np) goto done;
                m->field_ids = np;
            }
            m->field_ids[used++] = (uint16_t)ty_strmap_get(fm, fl.p + q, 4);
        }
        m->field_ptr[i + 1] = used;
        for (size_t q = start; q < used; q++) m->field_count[m->field_ids[q]]++;
        if (fstr && !(fstr[i] = fields_string(&fl))) goto done;
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&fl);
    ty_strmap_free(fm);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory building fields");
    return rc;
}

/* Metadata blob: TY_META_NSTR strings per document. Each document's
 * metadata is freed as it is copied. docs_elsewhere (fstr NULL): the
 * flags only, no blob nor abstracts (the shards' writers make them);
 * *any_abs whether a document has an abstract to keep. */
/* The documents' other numbers as "number\tid\n" lines (section
 * "numbers"), in document order; their strings freed. The id from the
 * model's metadata when built, else from the id table (a shared build whose
 * metadata the shard writers make: slot = id number). 0 or NOMEM. */
static int build_numbers(tenyo_builder *b, ty_model *m) {
    ty_buf nb = {0};
    for (size_t i = 0; i < b->n; i++) {
        size_t idn = 0;
        const char *s = b->docs[i].nums, *id = NULL;
        if (s && m->meta_off) {
            id = m->meta_blob + m->meta_off[i * TY_META_NSTR + TY_META_ID];
            idn = strlen(id);
        } else if (s) {
            id = ty_strmap_key(b->ids, (uint32_t)i, &idn);
        }
        while (s && *s && id) {
            size_t l = strcspn(s, "\n");
            if (l && !memchr(s, '\t', l) &&
                (ty_buf_append(&nb, s, l) || ty_buf_putc(&nb, '\t') ||
                 ty_buf_append(&nb, id, idn) || ty_buf_putc(&nb, '\n'))) {
                ty_buf_free(&nb);
                return TENYO_ERR_NOMEM;
            }
            s += l + (s[l] == '\n');
        }
        free(b->docs[i].nums);
        b->docs[i].nums = NULL;
    }
    if (nb.len) {
        m->numbers_blob = nb.p;
        m->numbers_len = nb.len;
    }
    return TENYO_OK;
}

static int build_meta(tenyo_builder *b, ty_model *m, char **fstr, int *any_abs) {
    ty_buf blob = {0};
    *any_abs = 0;
    m->open = ty_calloc(b->n ? b->n : 1, 1);
    m->lang = ty_calloc(b->n ? b->n : 1, 1);
    if (!m->open || !m->lang) goto nomem;
    if (!fstr) {
        for (size_t i = 0; i < b->n; i++) {
            bdoc *d = &b->docs[i];
            m->open[i] = d->open;
            m->lang[i] = (uint8_t)(d->lang == 0 ? 0 : 1);
            *any_abs |= d->has_abs;
            free(d->meta);
            d->meta = NULL;
        }
        return build_numbers(b, m) ? TENYO_ERR_NOMEM : TENYO_OK;
    }
    m->meta_off = ty_mallocarray(b->n ? b->n * TY_META_NSTR : 1, sizeof(uint64_t));
    if (!m->meta_off) goto nomem;
    for (size_t i = 0; i < b->n; i++) {
        bdoc *d = &b->docs[i];
        const char *s[TY_META_NSTR];
        s[TY_META_ID] = meta_get(d, BM_ID);
        s[TY_META_TITLE] = meta_get(d, BM_TITLE);
        s[TY_META_APPLICANT] = meta_get(d, BM_APPLICANT);
        s[TY_META_DATE] = meta_get(d, BM_DATE);
        s[TY_META_CODES] = meta_get(d, BM_CODES);
        s[TY_META_FIELDS] = fstr[i];
        for (int j = 0; j < TY_META_NSTR; j++) {
            m->meta_off[i * TY_META_NSTR + j] = blob.len;
            if (ty_buf_append(&blob, s[j], strlen(s[j]) + 1)) goto nomem;
        }
        m->open[i] = d->open;
        m->lang[i] = (uint8_t)(d->lang == 0 ? 0 : 1);
        free(d->meta);
        d->meta = NULL;
        free(fstr[i]);
        fstr[i] = NULL;
    }
    m->meta_blob = blob.p ? blob.p : ty_strdup("");
    m->meta_blob_len = blob.len;
    if (!m->meta_blob) goto nomem;
    if (build_numbers(b, m)) goto nomem;
    { /* the keyword index (section "keywords", api/keywords.c) */
        const char **ab = ty_mallocarray(b->n ? b->n : 1, sizeof *ab);
        for (size_t i = 0; ab && i < b->n; i++) {
            ab[i] = b->docs[i].abs_long ? b->docs[i].abs_long : b->docs[i].abs;
            b->docs[i].abs_long = NULL;
        }
        int rc = ab ? ty_kw_build(m, ab, b->err, sizeof b->err) : TENYO_ERR_NOMEM;
        for (size_t i = 0; ab && i < b->n; i++)
            if (ab[i] != b->docs[i].abs) free((char *)ab[i]);
        free(ab);
        if (rc) return rc; /* the message in b->err; m owns what was made */
    }
    /* abstracts: a section when any document has one */
    size_t with = 0;
    for (size_t i = 0; i < b->n; i++) with += b->docs[i].abs != NULL;
    *any_abs = with > 0;
    if (with) {
        ty_buf ab = {0};
        for (size_t i = 0; i < b->n; i++) {
            const char *a = b->docs[i].abs ? b->docs[i].abs : "";
            if (ty_buf_append(&ab, a, strlen(a) + 1)) {
                ty_buf_free(&ab);
                goto nomem;
            }
            free(b->docs[i].abs);
            b->docs[i].abs = NULL;
        }
        m->abs_text = ab.p;
        m->abs_text_len = ab.len;
    }
    return TENYO_OK;
nomem:
    ty_buf_free(&blob);
    ty_seterr(b->err, sizeof b->err, "out of memory building metadata");
    return TENYO_ERR_NOMEM;
}

/* ============================================================== weight */

/* Most terms recorded as dropped by max_df (the "common" section). */
#define COMMON_MAX 4096

/* The weights of a build: document frequencies over the live documents,
 * the terms kept and their idf. A shared build's processes make the same
 * ones (df summed over the processes, share_df, then the same code). */
typedef struct weights {
    uint64_t ndocs;            /* live documents */
    uint32_t nraw, nt;         /* raw terms, kept terms */
    uint32_t *df;              /* per raw term */
    uint32_t *remap;           /* raw id -> kept id, or UINT32_MAX */
    uint32_t *kdf;             /* per kept term (the model's df) */
    float *idf;                /* per kept term */
} weights;

static void weights_free(weights *w) {
    free(w->df);
    free(w->remap);
    free(w->kdf);
    free(w->idf);
    memset(w, 0, sizeof *w);
}

/* The min_df / max_df_ratio filter over w->df (kept terms keep their
 * first-occurrence order), the kept terms' df and idf. */
static int weights_make(const tenyo_builder *b, weights *w) {
    double maxdf = b->o.max_df_ratio * (double)w->ndocs;
    w->remap = ty_mallocarray(w->nraw ? w->nraw : 1, sizeof *w->remap);
    if (!w->remap) return TENYO_ERR_NOMEM;
    uint32_t nt = 0;
    for (uint32_t t = 0; t < w->nraw; t++) {
        int keep = w->df[t] >= (uint32_t)b->o.min_df && (double)w->df[t] <= maxdf;
        /* tiny corpora: max_df would drop everything common; keep terms
         * when fewer than 10 documents */
        if (w->ndocs < 10) keep = w->df[t] >= 1;
        w->remap[t] = keep ? nt++ : UINT32_MAX;
    }
    w->nt = nt;
    w->kdf = ty_mallocarray(nt ? nt : 1, sizeof *w->kdf);
    w->idf = ty_mallocarray(nt ? nt : 1, sizeof *w->idf);
    if (!w->kdf || !w->idf) return TENYO_ERR_NOMEM;
    for (uint32_t t = 0; t < w->nraw; t++)
        if (w->remap[t] != UINT32_MAX) w->kdf[w->remap[t]] = w->df[t];
    ty_idf_compute(w->kdf, nt, w->ndocs, w->idf);
    return TENYO_OK;
}

/* Room for n entries in b->pk. */
static int pk_room(tenyo_builder *b, uint64_t n) {
    if (n <= b->cappk) return TENYO_OK;
    if (n > UINT32_MAX) return TENYO_ERR_LIMIT;
    uint64_t *pk = ty_reallocarray(b->pk, n, sizeof *pk);
    if (!pk) return TENYO_ERR_NOMEM;
    b->pk = pk;
    b->cappk = (uint32_t)n;
    return TENYO_OK;
}

/* Document d's pairs (raw ids, sorted: this process's arena) into b->pk
 * as (raw id << 32 | count); *n of them. */
static int doc_pk(tenyo_builder *b, const bdoc *d, uint32_t *n) {
    int rc = pk_room(b, d->nterms);
    if (rc) return rc;
    pair_it it = pairs_of(b, d);
    uint32_t id, c, k = 0;
    while (k < d->nterms && pair_next(&it, &id, &c)) b->pk[k++] = (uint64_t)id << 32 | c;
    *n = k;
    return TENYO_OK;
}

/* Rank != 0: its k-th record's pairs, local ids mapped to raw ids (b->lmap,
 * from process 0) and sorted, into b->pk; *n of them. */
static int lrec_pk(tenyo_builder *b, uint64_t k, uint32_t *n) {
    const unsigned char *p = (const unsigned char *)b->pairs.p + b->lp[k].off;
    const unsigned char *end = p + b->lp[k].len;
    uint32_t m = 0, id = 0;
    for (const unsigned char *q = p; q < end; m++) { /* count */
        get_varint(&q);
        get_varint(&q);
    }
    int rc = pk_room(b, m);
    if (rc) return rc;
    for (uint32_t j = 0; j < m; j++) {
        id += get_varint(&p);
        uint32_t c = get_varint(&p);
        if (id >= b->nlmap) {
            ty_seterr(b->err, sizeof b->err, "process 0 sent a term map of %llu terms, "
                      "short of local term %u (its record %llu)", (unsigned long long)b->nlmap,
                      id, (unsigned long long)k);
            return TENYO_ERR_CORRUPT;
        }
        b->pk[j] = (uint64_t)b->lmap[id] << 32 | c;
    }
    if (m > 1) qsort(b->pk, m, sizeof *b->pk, ty_cmp_u64);
    *n = m;
    return TENYO_OK;
}

/* The rows this process may hold: every document on process 0 (and in a
 * build of one process), every record of its own on the others. */
static uint64_t own_count(const tenyo_builder *b) {
    return b->sh.rank == 0 ? b->n : b->nlp;
}

/* Its idx-th: the document in *slot (UINT64_MAX: none, the record was
 * replaced or the document's pairs are another process's) and its pairs
 * in b->pk (*n). */
static int own_row(tenyo_builder *b, uint64_t idx, uint64_t *slot, uint32_t *n) {
    *n = 0;
    if (b->sh.rank == 0) {
        const bdoc *d = &b->docs[idx];
        *slot = d->remote ? UINT64_MAX : idx;
        return *slot == UINT64_MAX ? TENYO_OK : doc_pk(b, d, n);
    }
    *slot = b->lslot[idx];
    return *slot == UINT64_MAX ? TENYO_OK : lrec_pk(b, idx, n);
}

/* Document frequencies of this process's rows added into df. */
static int own_df(tenyo_builder *b, uint32_t *df, uint32_t nraw) {
    for (uint64_t i = 0; i < own_count(b); i++) {
        uint64_t slot;
        uint32_t n;
        int rc = own_row(b, i, &slot, &n);
        if (rc) return rc;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t id = (uint32_t)(b->pk[k] >> 32);
            if (id >= nraw) {
                ty_seterr(b->err, sizeof b->err, "document %llu has term %u of %u",
                          (unsigned long long)slot, id, nraw);
                return TENYO_ERR_CORRUPT;
            }
            df[id]++;
        }
    }
    return TENYO_OK;
}

/* One row: b->pk[0..n) a document's sorted (raw id << 32 | count); its
 * kept terms' sublinear TF-IDF weights and counts into col, val, tf (room
 * for n), the highest max_terms only when set; *kept entries. */
static int weigh_row(tenyo_builder *b, const weights *w, uint32_t n, uint32_t *col,
                     float *val, uint32_t *tf, uint64_t *kept) {
    uint64_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t raw = (uint32_t)(b->pk[j] >> 32), c = (uint32_t)b->pk[j];
        if (w->remap[raw] == UINT32_MAX) continue;
        col[k] = w->remap[raw]; /* remap keeps the order: columns sorted */
        val[k] = (float)c;
        tf[k] = c;
        k++;
    }
    ty_tfidf_row(col, val, k, w->idf);
    if (b->o.max_terms > 0 && k > (uint64_t)b->o.max_terms) {
        /* static pruning: the row's highest weights only */
        if (k > b->capprune) {
            float *ns = ty_reallocarray(b->prune, k, sizeof *ns);
            if (!ns) return TENYO_ERR_NOMEM;
            b->prune = ns;
            b->capprune = k;
        }
        k = ty_tfidf_prune(col, val, tf, k, (size_t)b->o.max_terms, w->idf, b->prune);
    }
    *kept = k;
    return TENYO_OK;
}

/* One process's rows: every document's, in document order, into a and tf. */
static int local_rows(tenyo_builder *b, const weights *w, ty_csr *a, uint32_t **tf) {
    uint64_t total = 0;
    for (size_t i = 0; i < b->n; i++) total += b->docs[i].nterms;
    a->nrows = b->n;
    a->ncols = w->nt;
    a->rowptr = ty_calloc(b->n + 1, sizeof *a->rowptr);
    uint64_t cap = total ? total : 1;
    a->col = ty_mallocarray(cap, sizeof *a->col);
    a->val = ty_mallocarray(cap, sizeof *a->val);
    *tf = ty_mallocarray(cap, sizeof **tf);
    if (!a->rowptr || !a->col || !a->val || !*tf) return TENYO_ERR_NOMEM;
    uint64_t nnz = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t n;
        uint64_t k;
        int rc = doc_pk(b, &b->docs[i], &n);
        if (!rc) rc = weigh_row(b, w, n, a->col + nnz, a->val + nnz, *tf + nnz, &k);
        if (rc) return rc;
        nnz += k;
        a->rowptr[i + 1] = nnz;
    }
    return TENYO_OK;
}

/* A shared build's weighting, every process at once (process 0 from
 * write(), the others from ty_builder_share_weigh), in the same sequence
 * of collectives: the header (raw terms, documents) from process 0; each
 * process's term map and the documents of its records from process 0
 * (exchange); the document frequencies of each process's rows, summed
 * (sum_u32); then every process makes the same weights (weights_make) and
 * weighs its rows, which go to the owners of their blocks (share_rows). */

/* Process 0: what process r needs to weigh its records, appended to o:
 * u64 terms, its map (u32 each: local id -> raw id), u64 records, per
 * record the document it is the live version of (u64; UINT64_MAX:
 * replaced by a later record). */
static int share_map_out(const tenyo_builder *b, int r, ty_buf *o) {
    const share_map *rm = &b->rmap[r];
    uint64_t nt = rm->nterm, ns = rm->nslot;
    if (ty_buf_reserve(o, 16 + 4 * nt + 8 * ns) || ty_buf_append(o, &nt, 8) ||
        ty_buf_append(o, rm->term, 4 * nt) || ty_buf_append(o, &ns, 8))
        return TENYO_ERR_NOMEM;
    for (uint64_t k = 0; k < ns; k++) {
        uint64_t s = rm->slot[k];
        if (b->docs[s].rec != rm->rec[k]) s = UINT64_MAX;
        if (ty_buf_append(o, &s, 8)) return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

/* Rank != 0: share_map_out's message into b->lmap and b->lslot. */
static int share_map_in(tenyo_builder *b, const ty_buf *in) {
    const char *p = in->p;
    uint64_t nt, ns;
    if (in->len < 16) goto bad;
    memcpy(&nt, p, 8);
    if (nt != ty_strmap_size(b->lvoc) || in->len < 16 + 4 * nt) goto bad;
    memcpy(&ns, p + 8 + 4 * nt, 8);
    if (ns != b->nlp || in->len != 16 + 4 * nt + 8 * ns) goto bad;
    b->lmap = ty_mallocarray(nt ? nt : 1, sizeof *b->lmap);
    b->lslot = ty_mallocarray(ns ? ns : 1, sizeof *b->lslot);
    if (!b->lmap || !b->lslot) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the term map");
        return TENYO_ERR_NOMEM;
    }
    memcpy(b->lmap, p + 8, 4 * nt);
    memcpy(b->lslot, p + 16 + 4 * nt, 8 * ns);
    b->nlmap = nt;
    return TENYO_OK;
bad:
    ty_seterr(b->err, sizeof b->err, "process 0's term map does not fit process %d's "
              "%u terms and %llu records", b->sh.rank, ty_strmap_size(b->lvoc),
              (unsigned long long)b->nlp);
    return TENYO_ERR_CORRUPT;
}

/* size empty buffers (one per process), or NULL. */
static ty_buf *bufs_new(int size) {
    return ty_calloc((size_t)size, sizeof(ty_buf));
}

static void bufs_free(ty_buf *v, int size) {
    for (int r = 0; v && r < size; r++) ty_buf_free(&v[r]);
    free(v);
}

/* Collective: the weights' header, the maps, w->df summed (every process;
 * w->ndocs and w->nraw set on process 0, set here on the others). */
static int share_df(tenyo_builder *b, weights *w) {
    int P = b->sh.size, rc = TENYO_ERR_NOMEM;
    uint64_t h[2] = {w->nraw, w->ndocs};
    ty_buf *out = bufs_new(P), *in = bufs_new(P);
    if (!out || !in) goto done;
    rc = b->sh.bcast(b->sh.ud, h, sizeof h, b->err, sizeof b->err);
    if (rc) goto done;
    w->nraw = (uint32_t)h[0];
    w->ndocs = h[1];
    for (int r = 1; r < P && b->sh.rank == 0; r++)
        if ((rc = share_map_out(b, r, &out[r]))) goto done;
    rc = b->sh.exchange(b->sh.ud, out, in, b->err, sizeof b->err);
    if (!rc && b->sh.rank != 0) rc = share_map_in(b, &in[0]);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    w->df = ty_calloc(w->nraw ? w->nraw : 1, sizeof *w->df);
    if (!w->df) goto done;
    rc = own_df(b, w->df, w->nraw);
    if (!rc) rc = b->sh.sum_u32(b->sh.ud, w->df, w->nraw, b->err, sizeof b->err);
done:
    bufs_free(out, P);
    bufs_free(in, P);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory sharing document frequencies");
    return rc;
}

/* Room for n entries in the row scratch (rcol, rval, rtf). */
static int row_room(tenyo_builder *b, uint64_t n) {
    if (n <= b->caprow) return TENYO_OK;
    uint32_t *c = ty_reallocarray(b->rcol, n, sizeof *c);
    if (c) b->rcol = c;
    float *v = ty_reallocarray(b->rval, n, sizeof *v);
    if (v) b->rval = v;
    uint32_t *t = ty_reallocarray(b->rtf, n, sizeof *t);
    if (t) b->rtf = t;
    if (!c || !v || !t) return TENYO_ERR_NOMEM;
    b->caprow = n;
    return TENYO_OK;
}

/* The process whose block of rows (ty_svd_share over bound[0..P]) holds
 * document slot. */
static int block_owner(const uint64_t *bound, int P, uint64_t slot) {
    int lo = 0, hi = P - 1; /* the last r with bound[r] <= slot */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (bound[mid] <= slot) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* A row message: u64 document, u32 entries n, then n u32 columns, n f32
 * weights, n u32 counts. */
static int row_put(ty_buf *o, uint64_t slot, const tenyo_builder *b, uint64_t n) {
    uint32_t n32 = (uint32_t)n;
    return ty_buf_append(o, &slot, 8) || ty_buf_append(o, &n32, 4) ||
                   ty_buf_append(o, b->rcol, 4 * n) || ty_buf_append(o, b->rval, 4 * n) ||
                   ty_buf_append(o, b->rtf, 4 * n)
               ? TENYO_ERR_NOMEM
               : TENYO_OK;
}

/* The rows of in[0..P) (row_put's messages) for documents [r0, r1) into
 * blk (ncols columns) and tf: every document exactly once. */
static int rows_take(tenyo_builder *b, const ty_buf *in, uint64_t r0, uint64_t r1,
                     uint64_t ncols, ty_csr *blk, uint32_t **tf) {
    uint64_t nr = r1 - r0;
    blk->nrows = nr;
    blk->ncols = ncols;
    blk->rowptr = ty_mallocarray(nr + 1, sizeof *blk->rowptr);
    if (!blk->rowptr) return TENYO_ERR_NOMEM;
    for (uint64_t i = 0; i <= nr; i++) blk->rowptr[i] = UINT64_MAX;
    for (int src = 0; src < b->sh.size; src++) { /* the entries of each row */
        for (size_t at = 0; at < in[src].len;) {
            uint64_t slot;
            uint32_t n;
            if (in[src].len - at < 12) goto bad;
            memcpy(&slot, in[src].p + at, 8);
            memcpy(&n, in[src].p + at + 8, 4);
            if (slot < r0 || slot >= r1 || blk->rowptr[slot - r0 + 1] != UINT64_MAX ||
                (in[src].len - at - 12) / 12 < n) {
                ty_seterr(b->err, sizeof b->err, "process %d sent a damaged or repeated row "
                          "(document %llu)", src, (unsigned long long)slot);
                return TENYO_ERR_CORRUPT;
            }
            blk->rowptr[slot - r0 + 1] = n;
            at += 12 + 12 * (size_t)n;
        }
    }
    blk->rowptr[0] = 0;
    for (uint64_t i = 0; i < nr; i++) {
        if (blk->rowptr[i + 1] == UINT64_MAX) {
            ty_seterr(b->err, sizeof b->err, "no process sent the row of document %llu",
                      (unsigned long long)(r0 + i));
            return TENYO_ERR_CORRUPT;
        }
        blk->rowptr[i + 1] += blk->rowptr[i];
    }
    uint64_t z = blk->rowptr[nr];
    blk->col = ty_mallocarray(z ? z : 1, sizeof *blk->col);
    blk->val = ty_mallocarray(z ? z : 1, sizeof *blk->val);
    *tf = ty_mallocarray(z ? z : 1, sizeof **tf);
    if (!blk->col || !blk->val || !*tf) return TENYO_ERR_NOMEM;
    for (int src = 0; src < b->sh.size; src++) {
        for (size_t at = 0; at < in[src].len;) {
            uint64_t slot, o;
            uint32_t n;
            memcpy(&slot, in[src].p + at, 8);
            memcpy(&n, in[src].p + at + 8, 4);
            o = blk->rowptr[slot - r0];
            const char *q = in[src].p + at + 12;
            memcpy(blk->col + o, q, 4 * (size_t)n);
            memcpy(blk->val + o, q + 4 * (size_t)n, 4 * (size_t)n);
            memcpy(*tf + o, q + 8 * (size_t)n, 4 * (size_t)n);
            at += 12 + 12 * (size_t)n;
        }
    }
    return TENYO_OK;
bad:
    ty_seterr(b->err, sizeof b->err, "a process sent a truncated row message");
    return TENYO_ERR_CORRUPT;
}

/* Collective: this process's rows weighed and sent to the owners of their
 * blocks (ty_svd_share over the documents in TY_SVD_BLOCK rows: the
 * SVD's split), and its own block [*row0, *row0 + blk->nrows) taken from
 * every process's. */
static int share_rows(tenyo_builder *b, const weights *w, ty_csr *blk, uint32_t **tf,
                      uint64_t *row0) {
    int P = b->sh.size, rc = TENYO_ERR_NOMEM;
    ty_buf *out = bufs_new(P), *in = bufs_new(P);
    uint64_t *bound = ty_mallocarray((size_t)P + 1, sizeof *bound), r1;
    if (!out || !in || !bound) goto done;
    for (int r = 0; r < P; r++) ty_svd_share(w->ndocs, TY_SVD_BLOCK, r, P, &bound[r], &r1);
    bound[P] = w->ndocs;
    for (uint64_t i = 0; i < own_count(b); i++) {
        uint64_t slot, k;
        uint32_t n;
        if ((rc = own_row(b, i, &slot, &n))) goto done;
        if (slot == UINT64_MAX) continue;
        if (slot >= w->ndocs) {
            ty_seterr(b->err, sizeof b->err, "process 0 named document %llu of %llu",
                      (unsigned long long)slot, (unsigned long long)w->ndocs);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if ((rc = row_room(b, n)) || (rc = weigh_row(b, w, n, b->rcol, b->rval, b->rtf, &k)) ||
            (rc = row_put(&out[block_owner(bound, P, slot)], slot, b, k)))
            goto done;
    }
    rc = b->sh.exchange(b->sh.ud, out, in, b->err, sizeof b->err);
    bufs_free(out, P);
    out = NULL;
    if (rc) goto done;
    ty_svd_share(w->ndocs, TY_SVD_BLOCK, b->sh.rank, P, row0, &r1);
    rc = rows_take(b, in, *row0, r1, w->nt, blk, tf);
done:
    bufs_free(out, P);
    bufs_free(in, P);
    free(bound);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory sharing the rows");
    return rc;
}

int ty_builder_share_weigh(tenyo_builder *b, ty_csr *blk, uint32_t **tf, uint64_t *row0) {
    if (!b || !blk || !tf || !row0 || b->sh.size <= 1 || b->sh.rank == 0 || !b->lvoc)
        return TENYO_ERR_ARG;
    memset(blk, 0, sizeof *blk);
    *tf = NULL;
    weights w = {0};
    int rc = share_df(b, &w);
    if (!rc && (rc = weights_make(b, &w)) == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory weighting terms");
    if (!rc) rc = share_rows(b, &w, blk, tf, row0);
    weights_free(&w);
    release(b); /* the rows are all this process needs from here */
    if (rc) {
        ty_csr_free(blk);
        free(*tf);
        *tf = NULL;
    }
    return rc;
}

/* Document frequencies over the documents' pairs, the min_df /
 * max_df_ratio filter (kept terms keep their first-occurrence order), the
 * vocabulary and the TF-IDF CSR into m; remap[raw id] is the kept term id
 * or UINT32_MAX (allocated here, the caller frees it). The pairs arena is
 * freed at the end. A shared build (process 0) weighs with the others
 * (share_df, share_rows) and m->tfidf holds its block of rows only, until
 * the gather after the SVD. */
static int build_tfidf(tenyo_builder *b, ty_model *m, uint32_t **remap_out) {
    int shared = b->sh.size > 1;
    weights w = {.ndocs = b->n, .nraw = ty_strmap_size(b->voc)};
    uint64_t row0 = 0;
    int rc = TENYO_ERR_NOMEM;
    *remap_out = NULL;
    if (shared) {
        rc = share_df(b, &w);
        if (rc) goto done;
    } else {
        w.df = ty_calloc(w.nraw ? w.nraw : 1, sizeof *w.df);
        if (!w.df) goto done;
        if ((rc = own_df(b, w.df, w.nraw))) goto done;
    }
    rc = weights_make(b, &w);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    /* vocabulary arrays */
    uint32_t nt = w.nt, nraw = w.nraw;
    double maxdf = b->o.max_df_ratio * (double)b->n;
    m->nterms = nt;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    if (!m->term_off) goto done;
    ty_buf blob = {0};
    for (uint32_t t = 0; t < nraw; t++) {
        if (w.remap[t] == UINT32_MAX) continue;
        size_t len;
        const char *key = ty_strmap_key(b->voc, t, &len);
        m->term_off[w.remap[t]] = blob.len;
        if (ty_buf_append(&blob, key, len + 1)) {
            ty_buf_free(&blob);
            goto done;
        }
    }
    m->term_blob = blob.p ? blob.p : ty_strdup("");
    m->term_blob_len = blob.len;
    if (!m->term_blob) goto done;
    /* the terms max_df dropped (too common), so that a query made of them
     * is told so rather than "not in the index"; at most COMMON_MAX */
    ty_buf com = {0};
    uint32_t ncom = 0;
    for (const char *t = b->common; t && t < b->common + b->common_len && ncom < COMMON_MAX;
         t += strlen(t) + 1, ncom++)
        if (ty_buf_append(&com, t, strlen(t) + 1)) {
            ty_buf_free(&com);
            goto done;
        }
    for (uint32_t t = 0; t < nraw && b->n >= 10 && ncom < COMMON_MAX; t++) {
        if (w.remap[t] != UINT32_MAX || (double)w.df[t] <= maxdf) continue;
        size_t len;
        const char *key = ty_strmap_key(b->voc, t, &len);
        if (ty_buf_append(&com, key, len + 1)) {
            ty_buf_free(&com);
            goto done;
        }
        ncom++;
    }
    m->common_blob = com.p;
    m->common_len = com.len;
    /* CSR rows */
    rc = shared ? share_rows(b, &w, &m->tfidf, &m->tf, &row0)
                : local_rows(b, &w, &m->tfidf, &m->tf);
    if (rc) goto done;
    ty_buf_free(&b->pairs);
    m->df = w.kdf;
    m->idf = w.idf;
    *remap_out = w.remap;
    w.kdf = w.remap = NULL;
    w.idf = NULL;
    rc = TENYO_OK;
done:
    weights_free(&w);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory weighting terms");
    return rc;
}

/* ============================================================== extras */

/* Surface words of the kept stemmed terms (the word the majority vote in
 * document order chose) and the per-document application phrases,
 * renumbered by first use among the documents in order (so phrases of
 * replaced records disappear). */
static int build_extras(tenyo_builder *b, ty_model *m, const uint32_t *remap) {
    int rc = TENYO_ERR_NOMEM;
    uint64_t nt = m->nterms;
    uint32_t nraw = ty_strmap_size(b->voc);
    uint32_t nphr_all = ty_strmap_size(b->phrases);
    uint32_t *newid = ty_mallocarray(nphr_all ? nphr_all : 1, sizeof *newid);
    uint32_t *oldid = ty_mallocarray(nphr_all ? nphr_all : 1, sizeof *oldid);
    ty_buf blob = {0};
    if (!newid || !oldid) goto done;
    int any = 0;
    for (uint32_t r = 0; r < nraw && r < b->capvote; r++)
        if (remap[r] != UINT32_MAX && b->cand[r] >= 0) any = 1;
    if (any) {
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto done;
        for (uint32_t r = 0; r < nraw; r++) {
            if (remap[r] == UINT32_MAX) continue;
            uint32_t t = remap[r];
            size_t wl = 0;
            int64_t w = r < b->capvote ? b->cand[r] : -1;
            const char *ws = w >= 0 ? ty_strmap_key(b->words, (uint32_t)w, &wl) : "";
            const char *term = m->term_blob + m->term_off[t];
            if (strlen(term) == wl && memcmp(term, ws, wl) == 0) wl = 0; /* the term itself */
            m->surf_off[t] = blob.len;
            if (ty_buf_append(&blob, ws, wl) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->surf_blob = blob.p;
        m->surf_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    /* phrases */
    uint64_t nids = 0;
    for (size_t i = 0; i < b->n; i++) nids += b->docs[i].nphr;
    if (nids) {
        for (uint32_t p = 0; p < nphr_all; p++) newid[p] = UINT32_MAX;
        uint32_t used = 0;
        m->phr_ptr = ty_mallocarray(b->n + 1, sizeof *m->phr_ptr);
        m->phr_ids = ty_mallocarray(nids, sizeof *m->phr_ids);
        if (!m->phr_ptr || !m->phr_ids) goto done;
        m->phr_ptr[0] = 0;
        uint64_t k = 0;
        for (size_t i = 0; i < b->n; i++) {
            const bdoc *d = &b->docs[i];
            for (uint8_t j = 0; j < d->nphr; j++) {
                uint32_t p = b->phr[d->phr + j];
                if (newid[p] == UINT32_MAX) {
                    oldid[used] = p;
                    newid[p] = used++;
                }
                m->phr_ids[k++] = newid[p];
            }
            m->phr_ptr[i + 1] = k;
        }
        m->nphrases = used;
        m->phr_off = ty_mallocarray(used ? used : 1, sizeof *m->phr_off);
        if (!m->phr_off) goto done;
        for (uint32_t p = 0; p < used; p++) {
            size_t l;
            const char *q = ty_strmap_key(b->phrases, oldid[p], &l);
            m->phr_off[p] = blob.len;
            if (ty_buf_append(&blob, q, l) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->phr_blob = blob.p;
        m->phr_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&blob);
    free(newid);
    free(oldid);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory collecting phrases");
    return rc;
}

/* ============================================================== factor */

/* SVD passes as the builder's "svd" progress stage. */
static void svd_progress(void *ud, uint64_t done, uint64_t total) {
    tenyo_builder *b = ud;
    b->o.progress(b->o.progress_ud, "svd", done, total);
}

static int build_lsa(tenyo_builder *b, ty_model *m) {
    uint64_t mn = m->ndocs < m->nterms ? m->ndocs : m->nterms;
    uint64_t k = b->o.dim > 0 ? (uint64_t)b->o.dim : 256;
    if (k > mn / 2) k = mn / 2;
    if (k == 0 && mn > 0) k = 1;
    if (b->o.dim == TY_BUILD_NO_LSA) k = 0; /* a segment: folded in later */
    m->dim = (uint32_t)k;
    if (k == 0) return TENYO_OK;
    m->sigma = ty_calloc(k, sizeof *m->sigma);
    m->basis = ty_mallocarray(m->nterms * k, sizeof *m->basis);
    /* shared: this process's block's vectors only (each keeps its own) */
    uint64_t here = b->sh.size > 1 ? m->tfidf.nrows : m->ndocs;
    m->docvec = ty_mallocarray(here ? here * k : 1, sizeof *m->docvec);
    if (!m->sigma || !m->basis || !m->docvec) {
        ty_seterr(b->err, sizeof b->err, "out of memory for LSA (rank %llu)",
                  (unsigned long long)k);
        return TENYO_ERR_NOMEM;
    }
    ty_svd_opts so = {.rank = (int)k, .oversample = b->o.oversample,
                      .power_iters = b->o.power_iters, .seed = b->o.seed,
                      .threads = b->o.threads, .progress = b->o.progress ? svd_progress : NULL,
                      .progress_ud = b};
    if (b->sh.size > 1) /* shared: m->tfidf is this process's block */
        return b->sh.lsa(b->sh.ud, &m->tfidf, m->ndocs, &so, m->sigma, m->basis,
                         m->docvec, b->err, sizeof b->err);
    int rc = ty_svd_randomized(&m->tfidf, &so, NULL, m->sigma, m->basis,
                               b->err, sizeof b->err);
    if (rc) return rc;
    ty_builder_docvecs(&m->tfidf, m->basis, k, m->docvec, b->o.threads);
    return TENYO_OK;
}

void ty_builder_docvecs(const ty_csr *a, const float *v, uint64_t k,
                        float *docvec, int threads) {
    ty_csr_mul_dense(a, v, k, docvec, threads);
    for (uint64_t i = 0; i < a->nrows; i++) {
        float *x = docvec + i * k;
        double n = 0;
        for (uint64_t j = 0; j < k; j++) n += (double)x[j] * x[j];
        if (n > 0) {
            float inv = (float)(1.0 / sqrt(n));
            for (uint64_t j = 0; j < k; j++) x[j] *= inv;
        }
    }
}

/* ======================================================== after the SVD */

/* A shared build, process 0: each process holds its block's rows and
 * vectors after the SVD; what follows fetches only what it needs. */

/* The k-means assignment step of a shared build (ty_ivf_assign_fn): each
 * process assigns the sample rows of its own block (sh.ksample); the
 * update stays in ty_ivf_train_with, here, over the gathered sample. */
typedef struct ksample_job {
    tenyo_builder *b;     /* its sh.ksample and sh.ud */
    const float *smp;     /* the sample's vectors, in docs' order */
    const uint64_t *docs; /* the sample's documents (ascending), NULL: all */
    uint64_t nrows;       /* documents */
    int threads;          /* assignment threads per process */
} ksample_job;

static int ksample_step(void *ud, const float *cent, uint32_t nlist, uint32_t dim, uint64_t m,
                        uint32_t *asg, char *err, size_t errlen) {
    const ksample_job *j = ud;
    return j->b->sh.ksample(j->b->sh.ud, j->smp, j->docs, m, j->nrows, dim, cent, nlist,
                            j->threads, asg, err, errlen);
}

/* The IVF over every process's vectors (ty_ivf_build in steps): the
 * sample's vectors gathered here (train of them, or all when the sample
 * is the whole), k-means here with each iteration's assignment step on
 * the processes that hold the sample rows (only the assignments, 4 bytes
 * a sample row, come back; the update here in sample order), the
 * centroids to every process, which assigns its own vectors; the
 * assignments (4 bytes a document) make the lists. The same blob as
 * ty_ivf_build over all the vectors. */
static int share_ivf(tenyo_builder *b, ty_model *m, const ty_ivf_opts *io, ty_ivf *iv) {
    ty_ivf_plan p;
    float *smp = NULL;
    uint32_t *asg = NULL;
    int rc = ty_ivf_plan_new(m->ndocs, m->dim, io, &p, b->err, sizeof b->err);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    smp = ty_mallocarray(p.train, (size_t)m->dim * sizeof *smp);
    asg = ty_mallocarray(m->ndocs, sizeof *asg);
    if (!smp || !asg) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the IVF's sample");
        goto done;
    }
    rc = b->sh.vecs(b->sh.ud, m->docvec, m->tfidf.nrows, m->ndocs, m->dim, p.pick,
                    p.pick ? p.train : m->ndocs, smp, b->err, sizeof b->err);
    if (!rc) {
        ksample_job kj = {b, smp, p.pick, m->ndocs, io->threads};
        rc = ty_ivf_train_with(&p, smp, ksample_step, &kj, iv, b->err, sizeof b->err);
    }
    free(smp);
    smp = NULL;
    if (!rc)
        rc = b->sh.assign(b->sh.ud, iv, m->docvec, m->tfidf.nrows, m->ndocs, io->threads, asg,
                          b->err, sizeof b->err);
    if (!rc && (rc = ty_ivf_lists(iv, asg)))
        ty_seterr(b->err, sizeof b->err, rc == TENYO_ERR_NOMEM ? "out of memory for the IVF"
                                                               : "a process assigned a "
                                                                 "vector to no IVF list");
done:
    if (rc) ty_ivf_free(iv);
    ty_ivf_plan_free(&p);
    free(smp);
    free(asg);
    return rc;
}

/* The field model from its training rows only (every s-th document,
 * model/linear.c), gathered here: the same model as from every row. */
static int share_fieldmodel(tenyo_builder *b, ty_model *m, ty_fieldmodel *fm) {
    memset(fm, 0, sizeof *fm);
    uint64_t step = ty_fieldmodel_step(m->ndocs), n = (m->ndocs + step - 1) / step;
    uint64_t *docs = ty_mallocarray(n ? n : 1, sizeof *docs);
    ty_csr rows = {0};
    if (!docs) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the field model's rows");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < n; i++) docs[i] = i * step;
    int rc = b->sh.rows(b->sh.ud, &m->tfidf, m->ndocs, docs, n, &rows, b->err, sizeof b->err);
    free(docs);
    if (!rc) rc = ty_fieldmodel_train_rows(m, &rows, 1, 1, fm);
    ty_csr_free(&rows);
    return rc;
}

/* ================================================================ write */

/* m as a sharded index at path: every file here, or (rows_stay: m holds
 * this process's block of rows and vectors only, nnz non-zeros in all,
 * float16 vectors with f16) each shard where the share's shards callback
 * has it written (tenyo-mpi: by its process, with its rows and vectors
 * from the processes that hold them); the manifest last, here, once
 * every shard is reported. */
static int write_shards(tenyo_builder *b, ty_model *m, const char *path, int rows_stay,
                        uint64_t nnz, int f16, int any_abs) {
    uint32_t n = (uint32_t)b->o.shards;
    if (n > 1 && n > m->ndocs) { /* a file per shard, most of them empty */
        ty_seterr(b->err, sizeof b->err, "%s: %u shards for %llu documents: at most one shard "
                  "per document; nothing written", path, n, (unsigned long long)m->ndocs);
        return TENYO_ERR_ARG;
    }
    if (!rows_stay)
        return ty_store_write_shards(m, path, n, NULL, b->err, sizeof b->err);
    /* shared: m's rows and vectors are this process's block; each
     * shard's writer gets them from the processes that hold them, and
     * with docs_elsewhere makes its documents' metadata from their live
     * records (recs) */
    ty_shards_out *o = NULL;
    int slim = docs_elsewhere(b);
    uint64_t *recs = slim ? ty_mallocarray(b->n ? b->n : 1, sizeof *recs) : NULL;
    if (slim && !recs) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the documents' record numbers");
        return TENYO_ERR_NOMEM;
    }
    for (size_t i = 0; slim && i < b->n; i++) recs[i] = b->docs[i].rec;
    int rc = ty_shards_begin_meta(m, path, n, nnz, slim, any_abs, &o, b->err, sizeof b->err);
    if (!rc)
        rc = b->sh.shards(b->sh.ud, o, n, m->ndocs, &m->tfidf, m->tf, m->docvec, m->dim, f16,
                          recs, any_abs, b->err, sizeof b->err);
    free(recs);
    if (!rc) rc = ty_shards_commit(o, b->err, sizeof b->err);
    ty_shards_out_free(o);
    return rc;
}

int ty_builder_doc_meta(const tenyo_doc *d, ty_buf *meta, ty_buf *abs) {
    if (!d || !d->id || !meta) return TENYO_ERR_ARG;
    char *mb = make_meta(d, 1), *fs = NULL;
    ty_buf fl = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!mb) goto done;
    bdoc one = {.meta = mb};
    if (fields_of(meta_get(&one, BM_CODES), &fl) || !(fs = fields_string(&fl))) goto done;
    /* build_meta's order: id, title, applicant, date, codes, fields */
    for (int k = 0; k < BM_N; k++) {
        const char *x = meta_get(&one, k);
        if (ty_buf_append(meta, x, strlen(x) + 1)) goto done;
    }
    if (ty_buf_append(meta, fs, strlen(fs) + 1)) goto done;
    if (abs) {
        int oom;
        char *a = keep_abstract(0, d->abstract, &oom);
        if (oom) goto done;
        int bad = ty_buf_append(abs, a ? a : "", a ? strlen(a) + 1 : 1);
        free(a);
        if (bad) goto done;
    }
    rc = TENYO_OK;
done:
    free(mb);
    free(fs);
    ty_buf_free(&fl);
    return rc;
}

int tenyo_builder_write(tenyo_builder *b, const char *path,
                        tenyo_build_stats *st) {
    if (!b || !path) return TENYO_ERR_ARG;
    if (st) memset(st, 0, sizeof *st);
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (b->n == 0) {
        ty_seterr(b->err, sizeof b->err, "no documents to index");
        return TENYO_ERR_EMPTY;
    }
    if (b->t0 == 0) b->t0 = ty_now();
    ty_model m = {0};
    char **fstr = NULL;
    uint32_t *remap = NULL;
    int shared = b->sh.size > 1; /* rank 0 of tenyo-mpi index */
    b->written = 1;
    /* between the first add and now, what was not tokenizing: the
     * caller reading and parsing its records, and copying them in */
    double tread = ty_now() - b->t0 - b->sec_tok;
    /* the last batch; its progress ends the stage (done == total) */
    int rc = tokenize_batch(b);
    if (rc) goto done;
    if (b->o.progress)
        b->o.progress(b->o.progress_ud, "tokenize", b->tokenized, b->tokenized);
    uint64_t empty = 0;
    for (size_t i = 0; i < b->n; i++) empty += b->docs[i].nterms == 0;
    m.ndocs = b->n;
    double tw0 = ty_now();
    rc = build_tfidf(b, &m, &remap);
    if (rc) goto done;
    rc = build_extras(b, &m, remap);
    if (rc) goto done;
    release_terms(b); /* all in m now: lower the peak before the SVD */
    if (b->o.progress)
        b->o.progress(b->o.progress_ud, "svd", 0, 2 * (uint64_t)b->o.power_iters + 3);
    double t3 = ty_now();
    rc = build_lsa(b, &m);
    if (rc) goto done;
    double t3s = ty_now();
    int ivf = b->o.ivf_lists != 0 && m.dim > 0 && m.ndocs > 0;
    if (ivf) {
        /* approximate-search lists over the document vectors */
        if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 0, 1);
        ty_ivf_opts io = {0};
        io.nlist = b->o.ivf_lists > 0 ? (uint32_t)b->o.ivf_lists : 0;
        io.seed = b->o.seed;
        ty_ivf iv;
        memset(&iv, 0, sizeof iv);
        ty_buf blob = {0};
        rc = shared ? share_ivf(b, &m, &io, &iv)
                    : ty_ivf_build(m.docvec, m.ndocs, m.dim, &io, &iv, b->err, sizeof b->err);
        if (!rc) rc = ty_ivf_write(&iv, &blob);
        ty_ivf_free(&iv);
        if (rc) {
            ty_buf_free(&blob);
            goto done;
        }
        m.ivf_blob = blob.p;
        m.ivf_len = blob.len;
        if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 1, 1);
    }
    double t4 = ty_now(), tfm = 0;
    rc = TENYO_ERR_NOMEM;
    int any_abs = 0, slim = docs_elsewhere(b); /* slim: no document text here */
    fstr = slim ? NULL : ty_calloc(b->n, sizeof *fstr);
    if (!slim && !fstr) goto done;
    rc = build_fields(b, &m, fstr);
    if (rc) goto done;
    rc = build_meta(b, &m, fstr, &any_abs);
    if (rc) goto done;
    if (m.dim > 0 && m.nfields > 1) {
        /* the field model ideas uses (model/linear.c), stored */
        if (b->o.progress) b->o.progress(b->o.progress_ud, "fields", 0, 1);
        tfm = ty_now();
        ty_fieldmodel fm;
        ty_buf blob = {0};
        rc = shared ? share_fieldmodel(b, &m, &fm)
                    : ty_fieldmodel_train_workers(&m, b->o.threads, &fm);
        if (!rc) rc = ty_fieldmodel_write(&fm, &m, &blob);
        ty_fieldmodel_free(&fm);
        if (rc) {
            ty_buf_free(&blob);
            goto done;
        }
        m.fm_blob = blob.p;
        m.fm_len = blob.len;
        tfm = ty_now() - tfm;
        if (b->o.progress) b->o.progress(b->o.progress_ud, "fields", 1, 1);
    }
    /* sharded with a share (tenyo-mpi, any P): the rows and vectors stay
     * on their processes, each shard's writer gets its own from them
     * (write_shards); else shared, every process's rows and vectors come
     * here, for the file */
    int rows_stay = b->o.shards > 0 && b->sh.shards && b->sh.nnz;
    uint64_t nnz = 0;
    if (rows_stay) {
        uint64_t own = m.tfidf.rowptr ? m.tfidf.rowptr[m.tfidf.nrows] : 0;
        rc = b->sh.nnz(b->sh.ud, own, &nnz, b->err, sizeof b->err);
        if (rc) goto done;
    } else if (shared) {
        rc = b->sh.gather(b->sh.ud, &m.tfidf, &m.tf, &m.docvec, m.dim, m.ndocs, b->err,
                          sizeof b->err);
        if (rc) goto done;
    }
    if (!rows_stay) nnz = m.tfidf.rowptr[m.ndocs];
    if (ivf && b->o.f16_vectors && !rows_stay) {
        /* the float16 copy the IVF re-ranks from (section docvec.f16),
         * rounded from the float vectors before they are quantised */
        m.doc_h = ty_mallocarray((size_t)m.ndocs * m.dim, sizeof *m.doc_h);
        if (!m.doc_h) {
            rc = TENYO_ERR_NOMEM;
            ty_seterr(b->err, sizeof b->err, "out of memory for the float16 vectors");
            goto done;
        }
        ty_f16_from_floats(m.docvec, (size_t)m.ndocs * m.dim, m.doc_h);
    }
    rc = TENYO_ERR_NOMEM;
    m.tokenizer = ty_strdup(ty_tokenizer_identity(b->tok));
    m.writer = ty_strdup("tenyo " TENYO_VERSION_STRING);
    m.mecab_dicdir = ty_strdup(b->dicdir ? b->dicdir : "");
    if (!m.tokenizer || !m.writer || !m.mecab_dicdir) goto done;
    m.keep_parts = b->o.tok.keep_parts;
    m.stem = b->o.tok.stem;
    m.seed = b->o.seed;
    m.min_df = b->o.min_df;
    m.max_df_ratio = b->o.max_df_ratio;
    m.oversample = b->o.oversample;
    m.power_iters = b->o.power_iters;
    m.max_terms = b->o.max_terms > 0 ? (uint32_t)b->o.max_terms : 0;
    m.created = 0; /* not stored: identical input gives identical bytes */
    if (b->o.nipc_titles || b->labels) {
        /* IPC titles recorded in the index: those given as a blob, then
         * the files, read (and so checked) now */
        ty_labels *lab = NULL;
        ty_buf lb = {0};
        rc = ty_labels_new(&lab);
        if (!rc && b->labels)
            rc = ty_labels_deserialize(lab, b->labels, b->labels_len, b->err,
                                       sizeof b->err);
        for (size_t i = 0; i < b->o.nipc_titles && !rc; i++)
            rc = ty_labels_load(lab, b->o.ipc_titles[i], b->err, sizeof b->err);
        if (!rc) rc = ty_labels_serialize(lab, &lb);
        ty_labels_free(lab);
        if (rc) {
            ty_buf_free(&lb);
            goto done;
        }
        m.labels_blob = lb.p;
        m.labels_len = lb.len;
    }
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 0, 1);
    double t5 = ty_now();
    rc = b->o.shards > 0 ? write_shards(b, &m, path, rows_stay, nnz,
                                        ivf && b->o.f16_vectors, any_abs)
                         : ty_store_write(&m, path, b->err, sizeof b->err);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done; /* unsynced: written, stats too */
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 1, 1);
    if (st) {
        st->docs = m.ndocs;
        st->duplicates = b->duplicates;
        st->empty = empty;
        st->terms = m.nterms;
        st->nnz = nnz;
        st->dim = (int)m.dim;
        st->sec_tokenize = b->sec_tok;
        st->sec_svd = t3s - t3;
        st->sec_total = ty_now() - b->t0;
        st->sec_weight = t3 - tw0;
        st->sec_ivf = ivf ? t4 - t3s : 0;
        st->sec_fieldmodel = tfm;
        st->sec_write = ty_now() - t5;
        st->sec_read = tread > 0 ? tread : 0;
        st->file_bytes = m.file_bytes;
    }
done:
    if (fstr)
        for (size_t i = 0; i < b->n; i++) free(fstr[i]);
    free(fstr);
    free(remap);
    ty_model_free(&m);
    release(b); /* the builder is spent: give its memory back now */
    if (rc == TENYO_ERR_NOMEM && !b->err[0])
        ty_seterr(b->err, sizeof b->err, "out of memory");
    return rc;
}
