#!/usr/bin/env bash
# Load test of `streamllm serve` in one command: starts a server on the shipped model (on a free
# port, with a temporary state directory so that every turn is saved durably as in production),
# runs `streamllm loadtest` against it, prints the figures, stops the server.
#
#   scripts/server/load-test.sh                      # 64 sessions x 50 turns, max_tokens 16
#   scripts/server/load-test.sh --no-state           # sessions in memory only (no fsync per turn)
#   scripts/server/load-test.sh --sessions 8 --turns 5 --max-tokens 32   # any loadtest option
#
# Exits with the load test's status: 1 when any request failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
source "$root/scripts/server/start-server.sh"
source "$root/scripts/jvm-options.sh"

state=yes
args=()
for arg in "$@"; do
  if [ "$arg" = "--no-state" ]; then state=no; else args+=("$arg"); fi
done

"$root/streamllm" --version >/dev/null # builds the jar when the sources changed
java=("$JAVA_HOME/bin/java" "${STREAMLLM_JVM_OPTIONS[@]}" -Dstreamllm.home="$root" -jar "$root/cli/target/streamllm.jar")

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

serve=(serve --port 0 --max-sessions 128)
[ "$state" = yes ] && serve+=(--state-dir "$work/state")
start_server load-test "${serve[@]}"
echo "load-test: server at $url ($( [ "$state" = yes ] && echo "state saved every turn" || echo "memory only" ))" >&2

status=0
"${java[@]}" loadtest --url "$url" --wait 120 "${args[@]}" || status=$?
grep -v -e '^WARNING: Using incubator modules' "$work/server.err" | sed 's/^/server: /' >&2 || true
exit "$status"
