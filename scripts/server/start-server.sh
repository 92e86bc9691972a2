# Sourced by the server test scripts. start_server NAME ARGS... starts "${java[@]}" ARGS in the
# background (output in $work/server.out and $work/server.err), sets server_pid, and sets url once the
# server says where it listens; exits naming NAME when it dies or never says so.
start_server() {
  local name="$1"
  shift
  "${java[@]}" "$@" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/server.err" | head -1)"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; echo "$name: the server did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name: the server did not say where it listens" >&2
  exit 1
}
