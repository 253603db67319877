#!/usr/bin/env bash
# Smoke test of a deployed (or local) host:  infra/smoke.sh BASE_URL [MLOPS_STORE]
# 1. GET /health answers 200 within 5 minutes (a cold Flex Consumption start plus package load takes a while).
# 2. With a store (the caller's Entra identity needs Storage Blob Data Contributor on it): creates a short-lived
#    admin key through the CLI, starts RetrainPipeline (POST /api/orchestrations/RetrainPipeline -> 202) and reads
#    its status URL once. MLOPS_SMOKE_KEY, when set, is used instead of creating a key.
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
if [ -z "$KEY" ] && [ -n "$STORE" ]; then
  log "creating an admin key in $STORE (needs Storage Blob Data Contributor for the signed-in identity)"
  json=$(dotnet run --project "$ROOT/functions/MLOps.Local" -c Release -- keys create --role admin --store "$STORE" --json) \
    || { log "FAIL: could not create a key in the store (give this identity Storage Blob Data Contributor: AZURE_PRINCIPAL_ID)"; exit 1; }
  KEY=$(sed -nE 's/.*"key" *: *"([^"]+)".*/\1/p' <<<"$json")
fi
if [ -z "$KEY" ]; then log "no key and no store: pipeline start skipped"; exit 0; fi

code=$(curl -s -o /tmp/mlops-smoke-start.json -D /tmp/mlops-smoke-start.headers -w '%{http_code}' --max-time 60 \
  -X POST -H "x-api-key: $KEY" -H 'content-type: application/json' -d '{}' "$URL/api/orchestrations/RetrainPipeline")
[ "$code" = 202 ] || { log "FAIL: POST /api/orchestrations/RetrainPipeline -> $code $(head -c 500 /tmp/mlops-smoke-start.json)"; exit 1; }
status=$(sed -nE 's/^[Ll]ocation: *([^[:space:]]+).*/\1/p' /tmp/mlops-smoke-start.headers | head -1)
log "POST /api/orchestrations/RetrainPipeline -> 202 (status: ${status:-see body})"
if [ -n "$status" ]; then
  case $status in http*) ;; *) status="$URL$status" ;; esac
  code=$(curl -s -o /tmp/mlops-smoke-status.json -w '%{http_code}' --max-time 30 -H "x-api-key: $KEY" "$status")
  log "GET status -> $code $(head -c 300 /tmp/mlops-smoke-status.json)"
  case $code in 200|202) ;; *) log "FAIL: status URL answered $code"; exit 1 ;; esac
fi
log "PASS"
