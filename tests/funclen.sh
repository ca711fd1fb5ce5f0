#!/bin/sh
# funclen.sh — the length of every C function under the given folders, from
# Universal Ctags (Debian universal-ctags): its end: field gives the line of
# each function's closing brace, so the length is end - start + 1 lines,
# opening comment excluded. Prints "LINES FILE:LINE NAME", longest first.
#
#   sh tests/funclen.sh [DIR...]      (default src)
#
# Exit 2 when ctags is missing or is not Universal Ctags (Exuberant Ctags
# has no end: field).
command -v ctags >/dev/null 2>&1 || { echo "funclen: no ctags (apt-get install universal-ctags)" >&2; exit 2; }
ctags --version 2>/dev/null | grep -q 'Universal Ctags' ||
    { echo "funclen: ctags is not Universal Ctags (apt-get install universal-ctags)" >&2; exit 2; }
[ $# -gt 0 ] || set -- src
ctags -R --languages=C --kinds-C=f --fields=+ne -x --_xformat='%{end} %{line} %F %N' "$@" |
    awk 'NF == 4 && $1 ~ /^[0-9]+$/ { print $1 - $2 + 1, $3 ":" $2, $4 }' | sort -k1,1nr -k2,2
