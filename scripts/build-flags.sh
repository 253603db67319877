# Sourced (with ROOT set to the repository) by every script that builds. This machine's feed lacks the Azure Functions
# worker and Durable Task packages; a folder beside the repository holds them. It is passed per build, and only when it
# exists: no project file names it, so elsewhere (CI, a developer's machine) the public feed serves the same versions.
# _FunctionsBuildEnabled=false skips the Functions SDK's extensions step, which needs the internet.
BUILD_FLAGS=()
if [ -d "$ROOT/../shared/nuget" ]; then
  EXTRA_PACKAGES=$(cd "$ROOT/../shared/nuget" && pwd)
  BUILD_FLAGS+=("-p:RestoreAdditionalProjectSources=$EXTRA_PACKAGES" "-p:_FunctionsBuildEnabled=false")
fi
