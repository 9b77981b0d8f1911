// Writes packages/client/src/generated/openapi.ts: the SDK's wire types, generated from the
// OpenAPI document the server builds (see packages/server/src/openapi/openapi-types.ts).
// Run it as `npm run openapi:types`, which builds the server first.
import { writeFileSync } from 'node:fs';
import { OPENAPI_TYPES_FILE, renderOpenApiTypes } from '../packages/server/dist/openapi/openapi-types.js';
import { buildOpenApiSnapshot } from '../packages/server/dist/openapi-snapshot.js';

const source = await renderOpenApiTypes(await buildOpenApiSnapshot());
writeFileSync(new URL(`../${OPENAPI_TYPES_FILE}`, import.meta.url), source);
process.stderr.write(`wrote ${OPENAPI_TYPES_FILE}\n`);
