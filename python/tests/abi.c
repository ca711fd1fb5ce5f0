/*
 * abi.c — prints the size of every public struct of tenyo.h that the Python
 * binding (python/tenyo/__init__.py) mirrors with ctypes, and the offset of
 * each of its fields, one "struct field offset" line each ("struct - size"
 * for the size). tests: python/tests/test_tenyo.py compares them with the
 * ctypes layouts, so a field added to tenyo.h without the binding fails
 * `make test` instead of corrupting memory.
 */
#include <stddef.h>
#include <stdio.h>
#include <tenyo.h>

#define S(t) printf("%s - %zu\n", #t, sizeof(t))
#define F(t, f) printf("%s %s %zu\n", #t, #f, offsetof(t, f))

int main(void) {
    S(tenyo_read_opts);
    F(tenyo_read_opts, format); F(tenyo_read_opts, encoding); F(tenyo_read_opts, strict);
    F(tenyo_read_opts, report); F(tenyo_read_opts, report_ud); F(tenyo_read_opts, max_bytes);
    S(tenyo_read_stats);
    F(tenyo_read_stats, records); F(tenyo_read_stats, skipped); F(tenyo_read_stats, empty);
    F(tenyo_read_stats, bytes_read); F(tenyo_read_stats, bytes_total);
    S(tenyo_tok_opts);
    F(tenyo_tok_opts, mecab_dicdir); F(tenyo_tok_opts, keep_parts); F(tenyo_tok_opts, stem);
    S(tenyo_build_opts);
    F(tenyo_build_opts, tok); F(tenyo_build_opts, dim); F(tenyo_build_opts, threads);
    F(tenyo_build_opts, min_df); F(tenyo_build_opts, max_df_ratio); F(tenyo_build_opts, seed);
    F(tenyo_build_opts, oversample); F(tenyo_build_opts, power_iters);
    F(tenyo_build_opts, progress); F(tenyo_build_opts, progress_ud);
    F(tenyo_build_opts, ipc_titles); F(tenyo_build_opts, nipc_titles);
    F(tenyo_build_opts, ivf_lists); F(tenyo_build_opts, max_terms); F(tenyo_build_opts, no_abstracts);
    F(tenyo_build_opts, shards); F(tenyo_build_opts, f16_vectors);
    F(tenyo_build_opts, report); F(tenyo_build_opts, report_ud);
    S(tenyo_build_stats);
    F(tenyo_build_stats, docs); F(tenyo_build_stats, duplicates); F(tenyo_build_stats, empty);
    F(tenyo_build_stats, terms); F(tenyo_build_stats, nnz); F(tenyo_build_stats, dim);
    F(tenyo_build_stats, sec_tokenize); F(tenyo_build_stats, sec_svd);
    F(tenyo_build_stats, sec_total); F(tenyo_build_stats, file_bytes);
    F(tenyo_build_stats, sec_weight); F(tenyo_build_stats, sec_ivf);
    F(tenyo_build_stats, sec_fieldmodel); F(tenyo_build_stats, sec_write);
    F(tenyo_build_stats, sec_read); F(tenyo_build_stats, sec_keywords);
    F(tenyo_build_stats, sec_termfacts);
    S(tenyo_section_info);
    F(tenyo_section_info, name); F(tenyo_section_info, stored); F(tenyo_section_info, raw);
    S(tenyo_index_info);
    F(tenyo_index_info, format_version); F(tenyo_index_info, ndocs); F(tenyo_index_info, nterms);
    F(tenyo_index_info, nnz); F(tenyo_index_info, dim); F(tenyo_index_info, nfields);
    F(tenyo_index_info, nopen); F(tenyo_index_info, seed); F(tenyo_index_info, min_df);
    F(tenyo_index_info, max_df_ratio); F(tenyo_index_info, oversample);
    F(tenyo_index_info, power_iters); F(tenyo_index_info, tokenizer); F(tenyo_index_info, writer);
    F(tenyo_index_info, created); F(tenyo_index_info, file_bytes); F(tenyo_index_info, nsections);
    F(tenyo_index_info, sections); F(tenyo_index_info, scan_kernel);
    F(tenyo_index_info, int8_min_docs); F(tenyo_index_info, ivf_lists);
    F(tenyo_index_info, nphrases); F(tenyo_index_info, max_terms);
    F(tenyo_index_info, generation); F(tenyo_index_info, nsegments);
    F(tenyo_index_info, update_bytes); F(tenyo_index_info, docs_fit);
    F(tenyo_index_info, docs_added); F(tenyo_index_info, docs_deleted);
    F(tenyo_index_info, terms_new); F(tenyo_index_info, stale_docs);
    F(tenyo_index_info, stale_mass); F(tenyo_index_info, new_term_mass);
    F(tenyo_index_info, rebuild_advised); F(tenyo_index_info, updates_missing); F(tenyo_index_info, abstract_bytes);
    F(tenyo_index_info, open_listed); F(tenyo_index_info, open_found);
    F(tenyo_index_info, open_lines); F(tenyo_index_info, open_unresolved);
    F(tenyo_index_info, open_loaded); F(tenyo_index_info, open_source);
    F(tenyo_index_info, open_records);
    F(tenyo_index_info, nshards); F(tenyo_index_info, shard_docs); F(tenyo_index_info, shard_bytes);
    F(tenyo_index_info, f16_bytes); F(tenyo_index_info, docmeta_layout);
    F(tenyo_index_info, rows_frame); F(tenyo_index_info, postings_layout);
    S(tenyo_doc_meta);
    F(tenyo_doc_meta, id); F(tenyo_doc_meta, title); F(tenyo_doc_meta, applicant);
    F(tenyo_doc_meta, date); F(tenyo_doc_meta, codes); F(tenyo_doc_meta, fields);
    F(tenyo_doc_meta, open); F(tenyo_doc_meta, lang);
    S(tenyo_hit);
    F(tenyo_hit, doc); F(tenyo_hit, score);
    S(tenyo_ideas_opts);
    F(tenyo_ideas_opts, home); F(tenyo_ideas_opts, nhome); F(tenyo_ideas_opts, distance);
    F(tenyo_ideas_opts, open_only); F(tenyo_ideas_opts, mode); F(tenyo_ideas_opts, knn);
    F(tenyo_ideas_opts, novelty); F(tenyo_ideas_opts, field_norm);
    F(tenyo_ideas_opts, prior_weight); F(tenyo_ideas_opts, serendipity_from);
    F(tenyo_ideas_opts, min_confidence); F(tenyo_ideas_opts, merge);
    F(tenyo_ideas_opts, min_usable); F(tenyo_ideas_opts, min_content);
    F(tenyo_ideas_opts, offset); F(tenyo_ideas_opts, show);
    S(tenyo_idea);
    F(tenyo_idea, field); F(tenyo_idea, code); F(tenyo_idea, score); F(tenyo_idea, confidence);
    F(tenyo_idea, relevance); F(tenyo_idea, surprise); F(tenyo_idea, expected);
    F(tenyo_idea, support); F(tenyo_idea, focus); F(tenyo_idea, basis); F(tenyo_idea, flags);
    F(tenyo_idea, nalso); F(tenyo_idea, also); F(tenyo_idea, nevidence); F(tenyo_idea, evidence);
    F(tenyo_idea, usable); F(tenyo_idea, content); F(tenyo_idea, band);
    F(tenyo_idea, weak); F(tenyo_idea, unexpected); F(tenyo_idea, judge); F(tenyo_idea, shown);
    S(tenyo_ideas_notes);
    F(tenyo_ideas_notes, flags); F(tenyo_ideas_notes, hidden); F(tenyo_ideas_notes, hidden_thin);
    F(tenyo_ideas_notes, min_confidence); F(tenyo_ideas_notes, candidates);
    F(tenyo_ideas_notes, best_similarity); F(tenyo_ideas_notes, nunknown);
    F(tenyo_ideas_notes, unknown); F(tenyo_ideas_notes, min_usable);
    F(tenyo_ideas_notes, min_content); F(tenyo_ideas_notes, hidden_content);
    F(tenyo_ideas_notes, nbands); F(tenyo_ideas_notes, npartial);
    F(tenyo_ideas_notes, partial); F(tenyo_ideas_notes, partial_as); F(tenyo_ideas_notes, offset);
    S(tenyo_match);
    F(tenyo_match, doc); F(tenyo_match, similarity); F(tenyo_match, confidence);
    F(tenyo_match, own_field); F(tenyo_match, nuses); F(tenyo_match, uses);
    F(tenyo_match, band); F(tenyo_match, weak); F(tenyo_match, nspecific);
    F(tenyo_match, nsame); F(tenyo_match, same);
    F(tenyo_match, content);
    S(tenyo_sentence);
    F(tenyo_sentence, text); F(tenyo_sentence, len);
    S(tenyo_opt);
    F(tenyo_opt, name); F(tenyo_opt, cli); F(tenyo_opt, type); F(tenyo_opt, min);
    F(tenyo_opt, max); F(tenyo_opt, choices); F(tenyo_opt, def); F(tenyo_opt, flags);
    F(tenyo_opt, help); F(tenyo_opt, help_ja);
    S(tenyo_open_stats);
    F(tenyo_open_stats, lines); F(tenyo_open_stats, resolved); F(tenyo_open_stats, unresolved);
    F(tenyo_open_stats, duplicates); F(tenyo_open_stats, listed); F(tenyo_open_stats, column);
    S(tenyo_query);
    F(tenyo_query, doc); F(tenyo_query, text); F(tenyo_query, len); F(tenyo_query, home);
    F(tenyo_query, nhome);
    return 0;
}
