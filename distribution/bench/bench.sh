#!/usr/bin/env bash
# Detour's end-to-end benchmark: what one hop through Detour costs, side by side with nginx.
#
#   distribution/bench/bench.sh [--smoke | --quick] [--out FILE] [--detour DIR] [--baseline DIR]
#                               [--hops LIST] [--nice N] [--jfr FILE [--jfr-stream]] [--keep]
#
# Starts, on loopback only and on ports chosen free at start:
#   - a fake OpenAI upstream: nginx answering from memory (a JSON completion, or 20 stream chunks);
#   - the reference proxy: nginx proxy_pass with upstream keep-alive and no buffering;
#   - Detour (the assembled distribution, every bundled plugin) twice, each with a route to the
#     same upstream: "detour" on the benchmark's tuned config (detour.yaml) and "detour-defaults"
#     on the shipped defaults (detour-defaults.yaml: one provider, one route, nothing else);
#   - with --baseline (or BENCH_BASELINE), the same two on another distribution, "baseline" and
#     "baseline-defaults", measured in the same loads right before their counterparts.
# The hop under test (nginx proxy or Detour) runs on one CPU; the load generator (wrk) and the
# upstream share the other. For each hop, after a warm-up, it measures closed-loop non-stream
# loads at 1, 16 and 64 connections, 20-chunk streams at 1 and 16, and a fixed 200 req/s (load by
# load, the hops back to back), once as the machine is and once with its idle CPUs polling instead
# of halting (see AWAKE below); then Detour's failover paths and its cold start. It prints a
# markdown table and saves it (default distribution/target/bench/results.md). Every process it
# starts is stopped by PID on exit, and every load is bounded in time.
#
# Errors: every answer that is not 2xx (wrk's "Non-2xx or 3xx responses", i.e. status >= 400) and
# every socket error or timeout counts as an error, in every row, the warm-ups included. Zero
# errors is a condition of every figure: a figure whose rows, or any row of this run other than
# the baseline's, had an error is printed as a fail whatever its value. The run then exits 3
# (after writing the table), so that a script sees it; the baseline's errors fail only the
# figures taken from its rows.
#
# Options:
#   --smoke       seconds-long loads (for CI): proves the flow works, measures nothing worth quoting
#   --quick       for before/after comparisons of a change (about 3 minutes, twice that with a
#                 baseline): Detour alone (tuned and on defaults) unless --hops says otherwise,
#                 non-stream at 1 and 16 connections and streams at 16; no failover rows, cold start
#                 on one CPU only
#   --out FILE    where to write the markdown results
#   --detour DIR  the assembled distribution (default: distribution/target/detour)
#   --baseline DIR  another assembled distribution ("before"; default: $BENCH_BASELINE): adds its
#                 rows next to Detour's in every load and failover path, and the before/after figures
#   --jfr FILE    profile instead: run only Detour, non-stream at 16 connections, under JDK Flight
#                 Recorder, and write the recording to FILE
#   --jfr-stream  with --jfr: profile 20-chunk streams at 16 connections instead
#   --keep        keep the work folder (configs and logs) for inspection
#   --hops LIST   measure only these hops, e.g. --hops detour (default: "direct nginx detour
#                 detour-defaults"); with a baseline, each Detour hop brings its baseline counterpart
#   --variant V   the "detour" hop (only it) with one feature on, so that with --baseline set to the
#                 same distribution each load measures the feature on (detour) against off
#                 (baseline) in the same run: otlp (traces and metrics exported to a collector that
#                 the upstream nginx plays), access-log (json lines to the hop's log file), keys (a
#                 virtual key with rpm, tpm, a budget, and pricing on the target), cluster (a
#                 redis-server on the load's CPU, cluster.redis set)
#   --api A       chat (default) or responses: the loads POST /v1/responses (OpenAI Responses API)
#                 instead of /v1/chat/completions; Detour hops only (nginx cannot translate it)
#   --nice N      run the hop, the upstream and wrk at this nice level (default -10 as root, so that
#                 other work on the machine disturbs the measurement less; 0 to turn off)
#
# Environment, for experiments: BENCH_CLOSED_CONNS (the closed-loop connection counts, e.g. "1 64"),
# and with --jfr: BENCH_JFR_CONNS (default 16), BENCH_JFR_RATE (profile the fixed rate instead, e.g.
# 200), BENCH_JFR_PERIOD (sampling period, default "10 ms"); BENCH_OTLP=1 turns OTLP export on in
# bench/detour.yaml (traces and metrics to the upstream nginx, which answers as a collector).
#
# Needs nginx, wrk, taskset and curl; installs nginx and wrk from Debian's packages when missing
# (as root, with apt-get), and nothing else from anywhere.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIST_DIR=$(cd "$BENCH_DIR/.." && pwd)

MODE=full
OUT=""
DETOUR_DIR="$DIST_DIR/target/detour"
BASELINE_DIR=${BENCH_BASELINE:-}
JFR_FILE=""
KEEP=0
HOPS=""
JFR_STREAM=0
NICE=
VARIANT=""
API=chat

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) MODE=smoke ;;
    --quick) MODE=quick ;;
    --out) OUT=${2:?--out needs a file}; shift ;;
    --detour) DETOUR_DIR=${2:?--detour needs a folder}; shift ;;
    --baseline) BASELINE_DIR=${2:?--baseline needs a folder}; shift ;;
    --jfr) JFR_FILE=${2:?--jfr needs a file}; shift ;;
    --keep) KEEP=1 ;;
    --hops) HOPS=${2:?--hops needs a list}; shift ;;
    --jfr-stream) JFR_STREAM=1 ;;
    --nice) NICE=${2:?--nice needs a number}; shift ;;
    --variant) VARIANT=${2:?--variant needs a name}; shift
      case "$VARIANT" in otlp|access-log|keys|cluster) ;; *) echo "bench: unknown variant '$VARIANT'" >&2; exit 2 ;; esac ;;
    --api) API=${2:?--api needs chat or responses}; shift
      case "$API" in chat|responses) ;; *) echo "bench: unknown api '$API'" >&2; exit 2 ;; esac ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

