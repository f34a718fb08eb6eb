import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { runOpsCli } from '../support/ops-cli-process.js';
import { opsCall } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Per-merchant rate limits over real HTTP (contract, "Rate limits"; docs/operations.md): an operator sets a merchant's
 * limit through the operations API, the gateway enforces the rules rendered from it (the same JSON AWS WAF gets), a
 * burst past it is answered 429 rate_limited with Retry-After and changes nothing, another merchant is not affected,
 * the window frees the merchant again and `null` restores the default. The window is WAF's minute, on the runtime's
 * clock, which the test moves past it instead of waiting (and a burst on a loaded machine is never spread over it).
 */

const LIMIT = 10; // WAF's smallest limit
const dataDir = mkdtempSync(join(tmpdir(), 'pay-rate-limits-'));
let clockOffsetMs = 0;
const env = useTestRuntime({ dataDir, clock: () => Date.now() + clockOffsetMs });

async function newMerchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Burst ${randomBytes(3).toString('hex')}` }));
}

function setLimit(merchantId: string, rateLimitPerMinute: number | null) {
  return opsCall(env.runtime, 'PUT', `/ops/v1/merchants/${merchantId}/rate-limit`, { body: { rateLimitPerMinute } });
}

/** `count` order creations sent at once, each with its own outTradeNo. */
async function burst(api: ApiClient, count: number): Promise<{ outTradeNo: string; res: ApiResponse }[]> {
  const tag = randomBytes(4).toString('hex');
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const outTradeNo = `RL-${tag}-${i}`;
      return { outTradeNo, res: await api.post('/v1/orders', { outTradeNo, amount: 100, currency: 'CNY', subject: 'Burst' }) };
    }),
  );
}

/** Orders that exist in the table, read by their outTradeNo's uniqueness item (consistent), not through the limited API. */
async function stored(merchantId: string, outTradeNos: readonly string[]): Promise<number> {
  const found = await Promise.all(outTradeNos.map((no) => env.runtime.deps.orders.findOrderIdByOutTradeNo(merchantId, no)));
  return found.filter(Boolean).length;
}

/** `npm run ops -- …` as an operator runs it, against this runtime with its token. */
const cli = (args: readonly string[]) => runOpsCli(env.runtime, dataDir, args);

/** A minute and a second later on the runtime's clock: every request counted so far has left the window. */
const passTheWindow = () => (clockOffsetMs += 61_000);

describe('per-merchant rate limits', () => {
  it('lets exactly the override through per window; the rest get 429 rate_limited and store nothing', async () => {
    const api = await newMerchant();
    const merchantId = api.credentials.merchantId;
    const set = await setLimit(merchantId, LIMIT);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ object: 'merchant_rate_limit', merchantId, rateLimitPerMinute: LIMIT });

    const answers = await burst(api, LIMIT + 4);
    const created = answers.filter((a) => a.res.status === 201);
    const refused = answers.filter((a) => a.res.status === 429);
    expect(created).toHaveLength(LIMIT);
    expect(refused).toHaveLength(4);
    for (const { res } of refused) {
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(res.body).toEqual({ error: { type: 'rate_limit', code: 'rate_limited', message: expect.any(String), requestId } });
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
    expect(await stored(merchantId, created.map((a) => a.outTradeNo))).toBe(LIMIT);
    expect(await stored(merchantId, refused.map((a) => a.outTradeNo))).toBe(0);

    // Another merchant, at the default, is not held back by this one's count.
    const other = await newMerchant();
    expect((await burst(other, LIMIT + 4)).every((a) => a.res.status === 201)).toBe(true);
    expect((await opsCall(env.runtime, 'GET', `/ops/v1/merchants/${other.credentials.merchantId}`)).body.rateLimitPerMinute).toBeNull();

    // The merchant's operators' view shows the override; the operations API is not rate limited.
    const shown = await opsCall(env.runtime, 'GET', `/ops/v1/merchants/${merchantId}`);
    expect(shown.body.rateLimitPerMinute).toBe(LIMIT);

    passTheWindow();
    const again = await burst(api, LIMIT);
    expect(again.map((a) => a.res.status)).toEqual(Array(LIMIT).fill(201));
  });

  it('restores the default with `npm run ops -- merchants rate-limit ID default`: the same burst then passes, and the change is audited', async () => {
    const api = await newMerchant();
    const merchantId = api.credentials.merchantId;
    const set = await cli(['merchants', 'rate-limit', merchantId, String(LIMIT)]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ merchantId, rateLimitPerMinute: LIMIT });
    expect((await burst(api, LIMIT + 1)).filter((a) => a.res.status === 429)).toHaveLength(1);
    const reset = await cli(['merchants', 'rate-limit', merchantId, 'default']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ rateLimitPerMinute: null });
    expect((await opsCall(env.runtime, 'GET', `/ops/v1/merchants/${merchantId}`)).body.rateLimitPerMinute).toBeNull();
    expect((await burst(api, LIMIT + 4)).every((a) => a.res.status === 201)).toBe(true);

    const requestId = /X-Request-Id: (\S+)/.exec(reset.stderr)?.[1];
    const audit = await opsCall(env.runtime, 'GET', '/ops/v1/audit?limit=20');
    const entry = audit.body.data.find((e: any) => e.id === requestId);
    expect(entry).toMatchObject({
      method: 'PUT',
      path: `/ops/v1/merchants/${merchantId}/rate-limit`,
      status: 200,
      before: { merchantId, rateLimitPerMinute: LIMIT },
      after: { merchantId, rateLimitPerMinute: null },
    });
    const limits = await opsCall(env.runtime, 'GET', '/ops/v1/rate-limits');
    expect(limits.body.tiers.flatMap((t: any) => t.merchantIds)).not.toContain(merchantId);
  });

  it('refuses a limit WAF cannot enforce, and an unknown merchant, storing nothing', async () => {
    const api = await newMerchant();
    const merchantId = api.credentials.merchantId;
    const low = await setLimit(merchantId, 9);
    expect(low.status).toBe(400);
    expect(low.body.error).toMatchObject({ code: 'parameter_invalid', param: 'rateLimitPerMinute' });
    const unknown = await setLimit(`m_${'0'.repeat(26)}`, 50);
    expect(unknown.status).toBe(404);
    const limits = await opsCall(env.runtime, 'GET', '/ops/v1/rate-limits');
    expect(limits.body).toMatchObject({ object: 'rate_limits', defaultPerMinute: 6000, windowSeconds: 60, header: 'x-merchant-id' });
    expect(limits.body.tiers.flatMap((t: any) => t.merchantIds)).not.toContain(merchantId);
    expect(limits.body.tiers.flatMap((t: any) => t.merchantIds)).not.toContain(`m_${'0'.repeat(26)}`);
  });
});
