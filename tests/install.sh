#!/bin/sh
# install.sh — `make install` as a user of the library sees it: installs
# into a temporary DESTDIR, checks the file list, the soname and the
# pkg-config file, then builds and runs a small C program against the
# staged tree with nothing but `pkg-config --cflags --libs tenyo`: once
# against the shared library, once (a SHARED=no install) statically with
# `pkg-config --static` (and, as README says, the same flags beside the
# shared library link it dynamically). Ends with `make uninstall`, which must leave no
# file behind. Prints "N passed, N failed".
# Usage: sh tests/install.sh BUILD_DIR   (CC and SANFLAGS from the Makefile)
B=${1:-build}
CC=${CC:-cc}
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-install-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }
MAKE_=${MAKE:-make}
VERSION=$(sed -n 's/^#define TENYO_VERSION_STRING "\(.*\)"/\1/p' include/tenyo.h)
MAJOR=${VERSION%%.*}
P=/usr/local

# stage PREFIX_ROOT [make args]: make install into DESTDIR=$1 (BUILD and
# SANITIZE come from the calling make through MAKEFLAGS)
stage() {
  root=$1; shift
  $MAKE_ -s --no-print-directory install DESTDIR="$root" PREFIX=$P "$@" >"$D/make.log" 2>&1
}

# the program: index 40 sample records, query the first, print its nearest
cat >"$D/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <tenyo.h>

int main(int argc, char **argv) {
    char err[512] = "";
    tenyo_read_opts ro = {0};
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.dim = 8;
    bo.threads = 1;
    tenyo_reader *r = NULL;
    tenyo_builder *b = NULL;
    if (tenyo_reader_open(argv[1], &ro, &r, err, sizeof err) ||
        tenyo_builder_new(&bo, &b, err, sizeof err)) {
        fprintf(stderr, "prog: %s\n", err);
        return 1;
    }
    const tenyo_doc *d;
    int n = 0;
    while (n < 40 && tenyo_reader_next(r, &d) == 1 && !tenyo_builder_add(b, d)) n++;
    tenyo_reader_free(r);
    tenyo_build_stats st;
    if (tenyo_builder_write(b, argv[2], &st)) {
        fprintf(stderr, "prog: %s\n", tenyo_builder_error(b));
        return 1;
    }
    tenyo_builder_free(b);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    if (tenyo_index_open(argv[2], &x, err, sizeof err) || tenyo_ctx_new(x, &c, err, sizeof err)) {
        fprintf(stderr, "prog: %s\n", err);
        return 1;
    }
    tenyo_hit h[2];
    int k = tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 2, h);
    tenyo_doc_meta m;
    if (k != 2 || tenyo_index_doc(x, h[1].doc, &m)) return 1;
    printf("tenyo %s: %llu docs; nearest of doc 0: %s\n", tenyo_version(),
           (unsigned long long)st.docs, m.id);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return 0;
}
C

# ---------------------------------------------------------------- shared
R="$D/root"
if stage "$R"; then ok install_runs; else bad "install_runs: $(tail -c 400 "$D/make.log")"; fi
want="bin/tenyo include/tenyo.h lib/libtenyo.a lib/libtenyo.so lib/libtenyo.so.$MAJOR
lib/libtenyo.so.$VERSION lib/pkgconfig/tenyo.pc share/man/man1/tenyo.1 share/man/man3/libtenyo.3
share/man/ja/man1/tenyo.1 share/man/ja/man3/libtenyo.3"
got=$(cd "$R$P" 2>/dev/null && find . ! -type d | sed 's|^\./||' | sort | tr '\n' ' ')
PYVER=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYDIR=${PYVER:+lib/python$PYVER/dist-packages}
[ -n "$PYDIR" ] && want="$want $PYDIR/tenyo/__init__.py"
want=$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')
if [ "$got" = "$want" ]; then ok install_file_list; else bad "install_file_list (got: $got; want: $want)"; fi
[ "$(readlink "$R$P/lib/libtenyo.so.$MAJOR")" = "libtenyo.so.$VERSION" ] && ok install_so_links || bad install_so_links
soname=$(readelf -d "$R$P/lib/libtenyo.so.$VERSION" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtenyo.so.$MAJOR" ] && ok install_soname || bad "install_soname ($soname)"
# only the public API is exported
if nm -D --defined-only "$R$P/lib/libtenyo.so.$VERSION" | awk '{print $3}' | grep -v '^tenyo_' | grep -q .; then
  bad "install_exports_public_only: $(nm -D --defined-only "$R$P/lib/libtenyo.so.$VERSION" | awk '{print $3}' | grep -v '^tenyo_' | head -5 | tr '\n' ' ')"
else ok install_exports_public_only; fi
"$R$P/bin/tenyo" -V >"$D/out" 2>&1 && grep -q "$VERSION" "$D/out" && ok install_bin_runs || bad "install_bin_runs: $(cat "$D/out")"

# the Japanese page is the one man finds for Japanese (man -L ja: man-db
# takes the language from the locale only where ja_JP is generated)
if cmp -s man/ja/tenyo.1 "$R$P/share/man/ja/man1/tenyo.1" && cmp -s man/ja/libtenyo.3 "$R$P/share/man/ja/man3/libtenyo.3" &&
   { ! command -v man >/dev/null || MANPATH="$R$P/share/man" man -L ja -w tenyo 2>/dev/null | grep -q '/ja/man1/tenyo.1$'; }; then
  ok install_man_ja
else bad "install_man_ja ($(MANPATH="$R$P/share/man" man -L ja -w tenyo 2>&1))"; fi

# the installed Python package finds the installed library
if [ -n "$PYDIR" ]; then
  pre=; case $SANFLAGS in *address*) pre=$($CC -print-file-name=libasan.so);; esac
  if (cd "$D" && LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=0 PYTHONPATH="$R$P/$PYDIR" LD_LIBRARY_PATH="$R$P/lib" \
      /usr/bin/python3 -c 'import tenyo; print(tenyo.library_path, tenyo.version())') >"$D/out" 2>&1 &&
     grep -q "^libtenyo.so.$MAJOR $VERSION\$" "$D/out"; then ok install_python_finds_library
  else bad "install_python_finds_library: $(head -c 300 "$D/out")"; fi
