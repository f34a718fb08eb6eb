import { describe, expect, it } from 'vitest';
import { CHANNEL_CATALOG } from '../../../shared/channels/catalog.js';
import { CHANNEL_REGISTRY, createChannels, sandboxChannels } from '../../../shared/channels/registry.js';
import { SANDBOX_CARDS, SANDBOX_OTP, SandboxCardChannel, SandboxJournal } from '../../../shared/channels/sandbox-card.js';
import type { CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';
import { ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';

/** The sandbox card acquirer through the flow port, as the workflow, confirm, close and refunds call it. */
const channel = (primary = true) => new SandboxCardChannel(primary ? 'card_a' : 'card_b', { primary, journal: new SandboxJournal(), timeoutMs: 0 });

let counter = 0;
function request(number: string, extra: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  counter += 1;
  return {
    paymentId: `pay_${counter}`,
    orderId: `ord_${counter}`,
    merchantId: 'm_1',
    amount: 1999,
    currency: 'CNY',
    subject: 'Sandbox',
    expiresAt: '2030-01-01T00:00:00.000Z',
    capture: true,
    card: { number, expMonth: 12, expYear: 2030, cvc: '123' },
    callbackUrl: 'https://pay.example/callbacks/card_a',
    ...extra,
  };
}

describe('SandboxCardChannel (ChannelAdapter)', () => {
  it('charges, and reports the payment when queried with its amount and currency', async () => {
    const card = channel();
    const req = request(SANDBOX_CARDS.succeeds);
    const created = await card.createPayment(req);
    expect(created).toEqual({ outcome: 'succeeded', channelPaymentId: `card_a_${req.paymentId}` });
    expect(await card.queryPayment({ paymentId: req.paymentId, channelPaymentId: null })).toEqual({
      status: 'succeeded',
      paymentId: req.paymentId,
      channelPaymentId: `card_a_${req.paymentId}`,
      amount: 1999,
      currency: 'CNY',
    });
    expect((await card.queryPayment({ paymentId: 'pay_unknown', channelPaymentId: null })).status).toBe('not_found');
  });

  it('declines the contract cards with their codes, and refuses a request without a card', async () => {
    const card = channel();
    expect(await card.createPayment(request(SANDBOX_CARDS.declined))).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect(await card.createPayment(request(SANDBOX_CARDS.insufficientFunds))).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
    expect(await card.createPayment(request(SANDBOX_CARDS.succeeds, { card: undefined }))).toMatchObject({ outcome: 'declined', channelPaymentId: null });
  });

  it('challenges with an OTP action; the right OTP completes it, a wrong one is authentication_failed', async () => {
    const card = channel();
    const req = request(SANDBOX_CARDS.otpChallenge);
    const created = await card.createPayment(req);
    expect(created).toEqual({ outcome: 'requires_action', channelPaymentId: `card_a_${req.paymentId}`, action: { type: 'otp' } });
    const ref = { paymentId: req.paymentId, channelPaymentId: `card_a_${req.paymentId}`, capture: true };
    expect(await card.confirmPayment({ ...ref, otp: '000000' })).toMatchObject({ outcome: 'declined', code: 'authentication_failed' });
    expect((await card.queryPayment(ref)).status).toBe('pending');
    expect(await card.confirmPayment({ ...ref, otp: SANDBOX_OTP })).toMatchObject({ outcome: 'succeeded' });
    expect((await card.queryPayment(ref)).status).toBe('succeeded');
    expect(await card.createPayment(request(SANDBOX_CARDS.succeeds, { requireOtp: true }))).toMatchObject({ outcome: 'requires_action' });
  });

  it('times out on 0119 as the primary channel only; a void then closes it', async () => {
    const req = request(SANDBOX_CARDS.firstChannelTimesOut);
    await expect(channel(true).createPayment(req)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect(await channel(false).createPayment(req)).toMatchObject({ outcome: 'succeeded' });
    const challenged = channel();
    const open = request(SANDBOX_CARDS.otpChallenge);
    await challenged.createPayment(open);
    expect(await challenged.void({ paymentId: open.paymentId, channelPaymentId: null })).toMatchObject({ status: 'closed' });
    expect((await challenged.queryPayment({ paymentId: open.paymentId, channelPaymentId: null })).status).toBe('closed');
  });

  it('refunds with our refund id echoed and a channel refund id', async () => {
    const refund = await channel().refund({
      refundId: 'rf_1', paymentId: 'pay_1', channelPaymentId: 'card_a_pay_1', amount: 500, paymentAmount: 1999, currency: 'CNY', callbackUrl: 'https://x',
    });
    expect(refund).toMatchObject({ status: 'succeeded', refundId: 'rf_1', channelRefundId: expect.stringMatching(/^card_a_rf_/) });
  });
});

describe('the channel registry', () => {
  it('is the one list the catalog and the composition roots read, one line per channel', () => {
    expect(CHANNEL_CATALOG.map((row) => row.id)).toEqual(CHANNEL_REGISTRY.map((line) => line.catalog.id));
    const journal = new SandboxJournal();
    const built = createChannels({ sandboxJournal: journal });
    expect(built.map((c) => c.id)).toEqual(['card_a', 'card_b']);
    expect(sandboxChannels(journal).channels.map((c) => c.id)).toEqual(['card_a', 'card_b']);
  });

  it('leaves out a registered channel this deployment cannot run', () => {
    const registry = [...CHANNEL_REGISTRY, { catalog: { ...CHANNEL_REGISTRY[0]!.catalog, id: 'wallet_x' }, create: () => undefined }];
    expect(createChannels({ sandboxJournal: new SandboxJournal() }, registry).map((c) => c.id)).toEqual(['card_a', 'card_b']);
  });
});
