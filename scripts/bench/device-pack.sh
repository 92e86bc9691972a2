#!/usr/bin/env bash
# Packs what scripts/bench/device-run.sh needs on a machine without Java, a compiler or the internet:
#
#   target/device/streamllm-device.tar.gz   (~40 MiB; carry the folder target/device)
#     java/          a jlink runtime: java.base, jdk.incubator.vector, java.logging, jdk.unsupported,
#                    java.management (left uncompressed inside: gzip packs it better than jlink's zip)
#     streamllm.jar  the application, its entries stored, for the same reason
#     llama-avx512/  llama-bench and llama-quantize b4748 built for AVX2/FMA/F16C/AVX-512 F,BW,DQ,VL,CD/
#                    AVX-512 VNNI, not -march=native (scripts/bench/llama-cpp.sh avx512), with libgomp
#     llama-src/     its source (5 MiB packed), built there with -march=native if the binary does not start
#   target/device/PACK.txt                   what is inside, and from which commit
#
# Needs: JDK 25 (scripts/find-jdk.sh), Maven, cmake, g++, zip.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh" >/dev/null
log() { echo "device-pack.sh: $*" >&2; }
limit_mib=60

dest=$root/target/device
stage=$(mktemp -d /tmp/streamllm-device.XXXXXX)
trap 'rm -rf "$stage"' EXIT

log "building the jar"
(cd "$root" && mvn -B -ntp -q -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package -pl cli -am 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2)
mkdir "$stage/jar"
(cd "$stage/jar" && "$JAVA_HOME/bin/jar" -xf "$root/cli/target/streamllm.jar" && zip -q -0 -r -X "$stage/streamllm.jar" .)
rm -rf "$stage/jar"

log "linking the Java runtime"
"$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management \
    --strip-debug --no-header-files --no-man-pages --output "$stage/java" 2> >(grep -v 'incubator modules' >&2)

log "building llama-bench (portable AVX-512)"
llama=$("$root/scripts/bench/llama-cpp.sh" avx512)
mkdir "$stage/llama-avx512"
cp "$llama/llama-bench" "$llama/libgomp.so.1" "$stage/llama-avx512/"
LD_LIBRARY_PATH=$stage/llama-avx512 "$stage/llama-avx512/llama-bench" --help >/dev/null \
    || { log "the AVX-512 llama-bench does not start here"; exit 1; }

# The source too, should the binary not start there (other system libraries): device-run.sh then builds it.
tar -C "$(dirname "$llama")" -cf - src | tar -xf - -C "$stage" && mv "$stage/src" "$stage/llama-src"

mkdir -p "$dest"
rm -f "$dest/streamllm-device.tar.gz"
tar -C "$stage" -cf - java streamllm.jar llama-avx512 llama-src | gzip -9 > "$dest/streamllm-device.tar.gz"
{
    echo "streamllm device pack, $(date -u +%FT%TZ), commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo ' (with uncommitted changes)')"
    echo "java: $("$stage/java/bin/java" -version 2>&1 | head -1)"
    echo "llama-bench: b4748 avx512 ($(basename "$llama"))"
    (cd "$stage" && du -sh java streamllm.jar llama-avx512)
    du -h "$dest/streamllm-device.tar.gz"
} > "$dest/PACK.txt"
cat "$dest/PACK.txt" >&2
size_mib=$(( $(du -sk "$dest" | cut -f1) / 1024 ))
if ((size_mib >= limit_mib)); then
    log "target/device is $size_mib MiB, over the $limit_mib MiB limit"
    exit 1
fi
log "target/device: $size_mib MiB. On the device: scripts/bench/device-run.sh (carry target/device)"
