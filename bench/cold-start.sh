#!/usr/bin/env bash
# One cold start of the binary to its first 200 (the command hyperfine times):
#   cold-start.sh BIN CONFIG_DIR PORT CPU
# Starts BIN pinned to CPU with a clean environment (API_KEY, OCI_INFERENCE_ENDPOINT and LOG_LEVEL
# come from the caller's env), polls GET /health over bash's /dev/tcp (no fork per attempt)
# until the answer is 200, then kills the binary by pid and waits for it.
set -u
bin=$1 dir=$2 port=$3 cpu=$4
env -i PATH=/usr/bin:/bin HOME="$dir" API_KEY="${API_KEY:-bench}" OCI_INFERENCE_ENDPOINT="${OCI_INFERENCE_ENDPOINT:-http://127.0.0.1:9}" \
  LOG_LEVEL="${LOG_LEVEL:-warn}" SESSION_STORE=memory \
  taskset -c "$cpu" "$bin" --config-dir "$dir" --port "$port" --host 127.0.0.1 >/dev/null 2>&1 &
pid=$!
ok=1
# A counter, not `for _ in $(seq 1 200000)`: expanding that list costs bash ~120 ms before the
# first poll, a floor under every measurement (found in issue 17).
n=0
while [ "$n" -lt 200000 ]; do
  n=$((n + 1))
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    IFS= read -r line <&3
    exec 3>&-
    case "$line" in "HTTP/1.1 200"*) ok=0; break ;; esac
  fi
  kill -0 "$pid" 2>/dev/null || break
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit $ok
