#!/usr/bin/env bash
# Makes the API-compatibility baseline: core built at COMMIT, cut to the classes of the API package
# (io.streamllm.api), written to core/api-baseline/streamllm-core-VERSION.jar, which japicmp compares
# every build against (core/pom.xml). Only the API's classes are kept: internal packages are not compared,
# and the API's public signatures name nothing outside it and the JDK.
# Usage: scripts/api-baseline.sh COMMIT VERSION   e.g. scripts/api-baseline.sh bca90e6 0.1.0
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 COMMIT VERSION" >&2
  exit 2
fi
commit=$1
version=$2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/find-jdk.sh"
streamllm_require_maven
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$commit" | tar -x -C "$work/"
(cd "$work" && mvn -B -ntp -q -o -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip -Djapicmp.skip package -pl core)
mkdir "$work/api"
(cd "$work/api" && unzip -q "$work/core/target/streamllm-core-0.1.0-SNAPSHOT.jar" 'io/streamllm/api/*')
out="$root/core/api-baseline/streamllm-core-$version.jar"
mkdir -p "$(dirname "$out")"
rm -f "$out"
# A fixed date, so that the same commit gives the same bytes.
"$JAVA_HOME/bin/jar" --create --date=2026-01-01T00:00:00Z --file "$out" -C "$work/api" io
echo "wrote $out ($(unzip -l "$out" | tail -1 | awk '{print $2}') entries) from $(git -C "$root" rev-parse --short "$commit")"
