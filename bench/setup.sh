#!/bin/sh
# bench/setup.sh — install the peers the benchmarks compare tenyo with.
#
# Every peer comes from Debian's own python3-* packages (no pip, no network
# beyond the Debian mirror), so a run names exact, reproducible versions:
# sklearn (TfidfVectorizer + TruncatedSVD), gensim (TfidfModel + LsiModel +
# MatrixSimilarity), faiss (IndexFlatIP, IndexHNSWFlat, IndexIVFFlat),
# hnswlib, and numpy/scipy/threadpoolctl underneath them; and Xapian
# (libxapian-dev, C++: the sparse peer of bench/sparse_vs_xapian.sh); Groonga
# (groonga-bin, groonga-tokenizer-mecab, libgroonga-dev: the full-text peer of
# bench/groonga_peer.sh); for the
# native peers of bench/ann_peers.sh, libhnswlib-dev (header-only hnswlib) and
# dpkg-dev + cmake (bench/faiss_native_build.sh builds faiss from `apt-get
# source faiss`, which needs a deb-src line: see bench/README.md). As root the missing
# ones are installed with apt-get; otherwise the apt line is printed and the
# script exits 1. The peers run under /usr/bin/python3: a python3 earlier on
# PATH (pyenv, venv) does not see Debian's dist-packages.
#
# Usage: sh bench/setup.sh        (idempotent; prints the versions in use)
set -eu

PKGS="python3-numpy python3-scipy python3-sklearn python3-gensim python3-faiss python3-mecab \
python3-hnswlib python3-threadpoolctl libxapian-dev libhnswlib-dev dpkg-dev cmake \
groonga-bin groonga-tokenizer-mecab libgroonga-dev"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "bench/setup.sh: installing:$missing" >&2
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $missing >/dev/null
    else
        echo "bench/setup.sh: missing Debian packages. Run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
        exit 1
    fi
fi

/usr/bin/python3 - <<'EOF'
import importlib
for m in ("numpy", "scipy", "sklearn", "gensim", "faiss", "hnswlib", "threadpoolctl"):
    try:
        mod = importlib.import_module(m)
        print(f"{m:14s} {getattr(mod, '__version__', '?')}")
    except Exception as e:  # a broken package is reported, not hidden
        print(f"{m:14s} NOT USABLE: {e}")
        raise SystemExit(1)
EOF
echo "xapian         $(dpkg-query -W -f='${Version}' libxapian-dev)"
