#!/usr/bin/env bash
# Kill test for the embedded runner: kill -9 the process at random points of a RetrainPipeline run, N rounds.
# Each round: fresh copy of a prepared store -> `mlops pipeline run --wait` in the background -> kill -9 after a random
# delay in (0, T0) where T0 is an uninterrupted run's time -> `mlops pipeline resume` -> checks:
#   the instance Completed with the uninterrupted run's decision; exactly one model version; exactly one champion
#   alias change in the audit log; one notification; no duplicated or lost events (event blobs unchanged).
# Usage: scripts/kill-test.sh [ROUNDS] [DATA_DIR]   (DATA_DIR: MovieLens 100k folder; default ../shared/data/ml-100k,
#        else a synthetic dataset from `mlops generate`). Prints one line per round and "N passed, M failed".
set -uo pipefail
ROUNDS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${2:-$ROOT/../shared/data/ml-100k}
WORK=$(mktemp -d /tmp/mlops-kill-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FLAGS=(-p:RestoreAdditionalProjectSources=$ROOT/../shared/nuget -p:_FunctionsBuildEnabled=false)

echo "building mlops (Release)..." >&2
dotnet build "$ROOT/functions/MLOps.Local" -c Release "${FLAGS[@]}" -v:q -nologo -clp:ErrorsOnly >&2 || exit 1
MLOPS=(dotnet "$ROOT/functions/MLOps.Local/bin/Release/net10.0/mlops.dll")

echo "preparing the base store..." >&2
BASE=$WORK/base
if [ -f "$DATA/u.data" ]; then
  "${MLOPS[@]}" --store "$BASE" import movielens-100k "$DATA" --json >/dev/null || exit 1
else
  "${MLOPS[@]}" generate --out "$WORK/gen" --users 500 --items 300 --events 30000 --days 30 --seed 7 >&2 || exit 1
  for f in "$WORK"/gen/*; do :; done
  "${MLOPS[@]}" --store "$BASE" import events "$WORK/gen/events.ndjson" --format ndjson --json >/dev/null || exit 1
  [ -f "$WORK/gen/catalog.ndjson" ] && "${MLOPS[@]}" --store "$BASE" import catalog "$WORK/gen/catalog.ndjson" --json >/dev/null
fi
events_digest() { (cd "$1" && find events -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
BASE_EVENTS=$(events_digest "$BASE")

echo "uninterrupted reference run..." >&2
cp -r "$BASE" "$WORK/ref"
start=$(date +%s.%N)
"${MLOPS[@]}" --store "$WORK/ref" pipeline run --wait --instance-id kill-ref --json > "$WORK/ref.json" 2>"$WORK/ref.log" || { cat "$WORK/ref.log" >&2; exit 1; }
T0=$(python3 -c "import time; print(max(1.0, time.time() - $start))")
REF_DECISION=$(python3 -c "import json,sys; o=json.load(open('$WORK/ref.json'))['output']; print(o['decision']['outcome'], o['decision'].get('version'))")
echo "reference: ${T0%.*} s, decision: $REF_DECISION" >&2

check() { # store instance -> prints "ok ..." or "FAIL ..."
  python3 - "$1" "$2" "$REF_DECISION" <<'PY'
import json, os, sys, glob
store, instance, ref = sys.argv[1], sys.argv[2], sys.argv[3]
rec = json.load(open(f"{store}/orchestrations/{instance}/instance.json"))
problems = []
if str(rec["runtimeStatus"]).lower() != "completed": problems.append(f"status {rec['runtimeStatus']}")
out = rec.get("output") or {}
d = out.get("decision", {})
if f"{d.get('outcome')} {d.get('version')}" != ref: problems.append(f"decision {d.get('outcome')} {d.get('version')} != {ref}")
versions = glob.glob(f"{store}/models/recommender/versions/*/manifest.json")
promoted = ref.startswith("promoted")
if len(versions) != (1 if promoted else 0): problems.append(f"{len(versions)} model versions")
audit = glob.glob(f"{store}/models/recommender/audit/champion/*.json")
if len(audit) != (1 if promoted else 0): problems.append(f"{len(audit)} champion audit entries")
notes = glob.glob(f"{store}/notifications/*.json")
if len(notes) != 1: problems.append(f"{len(notes)} notifications")
steps = [e for e in rec["history"] if e["type"] == "taskScheduled"]
done = [e for e in rec["history"] if e["type"] in ("taskCompleted", "taskFailed")]
if len({e["taskId"] for e in steps}) != len(steps) or len({e["taskId"] for e in done}) != len(done): problems.append("duplicated history steps")
print(("FAIL " + "; ".join(problems)) if problems else f"ok ({len(steps)} activities, decision {ref})")
PY
}

passed=0; failed=0
for round in $(seq 1 "$ROUNDS"); do
  store=$WORK/r$round
  rm -rf "$store"; cp -r "$BASE" "$store"
  delay=$(python3 -c "import random; print(round(random.uniform(0.3, $T0 * 0.97), 2))")
  "${MLOPS[@]}" --store "$store" pipeline run --wait --instance-id "kill-$round" --json >/dev/null 2>"$WORK/run$round.log" &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  step=$(python3 -c "import json; r=json.load(open('$store/orchestrations/kill-$round/instance.json')); print((r.get('customStatus') or {}).get('step','(not started)'), r['runtimeStatus'])" 2>/dev/null || echo "(no instance yet)")
  if [ ! -f "$store/orchestrations/kill-$round/instance.json" ]; then
    "${MLOPS[@]}" --store "$store" pipeline run --wait --instance-id "kill-$round" --json >/dev/null 2>>"$WORK/run$round.log"
  else
    "${MLOPS[@]}" --store "$store" pipeline resume --json >/dev/null 2>>"$WORK/run$round.log"
  fi
  verdict=$(check "$store" "kill-$round")
  [ "$(events_digest "$store")" = "$BASE_EVENTS" ] || verdict="FAIL events changed; $verdict"
  printf 'round %2d: killed after %5.2f s at [%s] -> %s\n' "$round" "$delay" "$step" "$verdict"
  if [[ $verdict == ok* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); tail -5 "$WORK/run$round.log" >&2; fi
  rm -rf "$store"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
