#!/usr/bin/env bash
# EVAL.md (c): StreamingLLM (sink:4:507, the default streaming policy of the 512-context models) over the
# first N tokens of the KJV text (default 1300000) with stories260K, logging the median ms/token, the
# process RSS and the KV cache every 10000 tokens. Writes eval/long-run.{csv,png,json,txt}; the .txt
# holds the machine, the JVM options and the first-10% / last-10% comparison. Timing-sensitive: run it on
# a quiet machine.
# With a KV type other than f32 the files are eval/long-run-TYPE.*.
# Usage: scripts/eval/long-run.sh [TOKENS] [MODEL] [KV_TYPE]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-1300000}"
model="${2:-$root/models/stories260K/stories260K.gguf}"
kv_type="${3:-f32}"
name="long-run"
[ "$kv_type" = f32 ] || name="long-run-$kv_type"
ensure_kjv
# The launcher's own JVM settings (scripts/jvm-options.sh), as a user runs it: the loop allocates nothing per
# token, so the RSS stays flat without a pinned heap. STREAMLLM_JAVA_OPTS adds options when set.
info="$(machine_info)"
"$streamllm" perplexity -m "$model" --text "$kjv" --max-tokens "$tokens" --cache sink:4:507 --kv-type "$kv_type" \
  --segment 10000 --log "$out/$name.csv" --log-every 10000 --log-plot "$out/$name.png" \
  2>&1 > "$out/$name.json" | tee "$out/$name.stderr" >&2
{
  echo "machine: $info"
  echo "JVM options: launcher defaults (scripts/jvm-options.sh)${STREAMLLM_JAVA_OPTS:+ + $STREAMLLM_JAVA_OPTS}"
  echo "KV type: $kv_type"
  grep -E '^(loaded|stream:|sink:4:507: first)' "$out/$name.stderr"
  cat "$out/$name.json"
} > "$out/$name.txt"
rm -f "$out/$name.stderr"
cat "$out/$name.txt"
