import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, openApiDocument, operationSpec } from '../../infra/definitions/openapi.js';
import { merchantApiRoutes as routes } from '../../infra/definitions/routes.js';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { ERROR_CODES, declineCode, isErrorCode, type ErrorCode } from '../../shared/domain/error-codes.js';
import { newId } from '../../shared/domain/ids.js';
import type { Order, Refund } from '../../shared/domain/order.js';
import { webhookBody } from '../../shared/domain/webhook.js';
import type { StoredEvent } from '../../shared/ports/notifications.js';
import { eventResource } from '../../shared/schemas/event-resources.js';
import { EVENT_TYPES } from '../../shared/schemas/response-schemas.js';
import { orderResource } from '../../shared/schemas/resources.js';
import { orderEvent, refundEvent } from '../../shared/services/events.js';
import { ConformanceCheck, type ObservedResponse } from '../support/openapi-conformance.js';

type Json = Record<string, any>;

const doc = openApiDocument() as Json;
const check = new ConformanceCheck(doc);
const NOW = Date.parse('2026-11-22T08:00:00.000Z');

function paidOrder(): Order {
  const at = new Date(NOW).toISOString();
  return {
    id: newId('ord', NOW),
    merchantId: newId('m', NOW),
    outTradeNo: 'A-1001',
    amount: 1999,
    currency: 'CNY',
    status: 'SUCCEEDED',
    version: 3,
    amountCaptured: 1999,
    amountRefunded: 0,
    refundableRemaining: 1999,
    subject: 'Coffee beans',
    metadata: { sku: 'beans-1kg' },
    notifyUrl: 'https://merchant.example/notify',
    payment: {
      id: newId('pay', NOW),
      method: 'card',
      capture: true,
      channel: 'card_a',
      channelPaymentId: 'ch_1',
      card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030, fingerprint: 'fp_1' },
      payerId: null,
      nextAction: null,
      fee: 12,
      riskDecision: 'allow',
      otpFailures: 0,
      createdAt: at,
    },
    lastPaymentError: null,
    createdAt: at,
    expiresAt: new Date(NOW + 1_800_000).toISOString(),
    updatedAt: at,
    capturedAt: at,
    closedAt: null,
    closeReason: null,
  };
}

function refundOf(order: Order): Refund {
  const at = new Date(NOW).toISOString();
  return {
    id: newId('rf', NOW),
    orderId: order.id,
    merchantId: order.merchantId,
    outRefundNo: 'R-1',
    amount: 500,
    currency: order.currency,
    status: 'SUCCEEDED',
    reason: null,
    channel: 'card_a',
    channelRefundId: 'chr_1',
    failureCode: null,
    version: 2,
    createdAt: at,
    updatedAt: at,
  };
}

function answer(method: string, path: string, status: number, body: unknown, headers: Record<string, string> = { 'X-Request-Id': 'req-1' }): ObservedResponse {
  return { method, path, status, body, headers: new Headers(headers) };
}

const errorBody = (code: ErrorCode, status = ERROR_CODES[code].status) =>
  answer('POST', '/v1/orders/ord_x/pay', status, { error: { type: ERROR_CODES[code].type, code, message: 'm', requestId: 'req-1' } });

