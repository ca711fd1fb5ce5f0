/*
 * xapian_bench.cc — Xapian, the sparse peer, fed tenyo's own TF-IDF
 * vectors (bench/sparse_export.c): every document's terms with its TF-IDF
 * weight as within-document frequency (wdf = round(1000 w)), every query
 * an OR of the query document's terms with wqf = round(1000 q), ranked by
 * TfIdfWeight("nnn") (score = sum wqf wdf: the dot product tenyo's cosine
 * is, on weights rounded to 1/1000). Xapian's matcher prunes with its own
 * per-term upper bounds (MaxScore-style, as in its default BM25 use).
 *
 * Prints, per round, and as medians over the rounds: p50 / p99 latency of
 * get_mset(0, 11) (the query document itself is dropped from the top 11,
 * as tenyo's similar leaves it out), QPS on one thread, and overlap@10
 * with tenyo's exact TF-IDF top 10 (written by sparse_export; < 1 only
 * through the weights' rounding and ties).
 *
 * XAPIAN_BM25=1: Xapian's default BM25 weighting instead (its fastest
 * common use; other scores, so overlap@10 drops).
 *
 * Build: bench/sparse_vs_xapian.sh (g++ -O2; libxapian-dev from
 * bench/setup.sh). Usage: xapian_bench EXPORT DBDIR [-r ROUNDS] [-q QUERIES]
 * (DBDIR is built from EXPORT when it does not exist yet).
 */
#include <xapian.h>

#include <sys/stat.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Export {
    uint32_t ndocs = 0, nterms = 0;
    std::vector<uint64_t> ptr;
    std::vector<uint32_t> term;
    std::vector<float> w;
    std::vector<uint32_t> qdoc;
    std::vector<std::vector<uint32_t>> truth;
};

static bool rd(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }

static bool load(const char *path, Export &e) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char mg[4];
    if (!rd(f, mg, 4) || memcmp(mg, "TYSX", 4) || !rd(f, &e.ndocs, 4) || !rd(f, &e.nterms, 4)) return false;
    e.ptr.push_back(0);
    for (uint32_t d = 0; d < e.ndocs; d++) {
        uint32_t n;
        if (!rd(f, &n, 4)) return false;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t t;
            float x;
            if (!rd(f, &t, 4) || !rd(f, &x, 4)) return false;
            e.term.push_back(t);
            e.w.push_back(x);
        }
        e.ptr.push_back(e.term.size());
    }
    uint32_t nq;
    if (!rd(f, &nq, 4)) return false;
    for (uint32_t i = 0; i < nq; i++) {
        uint32_t d, n;
        if (!rd(f, &d, 4) || !rd(f, &n, 4)) return false;
        std::vector<uint32_t> t(n);
        if (n && !rd(f, t.data(), 4 * n)) return false;
        e.qdoc.push_back(d);
        e.truth.push_back(t);
    }
    fclose(f);
    return true;
}

static std::string tname(uint32_t t) { return "T" + std::to_string(t); }

static double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t i = (size_t)std::ceil(p / 100.0 * v.size());
    return v[i ? i - 1 : 0];
}

static double med(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: xapian_bench EXPORT DBDIR [-r ROUNDS] [-q QUERIES]\n");
        return 2;
    }
    int rounds = 3;
    size_t qmax = SIZE_MAX;
    for (int a = 3; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "-r")) rounds = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-q")) qmax = strtoul(argv[a + 1], NULL, 10);
    }
    Export e;
    if (!load(argv[1], e)) {
        fprintf(stderr, "xapian_bench: cannot read %s\n", argv[1]);
        return 1;
    }
    try {
        struct stat st;
        if (stat(argv[2], &st) != 0) {
            double t0 = now();
            Xapian::WritableDatabase db(argv[2], Xapian::DB_CREATE_OR_OVERWRITE);
            for (uint32_t d = 0; d < e.ndocs; d++) {
                Xapian::Document doc;
                for (uint64_t j = e.ptr[d]; j < e.ptr[d + 1]; j++) {
                    long q = std::lround(1000.0 * e.w[j]);
                    doc.add_term(tname(e.term[j]), (Xapian::termcount)(q > 0 ? q : 1));
                }
                db.replace_document(d + 1, doc);
            }
            db.commit();
            printf("# built %s: %u documents in %.1f s\n", argv[2], e.ndocs, now() - t0);
        }
        Xapian::Database db(argv[2]);
        Xapian::Enquire enq(db);
        const char *bm = getenv("XAPIAN_BM25"); /* its own weighting, for reference */
        if (bm && *bm) enq.set_weighting_scheme(Xapian::BM25Weight());
        else enq.set_weighting_scheme(Xapian::TfIdfWeight("nnn"));
        if (e.qdoc.size() > qmax) {
            e.qdoc.resize(qmax);
            e.truth.resize(qmax);
        }
        enq.set_docid_order(Xapian::Enquire::ASCENDING);
        printf("# Xapian %s, %u documents, %zu queries, %d rounds, %s, top 10\n",
               Xapian::version_string(), db.get_doccount(), e.qdoc.size(), rounds,
               bm && *bm ? "BM25Weight()" : "TfIdfWeight(\"nnn\")");
        std::vector<double> p50s, p99s, qpss;
        double overlap = 0;
        for (int r = 0; r < rounds; r++) {
            std::vector<double> lat;
            double sum = 0, ov = 0;
            for (size_t i = 0; i < e.qdoc.size(); i++) {
                uint32_t d = e.qdoc[i];
                double t0 = now();
                std::vector<Xapian::Query> sub;
                for (uint64_t j = e.ptr[d]; j < e.ptr[d + 1]; j++) {
                    long q = std::lround(1000.0 * e.w[j]);
                    sub.emplace_back(tname(e.term[j]), (Xapian::termcount)(q > 0 ? q : 1));
                }
                Xapian::Query query(Xapian::Query::OP_OR, sub.begin(), sub.end());
                enq.set_query(query);
                Xapian::MSet ms = enq.get_mset(0, 11);
                std::vector<uint32_t> got;
                for (Xapian::MSetIterator it = ms.begin(); it != ms.end() && got.size() < 10; ++it)
                    if (*it != d + 1) got.push_back(*it - 1);
                double t = now() - t0;
                lat.push_back(t);
                sum += t;
                size_t same = 0;
                for (uint32_t g : got)
                    same += std::count(e.truth[i].begin(), e.truth[i].end(), g) > 0;
                ov += e.truth[i].empty() ? 1.0 : (double)same / (double)e.truth[i].size();
            }
            p50s.push_back(pct(lat, 50) * 1e3);
            p99s.push_back(pct(lat, 99) * 1e3);
            qpss.push_back((double)lat.size() / sum);
            overlap = ov / (double)e.qdoc.size();
            printf("{\"peer\": \"xapian\", \"round\": %d, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"qps\": %.1f, "
                   "\"overlap10\": %.3f}\n", r, p50s.back(), p99s.back(), qpss.back(), overlap);
            fflush(stdout);
        }
        printf("{\"peer\": \"xapian\", \"median_p50_ms\": %.2f, \"median_p99_ms\": %.2f, \"median_qps\": %.1f, "
               "\"overlap10\": %.3f}\n", med(p50s), med(p99s), med(qpss), overlap);
    } catch (const Xapian::Error &err) {
        fprintf(stderr, "xapian_bench: %s\n", err.get_description().c_str());
        return 1;
    }
    return 0;
}