OUT=${OUT:-$DIST_DIR/target/bench/results.md}
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
case "$DETOUR_DIR" in /*) ;; *) DETOUR_DIR="$PWD/$DETOUR_DIR" ;; esac
if [ -n "$BASELINE_DIR" ]; then
  case "$BASELINE_DIR" in /*) ;; *) BASELINE_DIR="$PWD/$BASELINE_DIR" ;; esac
fi
if [ -n "$JFR_FILE" ]; then
  case "$JFR_FILE" in /*) ;; *) JFR_FILE="$PWD/$JFR_FILE" ;; esac
fi

if [ "$MODE" = smoke ]; then
  DURATION=1          # seconds per measured load
  WARMUP=1            # seconds of each warm-up load
  CLOSED_CONNS="16"   # closed-loop non-stream connection counts
  STREAM_CONNS="16"
elif [ "$MODE" = quick ]; then
  DURATION=10
  WARMUP=30           # C2 compiles the gateway's hot paths for longer than 15 s on one CPU
  CLOSED_CONNS="1 16"
  STREAM_CONNS="16"
  HOPS=${HOPS:-detour detour-defaults}
else
  DURATION=10
  WARMUP=30           # a JVM on one CPU compiles while it serves: give C2 time to finish
  CLOSED_CONNS="1 16 64"
  STREAM_CONNS="1 16"
fi
HOPS=${HOPS:-direct nginx detour detour-defaults}
for hop in $HOPS; do
  case "$hop" in direct|nginx|detour|detour-defaults) ;; *) echo "bench: unknown hop '$hop' in --hops" >&2; exit 2 ;; esac
  if [ "$API" != chat ]; then
    case "$hop" in direct|nginx) echo "bench: --api $API measures Detour hops only (use --hops detour)" >&2; exit 2 ;; esac
  fi
done
if [ -n "$BASELINE_DIR" ]; then
  # Each Detour hop right after its baseline: the two rows compared see the same host.
  expanded=""
  for hop in $HOPS; do
    case "$hop" in detour|detour-defaults) expanded="$expanded baseline${hop#detour} $hop" ;; *) expanded="$expanded $hop" ;; esac
  done
  HOPS=${expanded# }
fi
CLOSED_CONNS=${BENCH_CLOSED_CONNS:-$CLOSED_CONNS}   # e.g. BENCH_CLOSED_CONNS="1 64" for an experiment
if [ -z "$NICE" ]; then
  if [ "$(id -u)" -eq 0 ]; then NICE=-10; else NICE=0; fi
fi
RATE=200              # the fixed-rate load, requests per second
RATE_CONNS=8          # connections sharing the fixed rate

# At a fixed low rate every request finds the CPUs idle, and on a virtual machine waking a halted
# CPU costs tens of microseconds, more than the hop's own work: that measures the machine, not
# the hop. So the fixed rate is measured twice, the second time with /dev/cpu_dma_latency held at
# 0 (what latency tools such as cyclictest do): the kernel then keeps idle CPUs in their polling
# state, for every hop alike, and the added p50 is the hop's. It needs root (and the device);
# without them the second load is left out.
AWAKE="idle CPUs polling"
# Opened once to see (root may still be refused it, e.g. in a container).
if ( exec 3>/dev/cpu_dma_latency ) 2>/dev/null; then AWAKE_OK=1; else AWAKE_OK=0; fi
AWAKE_FD=
cpus_awake() {   # on|off: holds (or releases) a zero CPU wake-up latency request
  if [ "$1" = on ]; then
    exec {AWAKE_FD}>/dev/cpu_dma_latency
    printf '\0\0\0\0' >&"$AWAKE_FD"   # a binary s32 0: no idle state with any exit latency
  elif [ -n "$AWAKE_FD" ]; then
    exec {AWAKE_FD}>&-
    AWAKE_FD=
  fi
}

LOG_TAG=bench
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------------------------------- tools

find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

ensure_packages nginx:nginx wrk:wrk taskset:util-linux curl:curl ss:iproute2
NGINX=$(find_nginx)
[ -x "$DETOUR_DIR/bin/detour" ] || die "no Detour distribution at $DETOUR_DIR: build it first (mvn -B install -DskipTests)"
if [ -n "$BASELINE_DIR" ]; then
  [ -x "$BASELINE_DIR/bin/detour" ] || die "no baseline distribution at $BASELINE_DIR (--baseline or BENCH_BASELINE)"
  [ "$(cd "$BASELINE_DIR" && pwd -P)" != "$(cd "$DETOUR_DIR" && pwd -P)" ] \
    || log "WARNING: the baseline is the distribution under test itself ($DETOUR_DIR)"
fi

# Two CPUs from this process's affinity list: the hop under test gets the first, load + upstream the second.
cpu_list() {
  taskset -pc $$ | sed 's/.*: *//' | tr ',' '\n' | awk -F- '{ if (NF == 2) { for (i = $1; i <= $2; i++) print i } else print $1 }'
}
CPUS=($(cpu_list))
HOP_CPU=${CPUS[0]}
if [ ${#CPUS[@]} -ge 2 ]; then
  LOAD_CPU=${CPUS[1]}
else
  LOAD_CPU=${CPUS[0]}
  log "WARNING: only one CPU available: the hop and the load share it, ratios are still comparable"
fi

# ---------------------------------------------------------------------------------------- processes

WORK=$(mktemp -d /tmp/detour-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as nobody when started as root

now_ns() { date +%s%N; }

spawn_pinned() {   # spawn_pinned CPUSPEC COMMAND... &: becomes COMMAND (same PID, so $! is its PID),
  local cpus=$1     # on those CPUs at the benchmark's nice level
  shift
  exec nice -n "$NICE" taskset -c "$cpus" "$@"
}

http_code() {   # status code of a GET, or 000
  taskset -c "$LOAD_CPU" curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

wait_http() {   # url, expected status, what, pid: waits up to 60 s
  local url=$1 want=$2 what=$3 pid=$4 end code
  end=$(( $(date +%s) + 60 ))
  while :; do
    code=$(http_code "$url")
    [ "$code" = "$want" ] && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited while starting; see $WORK"
    [ "$(date +%s)" -lt "$end" ] || die "$what did not answer $want on $url within 60 s"
    sleep 0.01
  done
}

render() {   # template, output, then NAME=value pairs for @NAME@
  local tpl=$1 out=$2 expr=() kv
  shift 2
  local v
  for kv in "$@"; do
    v=${kv#*=}
    v=${v//\\/\\\\}
    v=${v//&/\\&}
    v=${v//|/\\|}
    expr+=(-e "s|@${kv%%=*}@|$v|g")
  done
  sed "${expr[@]}" "$tpl" > "$out"
}

start_nginx() {   # name, cpu, template, port, extra NAME=value...
  local name=$1 cpu=$2 tpl=$3 port=$4 dir="$WORK/$1"
  shift 4
  mkdir -p "$dir/tmp"
  render "$tpl" "$dir/nginx.conf" DIR="$dir" PORT="$port" "$@"
  spawn_pinned "$cpu" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  PIDS+=($!)
  echo $! > "$dir/master.pid"
}

# ---------------------------------------------------------------------------------------- canned answers

# nginx config strings take \n and \" escapes; the answers have no ' or \ of their own.
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A failover gateway keeps answers flowing when one provider fails, and it costs almost nothing when all is well."},"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":22,"total_tokens":64}}'

sse_body() {   # 20 chunks: role + 18 tokens + finish, then [DONE]; escaped for nginx
  local i words=(A failover gateway keeps answers flowing when one provider fails, and it costs almost nothing when all is well today.)
  local pre='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,'
  printf '%s"delta":{"role":"assistant","content":""},"finish_reason":null}]}\\n\\n' "$pre"
  for i in $(seq 0 17); do
    printf '%s"delta":{"content":"%s "},"finish_reason":null}]}\\n\\n' "$pre" "${words[i]}"
  done
  printf '%s"delta":{},"finish_reason":"stop"}]}\\n\\n' "$pre"
  printf 'data: [DONE]\\n\\n'
}

REQUEST_BODY='{"model":"%s","messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"In two sentences, why put a failover gateway in front of LLM providers?"}],"temperature":0.2,"max_tokens":128%s}'
# The same request in the Responses API's shape (--api responses).
[ "$API" = responses ] && REQUEST_BODY='{"model":"%s","instructions":"You are a concise assistant.","input":"In two sentences, why put a failover gateway in front of LLM providers?","temperature":0.2,"max_output_tokens":128%s}'
API_PATH=/v1/chat/completions
[ "$API" = responses ] && API_PATH=/v1/responses
body_file() {   # model, stream(true|false) -> path
  local f="$WORK/body-$1-$2.json"
  if [ "$2" = true ]; then
    printf "$REQUEST_BODY" "$1" ',"stream":true' > "$f"
  else
    printf "$REQUEST_BODY" "$1" '' > "$f"
  fi
  echo "$f"
}

# ---------------------------------------------------------------------------------------- measuring

CLK_TCK=$(getconf CLK_TCK)

proc_ticks() {   # proc_ticks TOTAL_VAR USER_VAR PID...: utime + stime, and utime alone, in clock ticks
  local total=0 user=0 pid st f
  local -n total_out=$1 user_out=$2
  shift 2
  for pid in "$@"; do
    st=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    st=${st##*) }
    read -r -a f <<< "$st"
    total=$(( total + f[11] + f[12] ))
    user=$(( user + f[11] ))
  done
  total_out=$total
  user_out=$user
}

proc_rss_kb() {
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

# The Detour instances, by hop: port, PID. "failover" rows run on "detour", "failover-baseline"
# rows on "baseline".
declare -A HOP_PORT HOP_PID

hop_pids() {   # the processes whose CPU and memory a hop costs
  case "$1" in
    direct|direct-xcpu) ;;
    nginx) echo "$PROXY_PID" $(pgrep -P "$PROXY_PID" || true) ;;
    failover) echo "${HOP_PID[detour]}" ;;
    failover-baseline) echo "${HOP_PID[baseline]}" ;;
    *) echo "${HOP_PID[$1]}" ;;
  esac
}

hop_url() {
  case "$1" in
    direct) echo "http://127.0.0.1:$UPSTREAM_PORT/v1/chat/completions" ;;
    direct-xcpu) echo "http://127.0.0.1:$CROSS_PORT/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" ;;
    *) echo "http://127.0.0.1:${HOP_PORT[$1]}$API_PATH" ;;
  esac
}

is_baseline() { case "$1" in baseline|baseline-*|failover-baseline) return 0 ;; *) return 1 ;; esac; }

