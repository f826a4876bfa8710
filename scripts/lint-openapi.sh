#!/usr/bin/env bash
# Writes the served OpenAPI document to temp/openapi.json and lints it with Redocly (recommended)
# and Spectral (spectral:oas); any error or warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
npx ts-node --transpile-only scripts/openapi-write.ts temp/openapi.json
npx redocly lint --config .redocly.yaml --max-problems 200 temp/openapi.json
npx spectral lint --ruleset .spectral.yaml --fail-severity=warn temp/openapi.json
