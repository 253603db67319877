#!/usr/bin/env bash
# Local Azure Storage: installs Azurite from npm into .tools/ when absent and starts it on free ports.
# Source it, then: azurite_start (exports AZURITE_CONNECTION_STRING, AZURITE_BLOB_PORT) and azurite_stop.
AZURITE_VERSION=3.37.0
_azurite_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( (RANDOM % 20000) + 30000 ))
    (echo >"/dev/tcp/127.0.0.1/$port") >/dev/null 2>&1 || { echo "$port"; return 0; }
  done
  return 1
}

azurite_install() {
  local root; root=$(_azurite_root)
  AZURITE_BIN="$root/.tools/azurite/node_modules/.bin/azurite"
  if [ ! -x "$AZURITE_BIN" ]; then
    echo "installing azurite@$AZURITE_VERSION from npm into .tools/azurite"
    npm install --silent --no-audit --no-fund --prefix "$root/.tools/azurite" "azurite@$AZURITE_VERSION" >/dev/null || return 1
  fi
}

azurite_start() {
  azurite_install || return 1
  AZURITE_BLOB_PORT=$(_free_port); AZURITE_QUEUE_PORT=$(_free_port); AZURITE_TABLE_PORT=$(_free_port)
  AZURITE_DIR=$(mktemp -d /tmp/azurite.XXXXXX)
  "$AZURITE_BIN" --silent --skipApiVersionCheck --loose --location "$AZURITE_DIR" \
    --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" \
    --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT" \
    --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" >"$AZURITE_DIR/azurite.log" 2>&1 &
  AZURITE_PID=$!
  # On a busy machine Azurite can take up to two minutes to listen: wait up to AZURITE_START_TIMEOUT (180 s),
  # giving up early if the process died.
  local deadline=$((SECONDS + ${AZURITE_START_TIMEOUT:-180}))
  while [ $SECONDS -lt $deadline ]; do
    (echo >"/dev/tcp/127.0.0.1/$AZURITE_BLOB_PORT") >/dev/null 2>&1 && break
    kill -0 "$AZURITE_PID" 2>/dev/null || break
    sleep 0.2
  done
  (echo >"/dev/tcp/127.0.0.1/$AZURITE_BLOB_PORT") >/dev/null 2>&1 || { cat "$AZURITE_DIR/azurite.log"; return 1; }
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AZURITE_BLOB_PORT AZURITE_QUEUE_PORT AZURITE_TABLE_PORT
  export AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZURITE_QUEUE_PORT/devstoreaccount1;TableEndpoint=http://127.0.0.1:$AZURITE_TABLE_PORT/devstoreaccount1;"
}

azurite_stop() {
  [ -n "${AZURITE_PID:-}" ] && kill "$AZURITE_PID" 2>/dev/null && wait "$AZURITE_PID" 2>/dev/null
  [ -n "${AZURITE_DIR:-}" ] && rm -rf "$AZURITE_DIR"
  AZURITE_PID=""
  return 0
}
