import { createHash } from 'node:crypto';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  AuthenticationError,
  ConflictError,
  DomainError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  ValidationError,
} from '../../shared/domain/errors.js';
import type { Merchant, NonceGuard } from '../../shared/ports/stores.js';
import type { Deps } from '../../shared/services/deps.js';
import { authenticate, recordDeferredNonce } from '../../shared/services/merchants.js';
import { withLogContext } from '../../shared/logger.js';
import { kmsKeyCenter } from '../aws/kms-key-center.js';
import { getChannelDeps, getDeps, provideAws } from '../services.js';
import { errorResponse, jsonResponse, type HttpResponse } from './errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

// Every API call verifies a signature with the merchant's sealed secret: API functions use the key center.
provideAws({ keyCenter: kmsKeyCenter });

/** What an action sees: the parsed request, the authenticated merchant and the services. */
export interface ActionInput {
  readonly body: unknown;
  readonly pathParameters: Record<string, string>;
  readonly query: Record<string, string>;
  readonly merchant: Merchant;
  readonly deps: Deps;
  readonly requestId: string;
  /** Set on routes that record the nonce with their first write: pass it to that write. */
  readonly nonceGuard?: NonceGuard;
}

export interface ActionResult {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export type Action = (input: ActionInput) => Promise<ActionResult>;

/** Route key: `${httpMethod} ${resource}`, e.g. `POST /v1/orders/{id}/close` (API Gateway's resource template). */
export type Actions = Readonly<Record<string, Action>>;

interface ApiContext extends Context {
  requestId: string;
  rawBody: string;
  parsedBody: unknown;
  merchant?: Merchant;
  nonceGuard?: NonceGuard;
  idempotency?: { merchantId: string; key: string };
}

type ApiRequest = Request<APIGatewayProxyEvent, HttpResponse, Error, ApiContext>;

/** Header lookup that ignores case, as HTTP does. */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * The request target as the merchant signed it. API Gateway's REST events carry the decoded query only, so it is
 * rebuilt in order; both RFC 3986 encoding and the minimal form are accepted, which covers what HTTP clients send.
 */
export function requestTargets(event: APIGatewayProxyEvent): string[] {
  const params = event.multiValueQueryStringParameters ?? {};
  const entries = Object.entries(params).flatMap(([k, vs]) => (vs ?? []).map((v) => [k, v] as const));
  if (entries.length === 0) return [event.path];
  const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const minimal = (s: string) => s.replace(/[%&=#+ ]/g, (c) => encodeURIComponent(c)).replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
  const build = (enc: (s: string) => string) => `${event.path}?${entries.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
  return [...new Set([build(strict), build(encodeURIComponent), build(minimal)])];
}

const bodyParser: MiddlewareObj<APIGatewayProxyEvent, HttpResponse, Error, ApiContext> = {
  before: async (request: ApiRequest) => {
    const { event, context } = request;
    const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
    if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
    context.rawBody = raw;
    if (event.httpMethod === 'GET') {
      context.parsedBody = undefined;
      return;
    }
    if (raw.trim() === '') {
      context.parsedBody = {};
      return;
    }
    const type = header(event, 'content-type');
    if (type && !/^application\/json\b/i.test(type)) {
      throw new ValidationError('unsupported_media_type', 'Content-Type must be application/json.');
    }
    try {
      context.parsedBody = JSON.parse(raw);
    } catch {
      throw new ValidationError('invalid_json', 'The request body is not valid JSON.');
    }
    if (context.parsedBody === null || typeof context.parsedBody !== 'object' || Array.isArray(context.parsedBody)) {
      throw new ValidationError('invalid_json', 'The request body must be a JSON object.');
    }
    refuseProtoKey(context.parsedBody);
  },
};

/**
 * JSON.parse keeps a `__proto__` key as an own property, but every object built from it by assignment (zod's record
 * output, the DynamoDB marshaller and unmarshaller) silently drops it: a `metadata` key would vanish. Such a body is
 * refused, naming where the key is, rather than stored without it (docs/decisions.md, entry 41). Query keys need no
 * such check: the strict query schemas already refuse `__proto__` as unknown. Iterative, since 64 KB of JSON can nest
 * thousands of levels deep.
 */
function refuseProtoKey(root: unknown): void {
  const pending: [unknown, string | undefined][] = [[root, undefined]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      const param = path === undefined ? key : `${path}.${key}`;
      if (key === '__proto__') throw new ValidationError('parameter_invalid', `Invalid ${param}: "__proto__" cannot be used as a key.`, param);
      pending.push([(value as Record<string, unknown>)[key], param]);
    }
  }
}

/**
 * Signature, timestamp and nonce. On the routes given (the hot writes: create order, pay) and without an
 * Idempotency-Key, the nonce is recorded in the request's first transaction instead of a write of its own; if the
 * request ends without having written it, it is recorded then, and a nonce already seen turns the answer into 401
 * replayed_request. Such a request changed nothing (its only writes carry the nonce), so nothing is lost by it.
 */
const signatureAuth = (nonceWithFirstWrite: ReadonlySet<string>): MiddlewareObj<APIGatewayProxyEvent, HttpResponse, Error, ApiContext> => ({
  before: async (request: ApiRequest) => {
    const { event, context } = request;
    const deps = getDeps();
    const deferNonce =
      nonceWithFirstWrite.has(`${event.httpMethod} ${event.resource}`) && header(event, 'idempotency-key') === undefined;
    const headers = {
      merchantId: header(event, 'x-merchant-id'),
      timestamp: header(event, 'x-timestamp'),
      nonce: header(event, 'x-nonce'),
      signature: header(event, 'x-signature'),
    };
    let lastError: unknown;
    // Usually one target; more only when the query could have been encoded in more than one way.
    for (const pathWithQuery of requestTargets(event)) {
      try {
        const signed = { method: event.httpMethod, pathWithQuery, rawBody: context.rawBody };
        const { merchant, guard } = await authenticate(deps, headers, signed, { deferNonce });
        context.merchant = merchant;
        context.nonceGuard = guard;
        return;
      } catch (error) {
        lastError = error;
        if (!(error instanceof AuthenticationError) || error.code !== 'invalid_signature') break;
      }
    }
    throw lastError;
  },
  after: async (request: ApiRequest) => {
    const guard = request.context.nonceGuard;
    if (!guard) return;
    try {
      await recordDeferredNonce(getDeps(), guard);
    } catch (error) {
      request.response = undefined;
      throw error;
    }
  },
  onError: async (request: ApiRequest) => {
    const guard = request.context.nonceGuard;
    if (!guard || guard.recorded) return;
    // A failed request's nonce is spent too. A replay (401) or a disabled merchant (403) replaces the request's own
    // answer; if recording fails otherwise, the original error stands.
    try {
      await recordDeferredNonce(getDeps(), guard);
    } catch (error) {
      if (error instanceof DomainError) {
        request.response = undefined;
        request.error = error;
      }
    }
  },
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key (contract, "Idempotency"): the record is stored before the work starts; a retry replays the first
 * response byte for byte. Server errors release the key so that the retry runs the request again.
 */
const idempotency: MiddlewareObj<APIGatewayProxyEvent, HttpResponse, Error, ApiContext> = {
  before: async (request: ApiRequest) => {
    const { event, context } = request;
    const key = header(event, 'idempotency-key');
    if (event.httpMethod !== 'POST' || key === undefined || !context.merchant) return;
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError('idempotency_key_invalid', 'Idempotency-Key must be 1-255 visible ASCII characters.', 'Idempotency-Key');
    }
    const deps = getDeps();
    const fingerprint = createHash('sha256')
      .update(`${event.httpMethod}\n${event.path}\n`)
      .update(context.rawBody)
      .digest('hex');
    const merchantId = context.merchant.merchantId;
    const begun = await deps.idempotency.begin(merchantId, key, fingerprint, deps.now());
    switch (begun.kind) {
      case 'started':
        context.idempotency = { merchantId, key };
        return;
      case 'replay':
        return {
          statusCode: begun.response.statusCode,
          headers: { ...begun.response.headers, 'Idempotent-Replayed': 'true' },
          body: begun.response.body,
        };
      case 'mismatch':
        throw new UnprocessableError('idempotency_key_reused', 'This Idempotency-Key was used with another request.', 'Idempotency-Key');
      case 'in_progress':
        throw new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still in progress.');
    }
  },
  after: async (request: ApiRequest) => {
    const record = request.context.idempotency;
    if (record && request.response) await getDeps().idempotency.complete(record.merchantId, record.key, storable(request.response));
  },
  onError: async (request: ApiRequest) => {
    const record = request.context.idempotency;
    if (!record) return;
    const deps = getDeps();
    if (request.error instanceof DomainError && request.error.statusCode < 500) {
      const response = errorResponse(request.error, request.context.requestId);
      await deps.idempotency.complete(record.merchantId, record.key, storable(response));
      request.response = response;
    } else {
      await deps.idempotency.release(record.merchantId, record.key);
    }
  },
};

function storable(response: HttpResponse): HttpResponse {
  const { 'X-Request-Id': _ignored, ...headers } = response.headers;
  return { statusCode: response.statusCode, headers, body: response.body };
}

const errorMapper: MiddlewareObj<APIGatewayProxyEvent, HttpResponse, Error, ApiContext> = {
  onError: async (request: ApiRequest) => {
    if (!request.response) request.response = errorResponse(request.error, request.context.requestId);
  },
};

export interface ApiHandlerOptions {
  /** Routes that record the nonce with their first write (create order, pay): see signatureAuth. */
  readonly nonceWithFirstWrite?: readonly string[];
  /**
   * Routes whose action may call a payment channel (close, confirm, refund): they get the Deps with every channel this
   * deployment has credentials for (getChannelDeps), opened on the first such request of a container, so a function
   * whose other routes never call a channel does not pay for opening the credentials on those.
   */
  readonly channelRoutes?: readonly string[];
}

/**
 * The middy stack every API Lambda shares: body limits and JSON, signature auth, idempotency, one error mapper.
 * The outer function stamps X-Request-Id on every response, including replays and errors.
 */
export function apiHandler(actions: Actions, options: ApiHandlerOptions = {}) {
  const channelRoutes = new Set(options.channelRoutes);
  const core = apiStack(async (event: APIGatewayProxyEvent, context: ApiContext) => {
    const routeKey = `${event.httpMethod} ${event.resource}`;
    const action = actions[routeKey];
    if (!action) throw new NotFoundError('route');
    const result = await action(actionInput(event, context, channelRoutes.has(routeKey) ? await getChannelDeps() : getDeps()));
    return jsonResponse(result.statusCode, result.body, result.headers);
  }, options);
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => (await withRequestContext(event, context, core)).response;
}

/** What a streamed route answers: status and headers first, then a body produced while it is being sent. */
export interface StreamedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: AsyncIterable<string>;
}

export type StreamAction = (input: ActionInput) => Promise<StreamedResponse>;

/**
 * A route whose body is streamed (a statement: docs/decisions.md, entry 180), behind the same stack as every other
 * route: the request is authenticated and validated, and any error answered as JSON, before the first byte of the
 * body is produced. The transport (Lambda response streaming, or the local gateway) writes the body as it comes.
 */
export function apiStreamHandler(action: StreamAction) {
  const bodies = new WeakMap<ApiContext, AsyncIterable<string>>();
  const core = apiStack(async (event: APIGatewayProxyEvent, context: ApiContext) => {
    const result = await action(actionInput(event, context, getDeps()));
    bodies.set(context, result.body);
    return { statusCode: result.statusCode, headers: result.headers, body: '' };
  }, {});
  return async (event: APIGatewayProxyEvent, context: Context): Promise<StreamedResponse> => {
    const { response, apiContext } = await withRequestContext(event, context, core);
    const body = bodies.get(apiContext);
    // A middleware may have turned the answer into an error after the action ran (a replayed nonce): its JSON stands.
    if (body && response.statusCode < 400) return { statusCode: response.statusCode, headers: response.headers, body };
    return { statusCode: response.statusCode, headers: response.headers, body: textOnce(response.body) };
  };
}

async function* textOnce(text: string): AsyncGenerator<string> {
  yield text;
}

type Core = (event: APIGatewayProxyEvent, context: ApiContext) => Promise<HttpResponse>;

function apiStack(core: Core, options: ApiHandlerOptions) {
  return middy<APIGatewayProxyEvent, HttpResponse, Error, ApiContext>(core)
    .use(errorMapper)
    .use(bodyParser)
    .use(signatureAuth(new Set(options.nonceWithFirstWrite)))
    .use(idempotency);
}

function actionInput(event: APIGatewayProxyEvent, context: ApiContext, deps: Deps): ActionInput {
  return {
    body: context.parsedBody,
    pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    merchant: context.merchant!,
    deps,
    requestId: context.requestId,
    nonceGuard: context.nonceGuard,
  };
}

async function withRequestContext(event: APIGatewayProxyEvent, context: Context, core: Core): Promise<{ response: HttpResponse; apiContext: ApiContext }> {
  const requestId = event.requestContext?.requestId || context.awsRequestId;
  const apiContext = Object.assign(context, { requestId, rawBody: '', parsedBody: undefined }) as ApiContext;
  // Every log line of this request carries its ids (and the order's, when the path names one).
  const orderId = event.pathParameters?.id?.startsWith('ord_') ? event.pathParameters.id : undefined;
  const response = await withLogContext({ requestId, route: `${event.httpMethod} ${event.resource}`, ...(orderId ? { orderId } : {}) }, () =>
    core(event, apiContext),
  );
  return { response: { ...response, headers: { ...response.headers, 'X-Request-Id': requestId } }, apiContext };
}
