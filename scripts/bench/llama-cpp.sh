#!/usr/bin/env bash
# Builds llama.cpp's llama-bench and llama-quantize (build b4748, the one the issue measured against)
# into a cache directory outside the repository, and prints the directory holding the binaries.
#
#   scripts/bench/llama-cpp.sh [native|avx512|avx2]
#
#   native  (default) -march=native for this machine
#   avx512  portable: AVX, AVX2, FMA, F16C, AVX-512 F/CD/VL/DQ/BW and AVX-512 VNNI, no -march=native
#           (for Intel Xeons from Cascade Lake on, and Zen 4); libstdc++ linked in, libgomp copied next to it
#   avx2    portable: AVX, AVX2, FMA, F16C only
#
# Source, in order: $LLAMA_CPP_SRC (a source tree), $LLAMA_CPP_GIT (a git directory holding the commit),
# the mirror /work/.mirror/ggerganov+llama.cpp/repo, else a shallow clone of tag b4748 from GitHub.
# Cache: $STREAMLLM_CACHE (default ~/.cache/streamllm)/llama.cpp-b4748, binaries in its folder VARIANT/. The
# variants share one cmake build directory ($LLAMA_CPP_BUILD, default the cache's build/): switching variant
# recompiles only ggml's CPU backend. Missing cmake/g++ are installed with
# apt-get when running as root. The compiler runs under `nice -n 19` with $JOBS jobs (default: all cores),
# so that it does not disturb measurements running next to it more than it must.
# Progress goes to stderr; stdout is only the binaries' directory.
set -euo pipefail

BUILD=b4748
COMMIT=c392e5094deaf2d1a7c18683214f007fad3fe42b
variant=${1:-native}
case "$variant" in
    native) flags=(-DGGML_NATIVE=ON) ;;
    avx512) flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
                   -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON) ;;
    avx2)   flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON) ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "llama-cpp.sh: unknown variant '$variant' (expected native, avx512 or avx2)" >&2; exit 2 ;;
esac

cache=${STREAMLLM_CACHE:-$HOME/.cache/streamllm}/llama.cpp-$BUILD
src=$cache/src
out=$cache/$variant
log() { echo "llama-cpp.sh: $*" >&2; }

if [[ -x $out/llama-bench && -x $out/llama-quantize ]]; then
    log "already built: $out"
    echo "$out"
    exit 0
fi

missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
if [[ -z ${LLAMA_CPP_SRC:-} && ! -f $src/CMakeLists.txt ]]; then
    command -v git >/dev/null || missing+=(git)
fi
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing ${missing[*]} with apt-get"
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
        log "missing ${missing[*]}: install them (e.g. apt-get install ${missing[*]}) and run again"
        exit 1
    fi
fi

mkdir -p "$cache"
if [[ -n ${LLAMA_CPP_SRC:-} ]]; then
    src=$LLAMA_CPP_SRC
elif [[ ! -f $src/CMakeLists.txt ]]; then
    git_dir=${LLAMA_CPP_GIT:-/work/.mirror/ggerganov+llama.cpp/repo}
    rm -rf "$src.tmp" && mkdir -p "$src.tmp"
    if git --git-dir="$git_dir" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
        log "extracting $BUILD ($COMMIT) from $git_dir"
        # Only what the build reads: a mirror may lack the large model files.
        git --git-dir="$git_dir" archive "$COMMIT" -- CMakeLists.txt cmake common examples ggml include src \
            pocs tests LICENSE | tar -x -C "$src.tmp"
    else
        log "cloning llama.cpp $BUILD from GitHub"
        git clone -q --depth 1 --branch "$BUILD" https://github.com/ggml-org/llama.cpp "$src.tmp" >&2
    fi
    # Without git history (an export, or a shallow clone counting one commit) llama-bench would report
    # build 0 or 1: name the build in the copy's build-info instead.
    rm -rf "$src.tmp/.git"
    sed -i -e "s/^set(BUILD_NUMBER 0)/set(BUILD_NUMBER ${BUILD#b})/" \
        -e "s/^set(BUILD_COMMIT \"unknown\")/set(BUILD_COMMIT \"${COMMIT:0:9}\")/" "$src.tmp/cmake/build-info.cmake"
    rm -rf "$src" && mv "$src.tmp" "$src"
fi

jobs=${JOBS:-$(nproc)}
build=${LLAMA_CPP_BUILD:-$cache/build}
log "building llama-bench and llama-quantize ($variant) in $build with $jobs jobs"
nice -n 19 cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_OPENMP=ON \
    -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" "${flags[@]}" >&2
nice -n 19 cmake --build "$build" --config Release -j "$jobs" --target llama-bench llama-quantize >&2

mkdir -p "$out"
cp "$build/bin/llama-bench" "$build/bin/llama-quantize" "$out/"
# OpenMP's runtime is the one shared library left: ship it next to the binaries (run with LD_LIBRARY_PATH=$out).
gomp=$(g++ -print-file-name=libgomp.so.1)
[[ -f $gomp ]] && cp -L "$gomp" "$out/"
log "built $out ($(ldd "$out/llama-bench" | awk '{print $1}' | tr '\n' ' '))"
echo "$out"
