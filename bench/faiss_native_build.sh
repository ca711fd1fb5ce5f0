#!/bin/sh
# faiss_native_build.sh — build faiss from Debian's source package here, with
# its AVX2 optimisation level plus -march=native (so the compiler may also use
# AVX-512 in the loops it vectorises), no GPU, no Python, no tests; only the
# faiss_avx2 static library the C++ driver (bench/faiss_bench.cc) links.
#
#   sh bench/faiss_native_build.sh        # prints the cache folder
#
# Cached outside git in $PEERS (default $HOME/.cache/tenyo-peers): the source
# (`apt-get source faiss`, which needs a deb-src line for bookworm main, see
# bench/README.md) and build-faiss/. A second run only re-links what changed.
# Not part of CI: it takes tens of minutes on 2 cores.
set -eu
PEERS=${PEERS:-$HOME/.cache/tenyo-peers}
JOBS=${JOBS:-2}
mkdir -p "$PEERS"
cd "$PEERS"
SRC=$(ls -d faiss-[0-9]* 2>/dev/null | head -1 || true)
if [ -z "$SRC" ]; then
    apt-get source faiss >&2 || {
        echo "faiss_native_build: apt-get source faiss failed; add a deb-src source:" >&2
        echo "  Types: deb-src / URIs: http://deb.debian.org/debian / Suites: bookworm / Components: main" >&2
        exit 1
    }
    SRC=$(ls -d faiss-[0-9]* | head -1)
fi
B="$PEERS/build-faiss"
if [ ! -f "$B/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release \
        -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=OFF -DFAISS_ENABLE_C_API=OFF \
        -DBUILD_TESTING=OFF -DBUILD_SHARED_LIBS=OFF -DFAISS_OPT_LEVEL=avx2 \
        -DBLA_VENDOR=OpenBLAS \
        -DCMAKE_CXX_FLAGS="-O3 -march=native" >&2
fi
cmake --build "$B" --target faiss_avx2 -j "$JOBS" >&2
echo "$PEERS"