# Results, keyed "hop|load": requests, duration (us), p50/p90/p99 (us), errors, CPU ticks, RSS (kB).
declare -A R_REQ R_DUR R_P50 R_P90 R_P99 R_ERR R_ERRS R_TICKS R_RSS
ROWS=()
# Errors during warm-ups, by hop: not a row, but an answer a client would have got all the same.
declare -A WARM_ERR WARM_REQ

# run_load KEY HOP URL BODY ACCEPT CONNS SECONDS [RATE]: one wrk run; KEY empty = warm-up, not
# recorded as a row (its errors are, in WARM_ERR).
run_load() {
  local key=$1 hop=$2 url=$3 body=$4 accept=$5 conns=$6 secs=$7 rate=${8:-} pids t0 t1 u0 u1 out line
  pids=$(hop_pids "$hop")
  proc_ticks t0 u0 $pids
  out="$WORK/wrk.out"
  local extra=()
  [ -n "$rate" ] && extra=("$rate" "$conns")
  timeout --signal=KILL $(( secs + 30 )) nice -n "$NICE" taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s \
      -s "$BENCH_DIR/load.lua" "$url" -- "$body" "$accept" ${extra[@]+"${extra[@]}"} > "$out" 2>&1 \
    || die "wrk failed on $url: $(tail -5 "$out")"
  proc_ticks t1 u1 $pids
  line=$(grep '^BENCH_RESULT' "$out") || die "wrk printed no result on $url: $(tail -5 "$out")"
  local requests duration_us p50_us p90_us p99_us max_us err_connect err_read err_write err_timeout err_status errors
  eval "${line#BENCH_RESULT }"
  errors=$(( err_connect + err_read + err_write + err_timeout + err_status ))
  if [ -z "$key" ]; then
    [ "$errors" -eq 0 ] && return 0
    WARM_ERR[$hop]=$(( ${WARM_ERR[$hop]:-0} + errors ))
    WARM_REQ[$hop]=$(( ${WARM_REQ[$hop]:-0} + requests ))
    keep_errors "$hop" "$hop|warm-up" "$out" "$line"
    log "WARNING $hop: $errors errors in a warm-up of $requests requests: connect $err_connect, read $err_read, write $err_write, timeout $err_timeout, non-2xx $err_status (see $WORK/errors-$ERRORS_SEEN.*)"
    return 0
  fi
  R_REQ[$key]=$requests
  R_DUR[$key]=$duration_us
  R_P50[$key]=$p50_us
  R_P90[$key]=$p90_us
  R_P99[$key]=$p99_us
  R_ERR[$key]=$errors
  R_ERRS[$key]="non-2xx $err_status, connect $err_connect, read $err_read, write $err_write, timeout $err_timeout"
  R_TICKS[$key]=$(( t1 - t0 ))
  R_RSS[$key]=$(proc_rss_kb $pids)
  ROWS+=("$key")
  local cpu=""
  if [ -n "$pids" ] && [ "$requests" -gt 0 ]; then
    cpu=$(awk -v t=$(( t1 - t0 )) -v u=$(( u1 - u0 )) -v n="$requests" -v hz="$CLK_TCK" \
      'BEGIN { printf ", CPU %.1f us/req (user %.1f, kernel %.1f)", t * 1e6 / hz / n, u * 1e6 / hz / n, (t - u) * 1e6 / hz / n }')
  fi
  log "$key: $requests requests, p50 ${p50_us} us, p99 ${p99_us} us, errors ${R_ERR[$key]}$cpu"
  if [ "${R_ERR[$key]}" -gt 0 ]; then
    keep_errors "$hop" "$key" "$out" "$line"
    log "  errors: connect $err_connect, read $err_read, write $err_write, timeout $err_timeout, non-2xx $err_status (see $WORK/errors-$ERRORS_SEEN.*)"
  fi
}

keep_errors() {   # hop, key, wrk output, result line: keeps what explains errors (and the work folder)
  local hop=$1 port
  KEEP=1
  ERRORS_SEEN=$(( ${ERRORS_SEEN:-0} + 1 ))
  cp "$3" "$WORK/errors-$ERRORS_SEEN.wrk.txt"
  echo "$2: $4" >> "$WORK/errors-$ERRORS_SEEN.wrk.txt"
  # For Detour, its view of the targets (a breaker opened, a detector's signals).
  case "$hop" in failover) hop=detour ;; failover-baseline) hop=baseline ;; esac
  port=${HOP_PORT[$hop]:-}
  if [ -n "$port" ]; then
    curl -s --max-time 5 "http://127.0.0.1:$port/admin/targets" > "$WORK/errors-$ERRORS_SEEN.targets.json" || true
  fi
}

# ---------------------------------------------------------------------------------------- start

