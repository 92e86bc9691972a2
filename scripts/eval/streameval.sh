#!/usr/bin/env bash
# EVAL.md (f): StreamEval (accuracy and recall loss against distance) on both shipped models, every policy at a
# 160-token budget: dense, window, sink, recompute, and the neighbours h2o, snapkv and duo (duo reads the
# calibration shipped beside each model, models/*.duo.json). Writes eval/streameval/<model>.{md,csv,png}.
# Usage: scripts/eval/streameval.sh [streameval options]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$out/streameval"
policies=(dense window:160 sink:4:156 recompute:160 h2o:4:32:124 snapkv:4:32:124:16 duo:4:156:0.5)
for model in stories260K/stories260K.gguf tinystories-656k; do
  name=$(basename "${model%.gguf}")
  "$streamllm" streameval -m "$root/models/$model" "${policies[@]/#/--cache=}" --csv "$out/streameval/$name.csv" \
    --plot "$out/streameval/$name.png" "$@" | tee "$out/streameval/$name.md"
done
