import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../definitions/openapi.js';
import { projectRoot } from './dynamodb-local.js';

/** `npm run openapi`: writes docs/openapi.json from the routes and the zod schemas. */
const file = join(projectRoot, 'docs', 'openapi.json');
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