free_port UPSTREAM_PORT
free_port PROXY_PORT
free_port DETOUR_PORT
free_port DEFAULTS_PORT # Detour on the shipped defaults
free_port BASE_PORT     # the baseline distribution, tuned and on defaults
free_port BASE_DEFAULTS_PORT
HOP_PORT=([detour]=$DETOUR_PORT [detour-defaults]=$DEFAULTS_PORT [baseline]=$BASE_PORT [baseline-defaults]=$BASE_DEFAULTS_PORT)
free_port CLOSED_PORT   # never bound: connections to it are refused
free_port SPARE_PORT    # the unpinned cold-start instance
free_port CROSS_PORT    # a second fake upstream, on the hop's CPU
log "mode $MODE; hop on CPU $HOP_CPU, load and upstream on CPU $LOAD_CPU; work folder $WORK"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

start_nginx upstream "$LOAD_CPU" "$BENCH_DIR/upstream.nginx.conf" "$UPSTREAM_PORT" \
  COMPLETION="$COMPLETION" SSE="$(sse_body)"
UPSTREAM_PID=${PIDS[${#PIDS[@]}-1]}
wait_http "http://127.0.0.1:$UPSTREAM_PORT/nope" 404 "the upstream nginx" "$UPSTREAM_PID"
# The same upstream on the hop's CPU, for the fixed rate only: direct, but with every request and
# answer crossing between the two CPUs as they do through a hop, it shows what the crossing alone
# costs (the wake-ups of an idle CPU) without any hop's work.
if [[ " $HOPS " == *" direct "* ]] && [ -z "$JFR_FILE" ] && [ "$HOP_CPU" != "$LOAD_CPU" ]; then
  start_nginx upstream-xcpu "$HOP_CPU" "$BENCH_DIR/upstream.nginx.conf" "$CROSS_PORT" \
    COMPLETION="$COMPLETION" SSE="$(sse_body)"
  wait_http "http://127.0.0.1:$CROSS_PORT/nope" 404 "the second upstream nginx" "${PIDS[${#PIDS[@]}-1]}"
  CROSS_OK=1
else
  CROSS_OK=0
fi

export BENCH_UPSTREAM_PORT=$UPSTREAM_PORT BENCH_CLOSED_PORT=$CLOSED_PORT BENCH_DETOUR_PORT=$DETOUR_PORT
if [ -n "${BENCH_OTLP:-}" ]; then export BENCH_OTLP_ENDPOINT="http://127.0.0.1:$UPSTREAM_PORT/otlp"; fi
cp "$BENCH_DIR/detour.yaml" "$WORK/detour.yaml"
cp "$BENCH_DIR/detour-defaults.yaml" "$WORK/detour-defaults.yaml"
VARIANT_ENV=()
case "$VARIANT" in
  otlp) VARIANT_ENV=(BENCH_OTLP_ENDPOINT="http://127.0.0.1:$UPSTREAM_PORT/otlp") ;;
  access-log) VARIANT_ENV=(BENCH_ACCESS_LOG=json) ;;
  keys)
    # The bench route's target priced, and the client's key with limits it never reaches.
    sed 's/^      - { provider: upstream, model: gpt-4o-mini }$/      - { provider: upstream, model: gpt-4o-mini, pricing: { input_per_mtok: 0.15, output_per_mtok: 0.60 } }/' \
      "$BENCH_DIR/detour.yaml" > "$WORK/detour-variant.yaml"
    cat >> "$WORK/detour-variant.yaml" <<'YAML'

keys:
  - name: bench
    key: bench-client
    limits: { rpm: 100000000, tpm: 1000000000 }
    budget: { usd: 1000000, period: 30d }
YAML
    ;;
  cluster)
    ensure_packages redis-server:redis-server
    free_port REDIS_PORT
    spawn_pinned "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
      > "$WORK/redis.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do grep -q "Ready to accept" "$WORK/redis.log" 2>/dev/null && break; sleep 0.1; done
    VARIANT_ENV=(BENCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0") ;;
esac
launcher_java_opts() { sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' "$1/bin/detour"; }
# Each distribution with its own launcher's JVM options (JAVA_OPTS, when set, for both).
DETOUR_JAVA_OPTS=${JAVA_OPTS:-$(launcher_java_opts "$DETOUR_DIR")}
BASE_JAVA_OPTS=""
[ -n "$BASELINE_DIR" ] && BASE_JAVA_OPTS=${JAVA_OPTS:-$(launcher_java_opts "$BASELINE_DIR")}

# start_detour NAME CPUSPEC PORT [HOP]: starts bin/detour for HOP (default detour: its distribution
# and config) and waits for /readyz; sets STARTED_PID and READY_MS (from exec to the first 200).
start_detour() {
  local name=$1 cpus=$2 port=$3 hop=${4:-detour} t0 dist=$DETOUR_DIR opts=$DETOUR_JAVA_OPTS conf=detour.yaml
  case "$hop" in baseline*) dist=$BASELINE_DIR; opts=$BASE_JAVA_OPTS ;; esac
  case "$hop" in *-defaults) conf=detour-defaults.yaml ;; esac
  local env=()
  if [ "$hop" = detour ] && [ -n "$VARIANT" ]; then
    env=(${VARIANT_ENV[@]+"${VARIANT_ENV[@]}"})
    [ -f "$WORK/detour-variant.yaml" ] && conf=detour-variant.yaml
  fi
  t0=$(now_ns)
  JAVA_OPTS="$opts" DETOUR_LOG_LEVEL=warn spawn_pinned "$cpus" env ${env[@]+"${env[@]}"} "$dist/bin/detour" run \
    --config "$WORK/$conf" --port "$port" > "$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=($STARTED_PID)
  wait_http "http://127.0.0.1:$port/readyz" 200 "Detour ($name)" "$STARTED_PID"
  READY_MS=$(( ($(now_ns) - t0) / 1000000 ))
}

if [ -n "$JFR_FILE" ]; then
  # The profile settings, sampling Java and native frames every $BENCH_JFR_PERIOD (default 10 ms), at
  # $BENCH_JFR_CONNS connections (default 16).
  settings=profile
  jdk_home=$(dirname "$(dirname "$(readlink -f "$(command -v "$(java_bin)")")")")
  if [ -f "$jdk_home/lib/jfr/profile.jfc" ]; then
    settings="$WORK/bench.jfc"
    awk '/<event name="jdk.(ExecutionSample|NativeMethodSample)">/ { e = 1 }
         e && /name="period"/ { sub(/>[^<]*</, ">" period "<"); e = 0 }
         { print }' period="${BENCH_JFR_PERIOD:-10 ms}" "$jdk_home/lib/jfr/profile.jfc" > "$settings"
  fi
  # JFR starts with the JVM (started later through jcmd it re-instruments JDK classes, which
  # deoptimises the warm code of a one-CPU JVM for the whole recording), but records only after
  # the delay: the warm-up load runs that long from the JVM's start.
  jfr_delay=$(( WARMUP + 10 ))
  DETOUR_JAVA_OPTS="$DETOUR_JAVA_OPTS -XX:FlightRecorderOptions:stackdepth=256 -XX:StartFlightRecording=delay=${jfr_delay}s,filename=$JFR_FILE,settings=$settings,dumponexit=true"
  start_detour detour "$HOP_CPU" "$DETOUR_PORT"
  DETOUR_PID=$STARTED_PID
  HOP_PID[detour]=$DETOUR_PID
  if [ "$JFR_STREAM" = 1 ]; then
    body=$(body_file bench true); accept=text/event-stream; what=stream
  else
    body=$(body_file bench false); accept=application/json; what=non-stream
  fi
  log "profiling Detour under JFR: warm-up ${jfr_delay}s from start, then $what at 16 connections for ${DURATION}s"
  run_load "" detour "$(hop_url detour)" "$body" "$accept" 16 "$(( jfr_delay - READY_MS / 1000 ))"
  if [ -n "${BENCH_JFR_RATE:-}" ]; then   # the fixed rate instead, e.g. BENCH_JFR_RATE=200
    run_load "detour|profile" detour "$(hop_url detour)" "$body" "$accept" "$RATE_CONNS" "$DURATION" "$BENCH_JFR_RATE"
  else
    run_load "detour|profile" detour "$(hop_url detour)" "$body" "$accept" "${BENCH_JFR_CONNS:-16}" "$DURATION"
  fi
  # Saved through jcmd while the JVM runs: Detour's exit path does not always leave time for
  # dumponexit.
  if [ -x "$jdk_home/bin/jcmd" ]; then
    "$jdk_home/bin/jcmd" "$DETOUR_PID" JFR.dump name=1 filename="$JFR_FILE" >&2 || log "jcmd JFR.dump failed"
  fi
  stop_pid "$DETOUR_PID"
  [ -s "$JFR_FILE" ] || die "no recording was written to $JFR_FILE; see $WORK/detour.log"
  log "recording: $JFR_FILE (read it with: jfr view hot-methods $JFR_FILE, on JDK 21+)"
  exit 0
