#!/usr/bin/env bash
# Writes the King James Bible as `streamllm stream` input: one verse per line, keyed by its book
# (book<TAB>verse). Needs Debian's bible-kjv (apt-get install -y bible-kjv).
# Usage: scripts/kjv-by-book.sh OUT.tsv [RANGE] [VERSES_PER_BOOK]
#   RANGE default: Gen1:1-Rev22:21, the whole Bible; VERSES_PER_BOOK keeps the first N verses of each book
#   (default: all), a smaller input that still spreads over every book.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT.tsv [RANGE, e.g. Gen1:1-Rev22:21]" >&2
  exit 2
fi
out=$1
range=${2:-Gen1:1-Rev22:21}
per_book=${3:-0}
if ! command -v bible >/dev/null; then
  echo "$0: the 'bible' command is missing: apt-get install -y bible-kjv" >&2
  exit 1
fi
# `bible -f` prints "Ge1:1 In the beginning ...": the book is the reference up to its chapter number.
bible -f "$range" | sed -E -n 's/^([1-3]?[A-Za-z]+)[0-9]+:[0-9]+ (.*)$/\1\t\2/p' \
  | awk -F'\t' -v n="$per_book" 'n == 0 || ++seen[$1] <= n' > "$out"
echo "$0: $(wc -l < "$out") verses of $(cut -f1 "$out" | sort -u | wc -l) books in $out" >&2
