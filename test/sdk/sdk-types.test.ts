import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { declaration, typeOf } from '../../sdk/scripts/schema-to-typescript.js';
import { generateSdkTypes, REQUIRED_COMPONENTS, type OpenApiDocument } from '../../sdk/scripts/sdk-types.js';

const read = (...path: string[]) => readFileSync(join(projectRoot, ...path), 'utf8');

describe('SDK types generated from the OpenAPI document', () => {
  it('are committed as generated (run `npm run sdk:types` after `npm run openapi`)', () => {
    const doc = JSON.parse(read('docs', 'openapi.json')) as OpenApiDocument;
    expect(read('sdk', 'src', 'types.generated.ts')).toBe(generateSdkTypes(doc));
  });

  it('refuses a document without the components the resources are typed with', () => {
    const doc = JSON.parse(read('docs', 'openapi.json')) as OpenApiDocument;
    const { Order: _dropped, ...rest } = doc.components!.schemas!;
    expect(() => generateSdkTypes({ ...doc, components: { schemas: rest } })).toThrow(/lacks components.schemas Order/);
    expect(REQUIRED_COMPONENTS).toContain('CreateOrderRequest');
  });
});

describe('JSON Schema to TypeScript', () => {
  it('required and optional properties, enums, nullable in every spelling, arrays, references, closed objects', () => {
    const schema = {
      type: 'object',
      required: ['id', 'status', 'payment', 'tags'],
      properties: {
        id: { type: 'string', pattern: '^ord_' },
        status: { type: 'string', enum: ['CREATED', 'CLOSED'] },
        payment: { anyOf: [{ $ref: '#/components/schemas/Payment' }, { type: 'null' }] },
        closedAt: { type: ['string', 'null'] },
        legacy: { type: 'integer', nullable: true },
        tags: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
        'x-odd': { const: 1 },
      },
    } as const;
    expect(declaration('Thing', schema)).toBe(
      [
        'export interface Thing {',
        '  /** pattern: `^ord_` */',
        '  id: string;',
        '  status: "CREATED" | "CLOSED";',
        '  payment: Payment | null;',
        '  closedAt?: string | null;',
        '  legacy?: number | null;',
        '  tags: (string | number)[];',
        '  "x-odd"?: 1;',
        '}',
      ].join('\n'),
    );
  });

  it('maps, open objects, oneOf, allOf and nested objects', () => {
    expect(typeOf({ type: 'object', additionalProperties: { type: 'string' } })).toBe('{ [key: string]: string }');
    expect(typeOf({ type: 'object' })).toBe('{ [key: string]: unknown }');
    expect(typeOf({ type: 'object', properties: {}, additionalProperties: false })).toBe('Record<string, never>');
    expect(typeOf({ oneOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/B' }] })).toBe('A | B');
    expect(typeOf({ type: 'array', items: { allOf: [{ $ref: '#/components/schemas/A' }, { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] }] } })).toBe(
      '(A & {\n  b: boolean;\n})[]',
    );
    expect(typeOf({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true })).toBe('{\n  a?: string;\n  [key: string]: unknown;\n}');
    expect(declaration('Status', { description: 'An order status.', enum: ['A', 'B'] })).toBe('/** An order status. */\nexport type Status = "A" | "B";');
  });

  it('documents constraints, leaving out zod\'s safe-integer bounds', () => {
    const text = declaration('Amounts', {
      type: 'object',
      required: ['amount', 'version'],
      properties: {
        amount: { type: 'integer', minimum: 1, maximum: 100_000_000_000, description: 'Minor units.' },
        version: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        note: { type: 'string', maxLength: 20, default: '' },
      },
    });
    expect(text).toContain('/** Minor units. (1–100000000000) */');
    expect(text).toContain('/** ≥ 1 */\n  version: number;');
    expect(text).toContain('/** length 0–20; default: "" */\n  note?: string;');
  });
});
