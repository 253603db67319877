#!/usr/bin/env bash
# Smoke test of a deployed (or local) host:  infra/smoke.sh BASE_URL [MLOPS_STORE]
# 1. GET /health answers 200 within 5 minutes (a cold Flex Consumption start plus package load takes a while).
# 2. With a store (the caller's Entra identity needs Storage Blob Data Contributor on it): creates an admin key that
#    expires in an hour through the CLI (and revokes it on exit), reads the OpenAPI document and the instance list,
#    then runs an orchestration end to end: Purge with a retention of 36500 days (POST /api/orchestrations/Purge ->
#    202), which exercises the orchestration engine, its activities and the store but can delete nothing younger
#    than a century, and polls its status until Completed (MLOPS_SMOKE_RUN_TIMEOUT, default 300 s).
#    Not RetrainPipeline: on a new environment it fails for want of events (a Sev 1 page), and with events it can
#    promote a model in prod without anyone deciding to. MLOPS_SMOKE_KEY, when set, is used instead of a new key.
set -euo pipefail
URL=${1:?usage: infra/smoke.sh BASE_URL [MLOPS_STORE]}; URL=${URL%/}
STORE=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[smoke] %s\n' "$*" >&2; }

deadline=$((SECONDS + ${MLOPS_SMOKE_TIMEOUT:-300}))
until code=$(curl -s -o /tmp/mlops-smoke-health.json -w '%{http_code}' --max-time 20 "$URL/health") && [ "$code" = 200 ]; do
  [ $SECONDS -lt $deadline ] || { log "FAIL: GET $URL/health answered ${code:-nothing} for ${MLOPS_SMOKE_TIMEOUT:-300} s"; exit 1; }
  sleep 10
done
log "GET /health -> 200 $(head -c 200 /tmp/mlops-smoke-health.json)"

KEY=${MLOPS_SMOKE_KEY:-}
mlops() { dotnet run --no-build --project "$ROOT/functions/MLOps.Local" -c Release -- "$@"; }
if [ -z "$KEY" ] && [ -n "$STORE" ]; then
  # Built once, outside the retry below: a build failure retried ten times would be blamed on role assignments.
  dotnet build "$ROOT/functions/MLOps.Local" -c Release -v:q -nologo >/tmp/mlops-smoke-build.log 2>&1 \
    || { log "FAIL: could not build the CLI (functions/MLOps.Local); see /tmp/mlops-smoke-build.log"; exit 1; }
  log "creating an admin key in $STORE that expires in 1 h (needs Storage Blob Data Contributor for the signed-in identity)"
  # Role assignments made by the deployment a moment ago can take minutes to apply: retry for up to 5 minutes.
  for attempt in $(seq 1 10); do
    json=$(mlops keys create --role admin --expires-in 1h --note "smoke test $(date -u +%FT%TZ)" --store "$STORE" --json) && break
    [ "$attempt" -lt 10 ] || { log "FAIL: could not create a key in the store (give this identity Storage Blob Data Contributor: AZURE_PRINCIPAL_ID)"; exit 1; }
    log "key creation failed (attempt $attempt); role assignments may still be applying, retrying in 30 s"; sleep 30
  done
  KEY=$(sed -nE 's/.*"key" *: *"([^"]+)".*/\1/p' <<<"$json")
  KEY_ID=$(sed -nE 's/.*"keyId" *: *"([^"]+)".*/\1/p' <<<"$json")
  trap 'mlops keys revoke "$KEY_ID" --store "$STORE" >/dev/null && log "revoked the smoke key $KEY_ID" || log "WARN: could not revoke the smoke key $KEY_ID (it expires within the hour)"' EXIT
fi
if [ -z "$KEY" ]; then log "no key and no store: API and orchestration checks skipped"; exit 0; fi

get() { # get PATH EXPECTED_CODE: GET with the key, the body in /tmp/mlops-smoke-get.json
  local code
  code=$(curl -s -o /tmp/mlops-smoke-get.json -w '%{http_code}' --max-time 60 -H "x-api-key: $KEY" "$URL$1")
  [ "$code" = "$2" ] || { log "FAIL: GET $1 -> $code (expected $2) $(head -c 500 /tmp/mlops-smoke-get.json)"; exit 1; }
  log "GET $1 -> $code"
}
get /openapi/v1.json 200
get /api/orchestrations/instances 200

code=$(curl -s -o /tmp/mlops-smoke-start.json -D /tmp/mlops-smoke-start.headers -w '%{http_code}' --max-time 60 \
  -X POST -H "x-api-key: $KEY" -H 'content-type: application/json' -d '{"retentionDays":36500}' "$URL/api/orchestrations/Purge")
[ "$code" = 202 ] || { log "FAIL: POST /api/orchestrations/Purge -> $code $(head -c 500 /tmp/mlops-smoke-start.json)"; exit 1; }
id=$(sed -nE 's/.*"id" *: *"([^"]+)".*/\1/p' /tmp/mlops-smoke-start.json | head -1)
[ -n "$id" ] || { log "FAIL: POST /api/orchestrations/Purge -> 202 without an instance id: $(head -c 500 /tmp/mlops-smoke-start.json)"; exit 1; }
log "POST /api/orchestrations/Purge -> 202 (instance $id)"

deadline=$((SECONDS + ${MLOPS_SMOKE_RUN_TIMEOUT:-300}))
while :; do
  # Not `get`: it exits on any other code, and one transient 5xx or timeout while polling must not fail a deploy.
  code=$(curl -s -o /tmp/mlops-smoke-get.json -w '%{http_code}' --max-time 30 -H "x-api-key: $KEY" "$URL/api/orchestrations/instances/$id" || true)
  status=""
  [ "$code" = 200 ] && status=$(sed -nE 's/.*"runtimeStatus" *: *"([^"]+)".*/\1/p' /tmp/mlops-smoke-get.json | head -1)
  case $status in
    Completed) log "Purge $id: Completed $(head -c 300 /tmp/mlops-smoke-get.json)"; break ;;
    Failed|Terminated) log "FAIL: Purge $id ended $status: $(head -c 800 /tmp/mlops-smoke-get.json)"; exit 1 ;;
  esac
  [ $SECONDS -lt $deadline ] || { log "FAIL: Purge $id still '${status:-unknown}' after ${MLOPS_SMOKE_RUN_TIMEOUT:-300} s (last status answer: HTTP ${code:-none})"; exit 1; }
  sleep 5
done
log "PASS"
