# Sourced by the evaluation scripts: repository root, output folder, the KJV text, machine details.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/eval"
kjv="$out/data/kjv.txt"
streamllm="${STREAMLLM:-$root/streamllm}" # STREAMLLM: another launcher, e.g. of a copied jar
mkdir -p "$out"

# Writes the whole King James Bible (Debian's bible-kjv, 4.3 MB) to $kjv, installing the package when missing.
ensure_kjv() {
  "$root/scripts/eval/kjv-text.sh" "$kjv" >&2
}

# One line naming when and where a figure was made, for EVAL.md.
machine_info() {
  local cpu
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (${cpu:-unknown CPU}), $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}'), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
