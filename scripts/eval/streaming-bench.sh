#!/usr/bin/env bash
# EVAL.md (d): per-token latency and memory of StreamingLLM vs the sliding window with re-computation
# and dense attention, against cache size (the paper's Figure 10), on a random-weight model of a real
# shape (written with `streamllm synth` when missing). Writes eval/streaming-bench-<shape>.{md,csv,png}.
# Timing-sensitive: run it on a quiet machine.
# SHAPE may also be a model file or directory (e.g. a shipped model); TYPE is then ignored.
# Usage: scripts/eval/streaming-bench.sh [SHAPE] [TYPE] [CACHE_SIZES] [extra bench options...]
#   e.g. scripts/eval/streaming-bench.sh llama-1b Q4_0 256,512,1024,2048,4096
#        scripts/eval/streaming-bench.sh models/stories260K/stories260K.gguf - 256,512,1024,2048,4096
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
shape="${1:-llama-1b}"
type="${2:-Q4_0}"
sizes="${3:-256,512,1024,2048,4096}"
shift $(( $# < 3 ? $# : 3 ))
if [ -e "$shape" ]; then
  model="$shape"
  shape=$(basename "${shape%.gguf}")
else
  model="$out/data/$shape-$type.gguf"
fi
if [ ! -e "$model" ]; then
  mkdir -p "$out/data"
  "$streamllm" synth --shape "$shape" --type "$type" -o "$model"
fi
{
  echo "machine: $(machine_info)"
  echo
  "$streamllm" bench --streaming -m "$model" --cache-sizes "$sizes" "$@" \
    --csv "$out/streaming-bench-$shape.csv" --plot "$out/streaming-bench-$shape.png"
} | tee "$out/streaming-bench-$shape.md"