fi

# Cold start with 2 CPUs first (it also warms the file cache), then the pinned instance under test.
COLD_2CPU=n/a
if [ "$MODE" != quick ]; then
  start_detour detour-2cpu "$HOP_CPU,$LOAD_CPU" "$SPARE_PORT"
  COLD_2CPU=$READY_MS
  stop_pid "$STARTED_PID"
fi
start_detour detour "$HOP_CPU" "$DETOUR_PORT"
DETOUR_PID=$STARTED_PID
HOP_PID[detour]=$DETOUR_PID
COLD_1CPU=$READY_MS
log "Detour ready in $COLD_1CPU ms on one CPU ($COLD_2CPU ms on two)"
# The baseline the same way (its failover rows and cold start are measured too).
BASE_COLD_1CPU=n/a
BASE_COLD_2CPU=n/a
if [ -n "$BASELINE_DIR" ]; then
  if [ "$MODE" != quick ]; then
    start_detour baseline-2cpu "$HOP_CPU,$LOAD_CPU" "$SPARE_PORT" baseline
    BASE_COLD_2CPU=$READY_MS
    stop_pid "$STARTED_PID"
  fi
  start_detour baseline "$HOP_CPU" "$BASE_PORT" baseline
  HOP_PID[baseline]=$STARTED_PID
  BASE_COLD_1CPU=$READY_MS
  log "the baseline ready in $BASE_COLD_1CPU ms on one CPU ($BASE_COLD_2CPU ms on two)"
fi
# The instances on the shipped defaults, on the same CPU (idle while the others are measured).
for hop in detour-defaults baseline-defaults; do
  [[ " $HOPS " == *" $hop "* ]] || continue
  start_detour "$hop" "$HOP_CPU" "${HOP_PORT[$hop]}" "$hop"
  HOP_PID[$hop]=$STARTED_PID
done

