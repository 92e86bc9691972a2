# Sourced by the launchers: sets JAVA_HOME to a JDK >= 22 or exits with a clear message.
# Order: $JAVA_HOME, then $STREAMLLM_JDK_SEARCH (default: Temurin 25 at its usual path, then any JDK
# under /usr/lib/jvm). A JAVA_HOME that is not a JDK >= 22 is never passed over silently.
streamllm_jdk_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

# Says why directory $1 is not a JDK streamllm can use, or nothing (status 0) when it is one.
streamllm_jdk_problem() {
  local version
  if [ ! -x "$1/bin/java" ] || [ ! -x "$1/bin/javac" ]; then
    echo "is not a JDK (no bin/java and bin/javac)"
    return 1
  fi
  version=$(streamllm_jdk_version "$1")
  if ! [ "${version%%.*}" -ge 22 ] 2>/dev/null; then
    echo "is JDK ${version:-of an unknown version}, too old (22 or newer is needed)"
    return 1
  fi
}

streamllm_find_jdk() {
  local candidate
  for candidate in ${STREAMLLM_JDK_SEARCH:-/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*}; do
    if [ -d "$candidate" ] && streamllm_jdk_problem "$candidate" >/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

streamllm_searched="${STREAMLLM_JDK_SEARCH:-/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*}"
if [ -n "${JAVA_HOME:-}" ] && ! streamllm_java_home_problem=$(streamllm_jdk_problem "$JAVA_HOME"); then
  if ! streamllm_jdk=$(streamllm_find_jdk); then
    echo "streamllm: JAVA_HOME=$JAVA_HOME $streamllm_java_home_problem, and no JDK 22 or newer is in $streamllm_searched." >&2
    echo "streamllm: install JDK 25 (e.g. Temurin) and set JAVA_HOME to it." >&2
    exit 1
  fi
  echo "streamllm: warning: JAVA_HOME=$JAVA_HOME $streamllm_java_home_problem; using $streamllm_jdk instead" >&2
  JAVA_HOME=$streamllm_jdk
elif [ -z "${JAVA_HOME:-}" ]; then
  if ! JAVA_HOME=$(streamllm_find_jdk); then
    echo "streamllm: no JDK 22 or newer found (JAVA_HOME is not set; looked in $streamllm_searched)." >&2
    echo "streamllm: install JDK 25 (e.g. Temurin) and set JAVA_HOME to it." >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own libraries touch sun.misc.Unsafe; keep newer JDKs from warning about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# Exits with a clear message when Maven is missing; called only where a build is about to run.
streamllm_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "streamllm: Apache Maven (mvn) is needed to build; install it (Debian: apt-get install -y maven)." >&2
    exit 1
  fi
}
