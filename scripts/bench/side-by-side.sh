#!/usr/bin/env bash
# streamllm against llama.cpp's llama-bench on the same synthetic files, on this machine, in alternating
# rounds, then one markdown table of both engines' tok/s, the ratios and the decode efficiency.
#
#   scripts/bench/side-by-side.sh [-p 512] [-n 128] [-r 1] [--rounds 3] [-t 2[,8,16]] [--types "Q8_0 Q4_0 Q4_K_M Q6_K"]
#                                 [--shape llama-1b] [--models DIR] [--out DIR] [--llama-bench PATH]
#
#   -p/-n/-r       prompt tokens, generated tokens, repetitions inside each engine's run (llama-bench's -p -n -r)
#   --rounds R     rounds; each round runs streamllm then llama-bench (the other way round on even rounds)
#                  for every type and thread count, so that a change in the machine's load hits both alike
#   -t LIST        thread counts, comma-separated
#   --types LIST   synth types; a type this streamllm cannot write is named and skipped
#   --models DIR   where the synth files are written (kept and reused: $DIR/SHAPE-TYPE.gguf; default /tmp)
#   --out DIR      each run's json and the table (default: a new directory under /tmp)
#   --llama-bench  a llama-bench binary (default: built by scripts/bench/llama-cpp.sh native)
#   --deadline S   start no new pair of runs after S seconds (the table shows what was done)
#
# STREAMLLM: the command that runs streamllm (default: the repository's ./streamllm launcher).
# The table needs python3; without it the json files are left in --out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

prompt=512 gen=128 reps=1 rounds=3 threads=2 types="Q8_0 Q4_0 Q4_K_M Q6_K" shape=llama-1b
models=/tmp out="" llama_bench="" deadline=0
while (($#)); do
    case "$1" in
        -p) prompt=$2; shift 2 ;;
        -n) gen=$2; shift 2 ;;
        -r) reps=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        -t) threads=$2; shift 2 ;;
        --types) types=$2; shift 2 ;;
        --shape) shape=$2; shift 2 ;;
        --models) models=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --llama-bench) llama_bench=$2; shift 2 ;;
        --deadline) deadline=$2; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "side-by-side.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
read -r -a streamllm <<< "${STREAMLLM:-$root/streamllm}"
log() { echo "side-by-side.sh: $*" >&2; }

if [[ -z $llama_bench ]]; then
    llama_bench="$("$root/scripts/bench/llama-cpp.sh" native)/llama-bench"
fi
[[ -x $llama_bench ]] || { log "no llama-bench at $llama_bench"; exit 1; }
# The portable builds keep OpenMP's runtime next to the binary.
export LD_LIBRARY_PATH="$(dirname "$llama_bench")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out=${out:-$(mktemp -d /tmp/side-by-side.XXXXXX)}
mkdir -p "$out" "$models"

# The files: synthesized once, reused after. A type this build of streamllm does not know is skipped.
present=() missing=()
for type in $types; do
    file="$models/$shape-${type,,}.gguf"
    if [[ ! -s $file ]]; then
        log "synthesizing $file"
        if ! "${streamllm[@]}" synth --shape "$shape" --type "$type" -o "$file.tmp" 2> "$out/synth-$type.err"; then
            log "streamllm cannot write $type: $(grep -v '^WARNING' "$out/synth-$type.err" | tail -1)"
            rm -f "$file.tmp"
            missing+=("$type")
            continue
        fi
        mv "$file.tmp" "$file"
    fi
    present+=("$type")
done
((${#present[@]})) || { log "no type to run"; exit 1; }

IFS=, read -r -a thread_list <<< "$threads"
# A failed run (its .log says why) leaves its json empty; the table names it and goes on.
run_streamllm() { # type threads round
    "${streamllm[@]}" bench -m "$models/$shape-${1,,}.gguf" -p "$prompt" -n "$gen" -r "$reps" -t "$2" -o json \
        > "$out/streamllm-$1-t$2-r$3.json" 2> "$out/streamllm-$1-t$2-r$3.log" || log "streamllm failed: $out/streamllm-$1-t$2-r$3.log"
}
run_llama() {
    "$llama_bench" -m "$models/$shape-${1,,}.gguf" -p "$prompt" -n "$gen" -r "$reps" -t "$2" -o json \
        > "$out/llama.cpp-$1-t$2-r$3.json" 2> "$out/llama.cpp-$1-t$2-r$3.log" || log "llama-bench failed: $out/llama.cpp-$1-t$2-r$3.log"
}
for ((round = 1; round <= rounds; round++)); do
    for type in "${present[@]}"; do
        for t in "${thread_list[@]}"; do
            if ((deadline > 0 && SECONDS > deadline)); then
                log "deadline of ${deadline}s passed: no more runs"
                break 3
            fi
            log "round $round/$rounds: $type, $t threads"
            if ((round % 2)); then run_streamllm "$type" "$t" "$round"; run_llama "$type" "$t" "$round"
            else run_llama "$type" "$t" "$round"; run_streamllm "$type" "$t" "$round"; fi
        done
    done
done

if command -v python3 >/dev/null; then
    python3 "$root/scripts/bench/side-by-side-table.py" "$out" --missing "${missing[*]}" \
        | tee "$out/table.md"
else
    log "python3 not found: the runs are in $out (scripts/bench/side-by-side-table.py makes the table)"
fi
log "runs and table in $out"
