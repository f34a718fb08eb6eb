import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DomainError, PayloadTooLargeError, ValidationError } from '../../shared/domain/errors.js';
import { logger, withLogContext } from '../../shared/logger.js';
import { bodyDigest, redact, type AuditEntry } from '../../shared/ops/audit.js';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/errors.js';
import { getOpsDeps, type OpsDeps } from './compose.js';

const MAX_BODY_BYTES = 64 * 1024;

/** What an operations action sees. */
export interface OpsRequest {
  readonly body: unknown;
  readonly pathParameters: Record<string, string>;
  readonly query: Record<string, string>;
  readonly principal: string;
  readonly requestId: string;
  readonly ops: OpsDeps;
}

export interface OpsResult {
  readonly statusCode: number;
  readonly body: unknown;
  /** For a change: the object before and after it, kept in the audit entry. */
  readonly audit?: { readonly before: unknown; readonly after: unknown };
}

export type OpsAction = (request: OpsRequest) => Promise<OpsResult>;

/** `METHOD /ops/v1/path/{param}` → action: the whole operations API (functions/ops/routes.ts). */
export type OpsRoutes = Readonly<Record<string, OpsAction>>;

interface CompiledRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly action: OpsAction;
}

function compile(routes: OpsRoutes): CompiledRoute[] {
  return Object.entries(routes).map(([key, action]) => {
    const [method, template] = key.split(' ') as [string, string];
    const params: string[] = [];
    const source = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { method, pattern: new RegExp(`^${source}$`), params, action };
  });
}

/**
 * The operations API's one function behind API Gateway's `/ops/v1/{proxy+}` (IAM-authorized in AWS): it
 * authenticates the caller, routes by method and path itself, and records every call, answered or refused, in the
 * audit trail before the answer leaves (docs/operations.md). If the entry cannot be written the answer is a 500: an
 * operator is never told "done" for a call the trail does not show (docs/decisions.md, 162).
 */
export function opsHandler(routes: OpsRoutes) {
  const compiled = compile(routes);
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext?.requestId || context.awsRequestId;
    return withLogContext({ requestId, route: `${event.httpMethod} ${event.path}` }, async () => {
      const ops = await getOpsDeps();
      const rawBody = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      let principal = 'anonymous';
      let response: HttpResponse;
      let change: OpsResult['audit'];
      let body: unknown;
      try {
        principal = ops.authenticate({
          authorization: headerOf(event, 'authorization'),
          iamPrincipalArn: event.requestContext?.identity?.userArn ?? undefined,
        });
        body = parseBody(event.httpMethod, rawBody);
        const { action, pathParameters } = match(compiled, event.httpMethod, event.path);
        const result = await action({ body, pathParameters, query: (event.queryStringParameters ?? {}) as Record<string, string>, principal, requestId, ops });
        change = result.audit;
        response = jsonResponse(result.statusCode, result.body);
      } catch (error) {
        response = errorResponse(error, requestId);
      }
      const entry: AuditEntry = {
        id: requestId,
        at: new Date(ops.deps.now()).toISOString(),
        principal,
        method: event.httpMethod,
        path: pathWithQuery(event),
        status: response.statusCode,
        bodyDigest: bodyDigest(rawBody),
        body: body === undefined ? null : redact(body),
        before: change?.before ?? null,
        after: change?.after ?? null,
      };
      try {
        await ops.audit.append(entry);
      } catch (error) {
        logger.error('ops audit entry not written', { requestId, error: error instanceof Error ? error.message : String(error) });
        response = errorResponse(new Error('audit trail unavailable'), requestId);
      }
      return { ...response, headers: { ...response.headers, 'X-Request-Id': requestId } };
    });
  };
}

function match(routes: readonly CompiledRoute[], method: string, path: string): { action: OpsAction; pathParameters: Record<string, string> } {
  const onPath = routes.map((route) => ({ route, m: route.pattern.exec(path) })).filter((x) => x.m !== null);
  const found = onPath.find((x) => x.route.method === method);
  if (!found) {
    if (onPath.length > 0) throw new DomainError(405, 'invalid_request', 'method_not_allowed', `${method} is not allowed here.`);
    throw new DomainError(404, 'invalid_request', 'route_not_found', `No route for ${method} ${path}.`);
  }
  const pathParameters: Record<string, string> = {};
  found.route.params.forEach((name, i) => (pathParameters[name] = decodeURIComponent(found.m![i + 1]!)));
  return { action: found.route.action, pathParameters };
}

function parseBody(method: string, raw: string): unknown {
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (method === 'GET') return undefined;
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError('invalid_json', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationError('invalid_json', 'The request body must be a JSON object.');
  return parsed;
}

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}

function pathWithQuery(event: APIGatewayProxyEvent): string {
  const query = new URLSearchParams(Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v ?? ''])).toString();
  return query ? `${event.path}?${query}` : event.path;
}

