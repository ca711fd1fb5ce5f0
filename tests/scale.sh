#!/bin/sh
# scale.sh — what users with large corpora run, end to end on the bundled
# sample: `tenyo bench` (its table, JSON, CSV and SVG; recall of the exact
# modes against their float reference, the IVF sweep, the workloads, bad
# options) and zstd-compressed input (`index` of a .zst file, from a file
# and from standard input, and tenyo-mpi index over 2 processes when Open
# MPI is there, writes the same bytes as of the plain file; a truncated
# one is refused naming it), and bench/raw_build.sh (the build against
# MeCab alone and the Python pipeline: runs, prints its ratios, refuses
# bad arguments). Timings are printed, never checked. Prints "N passed,
# N failed".
# Usage: TENYO=build/tenyo sh tests/scale.sh
T=${TENYO:-build/tenyo}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-scale-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }
expect() {
  code=$1; name=$2; shift 2
  "$@" >"$D/out" 2>"$D/err"; rc=$?
  if [ "$rc" = "$code" ]; then ok "$name"; else bad "$name (exit $rc, want $code: $(head -c 300 "$D/err"))"; fi
}
contains() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2' in $(head -c 300 "$1"))"; fi; }
S=data/sample/sample.jsonl

# ---------------------------------------------------------------- zstd input
expect 0 scale_index_plain "$T" index -q -o "$D/p.tny" "$S"
if command -v zstd >/dev/null 2>&1; then
  zstd -q -c "$S" >"$D/s.jsonl.zst"
  expect 0 scale_index_zst "$T" index -q -o "$D/z.tny" "$D/s.jsonl.zst"
  cmp -s "$D/p.tny" "$D/z.tny" && ok scale_index_zst_same_bytes || bad scale_index_zst_same_bytes
  expect 0 scale_index_zst_stdin sh -c "\"$T\" index -q -o \"$D/zi.tny\" - <\"$D/s.jsonl.zst\""
  cmp -s "$D/p.tny" "$D/zi.tny" && ok scale_index_zst_stdin_same_bytes || bad scale_index_zst_stdin_same_bytes
  head -c 2000 "$D/s.jsonl.zst" >"$D/cut.zst"
  expect 2 scale_index_zst_truncated "$T" index -q -o "$D/c.tny" "$D/cut.zst"
  contains "$D/err" "cut.zst: zstd: the file ends inside a frame" scale_index_zst_truncated_named
  [ ! -e "$D/c.tny" ] && ok scale_index_zst_truncated_no_output || bad scale_index_zst_truncated_no_output
  # tenyo-mpi index reads it through the same reader: the same bytes
  M=$(dirname "$T")/tenyo-mpi
  if command -v mpirun >/dev/null 2>&1 && [ -x "$M" ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    expect 0 scale_mpi_index_zst env ASAN_OPTIONS=detect_leaks=0 timeout 300 \
      mpirun --oversubscribe -np 2 "$M" index -q -o "$D/m.tny" "$D/s.jsonl.zst"
    cmp -s "$D/p.tny" "$D/m.tny" && ok scale_mpi_index_zst_same_bytes || bad scale_mpi_index_zst_same_bytes
  else
    echo "skip tenyo-mpi .zst test (no mpirun or no $M)"
  fi
else
  echo "skip zstd input tests (the zstd program is not installed: apt-get install zstd)"
fi

# -------------------------------------------------------------------- bench
expect 0 scale_bench_help "$T" bench --help
expect 0 scale_index_ivf "$T" index -q --ivf=8 --f16 -o "$D/i.tny" "$S"
expect 0 scale_bench_run "$T" bench "$D/i.tny" -n 60 -t 1,2 -q \
  -m lsa,tfidf,hybrid,ivf,ideas,search --nprobe 1,2,8 \
  --json "$D/b.json" --csv "$D/b.csv" --svg "$D/b.svg"
contains "$D/out" "ivf nprobe=2" scale_bench_table_ivf
contains "$D/out" "p99 ms" scale_bench_table_header
if "$PY" - "$D/b.json" <<'EOF'; then ok scale_bench_json; else bad scale_bench_json; fi
import json, sys
o = json.load(open(sys.argv[1]))
r = o["results"]
assert o["docs"] == 200 and o["queries"] == 60 and o["k"] == 10, o
# 6 modes, ivf swept over 3 nprobe: 8 settings, each at 1 and 2 threads
assert len(r) == 16, len(r)
for x in r:
    assert x["queries"] == 60 and x["errors"] == 0, x
    assert 0 < x["p50_ms"] <= x["p95_ms"] <= x["p99_ms"], x
    assert x["qps"] > 0, x
    if x["mode"] in ("lsa", "tfidf", "hybrid"):
        assert x["recall"] == 1.0, x  # a small index scans in float: exact
    elif x["mode"] == "ivf":
        assert 0 < x["recall"] <= 1.0, x
    else:
        assert x["recall"] is None, x
ivf = {x["nprobe"]: x["recall"] for x in r if x["mode"] == "ivf" and x["threads"] == 1}
assert sorted(ivf) == [1, 2, 8], ivf
assert ivf[1] < 1.0 and ivf[1] <= ivf[8] and ivf[8] >= 0.95, ivf  # 8 = every list
EOF
# the hybrid mode through the lists: its recall is against exact hybrid
expect 0 scale_bench_ivf_hybrid "$T" bench "$D/i.tny" -n 60 -q -m hybrid,ivf,ivf-hybrid \
  --nprobe 1,2,8 -t 1,2 --json "$D/bh.json"
contains "$D/out" "ivf-hybrid nprobe=8" scale_bench_table_ivf_hybrid
if "$PY" - "$D/bh.json" <<'EOF'; then ok scale_bench_ivf_hybrid_json; else bad scale_bench_ivf_hybrid_json; fi
import json, sys
r = json.load(open(sys.argv[1]))["results"]
# two kinds swept over three nprobe, each setting at 1 and 2 threads
assert [x["mode"] for x in r] == ["hybrid"] * 2 + ["ivf"] * 6 + ["ivf-hybrid"] * 6, r
assert all(x["errors"] == 0 and x["queries"] == 60 for x in r), r
h = {x["nprobe"]: x["recall"] for x in r if x["mode"] == "ivf-hybrid" and x["threads"] == 1}
assert sorted(h) == [1, 2, 8] and 0 < h[1] < 1.0 and h[1] < h[8] <= 1.0, h  # 8 = every list
EOF
# steer: the list made again after one action per query (strike, keep,
# reject, focus drawn in turn from each query's default list)
expect 0 scale_bench_steer "$T" bench "$D/i.tny" -n 24 -q -m ideas,steer --json "$D/st.json"
if "$PY" - "$D/st.json" <<'EOF'; then ok scale_bench_steer_json; else bad scale_bench_steer_json; fi
import json, sys
r = {x["mode"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert set(r) == {"ideas", "steer"}, r
s = r["steer"]
assert s["queries"] == 24 and s["errors"] == 0 and s["recall"] is None, s
assert 0 < s["p50_ms"] <= s["p95_ms"], s
EOF
n=$(wc -l <"$D/b.csv")
[ "$n" = 17 ] && ok scale_bench_csv_rows || bad "scale_bench_csv_rows ($n lines)"
head -n 1 "$D/b.csv" | grep -q '^mode,nprobe,threads,queries,errors,without_terms,qps,p50_ms,p95_ms,p99_ms,mean_ms,recall_at_10$' &&
  ok scale_bench_csv_header || bad scale_bench_csv_header
if "$PY" - "$D/b.svg" <<'EOF'; then ok scale_bench_svg; else bad scale_bench_svg; fi
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert t.tag == ns + "svg"
# series with recall: lsa, tfidf, hybrid, ivf at 1 and 2 threads
assert len(t.findall(ns + "polyline")) == 8, len(t.findall(ns + "polyline"))
assert len(t.findall(ns + "circle")) == 12
texts = ["".join(x.itertext()) for x in t.iter(ns + "text")]
# the settings without recall are named, not left out silently
assert "no recall, not drawn:" in texts, texts
assert any(x.startswith("ideas, 1 thread: ") and x.endswith(" QPS") for x in texts), texts
assert any(x.startswith("search, 2 threads:") for x in texts), texts
# QPS written whole with separators, and every line inside the picture
# (about 6.6 px a character at 12 px; a long one puts its QPS on a line of its own)
assert not any(x.endswith(" QPS") and "." in x.split()[-2] and float(x.split()[-2].replace(",", "")) >= 10 for x in texts), texts
W = float(t.get("width"))
for x in t.iter(ns + "text"):
    if x.get("font-size") in (None, "12") and x.get("x") and x.get("text-anchor") is None:
        assert float(x.get("x")) + 6.6 * len("".join(x.itertext())) <= W, "".join(x.itertext())
# axis numbers written out with separators, never as 1e+06
assert not any("e+" in x for x in texts), texts
assert all("," in x for x in texts if x.isdigit() is False and x.replace(",", "").isdigit()), texts
assert not any(x.isdigit() and len(x) > 3 for x in texts), texts
# nprobe labels kept apart: no two label boxes (6.2 px a digit, 10 high) overlap
lab = []
for x in t.iter(ns + "text"):
    if x.get("font-size") == "10":
        w = 6.2 * len(x.text); x0 = float(x.get("x")); y0 = float(x.get("y"))
        if x.get("text-anchor") == "end": x0 -= w
        lab.append((x0, y0 - 10, x0 + w, y0))
for i, a in enumerate(lab):
    for b in lab[:i]:
        assert not (a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5), (a, b)
EOF
printf '運転者の眠気を検出する\n\nrobot gripper with soft fingers\n' >"$D/q.txt"
expect 0 scale_bench_query_file "$T" bench "$D/p.tny" --query-file "$D/q.txt" -m lsa,hybrid -q
contains "$D/out" "2 queries (query file)" scale_bench_query_file_lines
printf 'robot gripper\nqqqzzz\n' >"$D/q2.txt"
expect 0 scale_bench_query_without_terms "$T" bench "$D/p.tny" --query-file "$D/q2.txt" -m lsa,search -q --json "$D/q2.json"
contains "$D/out" "(1 without index terms)" scale_bench_query_without_terms_counted
if "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; assert all(x["errors"] == 0 for x in r) and r[0]["without_terms"] == 1, r' "$D/q2.json"; then ok scale_bench_without_terms_json; else bad scale_bench_without_terms_json; fi
expect 0 scale_bench_titles "$T" bench "$D/p.tny" --titles -n 20 -m tfidf -q
contains "$D/out" "20 queries (titles as text)" scale_bench_titles_workload
expect 2 scale_bench_query_file_missing "$T" bench "$D/p.tny" --query-file "$D/none.txt"
contains "$D/err" "none.txt" scale_bench_query_file_missing_named
: >"$D/empty.txt"
expect 2 scale_bench_query_file_empty "$T" bench "$D/p.tny" --query-file "$D/empty.txt"
expect 1 scale_bench_ivf_without_lists "$T" bench "$D/p.tny" -m ivf
contains "$D/err" "no IVF lists" scale_bench_ivf_without_lists_said
expect 1 scale_bench_bad_mode "$T" bench "$D/p.tny" -m lsa,fuzzy
expect 1 scale_bench_bad_threads "$T" bench "$D/p.tny" -t 1,0
expect 1 scale_bench_titles_and_file "$T" bench "$D/p.tny" --titles --query-file "$D/q.txt"
expect 3 scale_bench_missing_index "$T" bench "$D/none.tny"

# ------------------------------------------- the build against its floor
# bench/raw_build.sh on the sample: the floor (MeCab alone), tenyo index
# and the Python pipeline when python3-mecab and python3-sklearn are there,
# the ratios printed; bad arguments refused before any work.
F=$(dirname "$T")/bench/mecab_floor
make -s BUILD="$(dirname "$T")" SANFLAGS="${SANFLAGS:-}" bench/mecab_floor >/dev/null 2>&1 || true  # always: a stale one would be timed
if [ -x "$F" ]; then ok scale_floor_built; else bad "scale_floor_built (no $F)"; fi
expect 0 scale_floor_sample "$F" -r 2 -t 2 --json "$S"
contains "$D/out" '"docs": 200,' scale_floor_all_records
if "$PY" - "$D/out" <<'EOF'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
m = [int(re.search(r"\((\d+) morphemes", l).group(1)) for l in lines if l.startswith("round ")]
j = json.loads([l for l in lines if l.startswith("{")][0])
# both rounds parse the same text to the same morphemes, a few per byte
assert len(m) == 2 and m[0] == m[1] == j["morphemes"] and 0.05 < m[0] / j["bytes"] < 1, (m, j)
assert j["sec_min"] <= j["sec_median"] <= j["sec_max"] and j["sec_min"] > 0, j
EOF
then ok scale_floor_rounds_agree; else bad scale_floor_rounds_agree; fi
expect 2 scale_floor_bad_threads "$F" -t 0 "$S"
contains "$D/err" "threads wants a whole number" scale_floor_bad_threads_said
: >"$D/empty.jsonl"
expect 2 scale_floor_empty_input "$F" "$D/empty.jsonl"
contains "$D/err" "no records in .*empty.jsonl" scale_floor_empty_input_said
expect 1 scale_floor_index_input "$F" "$D/p.tny"
if grep -q "unknown input format" "$D/err" && ! grep -q "name the format" "$D/err"; then ok scale_floor_advice_own_options
else bad "scale_floor_advice_own_options ($(head -c 300 "$D/err"))"; fi
expect 1 scale_floor_missing_file "$F" "$D/none.jsonl"
contains "$D/err" "none.jsonl" scale_floor_missing_file_named
NOPY=--no-python
"$PY" -c 'import MeCab, sklearn' 2>/dev/null && NOPY= ||
  echo "skip the Python side of bench/raw_build.sh (no python3-mecab or python3-sklearn: bench/setup.sh)"
expect 0 scale_rawbuild_sample env TENYO="$T" FLOOR="$F" sh bench/raw_build.sh -r 2 $NOPY \
  --work "$D/rb" "$S"
contains "$D/out" "^b/a (build / floor) = [0-9.]*x (per round" scale_rawbuild_ratio_floor
contains "$D/out" "^# tenyo svd: median" scale_rawbuild_phases
if [ -z "$NOPY" ]; then
  contains "$D/out" "^c/b (python / build) = [0-9.]*x" scale_rawbuild_ratio_python
fi
expect 0 scale_rawbuild_before env TENYO="$T" FLOOR="$F" sh bench/raw_build.sh -r 1 --no-python \
  --before "$T" --work "$D/rb" "$S"
contains "$D/out" "indexes: the same bytes" scale_rawbuild_before_same_bytes
# --work DIR holding the input, an index and a log of the same names as
# the bench's files: none of them written (a folder of its own is used
# and removed)
mkdir -p "$D/rw"; cp "$S" "$D/rw/py_in.jsonl"; echo mine >"$D/rw/tenyo.log"; echo idx >"$D/rw/x.tny"
expect 0 scale_rawbuild_work_own_folder env TENYO="$T" FLOOR="$F" sh bench/raw_build.sh -r 1 -k 20 \
  $NOPY --work "$D/rw" "$D/rw/py_in.jsonl"
if cmp -s "$S" "$D/rw/py_in.jsonl" && [ "$(cat "$D/rw/tenyo.log" "$D/rw/x.tny")" = "mine
idx" ] && [ "$(ls "$D/rw" | wc -l)" = 3 ]; then ok scale_rawbuild_work_files_untouched
else bad "scale_rawbuild_work_files_untouched ($(ls -l "$D/rw"))"; fi
if [ -z "$NOPY" ]; then
  # the Python side failing (a CSV it cannot read as JSON Lines): exit 1
  expect 1 scale_rawbuild_python_fails env TENYO="$T" FLOOR="$F" sh bench/raw_build.sh -r 1 -k 20 \
    --work "$D/rw" data/sample/jplatpat_export.csv
  contains "$D/err" "the Python pipeline failed in round 1" scale_rawbuild_python_fails_said
fi
expect 2 scale_rawbuild_bad_runs sh bench/raw_build.sh -r 0 "$S"
contains "$D/err" "runs wants a whole number" scale_rawbuild_bad_runs_said
expect 2 scale_rawbuild_unknown_option sh bench/raw_build.sh --fast "$S"
expect 2 scale_rawbuild_missing_file sh bench/raw_build.sh "$D/none.jsonl"
contains "$D/err" "none.jsonl" scale_rawbuild_missing_file_named
expect 2 scale_rawbuild_bad_before sh bench/raw_build.sh --before "$D/none" "$S"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
