#!/usr/bin/env bash
# Makes sure a Docker daemon answers. If `docker info` fails, installs docker.io when missing
# (root on Debian only), starts dockerd in the background, waits until it answers and writes
# its pid to $PSL_DOCKERD_PIDFILE (default /tmp/php-session-lab-dockerd.pid).
# Prints "running" or "started <pid>" on stdout. Exit 105 when Docker cannot be had.
# Stop a daemon started here with: kill "$(cat /tmp/php-session-lab-dockerd.pid)"
set -euo pipefail
PIDFILE="${PSL_DOCKERD_PIDFILE:-/tmp/php-session-lab-dockerd.pid}"
LOGFILE="${PSL_DOCKERD_LOG:-/tmp/php-session-lab-dockerd.log}"
WAIT_S="${PSL_DOCKERD_WAIT:-30}"

log() { echo "[ensure-dockerd] $*" >&2; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo running
  exit 0
fi

is_root() { [ "$(id -u)" = 0 ]; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    log "installing docker.io"
    DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io >&2; }
  else
    log "docker is missing: install it with: sudo apt-get install -y docker.io"
    exit 105
  fi
fi

if ! is_root; then
  log "no Docker daemon answers and only root can start one: sudo dockerd &  (or: sudo systemctl start docker)"
  exit 105
fi

# A pidfile from an earlier start whose daemon still lives: just wait for it.
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  pid="$(cat "$PIDFILE")"
else
  # setsid: the daemon outlives this script and the harness's process group.
  setsid dockerd >"$LOGFILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
fi

for _ in $(seq 1 $((WAIT_S * 5))); do
  if docker info >/dev/null 2>&1; then
    echo "started $pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    log "dockerd exited; last lines of $LOGFILE:"
    tail -n 20 "$LOGFILE" >&2 || true
    exit 1
  fi
  sleep 0.2
done
log "dockerd (pid $pid) did not answer within ${WAIT_S}s; see $LOGFILE"
exit 1
