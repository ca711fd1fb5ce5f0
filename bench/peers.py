#!/usr/bin/python3
"""bench/peers.py — tenyo's peers, run on the same documents and tokens at the
same rank k, reporting medians of repeated runs as JSON lines.

Subcommands (all read a whitespace-token file: one document per line, its
terms separated by spaces — `tenyo tokens --file` output, or gen_corpus
--terms):

  build   TF-IDF + rank-k LSA with
            sklearn: TfidfVectorizer(analyzer=str.split, min_df, max_df,
                     sublinear_tf) + TruncatedSVD(k, algorithm='randomized',
                     n_iter=power_iters, n_oversamples=oversample)
            gensim:  Dictionary + filter_extremes + TfidfModel + LsiModel(k,
                     power_iters, extra_samples) + MatrixSimilarity
          the same df filters and SVD knobs as tenyo's defaults (min_df 2,
          max_df 0.5, oversample 16, power iterations 4). Times exclude
          reading the token file (reported apart) and include everything
          after it up to a queryable index.
  search  exact and approximate k-NN over the rank-k LSA document vectors
          (sklearn's, L2-normalised, cached in --cache as .npy): numpy/sklearn
          brute-force cosine, gensim MatrixSimilarity, faiss IndexFlatIP,
          IndexHNSWFlat and IndexIVFFlat (efSearch / nprobe sweeps), hnswlib
          (ef sweep). Single-query latency p50/p95/p99, batched QPS, recall@10
          of every peer against the exact top 10 (faiss IndexFlatIP), index
          bytes per document.
  stats   corpus statistics of a token file (rank/frequency log-log slope,
          the same geometric-rank fit as gen_corpus --stats, terms/doc) and,
          with --jsonl, IPC subclasses per document.

Every line names the machine, cores and BLAS threads (threadpoolctl when
present, else the environment). Design choice: one Python process runs all
peers in the same invocation on the same in-memory data, so ratios are not
skewed by different inputs or cold caches. Rejected: pip-installed peers
(versions drift; the issue asks for Debian's packages, see bench/setup.sh) and
timing peers' CLIs (startup and parsing dominate small runs).

Run with /usr/bin/python3 (a pyenv python on PATH lacks Debian's packages).
"""
import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time


