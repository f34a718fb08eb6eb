import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Paying by wallet, bank and UnionPay from the merchant API, over HTTP against the local runtime, whose sandbox
 * channels are the emulators mounted under /sandbox/channels (contract, Pay and the sandbox table).
 */
const env = useTestRuntime({ retryTimeScale: 0.001 });

const payBy = (orderId: string, method: string, extra: Record<string, unknown> = {}) =>
  env.api.post(`/v1/orders/${orderId}/pay`, { method, ...extra });

describe('pay by wallet or bank: REQUIRES_ACTION with the hosted checkout page', () => {
  it.each([
    ['wechat_pay', /^weixin:\/\/wxpay\/bizpayurl\?pr=\S+$/],
    ['alipay', /^https:\/\/qr\.alipay\.com\/\S+$/],
  ])('%s answers a qr_code whose string the wallet scans', async (method, shape) => {
    const order = await env.api.createOrder();
    const res = await payBy(order.id, method);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('REQUIRES_ACTION');
    expect(res.body.payment).toMatchObject({ method, channel: method, card: null });
    expect(res.body.payment.channelPaymentId).toBe(res.body.payment.id);
    const action = res.body.payment.nextAction;
    expect(action.type).toBe('qr_code');
    expect(action.qrCode).toMatch(shape);
    expect(action.url).toMatch(new RegExp(`^${env.runtime.url}/checkout/[A-Za-z0-9_-]+$`));
    const page = await fetch(action.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Coffee beans');
  });

  it('netbank answers a redirect through the hosted checkout, with the bank the merchant chose', async () => {
    const order = await env.api.createOrder();
    const res = await payBy(order.id, 'netbank', { netbank: { bank: 'ICBC' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('REQUIRES_ACTION');
    expect(res.body.payment).toMatchObject({ method: 'netbank', channel: 'netbank' });
    expect(res.body.payment.nextAction.type).toBe('redirect');
    expect(res.body.payment.nextAction.url).toMatch(new RegExp(`^${env.runtime.url}/checkout/`));
    const got = await env.api.get(`/v1/orders/${order.id}`);
    expect(got.body.status).toBe('REQUIRES_ACTION');
    expect(got.body.payment.nextAction).toEqual(res.body.payment.nextAction);
  });

  it('refuses the wrong method fields with 400 and stores nothing', async () => {
    const order = await env.api.createOrder();
    const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
    expect((await payBy(order.id, 'wechat_pay', { card })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'card' });
    expect((await payBy(order.id, 'alipay', { netbank: { bank: 'ICBC' } })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'netbank' });
    expect((await payBy(order.id, 'netbank', { netbank: { bank: 'icbc; drop' } })).status).toBe(400);
    expect((await payBy(order.id, 'unionpay')).body.error).toMatchObject({ code: 'parameter_missing', param: 'card' });
    expect((await env.api.get(`/v1/orders/${order.id}`)).body).toMatchObject({ status: 'CREATED', version: 1 });
  });

  it('a wallet is not offered a currency it does not take: no channel for USD', async () => {
    const order = await env.api.createOrder({ currency: 'USD' });
    const res = await payBy(order.id, 'wechat_pay');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.error.code).toBe('no_channel_available');
  });
});

describe('pay by UnionPay', () => {
  const unionpay = (number: string) => ({ card: { number, expMonth: 12, expYear: 2030, cvc: '123' } });

  it('6200000000000005 succeeds at the unionpay channel', async () => {
    const order = await env.api.createOrder();
    const res = await payBy(order.id, 'unionpay', unionpay('6200000000000005'));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SUCCEEDED');
    expect(res.body.payment).toMatchObject({ method: 'unionpay', channel: 'unionpay', card: { last4: '0005' } });
  });

  it('6200000000000005 with capture:false is a pre-authorization: AUTHORIZED', async () => {
    const order = await env.api.createOrder();
    const res = await payBy(order.id, 'unionpay', { ...unionpay('6200000000000005'), capture: false });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('AUTHORIZED');
    expect(res.body.payment).toMatchObject({ channel: 'unionpay', capture: false });
  });

  it('6200000000000047 is declined: 402 card_declined, the order stays CREATED', async () => {
    const order = await env.api.createOrder();
    const res = await payBy(order.id, 'unionpay', unionpay('6200000000000047'));
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('card_declined');
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('CREATED');
  });
});
