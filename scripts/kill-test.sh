#!/usr/bin/env bash
# Kill test for the embedded runner: kill -9 the process inside a chosen stage of a RetrainPipeline run, N rounds.
# An uninterrupted reference run gives the decision and each stage's seconds. Round r targets stage r mod 8 of
# refresh-features → tune → train → evaluate → drift-check → decide → publish → notify (so 24 rounds hit every stage 3 times):
# fresh copy of the imported store → `mlops pipeline run --wait` in the background → a watcher polls the instance's
# custom status every 20 ms and, once it shows the target stage, waits a random time inside it (uniform over half the
# stage's reference seconds) and sends SIGKILL → `mlops pipeline resume` → checks:
#   the instance Completed with the reference run's decision; exactly one model version (and no orphaned version
#   claim); exactly one champion alias change, and the champion audit chain is consistent (sequences 1..n, each
#   `from` the previous `to`, the alias pointing at the last `to`); one notification; every scheduled activity completed exactly once and the same
#   activities as the reference run (no duplicated or lost history events); event blobs unchanged.
# Usage: scripts/kill-test.sh [ROUNDS] [DATA_DIR] [SEED]   (ROUNDS default 24; DATA_DIR: MovieLens 100k folder, default
#        ../shared/data/ml-100k, else a synthetic dataset from `mlops generate`; SEED for the random delays, default 1).
#        Prints one line per round and "N passed, M failed"; exit code 1 when any round failed.
set -uo pipefail
ROUNDS=${1:-24}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${2:-$ROOT/../shared/data/ml-100k}
SEED=${3:-1}
STAGES=(refresh-features tune train evaluate drift-check decide publish notify)
WORK=$(mktemp -d /tmp/mlops-kill-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. "$ROOT/scripts/build-flags.sh"

echo "building mlops (Release)..." >&2
dotnet build "$ROOT/functions/MLOps.Local" -c Release "${BUILD_FLAGS[@]}" -v:q -nologo -clp:ErrorsOnly >&2 || exit 1
# A private copy of the build, so a rebuild while the rounds run cannot swap the binary under them.
cp -r "$ROOT/functions/MLOps.Local/bin/Release/net10.0" "$WORK/bin"
MLOPS=(dotnet "$WORK/bin/mlops.dll")

echo "preparing the base store..." >&2
BASE=$WORK/base
if [ -f "$DATA/u.data" ]; then
  "${MLOPS[@]}" --store "$BASE" import movielens-100k "$DATA" --json >/dev/null || exit 1
else
  "${MLOPS[@]}" generate --out "$WORK/gen" --users 500 --items 300 --events 30000 --days 30 --seed 7 >&2 || exit 1
  "${MLOPS[@]}" --store "$BASE" import catalog "$WORK/gen/catalog.ndjson" --json >/dev/null || exit 1
  "${MLOPS[@]}" --store "$BASE" import events "$WORK/gen/events.csv" --json >/dev/null || exit 1
fi
events_digest() { (cd "$1" && find events -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
BASE_EVENTS=$(events_digest "$BASE")

echo "uninterrupted reference run..." >&2
cp -r "$BASE" "$WORK/ref"
start=$(date +%s.%N)
"${MLOPS[@]}" --store "$WORK/ref" pipeline run --wait --instance-id kill-ref --json > "$WORK/ref.json" 2>"$WORK/ref.log" || { cat "$WORK/ref.log" >&2; exit 1; }
T0=$(python3 -c "import time; print(round(time.time() - $start, 1))")
python3 - "$WORK/ref.json" "$WORK/ref" > "$WORK/ref.txt" <<'PY'
import json, sys, collections
o = json.load(open(sys.argv[1]))["output"]
rec = json.load(open(f"{sys.argv[2]}/orchestrations/kill-ref/instance.json"))
names = collections.Counter(e["name"] for e in rec["history"] if e["type"] == "taskScheduled")
print(f"{o['decision']['outcome']} {o['decision'].get('version')}")
print(json.dumps(o["stepSeconds"]))
print(json.dumps(names, sort_keys=True))
PY
REF_DECISION=$(sed -n 1p "$WORK/ref.txt"); REF_STEPS=$(sed -n 2p "$WORK/ref.txt"); REF_ACTIVITIES=$(sed -n 3p "$WORK/ref.txt")
echo "reference: $T0 s wall, decision: $REF_DECISION, stage seconds: $REF_STEPS" >&2

# Waits for the target stage in the instance's custom status, then kills inside it. Prints "<seconds> <stage at kill>".
kill_in_stage() { # store instance pid target seed
  python3 - "$@" "$REF_STEPS" <<'PY'
import json, os, random, signal, sys, time
store, instance, pid, target, seed, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), json.loads(sys.argv[6])
order = ["refresh-features", "tune", "train", "evaluate", "drift-check", "decide", "awaiting-approval", "publish", "notify", "done"]
path, t0 = f"{store}/orchestrations/{instance}/instance.json", time.time()
def step():
    try:
        return (json.load(open(path)).get("customStatus") or {}).get("step")
    except (OSError, ValueError):
        return None   # not written yet, or caught mid-replace
def alive():   # the run is the shell's child, not ours: read its state (an exited, unreaped one is a zombie, "Z")
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
while alive():
    s = step()
    if s in order and order.index(s) >= order.index(target):
        # Inside the stage (or past it, when a short stage fell between two polls: then kill at once).
        # Half the reference duration: stages vary run to run on a shared machine, and a longer wait overshoots short ones.
        if s == target: time.sleep(random.Random(seed).uniform(0, 0.5 * steps.get(target, 0.1)))
        break
    time.sleep(0.02)
if alive():
    os.kill(pid, signal.SIGKILL)
    print(f"{time.time() - t0:.2f} {step() or '(no status)'}")
else:
    print(f"{time.time() - t0:.2f} (finished before the kill)")
PY
}

check() { # store instance -> prints "ok ..." or "FAIL ..."
  python3 - "$1" "$2" "$REF_DECISION" "$REF_ACTIVITIES" <<'PY'
import json, sys, glob, collections
store, instance, ref, ref_activities = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
rec = json.load(open(f"{store}/orchestrations/{instance}/instance.json"))
problems = []
if str(rec["runtimeStatus"]).lower() != "completed": problems.append(f"status {rec['runtimeStatus']}")
d = (rec.get("output") or {}).get("decision", {})
if f"{d.get('outcome')} {d.get('version')}" != ref: problems.append(f"decision {d.get('outcome')} {d.get('version')} != {ref}")
promoted = ref.startswith("promoted")
versions = glob.glob(f"{store}/models/recommender/versions/*/manifest.json")
if len(versions) != (1 if promoted else 0): problems.append(f"{len(versions)} model versions")
claims = glob.glob(f"{store}/models/recommender/versions/*/claim.json")
if len(claims) != len(versions): problems.append(f"{len(claims) - len(versions)} version number(s) claimed but never committed")
audit = sorted((json.load(open(p)) for p in glob.glob(f"{store}/models/recommender/audit/champion/*.json")), key=lambda a: a["sequence"])
if len(audit) != (1 if promoted else 0): problems.append(f"{len(audit)} champion alias changes")
previous = None
for i, a in enumerate(audit, 1):
    if a["sequence"] != i: problems.append(f"audit sequence {a['sequence']} at position {i}")
    if a.get("from") != previous: problems.append(f"audit {i}: from {a.get('from')} but the previous change went to {previous}")
    previous = a.get("to")
try:
    alias = json.load(open(f"{store}/models/recommender/aliases/champion")).get("version")
except OSError:
    alias = None
if alias != previous: problems.append(f"champion alias {alias} but the audit chain ends at {previous}")
notes = glob.glob(f"{store}/notifications/*.json")
if len(notes) != 1: problems.append(f"{len(notes)} notifications")
scheduled = [e for e in rec["history"] if e["type"] == "taskScheduled"]
outcomes = collections.Counter(e["taskId"] for e in rec["history"] if e["type"] in ("taskCompleted", "taskFailed"))
if len({e["taskId"] for e in scheduled}) != len(scheduled): problems.append("an activity scheduled twice")
if any(outcomes[e["taskId"]] != 1 for e in scheduled) or len(outcomes) != len(scheduled): problems.append("an activity without exactly one outcome")
names = collections.Counter(e["name"] for e in scheduled)
if names != collections.Counter(ref_activities): problems.append(f"activities {dict(names)} != reference {ref_activities}")
print(("FAIL " + "; ".join(problems)) if problems else f"ok ({len(scheduled)} activities, decision {ref}, audit chain {len(audit)}→v{alias})")
PY
}

passed=0; failed=0
declare -A stage_rounds=()
for round in $(seq 1 "$ROUNDS"); do
  target=${STAGES[$(( (round - 1) % ${#STAGES[@]} ))]}
  store=$WORK/r$round
  rm -rf "$store"; cp -r "$BASE" "$store"
  "${MLOPS[@]}" --store "$store" pipeline run --wait --instance-id "kill-$round" --json >/dev/null 2>"$WORK/run$round.log" &
  pid=$!
  read -r at killed_in < <(kill_in_stage "$store" "kill-$round" "$pid" "$target" "$((SEED * 1000 + round))")
  wait "$pid" 2>/dev/null
  "${MLOPS[@]}" --store "$store" pipeline resume --json >/dev/null 2>>"$WORK/run$round.log"
  verdict=$(check "$store" "kill-$round")
  [ "$(events_digest "$store")" = "$BASE_EVENTS" ] || verdict="FAIL events changed; $verdict"
  printf 'round %2d: target %-16s killed after %6.2f s at [%s] -> %s\n' "$round" "$target" "$at" "$killed_in" "$verdict"
  [ "$killed_in" = "$target" ] && stage_rounds[$target]=$(( ${stage_rounds[$target]:-0} + 1 ))
  if [[ $verdict == ok* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); tail -5 "$WORK/run$round.log" >&2; fi
  rm -rf "$store"
done
echo "killed inside each stage: $(for s in "${STAGES[@]}"; do printf '%s %s, ' "$s" "${stage_rounds[$s]:-0}"; done)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
