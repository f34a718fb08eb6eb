import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardError, ConflictError, IdempotencyError, InvalidRequestError, PaymentClient, PaymentError, verifyWebhook, WebhookVerificationError } from '../../sdk/src/index.js';
import { SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

const env = useTestRuntime();
let sdk: PaymentClient;
let hooks: WebhookReceiver;
const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
const outTradeNo = (label: string) => `SDK-${label}-${Date.now()}`;

beforeAll(async () => {
  sdk = new PaymentClient({ baseUrl: env.runtime.url, ...env.runtime.demoMerchant! });
  hooks = await new WebhookReceiver().start();
});
afterAll(async () => hooks?.stop());

describe('SDK against the local runtime', () => {
  it('creates, pays, refunds and reads an order, by id and by outTradeNo', async () => {
    const order = await sdk.orders.create({ outTradeNo: outTradeNo('A'), amount: 1999, currency: 'CNY', subject: 'Beans' });
    expect(order).toMatchObject({ status: 'CREATED', amount: 1999, payment: null });
    const paid = await sdk.orders.pay(order.id, { method: 'card', card });
    expect(paid).toMatchObject({ status: 'SUCCEEDED', payment: { method: 'card', card: { last4: '4242' } } });
    const refund = await sdk.refunds.create(order.id, { outRefundNo: 'R-1', amount: 500 });
    expect(refund).toMatchObject({ status: 'SUCCEEDED', amount: 500, orderId: order.id });
    expect(await sdk.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id, amount: 500 });
    expect(await sdk.orders.retrieve(order.id)).toMatchObject({ amountRefunded: 500, refunds: [{ id: refund.id }] });
    expect(await sdk.orders.retrieveByOutTradeNo(order.outTradeNo)).toMatchObject({ id: order.id });
    expect((await sdk.balance.retrieve()).available.length).toBeGreaterThan(0);
  });

  it('confirms a challenged card with its OTP, and closes an unpaid order', async () => {
    const challenged = await sdk.orders.create({ outTradeNo: outTradeNo('OTP'), amount: 300, currency: 'CNY', subject: 'x' });
    const pending = await sdk.orders.pay(challenged.id, { method: 'card', card: { ...card, number: '4000000000003220' } });
    expect(pending).toMatchObject({ status: 'REQUIRES_ACTION', payment: { nextAction: { type: 'otp' } } });
    expect(await sdk.orders.confirm(challenged.id, { otp: '123456' })).toMatchObject({ status: 'SUCCEEDED' });

    const unpaid = await sdk.orders.create({ outTradeNo: outTradeNo('CLOSE'), amount: 300, currency: 'CNY', subject: 'x' });
    expect(await sdk.orders.close(unpaid.id)).toMatchObject({ status: 'CLOSED' });
    await expect(sdk.orders.close(challenged.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists every order across pages with for await, newest first', async () => {
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push((await sdk.orders.create({ outTradeNo: outTradeNo(`L${i}`), amount: 100 + i, currency: 'USD', subject: 'x' })).id);
    const first = await sdk.orders.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(typeof first.nextCursor).toBe('string');
    const all: string[] = [];
    for await (const o of sdk.orders.list({ limit: 2, status: 'CREATED' })) all.push(o.id);
    expect(all.slice(0, 3)).toEqual([...created].reverse());
    expect(new Set(all).size).toBe(all.length);
  });

  it('raises typed errors: CardError on a declined card, IdempotencyError on a reused key, InvalidRequestError with param', async () => {
    const order = await sdk.orders.create({ outTradeNo: outTradeNo('D'), amount: 700, currency: 'CNY', subject: 'x' });
    const declined = await sdk.orders.pay(order.id, { method: 'card', card: { ...card, number: '4000000000000002' } }).catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(CardError);
    expect(declined).toMatchObject({ status: 402, type: 'payment', code: 'card_declined', requestId: expect.any(String) });
    // The order stays payable after a decline (contract, "Pay").
    expect(await sdk.orders.retrieve(order.id)).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'card_declined' } });

    const body = { outTradeNo: outTradeNo('IDEM'), amount: 100, currency: 'CNY', subject: 'x' } as const;
    const first = await sdk.orders.create(body, { idempotencyKey: 'sdk-key-1' });
    expect((await sdk.orders.create(body, { idempotencyKey: 'sdk-key-1' })).id).toBe(first.id);
    const reused = await sdk.orders.create({ ...body, amount: 101 }, { idempotencyKey: 'sdk-key-1' }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(IdempotencyError);
    expect(reused).toMatchObject({ status: 422, code: 'idempotency_key_reused' });

    const invalid = await sdk.orders.create({ ...body, outTradeNo: 'other', amount: 0 }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect(invalid).toMatchObject({ status: 400, param: 'amount', code: 'amount_invalid' });
  });

  it('verifies a real webhook with the platform keys, lists and redelivers its event, and sends a test ping', async () => {
    const order = await sdk.orders.create({ outTradeNo: outTradeNo('HOOK'), amount: 2500, currency: 'CNY', subject: 'x', notifyUrl: hooks.url });
    await sdk.orders.pay(order.id, { method: 'card', card });
    const [hook] = await eventually(() => (hooks.received.length > 0 ? hooks.received : undefined), 10_000, 'the webhook');
    const headers = hook!.headers as Record<string, string>;
    const keys = await sdk.platform.keys();
    expect(keys.keys[0]).toMatchObject({ algorithm: 'ECDSA_P256_SHA256', status: 'active' });
    const event = verifyWebhook<{ id: string; status: string }>({ rawBody: hook!.rawBody, headers, keys });
    expect(event).toMatchObject({ type: 'order.succeeded', data: { object: { id: order.id, status: 'SUCCEEDED' } } });
    expect(() => verifyWebhook({ rawBody: hook!.rawBody.replace('2500', '2501'), headers, keys })).toThrow(WebhookVerificationError);
    expect((await sdk.webhooks.verify({ rawBody: hook!.rawBody, headers })).id).toBe(event.id);

    const events = await sdk.events.list({ orderId: order.id }).toArray({ limit: 10 });
    expect(events[0]).toMatchObject({ id: event.id, type: 'order.succeeded' });
    expect(await sdk.events.redeliver(event.id)).toMatchObject({ id: event.id });
    const ping = await sdk.webhooks.test({ url: hooks.url });
    expect(ping).toMatchObject({ url: hooks.url });
  });
});

/** What issue 10 added to the API, through the SDK's typed methods (capture/void, customers, balances, agreements). */
describe('SDK against the local runtime: pre-authorizations, stored value, agreements', () => {
  const error = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

  it('authorizes, captures part of it, voids another authorization, and refuses what the state forbids', async () => {
    const order = await sdk.orders.create({ outTradeNo: outTradeNo('AUTH'), amount: 5000, currency: 'CNY', subject: 'Room deposit' });
    const authorized = await sdk.orders.pay(order.id, { method: 'card', capture: false, card });
    expect(authorized).toMatchObject({ status: 'AUTHORIZED', payment: { capture: false, amountAuthorized: 5000, captureBefore: expect.any(String) } });
    const tooMuch = await error(sdk.orders.capture(order.id, { amount: 5001 }));
    expect(tooMuch).toBeInstanceOf(InvalidRequestError);
    expect(tooMuch).toMatchObject({ status: 422, code: 'capture_exceeds_authorized' });
    expect(await sdk.orders.capture(order.id, { amount: 3000 })).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 3000 });
    expect(await error(sdk.orders.void(order.id))).toMatchObject({ status: 409, code: 'order_not_voidable' });

    const other = await sdk.orders.create({ outTradeNo: outTradeNo('VOID'), amount: 800, currency: 'CNY', subject: 'Room deposit' });
    await sdk.orders.pay(other.id, { method: 'card', capture: false, card });
    expect(await sdk.orders.void(other.id)).toMatchObject({ status: 'CLOSED', closeReason: 'voided', amountCaptured: 0 });
    const late = await error(sdk.orders.capture(other.id));
    expect(late).toBeInstanceOf(ConflictError);
    expect(late).toMatchObject({ code: 'order_not_capturable' });
  });

  it('creates a customer, tops it up, pays from its balance, and pages through its transactions', async () => {
    const outCustomerNo = `sdk-u-${Date.now()}`;
    const customer = await sdk.customers.create({ outCustomerNo, name: 'Li Lei' });
    expect(customer).toMatchObject({ object: 'customer', outCustomerNo, balances: [{ currency: 'CNY', amount: 0 }] });
    expect((await sdk.customers.retrieveByOutCustomerNo(outCustomerNo)).id).toBe(customer.id);
    const duplicate = await error(sdk.customers.create({ outCustomerNo, name: 'Again' }));
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect(duplicate).toMatchObject({ code: 'duplicate_out_customer_no', raw: { customerId: customer.id } });

    const topup = await sdk.orders.create({ outTradeNo: outTradeNo('TOPUP'), amount: 10000, currency: 'CNY', subject: 'Top-up', purpose: 'topup', customerId: customer.id });
    expect(await sdk.orders.pay(topup.id, { method: 'card', card })).toMatchObject({ status: 'SUCCEEDED' });
    const purchase = await sdk.orders.create({ outTradeNo: outTradeNo('BAL'), amount: 3000, currency: 'CNY', subject: 'Tea' });
    expect(await sdk.orders.pay(purchase.id, { method: 'balance', customerId: customer.id })).toMatchObject({ status: 'SUCCEEDED', payment: { channel: 'balance' } });
    const tooBig = await sdk.orders.create({ outTradeNo: outTradeNo('BAL2'), amount: 7001, currency: 'CNY', subject: 'Tea' });
    const refused = await error(sdk.orders.pay(tooBig.id, { method: 'balance', customerId: customer.id }));
    expect(refused).toBeInstanceOf(PaymentError);
    expect(refused).toMatchObject({ status: 402, code: 'insufficient_balance' });
    expect((await sdk.customers.retrieve(customer.id)).balances).toEqual([{ currency: 'CNY', amount: 7000 }]);

    const first = await sdk.customers.transactions(customer.id, { limit: 1 });
    expect(first.data).toHaveLength(1);
    expect(typeof first.nextCursor).toBe('string');
    const all = [];
    for await (const line of sdk.customers.transactions(customer.id, { limit: 1 })) all.push(line);
    expect(all.map((t) => [t.type, t.amount, t.balanceAfter, t.orderId])).toEqual([
      ['payment', -3000, 7000, purchase.id],
      ['topup', 10000, 10000, topup.id],
    ]);
  });

  it('signs a card agreement, confirms it with the OTP, debits it, lists, terminates, and lists its events', async () => {
    const customer = await sdk.customers.create({ outCustomerNo: `sdk-agr-${Date.now()}`, name: 'Han Meimei' });
    const pending = await sdk.agreements.create({
      outAgreementNo: `SDK-AG-${Date.now()}`, customerId: customer.id, method: 'card', card, currency: 'CNY', maxAmountPerDebit: 5000,
    });
    expect(pending).toMatchObject({ object: 'agreement', status: 'PENDING', nextAction: { type: 'otp', url: expect.any(String) } });
    const wrong = await error(sdk.agreements.confirm(pending.id, { otp: '000000' }));
    expect(wrong).toBeInstanceOf(PaymentError);
    expect(wrong).toMatchObject({ code: 'authentication_failed' });
    const active = await sdk.agreements.confirm(pending.id, { otp: SANDBOX_OTP });
    expect(active).toMatchObject({ status: 'ACTIVE', brand: 'visa', last4: '4242' });
    expect((await sdk.agreements.list({ customerId: customer.id }).toArray({ limit: 10 })).map((a) => a.id)).toEqual([pending.id]);
    expect((await sdk.agreements.retrieve(pending.id)).status).toBe('ACTIVE');

    const bill = await sdk.orders.create({ outTradeNo: outTradeNo('DEBIT'), amount: 4200, currency: 'CNY', subject: 'Electricity' });
    expect(await sdk.orders.pay(bill.id, { method: 'agreement', agreementId: pending.id })).toMatchObject({
      status: 'SUCCEEDED', payment: { method: 'agreement', agreementId: pending.id, card: null },
    });
    const overLimit = await sdk.orders.create({ outTradeNo: outTradeNo('DEBIT2'), amount: 5001, currency: 'CNY', subject: 'Electricity' });
    expect(await error(sdk.orders.pay(overLimit.id, { method: 'agreement', agreementId: pending.id }))).toMatchObject({ status: 402, code: 'agreement_limit_exceeded' });

    expect(await sdk.agreements.terminate(pending.id)).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant' });
    const afterEnd = await error(sdk.orders.pay(overLimit.id, { method: 'agreement', agreementId: pending.id }));
    expect(afterEnd).toBeInstanceOf(ConflictError);
    expect(afterEnd).toMatchObject({ code: 'agreement_not_active' });

    const events = await eventually(async () => {
      const listed = await sdk.events.list({ orderId: pending.id }).toArray({ limit: 10 });
      return listed.length === 2 ? listed : undefined;
    }, 10_000, "the agreement's events");
    expect(events.map((e) => e.type)).toEqual(['agreement.activated', 'agreement.terminated']);
  });
});
