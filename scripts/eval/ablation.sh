#!/usr/bin/env bash
# EVAL.md (b): the sinks and cache-size ablations (the paper's Tables 2 and 6) for both shipped models
# on the first N tokens of the KJV text (default 20000). Writes eval/ablation-<model>.md.
# Usage: scripts/eval/ablation.sh [TOKENS]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-20000}"
ensure_kjv
for model in stories260K/stories260K.gguf tinystories-656k; do
  name=$(basename "${model%.gguf}")
  {
    echo "machine: $(machine_info)"
    echo
    "$streamllm" ablation -m "$root/models/$model" --text "$kjv" --max-tokens "$tokens"
  } | tee "$out/ablation-$name.md"
done
