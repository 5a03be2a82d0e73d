#!/usr/bin/env bash
# The full check: lint (biome, publint, attw), type-check, every package's tests, then one
# closing line with the totals. Fails if any step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
pnpm lint || exit 1
pnpm typecheck || exit 1
find packages -maxdepth 2 -name .vitest-results.json -delete
pnpm test
status=$?
node scripts/test-summary.mjs || status=1
exit $status