fi

pcx() { r=$1; shift; PKG_CONFIG_PATH="$r$P/lib/pkgconfig" pkg-config --define-variable=prefix="$r$P" "$@"; }
[ "$(pcx "$R" --modversion tenyo)" = "$VERSION" ] && ok pc_version || bad pc_version
req=$(pcx "$R" --print-requires-private tenyo | awk '{print $1}' | tr '\n' ' ')
for m in openblas icu-uc libzstd jansson lapacke; do
  case " $req" in *" $m "*) ;; *) bad "pc_requires_private ($m missing from: $req)"; req=; break;; esac
done
[ -n "$req" ] && ok pc_requires_private
grep -q '^Libs.private:.*-lmecab' "$R$P/lib/pkgconfig/tenyo.pc" && ok pc_libs_private || bad pc_libs_private
grep -q "^prefix=$P\$" "$R$P/lib/pkgconfig/tenyo.pc" && ok pc_prefix || bad pc_prefix

# shellcheck disable=SC2046 # word splitting of pkg-config's output is the point
if $CC $SANFLAGS -o "$D/prog_shared" "$D/prog.c" $(pcx "$R" --cflags --libs tenyo) 2>"$D/cc.log"; then
  ok pc_build_shared
else bad "pc_build_shared: $(head -c 600 "$D/cc.log")"; fi
readelf -d "$D/prog_shared" 2>/dev/null | grep -q "NEEDED.*\[libtenyo.so.$MAJOR\]" && ok pc_shared_needs_soname || bad pc_shared_needs_soname
if LD_LIBRARY_PATH="$R$P/lib" "$D/prog_shared" data/sample/sample.jsonl "$D/s.tny" >"$D/out" 2>&1 &&
   grep -q "tenyo $VERSION: 40 docs; nearest of doc 0: SAMPLE-" "$D/out"; then ok pc_run_shared
else bad "pc_run_shared: $(head -c 400 "$D/out")"; fi

# libtenyo(3)'s example (ideas with their sentence and why, then match),
# extracted from the page, built against the staged tree with the page's
# own instructions for a DESTDIR (its lines, /tmp/stage read as the stage):
# pkg-config --define-prefix, and PKG_CONFIG_SYSROOT_DIR
awk '/^\.Sh /{ex = ($2 == "EXAMPLES")} ex && /^\.Bd -literal/{on = 1; b = ""; next}
     ex && on && /^\.Ed/{on = 0; if (b ~ /tenyo_idea_sentence/) printf "%s", b; next}
     ex && on {b = b $0 "\n"}' man/libtenyo.3 | sed 's/\\e/\\/g' >"$D/example.c"
grep -q 'int main' "$D/example.c" && ok man_example_extracted || bad man_example_extracted
awk '/^\.Sy Building against a staged install/{on = 1} on && /^\.Sh /{on = 0}
     on && /^(export|cc|LD_LIBRARY_PATH)/' man/libtenyo.3 |
  sed -e "s|/tmp/stage|$R|g" -e "s|prog\.c|$D/example.c|" -e "s|\./a\.out|$D/a.out|" >"$D/staged.sh"
[ "$(grep -c '^cc ' "$D/staged.sh")" = 2 ] && ok man_staged_instructions_found ||
  bad "man_staged_instructions_found: $(cat "$D/staged.sh")"
