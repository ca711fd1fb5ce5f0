/*
 * cmd_info.c — `tenyo info`: what an index holds, how it was built and how
 * stale its fit is, after reading all of it (--json: cli_info_json,
 * render.c, the object GET /api/info answers with too).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * views/render.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *info_usage =
    "usage: tenyo info INDEX [--json]\n"
    "Show what an index holds and how it was built, after checking all of it.\n"
    "  -j, --json          one JSON object\n";

/* One line on how stale the fit is (after the counts of info). */
static void print_staleness(const tenyo_index_info *in, const char *path) {
    printf("fit        %llu documents fitted; not in the fit: %.1f%% of documents, "
           "%.1f%% of term occurrences (%llu new terms, %.1f%%); %llu fitted documents "
           "deleted since\n",
           (unsigned long long)in->docs_fit, 100 * in->stale_docs, 100 * in->stale_mass,
           (unsigned long long)in->terms_new, 100 * in->new_term_mass,
           (unsigned long long)in->docs_deleted);
    if (in->rebuild_advised)
        printf("advice     rebuild advised (over 10%% of documents or of fitted documents "
               "changed, or over 2%% of occurrences new): tenyo rebuild %s\n", path);
}

/* What the index holds beside the model and how a query reads it: the
 * keyword index, the term facts, the stored TF-IDF postings, the layout of
 * the documents' strings. *kin: the keyword text's bytes in memory. */
static void print_stored(tenyo_index *x, const tenyo_index_info *in, uint64_t *kin_) {
    uint64_t kst = 0, kin = 0; /* nothing read: info stays as fast as an open */
    tenyo_index_keyword_size(x, &kst, &kin);
    *kin_ = kin;
    if (kst)
        printf("kw index   %.2f MB stored (text and bigram postings), %.0f bytes per "
               "document, read on the first keyword query\n", kst / 1e6,
               in->ndocs ? (double)kst / in->ndocs : 0.0);
    else
        printf("kw index   none (%s): keyword queries scan the titles and abstracts "
               "(as far as the 4 KiB kept), folded on the first keyword query%s\n",
               in->nshards ? "a sharded index is written without one" : "made before it",
               in->abstract_bytes ? "" : "; no abstracts kept: titles only");
    uint64_t tfs = 0; /* the term facts' bytes in the file */
    for (int i = 0; i < in->nsections; i++)
        if (!strcmp(in->sections[i].name, "termfacts")) tfs = in->sections[i].stored;
    if (tfs)
        printf("term facts %.2f MB stored, %.1f bytes per term%s\n", tfs / 1e6,
               in->nterms ? (double)tfs / in->nterms : 0.0,
               in->generation ? ", the base's: with updates ideas and match compute them"
                             : ", read by ideas and match");
    else
        printf("term facts none stored: ideas and match compute them (a pass over the "
               "documents, the dictionaries loaded)\n");
    uint64_t tps = 0; /* the stored postings' bytes in the file */
    for (int i = 0; i < in->nsections; i++)
        if (!strcmp(in->sections[i].name, "tfidf.post")) tps = in->sections[i].stored;
    if (tps)
        printf("postings   TF-IDF postings stored: %.2f MB, %.1f bytes per document, %s%s\n",
               tps / 1e6, in->ndocs ? (double)tps / in->ndocs : 0.0,
               in->generation ? "the base's: with updates TF-IDF and hybrid queries decode "
                               "the rows"
                             : in->postings_layout == 2
                                   ? "in blocks read in place, term by term, by TF-IDF and "
                                     "hybrid queries on every thread"
                                   : "in compressed frames decoded term by term by TF-IDF "
                                     "and hybrid queries on one thread",
               !in->generation && in->postings_layout == 1
                   ? " (tenyo rebuild --no-ivf lays them out in blocks)" : "");
    else
        printf("postings   none stored: TF-IDF and hybrid queries decode every document's "
               "row%s\n", in->nshards ? " (a sharded index is written without them)" : "");
    uint64_t vms = 0, ims = 0; /* the vocabulary's and the ids' lookup tables */
    for (int i = 0; i < in->nsections; i++) {
        if (!strcmp(in->sections[i].name, "vocab.map")) vms = in->sections[i].stored;
        if (!strcmp(in->sections[i].name, "ids.map")) ims = in->sections[i].stored;
    }
    if (vms)
        printf("vocab      looked up in place: %.2f MB stored (slots, starts and terms), "
               "mapped by a query%s\n", vms / 1e6,
               in->generation ? "; with updates the terms are hashed at open" : "");
    else
        printf("vocab      decoded and hashed at every open that looks a word up%s\n",
               in->nshards ? " (a sharded index is written so)"
                           : " (tenyo rebuild INDEX --no-ivf lays it out to be looked up "
                             "in place)");
    if (ims)
        printf("ids        looked up in place: %.2f MB stored (slots naming documents), "
               "mapped by a query%s\n", ims / 1e6,
               in->generation ? "; with updates the ids are looked up in their frames" : "");
    else if (in->docmeta_layout == 2 && !in->nshards)
        printf("ids        every frame of ids read by a process naming a patent (tenyo "
               "rebuild INDEX --no-ivf lays them out to be looked up in place)\n");
    if (in->rows_frame)
        printf("rows       the documents' terms in frames of %u: ideas, match and similar by "
               "number read the frames of the documents they compare\n", in->rows_frame);
    else if (in->nshards)
        printf("rows       the documents' terms in one frame a shard: ideas, match and similar "
               "by number decode all of them (a sharded index is written so)\n");
    else if (in->docmeta_layout)
        printf("rows       the documents' terms in one frame: ideas, match and similar by "
               "number decode all of them (tenyo rebuild INDEX --no-ivf puts them in "
               "frames)\n");
    if (in->docmeta_layout == 2)
        printf("docmeta    layout 2: the documents' strings in blocks of 128, each decoded "
               "on first use\n");
    else if (in->docmeta_layout == 1)
        printf("docmeta    layout 1: the documents' strings whole, decoded at every open\n");
}

