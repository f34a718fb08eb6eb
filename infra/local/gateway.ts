import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handler as agreements } from '../../functions/agreements.js';
import { handler as callbacks } from '../../functions/callbacks.js';
import { handler as checkout } from '../../functions/checkout.js';
import { handler as customers } from '../../functions/customers.js';
import { handler as events } from '../../functions/events.js';
import { handler as ops } from '../../functions/ops.js';
import { handler as reconciliations } from '../../functions/ops-reconciliations.js';
import { handler as order } from '../../functions/order.js';
import { handler as pay } from '../../functions/pay.js';
import { handler as payouts } from '../../functions/payouts.js';
import { handler as query } from '../../functions/query.js';
import { handler as refund } from '../../functions/refund.js';
import { stream as statements } from '../../functions/statements.js';
import { MAX_BODY_BYTES, type StreamedResponse } from '../../functions/http/api-handler.js';
import { ERROR_CODES, type ErrorCode, type ErrorType } from '../../shared/domain/error-codes.js';
import { logger } from '../../shared/logger.js';
import { routes, type ApiFunctionName, type RouteDefinition } from '../definitions/routes.js';
import type { LocalRateLimiter } from './rate-limiter.js';
import type { SandboxEmulator } from './sandbox-channels.js';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
/** A route answered by response streaming (RouteDefinition.stream): the body is written as it is produced. */
type StreamHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<StreamedResponse>;

/** The same modules CDK deploys behind API Gateway. */
const HANDLERS: Record<Exclude<ApiFunctionName, 'statements'>, ApiHandler> = { order, pay, refund, query, events, checkout, callbacks, customers, agreements, payouts, ops, reconciliations };
const STREAM_HANDLERS: Record<Extract<ApiFunctionName, 'statements'>, StreamHandler> = { statements };

function invoke(name: ApiFunctionName, event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult | StreamedResponse> {
  return name === 'statements' ? STREAM_HANDLERS[name](event, context) : HANDLERS[name](event, context);
}

/** API Gateway's integration timeout. */
export const GATEWAY_TIMEOUT_MS = 29_000;

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly params: string[];
}

