#!/usr/bin/env bash
# Serving benchmark (docs/serving.md "Benchmark"): the ML-100k champion behind `mlops serve`, wrk on loopback.
# Every throughput is a ratio to /health of the same server in the same run (the machine is shared and noisy).
#   load:  2 threads, 32 connections, DURATION s per endpoint (after a warm-up)  -> recs >= 50 %, search >= 30 % of /health
#   light: 1 thread, 4 connections                                            -> recs p99 <= 2 x /health p99
#   swap:  ten champion swaps during a 30 s wrk run on recommendations          -> 0 non-2xx
#   RSS:   peak resident set of the serving process (VmHWM)                    -> <= 300 MB
# Usage: scripts/bench-serving.sh [--quick]   (env: DURATION, PORT, MLOPS_SHARED_DATA, MODEL_KIND)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-15}
SWAP_SECONDS=30
[ "${1:-}" = "--quick" ] && { DURATION=5; SWAP_SECONDS=12; }
PORT=${PORT:-5191}
KIND=${MODEL_KIND:-ease}
DATA=${MLOPS_SHARED_DATA:-$ROOT/../shared/data}/ml-100k
BENCH=$ROOT/scripts/bench
[ -f "$DATA/u.data" ] || { echo "error: MovieLens 100K not found at $DATA (set MLOPS_SHARED_DATA)" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt)..." >&2
  { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; }; } || { echo "error: wrk is required" >&2; exit 2; }
fi
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

echo "building (Release)..." >&2
. "$ROOT/scripts/build-flags.sh"
dotnet build "$ROOT/functions/MLOps.Local" -c Release "${BUILD_FLAGS[@]}" -v:q -nologo -clp:ErrorsOnly >&2
MLOPS="dotnet $ROOT/functions/MLOps.Local/bin/Release/net10.0/mlops.dll --store $WORK/store"
$MLOPS import movielens-100k "$DATA" >&2
export MLOPS_KEY=$($MLOPS keys create --role read --json | jq -r .key)

# The champion: the ML-100k model served from an artifact blob; the server trains it from the imported events on
# first start (ServingOptions:Bootstrap) and reloads it whenever the blob changes (its ETag is the version).
ARTIFACT=models/recommender/serving.bin
export ServingOptions__ArtifactPath=$ARTIFACT ServingOptions__Bootstrap=$KIND ServingOptions__PollInterval=00:00:00.5
export Logging__LogLevel__Default=Warning
env "Logging__LogLevel__MLOps.Serving.Model.ModelHost=Information" $MLOPS serve --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
  curl -fs "$URL/ready" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$URL/ready" >"$WORK/ready.json" || { echo "error: server never became ready" >&2; cat "$WORK/server.log" >&2; exit 1; }
echo "ready: $(cat "$WORK/ready.json")" >&2

# wrk summary -> "rps p99_ms non2xx"
run() { # threads connections seconds script path
  local out; out=$(wrk -t"$1" -c"$2" -d"$3"s --latency -s "$BENCH/$4" "$URL$5" 2>&1)
  echo "$out" >>"$WORK/wrk.log"
  local rps p99 non
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  non=$(echo "$out" | awk '/Non-2xx/ {print $5}'); non=${non:-0}
  local errs; errs=$(echo "$out" | awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}'); errs=${errs:-0}
  echo "$rps $p99 $((non + errs))"
}

echo "warm-up..." >&2
for s in health.lua recs.lua search.lua; do run 2 32 3 $s / >/dev/null; done

echo "load: 2 threads, 32 connections, ${DURATION}s each..." >&2
read -r H_RPS H_P99 H_ERR < <(run 2 32 "$DURATION" health.lua /health)
read -r R_RPS R_P99 R_ERR < <(run 2 32 "$DURATION" recs.lua /)
read -r S_RPS S_P99 S_ERR < <(run 2 32 "$DURATION" search.lua /)
read -r W_RPS W_P99 W_ERR < <(run 2 32 "$DURATION" rows.lua /)
echo "light: 1 thread, 4 connections..." >&2
read -r HL_RPS HL_P99 HL_ERR < <(run 1 4 "$DURATION" health.lua /health)
read -r RL_RPS RL_P99 RL_ERR < <(run 1 4 "$DURATION" recs.lua /)

echo "swap: 10 champion swaps during ${SWAP_SECONDS}s of load..." >&2
FILE=$WORK/store/$ARTIFACT
VERSION0=$(jq -r .model.version "$WORK/ready.json")
( sleep 2; for i in $(seq 1 10); do
    cp "$FILE" "$FILE.next" && touch -d "+$i seconds" "$FILE.next" && mv "$FILE.next" "$FILE"   # new blob version (new ETag)
    sleep $(( (SWAP_SECONDS - 6) / 10 )).$((RANDOM % 9))
  done ) &
SWAPPER=$!
read -r X_RPS X_P99 X_ERR < <(run 2 32 "$SWAP_SECONDS" recs.lua /)
wait $SWAPPER
sleep 1
SWAPS=$(( $(grep -c "Swapped" "$WORK/server.log" || true) - 1 ))   # the first line is the initial load
curl -fs "$URL/ready" >"$WORK/ready2.json"
VERSION1=$(jq -r .model.version "$WORK/ready2.json")
RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo
echo "| measure | value | target |"
echo "|---|---|---|"
echo "| /health throughput (2t/32c) | $(printf %.0f "$H_RPS") req/s | reference |"
echo "| recommendations throughput | $(printf %.0f "$R_RPS") req/s = $(pct "$R_RPS" "$H_RPS") % of /health | >= 50 % |"
echo "| search throughput | $(printf %.0f "$S_RPS") req/s = $(pct "$S_RPS" "$H_RPS") % of /health | >= 30 % |"
echo "| rows throughput | $(printf %.0f "$W_RPS") req/s = $(pct "$W_RPS" "$H_RPS") % of /health | (no target) |"
echo "| p99 at load: health / recs / search | $H_P99 / $R_P99 / $S_P99 ms | |"
echo "| light load p99: health / recs (1t/4c) | $HL_P99 / $RL_P99 ms = $(awk -v a="$RL_P99" -v b="$HL_P99" 'BEGIN {printf "%.2f", a/b}') x | <= 2 x |"
echo "| errors (non-2xx + socket) in load runs | $((H_ERR + R_ERR + S_ERR + W_ERR + HL_ERR + RL_ERR)) | 0 |"
echo "| swaps during ${SWAP_SECONDS}s run | $SWAPS swaps ($VERSION0 -> $VERSION1), $(printf %.0f "$X_RPS") req/s, non-2xx + socket errors: $X_ERR | 10 swaps, 0 errors |"
echo "| peak RSS of the server | $((RSS_KB / 1024)) MB | <= 300 MB |"
echo "(model: $(jq -c .model "$WORK/ready.json"); raw wrk output: kept only for this run)" >&2
