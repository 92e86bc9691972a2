#!/usr/bin/env bash
# Every figure of EVAL.md, in order. The long run and the benchmark are timing-sensitive: run on a quiet machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$root/scripts/eval/long-stream.sh"
"$root/scripts/eval/tinystories-stream.sh"
"$root/scripts/eval/ablation.sh"
"$root/scripts/eval/long-run.sh"
"$root/scripts/eval/streaming-bench.sh" "$root/models/stories260K/stories260K.gguf" - 256,512,1024,2048,4096
"$root/scripts/eval/streaming-bench.sh" llama-100m Q4_0 256,512,1024 --recompute-tokens 1
"$root/scripts/eval/streaming-bench.sh" llama-1b Q4_0 256,512,1024,2048,4096
"$root/scripts/eval/streameval.sh"
"$root/scripts/eval/policy-ablation.sh" 4000
