#!/usr/bin/env bash
# Writes the whole King James Bible as plain text (Debian's bible-kjv: `bible "Gen1:1-Rev22:21"`) to FILE.
# Installs bible-kjv with apt-get when it is missing (needs root).
# Usage: scripts/eval/kjv-text.sh [FILE]   (default: eval/data/kjv.txt)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
file="${1:-$root/eval/data/kjv.txt}"
if ! command -v bible >/dev/null 2>&1; then
  echo "installing Debian's bible-kjv..." >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "kjv-text.sh: bible-kjv is missing and installing it needs root: apt-get install -y bible-kjv" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bible-kjv >/dev/null
fi
if [ -s "$file" ]; then
  echo "KJV text already at $file" >&2
  exit 0
fi
mkdir -p "$(dirname "$file")"
bible "Gen1:1-Rev22:21" > "$file.tmp"
mv "$file.tmp" "$file"
echo "wrote the KJV text to $file ($(wc -c < "$file") bytes)" >&2
