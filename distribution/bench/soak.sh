#!/usr/bin/env bash
# Detour's soak: the assembled distribution on its shipped config (conf/detour.yaml, which runs the
# embedded simulator as its four providers), a bounded load for ten minutes while faults come and
# go on a schedule through the simulator's chaos API, and Detour's footprint recorded at the start
# and at the end: resident memory, heap after a full GC, threads and open file descriptors.
#
#   distribution/bench/soak.sh [--duration 10m] [--rate N] [--stream-rate N] [--phase 30s]
#                              [--detour DIR] [--out FILE] [--keep]
#
# The verdict passes when, at the end, the footprint is flat within its tolerances (below) and
# nothing was lost: every request got a 2xx, every non-stream answer is a chat.completion and every
# stream ends with [DONE] and carries no error event, with no socket error and no timeout. A
# healthy path exists throughout: the faults touch at most two of the route's four targets at once,
# and only in ways the route fails over from before the first token (connections refused, 5xx,
# 429, latency past the first-token timeout).
#
# Footprint, measured with the load stopped (after a warm-up of the same load without faults, so
# that "start" has the JIT's code, the pools and the caches in place, then at the end) and compared
# end against start:
#   heap after a full GC (jcmd GC.run, then GC.heap_info)  at most +10 % or +4 MB, whichever larger
#   resident memory (VmRSS)                                at most +15 % or +24 MB, whichever larger
#   threads                                                at most +2
#   open file descriptors, the upstream pool's aside       at most +4
# (the simulator runs inside Detour, so each pooled upstream connection is two of its descriptors;
# how many the pool keeps open depends on the last fault's concurrency, up to its bound, so the
# pool is counted and shown apart: "pool" = established connections to or from the simulator's port).
# Every 30 s during the load it also records RSS, threads and fds, and prints the timeline.
#
# Options:
#   --duration D     how long the load runs with faults (default 10m; e.g. 120, 90s, 2m)
#   --rate N         non-stream requests per second (default 200)
#   --stream-rate N  stream requests per second (default 50)
#   --phase D        how long each fault phase lasts (default 30s)
#   --detour DIR     the assembled distribution (default: distribution/target/detour)
#   --out FILE       where to write the markdown results (default distribution/target/bench/soak.md)
#   --keep           keep the work folder (config, logs, wrk output)
#
# Needs wrk, curl and the JDK's jcmd (for the heap after GC; without it that figure is n/a);
# installs wrk from Debian's packages when missing (as root), as bench.sh does. Loopback only, on
# ports chosen free at start; every process it starts is stopped by PID. Exit status: 0 when the
# verdict passes, 3 when it fails, 1 when the soak could not run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIST_DIR=$(cd "$BENCH_DIR/.." && pwd)

DURATION=600
RATE=200
STREAM_RATE=50
PHASE=30
DETOUR_DIR="$DIST_DIR/target/detour"
OUT=""
KEEP=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

seconds() {   # 600 | 90s | 10m -> seconds
  case "$1" in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$(seconds "${2:?--duration needs a time}"); shift ;;
    --rate) RATE=${2:?--rate needs a number}; shift ;;
    --stream-rate) STREAM_RATE=${2:?--stream-rate needs a number}; shift ;;
    --phase) PHASE=$(seconds "${2:?--phase needs a time}"); shift ;;
    --detour) DETOUR_DIR=${2:?--detour needs a folder}; shift ;;
    --out) OUT=${2:?--out needs a file}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for v in DURATION RATE STREAM_RATE PHASE; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || { echo "soak: bad ${v,,} '${!v}'" >&2; exit 2; }
