import { describe, expect, it } from 'vitest';
import { challengedOrder } from '../support/checkout.js';
import { useTestRuntime } from '../support/runtime.js';

const env = useTestRuntime();

const form = (otp: string) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ otp }).toString(),
  redirect: 'manual' as const,
});

describe('hosted checkout over HTTP', () => {
  it("a challenged payment's nextAction.url is this runtime's checkout page with an unguessable token", async () => {
    const { url } = await challengedOrder(env.api);
    expect(url).toMatch(new RegExp(`^${env.runtime.url}/checkout/[A-Za-z0-9_-]{43}$`));
    const other = await challengedOrder(env.api);
    expect(other.url).not.toBe(url);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('id="otp-form"');
  });

  it('the OTP form completes the payment as /pay/confirm does: a wrong code redirects back with the error, the right one succeeds', async () => {
    const { order, url } = await challengedOrder(env.api, { returnUrl: 'http://127.0.0.1:9/back' });
    const wrong = await fetch(`${url}/otp`, form('000000'));
    expect(wrong.status).toBe(303);
    expect(new URL(wrong.headers.get('location')!, `${url}/otp`).toString()).toBe(`${url}?error=authentication_failed`);
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('REQUIRES_ACTION');
    expect(await (await fetch(`${url}?error=authentication_failed`)).text()).toContain('That code is not right');

    const right = await fetch(`${url}/otp`, form('123456'));
    expect(right.status).toBe(303);
    expect(new URL(right.headers.get('location')!, `${url}/otp`).toString()).toBe(url);
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('SUCCEEDED');
    const status = await fetch(`${url}/status`);
    expect(await status.json()).toEqual({ state: 'succeeded', expiresAt: order.expiresAt });
    const done = await (await fetch(url)).text();
    expect(done).toContain('Payment succeeded');
    expect(done).toContain('href="http://127.0.0.1:9/back"');
  });

  it('an unknown or malformed token is a plain 404 page on every route, and the status JSON says nothing else', async () => {
    const unknown = `${env.runtime.url}/checkout/${'A'.repeat(43)}`;
    for (const target of [unknown, `${env.runtime.url}/checkout/nope`]) {
      const res = await fetch(target);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Page not found');
    }
    const status = await fetch(`${unknown}/status`);
    expect(status.status).toBe(404);
    expect((await status.json()).error.code).toBe('resource_missing');
    expect((await fetch(`${unknown}/otp`, form('123456'))).status).toBe(404);
  });

  it('a token stops working when its order expires', async () => {
    const { order, url } = await challengedOrder(env.api, { expiresInSeconds: 60 });
    const token = url.split('/').at(-1)!;
    const stored = await env.runtime.deps.checkout.tokens.get(token);
    expect(stored).toMatchObject({ orderId: order.id, expiresAt: order.expiresAt, action: { type: 'otp' } });
    // The token item dies with the order: read it as the service would a minute later.
    const { checkoutStatus } = await import('../../shared/checkout/service.js');
    const later = { ...env.runtime.deps, now: () => Date.parse(order.expiresAt) + 1 };
    await expect(checkoutStatus(later, token)).rejects.toMatchObject({ statusCode: 404 });
    await expect(checkoutStatus(env.runtime.deps, token)).resolves.toMatchObject({ state: 'awaiting_payer' });
  });

  it('returnUrl follows the notifyUrl rules: https or loopback http here, never internal or javascript:', async () => {
    for (const returnUrl of ['javascript:alert(1)', 'http://10.0.0.1/back', 'https://169.254.169.254/', 'https://user:pw@shop.example/']) {
      const res = await env.api.post('/v1/orders', { outTradeNo: `R-${Math.random().toString(36).slice(2, 10)}`, amount: 100, currency: 'CNY', subject: 'x', returnUrl });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'returnUrl' });
    }
    const ok = await env.api.createOrder({ returnUrl: 'https://shop.example/thanks' });
    expect(ok.id).toMatch(/^ord_/);
  });
});