const compiled: CompiledRoute[] = routes.map((route) => {
  const params: string[] = [];
  // `{proxy+}` is API Gateway's greedy parameter: the rest of the path, slashes included.
  const source = route.path.replace(/\{(\w+)(\+?)\}/g, (_m, name: string, greedy: string) => {
    params.push(name);
    return greedy ? '(.+)' : '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

function send(res: ServerResponse, statusCode: number, headers: Record<string, string>, body: string): void {
  res.writeHead(statusCode, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function gatewayError(res: ServerResponse, requestId: string, statusCode: number, type: ErrorType, code: ErrorCode, message: string, param?: string): void {
  send(
    res,
    statusCode,
    { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': requestId },
    JSON.stringify({ error: { type, code, message, ...(param ? { param } : {}), requestId } }),
  );
}

/** API Gateway's WAF_FILTERED answer (infra/cdk/api.ts): 429 rate_limited with Retry-After, in the error shape. */
function rateLimited(res: ServerResponse, requestId: string, retryAfterSeconds: number): void {
  const { status, type, message } = ERROR_CODES.rate_limited;
  send(
    res,
    status,
    { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': requestId, 'Retry-After': String(retryAfterSeconds) },
    JSON.stringify({ error: { type, code: 'rate_limited', message, requestId } }),
  );
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The request target as a URL. Origin-form (`/v1/orders?limit=5`) is read against a fixed base, so `//x` stays a path
 * instead of naming a host; absolute-form (`http://host/v1/…`, which HTTP/1.1 servers must accept) keeps its path and
 * query. Anything else (`*`, a bare word) is not a target this API serves.
 */
function parseTarget(target: string): URL | undefined {
  try {
    if (target.startsWith('/')) return new URL(`http://local${target}`);
    if (/^https?:\/\//i.test(target)) return new URL(target);
  } catch {
    // falls through: a target the URL parser refuses is a bad request
  }
  return undefined;
}

/**
 * Turns an HTTP request into an API Gateway (REST, proxy integration) event and invokes the route's Lambda
 * handler, as API Gateway does: request id, body size limit (413), integration timeout (504). Whatever the client
 * sends, the answer is JSON with X-Request-Id (contract, "Errors"): a malformed target or escape is a 400.
 */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, rateLimiter?: LocalRateLimiter): Promise<void> {
  const requestId = randomUUID();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = parseTarget(req.url ?? '/');
  if (!url) {
    req.resume();
    return gatewayError(res, requestId, 404, 'invalid_request', 'route_not_found', `No route for ${method} ${req.url ?? ''}.`);
  }
  // WAF sits in front of API Gateway: a request over its merchant's limit reaches no route and no function.
  const verdict = rateLimiter?.check({ path: url.pathname, headers: req.headers });
  if (verdict?.limited) {
    req.resume();
    return rateLimited(res, requestId, verdict.retryAfterSeconds);
  }
  const matches = compiled
    .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
    .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
  const match = matches.find((x) => x.c.route.method === method || x.c.route.method === 'ANY');
  if (!match) {
    req.resume();
    if (matches.length > 0) return gatewayError(res, requestId, 405, 'invalid_request', 'method_not_allowed', `${method} is not allowed here.`);
    return gatewayError(res, requestId, 404, 'invalid_request', 'route_not_found', `No route for ${method} ${url.pathname}.`);
  }
  const pathParameters = decodePathParameters(match.c, match.m);
  if (typeof pathParameters === 'string') {
    req.resume();
    return gatewayError(res, requestId, 400, 'invalid_request', 'parameter_invalid', `Invalid ${pathParameters}: a malformed percent escape.`, pathParameters);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  const body = declared > MAX_BODY_BYTES ? undefined : await readBody(req);
  if (body === undefined) {
    req.resume();
    return gatewayError(res, requestId, 413, 'invalid_request', 'body_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  }
  const event = toEvent(req, url, method, match.c, pathParameters, body, requestId);
  const context = lambdaContext(match.c.route.handler, requestId);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), GATEWAY_TIMEOUT_MS);
    });
    // A streamed route's timeout is API Gateway's time to the first byte: its status and headers.
    const result = await Promise.race([invoke(match.c.route.handler, event, context), timeout]);
    if (result === 'timeout') {
      return gatewayError(res, requestId, 504, 'internal', 'gateway_timeout', 'The request timed out.');
    }
    clearTimeout(timer);
    if (typeof result.body !== 'string') return await sendStream(res, requestId, result as StreamedResponse);
    send(res, result.statusCode, (result.headers ?? {}) as Record<string, string>, result.body);
  } catch (error) {
    logger.error('handler crashed', { requestId, error: error instanceof Error ? error.message : String(error) });
    gatewayError(res, requestId, 502, 'internal', 'bad_gateway', 'The function failed.');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes a streamed body chunk by chunk (chunked transfer encoding), waiting on the socket's back-pressure. A failure
 * after the first byte can no longer change the status: the connection is cut, so the client sees an incomplete
 * transfer instead of a body that looks whole; a client that hangs up stops the producer (its generator returns).
 */
async function sendStream(res: ServerResponse, requestId: string, result: StreamedResponse): Promise<void> {
  res.writeHead(result.statusCode, result.headers);
  try {
    await pipeline(Readable.from(result.body), res);
  } catch (error) {
    logger.error('streamed response failed', { requestId, error: error instanceof Error ? error.message : String(error) });
    res.destroy();
  }
}

/** Path parameters decoded as API Gateway does, or the name of the one with a malformed escape (`/v1/orders/%`). */
function decodePathParameters(route: CompiledRoute, match: RegExpExecArray): Record<string, string> | string {
  const pathParameters: Record<string, string> = {};
  for (const [i, name] of route.params.entries()) {
    try {
      pathParameters[name] = decodeURIComponent(match[i + 1] ?? '');
    } catch {
      return name;
    }
  }
  return pathParameters;
}

/**
 * Maps keyed by what the client sent (header names, query keys) have no prototype, so `__proto__`, `constructor` or
 * `hasOwnProperty` are ordinary own keys, as they are in the JSON event API Gateway delivers.
 */
function ownMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  route: CompiledRoute,
  pathParameters: Record<string, string>,
  body: string,
  requestId: string,
): APIGatewayProxyEvent {
  const headers = ownMap<string>();
  const multiValueHeaders = ownMap<string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values.join(',');
    multiValueHeaders[name] = values;
  }
  const query = ownMap<string>();
  const multiQuery = ownMap<string[]>();
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  return {
    resource: route.route.path,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: route.params.length ? pathParameters : null,
    stageVariables: null,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    requestContext: {
      requestId,
      resourcePath: route.route.path,
      httpMethod: method,
      path: url.pathname,
      stage: 'local',
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + GATEWAY_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const SANDBOX_PREFIX = /^\/sandbox\/channels\/([^/]+)(\/.*)$/;

/**
 * The sandbox channels are separate services in front of which API Gateway does not sit: a request under
 * `/sandbox/channels/<id>/…` goes to that channel's emulator with the rest of its path (and query), as the channel's
 * own host would receive it. Undefined when no emulator is mounted there (the API's routes answer instead).
 */
function sandboxTarget(
  sandbox: ReadonlyMap<string, SandboxEmulator> | undefined,
  target: string | undefined,
): { emulator: SandboxEmulator; path: string } | undefined {
  const url = sandbox && target ? parseTarget(target) : undefined;
  const match = url ? SANDBOX_PREFIX.exec(url.pathname) : null;
  const emulator = match ? sandbox?.get(match[1]!) : undefined;
  return emulator && match && url ? { emulator, path: `${match[2]!}${url.search}` } : undefined;
}

export interface GatewayOptions {
  /** The local runtime's sandbox channel emulators, by channel id. */
  readonly sandbox?: ReadonlyMap<string, SandboxEmulator>;
  /**
   * Resolves once the runtime's services are installed. The gateway listens before that (the sandbox adapters need
   * its URL); a request arriving meanwhile waits instead of reaching handlers with nothing wired.
   */
  readonly ready?: Promise<unknown>;
  /** The merchant rate limits, as AWS WAF enforces them in front of API Gateway (infra/local/rate-limiter.ts). */
  readonly rateLimiter?: LocalRateLimiter;
}

export function createGateway(options: GatewayOptions = {}): Server {
  const server = createServer((req, res) => {
    const serve = async () => {
      await options.ready;
      const sandbox = sandboxTarget(options.sandbox, req.url);
      if (sandbox) return sandbox.emulator.handle(req, res, sandbox.path);
      return handleRequest(req, res, options.rateLimiter);
    };
    serve().catch((error: unknown) => {
      const requestId = randomUUID();
      logger.error('gateway failure', { requestId, error: String(error) });
      if (!res.headersSent) gatewayError(res, requestId, 500, 'internal', 'internal_error', 'An internal error occurred.');
      else res.destroy();
    });
  });
  // Requests Node's HTTP parser refuses (an unknown method, a malformed header or target, oversized headers) never
  // reach the handler; they still get the contract's JSON error with a request id, not Node's bare 400. The codes
  // are the catalog's: an unknown method is 405 method_not_allowed, anything else a 400 parameter_invalid.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const [status, code, message] =
      error.code === 'HPE_INVALID_METHOD'
        ? ['405 Method Not Allowed', 'method_not_allowed', 'The method is not allowed.']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? ['400 Bad Request', 'parameter_invalid', 'The request headers are too large.']
          : ['400 Bad Request', 'parameter_invalid', 'The request is not valid HTTP/1.1.'];
    const body = JSON.stringify({ error: { type: 'invalid_request', code, message, requestId } });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5_000;
  return server;
}