describe('OpenAPI document', () => {
  it('is committed as generated (run `npm run openapi` after changing routes, schemas or error codes)', () => {
    const committed = JSON.parse(readFileSync(join(projectRoot, 'docs', 'openapi.json'), 'utf8'));
    expect(committed).toEqual(doc);
  });

  it('passes `redocly lint` (the pinned CLI) with no problem, offline', () => {
    // The preload ends the process with 97 on any outgoing connection: redocly.yaml turns its telemetry off.
    const lint = spawnSync(
      process.execPath,
      ['--import', './test/support/no-network.mjs', 'node_modules/@redocly/cli/bin/cli.js', 'lint', 'docs/openapi.json', '--format=stylish'],
      { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const output = `${lint.stdout}${lint.stderr}`;
    expect([lint.status, output]).toEqual([0, expect.stringContaining('Your API description is valid')]);
    expect(output).not.toMatch(/warning|error/i);
  });

  it('has exactly the routes the gateway and CDK serve, signed by the HMAC scheme, POSTs with Idempotency-Key', () => {
    const operations = Object.entries(doc.paths as Json).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(doc.security).toEqual([{ MerchantId: [], Timestamp: [], Nonce: [], Signature: [] }]);
    expect(Object.values(doc.components.securitySchemes).map((s: any) => [s.type, s.in, s.name])).toEqual([
      ['apiKey', 'header', 'X-Merchant-Id'],
      ['apiKey', 'header', 'X-Timestamp'],
      ['apiKey', 'header', 'X-Nonce'],
      ['apiKey', 'header', 'X-Signature'],
    ]);
    expect(doc.components.securitySchemes.Signature.description).toContain('hex(SHA256(rawBody))');
    for (const route of routes) {
      const operation = doc.paths[route.path][route.method.toLowerCase()];
      expect(operation.security).toBeUndefined();
      const names = operation.parameters.map((p: Json) => p.$ref ?? p.name);
      expect(names.includes('#/components/parameters/Idempotency-Key')).toBe(route.idempotent);
      for (const response of Object.values(operation.responses) as Json[]) {
        expect(response.headers['X-Request-Id']).toEqual({ $ref: '#/components/headers/X-Request-Id' });
      }
    }
  });

  it('names the components the SDK generates its types from', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Order', 'Payment', 'NextAction', 'CardSummary', 'PaymentError', 'Refund', 'OrderList', 'Balance', 'Event', 'DeliveryAttempt',
        'EventList', 'PlatformKeys', 'WebhookTestResult', 'Error', 'CreateOrderRequest', 'PayOrderRequest', 'ConfirmPaymentRequest',
        'CreateRefundRequest', 'TestWebhookRequest',
      ]),
    );
    expect(doc.components.schemas.Order.properties.payment).toEqual({ anyOf: [{ $ref: '#/components/schemas/Payment' }, { type: 'null' }] });
  });

  it('describes the contract rules of the request bodies: integer minor units, ISO currencies, no unknown fields', () => {
    const order = doc.components.schemas.CreateOrderRequest;
    expect(doc.paths['/v1/orders'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateOrderRequest' });
    expect(order.properties.amount).toEqual({ type: 'integer', minimum: 1, maximum: 100_000_000_000 });
    expect(order.properties.currency.enum).toContain('CNY');
    expect(order.required).toEqual(expect.arrayContaining(['outTradeNo', 'amount', 'currency', 'subject']));
    expect(order.additionalProperties).toBe(false);
    // GET /v1/events lists the merchant's events without orderId (decisions, 163): every filter is optional.
    const events = doc.paths['/v1/events'].get.parameters;
    expect(events.map((p: Json) => [p.name, p.required])).toEqual(expect.arrayContaining([['orderId', false], ['type', false], ['deliveryStatus', false], ['cursor', false]]));
    const limit = doc.paths['/v1/orders'].get.parameters.find((p: Json) => p.name === 'limit');
    expect(limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
  });

  it('documents 202 from pay, 200 and 201 from refunds, and one Order for ?outTradeNo=', () => {
    expect(Object.keys(doc.paths['/v1/orders/{id}/pay'].post.responses)).toEqual(expect.arrayContaining(['200', '202', '402', '409']));
    expect(Object.keys(doc.paths['/v1/orders/{id}/refunds'].post.responses)).toEqual(expect.arrayContaining(['200', '201', '409', '422']));
    expect(doc.paths['/v1/orders'].get.responses['200'].content['application/json'].schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/OrderList' }, { $ref: '#/components/schemas/Order' }],
    });
  });
});

describe('error codes', () => {
  const TYPE_OF_STATUS: Readonly<Record<number, string>> = {
    400: 'invalid_request', 401: 'authentication', 402: 'payment', 403: 'permission', 404: 'invalid_request', 405: 'invalid_request',
    409: 'conflict', 413: 'invalid_request', 422: 'invalid_request', 429: 'rate_limit', 500: 'internal', 502: 'internal', 503: 'internal', 504: 'internal',
  };

  it('give each code the contract type of its status', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) expect([code, spec.type]).toEqual([code, TYPE_OF_STATUS[spec.status]]);
  });

  it('list, per operation and status, only catalog codes of that status', () => {
    for (const route of routes) {
      const responses = doc.paths[route.path][route.method.toLowerCase()].responses as Json;
      const documented = Object.entries(responses).filter(([status]) => /^[45]/.test(status));
      for (const [status, response] of documented) {
        const codes: string[] = response.content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
        for (const code of codes) {
          expect(isErrorCode(code), `${code} in the catalog`).toBe(true);
          // An operation may document a code at another status than the catalog's (`statusOf`, openapi.ts).
          const catalogStatus = String(operationSpec(route).statusOf?.[code as ErrorCode] ?? ERROR_CODES[code as ErrorCode].status);
          expect(status === '5XX' ? catalogStatus[0] : catalogStatus, `${route.method} ${route.path} ${code}`).toBe(status[0] === '5' ? '5' : status);
        }
      }
      expect(documented.flatMap(([, r]) => r.content['application/json'].schema.allOf[1].properties.error.properties.code.enum).sort()).toEqual(
        [...errorCodes(route, operationSpec(route))].sort(),
      );
    }
  });

  it('map a channel decline onto the 402 codes, the unknown ones onto card_declined', () => {
    expect(declineCode('insufficient_funds')).toBe('insufficient_funds');
    expect(declineCode('do_not_honor')).toBe('card_declined');
    expect(declineCode('order_expired')).toBe('card_declined');
    expect(declineCode(null)).toBe('card_declined');
  });
});