start_nginx proxy "$HOP_CPU" "$BENCH_DIR/proxy.nginx.conf" "$PROXY_PORT" UPSTREAM_PORT="$UPSTREAM_PORT"
PROXY_PID=${PIDS[${#PIDS[@]}-1]}
wait_http "http://127.0.0.1:$PROXY_PORT/nope" 404 "the proxy nginx" "$PROXY_PID"

# Every hop must answer both shapes before anything is measured.
for hop in $HOPS; do
  code=$(taskset -c "$LOAD_CPU" curl -s -o "$WORK/check.json" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Authorization: Bearer bench-client' -H 'Content-Type: application/json' --data-binary @"$(body_file bench false)" "$(hop_url "$hop")")
  [ "$code" = 200 ] && grep -Eq '"chat.completion"|"object": ?"response"' "$WORK/check.json" || die "$hop: non-stream check failed ($code): $(head -c 300 "$WORK/check.json")"
  code=$(taskset -c "$LOAD_CPU" curl -s -o "$WORK/check.sse" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Authorization: Bearer bench-client' -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
    --data-binary @"$(body_file bench true)" "$(hop_url "$hop")")
  chunks=$(grep -c '^data: {' "$WORK/check.sse" || true)
  [ "$code" = 200 ] && [ "$chunks" -ge 20 ] && grep -Eq '^data: \[DONE\]|"type": ?"response.completed"' "$WORK/check.sse" \
    || die "$hop: stream check failed ($code, $chunks chunks): $(head -c 300 "$WORK/check.sse")"
done

# ---------------------------------------------------------------------------------------- hops

load_hops() {   # the hops measured under load $1: at the fixed rate, direct across CPUs too
  case "$1" in
    "non-stream, $RATE req/s"*) [ "$CROSS_OK" = 1 ] && echo "${HOPS/direct/direct direct-xcpu}" || echo "$HOPS" ;;
    *) echo "$HOPS" ;;
  esac
}

# The loads the CPU and throughput ratios are judged on run twice, the hops interleaved (16, 64,
# then 16 and 64 again), and the figures sum both rounds: drift of the host during one hop's
# ten seconds weighs half as much.
AGAIN=", round 2"
RATIO_CONNS=""
for c in $CLOSED_CONNS; do case "$c" in 16|64) RATIO_CONNS="$RATIO_CONNS $c" ;; esac; done
[ "$MODE" = full ] || RATIO_CONNS=""

LOADS=()
for c in $CLOSED_CONNS; do LOADS+=("non-stream, $c conn"); done
for c in $RATIO_CONNS; do LOADS+=("non-stream, $c conn$AGAIN"); done
for c in $STREAM_CONNS; do LOADS+=("stream, $c conn"); done
LOADS+=("non-stream, $RATE req/s")
[ "$AWAKE_OK" = 1 ] && LOADS+=("non-stream, $RATE req/s, $AWAKE")

NS_BODY=$(body_file bench false)
ST_BODY=$(body_file bench true)
for hop in $HOPS; do
  log "$hop: warm-up"
  run_load "" "$hop" "$(hop_url "$hop")" "$NS_BODY" application/json 16 "$WARMUP"
  run_load "" "$hop" "$(hop_url "$hop")" "$ST_BODY" text/event-stream 16 "$(( WARMUP > 1 ? WARMUP / 2 : 1 ))"
  # Non-stream again, at the most connections measured: the JIT recompiles what the streams' type
  # profiles deoptimised (about a second of compiling on the hop's CPU) and the hop's upstream
  # pool grows to that many connections, here rather than in the first measured loads.
  warm_conns=16
  for c in $CLOSED_CONNS; do [ "$c" -gt "$warm_conns" ] && warm_conns=$c; done
  run_load "" "$hop" "$(hop_url "$hop")" "$NS_BODY" application/json "$warm_conns" "$(( WARMUP > 3 ? WARMUP / 4 : 1 ))"
done
# Load by load, the hops back to back: whatever else the machine does drifts less between the
# rows that are compared.
for load in "${LOADS[@]}"; do
  for hop in $(load_hops "$load"); do
    url=$(hop_url "$hop")
    case "$load" in
      "non-stream, $RATE req/s")
        run_load "$hop|$load" "$hop" "$url" "$NS_BODY" application/json "$RATE_CONNS" "$DURATION" "$RATE" ;;
      "non-stream, $RATE req/s, $AWAKE")
        cpus_awake on
        run_load "$hop|$load" "$hop" "$url" "$NS_BODY" application/json "$RATE_CONNS" "$DURATION" "$RATE"
        cpus_awake off ;;
      non-stream,*)
        c=${load%"$AGAIN"}; c=${c#non-stream, }; c=${c% conn}
        run_load "$hop|$load" "$hop" "$url" "$NS_BODY" application/json "$c" "$DURATION" ;;
      stream,*)
        c=${load#stream, }; c=${c% conn}
        run_load "$hop|$load" "$hop" "$url" "$ST_BODY" text/event-stream "$c" "$DURATION" ;;
    esac
  done
done

# ---------------------------------------------------------------------------------------- failover

# check_failover HOP ROUTE STREAM ATTEMPTS: one request must be served by the backup after ATTEMPTS calls.
check_failover() {
  local hop=$1 route=$2 stream=$3 attempts=$4 accept=application/json headers
  [ "$stream" = true ] && accept=text/event-stream
  headers=$(taskset -c "$LOAD_CPU" curl -s -D - -o "$WORK/check.out" --max-time 5 -X POST \
    -H 'Content-Type: application/json' -H "Accept: $accept" \
    --data-binary @"$(body_file "$route" "$stream")" "$(hop_url "$hop")" | tr -d '\r')
  echo "$headers" | grep -qi '^x-detour-target: upstream/gpt-4o-mini$' \
    && echo "$headers" | grep -qi '^x-detour-failover: true$' \
    && echo "$headers" | grep -qi "^x-detour-attempts: $attempts\$" \
    || die "$hop: route $route did not fail over as expected (want $attempts upstream calls): $(echo "$headers" | head -20)"
}

fo_key() { [ "$1" = baseline ] && echo "failover-baseline|$2" || echo "failover|$2"; }

failover_row() {   # label, route, stream, the label of the row it is compared with: for each instance
  local label=$1 route=$2 stream=$3 accept=application/json body hop
  [ "$stream" = true ] && accept=text/event-stream
  body=$(body_file "$route" "$stream")
  for hop in $FO_HOPS; do
    run_load "" "$hop" "$(hop_url "$hop")" "$body" "$accept" 1 "$(( WARMUP > 2 ? 2 : 1 ))"
    run_load "$(fo_key "$hop" "$label")" "$hop" "$(hop_url "$hop")" "$body" "$accept" 1 "$DURATION"
  done
  FO_ROWS+=("$label|$4")
}

FO_ROWS=()
FO_HOPS=detour
[ -n "$BASELINE_DIR" ] && FO_HOPS="baseline detour"
if [ "$MODE" != quick ]; then
log "failover paths ($FO_HOPS, 1 connection)"
for hop in $FO_HOPS; do
  check_failover "$hop" bench-refused false 2
  check_failover "$hop" bench-breaker-open false 2   # this failure opens the breaker
  check_failover "$hop" bench-breaker-open false 1   # now open: the primary is skipped, one call in all
  check_failover "$hop" bench-stream-503 true 2
  check_failover "$hop" bench-stream-cut true 2
done
failover_row "healthy primary, non-stream" bench false ""
failover_row "primary refuses connections" bench-refused false "healthy primary, non-stream"
failover_row "primary's breaker open" bench-breaker-open false "healthy primary, non-stream"
failover_row "healthy primary, stream" bench true ""
failover_row "stream: primary 503 before first token" bench-stream-503 true "healthy primary, stream"
failover_row "stream: primary cut before first token" bench-stream-cut true "healthy primary, stream"
for hop in $FO_HOPS; do
  circuit=$(taskset -c "$LOAD_CPU" curl -s --max-time 5 "http://127.0.0.1:${HOP_PORT[$hop]}/admin/targets" \
    | tr '{' '\n' | grep '"id":"broken/gpt-4o-mini"' | sed -n 's/.*"circuit":"\([a-z_-]*\)".*/\1/p')
  [ "$circuit" = open ] || die "$hop: the breaker of broken/gpt-4o-mini is '$circuit', expected open"
done
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The stop: SIGTERM to exit, with nothing in flight (shutdown_grace is 2 s in detour.yaml).
t0=$(now_ns)
stop_pid "$DETOUR_PID"
STOP_MS=$(( ($(now_ns) - t0) / 1000000 ))
BASE_STOP_MS=n/a
if [ -n "$BASELINE_DIR" ]; then
  t0=$(now_ns)
  stop_pid "${HOP_PID[baseline]}"
  BASE_STOP_MS=$(( ($(now_ns) - t0) / 1000000 ))
fi

# ---------------------------------------------------------------------------------------- report

calc() { awk "BEGIN { $1 }"; }
ms() { calc "printf \"%.3f\", $1 / 1000"; }
rps() { calc "printf \"%.0f\", ${R_REQ[$1]} * 1000000 / ${R_DUR[$1]}"; }
cpu_us() {   # CPU microseconds per request, or n/a
  [ -n "$(hop_pids "${1%%|*}")" ] || { echo n/a; return; }
  calc "printf \"%.1f\", ${R_TICKS[$1]} * 1000000 / $CLK_TCK / (${R_REQ[$1]} > 0 ? ${R_REQ[$1]} : 1)"
}
rss_mb() { [ -n "$(hop_pids "${1%%|*}")" ] || { echo n/a; return; }; calc "printf \"%.0f\", ${R_RSS[$1]} / 1024"; }
added() {   # p50 of $1 minus p50 of $2, in ms
  [ -n "${R_P50[$2]:-}" ] || { echo n/a; return; }
  calc "printf \"%+.3f\", (${R_P50[$1]} - ${R_P50[$2]}) / 1000"
}

# The ratios' loads over both rounds: requests, time and CPU summed under "<first round's key>$BOTH".
BOTH=", both rounds"
for k in "${ROWS[@]}"; do
  case "$k" in *"$AGAIN") ;; *) continue ;; esac
  first=${k%"$AGAIN"}
  [ -n "${R_REQ[$first]:-}" ] || continue
  R_REQ[$first$BOTH]=$(( ${R_REQ[$first]} + ${R_REQ[$k]} ))
  R_DUR[$first$BOTH]=$(( ${R_DUR[$first]} + ${R_DUR[$k]} ))
  R_TICKS[$first$BOTH]=$(( ${R_TICKS[$first]} + ${R_TICKS[$k]} ))
done

# Errors: every row and warm-up of this run but the baseline's (RUN_ERR), the baseline's
# (BASE_ERR), and Detour's on the shipped defaults (DEFAULTS_ERR, a part of RUN_ERR).
RUN_ERR=0
BASE_ERR=0
DEFAULTS_ERR=0
count_errors() {   # hop, errors
  if is_baseline "$1"; then BASE_ERR=$(( BASE_ERR + $2 )); else RUN_ERR=$(( RUN_ERR + $2 )); fi
  [ "$1" = detour-defaults ] && DEFAULTS_ERR=$(( DEFAULTS_ERR + $2 ))
  return 0
}
for k in "${ROWS[@]}"; do count_errors "${k%%|*}" "${R_ERR[$k]}"; done
for h in "${!WARM_ERR[@]}"; do count_errors "$h" "${WARM_ERR[$h]}"; done
err_cell() { [ "${R_ERR[$1]}" -eq 0 ] && echo 0 || echo "**${R_ERR[$1]}**"; }
FAILS=0

