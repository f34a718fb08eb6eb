import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import type { Order } from '../../shared/domain/order.js';
import type { ChannelAdapter, ChannelPaymentState, PaymentRef } from '../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../shared/ports/payment-channel.js';
import type { StateChange } from '../../shared/ports/stores.js';
import { captureOrder, voidOrder } from '../../shared/services/capture.js';
import type { Deps } from '../../shared/services/deps.js';
import { handleAuthorizationExpiry, handlePaymentQuery } from '../../shared/services/janitor.js';
import { authorizationExpireKey, paymentQueryKey } from '../../shared/services/janitor-timers.js';
import { commitAttemptOutcome, commitAuthorizationOutcome } from '../../shared/services/state-writer.js';
import type { MemoryTimers } from '../support/memory-timers.js';
import { TEST_MERCHANT, cardOrder, serviceDeps } from '../support/service-deps.js';

/**
 * Capture, void, their janitor and the expiry through the services and the one writer on DynamoDB Local, with a
 * channel a test can hold at a gate (so it decides which request reaches the channel when, without timing) and whose
 * records it sets: what the janitor's query will find.
 */
type Kind = 'capture' | 'void';

class AuthorizingChannel implements ChannelAdapter {
  readonly id = 'auth_ch';
  readonly calls: Array<{ kind: Kind; paymentId: string; amount?: number }> = [];
  /** What queryPayment reports, by our attempt id. */
  readonly records = new Map<string, ChannelPaymentState>();
  private gate?: { kind: Kind; entered: () => void; released: Promise<void> };
  private failure?: { kind: Kind; error: Error };

  hold(kind: Kind): { entered: Promise<void>; release(): void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredPromise = new Promise<void>((r) => (entered = r));
    this.gate = { kind, entered, released: new Promise<void>((r) => (release = r)) };
    return { entered: enteredPromise, release };
  }

  /** The next call of `kind` throws `error` instead of doing anything (a test sets `records` for what the channel did). */
  fail(kind: Kind, error: Error): void {
    this.failure = { kind, error };
  }

  private async pass(kind: Kind, ref: PaymentRef, amount?: number): Promise<void> {
    this.calls.push({ kind, paymentId: ref.paymentId, ...(amount !== undefined ? { amount } : {}) });
    const gate = this.gate;
    if (gate?.kind === kind) {
      this.gate = undefined;
      gate.entered();
      await gate.released;
    }
    if (this.failure?.kind === kind) {
      const { error } = this.failure;
      this.failure = undefined;
      throw error;
    }
  }

  async capture(request: PaymentRef & { amount: number }): Promise<ChannelPaymentState> {
    await this.pass('capture', request, request.amount);
    const state: ChannelPaymentState = { status: 'succeeded', paymentId: request.paymentId, channelPaymentId: request.channelPaymentId, amount: request.amount, currency: 'CNY' };
    this.records.set(request.paymentId, state);
    return state;
  }

  async void(request: PaymentRef): Promise<ChannelPaymentState> {
    await this.pass('void', request);
    const state: ChannelPaymentState = { status: 'closed', paymentId: request.paymentId, channelPaymentId: request.channelPaymentId };
    this.records.set(request.paymentId, state);
    return state;
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    return this.records.get(request.paymentId) ?? { status: 'not_found', paymentId: request.paymentId, channelPaymentId: null };
  }
}

const channel = new AuthorizingChannel();
let deps: Deps;
let events: DynamoEventStore;
let timers: MemoryTimers;
let close: () => void;
/** What the writer handed the store, per order: the ledger entries of its committed changes. */
const ledgerOf = new Map<string, LedgerEntry[]>();

beforeAll(async () => {
  ({ deps, events, timers, close } = await serviceDeps([channel]));
  await deps.merchants.create(TEST_MERCHANT);
  const commit = deps.orders.commit.bind(deps.orders);
  // Records (does not replace) each committed ledger entry: the entry the writer builds is what is checked.
  deps.orders.commit = async (change: StateChange) => {
    const outcome = await commit(change);
    for (const entry of outcome.committed ? [change.ledger, change.holdEntry] : []) {
      if (entry) ledgerOf.set(entry.orderId, [...(ledgerOf.get(entry.orderId) ?? []), entry]);
    }
    return outcome;
  };
});
afterAll(() => close());

const error = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);
const eventTypes = async (orderId: string) => (await events.listEventsOfOrder(orderId)).map((e) => e.type);
const callsFor = (paymentId: string) => channel.calls.filter((c) => c.paymentId === paymentId).map((c) => `${c.kind}${c.amount ?? ''}`);
/** The services as the janitor's timer sees them `seconds` later. */
const later = (seconds: number): Deps => ({ ...deps, now: () => Date.now() + seconds * 1000 });

