# Shared by bench.sh and soak.sh (sourced, never run): logging, the tools they install, the
# processes they start (stopped by PID on exit) and free loopback ports. The sourcing script sets
# LOG_TAG before sourcing, and WORK and KEEP before it starts anything.

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_bin() { if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else echo java; fi; }

# ensure_packages "COMMAND:PACKAGE"...: installs from Debian's packages the PACKAGE of each COMMAND
# that is missing (as root, with apt-get), and nothing else from anywhere.
ensure_packages() {
  local missing=() spec cmd
  for spec in "$@"; do
    cmd=${spec%%:*}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${spec#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${missing[*]}: install them from Debian's packages (apt-get install -y ${missing[*]}); this run is not root or has no apt-get"
  fi
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
}

# Every process started is added to PIDS; on exit each is stopped (TERM, then KILL after 10 s),
# newest first, and the work folder is removed unless KEEP=1 or the run failed.
PIDS=()
cleanup() {
  local rc=$? pid i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "${WORK:-}" ]; then
    if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
      log "work folder kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {   # stops one process we started, and forgets it
  local pid=$1 i keep=()
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for i in ${PIDS[@]+"${PIDS[@]}"}; do [ "$i" = "$pid" ] || keep+=("$i"); done
  PIDS=(${keep[@]+"${keep[@]}"})
}

USED_PORTS=" "
free_port() {   # free_port VAR: a loopback TCP port nothing uses now, distinct from those already chosen
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]; then
      USED_PORTS="$USED_PORTS$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "found no free port"
}
