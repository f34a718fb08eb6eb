import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { signAwsRequest, type SignedRequest } from '../../shared/crypto/sigv4.js';

export type { SignedRequest };

/**
 * SigV4 for the operations API in AWS (docs/operations.md, "npm run ops against AWS"; docs/decisions.md, 187):
 * API Gateway's IAM authorizer verifies a request signed for the service `execute-api` in the API's region, so the
 * ops CLI signs each request with the operator's AWS credentials (the SDK's default chain: environment, profile,
 * SSO, container or instance role) before it sends it, and sends exactly what it signed.
 */

/** The service name API Gateway's IAM authorizer expects in the credential scope. */
export const EXECUTE_API = 'execute-api';

/**
 * The API's region: AWS_REGION (or AWS_DEFAULT_REGION) when set, else the one in an execute-api host name
 * (`<id>.execute-api.<region>.amazonaws.com`); a custom domain needs the variable.
 */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/**
 * Signs one request for API Gateway's IAM authorizer: the returned headers (host, x-amz-date, x-amz-content-sha256,
 * x-amz-security-token with session credentials, authorization) go on the wire unchanged with the same URL and body.
 */
export function signRequest(
  request: Parameters<typeof signAwsRequest>[0],
  options: { readonly region: string; readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider; readonly signingDate?: Date },
): Promise<SignedRequest> {
  return signAwsRequest(request, { ...options, service: EXECUTE_API });
}
