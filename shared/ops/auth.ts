import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../domain/errors.js';

/**
 * Who is calling the operations API. In AWS, API Gateway has already verified the caller's SigV4 signature against
 * IAM (the ops route's authorizer) and puts the principal's ARN in the request context; locally the caller shows the
 * token from `.data/ops-token`. Either way the answer is the principal the audit trail records.
 */
export type OpsAuthenticator = (request: OpsCredentials) => string;

export interface OpsCredentials {
  /** The Authorization header as sent. */
  readonly authorization: string | undefined;
  /** API Gateway's `requestContext.identity.userArn` of an IAM-authorized request. */
  readonly iamPrincipalArn: string | undefined;
}

/** The principal recorded for calls made with the local token (docs/operations.md). */
export const LOCAL_TOKEN_PRINCIPAL = 'local-token';

/** A missing and a wrong credential get the same answer, as a merchant's unknown id and wrong signature do. */
function refused(): AuthenticationError {
  return new AuthenticationError('invalid_ops_credentials');
}

/**
 * Local mode: `Authorization: Bearer <token>`. Both sides are hashed before the comparison so that timingSafeEqual
 * compares equal lengths, and neither the token's length nor its content leaks through the time taken.
 */
export function bearerTokenAuthenticator(token: string): OpsAuthenticator {
  const expected = digest(token);
  return ({ authorization }) => {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw refused();
    return LOCAL_TOKEN_PRINCIPAL;
  };
}

/**
 * AWS: the principal API Gateway's IAM authorizer established. A request without one cannot have passed the
 * authorizer (a route deployed without it, a direct invocation): refused rather than recorded as nobody.
 */
export const iamAuthenticator: OpsAuthenticator = ({ iamPrincipalArn }) => {
  if (!iamPrincipalArn || !iamPrincipalArn.startsWith('arn:')) throw refused();
  return iamPrincipalArn;
};

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
