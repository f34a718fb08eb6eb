/**
 * `npm run sdk:types`: writes sdk/src/types.generated.ts from docs/openapi.json (or the document named as the first
 * argument). A test fails when the committed file differs from what this generates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateSdkTypes, type OpenApiDocument } from './sdk-types.js';

const source = process.argv[2] ?? fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));
const target = fileURLToPath(new URL('../src/types.generated.ts', import.meta.url));
writeFileSync(target, generateSdkTypes(JSON.parse(readFileSync(source, 'utf8')) as OpenApiDocument));
process.stdout.write(`wrote ${target} from ${source}\n`);
