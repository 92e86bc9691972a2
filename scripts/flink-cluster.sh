#!/usr/bin/env bash
# A standalone Flink session cluster on this machine, from Flink's own entrypoints on the flink module's Maven
# classpath (no Flink distribution needed): one JobManager (StandaloneSessionClusterEntrypoint) and N TaskManager
# JVMs (TaskManagerRunner), each a process of its own with a pid file and a log.
#
#   scripts/flink-cluster.sh start            start the JobManager and the TaskManagers, wait until all registered
#   scripts/flink-cluster.sh run [-c CLASS] JAR [ARGS...]   submit a job detached, as `flink run -d` does
#                                             (Flink's CliFrontend); prints the line with the job id
#   scripts/flink-cluster.sh status           the processes and the REST overview
#   scripts/flink-cluster.sh kill-taskmanager N   kill -9 TaskManager N (1-based), to test recovery
#   scripts/flink-cluster.sh stop             stop every process it started (TERM, then KILL after 10 s)
#
# Environment (all optional):
#   FLINK_CLUSTER_DIR   where conf/, log/, pids/, checkpoints/ go (default: flink/target/flink-cluster)
#   FLINK_TASKMANAGERS  number of TaskManagers (default 2); FLINK_SLOTS slots per TaskManager (default 2)
#   FLINK_REST_PORT, FLINK_RPC_PORT   fixed ports (default: free ones picked at start)
#   FLINK_CLASSPATH_FILE  the classpath file (default: flink/target/flink-classpath.txt, made by
#                       `mvn -pl flink -am package -DskipTests`, which this script runs when it is missing)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/find-jdk.sh"

dir="${FLINK_CLUSTER_DIR:-$root/flink/target/flink-cluster}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/conf"
classpath_file="${FLINK_CLASSPATH_FILE:-$root/flink/target/flink-classpath.txt}"

die() { echo "flink-cluster: $*" >&2; exit 1; }

# Flink 2.x on JDK 17+ reflects into these JDK packages (the options Flink's own config.yaml ships with), and
# streamllm's kernels need the Vector API and native (mmap) access.
jvm_options=(-XX:+IgnoreUnrecognizedVMOptions
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m)

classpath() {
  if [ ! -s "$classpath_file" ]; then
    echo "flink-cluster: no $classpath_file; building the flink module once" >&2
    (cd "$root" && mvn -q -o -pl flink -am package -DskipTests) >&2 || die "could not build the flink module"
  fi
  cat "$classpath_file"
}

# A port nothing listens on: a random one in 20000-59999 that refuses a connection (no python or nc needed).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free port"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

rest_port() { sed -n 's/^rest.port: //p' "$conf/config.yaml" 2>/dev/null; }

write_config() {
  local rpc_port="$1" rest="$2" slots="$3"
  mkdir -p "$conf" "$dir/log" "$dir/pids" "$dir/tmp" "$dir/checkpoints"
  cat >"$conf/config.yaml" <<EOF
# Written by scripts/flink-cluster.sh; one local standalone session cluster.
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
rest.address: localhost
rest.bind-address: localhost
rest.port: $rest
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: $slots
taskmanager.memory.process.size: 1600m
# One subtask per TaskManager while they have free slots, so a job really runs across the processes.
taskmanager.load-balance.mode: SLOTS
parallelism.default: 2
# Exactly-once recovery: restart from the last completed checkpoint, a few times, one second apart.
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 10
restart-strategy.fixed-delay.delay: 1 s
execution.checkpointing.dir: file://$dir/checkpoints
execution.checkpointing.unaligned.enabled: true
# A killed TaskManager is noticed within seconds, not the default 50 s.
heartbeat.interval: 1000
heartbeat.timeout: 5000
# The REST API caches a job's state for this long (default 3 s); short, so that watching a recovery times it right.
web.refresh-interval: 200
io.tmp.dirs: $dir/tmp
EOF
  cat >"$conf/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FileAppender
appender.file.name = FileAppender
appender.file.type = File
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
EOF
  # The CLI logs to the console.
  cat >"$conf/log4j-cli.properties" <<'EOF'
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = Console
appender.console.name = Console
appender.console.type = Console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n
# No YARN and no plugins directory here: their start-up warnings say nothing about this cluster.
logger.cli.name = org.apache.flink.client.cli.CliFrontend
logger.cli.level = ERROR
logger.plugins.name = org.apache.flink.core.plugin.PluginConfig
logger.plugins.level = ERROR
EOF
}

