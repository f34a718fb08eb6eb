import { createHash, createSign, createVerify } from 'node:crypto';

/**
 * UnionPay acquiring-API signatures (ACP 5.1, `signMethod=01`): every field but `signature`, sorted by name, joined as
 * `name=value&…`; its SHA-256 in lowercase hex is signed with SHA256withRSA (PKCS#1 v1.5) and sent in base64. The
 * signer's certificate id travels in `certId` (a signed field), so a verifier holding a LIST of certificates picks
 * the right one and a certificate roll-over never refuses a genuine message.
 */
export type UnionpayFields = Readonly<Record<string, string>>;

export interface UnionpayCert {
  readonly certId: string;
  readonly publicKeyPem: string;
}

export interface UnionpaySigningCert {
  readonly certId: string;
  readonly privateKeyPem: string;
}

export function unionpaySigningString(fields: UnionpayFields): string {
  return Object.keys(fields)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

function digestHex(fields: UnionpayFields): string {
  return createHash('sha256').update(unionpaySigningString(fields), 'utf8').digest('hex');
}

/** The fields with `signMethod`, `certId` and `signature` set. */
export function signUnionpay(fields: UnionpayFields, cert: UnionpaySigningCert): Record<string, string> {
  const withCert: Record<string, string> = { ...fields, signMethod: '01', certId: cert.certId };
  delete withCert.signature;
  const signer = createSign('RSA-SHA256');
  signer.update(digestHex(withCert), 'utf8');
  return { ...withCert, signature: signer.sign(cert.privateKeyPem, 'base64') };
}

export type UnionpayVerifyFailure = 'malformed' | 'unknown_key' | 'signature';

export function verifyUnionpay(fields: UnionpayFields, certs: readonly UnionpayCert[]): UnionpayVerifyFailure | null {
  const { certId, signature, signMethod } = fields;
  if (!certId || !signature || signMethod !== '01') return 'malformed';
  const cert = certs.find((c) => c.certId === certId);
  if (!cert) return 'unknown_key';
  const verifier = createVerify('RSA-SHA256');
  verifier.update(digestHex(fields), 'utf8');
  try {
    return verifier.verify(cert.publicKeyPem, signature, 'base64') ? null : 'signature';
  } catch {
    return 'signature';
  }
}

/** Form-encoded fields, as the gateway sends and receives them. */
export function encodeUnionpayForm(fields: UnionpayFields): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/** Undefined when a field repeats: a message with two values for one name is ambiguous, so it is not read. */
export function decodeUnionpayForm(body: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, name)) return undefined;
    fields[name] = value;
  }
  return fields;
}
