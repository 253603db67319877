#!/usr/bin/env bash
# Stands up (or updates) one environment and publishes the Functions app:
#   infra/deploy.sh ENV [--what-if] [--infra-only] [--package FILE.zip] [--no-smoke]
# ENV is dev | test | prod (bicep/params/ENV.bicepparam). Needs the Azure CLI signed in (`az login`, or
# azure/login with OIDC in .github/workflows/deploy.yml) and, for publishing, the .NET SDK (or --package).
# Environment: AZURE_LOCATION (default swedencentral), AZURE_PRINCIPAL_ID / AZURE_PRINCIPAL_TYPE (who gets
# data access to the store; default: the signed-in user), MLOPS_ALERT_EMAIL, MLOPS_ENABLE_OPENAI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() { echo "usage: infra/deploy.sh dev|test|prod [--what-if] [--infra-only] [--package FILE.zip] [--no-smoke]" >&2; exit 2; }
[ $# -ge 1 ] || usage
ENV_NAME=$1; shift
PARAMS="bicep/params/$ENV_NAME.bicepparam"
[ -f "$PARAMS" ] || { echo "no parameter file $PARAMS (environments: $(ls bicep/params | sed 's/.bicepparam//' | xargs))" >&2; exit 2; }
WHAT_IF=false; INFRA_ONLY=false; PACKAGE=""; SMOKE=true
while [ $# -gt 0 ]; do
  case $1 in
    --what-if) WHAT_IF=true ;;
    --infra-only) INFRA_ONLY=true ;;
    --package) PACKAGE=${2:?--package needs a file}; shift ;;
    --no-smoke) SMOKE=false ;;
    *) usage ;;
  esac
  shift
done
command -v az >/dev/null || { echo "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli" >&2; exit 1; }
az account show >/dev/null 2>&1 || { echo "not signed in: run az login" >&2; exit 1; }

export AZURE_LOCATION=${AZURE_LOCATION:-swedencentral}
if [ -z "${AZURE_PRINCIPAL_ID:-}" ]; then
  # Default operator: the signed-in user (a service principal in CI sets AZURE_PRINCIPAL_ID itself).
  AZURE_PRINCIPAL_ID=$(az ad signed-in-user show --query id -o tsv 2>/dev/null || true)
  export AZURE_PRINCIPAL_ID AZURE_PRINCIPAL_TYPE=${AZURE_PRINCIPAL_TYPE:-User}
fi
DEPLOYMENT="mlops-$ENV_NAME"
log() { printf '[deploy %s] %s\n' "$ENV_NAME" "$*" >&2; }

if $WHAT_IF; then
  log "what-if of $PARAMS in $AZURE_LOCATION (no change is made)"
  az deployment sub what-if --name "$DEPLOYMENT" --location "$AZURE_LOCATION" --parameters "$PARAMS" --result-format FullResourcePayloads
  exit 0
fi

log "deploying infrastructure ($PARAMS, $AZURE_LOCATION)"
az deployment sub create --name "$DEPLOYMENT" --location "$AZURE_LOCATION" --parameters "$PARAMS" -o none
out() { az deployment sub show --name "$DEPLOYMENT" --query "properties.outputs.$1.value" -o tsv; }
RG=$(out AZURE_RESOURCE_GROUP); APP=$(out AZURE_FUNCTION_APP_NAME); URL=$(out SERVICE_API_URI); STORE=$(out MLOPS_STORE)
log "resource group $RG, function app $APP, $URL"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "resource_group=$RG"; echo "function_app=$APP"; echo "url=$URL"; echo "store=$STORE"; } >>"$GITHUB_OUTPUT"
fi
$INFRA_ONLY && { log "infrastructure only: done"; exit 0; }

if [ -z "$PACKAGE" ]; then
  log "publishing functions/MLOps.Functions (Release, linux-x64)"
  rm -rf out/functions && mkdir -p out
  dotnet publish functions/MLOps.Functions -c Release -r linux-x64 --self-contained false -o out/functions -v:q -nologo
  (cd out/functions && zip -qr ../functions.zip .)
  PACKAGE=out/functions.zip
fi
log "deploying package $PACKAGE ($(du -h "$PACKAGE" | cut -f1)) to $APP"
az functionapp deployment source config-zip --resource-group "$RG" --name "$APP" --src "$PACKAGE" -o none

if $SMOKE; then
  "$ROOT/infra/smoke.sh" "$URL" "$STORE"
fi
log "done: $URL"
