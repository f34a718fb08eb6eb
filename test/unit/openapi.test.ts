import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../infra/definitions/openapi.js';
import { routes } from '../../infra/definitions/routes.js';
import { projectRoot } from '../../infra/local/dynamodb-local.js';

type Doc = { paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: { content: Record<string, { schema: Record<string, any> }> } }>> };

describe('OpenAPI document', () => {
  const generated = openApiDocument() as Doc;

  it('is committed as generated (run `npm run openapi` after changing routes or schemas)', () => {
    const committed = JSON.parse(readFileSync(join(projectRoot, 'docs', 'openapi.json'), 'utf8'));
    expect(committed).toEqual(generated);
  });

  it('has exactly the routes the gateway and CDK serve, each signed, POSTs with Idempotency-Key', () => {
    const operations = Object.entries(generated.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const names = generated.paths[route.path]![route.method.toLowerCase()]!.parameters.map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['X-Merchant-Id', 'X-Timestamp', 'X-Nonce', 'X-Signature']));
      expect(names.includes('Idempotency-Key')).toBe(route.idempotent);
    }
  });

  it('describes the contract rules of the request bodies: integer minor units, ISO currencies, no unknown fields', () => {
    const order = generated.paths['/v1/orders']!.post!.requestBody!.content['application/json']!.schema;
    expect(order.properties.amount).toEqual({ type: 'integer', minimum: 1, maximum: 100_000_000_000 });
    expect(order.properties.currency.enum).toContain('CNY');
    expect(order.required).toEqual(expect.arrayContaining(['outTradeNo', 'amount', 'currency', 'subject']));
    expect(order.additionalProperties).toBe(false);
    const events = generated.paths['/v1/events']!.get!.parameters.find((p) => p.name === 'orderId');
    expect(events).toMatchObject({ in: 'query', required: true });
  });
});
