#!/usr/bin/env bash
# Deletes one environment: its resource group (everything in it) and, after that, purges the soft-deleted
# Azure OpenAI account so the name can be reused.   infra/teardown.sh ENV [--yes]
# prod asks for the environment name to be typed unless --yes is given.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: infra/teardown.sh dev|test|prod [--yes]" >&2; exit 2; }
ENV_NAME=$1
YES=${2:-}
[ -z "$YES" ] || [ "$YES" = --yes ] || { echo "usage: infra/teardown.sh dev|test|prod [--yes]" >&2; exit 2; }
[ -f "$ROOT/bicep/params/$ENV_NAME.bicepparam" ] || { echo "unknown environment $ENV_NAME" >&2; exit 2; }
command -v az >/dev/null || { echo "the Azure CLI (az) is required" >&2; exit 1; }
DEPLOYMENT="mlops-$ENV_NAME"
RG=$(az deployment sub show --name "$DEPLOYMENT" --query properties.outputs.AZURE_RESOURCE_GROUP.value -o tsv 2>/dev/null || echo "rg-mlops-$ENV_NAME")
az group show --name "$RG" >/dev/null 2>&1 || { echo "resource group $RG does not exist: nothing to delete"; exit 0; }
if [ "$YES" != "--yes" ]; then
  if [ "$ENV_NAME" = prod ] || [ -t 0 ]; then
    read -r -p "Delete resource group $RG and everything in it (models, features, audit)? Type '$ENV_NAME' to confirm: " answer
    [ "$answer" = "$ENV_NAME" ] || { echo "not confirmed: nothing deleted"; exit 1; }
  fi
fi
OPENAI=$(az resource list --resource-group "$RG" --resource-type Microsoft.CognitiveServices/accounts --query "[].{n:name,l:location}" -o tsv)
echo "deleting resource group $RG"
az group delete --name "$RG" --yes
while read -r name location; do
  [ -n "$name" ] || continue
  echo "purging soft-deleted Azure OpenAI account $name"
  az cognitiveservices account purge --name "$name" --resource-group "$RG" --location "$location" || true
done <<<"$OPENAI"
az deployment sub delete --name "$DEPLOYMENT" >/dev/null 2>&1 || true
echo "environment $ENV_NAME removed"
