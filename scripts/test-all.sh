#!/usr/bin/env bash
# The full check: lint (biome, publint, attw), type-check, the API reference (TypeDoc fails on
# an undocumented export), every package's tests, then the release checks: the examples against
# the mock model, the packed tarballs installed in an empty project (ESM, CJS, types, bins), and
# the changesets version/changelog flow. One closing line with the test totals. Fails if any
# step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
pnpm lint || exit 1
pnpm typecheck || exit 1
pnpm run docs || exit 1
find packages -maxdepth 2 -name .vitest-results.json -delete
pnpm test
status=$?
node scripts/test-summary.mjs || status=1
pnpm examples || status=1
pnpm pack:check || status=1
pnpm changeset:check || status=1
exit $status
