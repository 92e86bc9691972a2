#!/usr/bin/env bash
# Fuzzes the readers of untrusted input with the seeded mutation harness of app/src/test/java/io/streamllm/fuzz.
#
#   scripts/fuzz.sh [TARGET|all] [COUNT] [SEED]      default: all 1000000 1
#   scripts/fuzz.sh --write-seeds TARGET|all          regenerate the generated seeds of the corpus
#
# Targets: gguf, safetensors, tokenizer-json, config-json, tokenizers, chat-template, request, snapshot.
# Prints inputs/s and the outcome counts per target; findings (input + stack trace) go to
# app/target/fuzz-findings/TARGET and the command exits 1. Copy a finding's .bin into
# app/src/test/resources/fuzz/TARGET/ once fixed: FuzzTest replays the corpus in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh >/dev/null
# FUZZ_SKIP_BUILD=1 when several runs share one build (concurrent builds of one target/ folder collide).
[[ ${FUZZ_SKIP_BUILD:-} == 1 ]] || mvn -B -ntp -q -DskipTests test-compile -pl core,app
classpath_file=app/target/fuzz-classpath.txt
if [[ ! -s $classpath_file || app/pom.xml -nt $classpath_file || pom.xml -nt $classpath_file ]]; then
    mvn -B -ntp -q dependency:build-classpath -pl app -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
fi
# The reactor's freshly compiled core, not an installed copy.
dependencies=$(tr ':' '\n' < "$classpath_file" | grep -v '/streamllm-core/' | paste -sd: -)
classpath=core/target/classes:core/target/test-classes:app/target/classes:app/target/test-classes:$dependencies
exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx1g \
    -XX:+UseSerialGC ${FUZZ_JAVA_OPTS:-} -cp "$classpath" io.streamllm.fuzz.FuzzMain "$@" \
    2> >(grep -v 'WARNING: Using incubator modules' >&2)
