#!/usr/bin/env bash
# Lints the infrastructure and the CI/CD workflows; fails on any error or warning.
#   bicep build + bicep lint on bicep/ (the Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64,
#   restored into .tools/nuget) and every parameter file; @action-validator/cli (npm, into .tools/) on
#   .github/workflows/*.yml; infra/check-alerts.js (alert rules vs runbook and code); infra/check-workflows.js (OIDC token
#   lifetime vs the smoke test). Idempotent: tools are installed once, then reused (a second run takes seconds).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BICEP_VERSION=$(sed -nE 's:.*<BicepVersion>([^<]+)</BicepVersion>.*:\1:p' infra/tools/bicep.csproj)
ACTION_VALIDATOR_VERSION=0.6.0
BICEP="$ROOT/.tools/nuget/azure.bicep.commandline.linux-x64/$BICEP_VERSION/tools/bicep"
VALIDATOR="$ROOT/.tools/action-validator/node_modules/.bin/action-validator"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
problems=0
fail() { echo "lint FAIL: $*"; problems=$((problems + 1)); }

# --- alert rules vs runbook, code and metric catalogue (sources only: runs before and without any tool install)
node infra/check-alerts.js || fail "alert rules vs docs/runbook.md and the code's metrics (infra/check-alerts.js)"
node infra/check-workflows.js || fail "deploy jobs fetch the smoke test's storage token right after azure/login (infra/check-workflows.js)"

# --- tools (installed only when absent)
if [ ! -x "$BICEP" ]; then
  echo "restoring Bicep CLI $BICEP_VERSION (NuGet Azure.Bicep.CommandLine.linux-x64) into .tools/nuget"
  dotnet restore infra/tools/bicep.csproj --packages "$ROOT/.tools/nuget" -v:q -nologo >/tmp/mlops-bicep-restore.log 2>&1 \
    || { cat /tmp/mlops-bicep-restore.log; echo "lint FAIL: cannot restore the Bicep CLI"; exit 1; }
  chmod +x "$BICEP"
fi
if [ ! -x "$VALIDATOR" ]; then
  echo "installing @action-validator/cli@$ACTION_VALIDATOR_VERSION from npm into .tools/action-validator"
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools/action-validator" "@action-validator/cli@$ACTION_VALIDATOR_VERSION" >/dev/null 2>&1 \
    || { echo "lint FAIL: cannot install @action-validator/cli"; exit 1; }
fi


# --- Bicep: build the template and every parameter file (into a temp dir: nothing is written into bicep/),
#     lint every .bicep file (main + modules). One process each: the CLI takes seconds to start on a busy machine.
start=$SECONDS
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The three run side by side (each is mostly CLI start-up), then their outputs are judged in order.
"$BICEP" build bicep/main.bicep --outdir "$tmp" >"$tmp/build.log" 2>&1 & build=$!
"$BICEP" lint --pattern 'bicep/**/*.bicep' >"$tmp/lint.log" 2>&1 & lint=$!
"$BICEP" build-params --pattern 'bicep/params/*.bicepparam' --outdir "$tmp" >"$tmp/params.log" 2>&1 & params=$!
for job in build lint params; do
  wait "${!job}"; rc=$?
  # A clean Bicep command prints nothing: any diagnostic (error, warning, info) or a non-zero exit fails.
  if [ $rc -ne 0 ] || [ -s "$tmp/$job.log" ]; then cat "$tmp/$job.log"; fail "bicep $job"; fi
done
if [ -s "$tmp/main.json" ]; then
  node infra/check-template.js "$tmp/main.json" || fail "template conventions (infra/check-template.js)"
else
  fail "bicep build produced no template"
fi
for params in bicep/params/*.bicepparam; do
  [ -s "$tmp/$(basename "$params" .bicepparam).json" ] || fail "bicep build-params produced nothing for $params"
done
[ $problems -eq 0 ] && echo "bicep $BICEP_VERSION: build + lint clean on main.bicep, $(ls bicep/modules/*.bicep | wc -l) modules, $(ls bicep/params/*.bicepparam | wc -l) parameter files ($((SECONDS - start)) s)"

# --- GitHub Actions workflows
start=$SECONDS
count=0
for wf in .github/workflows/*.yml .github/workflows/*.yaml; do
  [ -f "$wf" ] || continue
  count=$((count + 1))
  # Clean means silent: errors and the validator's own warnings both fail.
  if ! out=$("$VALIDATOR" "$wf" 2>&1) || [ -n "$out" ]; then printf '%s\n' "$out"; fail "action-validator $wf"; fi
done
[ $count -gt 0 ] || fail "no workflow found in .github/workflows"
echo "action-validator $ACTION_VALIDATOR_VERSION: $count workflow(s) valid ($((SECONDS - start)) s)"

# --- shell scripts parse, and the deploy scripts refuse bad usage before touching Azure (exit 2)
for script in infra/*.sh infra/local/*.sh; do bash -n "$script" || fail "bash -n $script"; done
for usage in "infra/deploy.sh" "infra/deploy.sh staging" "infra/deploy.sh dev --bogus" "infra/teardown.sh" "infra/teardown.sh staging" "infra/teardown.sh dev --no"; do
  # shellcheck disable=SC2086
  $usage >/dev/null 2>&1; rc=$?
  [ $rc -eq 2 ] || fail "'$usage' should exit 2 (bad usage), got $rc"
done

if [ $problems -gt 0 ]; then echo "lint: $problems problem(s)"; exit 1; fi
echo "lint: clean"