"$R$P/bin/tenyo" index data/sample/sample.jsonl -o "$D/ex.tny" >/dev/null 2>&1
i=0
while IFS= read -r line; do
  case $line in cc*) ;; *) continue;; esac
  i=$((i + 1))
  # the page's line (export, then one cc line, then the run line), the output
  # to $D/a.out; sanitizer flags added as make test builds with them
  { grep '^export' "$D/staged.sh"; echo "${line%%\$(*} $SANFLAGS -o $D/a.out \$(${line#*\$(}"; } >"$D/build$i.sh"
  rm -f "$D/a.out"
  if (cd "$D" && sh "$D/build$i.sh") >"$D/cc.log" 2>&1; then ok "man_staged_build_$i"
  else bad "man_staged_build_$i: $(cat "$D/build$i.sh"; head -c 600 "$D/cc.log")"; continue; fi
  run=$(grep '^LD_LIBRARY_PATH' "$D/staged.sh")
  if (eval "$run $D/ex.tny SAMPLE-001 'We mould precise resin parts and design dies'") >"$D/out" 2>&1 &&
     grep -q '^   idea: The technology around .* could be applied in ' "$D/out" &&
     grep -q '^   why: ".*" / ".*"$' "$D/out" && grep -q '^match 1\. ' "$D/out" &&
     grep -q '^json: [0-9]* bytes$' "$D/out"; then ok "man_example_runs_$i"
  else bad "man_example_runs_$i: $(head -c 600 "$D/out")"; fi
done <"$D/staged.sh"

# ---------------------------------------------------------------- static
S="$D/static"
if stage "$S" SHARED=no; then ok install_static_runs; else bad "install_static_runs: $(tail -c 400 "$D/make.log")"; fi
[ ! -e "$S$P/lib/libtenyo.so" ] && [ -e "$S$P/lib/libtenyo.a" ] && ok install_static_only || bad install_static_only
# a static link takes OpenBLAS's private libraries, -lgfortran among them:
# its link-time library comes with libgfortran-12-dev (a test package)
if ! printf 'int main(void) { return 0; }\n' | $CC -x c - -o "$D/probe" -lgfortran 2>/dev/null; then
  echo "skip pc_build_static, pc_run_static, pc_static_flags_beside_so_link_shared: no -lgfortran to link with (apt-get install libgfortran-12-dev)"
else
  if $CC $SANFLAGS -o "$D/prog_static" "$D/prog.c" $(pcx "$S" --cflags --static --libs tenyo) 2>"$D/cc.log"; then
    ok pc_build_static
  else bad "pc_build_static: $(head -c 600 "$D/cc.log")"; fi
  if [ -x "$D/prog_static" ] && ! readelf -d "$D/prog_static" 2>/dev/null | grep -q "libtenyo"; then
    ok pc_static_no_libtenyo_so
  else bad pc_static_no_libtenyo_so; fi
  if "$D/prog_static" data/sample/sample.jsonl "$D/t.tny" >"$D/out" 2>&1 &&
     grep -q "tenyo $VERSION: 40 docs; nearest of doc 0: SAMPLE-" "$D/out"; then ok pc_run_static
  else bad "pc_run_static: $(head -c 400 "$D/out")"; fi
  # what README says of the static line: beside libtenyo.so (the default
  # install) the same flags link libtenyo dynamically
  # shellcheck disable=SC2046 # word splitting of pkg-config's output is the point
  if $CC $SANFLAGS -o "$D/prog_both" "$D/prog.c" $(pcx "$R" --cflags --static --libs tenyo) 2>"$D/cc.log" &&
     readelf -d "$D/prog_both" 2>/dev/null | grep -q "NEEDED.*\[libtenyo.so.$MAJOR\]"; then
    ok pc_static_flags_beside_so_link_shared
  else bad "pc_static_flags_beside_so_link_shared: $(head -c 400 "$D/cc.log")"; fi
fi

# another PREFIX, another pkg-config file (not the last install's)
O="$D/other"
if stage "$O" PREFIX=/opt/tenyo && grep -q '^prefix=/opt/tenyo$' "$O/opt/tenyo/lib/pkgconfig/tenyo.pc" &&
   [ -x "$O/opt/tenyo/bin/tenyo" ]; then ok install_other_prefix
else bad "install_other_prefix: $(cat "$O"/opt/tenyo/lib/pkgconfig/tenyo.pc 2>/dev/null | head -2)"; fi
$MAKE_ -s --no-print-directory uninstall DESTDIR="$O" PREFIX=/opt/tenyo >"$D/make.log" 2>&1

# -------------------------------------------------------------- uninstall
for r in "$R" "$S"; do
  $MAKE_ -s --no-print-directory uninstall DESTDIR="$r" PREFIX=$P >"$D/make.log" 2>&1
done
left=$(find "$R" "$S" "$O" ! -type d | head -5)
[ -z "$left" ] && ok uninstall_removes_all || bad "uninstall_removes_all (left: $left)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
