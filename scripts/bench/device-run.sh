#!/usr/bin/env bash
# On the device machine (16-core Xeon with AVX-512; no Java, compiler or internet needed): unpacks
# target/device/streamllm-device.tar.gz (scripts/bench/device-pack.sh), synthesizes llama-1b in Q4_0,
# Q8_0 and Q4_K_M (when this streamllm can), and runs scripts/bench/side-by-side.sh at 2, 8 and 16
# threads with short settings. $OUT (default ./device-out) receives four files, as the device tool
# returns at most eight: table.md, machine.txt, device-run.log and runs.tar.gz (each run's json and log).
#
#   scripts/bench/device-run.sh        # ~8 minutes; DEADLINE (seconds, default 420) stops new runs
#
# Settings: THREADS (2,8,16) TYPES ("Q4_0 Q8_0 Q4_K_M") PROMPT (128) GEN (32) REPS (1) ROUNDS (2);
# LLAMA_BENCH: another llama-bench binary than the packed one.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out=${OUT:-$root/device-out}
mkdir -p "$out"
log() { echo "device-run.sh: $*" | tee -a "$out/device-run.log" >&2; }
pack=$root/target/device/streamllm-device.tar.gz
[[ -f $pack ]] || { log "no $pack: run scripts/bench/device-pack.sh first and carry target/device"; exit 1; }

work=${WORK:-/tmp/streamllm-device}
mkdir -p "$work"
log "unpacking into $work"
tar -xzf "$pack" -C "$work" || { log "cannot unpack $pack"; exit 1; }

{
    echo "date: $(date -u +%FT%TZ)"
    lscpu 2>/dev/null || grep -m1 'model name' /proc/cpuinfo
    echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2)"
    free -g 2>/dev/null
    uptime
    cat "$root/target/device/PACK.txt" 2>/dev/null
} > "$out/machine.txt" 2>&1
runs=$work/side-by-side
rm -rf "$runs" && mkdir -p "$runs"
# However the run ends, what it measured goes back.
trap 'tar -czf "$out/runs.tar.gz" -C "$work" side-by-side 2>/dev/null; cp "$runs/table.md" "$out/" 2>/dev/null' EXIT

java=(env -u JAVA_TOOL_OPTIONS "$work/java/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -Xss4m -XX:MaxRAMPercentage=50 -XX:+UseG1GC -jar "$work/streamllm.jar")
version=$("${java[@]}" --version 2>&1) || { log "the packed Java runtime does not start: $version"; exit 1; }
echo "streamllm: $version" >> "$out/machine.txt"

llama_bench=${LLAMA_BENCH:-}
if [[ -z $llama_bench ]]; then
    llama_bench=$work/llama-avx512/llama-bench
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    for flag in avx2 fma f16c avx512f avx512bw avx512dq avx512vl avx512cd avx512_vnni; do
        [[ " $flags " == *" $flag "* ]] || { log "this CPU lacks $flag, which the packed llama-bench needs"; llama_bench=""; }
    done
fi
if [[ -n $llama_bench ]] && ! started=$(LD_LIBRARY_PATH=$(dirname "$llama_bench") "$llama_bench" --help 2>&1); then
    log "the packed llama-bench does not start: $(tail -1 <<< "$started")"
    llama_bench=""
fi
if [[ -z $llama_bench ]] && command -v cmake >/dev/null && command -v g++ >/dev/null; then
    log "building llama-bench here from the packed source (-march=native)"
    built=$(LLAMA_CPP_SRC=$work/llama-src STREAMLLM_CACHE=$work/cache "$root/scripts/bench/llama-cpp.sh" native 2>> "$out/device-run.log") \
        && llama_bench=$built/llama-bench
fi
if [[ -z $llama_bench ]]; then
    # A stand-in that fails at once: side-by-side.sh then records streamllm alone.
    llama_bench=$work/no-llama-bench
    printf '#!/bin/sh\necho "llama-bench not available on this machine" >&2\nexit 1\n' > "$llama_bench"
    chmod +x "$llama_bench"
fi

log "side by side: threads ${THREADS:-2,8,16}, types ${TYPES:-Q4_0 Q8_0 Q4_K_M}, pp${PROMPT:-128} tg${GEN:-32}"
STREAMLLM="${java[*]}" "$root/scripts/bench/side-by-side.sh" -p "${PROMPT:-128}" -n "${GEN:-32}" -r "${REPS:-1}" \
    --rounds "${ROUNDS:-2}" -t "${THREADS:-2,8,16}" --types "${TYPES:-Q4_0 Q8_0 Q4_K_M}" --models "$work/models" \
    --out "$runs" --llama-bench "$llama_bench" --deadline "${DEADLINE:-420}" 2>&1 | tee -a "$out/device-run.log"
log "done in ${SECONDS}s; results in $out"
