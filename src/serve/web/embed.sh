#!/bin/sh
# embed.sh — write a C file that embeds the web page (index.html, app.js,
# app.css of this folder) into the tenyo binary as byte arrays, with the
# table that src/serve/serve_route.c serves them from (struct cli_web_file).
# Only POSIX sh, od and sed: no xxd, no network.
# Usage: sh src/serve/web/embed.sh OUT.c
set -eu
dir=$(dirname "$0")
out=${1:?usage: embed.sh OUT.c}
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
{
  echo '/* generated from src/serve/web/ by src/serve/web/embed.sh: do not edit */'
  echo '#include <stddef.h>'
  echo 'struct cli_web_file { const char *path; const char *type; const unsigned char *data; size_t len; };'
  i=0
  for f in index.html app.js app.css; do
    [ -f "$dir/$f" ] || { echo "embed.sh: $dir/$f missing" >&2; exit 1; }
    echo "static const unsigned char web_$i[] = {"
    od -An -v -tx1 "$dir/$f" | sed -e 's/[[:space:]]*$//' -e '/^$/d' \
      -e 's/[[:space:]]*\([0-9a-f][0-9a-f]\)/0x\1,/g'
    echo "0x00 };"
    i=$((i + 1))
  done
  echo 'const struct cli_web_file cli_web_files[] = {'
  echo '  {"/index.html", "text/html; charset=utf-8", web_0, sizeof web_0 - 1},'
  echo '  {"/app.js", "text/javascript; charset=utf-8", web_1, sizeof web_1 - 1},'
  echo '  {"/app.css", "text/css; charset=utf-8", web_2, sizeof web_2 - 1},'
  echo '};'
  echo 'const size_t cli_web_nfiles = sizeof cli_web_files / sizeof cli_web_files[0];'
} > "$tmp"
mv "$tmp" "$out"
trap - EXIT
