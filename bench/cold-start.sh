#!/usr/bin/env bash
# One cold start of the binary to its first 200 (the command hyperfine times):
#   cold-start.sh BIN CONFIG_DIR PORT CPU [PIDFILE]
# Starts BIN pinned to CPU with a clean environment (API_KEY, OCI_INFERENCE_ENDPOINT and LOG_LEVEL
# come from the caller's env) and asks GET /health over bash's /dev/tcp (no fork per attempt)
# until the answer is 200.
#
# With PIDFILE (the bench's way since issue 17), the timed command is exactly start-to-first-200:
# - between attempts it waits 0.3 ms (a read on the FIFO PIDFILE.fifo that `--reap` makes), as a
#   probe would: back-to-back connection attempts (~20,000/s) slowed the start being measured
#   (a hello-world Bun server: 40 → 31 ms to its first 200 with the pause, same minutes);
# - it ends at the 200, leaving the binary running with its pid in PIDFILE, for
#   `cold-start.sh --reap PIDFILE` (hyperfine's --prepare, untimed) to stop before the next start.
# Without PIDFILE it polls back to back and kills and waits for the binary inside the timed
# command (the process's exit adds ~3 ms): how the bench measured before, kept for comparison.
#
#   cold-start.sh --reap PIDFILE
# Kills the binary PIDFILE names (if any) and waits until it is gone — its memory released and its
# port closed — and makes sure PIDFILE.fifo exists.
set -u
if [ "${1:-}" = "--reap" ]; then
  pidfile=$2
  [ -p "$pidfile.fifo" ] || mkfifo "$pidfile.fifo"
  [ -f "$pidfile" ] || exit 0
  pid=$(cat "$pidfile")
  rm -f "$pidfile"
  kill -9 "$pid" 2>/dev/null
  # Until the process is reaped, or is a zombie with no thread left: the leader turns zombie while
  # its other threads may still be tearing down the process's memory, on the core the next start
  # is pinned to (~10 ms of work, which otherwise landed in the next timed run).
  while [ -e "/proc/$pid" ]; do
    state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) || break
    if [ "$state" = "Z" ]; then
      tasks=("/proc/$pid/task/"*)
      [ "${#tasks[@]}" -le 1 ] && break
    fi
  done
  exit 0
fi
bin=$1 dir=$2 port=$3 cpu=$4 pidfile=${5:-}
pause=false
if [ -n "$pidfile" ] && [ -p "$pidfile.fifo" ]; then
  # Opened read-write, so the open does not wait for a writer; nothing is ever written to it.
  exec 4<>"$pidfile.fifo"
  pause=true
fi
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
  $pause && read -r -t 0.0003 -u 4 _
done
if [ "$ok" = 0 ] && [ -n "$pidfile" ]; then
  echo "$pid" >"$pidfile"
  exit 0
fi
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit $ok