# The JVM options and -D settings of a JobManager (GET_JM_RESOURCE_PARAMS) or a TaskManager (GET_TM_RESOURCE_PARAMS)
# for this config's memory sizes, computed by Flink's own BashJavaUtils as Flink's start scripts do: line 1 the JVM
# options (-Xmx, -XX:MaxDirectMemorySize, ...), line 2 the dynamic properties.
resource_params() {
  "$JAVA_HOME/bin/java" -cp "$(classpath)" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" \
    2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

# Starts one JVM in the background: name, resource-params command, main class, arguments.
launch() {
  local name="$1" params jvm_memory dynamic main="$3"
  params=$(resource_params "$2")
  jvm_memory=$(sed -n 1p <<<"$params")
  dynamic=$(sed -n 2p <<<"$params")
  [ -n "$jvm_memory" ] || die "BashJavaUtils $2 gave no memory settings for $name (config: $conf/config.yaml)"
  shift 3
  # Word splitting on purpose: both lines hold several options without spaces inside one.
  # shellcheck disable=SC2086
  nohup "$JAVA_HOME/bin/java" "${jvm_options[@]}" $jvm_memory "-Dlog.file=$dir/log/$name.log" \
    "-Dlog4j.configurationFile=file:$conf/log4j.properties" -cp "$(classpath)" "$main" "$@" $dynamic \
    >"$dir/log/$name.out" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name.pid"
}

registered_taskmanagers() {
  curl -fsS "http://localhost:$(rest_port)/overview" 2>/dev/null | sed -n 's/.*"taskmanagers":\([0-9]*\).*/\1/p'
}

start() {
  local taskmanagers="${FLINK_TASKMANAGERS:-2}" slots="${FLINK_SLOTS:-2}" i
  for pid in "$dir"/pids/*.pid; do
    alive "$pid" && die "already running ($pid); run '$0 stop' first"
  done
  rm -rf "$dir/pids" "$dir/log"
  classpath >/dev/null
  write_config "${FLINK_RPC_PORT:-$(free_port)}" "${FLINK_REST_PORT:-$(free_port)}" "$slots"
  launch jobmanager GET_JM_RESOURCE_PARAMS org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$conf"
  for ((i = 1; i <= taskmanagers; i++)); do
    launch "taskmanager-$i" GET_TM_RESOURCE_PARAMS org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$conf" \
      -D "taskmanager.resource-id=taskmanager-$i"
  done
  local deadline=$((SECONDS + ${FLINK_START_TIMEOUT_S:-120}))
  until [ "$(registered_taskmanagers)" = "$taskmanagers" ]; do
    for pid in "$dir"/pids/*.pid; do
      if ! alive "$pid"; then
        local name; name=$(basename "$pid" .pid)
        tail -n 30 "$dir/log/$name.out" "$dir/log/$name.log" >&2 2>/dev/null || true
        stop >&2
        die "$name exited during start (logs in $dir/log)"
      fi
    done
    [ "$SECONDS" -lt "$deadline" ] || { stop >&2; die "the TaskManagers did not all register within ${FLINK_START_TIMEOUT_S:-120} s" \
      "($(registered_taskmanagers) of $taskmanagers; logs in $dir/log)"; }
    sleep 1
  done
  echo "flink-cluster: JobManager and $taskmanagers TaskManagers up; REST API at http://localhost:$(rest_port)"
}

submit() {
  [ -f "$conf/config.yaml" ] || die "no cluster config in $conf; run '$0 start' first"
  FLINK_CONF_DIR="$conf" "$JAVA_HOME/bin/java" "${jvm_options[@]}" \
    "-Dlog4j.configurationFile=file:$conf/log4j-cli.properties" -cp "$(classpath)" \
    org.apache.flink.client.cli.CliFrontend run -d "$@"
}

stop() {
  local pid_file pid
  for pid_file in "$dir"/pids/*.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    kill "$pid" 2>/dev/null || true
  done
  for pid_file in "$dir"/pids/*.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
  echo "flink-cluster: stopped"
}

status() {
  local pid_file
  for pid_file in "$dir"/pids/*.pid; do
    [ -f "$pid_file" ] || { echo "flink-cluster: not started"; return 0; }
    if alive "$pid_file"; then state=running; else state=dead; fi
    echo "$(basename "$pid_file" .pid) pid $(cat "$pid_file") $state"
  done
  curl -fsS "http://localhost:$(rest_port)/overview" && echo || echo "REST endpoint not answering"
}

kill_taskmanager() {
  local pid_file="$dir/pids/taskmanager-${1:?which TaskManager (1, 2, ...)}.pid"
  alive "$pid_file" || die "taskmanager-$1 is not running"
  kill -9 "$(cat "$pid_file")"
  echo "flink-cluster: killed taskmanager-$1 (pid $(cat "$pid_file"))"
}

command="${1:-}"
shift || true
case "$command" in
  start) start ;;
  run) submit "$@" ;;
  stop) stop ;;
  status) status ;;
  kill-taskmanager) kill_taskmanager "$@" ;;
  *) die "usage: $0 start|run [-c CLASS] JAR [ARGS...]|status|kill-taskmanager N|stop" ;;
esac
