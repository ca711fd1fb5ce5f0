/*
 * peer_util.h — what the C++ peer drivers (hnsw_bench.cc, faiss_bench.cc)
 * share: reading the comma-separated lists of their sweeps.
 */
#ifndef TENYO_PEER_UTIL_H
#define TENYO_PEER_UTIL_H

#include <cstdlib>
#include <vector>

/* "8,16,32" -> {8, 16, 32}; stops at the first non-number. */
static inline std::vector<size_t> parse_list(const char *s) {
    std::vector<size_t> v;
    for (const char *p = s; *p;) {
        char *e;
        v.push_back(strtoull(p, &e, 10));
        if (e == p) break;
        p = *e == ',' ? e + 1 : e;
    }
    return v;
}

#endif
