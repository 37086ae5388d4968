// Writes docs/openapi.json: the HTTP API's OpenAPI 3.1 document, as the server serves it at
// /api/openapi.json (test/http/openapi.test.ts fails when the two differ). Run after a build:
//   npm run openapi
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { openapiDocument } from '../dist/http/app.js'

const out = fileURLToPath(new URL('../docs/openapi.json', import.meta.url))
writeFileSync(out, `${JSON.stringify(openapiDocument(), null, 2)}\n`)
process.stdout.write(`wrote ${out}\n`)