/** An order the pay workflow authorized at the channel: claimed PROCESSING, then its outcome through the one writer. */
async function authorizedOrder(amount = 5000): Promise<Order> {
  const claimed = cardOrder(deps, channel.id, amount, {
    order: { status: 'PROCESSING', version: 2, subject: 'Hotel deposit' },
    payment: { capture: false, channelPaymentId: null, nextAction: null, riskDecision: 'allow', card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030, fingerprint: 'f'.repeat(32) } },
  });
  const paymentId = claimed.payment!.id;
  await deps.orders.createOrder(claimed);
  const { order } = await commitAttemptOutcome(deps, {
    orderId: claimed.id,
    paymentId,
    outcome: { outcome: 'authorized', channel: channel.id, channelPaymentId: `ch_${paymentId}` },
  });
  channel.records.set(paymentId, { status: 'authorized', paymentId, channelPaymentId: `ch_${paymentId}`, amount, currency: 'CNY' });
  return order;
}

describe('the one writer: authorization, capture and void', () => {
  it('an authorization records amountAuthorized and captureBefore = its instant + the window, on the order and its attempt', async () => {
    const order = await authorizedOrder(4000);
    expect(order.status).toBe('AUTHORIZED');
    expect(order.payment).toMatchObject({ amountAuthorized: 4000 });
    expect(Date.parse(order.payment!.captureBefore!) - Date.parse(order.updatedAt)).toBe(deps.authorizationWindowSeconds * 1000);
    expect(await deps.orders.getAttempt(order.id, order.payment!.id)).toMatchObject({ status: 'AUTHORIZED', amountAuthorized: 4000, captureBefore: order.payment!.captureBefore });
    // The ledger holds it from the same commit: a memo hold until captureBefore, no merchant account touched.
    expect(await deps.ledger.getHold(order.payment!.id)).toMatchObject({
      status: 'PENDING',
      amount: 4000,
      orderId: order.id,
      debitAccount: `platform:authorizations:${channel.id}`,
      expiresAt: order.payment!.captureBefore,
    });
    expect((ledgerOf.get(order.id) ?? []).map((e) => e.kind)).toEqual(['hold']);
  });

  it('a partial capture: SUCCEEDED, attempt SUCCEEDED, the hold posted for the captured amount and one payment entry for it, order.succeeded; a repeated commit changes nothing', async () => {
    const order = await authorizedOrder(5000);
    const res = await captureOrder(deps, TEST_MERCHANT, order.id, { amount: 3000 });
    expect(res).toMatchObject({ statusCode: 200, order: { status: 'SUCCEEDED', amountCaptured: 3000, refundableRemaining: 3000, authorizationClaim: null } });
    expect(await deps.orders.getAttempt(order.id, order.payment!.id)).toMatchObject({ status: 'SUCCEEDED' });
    const [placed, entry, posted, ...more] = ledgerOf.get(order.id) ?? [];
    expect(more).toEqual([]);
    expect(placed).toMatchObject({ kind: 'hold', holdId: order.payment!.id });
    expect(entry).toMatchObject({ kind: 'payment', channel: channel.id, currency: 'CNY' });
    expect(entry!.lines.filter((l) => l.direction === 'debit').map((l) => l.amount)).toEqual([3000]);
    expect(posted).toMatchObject({ kind: 'hold_post', holdId: order.payment!.id });
    expect(await deps.ledger.getHold(order.payment!.id)).toMatchObject({ status: 'POSTED', amount: 5000, postedAmount: 3000 });
    expect(await eventTypes(order.id)).toEqual(['order.authorized', 'order.succeeded']);

    const again = await commitAuthorizationOutcome(deps, { orderId: order.id, paymentId: order.payment!.id, outcome: { kind: 'captured', amount: 3000 } });
    expect(again).toEqual(res.order);
    expect(ledgerOf.get(order.id)).toHaveLength(3);
  });
});

