import { describe, expect, it } from 'vitest';
import { AuthenticationError, PaymentClient, signRequest, type SecretSource } from '../../sdk/src/index.js';
import { apiError, credentials, json, order, scriptedFetch, type Seen } from './scripted-fetch.js';

/**
 * Secret rotation in the SDK (sdk/README.md, "Secret rotation"): the secret as a value, a function or an async
 * function read before every attempt, `setSecret()`, and one re-signed attempt when a signature is refused after the
 * secret changed under the call.
 */
function clientWith(secret: SecretSource, answers: Array<Response | Error>) {
  const { impl, seen } = scriptedFetch(answers);
  const sdk = new PaymentClient({ baseUrl: 'http://api.test', merchantId: credentials.merchantId, secret, fetch: impl, sleep: async () => {} });
  return { sdk, seen };
}

/** The secret a recorded request was signed with, among the candidates (undefined: none of them). */
function signedWith(request: Seen, candidates: readonly string[]): string | undefined {
  const { 'X-Timestamp': ts, 'X-Nonce': nonce, 'X-Signature': signature } = request.headers;
  const target = request.url.replace('http://api.test', '');
  return candidates.find(
    (secret) => signRequest({ merchantId: credentials.merchantId, secret }, { method: request.method, pathWithQuery: target, rawBody: request.body ?? '' }, Number(ts) * 1000, nonce)['X-Signature'] === signature,
  );
}

const SECRETS = ['secret-old-Ω', 'secret-new-Ω'];
const invalidSignature = () => apiError(401, 'invalid_signature', 'authentication');

describe('SDK secret source', () => {
  it('reads a function secret before every request, so a rotated secret signs the next one', async () => {
    let current = SECRETS[0]!;
    const { sdk, seen } = clientWith(() => current, [json(200, {}), json(200, {})]);
    await sdk.balance.retrieve();
    current = SECRETS[1]!;
    await sdk.balance.retrieve();
    expect(seen.map((s) => signedWith(s, SECRETS))).toEqual(SECRETS);
  });

  it('awaits an async secret source', async () => {
    const { sdk, seen } = clientWith(async () => SECRETS[1]!, [json(201, { id: 'ord_1' })]);
    expect(await sdk.orders.create(order)).toEqual({ id: 'ord_1' });
    expect(signedWith(seen[0]!, SECRETS)).toBe(SECRETS[1]);
  });

  it('setSecret replaces a string secret from the next request on', async () => {
    const { sdk, seen } = clientWith(SECRETS[0]!, [json(200, {}), json(200, {})]);
    await sdk.balance.retrieve();
    sdk.setSecret(SECRETS[1]!);
    await sdk.balance.retrieve();
    expect(seen.map((s) => signedWith(s, SECRETS))).toEqual(SECRETS);
  });

  it('refuses an empty secret before sending anything', async () => {
    const { sdk, seen } = clientWith(() => '', [json(200, {})]);
    await expect(sdk.balance.retrieve()).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });
});

describe('SDK re-signing after a refused signature', () => {
  it('signs again once with the new secret when the secret changed during the call: fresh nonce, same Idempotency-Key', async () => {
    let current = SECRETS[0]!;
    const { impl, seen } = scriptedFetch([invalidSignature(), json(201, { id: 'ord_1' })]);
    const sdk = new PaymentClient({
      baseUrl: 'http://api.test',
      merchantId: credentials.merchantId,
      secret: () => current,
      // The operator rotated and the merchant switched while the first attempt was on the wire.
      fetch: (async (url: string, init: RequestInit) => {
        const answer = await impl(url, init);
        current = SECRETS[1]!;
        return answer;
      }) as typeof fetch,
      maxRetries: 0,
    });
    expect(await sdk.orders.create(order)).toEqual({ id: 'ord_1' });
    expect(seen).toHaveLength(2);
    expect(seen.map((s) => signedWith(s, SECRETS))).toEqual(SECRETS);
    expect(seen[0]!.headers['X-Nonce']).not.toBe(seen[1]!.headers['X-Nonce']);
    expect(seen[0]!.headers['Idempotency-Key']).toBe(seen[1]!.headers['Idempotency-Key']);
    expect(seen[0]!.body).toBe(seen[1]!.body);
  });

  it('raises invalid_signature at once when the secret did not change: a wrong secret is not retried', async () => {
    const { sdk, seen } = clientWith(() => SECRETS[0]!, [invalidSignature(), json(200, {})]);
    const error = await sdk.balance.retrieve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_signature');
    expect(seen).toHaveLength(1);
  });

  it('re-signs at most once per call, even if the secret keeps changing', async () => {
    let n = 0;
    const { sdk, seen } = clientWith(() => `secret-${n++}`, [invalidSignature(), invalidSignature(), json(200, {})]);
    const error = await sdk.balance.retrieve().catch((e: unknown) => e);
    expect((error as AuthenticationError).code).toBe('invalid_signature');
    expect(seen).toHaveLength(2);
  });
});
