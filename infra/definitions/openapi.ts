/**
 * The OpenAPI 3.1 document of the merchant API, generated from the same route table the gateway and CDK use and the
 * same zod schemas the handlers validate with, so it cannot drift from the code. `npm run openapi` writes
 * docs/openapi.json; a test fails when the committed file differs from what the code generates.
 */
import * as z from 'zod/mini';
import {
  confirmPaymentSchema,
  createOrderSchema,
  createRefundSchema,
  emptyBodySchema,
  eventsQuerySchema,
  listOrdersQuerySchema,
  payOrderSchema,
  testWebhookSchema,
} from '../../shared/schemas/requests.js';
import { routes, type RouteDefinition } from './routes.js';

type Schema = z.ZodMiniType;

interface Operation {
  readonly summary: string;
  readonly success: number;
  readonly body?: Schema;
  readonly query?: Schema;
}

/** Every route's request shape; a route missing here fails the generation (and its test). */
const OPERATIONS: Readonly<Record<string, Operation>> = {
  'POST /v1/orders': { summary: 'Create an order', success: 201, body: createOrderSchema },
  'GET /v1/orders': { summary: 'List orders', success: 200, query: listOrdersQuerySchema },
  'GET /v1/orders/{id}': { summary: 'Get an order with its refunds', success: 200 },
  'POST /v1/orders/{id}/close': { summary: 'Close an unpaid order', success: 200, body: emptyBodySchema },
  'POST /v1/orders/{id}/pay': { summary: 'Pay an order', success: 200, body: payOrderSchema },
  'POST /v1/orders/{id}/pay/confirm': { summary: 'Confirm a challenged payment (OTP)', success: 200, body: confirmPaymentSchema },
  'POST /v1/orders/{id}/refunds': { summary: 'Refund an order, in full or in part', success: 201, body: createRefundSchema },
  'GET /v1/refunds/{id}': { summary: 'Get a refund', success: 200 },
  'GET /v1/balance': { summary: "The merchant's balances", success: 200 },
  'GET /v1/events': { summary: 'Events of an order, with every delivery attempt', success: 200, query: eventsQuerySchema },
  'POST /v1/events/{id}/redeliver': { summary: 'Deliver an event once more, now', success: 202, body: emptyBodySchema },
  'POST /v1/webhooks/test': { summary: 'Send a signed ping to a URL', success: 200, body: testWebhookSchema },
  'GET /v1/platform/keys': { summary: 'Public keys that verify webhook signatures', success: 200 },
};

const SIGNED_HEADERS = [
  { name: 'X-Merchant-Id', description: 'The merchant id (m_…)' },
  { name: 'X-Timestamp', description: 'Unix time in seconds; within 300 s of server time' },
  { name: 'X-Nonce', description: '16-64 characters [A-Za-z0-9_-], never reused' },
  { name: 'X-Signature', description: 'v1= + hex HMAC-SHA256(secret, METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA256(body)))' },
].map((h) => ({ in: 'header', required: true, name: h.name, description: h.description, schema: { type: 'string' } }));

const jsonSchema = (schema: Schema) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function queryParameters(schema: Schema) {
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    in: 'query',
    name,
    required: (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(route: RouteDefinition, spec: Operation) {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ in: 'path', name: m[1], required: true, schema: { type: 'string' } }));
  const idempotency = route.idempotent
    ? [{ in: 'header', name: 'Idempotency-Key', required: false, description: '1-255 characters; same key + same request within 24 h replays the first answer', schema: { type: 'string', minLength: 1, maxLength: 255 } }]
    : [];
  return {
    summary: spec.summary,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
    'x-handler': route.handler,
    parameters: [...pathParameters, ...(spec.query ? queryParameters(spec.query) : []), ...SIGNED_HEADERS, ...idempotency],
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } } : {}),
    responses: {
      [String(spec.success)]: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      default: { description: 'Error (contract, "Errors")', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const spec = OPERATIONS[`${route.method} ${route.path}`];
    if (!spec) throw new Error(`no OpenAPI operation for ${route.method} ${route.path}`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, spec);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Open payment platform: merchant API', version: '1', description: 'Generated from infra/definitions/routes.ts and shared/schemas/requests.ts. The contract is ../shared/api-contract.md.' },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'local runtime (npm start)' }],
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['type', 'code', 'message', 'requestId'],
              properties: {
                type: { enum: ['invalid_request', 'authentication', 'permission', 'conflict', 'payment', 'rate_limit', 'internal'] },
                code: { type: 'string' },
                message: { type: 'string' },
                param: { type: 'string' },
                requestId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}
