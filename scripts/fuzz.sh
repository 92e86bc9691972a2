#!/usr/bin/env bash
# Fuzzes the readers of untrusted input with the seeded mutation harness of server/src/test/java/io/streamllm/fuzz.
#
#   scripts/fuzz.sh [TARGET|all] [COUNT] [SEED]      default: all 1000000 1
#   scripts/fuzz.sh --write-seeds TARGET|all          regenerate the generated seeds of the corpus
#
# Targets: gguf, safetensors, tokenizer-json, config-json, tokenizers, chat-template, request, snapshot.
# Prints inputs/s and the outcome counts per target; findings (input + stack trace) go to
# server/target/fuzz-findings/TARGET and the command exits 1. Copy a finding's .bin into
# server/src/test/resources/fuzz/TARGET/ once fixed: FuzzTest replays the corpus in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh >/dev/null
# FUZZ_SKIP_BUILD=1 when several runs share one build (concurrent builds of one target/ folder collide).
[[ ${FUZZ_SKIP_BUILD:-} == 1 ]] || mvn -B -ntp -q -DskipTests test-compile -pl server -am
classpath_file=server/target/fuzz-classpath.txt
if [[ ! -s $classpath_file || server/pom.xml -nt $classpath_file || chat/pom.xml -nt $classpath_file || pom.xml -nt $classpath_file ]]; then
    # With -am the reactor puts the modules' target/classes and target/test-classes on the class path, not installed jars.
    mvn -B -ntp -q test-compile dependency:build-classpath -pl server -am -Dmdep.includeScope=test \
        -Dmdep.outputFile="$PWD/$classpath_file"
fi
classpath=server/target/classes:server/target/test-classes:$(cat "$classpath_file")
exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx1g \
    -XX:+UseSerialGC ${FUZZ_JAVA_OPTS:-} -cp "$classpath" io.streamllm.fuzz.FuzzMain "$@" \
    2> >(grep -v 'WARNING: Using incubator modules' >&2)
