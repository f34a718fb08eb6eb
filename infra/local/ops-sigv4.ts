import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * SigV4 for the operations API in AWS (docs/operations.md, "npm run ops against AWS"; docs/decisions.md, 187):
 * API Gateway's IAM authorizer verifies a request signed for the service `execute-api` in the API's region, so the
 * ops CLI signs each request with the operator's AWS credentials (the SDK's default chain: environment, profile,
 * SSO, container or instance role) before it sends it, and sends exactly what it signed.
 */

/** The service name API Gateway's IAM authorizer expects in the credential scope. */
export const EXECUTE_API = 'execute-api';

/** SHA-256 (and HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof this.secret === 'string' ? Buffer.from(this.secret, 'utf8') : toBuffer(this.secret));
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/**
 * The API's region: AWS_REGION (or AWS_DEFAULT_REGION) when set, else the one in an execute-api host name
 * (`<id>.execute-api.<region>.amazonaws.com`); a custom domain needs the variable.
 */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

export interface SignedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/**
 * Signs one request: the returned headers (host, x-amz-date, x-amz-content-sha256, x-amz-security-token with session
 * credentials, authorization) go on the wire unchanged with the same URL and body.
 */
export async function signRequest(
  request: { readonly url: URL; readonly method: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string | undefined },
  options: { readonly region: string; readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider; readonly signingDate?: Date },
): Promise<SignedRequest> {
  const { url } = request;
  const signer = new SignatureV4({ service: EXECUTE_API, region: options.region, credentials: options.credentials, sha256: NodeSha256, uriEscapePath: true });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [previous, value].flat();
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      // host is signed: it is the one header the authorizer always checks; fetch sends the same value.
      headers: { ...lowerCased(request.headers), host: url.host },
      body: request.body,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return { url: url.toString(), method: request.method, headers: signed.headers as Record<string, string>, body: request.body };
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
