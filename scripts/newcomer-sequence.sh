#!/usr/bin/env bash
# scripts/newcomer-sequence.sh - README's two set-up commands in a new user's order, on one machine:
#   npm ci, npm run example, npm test, npm test again, npm run example again
# Each must pass whatever ran before it. Prints each step's time and the machine's disk use after it (the
# engine's data root, the test environment's state and cache, the temp dir), so that a reused machine that
# fills up shows here. TESTS=N runs npm test N times (default 2). Logs: $LOGS (default a new temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS=${TESTS:-2}
LOGS=${LOGS:-$(mktemp -d /tmp/ml-image-sequence.XXXXXX)}
mkdir -p "$LOGS"

disk() {
  local mb
  mb() { du -sm "$1" 2>/dev/null | cut -f1; }
  printf 'disk: / used %s; /var/lib/docker %s MB; /var/lib/ml-image-test %s MB; /var/cache/ml-image-test %s MB; %s %s MB\n' \
    "$(df --output=used -BM / | tail -n1 | tr -d ' ')" "$(mb /var/lib/docker)" "$(mb /var/lib/ml-image-test)" \
    "$(mb /var/cache/ml-image-test)" "${TMPDIR:-/tmp}" "$(mb "${TMPDIR:-/tmp}")"
}

n=0
step() {
  local name=$1 start=$SECONDS log; shift
  n=$((n + 1)); log=$LOGS/$n-${name// /-}.log
  echo "== $n. $name (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log"; echo "FAILED: $name after $((SECONDS - start)) s"; exit 1
  fi
  echo "passed: $name in $((SECONDS - start)) s"
  disk
}

echo "before:"; disk
step "npm ci" npm ci --no-audit --no-fund
step "npm run example" npm run example
for i in $(seq 1 "$TESTS"); do step "npm test $i" npm test; done
step "npm run example again" npm run example
echo "all $n steps passed"
