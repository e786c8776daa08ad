#!/bin/sh
# psgraph's container entrypoint: one image, and the first argument names the role the container plays.
#
#   psgraph gateway | crm | hcm | psa | time | erp     the six processes of the production topology
#   psgraph embedded                                   the whole graph in one process (npm start)
#   psgraph seed [--scale N]                           seed the demo firm into DATABASE_URL (empty schemas only)
#   psgraph bootstrap-admin --email … --name …         the first administrator (README "First run in production")
#   psgraph token --role ADMIN                         a bearer token signed with JWT_SECRET
#   psgraph import …                                   import a file through the gateway (README "Bring your data")
#   psgraph generate-secrets [--out FILE]              random secrets as KEY=VALUE lines
#   psgraph --dry-run ROLE …                           print the command instead of running it
#   psgraph --roles                                    list the roles
#
# PSGRAPH_ENV_FILE names a file of KEY=VALUE lines (deploy/compose.yaml's generated secrets) loaded for every
# variable not already set, so a container's own environment always wins.
set -eu

roles='gateway crm hcm psa time erp embedded seed bootstrap-admin token import generate-secrets'
# The command that runs an entry point: the JavaScript the Dockerfile's build stage compiled into dist/ (npm run
# build), so a container starts without TypeScript or tsx (docs/benchmarks.md "Start-up").
command_for() { echo "node dist/${1%.ts}.js"; }

entry_of() {
  case "$1" in
    gateway) echo gateway/main.ts ;;
    crm | hcm | psa | time | erp) echo "subgraphs/$1/main.ts" ;;
    embedded) echo gateway/embedded.ts ;;
    seed | bootstrap-admin | token | import | generate-secrets) echo "scripts/$1.ts" ;;
    *) return 1 ;;
  esac
}

dry_run=false
case "${1:-}" in
  --roles)
    for role in $roles; do echo "$role"; done
    exit 0
    ;;
  --dry-run)
    dry_run=true
    shift
    ;;
esac

role="${1:-}"
if ! entry=$(entry_of "$role"); then
  problem=$([ -n "$role" ] && echo "unknown role \"$role\"" || echo 'no role given')
  echo "psgraph: $problem — run one of: $(echo "$roles" | sed 's/ /, /g')" >&2
  exit 64
fi
shift

if [ -n "${PSGRAPH_ENV_FILE:-}" ]; then
  if [ ! -r "$PSGRAPH_ENV_FILE" ]; then
    echo "psgraph: PSGRAPH_ENV_FILE: cannot read \"$PSGRAPH_ENV_FILE\" — create it (psgraph generate-secrets --out FILE) or unset it" >&2
    exit 1
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    name=${line%%=*}
    if ! printenv "$name" >/dev/null; then export "$line"; fi
  done <"$PSGRAPH_ENV_FILE"
fi

# The entries are relative to the app's root, this file's parent (through the image's /usr/local/bin/psgraph link).
cd "$(dirname "$(readlink -f "$0")")/.."
if $dry_run; then
  echo "$(command_for "$entry") $*"
  exit 0
fi
# exec: the role's process replaces the shell, so SIGTERM from the orchestrator (through tini) reaches it directly.
# The command is split on spaces on purpose: it holds none inside its words.
exec $(command_for "$entry") "$@"
