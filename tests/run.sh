#!/usr/bin/env bash
# The test command (README): builds every project that can build here, starts Azurite on free ports,
# runs every test project, lints infrastructure and workflows, stops Azurite, and ends with one verdict line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
failures=()
step() { printf '\n== %s  (t=%ds)\n' "$*" "$SECONDS"; }

# --- Build flags: the extra package folder beside the repository, when it exists (scripts/build-flags.sh).
. "$ROOT/scripts/build-flags.sh"
[ -n "${EXTRA_PACKAGES:-}" ] && echo "using the extra package folder $EXTRA_PACKAGES (Functions worker + Durable Task)"

step "restore + build (Release)"
SOLUTION=MLOps.sln
if ! dotnet restore "$SOLUTION" "${BUILD_FLAGS[@]}" >/tmp/mlops-restore.log 2>&1; then
  # Without the package folder the Functions worker cannot be restored here: build everything else.
  echo "SKIPPED functions/MLOps.Functions and the Durable conformance tests: their packages cannot be restored here (see /tmp/mlops-restore.log)"
  SOLUTION=.ci/MLOps.NoFunctions.slnf
  dotnet restore "$SOLUTION" "${BUILD_FLAGS[@]}" || { echo "FAIL: restore failed"; exit 1; }
fi
if ! dotnet build "$SOLUTION" -c Release --no-restore "${BUILD_FLAGS[@]}" -v:q -nologo; then
  echo "FAIL: build failed"; exit 1
fi

# --- Azurite (a real Azure Storage API server) for the blob contract tests.
step "Azurite"
source "$ROOT/infra/local/azurite.sh"
if azurite_start; then
  export MLOPS_TEST_AZURITE="$AZURITE_CONNECTION_STRING"
  echo "Azurite on blob port $AZURITE_BLOB_PORT"
else
  echo "FAIL: Azurite could not start"; failures+=("azurite")
fi
trap 'azurite_stop' EXIT

# --- Infrastructure and workflow lint (bicep, GitHub Actions).
if [ -x "$ROOT/infra/lint.sh" ]; then
  step "lint bicep + workflows"
  "$ROOT/infra/lint.sh" || failures+=("lint")
fi

step "chromium (browser tests)"; if MLOPS_CHROMIUM=$("$ROOT/infra/local/chromium.sh"); then export MLOPS_CHROMIUM; echo "chromium: $MLOPS_CHROMIUM"; else echo "SKIPPED the browser tests: Chromium cannot be installed here (infra/local/chromium.sh)"; fi

# --- Tests: every test project in the chosen solution.
step "tests"
total_passed=0; total_failed=0; total_skipped=0
failed_tests=$(mktemp); : >"$failed_tests"
for proj in $(grep -oE 'tests[/\\][A-Za-z.]+[/\\][A-Za-z.]+\.csproj' "$SOLUTION" | tr '\\' '/' | sort -u); do
  [ -f "$proj" ] || continue
  name=$(basename "$proj" .csproj)
  log="/tmp/mlops-test-$name.log"
  echo "-- $name  (t=${SECONDS}s)"
  dotnet test "$proj" -c Release --no-build --logger "console;verbosity=normal" >"$log" 2>&1
  rc=$?
  # Show what ran (both engines' case names, skips with their notice, failures).
  grep -E '^\s+(Passed|Failed|Skipped) ' "$log" | sed 's/^\s*/   /' | head -400
  grep -E 'Error Message|Assert\.|Stack Trace' -A4 "$log" | head -80
  # VSTest prints either "Passed!  - Failed: 0, Passed: N, Skipped: N" or a "Total tests:" block.
  count() { grep -E "^\s*$1: *[0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' | head -1; }
  inline=$(grep -E '(Passed|Failed)!' "$log" | tail -1)
  if [ -n "$inline" ]; then
    p=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$inline"); f=$(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$inline"); s=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$inline")
  else
    p=$(count Passed); f=$(count Failed); s=$(count Skipped)
  fi
  summary="passed ${p:-0}, failed ${f:-0}, skipped ${s:-0}"
  echo "   $summary"
  # A project that ran no test at all is a failure: a check that cannot fail is a defect.
  if [ $(( ${p:-0} + ${f:-0} + ${s:-0} )) -eq 0 ]; then echo "   no test ran in $name"; rc=1; fi
  total_passed=$((total_passed + ${p:-0})); total_failed=$((total_failed + ${f:-0})); total_skipped=$((total_skipped + ${s:-0}))
  if [ $rc -ne 0 ]; then
    failures+=("$name"); tail -30 "$log"
    # Kept for the end of the output, which is the part a CI summary shows: which test failed and why.
    { echo "-- $name"; grep -E '^\s+Failed [A-Za-z]' -A12 "$log" | head -60; } >>"$failed_tests"
  fi
done

echo
echo "total time ${SECONDS}s"
echo "tests: $total_passed passed, $total_failed failed, $total_skipped skipped"
if [ ${#failures[@]} -eq 0 ]; then
  echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
  echo "PASS: everything built and every test passed"
  exit 0
fi
if [ -s "$failed_tests" ]; then echo "failed tests (name, message, first stack lines):"; cat "$failed_tests"; fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
echo "FAIL: ${failures[*]}"
exit 1
