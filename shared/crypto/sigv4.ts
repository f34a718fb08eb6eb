import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * SigV4 signing of one HTTP request with @smithy/signature-v4 over node:crypto: the operations CLI signs its calls to
 * API Gateway (`execute-api`, infra/local/ops-sigv4.ts), the ops function its two calls to AWS WAF (`wafv2`,
 * shared/adapters/aws/waf-rule-sink.ts) without the ~200 KB SDK client (docs/decisions.md, 228).
 */

/** SHA-256 (and HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 asks for. */
export class NodeSha256 {
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
export async function signAwsRequest(
  request: { readonly url: URL; readonly method: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string | undefined },
  options: { readonly service: string; readonly region: string; readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider; readonly signingDate?: Date },
): Promise<SignedRequest> {
  const { url } = request;
  const signer = new SignatureV4({ service: options.service, region: options.region, credentials: options.credentials, sha256: NodeSha256, uriEscapePath: true });
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
      // host is signed: it is the one header a verifier always checks; fetch sends the same value.
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
