import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { ERROR_CODES, isErrorCode } from '../../shared/domain/error-codes.js';

/**
 * Checks a real answer of the API against the committed OpenAPI document (docs/openapi.json): the status is one the
 * operation documents, the body matches that response's schema (an error's code is one the operation lists, with the
 * catalog's status and type), and the documented headers are there. The test ApiClient runs it on every answer, so
 * the whole e2e suite is the check that the document and the code agree. Validators are compiled once per process,
 * on first use.
 */
export interface ObservedResponse {
  readonly method: string;
  /** The request target as sent, query included. */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, undefined when the body was not JSON. */
  readonly body: unknown;
}

type Json = Record<string, any>;

const DOC_ID = 'openapi.json';

export class ConformanceCheck {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: ReadonlyArray<{ readonly path: string; readonly pattern: RegExp }>;

  constructor(private readonly doc: Json) {
    addFormats.default(this.ajv);
    // Components resolve against the document: `#/components/schemas/Order` inside it, `openapi.json#/…` from outside.
    this.ajv.addKeyword('components');
    this.ajv.addSchema({ $id: DOC_ID, components: { schemas: doc.components.schemas } });
    this.routes = Object.keys(doc.paths).map((path) => ({ path, pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`) }));
  }

  /** What in this answer the document does not describe; empty when it conforms. */
  problems(response: ObservedResponse): string[] {
    const pathname = response.path.split('?')[0]!;
    const method = response.method.toLowerCase();
    const route = this.routes.find((r) => r.pattern.test(pathname) && this.doc.paths[r.path][method]);
    const problems: string[] = [];
    if (!response.headers.get('x-request-id')) problems.push('no X-Request-Id header');
    // A target outside the document (an unknown route or method) is answered by the gateway: an Error all the same.
    if (!route) return [...problems, ...this.errorProblems(response)];
    const operation = this.doc.paths[route.path][method] as Json;
    const statusKey = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((k) => operation.responses[k]);
    if (!statusKey) return [...problems, `status ${response.status} is not documented for ${response.method} ${route.path}`];
    const documented = operation.responses[statusKey] as Json;
    problems.push(...this.headerProblems(response, documented));

    const schema = documented.content?.['application/json']?.schema as Json | undefined;
    if (!schema) return problems;
    if (response.body === undefined) return [...problems, 'the body is not JSON'];
    const validate = this.validator(`${response.method} ${route.path} ${statusKey}`, schema);
    if (!validate(response.body)) problems.push(`body does not match the documented schema: ${this.ajv.errorsText(validate.errors)}`);
    // A code the operation documents under another status than the catalog's (its schema enumerates it) is checked there.
    if (response.status >= 400) problems.push(...this.errorProblems(response, documentedCodes(schema)));
    return problems;
  }

  /** What in `value` a schema of the document (a webhook body, say) does not describe; empty when it conforms. */
  schemaProblems(schema: Json, value: unknown): string[] {
    const validate = this.validator(JSON.stringify(schema), schema);
    return validate(value) ? [] : [this.ajv.errorsText(validate.errors)];
  }

  private headerProblems(response: ObservedResponse, documented: Json): string[] {
    const entries = Object.entries((documented.headers ?? {}) as Json).map(([name, header]) => [name.toLowerCase(), this.resolve(header)] as const);
    const problems = entries.filter(([name, header]) => header.required && !response.headers.has(name)).map(([name]) => `documented header ${name} is missing`);
    if (response.headers.has('idempotent-replayed') && !entries.some(([name]) => name === 'idempotent-replayed')) {
      problems.push('Idempotent-Replayed is not documented for this answer');
    }
    return problems;
  }

  /** The Error envelope, with a catalog code whose status and type are the answer's. */
  private errorProblems(response: ObservedResponse, documented: readonly string[] = []): string[] {
    const envelope = this.validator('Error', { $ref: '#/components/schemas/Error' });
    if (!envelope(response.body)) return [`body is not an Error: ${this.ajv.errorsText(envelope.errors)}`];
    const { code, type } = (response.body as { error: { code: string; type: string } }).error;
    if (!isErrorCode(code)) return [`error code ${code} is not in the catalog`];
    const spec = ERROR_CODES[code];
    const problems: string[] = [];
    if (spec.status !== response.status && documented.includes(code)) return problems;
    if (spec.status !== response.status) problems.push(`error code ${code} is ${spec.status} in the catalog, answered ${response.status}`);
    if (spec.type !== type) problems.push(`error code ${code} has type ${spec.type} in the catalog, answered ${type}`);
    return problems;
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as Json;
      validate = this.ajv.compile(rooted);
      this.validators.set(key, validate);
    }
    return validate;
  }

  private resolve(item: Json): Json {
    if (typeof item.$ref !== 'string') return item;
    return (item.$ref as string)
      .slice(2)
      .split('/')
      .reduce((node: Json, key: string) => node[key], this.doc);
  }
}

let committed: ConformanceCheck | undefined;

/** The check against the committed docs/openapi.json, built once per process. */
export function documentCheck(): ConformanceCheck {
  return (committed ??= new ConformanceCheck(JSON.parse(readFileSync(join(projectRoot, 'docs', 'openapi.json'), 'utf8')) as Json));
}

export class NonConformingResponseError extends Error {
  constructor(response: ObservedResponse, problems: readonly string[], text: string) {
    super(
      `${response.method} ${response.path} → ${response.status} differs from docs/openapi.json (fix the document or the code, then \`npm run openapi\`):\n` +
        `  - ${problems.join('\n  - ')}\n  body: ${text.slice(0, 2000)}`,
    );
    this.name = 'NonConformingResponseError';
  }
}

export function assertConforms(response: ObservedResponse, text: string): void {
  const problems = documentCheck().problems(response);
  if (problems.length > 0) throw new NonConformingResponseError(response, problems, text);
}

/** The error codes an error response's schema enumerates (`allOf: [Error, {… code: {enum}}]`, openapi.ts). */
function documentedCodes(schema: Json): string[] {
  const narrowed = (schema.allOf as Json[] | undefined)?.[1] as Json | undefined;
  const codes = narrowed?.properties?.error?.properties?.code?.enum;
  return Array.isArray(codes) ? (codes as string[]) : [];
}