describe('exactly one of a capture and a void reaches the channel', () => {
  it('void while the capture is at the channel: 409 order_not_voidable, the capture ends it SUCCEEDED', async () => {
    const order = await authorizedOrder();
    const gate = channel.hold('capture');
    const capturing = captureOrder(deps, TEST_MERCHANT, order.id, {});
    await gate.entered;
    expect(await error(voidOrder(deps, TEST_MERCHANT, order.id))).toMatchObject({ statusCode: 409, code: 'order_not_voidable' });
    expect(await error(captureOrder(deps, TEST_MERCHANT, order.id, {}))).toMatchObject({ statusCode: 409, code: 'order_not_capturable' });
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'PROCESSING', authorizationClaim: { kind: 'capture', amount: 5000 } });
    gate.release();
    expect(await capturing).toMatchObject({ statusCode: 200, order: { status: 'SUCCEEDED', amountCaptured: 5000 } });
    expect(callsFor(order.payment!.id)).toEqual(['capture5000']);
    expect(await deps.ledger.getHold(order.payment!.id)).toMatchObject({ status: 'POSTED', postedAmount: 5000 });
  });

  it('capture while the void is at the channel: 409 order_not_capturable, the void ends it CLOSED (voided)', async () => {
    const order = await authorizedOrder();
    const gate = channel.hold('void');
    const voiding = voidOrder(deps, TEST_MERCHANT, order.id);
    await gate.entered;
    expect(await error(captureOrder(deps, TEST_MERCHANT, order.id, { amount: 10 }))).toMatchObject({ statusCode: 409, code: 'order_not_capturable' });
    gate.release();
    expect(await voiding).toMatchObject({ statusCode: 200, order: { status: 'CLOSED', closeReason: 'voided', amountCaptured: 0 } });
    expect(callsFor(order.payment!.id)).toEqual(['void']);
    // Nothing was taken: the hold placed with the authorization is voided, no payment entry.
    expect((ledgerOf.get(order.id) ?? []).map((e) => e.kind)).toEqual(['hold', 'hold_release']);
    expect(await deps.ledger.getHold(order.payment!.id)).toMatchObject({ status: 'VOIDED', amount: 5000, postedAmount: 0 });
    expect(await deps.orders.getAttempt(order.id, order.payment!.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await eventTypes(order.id)).toEqual(['order.authorized', 'order.closed']);
  });
});

describe('a channel that does not answer, or refuses', () => {
  it('a capture whose answer is lost stays claimed (202); the janitor waits its window, then finds it captured at the channel', async () => {
    const order = await authorizedOrder();
    channel.fail('capture', new ChannelTimeoutError(channel.id));
    const res = await captureOrder(deps, TEST_MERCHANT, order.id, { amount: 2000 });
    expect(res).toMatchObject({ statusCode: 202, order: { status: 'PROCESSING' } });
    // The channel did capture: its answer is what got lost.
    const paymentId = order.payment!.id;
    channel.records.set(paymentId, { status: 'succeeded', paymentId, channelPaymentId: `ch_${paymentId}`, amount: 2000, currency: 'CNY' });

    // Too early (the request that claimed it may still be talking to the channel): set again for the claim's window.
    await handlePaymentQuery(deps, timers.take(paymentQueryKey(order.payment!.id)));
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    await handlePaymentQuery(later(120), timers.take(paymentQueryKey(order.payment!.id)));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 2000, authorizationClaim: null });
    // Read from the channel's records, not captured a second time.
    expect(callsFor(order.payment!.id)).toEqual(['capture2000']);
    expect(await eventTypes(order.id)).toEqual(['order.authorized', 'order.succeeded']);
    expect(await deps.ledger.getHold(paymentId)).toMatchObject({ status: 'POSTED', postedAmount: 2000 });
  });

  it('a capture the channel made but the janitor commits after captureBefore: the hold expires and the payment entry still books the money', async () => {
    const order = await authorizedOrder(2500);
    channel.fail('capture', new ChannelTimeoutError(channel.id));
    expect(await captureOrder(deps, TEST_MERCHANT, order.id, {})).toMatchObject({ statusCode: 202 });
    const paymentId = order.payment!.id;
    channel.records.set(paymentId, { status: 'succeeded', paymentId, channelPaymentId: `ch_${paymentId}`, amount: 2500, currency: 'CNY' });
    await handlePaymentQuery(later(deps.authorizationWindowSeconds + 1), timers.take(paymentQueryKey(paymentId)));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 2500 });
    expect(await deps.ledger.getHold(paymentId)).toMatchObject({ status: 'EXPIRED', postedAmount: 0 });
    expect((ledgerOf.get(order.id) ?? []).map((e) => e.kind)).toEqual(['hold', 'payment', 'hold_release']);
  });

  it('a void whose answer is lost before the channel acted: the janitor finds it still authorized and sends the void again', async () => {
    const order = await authorizedOrder();
    channel.fail('void', new ChannelTimeoutError(channel.id));
    expect(await voidOrder(deps, TEST_MERCHANT, order.id)).toMatchObject({ statusCode: 202, order: { status: 'PROCESSING' } });
    await handlePaymentQuery(later(120), timers.take(paymentQueryKey(order.payment!.id)));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'voided' });
    expect(callsFor(order.payment!.id)).toEqual(['void', 'void']);
  });

  it('a lost void whose resend the channel refuses while still holding the authorization: released to AUTHORIZED', async () => {
    const order = await authorizedOrder();
    channel.fail('void', new ChannelTimeoutError(channel.id));
    await voidOrder(deps, TEST_MERCHANT, order.id);
    channel.fail('void', new ChannelRejectedError(channel.id, 'not voidable now'));
    await handlePaymentQuery(later(120), timers.take(paymentQueryKey(order.payment!.id)));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'AUTHORIZED', authorizationClaim: null });
    expect(callsFor(order.payment!.id)).toEqual(['void', 'void']);
    expect(await eventTypes(order.id)).toEqual(['order.authorized']);
  });

  it('a capture claim found still authorized after captureBefore is released to AUTHORIZED, and the expiry is set due', async () => {
    const order = await authorizedOrder();
    channel.fail('capture', new ChannelTimeoutError(channel.id));
    await captureOrder(deps, TEST_MERCHANT, order.id, {});
    timers.pending.delete(authorizationExpireKey(order.id));
    await handlePaymentQuery(later(deps.authorizationWindowSeconds + 1), timers.take(paymentQueryKey(order.payment!.id)));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'AUTHORIZED', authorizationClaim: null });
    expect(timers.pending.get(authorizationExpireKey(order.id))).toMatchObject({ kind: 'authorization.expire', payload: { paymentId: order.payment!.id } });
    expect(callsFor(order.payment!.id)).toEqual(['capture5000']);
  });

  it('a capture the channel refuses while it still holds the authorization: AUTHORIZED again, 503 channel_error', async () => {
    const order = await authorizedOrder();
    channel.fail('capture', new ChannelRejectedError(channel.id, 'not capturable now'));
    expect(await error(captureOrder(deps, TEST_MERCHANT, order.id, {}))).toMatchObject({ statusCode: 503, code: 'channel_error' });
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'AUTHORIZED', version: order.version + 2, authorizationClaim: null });
    expect(await eventTypes(order.id)).toEqual(['order.authorized']);
  });
});