describe('webhooks', () => {
  it('document every event type the code emits, and the ping, with the signature headers', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES, 'ping'].sort());
    for (const webhook of Object.values(doc.webhooks) as Json[]) {
      expect(webhook.post.parameters.map((p: Json) => p.name)).toEqual(['X-Event-Id', 'X-Timestamp', 'X-Key-Id', 'X-Signature']);
    }
  });

  it('describe the bodies the platform sends', () => {
    const order = paidOrder();
    const bodyOf = (type: string) => doc.webhooks[type].post.requestBody.content['application/json'].schema;
    const succeeded = JSON.parse(webhookBody(orderEvent('order.succeeded', order, NOW)));
    expect(check.schemaProblems(bodyOf('order.succeeded'), succeeded)).toEqual([]);
    const refunded = JSON.parse(webhookBody(refundEvent('refund.succeeded', refundOf(order), order.notifyUrl, NOW)));
    expect(check.schemaProblems(bodyOf('refund.succeeded'), refunded)).toEqual([]);
    // The type is part of each webhook's schema: an order event is not a refund event.
    expect(check.schemaProblems(bodyOf('refund.succeeded'), succeeded)).not.toEqual([]);
    expect(check.schemaProblems(bodyOf('order.closed'), succeeded)).not.toEqual([]);
  });
});

describe('the drift check the e2e suite runs on every answer', () => {
  const order = paidOrder();

  it('accepts an answer as the document describes it', () => {
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 200, orderResource(order, NOW, [refundOf(order)])))).toEqual([]);
    expect(check.problems(answer('GET', '/v1/orders?outTradeNo=A-1001', 200, orderResource(order, NOW, [])))).toEqual([]);
    expect(check.problems(answer('GET', '/v1/orders?limit=5', 200, { data: [orderResource(order, NOW)], nextCursor: null }))).toEqual([]);
    expect(check.problems(errorBody('card_declined'))).toEqual([]);
  });

  it('catches a wrong body: a float amount, a field the document lacks, a missing field', () => {
    const resource = orderResource(order, NOW);
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 200, { ...resource, amount: 19.99 }))[0]).toMatch(/amount must be integer/);
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 200, { ...resource, secret: 'x' }))[0]).toMatch(/additional properties/);
    const { version: _version, ...withoutVersion } = resource;
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 200, withoutVersion))[0]).toMatch(/required property 'version'/);
  });

  it('catches an undocumented status, a code the operation does not list, a code answered with another status', () => {
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 201, orderResource(order, NOW)))).toEqual([`status 201 is not documented for GET /v1/orders/{id}`]);
    expect(check.problems(errorBody('order_not_refundable'))[0]).toMatch(/code must be equal to one of the allowed values/);
    expect(check.problems(errorBody('order_not_payable', 422))).toContain('error code order_not_payable is 409 in the catalog, answered 422');
    expect(check.problems(answer('GET', '/v1/balance', 409, errorBody('order_not_payable').body))).toEqual(['status 409 is not documented for GET /v1/balance']);
    expect(check.problems(errorBody('refund_exceeds_captured', 409))).toEqual(expect.arrayContaining([expect.stringMatching(/code must be equal to one of the allowed values/)]));
  });

  it('catches a missing X-Request-Id and an Idempotent-Replayed header on a route without idempotency', () => {
    expect(check.problems(answer('GET', `/v1/orders/${order.id}`, 200, orderResource(order, NOW), {}))).toContain('no X-Request-Id header');
    const replayed = answer('GET', `/v1/orders/${order.id}`, 200, orderResource(order, NOW), { 'X-Request-Id': 'r', 'Idempotent-Replayed': 'true' });
    expect(check.problems(replayed)).toEqual(['Idempotent-Replayed is not documented for this answer']);
  });

  it('holds the gateway\'s answers to targets outside the document to the Error envelope and the catalog', () => {
    const unknown = { error: { type: 'invalid_request', code: 'route_not_found', message: 'No route.', requestId: 'r' } };
    expect(check.problems(answer('GET', '/v1/nope', 404, unknown))).toEqual([]);
    expect(check.problems(answer('GET', '/v1/nope', 400, unknown))).toEqual(['error code route_not_found is 404 in the catalog, answered 400']);
  });

  it('shows no object for a refused event', () => {
    const event = orderEvent('order.succeeded', order, NOW);
    const stored: StoredEvent = { ...event, deliveryStatus: 'REFUSED', attempts: [], nextAttemptAt: null, statusReason: 'amount mismatch' };
    expect(eventResource(stored).data.object).toBeNull();
    expect(eventResource({ ...stored, deliveryStatus: 'PENDING' }).data.object).toEqual(event.object);
  });
});