done
OUT=${OUT:-$DIST_DIR/target/bench/soak.md}
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
case "$DETOUR_DIR" in /*) ;; *) DETOUR_DIR="$PWD/$DETOUR_DIR" ;; esac
# A warm-up long enough for the JIT and the pools, and short beside the soak itself.
WARMUP=$(( DURATION / 6 ))
[ "$WARMUP" -lt 30 ] && WARMUP=30
[ "$WARMUP" -gt 60 ] && WARMUP=60
SAMPLE_EVERY=30
CONNS=16          # per load; a request slowed by a fault holds its connection, the others go on
STREAM_CONNS=8

LOG_TAG=soak
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------------------------------- tools


find_jcmd() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jcmd" ]; then echo "$JAVA_HOME/bin/jcmd"; return; fi
  local j
  j=$(readlink -f "$(command -v "$(java_bin)")" 2>/dev/null || true)
  if [ -n "$j" ] && [ -x "$(dirname "$j")/jcmd" ]; then echo "$(dirname "$j")/jcmd"; return; fi
  command -v jcmd 2>/dev/null || true
}

ensure_packages wrk:wrk curl:curl ss:iproute2
JCMD=$(find_jcmd)
[ -x "$DETOUR_DIR/bin/detour" ] || die "no Detour distribution at $DETOUR_DIR: build it first (mvn -B install -DskipTests)"
[ -f "$DETOUR_DIR/conf/detour.yaml" ] || die "no shipped config at $DETOUR_DIR/conf/detour.yaml"

# ---------------------------------------------------------------------------------------- processes

WORK=$(mktemp -d /tmp/detour-soak.XXXXXX)

free_port PORT
free_port SIM_PORT
BASE="http://127.0.0.1:$PORT"
SIM="http://127.0.0.1:$SIM_PORT"

# The shipped config as it is; only its ports come from the environment it reads them from.
log "starting Detour on its shipped config (port $PORT, simulator $SIM_PORT); work folder $WORK"
DETOUR_PORT=$PORT DETOUR_SIMULATOR_PORT=$SIM_PORT DETOUR_LOG_LEVEL=warn \
  "$DETOUR_DIR/bin/detour" run --config "$DETOUR_DIR/conf/detour.yaml" > "$WORK/detour.log" 2>&1 &
DETOUR_PID=$!
PIDS+=($DETOUR_PID)
end=$(( $(date +%s) + 60 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)" = 200 ]; do
  kill -0 "$DETOUR_PID" 2>/dev/null || die "Detour exited while starting: $(tail -5 "$WORK/detour.log")"
  [ "$(date +%s)" -lt "$end" ] || die "Detour was not ready within 60 s: $(tail -5 "$WORK/detour.log")"
  sleep 0.1
done

printf '{"model":"chat","messages":[{"role":"user","content":"In two sentences, why put a failover gateway in front of LLM providers?"}],"max_tokens":128}' > "$WORK/body.json"
printf '{"model":"chat","stream":true,"messages":[{"role":"user","content":"In two sentences, why put a failover gateway in front of LLM providers?"}],"max_tokens":128}' > "$WORK/body-stream.json"
code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
  --data-binary @"$WORK/body.json" "$BASE/v1/chat/completions" || true)
[ "$code" = 200 ] && grep -q '"chat.completion"' "$WORK/check.json" || die "a first request failed ($code): $(head -c 300 "$WORK/check.json")"

# ---------------------------------------------------------------------------------------- measuring

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DETOUR_PID/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$DETOUR_PID/status"; }
fds() { ls "/proc/$DETOUR_PID/fd" 2>/dev/null | wc -l; }
pool() { ss -Htan state established "( sport = :$SIM_PORT or dport = :$SIM_PORT )" 2>/dev/null | wc -l; }
targets() { curl -s --max-time 5 "$BASE/admin/targets" | grep -o '"id":' | wc -l; }

heap_after_gc_kb() {   # heap in use after a full collection, in kB, or n/a
  [ -n "$JCMD" ] || { echo n/a; return; }
  "$JCMD" "$DETOUR_PID" GC.run > /dev/null 2>&1 || { echo n/a; return; }
  # Every generation's (or G1's whole heap's) "total NK, used NK", Metaspace aside.
  "$JCMD" "$DETOUR_PID" GC.heap_info 2>/dev/null \
    | awk '!/Metaspace|class space/ && match($0, /total [0-9]+K, used [0-9]+K/) {
             s = substr($0, RSTART, RLENGTH); sub(/.*used /, "", s); sub(/K/, "", s); used += s; n++ }
           END { if (n) print used; else print "n/a" }'
}

declare -A AT
snapshot() {   # snapshot NAME: the footprint now, with the load stopped
  AT[$1.heap]=$(heap_after_gc_kb)
  sleep 1   # the collection's own effect on RSS settles
  AT[$1.rss]=$(rss_kb)
  AT[$1.threads]=$(threads)
  AT[$1.fds]=$(fds)
  AT[$1.pool]=$(pool)
  AT[$1.targets]=$(targets)
  log "$1: RSS $(( ${AT[$1.rss]} / 1024 )) MB, heap after GC ${AT[$1.heap]} kB, ${AT[$1.threads]} threads, ${AT[$1.fds]} fds (${AT[$1.pool]} of them the upstream pool), ${AT[$1.targets]} targets"
}

run_wrk() {   # run_wrk NAME BODY KIND RATE CONNS SECONDS: in the background (its PID in WRK_PID); output in $WORK/wrk-NAME.out
  timeout --signal=KILL $(( $6 + 60 )) wrk -t1 -c"$5" -d"$6s" --timeout 35s -s "$BENCH_DIR/soak.lua" \
    "$BASE/v1/chat/completions" -- "$2" "$3" "$4" "$5" > "$WORK/wrk-$1.out" 2>&1 &
  WRK_PID=$!
  PIDS+=($WRK_PID)
}

wait_wrk() {   # wait_wrk PID NAME: waits for it and checks that it printed its result
  wait "$1" || true
  grep -q '^SOAK_RESULT' "$WORK/wrk-$2.out" || die "wrk ($2) printed no result: $(tail -5 "$WORK/wrk-$2.out")"
}

chaos() {   # chaos NAME JSON|clear
  if [ "$2" = clear ]; then
    curl -s -o /dev/null --max-time 5 -X DELETE "$SIM/_chaos/$1" || true
  else
    curl -s -o /dev/null --max-time 5 -X PUT -H 'Content-Type: application/json' --data "$2" "$SIM/_chaos/$1" \
      || log "WARNING: could not set chaos on $1"
  fi
}
clear_all() { for n in openai-us openai-eu anthropic gemini; do chaos "$n" clear; done; }

# The schedule: at most two of the four targets faulty at once, each fault one the route fails over
# from before the first token (the shipped route has first_token: 3s and retries with back-off).
PHASES=(
  "openai-us refuses connections|openai-us={\"down\":true}"
  "healthy|"
  "openai-us answers 503 to half, Retry-After 1|openai-us={\"status\":503,\"rate\":0.5,\"retry_after\":1}"
  "openai-us slow, 800 ± 200 ms|openai-us={\"latency_ms\":800,\"jitter_ms\":200}"
  "openai-us and openai-eu refuse connections|openai-us={\"down\":true} openai-eu={\"down\":true}"
  "healthy|"
  "openai-us answers 429 to all, Retry-After 1|openai-us={\"status\":429,\"rate\":1.0,\"retry_after\":1}"
  "openai-us past its first-token timeout (4 s)|openai-us={\"latency_ms\":4000}"
  "openai-us answers 500 to all, anthropic slow 500 ms|openai-us={\"status\":500,\"rate\":1.0} anthropic={\"latency_ms\":500}"
  "openai-eu answers 502 to a third|openai-eu={\"status\":502,\"rate\":0.33}"
)

apply_phase() {   # apply_phase INDEX: clears every fault, then sets that phase's
  local spec=${PHASES[$1]} f
  clear_all
  for f in ${spec#*|}; do chaos "${f%%=*}" "${f#*=}"; done
  echo "${spec%%|*}"
}

# ---------------------------------------------------------------------------------------- the soak

log "warm-up: ${WARMUP}s of the same load, no faults"
run_wrk warm "$WORK/body.json" json "$RATE" "$CONNS" "$WARMUP"
w1=$WRK_PID
run_wrk warm-stream "$WORK/body-stream.json" sse "$STREAM_RATE" "$STREAM_CONNS" "$WARMUP"
w2=$WRK_PID
wait_wrk "$w1" warm
wait_wrk "$w2" warm-stream
sleep 2
snapshot start

log "soak: ${DURATION}s at $RATE req/s non-stream + $STREAM_RATE req/s streams, a fault phase every ${PHASE}s"
T0=$(date +%s)
run_wrk load "$WORK/body.json" json "$RATE" "$CONNS" "$DURATION"
l1=$WRK_PID
run_wrk load-stream "$WORK/body-stream.json" sse "$STREAM_RATE" "$STREAM_CONNS" "$DURATION"
l2=$WRK_PID
TIMELINE=()
PHASE_LOG=()
phase=-1
next_phase=$T0
next_sample=$T0
while kill -0 "$l1" 2>/dev/null || kill -0 "$l2" 2>/dev/null; do
  now=$(date +%s)
  if [ "$now" -ge "$next_phase" ] && [ $(( now - T0 )) -lt "$DURATION" ]; then
    phase=$(( phase + 1 ))
    what=$(apply_phase $(( phase % ${#PHASES[@]} )))
    PHASE_LOG+=("$(( now - T0 ))|$what")
    log "t+$(( now - T0 ))s: $what"
    next_phase=$(( next_phase + PHASE ))
  fi
  if [ "$now" -ge "$next_sample" ]; then
    TIMELINE+=("$(( now - T0 ))|$(( $(rss_kb) / 1024 ))|$(threads)|$(fds)|$(pool)")
    next_sample=$(( next_sample + SAMPLE_EVERY ))
  fi
  kill -0 "$DETOUR_PID" 2>/dev/null || die "Detour exited during the soak: $(tail -20 "$WORK/detour.log")"
  sleep 1
done
clear_all
wait_wrk "$l1" load
wait_wrk "$l2" load-stream
sleep 2
snapshot end
kill -0 "$DETOUR_PID" 2>/dev/null || die "Detour exited during the soak: $(tail -20 "$WORK/detour.log")"

# ---------------------------------------------------------------------------------------- report

declare -A W
parse() {   # parse NAME: its SOAK_RESULT fields as W[NAME.field]
  local line kv
  line=$(grep '^SOAK_RESULT' "$WORK/wrk-$1.out")
  for kv in ${line#SOAK_RESULT }; do W[$1.${kv%%=*}]=${kv#*=}; done
}
parse load
parse load-stream

FAILS=0
judge() {   # judge OK(1|0): the verdict word, counted in FAILS (call it outside $(...))
  if [ "$1" = 1 ]; then VERDICT=pass; else FAILS=$(( FAILS + 1 )); VERDICT="**fail**"; fi
}
flat() {   # flat START END PCT ABS: 1 when END <= max(START * (1 + PCT/100), START + ABS)
  awk -v s="$1" -v e="$2" -v p="$3" -v a="$4" 'BEGIN { l1 = s * (1 + p / 100); l2 = s + a; print ((e <= (l1 > l2 ? l1 : l2)) ? 1 : 0) }'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
change() { awk -v s="$1" -v e="$2" -v d="$3" 'BEGIN { printf "%+.1f MB (%+.1f %%)", (e - s) / d, ((s > 0) ? (e - s) * 100 / s : 0) }'; }
lost_in() {   # lost_in FROM TO: answers lost (both loads) from second FROM to before TO of the load
  local n total=0 kv
  for n in load load-stream; do
    [ "${W[$n.bad_at]}" = "-" ] && continue
    for kv in ${W[$n.bad_at]//,/ }; do
      [ "${kv%%:*}" -ge "$1" ] && [ "${kv%%:*}" -lt "$2" ] && total=$(( total + ${kv#*:} ))
    done
  done
  echo "$total"
}

ROWS=()
hs=${AT[start.heap]} he=${AT[end.heap]}
if [ "$hs" = n/a ] || [ "$he" = n/a ]; then
  ROWS+=("| heap after full GC | n/a | n/a | | +10 % or +4 MB | n/a (no jcmd) |")
else
  judge "$(flat "$hs" "$he" 10 4096)"
  ROWS+=("| heap after full GC, MB | $(mb "$hs") | $(mb "$he") | $(change "$hs" "$he" 1024) | +10 % or +4 MB | $VERDICT |")
fi
rs=${AT[start.rss]} re=${AT[end.rss]}
judge "$(flat "$rs" "$re" 15 24576)"
ROWS+=("| resident memory, MB | $(mb "$rs") | $(mb "$re") | $(change "$rs" "$re" 1024) | +15 % or +24 MB | $VERDICT |")
judge "$(flat "${AT[start.threads]}" "${AT[end.threads]}" 0 2)"
ROWS+=("| threads | ${AT[start.threads]} | ${AT[end.threads]} | $(( AT[end.threads] - AT[start.threads] )) | +2 | $VERDICT |")
fs=$(( AT[start.fds] - AT[start.pool] )) fe=$(( AT[end.fds] - AT[end.pool] ))
judge "$(flat "$fs" "$fe" 0 4)"
ROWS+=("| open file descriptors, the upstream pool's aside | $fs | $fe | $(( fe - fs )) | +4 | $VERDICT |")
ROWS+=("| (the upstream pool's descriptors) | ${AT[start.pool]} | ${AT[end.pool]} | $(( AT[end.pool] - AT[start.pool] )) | shown | |")
judge "$([ "${AT[end.targets]}" -eq "${AT[start.targets]}" ] && echo 1 || echo 0)"
ROWS+=("| targets (/admin/targets) | ${AT[start.targets]} | ${AT[end.targets]} | $(( AT[end.targets] - AT[start.targets] )) | 0 | $VERDICT |")
LOAD_ROWS=()
LOST=0
for n in load load-stream; do
  sock=$(( W[$n.err_connect] + W[$n.err_read] + W[$n.err_write] ))
  lost=$(( sock + W[$n.err_timeout] + W[$n.bad_status] + W[$n.bad_body] ))
  LOST=$(( LOST + lost ))
  judge "$([ "$lost" -eq 0 ] && [ "${W[$n.requests]}" -gt 0 ] && echo 1 || echo 0)"
  label=non-stream
  [ "$n" = load-stream ] && label=stream
  statuses=""
  [ "${W[$n.statuses]}" != "-" ] && statuses=" (${W[$n.statuses]//x/ ×})"
  LOAD_ROWS+=("| $label | ${W[$n.requests]} | $(awk -v r="${W[$n.requests]}" -v d="${W[$n.duration_us]}" 'BEGIN { printf "%.0f", r * 1e6 / d }') | $(awk -v v="${W[$n.p50_us]}" 'BEGIN { printf "%.1f", v / 1000 }') | $(awk -v v="${W[$n.p99_us]}" 'BEGIN { printf "%.1f", v / 1000 }') | $(awk -v v="${W[$n.max_us]}" 'BEGIN { printf "%.0f", v / 1000 }') | ${W[$n.bad_status]}$statuses | ${W[$n.bad_body]} | $sock | ${W[$n.err_timeout]} | $VERDICT |")
done

mkdir -p "$(dirname "$OUT")"
{
  echo "## Detour soak"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), Linux $(uname -r); $("$(java_bin)" -version 2>&1 | head -1)"
  echo "- $DETOUR_DIR on its shipped conf/detour.yaml (the embedded simulator as its four providers; route \`chat\`: openai-us, openai-eu, anthropic, gemini), the launcher's JVM options"
  echo "- Load: ${DURATION}s at $RATE req/s non-stream ($CONNS connections) and $STREAM_RATE req/s streams ($STREAM_CONNS connections), wrk with soak.lua checking every answer; after a ${WARMUP}s warm-up of the same load without faults"
  echo "- Faults: a phase every ${PHASE}s through PUT /_chaos/{name}, at most two targets at once, cleared at the end"
  echo "- Start and end: with the load stopped; heap after a full GC through jcmd ($([ -n "$JCMD" ] && echo "$JCMD" || echo "not found: n/a"))"
  echo
  echo "| | start | end | change | tolerance | verdict |"
  echo "|---|---:|---:|---:|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| load | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | bad answers | socket errors | timeouts | verdict |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${LOAD_ROWS[@]}"
  echo
  echo "Fault phases (t = seconds from the start of the load; lost = answers that were not a whole 2xx, by the time wrk saw them):"
  echo
  for ((i = 0; i < ${#PHASE_LOG[@]}; i++)); do
    from=${PHASE_LOG[i]%%|*}
    to=$(( DURATION + 60 ))   # the last phase: to the end, answers still in flight included
    [ $(( i + 1 )) -lt ${#PHASE_LOG[@]} ] && to=${PHASE_LOG[i + 1]%%|*}
    lost=$(lost_in "$from" "$to")
    echo "- t+${from}s: ${PHASE_LOG[i]#*|}$([ "$lost" -gt 0 ] && echo " — **$lost lost**")"
  done
  echo
  echo "Timeline during the load (every ${SAMPLE_EVERY}s):"
  echo
  echo "| t s | RSS MB | threads | fds | of them the upstream pool |"
  echo "|---:|---:|---:|---:|---:|"
  for t in ${TIMELINE[@]+"${TIMELINE[@]}"}; do IFS='|' read -r a b c d e <<< "$t"; echo "| $a | $b | $c | $d | $e |"; done
  echo
  if grep -q '^SOAK_FIRST_BAD' "$WORK"/wrk-load*.out; then
    echo "The first answers lost (per load, with the second of the load they came in):"
    echo
    echo '```'
    for f in "$WORK/wrk-load.out" "$WORK/wrk-load-stream.out"; do
      sed -n '/^SOAK_FIRST_BAD/,$p' "$f" | tail -n +2 | head -10 | cut -c1-400
    done
    echo '```'
    echo
  fi
  if [ "$FAILS" -eq 0 ]; then
    echo "Verdict: **pass**: flat within the tolerances, nothing lost."
  else
    echo "Verdict: **fail** ($FAILS of the figures above$([ "$LOST" -gt 0 ] && echo "; $LOST answers lost"))."
  fi
} > "$OUT"

cat "$OUT"
log "results written to $OUT"
if [ "$FAILS" -gt 0 ]; then
  KEEP=1
  exit 3
fi
