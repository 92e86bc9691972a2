#!/usr/bin/env bash
# EVAL.md (f): StreamEval (accuracy and recall loss against distance) for dense, window, sink and recompute
# on both shipped models, with streameval's defaults. Writes eval/streameval/<model>.{md,csv,png}.
# Usage: scripts/eval/streameval.sh [streameval options]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$out/streameval"
for model in stories260K/stories260K.gguf tinystories-656k; do
  name=$(basename "${model%.gguf}")
  "$streamllm" streameval -m "$root/models/$model" --csv "$out/streameval/$name.csv" \
    --plot "$out/streameval/$name.png" "$@" | tee "$out/streameval/$name.md"
done
