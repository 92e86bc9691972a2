#!/usr/bin/env bash
# EVAL.md (g): one comparison of cache policies at an equal budget of cache tokens, for both shipped models on
# the first N tokens of the KJV text (default 4000): perplexity, the recall loss at distances inside and beyond
# the budget, ms/token and KV bytes. Writes eval/policy-ablation/<model>.{md,csv,png}.
# Usage: scripts/eval/policy-ablation.sh [TOKENS [BUDGET]]   (POLICIES=... to choose the policies)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-4000}"
budget="${2:-128}"
policies="${POLICIES:-dense,window,sink:4,recompute,h2o:4:32,snapkv:4:32,duo:4:0.5}"
ensure_kjv
mkdir -p "$out/policy-ablation"
for model in stories260K/stories260K.gguf tinystories-656k; do
  name=$(basename "${model%.gguf}")
  echo "machine: $(machine_info)" >&2
  "$streamllm" ablation -m "$root/models/$model" --text "$kjv" --max-tokens "$tokens" \
    --policies "$policies" --budget "$budget" --md "$out/policy-ablation/$name.md" \
    --csv "$out/policy-ablation/$name.csv" --plot "$out/policy-ablation/$name.png"
done
