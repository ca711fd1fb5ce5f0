#!/usr/bin/python3
"""bench/raw_pipeline.py — the Python pipeline tenyo's index build is compared
with from raw text: read JSONL records, MeCab (ipadic) word splitting of
title + abstract, sklearn TfidfVectorizer (sublinear tf, min_df 2, max_df 0.5)
and TruncatedSVD (randomized, rank k, oversampling 16, as many power
iterations as tenyo's build: --power-iters, default 1, tenyo's default),
rows L2-normalised. Prints one JSON line with the phase
times and the total.

The peer at its best: MeCab runs in its fastest mode (-Owakati, one string per
document, split by str.split) rather than a per-node loop in Python, and
OpenBLAS keeps its default thread count. What it does not build (and tenyo
does): the field model, the phrase table, the stored abstracts.

Usage: /usr/bin/python3 bench/raw_pipeline.py FILE.jsonl [-k 256] [--power-iters 1]
"""
import argparse
import json
import os
import platform
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("jsonl")
    ap.add_argument("-k", type=int, default=256)
    ap.add_argument("--power-iters", type=int, default=1)
    a = ap.parse_args()
    import MeCab
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    t0 = time.perf_counter()
    texts = []
    with open(a.jsonl, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts.append((r.get("title") or "") + "\n" + (r.get("abstract") or ""))
    t1 = time.perf_counter()
    tagger = MeCab.Tagger("-Owakati")
    docs = [tagger.parse(t) for t in texts]
    t2 = time.perf_counter()
    vec = TfidfVectorizer(analyzer=str.split, min_df=2, max_df=0.5, sublinear_tf=True,
                          dtype=np.float32)
    X = vec.fit_transform(docs)
    t3 = time.perf_counter()
    k = min(a.k, min(X.shape) - 1)
    svd = TruncatedSVD(k, algorithm="randomized", n_iter=a.power_iters, n_oversamples=16, random_state=1)
    D = normalize(svd.fit_transform(X)).astype("float32")
    t4 = time.perf_counter()
    print(json.dumps({"bench": "raw_build", "peer": "mecab+sklearn", "docs": len(docs),
                      "terms": X.shape[1], "k": k, "power_iters": a.power_iters, "rows": D.shape[0],
                      "sec_read": round(t1 - t0, 3), "sec_tokenize": round(t2 - t1, 3),
                      "sec_tfidf": round(t3 - t2, 3), "sec_svd": round(t4 - t3, 3),
                      "sec_total": round(t4 - t0, 3), "machine": platform.node(),
                      "cores": os.cpu_count()}), flush=True)


if __name__ == "__main__":
    main()
