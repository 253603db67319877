#!/usr/bin/env bash
# Drift → alert → retrain on MovieLens 100k, with real processes and the real drift checker:
#   1. import ML-100k into a temp store; DriftMonitor with no champion must not start a retrain;
#   2. `pipeline run --wait` promotes a first champion (v1);
#   3. DriftMonitor with no new events must not start a retrain (the window is the champion's own training data);
#   4. control: 500 new events for 1998-04-23 drawn from ML-100k's own ratings → DriftMonitor must not start a retrain;
#   5. planted drift: 500 events for 1998-04-24, 80 % of them rating Horror titles → DriftMonitor must raise a critical
#      alert and start the singleton RetrainPipeline; a second DriftMonitor returns that same instance (no second retrain);
#   6. `pipeline resume` runs the retrain; its decision is printed.
# Usage: scripts/drift-retrain.sh [DATA_DIR]   (default ../shared/data/ml-100k). Needs a Release build of
# functions/MLOps.Local (built here when missing). Exit code 0 only when every assertion holds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:-$ROOT/../shared/data/ml-100k}
DLL=$ROOT/functions/MLOps.Local/bin/Release/net10.0/mlops.dll
[ -f "$DATA/u.data" ] || { echo "no ML-100k at $DATA (u.data)" >&2; exit 2; }
if [ ! -f "$DLL" ]; then
  . "$ROOT/scripts/build-flags.sh"
  dotnet build "$ROOT/functions/MLOps.Local" -c Release "${BUILD_FLAGS[@]}" -v:q -nologo -clp:ErrorsOnly >&2
fi
WORK=$(mktemp -d /tmp/mlops-drift-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
STORE=$WORK/store
mlops() { dotnet "$DLL" --store "$STORE" "$@"; }
T0=$(date +%s.%N)
elapsed() { python3 -c "import time; print(f'{time.time() - $T0:6.1f} s')"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# The DriftMonitor's result: "<retrainInstanceId or -> <alreadyRunning> <critical>", and its summary on stderr.
monitor() { # label
  mlops pipeline run --orchestration DriftMonitor --wait --json > "$WORK/monitor.json" 2>>"$WORK/log"
  python3 - "$WORK/monitor.json" "$1" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))["output"]
d = out["drift"]
alerts = ", ".join(f"{a['severity']} {a['feature']}" for a in d["alerts"]) or "none"
print(f"  [{sys.argv[2]}] window report {d.get('reportId') or '-'}: {d['driftedFeatures']}/{d['features']} features drifted, "
      f"critical={d['critical']}, alerts: {alerts}{'; ' + d['note'] if d.get('note') else ''}", file=sys.stderr)
print(out.get("retrainInstanceId") or "-", out["retrainAlreadyRunning"], d["critical"])
PY
}
retrains() { python3 -c "
import glob, json
print(sum(1 for p in glob.glob('$STORE/orchestrations/*/instance.json') if json.load(open(p))['name'] == 'RetrainPipeline'))"; }

echo "== 1. import ML-100k ($DATA)"
mlops import movielens-100k "$DATA" --json > /dev/null 2>>"$WORK/log"
read -r id _ critical < <(monitor "no champion")
[ "$id" = "-" ] && [ "$critical" = "False" ] || fail "DriftMonitor without a champion started '$id' (critical=$critical)"
echo "   $(elapsed)  no champion: no critical drift, no retrain"

echo "== 2. first pipeline run"
mlops pipeline run --wait --instance-id first-run --json > "$WORK/first.json" 2>>"$WORK/log"
python3 - "$WORK/first.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["output"]
d = o["decision"]
assert d["outcome"] == "promoted" and d["version"] == 1, d
print(f"   promoted v{d['version']} ({d['candidate']}); steps (s): {o['stepSeconds']}")
PY
echo "   $(elapsed)"

echo "== 3. DriftMonitor, no new events"
read -r id _ critical < <(monitor "no new events")
[ "$id" = "-" ] || fail "DriftMonitor with no new events started '$id'"
echo "   $(elapsed)  no retrain"

echo "== 4. control: 500 events on 1998-04-23 drawn from ML-100k's own ratings"
python3 "$ROOT/scripts/ml100k_events.py" "$DATA" 1998-04-23 500 1 > "$WORK/control.ndjson"
mlops import events "$WORK/control.ndjson" --format ndjson --json > /dev/null 2>>"$WORK/log"
read -r id _ critical < <(monitor "control")
[ "$id" = "-" ] && [ "$critical" = "False" ] || fail "DriftMonitor on undrifted new events started '$id' (critical=$critical)"
echo "   $(elapsed)  no critical drift, no retrain"

echo "== 5. planted drift: 500 events on 1998-04-24, 80 % rating Horror titles"
python3 "$ROOT/scripts/ml100k_events.py" "$DATA" 1998-04-24 500 2 --genre Horror --share 0.8 > "$WORK/drift.ndjson"
mlops import events "$WORK/drift.ndjson" --format ndjson --json > /dev/null 2>>"$WORK/log"
read -r id running critical < <(monitor "planted drift")
[ "$critical" = "True" ] || fail "planted drift was not judged critical"
[ "$id" = "retrain-singleton" ] && [ "$running" = "False" ] || fail "DriftMonitor did not start the singleton retrain (got '$id', alreadyRunning=$running)"
echo "   $(elapsed)  critical drift: started RetrainPipeline $id"
mlops drift alerts --status open --json > "$WORK/alerts.json" 2>>"$WORK/log"
python3 - "$WORK/alerts.json" <<'PY'
import json, sys
alerts = [a for a in json.load(open(sys.argv[1]))["alerts"] if a["evidence"]["window"] == "1998-04-24"]
assert any(a["severity"] == "critical" for a in alerts), "no critical alert for the drifted window"
for a in alerts:
    e = a["evidence"]
    top = "; ".join(f"{b['bin']} {b['reference']:.1%}→{b['current']:.1%}" for b in e.get("topBins") or [])
    print(f"   alert {a['kind']} {a['subject']}: {a['severity']}, {e['method']} {e['score']:.4f} (threshold {e['threshold']}),"
          f" PSI {e.get('psi') if e.get('psi') is None else round(e['psi'], 4)}{'; ' + top if top else ''}")
PY
read -r id2 running2 _ < <(monitor "again, retrain pending")
[ "$id2" = "retrain-singleton" ] && [ "$running2" = "True" ] || fail "second DriftMonitor: '$id2' alreadyRunning=$running2 (expected the running singleton)"
[ "$(retrains)" = 2 ] || fail "$(retrains) RetrainPipeline instances (expected the first run and one retrain)"
echo "   $(elapsed)  second DriftMonitor returned the pending retrain; RetrainPipeline instances: first-run + retrain-singleton"

echo "== 6. run the retrain (pipeline resume)"
mlops pipeline resume --json > /dev/null 2>>"$WORK/log"
mlops pipeline status retrain-singleton --json > "$WORK/retrain.json" 2>>"$WORK/log"
python3 - "$WORK/retrain.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["runtimeStatus"].lower() == "completed", s["runtimeStatus"]
o = s["output"]
print(f"   RetrainPipeline retrain-singleton: {s['runtimeStatus']}, trigger {o['trigger']}, steps (s): {o['stepSeconds']}")
for line in o["summary"]:
    print("     " + line)
PY
echo "   $(elapsed)  done"
