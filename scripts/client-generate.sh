#!/usr/bin/env bash
# client/schema.d.ts from the served OpenAPI document; with --check, fails if the committed file differs.
set -euo pipefail
cd "$(dirname "$0")/.."
npx ts-node --transpile-only scripts/openapi-write.ts temp/openapi.json
npx openapi-typescript temp/openapi.json --redocly .redocly.yaml -o temp/schema.d.ts
if [ "${1:-}" = "--check" ]; then
  if ! diff -u client/schema.d.ts temp/schema.d.ts; then
    echo "client/schema.d.ts does not match the OpenAPI document: run npm run client:generate and commit it." >&2
    exit 1
  fi
  echo "client/schema.d.ts matches the OpenAPI document"
else
  cp temp/schema.d.ts client/schema.d.ts
  echo "wrote client/schema.d.ts"
fi