def machine():
    info = {"host": platform.node(), "cores": os.cpu_count(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import numpy  # noqa: F401  (loads the BLAS threadpoolctl reports)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info
        info["blas"] = [{"api": p.get("internal_api"), "threads": p.get("num_threads"),
                         "lib": os.path.basename(p.get("filepath", ""))}
                        for p in threadpool_info()]
    except Exception:
        info["blas"] = {k: os.environ.get(k) for k in
                        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return info


def emit(obj):
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def read_tokens(path, limit=0):
    t0 = time.perf_counter()
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            docs.append(line.rstrip("\n"))
            if limit and len(docs) >= limit:
                break
    return docs, time.perf_counter() - t0


def median_runs(fn, runs):
    """Run fn() runs times; return (median seconds, last result, all times)."""
    times, res = [], None
    for _ in range(runs):
        res = None
        gc.collect()
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), res, times


# ----------------------------------------------------------------- build

def sklearn_lsa(docs, a):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer=str.split, min_df=a.min_df, max_df=a.max_df,
                          sublinear_tf=True, dtype=__import__("numpy").float32)
    X = vec.fit_transform(docs)
    t1 = time.perf_counter()
    k = min(a.k, min(X.shape) - 1)
    svd = TruncatedSVD(k, algorithm="randomized", n_iter=a.power_iters,
                       n_oversamples=a.oversample, random_state=a.seed)
    D = normalize(svd.fit_transform(X)).astype("float32")
    t2 = time.perf_counter()
    return {"X": X, "D": D, "terms": X.shape[1], "nnz": int(X.nnz), "k": k,
            "sec_tfidf": t1 - t0, "sec_svd": t2 - t1}


def gensim_lsa(docs, a):
    from gensim.corpora import Dictionary
    from gensim.models import TfidfModel, LsiModel
    from gensim.similarities import MatrixSimilarity
    t0 = time.perf_counter()
    texts = [d.split() for d in docs]
    dic = Dictionary(texts)
    dic.filter_extremes(no_below=a.min_df, no_above=a.max_df, keep_n=None)
    bow = [dic.doc2bow(t) for t in texts]
    tfidf = TfidfModel(bow, id2word=dic, smartirs="lfc")  # sublinear tf, idf, cosine
    cor = tfidf[bow]
    t1 = time.perf_counter()
    lsi = LsiModel(cor, id2word=dic, num_topics=a.k, power_iters=a.power_iters,
                   extra_samples=a.oversample, random_seed=a.seed)
    t2 = time.perf_counter()
    index = MatrixSimilarity(lsi[cor], num_features=a.k)
    t3 = time.perf_counter()
    return {"terms": len(dic), "k": a.k, "sec_tfidf": t1 - t0,
            "sec_svd": t2 - t1, "sec_index": t3 - t2, "index": index}


def cmd_build(a):
    docs, tread = read_tokens(a.tokens, a.limit)
    base = {"bench": "build", "tokens": a.tokens, "docs": len(docs), "k": a.k,
            "runs": a.runs, "sec_read_tokens": round(tread, 3), "machine": machine()}
    for peer in a.peers.split(","):
        fn = {"sklearn": sklearn_lsa, "gensim": gensim_lsa}[peer]
        med, res, times = median_runs(lambda: fn(docs, a), a.runs)
        out = dict(base, peer=peer, sec_median=round(med, 3),
                   sec_runs=[round(t, 3) for t in times])
        for key in ("terms", "nnz", "k", "sec_tfidf", "sec_svd", "sec_index"):
            if key in res:
                v = res[key]
                out[key] = round(v, 3) if isinstance(v, float) else v
        emit(out)
        del res
        gc.collect()


# ----------------------------------------------------------------- search

def load_vectors(a):
    import numpy as np
    if a.cache and os.path.exists(a.cache):
        return np.load(a.cache, mmap_mode=None)
    docs, _ = read_tokens(a.tokens, a.limit)
    D = sklearn_lsa(docs, a)["D"]
    if a.cache:
        np.save(a.cache, D)
    return D


def percentiles(lat):
    lat = sorted(lat)
    def p(q):
        return lat[min(len(lat) - 1, int(math.ceil(q / 100 * len(lat))) - 1)]
    return {"p50_ms": round(p(50) * 1e3, 4), "p95_ms": round(p(95) * 1e3, 4),
            "p99_ms": round(p(99) * 1e3, 4)}


def measure(name, single, batch, Q, truth, runs, extra):
    """single(q) -> ids of one query; batch(Q) -> (nq, 10) ids."""
    import numpy as np
    for q in Q[:10]:  # warm-up
        single(q)
    lats = []
    for _ in range(runs):
        for q in Q:
            t0 = time.perf_counter()
            single(q)
            lats.append(time.perf_counter() - t0)
    qps_runs = []
    ids = None
    for _ in range(runs):
        t0 = time.perf_counter()
        ids = batch(Q)
        qps_runs.append(len(Q) / (time.perf_counter() - t0))
    # Recall by score, not by id: duplicate documents (real corpora have
    # them) tie, and any of the tied ids is a correct answer. A returned id
    # counts when its exact score reaches the exact 10th score (1e-5 slack).
    ids = np.asarray(ids)
    D, thr = truth
    hit = 0
    for i in range(len(Q)):
        got = [j for j in dict.fromkeys(ids[i][:10].tolist()) if j >= 0]
        hit += int(np.sum(D[got] @ Q[i] >= thr[i] - 1e-5))
    out = {"peer": name, **percentiles(lats),
           "qps_single": round(len(lats) / sum(lats), 1),
           "qps_batch": round(statistics.median(qps_runs), 1),
           "recall_at_10": round(hit / (10 * len(Q)), 4)}
    out.update(extra)
    return out


def index_bytes(obj_writer):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        path = f.name
    try:
        obj_writer(path)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def cmd_search(a):
    import numpy as np
    D = np.ascontiguousarray(load_vectors(a), dtype=np.float32)
    n, k = D.shape
    rng = np.random.default_rng(a.seed)
    Q = D[rng.choice(n, size=min(a.queries, n), replace=False)].copy()
    base = {"bench": "search", "docs": n, "k": k, "queries": len(Q),
            "runs": a.runs, "machine": machine()}
    want = set(a.peers.split(","))

    import faiss
    base["faiss_omp_threads"] = faiss.omp_get_max_threads()
    flat = faiss.IndexFlatIP(k)
    t0 = time.perf_counter()
    flat.add(D)
    tb = time.perf_counter() - t0
    truth = (D, flat.search(Q, 10)[0][:, 9].copy())
    class Emitter(list):  # print each result as soon as it is measured
        def append(self, r):
            emit(dict(base, **r))
            super().append(r)
    results = Emitter()
    if "faiss-flat" in want:
        results.append(measure(
            "faiss IndexFlatIP", lambda q: flat.search(q[None], 10)[1],
            lambda X: flat.search(X, 10)[1], Q, truth, a.runs,
            {"sec_build": round(tb, 3), "bytes_per_doc": 4 * k}))
        # faiss parallelises one query over OpenMP threads; the wake-up cost
        # shows in single-query latency, so also report it on one thread.
        nthr = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        results.append(measure(
            "faiss IndexFlatIP", lambda q: flat.search(q[None], 10)[1],
            lambda X: flat.search(X, 10)[1], Q, truth, a.runs,
            {"omp_threads": 1, "bytes_per_doc": 4 * k}))
        faiss.omp_set_num_threads(nthr)
    if "numpy" in want:  # the brute-force cosine sklearn's brute kNN runs
        def np_single(q):
            s = D @ q
            return np.argpartition(-s, 10)[:10]
        def np_batch(X):
            S = X @ D.T
            return np.argpartition(-S, 10, axis=1)[:, :10]
        results.append(measure("numpy brute cosine", np_single, np_batch, Q, truth,
                               a.runs, {"bytes_per_doc": 4 * k}))
    if "sklearn" in want:
        from sklearn.neighbors import NearestNeighbors
        t0 = time.perf_counter()
        nn = NearestNeighbors(n_neighbors=10, algorithm="brute", metric="cosine").fit(D)
        tb = time.perf_counter() - t0
        results.append(measure(
            "sklearn NearestNeighbors brute cosine",
            lambda q: nn.kneighbors(q[None], 10, return_distance=False)[0],
            lambda X: nn.kneighbors(X, 10, return_distance=False), Q, truth,
            a.runs, {"sec_build": round(tb, 3), "bytes_per_doc": 4 * k}))
    if "gensim" in want:
        from gensim.similarities import MatrixSimilarity
        ms = MatrixSimilarity([], num_features=k)
        ms.index = D
        def g_single(q):
            s = ms.get_similarities(q)
            return np.argpartition(-s, 10)[:10]
        def g_batch(X):
            S = ms.get_similarities(X)
            return np.argpartition(-S, 10, axis=1)[:, :10]
        results.append(measure("gensim MatrixSimilarity", g_single, g_batch, Q,
                               truth, a.runs, {"bytes_per_doc": 4 * k}))
    if "faiss-hnsw" in want:
        h = faiss.IndexHNSWFlat(k, a.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        h.hnsw.efConstruction = a.ef_construction
        t0 = time.perf_counter()
        h.add(D)
        tb = time.perf_counter() - t0
        nb = index_bytes(lambda p: faiss.write_index(h, p))
        for ef in (16, 32, 64, 128, 256):
            h.hnsw.efSearch = ef
            results.append(measure(
                "faiss IndexHNSWFlat", lambda q: h.search(q[None], 10)[1],
                lambda X: h.search(X, 10)[1], Q, truth, a.runs,
                {"M": a.hnsw_m, "efConstruction": a.ef_construction,
                 "efSearch": ef, "sec_build": round(tb, 3),
                 "bytes_per_doc": round(nb / n, 1)}))
    if "faiss-ivf" in want:
        nlist = a.nlist or max(16, int(4 * math.sqrt(n)))
        quant = faiss.IndexFlatIP(k)
        ivf = faiss.IndexIVFFlat(quant, k, nlist, faiss.METRIC_INNER_PRODUCT)
        t0 = time.perf_counter()
        train = D[rng.choice(n, size=min(n, 50 * nlist), replace=False)]
        ivf.train(train)
        ivf.add(D)
        tb = time.perf_counter() - t0
        nb = index_bytes(lambda p: faiss.write_index(ivf, p))
        for nprobe in (1, 4, 16, 64):
            ivf.nprobe = nprobe
            results.append(measure(
                "faiss IndexIVFFlat", lambda q: ivf.search(q[None], 10)[1],
                lambda X: ivf.search(X, 10)[1], Q, truth, a.runs,
                {"nlist": nlist, "nprobe": nprobe, "sec_build": round(tb, 3),
                 "bytes_per_doc": round(nb / n, 1)}))
    if "hnswlib" in want:
        import hnswlib
        hi = hnswlib.Index(space="ip", dim=k)
        t0 = time.perf_counter()
        hi.init_index(max_elements=n, ef_construction=a.ef_construction,
                      M=a.hnsw_m, random_seed=a.seed)
        hi.set_num_threads(os.cpu_count() or 1)
        hi.add_items(D)
        tb = time.perf_counter() - t0
        nb = index_bytes(lambda p: hi.save_index(p))
        for ef in (16, 32, 64, 128, 256):
            hi.set_ef(ef)
            results.append(measure(
                "hnswlib", lambda q: hi.knn_query(q[None], 10)[0][0],
                lambda X: hi.knn_query(X, 10)[0], Q, truth, a.runs,
                {"M": a.hnsw_m, "efConstruction": a.ef_construction, "ef": ef,
                 "sec_build": round(tb, 3), "bytes_per_doc": round(nb / n, 1)}))


# ------------------------------------------------------------------ stats

def zipf_slope(freqs, lo, hi):
    """Least-squares slope of log f(r) on log r over geometric ranks lo..hi."""
    hi = min(hi, len(freqs))
    xs, ys, r = [], [], float(lo)
    while r <= hi:
        i = int(r)
        if freqs[i - 1] <= 0:
            break
        xs.append(math.log(i))
        ys.append(math.log(freqs[i - 1]))
        r *= 1.1
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / \
        sum((x - mx) ** 2 for x in xs)


def cmd_stats(a):
    from collections import Counter
    cnt, ndocs, ntok = Counter(), 0, 0
    with open(a.tokens, encoding="utf-8") as f:
        for line in f:
            t = line.split()
            cnt.update(t)
            ndocs += 1
            ntok += len(t)
    fr = sorted(cnt.values(), reverse=True)
    out = {"bench": "stats", "tokens": a.tokens, "docs": ndocs,
           "terms_per_doc": round(ntok / max(ndocs, 1), 1), "distinct": len(fr),
           "distinct_df2": sum(1 for v in fr if v >= 2),
           "slope_1_100": round(zipf_slope(fr, 1, 100), 3),
           "slope_10_10000": round(zipf_slope(fr, 10, 10000), 3),
           "slope_100_end": round(zipf_slope(fr, 100, len(fr)), 3)}
    if a.jsonl:
        hist, nd = Counter(), 0
        with open(a.jsonl, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                codes = []
                for key in ("ipc", "fi", "cpc"):
                    v = d.get(key) or []
                    codes += v.split(",") if isinstance(v, str) else v
                subs = {c.replace(" ", "")[:4].upper() for c in codes
                        if len(c.replace(" ", "")) >= 4}
                hist[min(len(subs), 5)] += 1
                nd += 1
        out["fields_per_doc"] = round(sum(k * v for k, v in hist.items()) / nd, 2)
        out["fields_hist"] = {str(k): round(v / nd, 3) for k, v in sorted(hist.items())}
        out["multi_field_share"] = round(sum(v for k, v in hist.items() if k >= 2) / nd, 3)
    emit(out)


# ------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("build", "search", "stats"):
        p = sub.add_parser(name)
        p.add_argument("--tokens", required=True, help="whitespace-token file, one doc a line")
        p.add_argument("--limit", type=int, default=0, help="first N documents only")
        p.add_argument("-k", type=int, default=256, help="LSA rank (default 256)")
        p.add_argument("--runs", type=int, default=3)
        p.add_argument("--min-df", type=int, default=2)
        p.add_argument("--max-df", type=float, default=0.5)
        p.add_argument("--power-iters", type=int, default=4)
        p.add_argument("--oversample", type=int, default=16)
        p.add_argument("--seed", type=int, default=0)
        if name == "build":
            p.add_argument("--peers", default="sklearn,gensim")
        if name == "search":
            p.add_argument("--peers", default="faiss-flat,numpy,sklearn,gensim,"
                           "faiss-hnsw,faiss-ivf,hnswlib")
            p.add_argument("--cache", help=".npy file for the LSA vectors")
            p.add_argument("--queries", type=int, default=1000)
            p.add_argument("--hnsw-m", type=int, default=16)
            p.add_argument("--ef-construction", type=int, default=200)
            p.add_argument("--nlist", type=int, default=0)
        if name == "stats":
            p.add_argument("--jsonl", help="corpus JSONL for fields/doc")
    a = ap.parse_args()
    {"build": cmd_build, "search": cmd_search, "stats": cmd_stats}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
