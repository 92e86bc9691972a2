#!/usr/bin/env bash
# The keyed state of one key of the Flink operator as its stream grows to 10k, 100k and 1M tokens (KJV text on
# stories260K, sink:4:507): eval/flink-state-size.csv and .png. Needs bible-kjv (scripts/kjv-by-book.sh).
# Usage: scripts/bench/flink-state-size.sh [MAX_TOKENS]   (default 1000000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
cd "$root"
text=$(mktemp --suffix=.tsv)
trap 'rm -f "$text" "$text.cp"' EXIT
scripts/kjv-by-book.sh "$text"
mvn -q -o -pl flink -am test-compile -Dmaven.javadoc.skip -Dmaven.source.skip
mvn -q -o -pl flink dependency:build-classpath -Dmdep.outputFile="$text.cp" -Dmdep.includeScope=test
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "flink/target/test-classes:flink/target/classes:$(cat "$text.cp")" io.streamllm.flink.StateSizeBenchmark \
  models/stories260K/stories260K.gguf "$text" eval/flink-state-size sink:4:507 "${1:-1000000}"
