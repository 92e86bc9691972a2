#!/usr/bin/env bash
# Abuse test of `streamllm serve` in one command: starts a server on the shipped model on 127.0.0.1 (a
# free port, a temporary state directory, small limits so that it runs in about two minutes), then
# abuse.py attacks it the ways issue 8 found it failing, prints what it measured (descriptors from
# /proc/PID/fd, RSS, state dir bytes and files, HTTP status counts) and exits 1 when a threshold
# (stated at the top of abuse.py) is crossed:
#
#   slowloris        1,000 connections that stop half-way through their headers or body
#   aborted bodies   200 requests that close their connection half-way through the body
#   sessions         10,000 sessions of one turn each, saved in a state dir capped at 32 MiB
#   same session     8 requests at once on one session (1 answers, 4 wait, the rest get 409)
#   SIGTERM          mid-stream: the stream must end with finish_reason and [DONE]
#
#   scripts/server/abuse-test.sh                 # the figures in BENCHMARKS.md
#   ABUSE_SESSIONS=1000 scripts/server/abuse-test.sh   # quicker
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
source "$root/scripts/server/start-server.sh"

sessions=${ABUSE_SESSIONS:-10000}
slow=${ABUSE_SLOW:-1000}
read_timeout=5
max_connections=256
state_max_bytes=$((32 << 20))
grace=1

"$root/streamllm" --version >/dev/null # builds the jar when the sources changed
java=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss4m
      -Xmx1g ${STREAMLLM_JAVA_OPTS:-} -Dstreamllm.home="$root" -jar "$root/cli/target/streamllm.jar")

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
  fi
  [ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server abuse-test serve --host 127.0.0.1 --port 0 --state-dir "$work/state" --read-timeout ${read_timeout}s \
  --max-connections $max_connections --state-max-bytes $state_max_bytes --shutdown-grace ${grace}s
case "$url" in
  http://127.0.0.1:*) ;;
  *) echo "abuse-test: the server did not say it listens on 127.0.0.1 ($url)" >&2; exit 1 ;;
esac
for _ in $(seq 1 600); do
  curl -sf "$url/health" >/dev/null 2>&1 && break
  sleep 0.1
done
model="$(curl -sf "$url/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')"
echo "abuse-test: server pid $server_pid at $url, model $model, $(date -u '+%Y-%m-%d %H:%M UTC')"

status=0
timeout 1200 python3 "$root/scripts/server/abuse.py" --url "$url" --model "$model" --pid "$server_pid" \
  --state-dir "$work/state" --read-timeout $read_timeout --max-connections $max_connections \
  --state-max-bytes $state_max_bytes --sessions "$sessions" --slow "$slow" --aborts 200 --grace $grace || status=$?

# The server was sent SIGTERM by the last phase: it drains and exits by itself.
[ "$status" = 0 ] || kill "$server_pid" 2>/dev/null || true
for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "abuse-test: FAIL: the server did not exit within 30 s of SIGTERM"; status=1
fi
wait "$server_pid" 2>/dev/null && rc=0 || rc=$?
server_pid=""
traces=$(grep -c $'^\tat ' "$work/server.err" || true)
lines=$(grep -vc -e '^WARNING' "$work/server.err" || true)
echo "abuse-test: server exit status $rc after SIGTERM; its log: $lines lines, $traces stack-trace lines"
if [ "$traces" -gt 0 ]; then
  echo "abuse-test: FAIL: stack traces in the server's log:"; grep -B2 -m3 $'^\tat ' "$work/server.err" | head -20; status=1
fi
exit "$status"
