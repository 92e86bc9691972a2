#!/usr/bin/env bash
# EVAL.md (a): perplexity of both shipped models on the first N tokens of the KJV text (default 20000)
# under dense attention, window attention and StreamingLLM at the same cache size (default 256).
# Writes eval/long-stream-<model>.{json,csv,png}.
# Usage: scripts/eval/long-stream.sh [TOKENS] [CACHE]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-20000}"
cache="${2:-256}"
ensure_kjv
for model in stories260K/stories260K.gguf tinystories-656k; do
  name=$(basename "${model%.gguf}")
  echo "== $name: $(machine_info)" >&2
  "$streamllm" perplexity -m "$root/models/$model" --text "$kjv" --max-tokens "$tokens" \
    --cache dense --cache "window:$cache" --cache "sink:4:$((cache - 4))" --cache "sink:1:$((cache - 1))" \
    --csv "$out/long-stream-$name.csv" --plot "$out/long-stream-$name.png" | tee "$out/long-stream-$name.json"
done