int cli_cmd_info(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "jh", lo)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') { return cli_help(info_usage); }
        else return cli_usage_error(info_usage);
    }
    if (optind != argc - 1) {
        cli_err(optind == argc ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(info_usage);
    }
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(argv[optind], &x, err, sizeof err);
    if (!rc) rc = tenyo_index_load_all(x, err, sizeof err); /* check all of it */
    if (rc) {
        cli_err("%s\n", err);
        tenyo_index_free(x);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (in.updates_missing)
        cli_err("warning: %s: updates were committed to this index, but "
                "%s.upd/MANIFEST is not there (copied or moved without its .upd directory?): "
                "showing the base file alone\n", argv[optind], argv[optind]);
    if (json) {
        json_t *o = cli_info_json(x, argv[optind]);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("index      %s (format %u, %.2f MB)\n", argv[optind], in.format_version,
               in.file_bytes / 1e6);
        printf("documents  %llu (%llu open for licence)\n", (unsigned long long)in.ndocs,
               (unsigned long long)in.nopen);
        if (in.nshards) {
            printf("shards     %u (documents, bytes:", in.nshards);
            for (uint32_t i = 0; i < in.nshards; i++)
                printf(" %llu %llu", (unsigned long long)in.shard_docs[i],
                       (unsigned long long)in.shard_bytes[i]);
            printf(")\n");
        }
        if (in.open_listed) {
            char when[32] = "?";
            time_t t = (time_t)in.open_loaded;
            struct tm tmv;
            if (gmtime_r(&t, &tmv)) strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tmv);
            printf("licensable %llu listed in %s (loaded %s; %llu of them in the index, "
                   "%llu lines of the file not resolved); %llu by their records\n",
                   (unsigned long long)in.open_listed, in.open_source, when,
                   (unsigned long long)in.open_found, (unsigned long long)in.open_unresolved,
                   (unsigned long long)in.open_records);
        }
        printf("terms      %llu (%llu non-zeros, %.1f per document)\n",
               (unsigned long long)in.nterms, (unsigned long long)in.nnz,
               in.ndocs ? (double)in.nnz / in.ndocs : 0.0);
        printf("LSA rank   %d (seed %llu, oversample %d, power iterations %d)\n", in.dim,
               (unsigned long long)in.seed, in.oversample, in.power_iters);
        printf("df filter  min_df %d, max_df_ratio %g", in.min_df, in.max_df_ratio);
        if (in.max_terms) printf("; at most %u terms per document", in.max_terms);
        putchar('\n');
        printf("tokenizer  %s\n", in.tokenizer);
        printf("search     %s scan; int8 (%s kernel) from %llu documents%s",
               in.ndocs >= in.int8_min_docs ? "int8" : "fp32", in.scan_kernel,
               (unsigned long long)in.int8_min_docs, in.ivf_lists ? "; IVF " : "; no IVF\n");
        if (in.ivf_lists) printf("%u lists (similar / ideas --nprobe)\n", in.ivf_lists);
        if (in.f16_bytes) {
            uint64_t st = 0; /* the section's bytes in the file */
            for (int i = 0; i < in.nsections; i++)
                if (!strcmp(in.sections[i].name, "docvec.f16")) st = in.sections[i].stored;
            printf("float16    document vectors for the IVF's re-rank: %.0f bytes per "
                   "document in memory, %.0f in the file\n",
                   in.ndocs ? (double)in.f16_bytes / in.ndocs : 0.0,
                   in.ndocs ? (double)st / in.ndocs : 0.0);
        }
        printf("phrases    %llu application phrases\n", (unsigned long long)in.nphrases);
        if (in.abstract_bytes)
            printf("abstracts  kept: %.2f MB compressed, %.0f bytes per document\n",
                   in.abstract_bytes / 1e6, in.ndocs ? (double)in.abstract_bytes / in.ndocs : 0.0);
        else
            printf("abstracts  none kept (no record had one, or index --no-abstracts)\n");
        uint64_t kin = 0;
        print_stored(x, &in, &kin);
        if (kin)
            printf("keywords   the text keyword queries search: %.2f MB in memory, %.0f bytes "
                   "per document\n", kin / 1e6, in.ndocs ? (double)kin / in.ndocs : 0.0);
        if (in.generation)
            printf("updates    generation %llu: %u segment%s, %.2f MB; %llu documents added, "
                   "%llu deleted or replaced\n",
                   (unsigned long long)in.generation, in.nsegments, in.nsegments == 1 ? "" : "s",
                   in.update_bytes / 1e6, (unsigned long long)in.docs_added,
                   (unsigned long long)in.docs_deleted);
        print_staleness(&in, argv[optind]);
        printf("writer     %s\n", in.writer);
        printf("fields     %u IPC subclasses; largest:", in.nfields);
        /* the 8 largest fields (ties in code order) */
        uint32_t order[8];
        int nl = cli_fields_by_size(x, order, 8);
        for (int j = 0; j < nl; j++) {
            const char *code;
            uint64_t cnt;
            tenyo_index_field(x, order[j], &code, &cnt);
            printf(" %s %llu", code, (unsigned long long)cnt);
        }
        printf("\nsections   %-12s %12s %12s\n", "name", "stored", "raw");
        for (int i = 0; i < in.nsections; i++)
            printf("           %-12s %12llu %12llu\n", in.sections[i].name,
                   (unsigned long long)in.sections[i].stored,
                   (unsigned long long)in.sections[i].raw);
    }
    tenyo_index_free(x);
    return EXIT_OK;
}
