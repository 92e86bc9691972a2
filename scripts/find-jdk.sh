# Sourced by the launchers: sets JAVA_HOME to a JDK >= 22 or exits with a clear message.
# Order: $JAVA_HOME, then Temurin 25 at its usual path, then any JDK under /usr/lib/jvm.
streamllm_jdk_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

streamllm_find_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(streamllm_jdk_version "$candidate")
    if [ -n "$version" ] && [ "${version%%.*}" -ge 22 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(streamllm_find_jdk); then
  echo "streamllm: no JDK 22 or newer found (looked at \$JAVA_HOME='${JAVA_HOME:-}', /usr/lib/jvm/temurin-25-jdk-amd64 and /usr/lib/jvm/*)." >&2
  echo "streamllm: install JDK 25 (e.g. Temurin) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "streamllm: Apache Maven (mvn) is needed to build; install it (Debian: apt-get install -y maven)." >&2
  exit 1
fi
# Maven's own libraries touch sun.misc.Unsafe; keep newer JDKs from warning about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