mkdir -p "$(dirname "$OUT")"
{
  echo "## Detour benchmark ($MODE)"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
  echo "- Load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
  echo "- Hop under test on CPU $HOP_CPU; wrk and the fake upstream (nginx) on CPU $LOAD_CPU; nice $NICE; loopback only"
  echo "- $("$(java_bin)" -version 2>&1 | head -1); JAVA_OPTS: \`$DETOUR_JAVA_OPTS\`; $("$NGINX" -v 2>&1 | sed 's/.*: //'); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "- detour: $DETOUR_DIR on bench/detour.yaml (the default detectors with latency ratios it cannot reach); detour-defaults: the same distribution on bench/detour-defaults.yaml, the shipped defaults (one provider, one route, detectors [latency, errors] and every other setting as shipped)"
  if [ -n "$BASELINE_DIR" ]; then
    echo "- baseline, baseline-defaults: $BASELINE_DIR on the same two configs, measured in every load right before its counterpart; JAVA_OPTS: \`$BASE_JAVA_OPTS\`"
  fi
  echo "- Each load: ${DURATION}s after a ${WARMUP}s warm-up; closed loop with wrk -t1; the fixed rate is $RATE req/s over $RATE_CONNS connections (wrk delay(), see load.lua); streams are 20 chunks, latency is to the last byte"
  [ "$AWAKE_OK" = 1 ] && echo "- \"$AWAKE\": that load again with /dev/cpu_dma_latency held at 0, so that idle CPUs poll instead of halting (a halted virtual CPU takes tens of µs to wake, for every hop alike)"
  [ -n "$RATIO_CONNS" ] && echo "- \"$AGAIN\" (non-stream at $(echo $RATIO_CONNS | sed 's/ / and /g') connections): that load again after the first round, for the CPU and throughput ratios, which are taken over both rounds"
  [ "$CROSS_OK" = 1 ] && echo "- direct-xcpu: direct, with a second fake upstream on the hop's CPU (CPU $HOP_CPU): what crossing between the CPUs costs at the fixed rate, without any hop"
  echo "- Added p50 = this hop's p50 minus direct's (or nginx's) in the same load; CPU = the hop's utime+stime per request (/proc/PID/stat); RSS after the load"
  echo "- Errors: answers with a status of 400 or more (wrk's \"Non-2xx or 3xx responses\") plus socket errors and timeouts; req/s and latencies count every answer, errors included, so a row with errors measures nothing and every figure taken while any row of this run had one is a fail"
  echo
  echo "| hop | load | req/s | p50 ms | p90 ms | p99 ms | +p50 vs direct ms | +p50 vs nginx ms | CPU µs/req | RSS MB | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for load in "${LOADS[@]}"; do
    for hop in $(load_hops "$load"); do
      k="$hop|$load"
      vs_direct=$(added "$k" "direct|$load")
      vs_nginx=$(added "$k" "nginx|$load")
      [ "$hop" = direct ] && vs_direct="—" && vs_nginx="—"
      [ "$hop" = direct-xcpu ] && vs_nginx="—"
      [ "$hop" = nginx ] && vs_nginx="—"
      echo "| $hop | $load | $(rps "$k") | $(ms "${R_P50[$k]}") | $(ms "${R_P90[$k]}") | $(ms "${R_P99[$k]}") | $vs_direct | $vs_nginx | $(cpu_us "$k") | $(rss_mb "$k") | $(err_cell "$k") |"
    done
  done
  echo
  echo "Failover paths ($(echo $FO_HOPS | sed 's/ / and /'), 1 connection, closed loop; the backup is the same fake upstream):"
  echo
  echo "| scenario | req/s | p50 ms | p90 ms | p99 ms | +p50 vs healthy ms | CPU µs/req | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for row in ${FO_ROWS[@]+"${FO_ROWS[@]}"}; do
    label=${row%%|*}
    base=${row#*|}
    for hop in $FO_HOPS; do
      k=$(fo_key "$hop" "$label")
      if [ -n "$base" ]; then extra=$(added "$k" "$(fo_key "$hop" "$base")"); else extra="—"; fi
      shown=$label
      [ "$hop" = baseline ] && shown="$label (baseline)"
      echo "| $shown | $(rps "$k") | $(ms "${R_P50[$k]}") | $(ms "${R_P90[$k]}") | $(ms "${R_P99[$k]}") | $extra | $(cpu_us "$k") | $(err_cell "$k") |"
    done
  done
  echo
  echo "Cold start, exec of bin/detour to the first 200 on /readyz, every bundled plugin loaded ($(ls "$DETOUR_DIR/plugins" | grep -c '\.jar$') plugin jars): **$COLD_1CPU ms** pinned to one CPU, $COLD_2CPU ms on two. Stop, SIGTERM to exit with nothing in flight: $STOP_MS ms."
  if [ -n "$BASELINE_DIR" ]; then
    echo "The baseline ($(ls "$BASELINE_DIR/plugins" | grep -c '\.jar$') plugin jars): $BASE_COLD_1CPU ms pinned to one CPU, $BASE_COLD_2CPU ms on two; stop $BASE_STOP_MS ms."
  fi
  echo
  # The issue's figures, from this run.
  max_rss=0
  for k in "${ROWS[@]}"; do
    case "$k" in detour\|*|detour-defaults\|*|failover\|*) [ "${R_RSS[$k]}" -gt "$max_rss" ] && max_rss=${R_RSS[$k]} ;; esac
  done
  CHECK_ROWS=()   # the rows the next figure is taken from
  check() {   # label, value, ok(1|0|na), [always]: one figure; it fails whatever its value when any
    local verdict=fail errs=$RUN_ERR k  # row of this run, or a baseline row it is taken from, had errors
    [ "$3" = 1 ] && verdict=pass
    [ "$3" = na ] && verdict="n/a ($MODE)"
    # A smoke run's loads are too short for a warm JVM: it judges nothing but errors.
    [ "$MODE" = smoke ] && [ "$3" != na ] && [ "${4:-}" != always ] && verdict="not judged ($MODE)"
    for k in ${CHECK_ROWS[@]+"${CHECK_ROWS[@]}"}; do
      is_baseline "${k%%|*}" && errs=$(( errs + ${R_ERR[$k]:-0} ))
    done
    if [ "$3" != na ] && [ "$errs" -gt 0 ]; then
      verdict="**fail**: $errs errors in the rows (see Errors)"
    fi
    case "$verdict" in fail|\*\*fail*) FAILS=$(( FAILS + 1 )) ;; esac
    CHECK_ROWS=()
    echo "| $1 | $2 | $verdict |"
  }
  err_check() {   # label, count: an errors figure passes at 0 only, in every mode
    local verdict=pass
    [ "$2" -gt 0 ] && verdict="**fail**" && FAILS=$(( FAILS + 1 ))
    echo "| $1 | $2 | $verdict |"
  }
  ratio_check() {   # label, numerator key, denominator key, kind(cpu|rps), limit, direction(le|ge)
    local a b v ok ka=$2 kb=$3 rounds=""
    if [ -z "${R_REQ[$ka]:-}" ] || [ -z "${R_REQ[$kb]:-}" ]; then check "$1" n/a na; return; fi
    CHECK_ROWS=("$ka" "$kb")
    if [ -n "${R_REQ[$ka$BOTH]:-}" ] && [ -n "${R_REQ[$kb$BOTH]:-}" ]; then
      CHECK_ROWS+=("$ka$AGAIN" "$kb$AGAIN")
      ka="$ka$BOTH"; kb="$kb$BOTH"; rounds=" (both rounds)"
    fi
    if [ "$4" = cpu ]; then a=$(cpu_us "$ka"); b=$(cpu_us "$kb"); else a=$(rps "$ka"); b=$(rps "$kb"); fi
    if [ "$(calc "print ($b > 0) ? 1 : 0")" != 1 ]; then check "$1" "$a / $b" 0; return; fi
    v=$(calc "printf \"%.2f\", $a / ($b > 0 ? $b : 1)")
    ok=$(calc "print (($v $( [ "$6" = le ] && echo '<=' || echo '>=' ) $5) ? 1 : 0)")
    check "$1" "$a / $b = ${v}×$rounds" "$ok"
  }
  added_check() {   # label, key, limit ms
    local k=$2 base v ok
    base="direct|${k#*|}"
    if [ -z "${R_P50[$k]:-}" ] || [ -z "${R_P50[$base]:-}" ]; then check "$1" n/a na; return; fi
    CHECK_ROWS=("$k" "$base")
    v=$(added "$k" "$base")
    ok=$(calc "print (($v <= $3) ? 1 : 0)")
    check "$1" "$v ms" "$ok"
  }
  echo "| figure (issue target) | measured | verdict |"
  echo "|---|---|---|"
  err_check "errors, every row and warm-up of this run but the baseline's (0)" "$RUN_ERR"
  if [[ " $HOPS " == *" detour-defaults "* ]]; then
    err_check "errors, Detour on its shipped defaults, every load and warm-up (0)" "$DEFAULTS_ERR"
  fi
  [ -n "$BASELINE_DIR" ] && err_check "errors, the baseline's rows and warm-ups (0)" "$BASE_ERR"
  ratio_check "hop CPU per non-stream request, Detour ÷ nginx, 16 conn (≤ 2×)" "detour|non-stream, 16 conn" "nginx|non-stream, 16 conn" cpu 2 le
  ratio_check "hop CPU per non-stream request, Detour ÷ nginx, 64 conn (≤ 2×)" "detour|non-stream, 64 conn" "nginx|non-stream, 64 conn" cpu 2 le
  ratio_check "throughput Detour ÷ nginx, 16 conn (≥ 0.5×)" "detour|non-stream, 16 conn" "nginx|non-stream, 16 conn" rps 0.5 ge
  ratio_check "throughput Detour ÷ nginx, 64 conn (≥ 0.5×)" "detour|non-stream, 64 conn" "nginx|non-stream, 64 conn" rps 0.5 ge
  added_check "added p50 vs direct, 1 conn (≤ 0.15 ms)" "detour|non-stream, 1 conn" 0.15
  added_check "added p50 vs direct, $RATE req/s (≤ 0.15 ms)" "detour|non-stream, $RATE req/s" 0.15
  if [ "$AWAKE_OK" = 1 ]; then
    added_check "added p50 vs direct, $RATE req/s, $AWAKE (≤ 0.15 ms)" "detour|non-stream, $RATE req/s, $AWAKE" 0.15
  else
    echo "| added p50 vs direct, $RATE req/s, $AWAKE (≤ 0.15 ms) | n/a | not measured: /dev/cpu_dma_latency could not be opened (it needs root) |"
  fi
  added_check "added p50 vs direct, whole 20-chunk stream, 1 conn (≤ 0.3 ms)" "detour|stream, 1 conn" 0.3
  # Before/after (issue 12: no regression beyond 3 % on the healthy path), tuned and on defaults.
  if [ -n "$BASELINE_DIR" ]; then
    for pair in "detour baseline Detour baseline" "detour-defaults baseline-defaults Detour-on-defaults baseline-on-defaults"; do
      set -- $pair
      a=$1 b=$2 an=${3//-/ } bn=${4//-/ }
      for c in $CLOSED_CONNS; do
        ratio_check "throughput $an ÷ $bn, non-stream $c conn (≥ 0.97×)" "$a|non-stream, $c conn" "$b|non-stream, $c conn" rps 0.97 ge
      done
      for c in $CLOSED_CONNS; do
        [ "$c" -ge 16 ] || continue
        ratio_check "hop CPU per non-stream request, $an ÷ $bn, $c conn (≤ 1.03×)" "$a|non-stream, $c conn" "$b|non-stream, $c conn" cpu 1.03 le
      done
      for c in $STREAM_CONNS; do
        [ "$c" -ge 16 ] || continue
        ratio_check "throughput $an ÷ $bn, stream $c conn (≥ 0.97×)" "$a|stream, $c conn" "$b|stream, $c conn" rps 0.97 ge
      done
    done
  fi
  check "Detour RSS after the loads (≤ 256 MB)" "$(( max_rss / 1024 )) MB" "$([ $(( max_rss / 1024 )) -le 256 ] && echo 1 || echo 0)"
  check "cold start to /readyz on one CPU (≤ 1500 ms)" "$COLD_1CPU ms" "$([ "$COLD_1CPU" -le 1500 ] && echo 1 || echo 0)"
  echo
  if [ "$RUN_ERR" -gt 0 ] || [ "$BASE_ERR" -gt 0 ]; then
    echo "Errors (every one is an answer a client did not get; wrk's counts and Detour's /admin/targets at the time are kept in the work folder, $WORK):"
    echo
    for k in "${ROWS[@]}"; do
      [ "${R_ERR[$k]}" -gt 0 ] || continue
      echo "- $k: ${R_ERR[$k]} errors, ${R_REQ[$k]} answers in all ($(calc "printf \"%.1f\", ${R_ERR[$k]} * 100 / (${R_REQ[$k]} > 0 ? ${R_REQ[$k]} : 1)") %): ${R_ERRS[$k]}"
    done
    for h in "${!WARM_ERR[@]}"; do
      echo "- $h, warm-ups: ${WARM_ERR[$h]} errors, ${WARM_REQ[$h]} answers in all"
    done
    echo
  fi
  if [ "$FAILS" -eq 0 ]; then
    echo "Verdict: every figure passes, with no error in any row."
  else
    echo "Verdict: **$FAILS figures fail**$([ "$RUN_ERR" -gt 0 ] && echo ", $RUN_ERR errors in this run's rows: no figure of this run stands")."
  fi
} > "$OUT"

cat "$OUT"
log "results written to $OUT"
if [ "$RUN_ERR" -gt 0 ]; then
  log "FAIL: $RUN_ERR errors (non-2xx answers or socket errors) in this run's rows$([ "$DEFAULTS_ERR" -gt 0 ] && echo ", $DEFAULTS_ERR of them Detour's on its shipped defaults"); exit status 3"
  exit 3
fi
