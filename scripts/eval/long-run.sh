#!/usr/bin/env bash
# EVAL.md (c): StreamingLLM (sink:4:507, the default streaming policy of the 512-context models) over the
# first N tokens of the KJV text (default 1300000) with stories260K, logging the median ms/token, the
# process RSS and the KV cache every 10000 tokens. Writes eval/long-run.{csv,png,json,txt}; the .txt
# holds the machine, the JVM options and the first-10% / last-10% comparison. Timing-sensitive: run it on
# a quiet machine.
# Usage: scripts/eval/long-run.sh [TOKENS] [MODEL]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-1300000}"
model="${2:-$root/models/stories260K/stories260K.gguf}"
ensure_kjv
# The launcher's own JVM settings (scripts/jvm-options.sh), as a user runs it: the loop allocates nothing per
# token, so the RSS stays flat without a pinned heap. STREAMLLM_JAVA_OPTS adds options when set.
info="$(machine_info)"
"$streamllm" perplexity -m "$model" --text "$kjv" --max-tokens "$tokens" --cache sink:4:507 --segment 10000 \
  --log "$out/long-run.csv" --log-every 10000 --log-plot "$out/long-run.png" \
  2>&1 > "$out/long-run.json" | tee "$out/long-run.stderr" >&2
{
  echo "machine: $info"
  echo "JVM options: launcher defaults (scripts/jvm-options.sh)${STREAMLLM_JAVA_OPTS:+ + $STREAMLLM_JAVA_OPTS}"
  grep -E '^(loaded|stream:|sink:4:507: first)' "$out/long-run.stderr"
  cat "$out/long-run.json"
} > "$out/long-run.txt"
rm -f "$out/long-run.stderr"
cat "$out/long-run.txt"
