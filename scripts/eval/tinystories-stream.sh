#!/usr/bin/env bash
# An in-domain long stream for EVAL.md (a'): stories sampled from tinystories-656k itself (temperature 1,
# no truncation, seeds 1, 2, ...), each ended by the "<|end_story|>" text the model writes, concatenated
# until the text holds about N tokens (default 20000; 4 characters a token is an underestimate, so fewer).
# Then the same perplexity run as long-stream.sh on it, and the ablation tables. Writes
# eval/data/tinystories-656k-samples.txt, eval/self-stream-tinystories-656k.{json,csv,png} and
# eval/self-stream-ablation-tinystories-656k.md.
# Usage: scripts/eval/tinystories-stream.sh [TOKENS] [CACHE]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tokens="${1:-20000}"
cache="${2:-256}"
model="$root/models/tinystories-656k"
text="$out/data/tinystories-656k-samples.txt"
mkdir -p "$out/data"
if [ ! -s "$text" ]; then
  : > "$text.tmp"
  seed=1
  # About 4 characters per token in these stories; sample until the text is long enough.
  while [ "$(wc -c < "$text.tmp")" -lt $((tokens * 4)) ]; do
    "$streamllm" generate -m "$model" --seed "$seed" --temp 1 --top-k 0 --top-p 1 --min-p 0 -n 1000 \
      2>/dev/null >> "$text.tmp"
    printf '<|end_story|>' >> "$text.tmp"
    seed=$((seed + 1))
  done
  mv "$text.tmp" "$text"
  echo "sampled $((seed - 1)) stories into $text" >&2
fi
echo "== tinystories-656k on its own samples: $(machine_info)" >&2
"$streamllm" perplexity -m "$model" --text "$text" --max-tokens "$tokens" \
  --cache dense --cache "window:$cache" --cache "sink:4:$((cache - 4))" --cache "sink:1:$((cache - 1))" \
  --csv "$out/self-stream-tinystories-656k.csv" --plot "$out/self-stream-tinystories-656k.png" \
  | tee "$out/self-stream-tinystories-656k.json"
{
  echo "machine: $(machine_info)"
  echo
  "$streamllm" ablation -m "$model" --text "$text" --max-tokens "$tokens"
} | tee "$out/self-stream-ablation-tinystories-656k.md"
