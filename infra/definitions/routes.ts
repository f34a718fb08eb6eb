/**
 * The merchant API's routes: method + path template → the Lambda handler module that serves it. Read by the CDK
 * stack (API Gateway resources) and by the local gateway, so both expose exactly the same API.
 */
export type ApiFunctionName = 'order' | 'pay' | 'refund' | 'query' | 'events' | 'checkout' | 'callbacks' | 'customers' | 'agreements' | 'payouts' | 'ops' | 'reconciliations' | 'statements';

export interface RouteDefinition {
  /** `ANY` only on the operations API's proxy route, whose function routes by method itself. */
  readonly method: 'GET' | 'POST' | 'ANY';
  /** API Gateway resource template; `{id}` is a path parameter, `{proxy+}` the rest of the path. */
  readonly path: string;
  readonly handler: ApiFunctionName;
  /** Requires a merchant signature. */
  readonly signed: boolean;
  /** Honours Idempotency-Key. */
  readonly idempotent: boolean;
  /** Authorized by API Gateway with IAM (SigV4) before the function runs: the operations API (docs/operations.md). */
  readonly iam?: boolean;
  /**
   * Answered by response streaming (API Gateway's STREAM transfer mode, a response-streaming Lambda): a body too big
   * or too slow for a buffered 10 MB / 29 s answer, a statement (docs/decisions.md, entry 180).
   */
  readonly stream?: boolean;
}

export const routes: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/orders', handler: 'order', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/orders', handler: 'query', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/orders/{id}', handler: 'query', signed: true, idempotent: false },
  { method: 'POST', path: '/v1/orders/{id}/close', handler: 'order', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/orders/{id}/pay', handler: 'pay', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/orders/{id}/pay/confirm', handler: 'pay', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/orders/{id}/capture', handler: 'order', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/orders/{id}/void', handler: 'order', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/orders/{id}/refunds', handler: 'refund', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/refunds/{id}', handler: 'query', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/balance', handler: 'query', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/settlements', handler: 'query', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/settlements/{id}', handler: 'query', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/statements/{date}', handler: 'statements', signed: true, idempotent: false, stream: true },
  { method: 'POST', path: '/v1/customers', handler: 'customers', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/customers', handler: 'customers', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/customers/{id}', handler: 'customers', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/customers/{id}/transactions', handler: 'customers', signed: true, idempotent: false },
  { method: 'POST', path: '/v1/agreements', handler: 'agreements', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/agreements', handler: 'agreements', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/agreements/{id}', handler: 'agreements', signed: true, idempotent: false },
  { method: 'POST', path: '/v1/agreements/{id}/confirm', handler: 'agreements', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/agreements/{id}/terminate', handler: 'agreements', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/payouts', handler: 'payouts', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/payouts', handler: 'payouts', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/payouts/{id}', handler: 'payouts', signed: true, idempotent: false },
  { method: 'GET', path: '/v1/events', handler: 'events', signed: true, idempotent: false },
  { method: 'POST', path: '/v1/events/{id}/redeliver', handler: 'events', signed: true, idempotent: true },
  { method: 'POST', path: '/v1/webhooks/test', handler: 'events', signed: true, idempotent: true },
  { method: 'GET', path: '/v1/platform/keys', handler: 'events', signed: true, idempotent: false },
  // The hosted checkout: pages for payers, not the merchant API. The token in the path is the only credential.
  { method: 'GET', path: '/checkout/{token}', handler: 'checkout', signed: false, idempotent: false },
  { method: 'GET', path: '/checkout/{token}/status', handler: 'checkout', signed: false, idempotent: false },
  { method: 'POST', path: '/checkout/{token}/otp', handler: 'checkout', signed: false, idempotent: false },
  // Wallets and banks reporting outcomes: each callback carries its channel's own signature, verified by the adapter.
  // Not idempotent by key: a duplicate callback is harmless by construction (the commit is a no-op the second time).
  { method: 'POST', path: '/callbacks/{channel}', handler: 'callbacks', signed: false, idempotent: false },
  // A bank's payout notices (代付 results), verified by the payout channel (docs/decisions.md, entry 158).
  { method: 'POST', path: '/callbacks/payouts/{channel}', handler: 'callbacks', signed: false, idempotent: false },
  // The operations API: one IAM-authorized proxy; its routes are the table in functions/ops/routes.ts (decisions, 161).
  // Reconciliation has a function of its own (decisions, 197): the S3 client and the channels' credentials stay out of
  // the ops function. Listed before the proxy, as API Gateway prefers the specific path to the greedy one.
  { method: 'ANY', path: '/ops/v1/reconciliations', handler: 'reconciliations', signed: false, idempotent: false, iam: true },
  { method: 'ANY', path: '/ops/v1/reconciliations/{id}', handler: 'reconciliations', signed: false, idempotent: false, iam: true },
  { method: 'ANY', path: '/ops/v1/{proxy+}', handler: 'ops', signed: false, idempotent: false, iam: true },
];

/** The merchant API (`/v1`, what docs/openapi.json describes); the other routes are pages for payers. */
export const merchantApiRoutes: readonly RouteDefinition[] = routes.filter((route) => route.path.startsWith('/v1/'));

/** Handler modules, relative to the project root (the CDK entry points and the local gateway's imports). */
export const apiFunctionEntries: Readonly<Record<ApiFunctionName, string>> = {
  order: 'functions/order.ts',
  pay: 'functions/pay.ts',
  refund: 'functions/refund.ts',
  query: 'functions/query.ts',
  events: 'functions/events.ts',
  checkout: 'functions/checkout.ts',
  callbacks: 'functions/callbacks.ts',
  customers: 'functions/customers.ts',
  agreements: 'functions/agreements.ts',
  payouts: 'functions/payouts.ts',
  ops: 'functions/ops.ts',
  reconciliations: 'functions/ops-reconciliations.ts',
  statements: 'functions/statements.ts',
};