describe('authorization expiry', () => {
  const expiryTimer = (order: Order, step = 0) => ({
    key: authorizationExpireKey(order.id),
    kind: 'authorization.expire' as const,
    dueAtMs: Date.parse(order.payment!.captureBefore!),
    payload: { orderId: order.id, paymentId: order.payment!.id, step },
  });

  it('early: sets itself again for captureBefore; due: voids at the channel and closes (authorization_expired); a capture then 409', async () => {
    const order = await authorizedOrder();
    await handleAuthorizationExpiry(deps, expiryTimer(order));
    expect(timers.take(authorizationExpireKey(order.id)).dueAtMs).toBe(Date.parse(order.payment!.captureBefore!));
    expect(callsFor(order.payment!.id)).toEqual([]);

    const expired = later(deps.authorizationWindowSeconds + 1);
    await handleAuthorizationExpiry(expired, expiryTimer(order));
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'authorization_expired' });
    expect(callsFor(order.payment!.id)).toEqual(['void']);
    expect(await eventTypes(order.id)).toEqual(['order.authorized', 'order.closed']);
    expect(await error(captureOrder(expired, TEST_MERCHANT, order.id, {}))).toMatchObject({ statusCode: 409, code: 'authorization_expired' });
    // The expiry expires the ledger's hold too (TigerBeetle's timeout: all of it back, no post from now on).
    expect(await deps.ledger.getHold(order.payment!.id)).toMatchObject({ status: 'EXPIRED', postedAmount: 0 });
    // Delivered again (at least once): nothing more happens.
    await handleAuthorizationExpiry(expired, expiryTimer(order));
    expect(callsFor(order.payment!.id)).toEqual(['void']);
    expect((ledgerOf.get(order.id) ?? []).map((e) => e.kind)).toEqual(['hold', 'hold_release']);
  });

  it('past captureBefore but not yet expired: a capture is refused 409 authorization_expired and reaches no channel', async () => {
    const order = await authorizedOrder();
    expect(await error(captureOrder(later(deps.authorizationWindowSeconds + 1), TEST_MERCHANT, order.id, {}))).toMatchObject({ statusCode: 409, code: 'authorization_expired' });
    expect(callsFor(order.payment!.id)).toEqual([]);
  });

  it('while a capture holds the authorization, the expiry looks again later and does not void it', async () => {
    const order = await authorizedOrder();
    const gate = channel.hold('capture');
    const capturing = captureOrder(deps, TEST_MERCHANT, order.id, {});
    await gate.entered;
    await handleAuthorizationExpiry(later(deps.authorizationWindowSeconds + 1), expiryTimer(order));
    expect(timers.take(authorizationExpireKey(order.id)).payload.step).toBe(1);
    gate.release();
    expect((await capturing).order.status).toBe('SUCCEEDED');
    expect(callsFor(order.payment!.id)).toEqual(['capture5000']);
  });
});
