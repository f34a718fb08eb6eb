import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { parseConfig } from '../../shared/config.js';
import { newId } from '../../shared/domain/ids.js';
import type { Order, Payment } from '../../shared/domain/order.js';
import type { KeyCenter } from '../../shared/ports/key-center.js';
import type {
  ChannelAdapter,
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentResult,
  PaymentRef,
} from '../../shared/ports/channel-flows.js';
import type { PayWorkflow } from '../../shared/ports/pay-workflow.js';
import type { Merchant } from '../../shared/ports/stores.js';
import { createDeps } from '../../shared/services/create-deps.js';
import type { Deps } from '../../shared/services/deps.js';
import { MemoryTimers } from './memory-timers.js';

/**
 * The application services over the real DynamoDB adapters on the shared DynamoDB Local, in a fresh table, with the
 * channels a test passes: for tests that must interleave two requests at a channel step, which HTTP cannot time.
 */
export async function serviceDeps(
  channels: readonly ChannelAdapter[],
  timers = new MemoryTimers(),
): Promise<{ deps: Deps; events: DynamoEventStore; timers: MemoryTimers; close(): void }> {
  const endpoint = inject('dynamoEndpoint');
  const config = parseConfig({
    TABLE_NAME: `svc-${randomBytes(6).toString('hex')}`,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'local',
    LOCAL_MODE: 'true',
  });
  const admin = localDynamoDbClient(endpoint);
  await ensureTable(admin, config.TABLE_NAME);
  admin.destroy();
  const db = createDocumentClient({ endpoint, region: 'local' });
  const unused = <T extends object>(what: string) =>
    new Proxy({} as T, {
      get: () => () => {
        throw new Error(`${what} is not part of this test`);
      },
    });
  const deps = createDeps({
    config,
    db,
    keyCenter: unused<KeyCenter>('the key center'),
    workflow: unused<PayWorkflow>('the pay workflow'),
    channels,
    timers,
  });
  return { deps, events: new DynamoEventStore(db, config.TABLE_NAME), timers, close: () => db.destroy() };
}

export const TEST_MERCHANT: Merchant = {
  merchantId: 'm_test',
  name: 'Test merchant',
  status: 'active',
  sealedSecret: { v: 1, keyId: 'k', edk: '', iv: '', ct: '', tag: '' },
  notifyUrl: null,
  riskChallengeAmount: null,
  feeBps: 60,
  createdAt: new Date(0).toISOString(),
};

/**
 * A card order of TEST_MERCHANT whose payment went to `channel`, built (not stored) for tests that seed a state the
 * pay workflow would have reached; `order` and `payment` set what differs from a challenged payment.
 */
export function cardOrder(
  deps: Deps,
  channel: string,
  amount: number,
  overrides: { order?: Partial<Order>; payment?: Partial<Payment> } = {},
): Order {
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const paymentId = newId('pay', nowMs);
  return {
    id: newId('ord', nowMs),
    merchantId: TEST_MERCHANT.merchantId,
    outTradeNo: `T-${randomBytes(6).toString('hex')}`,
    amount,
    currency: 'CNY',
    status: 'REQUIRES_ACTION',
    version: 3,
    amountCaptured: 0,
    amountRefunded: 0,
    refundableRemaining: 0,
    subject: 'Challenged',
    metadata: {},
    notifyUrl: null,
    payment: {
      id: paymentId,
      method: 'card',
      capture: true,
      channel,
      channelPaymentId: `${channel}_${paymentId}`,
      card: { brand: 'visa', last4: '3220', expMonth: 12, expYear: 2030, fingerprint: 'f'.repeat(32) },
      payerId: null,
      nextAction: { type: 'otp', url: `https://sandbox.channels.invalid/${channel}/otp` },
      fee: 0,
      riskDecision: null,
      otpFailures: 0,
      createdAt: now,
      ...overrides.payment,
    },
    lastPaymentError: null,
    createdAt: now,
    expiresAt: new Date(nowMs + 30 * 60_000).toISOString(),
    updatedAt: now,
    capturedAt: null,
    closedAt: null,
    closeReason: null,
    ...overrides.order,
  };
}

/** Stores an order as the pay workflow leaves a challenged card payment: REQUIRES_ACTION with an OTP next action. */
export async function seedChallengedOrder(deps: Deps, channel: string, amount = 1999): Promise<Order> {
  const order = cardOrder(deps, channel, amount);
  await deps.orders.createOrder(order);
  return order;
}

type Gated = 'confirm' | 'cancel' | 'refund';

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A card channel whose confirm and cancel can be held at a gate: `hold('cancel')` makes the next cancel wait until
 * the test calls `release()`, and `entered` resolves once the call is waiting there. So a test decides exactly which
 * request reaches the channel when, with no timing involved. `fail` makes the next call of a kind throw instead.
 * It records every call it receives, as an acquirer's report would.
 */
export class GatedChannel implements ChannelAdapter {
  readonly calls: Array<{ kind: Gated; paymentId: string }> = [];
  private readonly gates = new Map<Gated, { entered: Deferred; released: Deferred }>();
  private readonly failures = new Map<Gated, Error>();
  /** What the channel answers a confirm with (once through the gate). */
  confirmResult: (request: PaymentRef & { otp: string; capture: boolean }) => CreatePaymentResult = (request) => ({
    outcome: 'succeeded',
    channelPaymentId: request.channelPaymentId!,
  });

  constructor(readonly id = 'gated') {}

  hold(kind: Gated): { entered: Promise<void>; release(): void } {
    const gate = { entered: deferred(), released: deferred() };
    this.gates.set(kind, gate);
    return { entered: gate.entered.promise, release: () => gate.released.resolve() };
  }

  fail(kind: Gated, error: Error): void {
    this.failures.set(kind, error);
  }

  private async pass(kind: Gated, paymentId: string): Promise<void> {
    this.calls.push({ kind, paymentId });
    const gate = this.gates.get(kind);
    if (gate) {
      this.gates.delete(kind);
      gate.entered.resolve();
      await gate.released.promise;
    }
    const failure = this.failures.get(kind);
    if (failure) {
      this.failures.delete(kind);
      throw failure;
    }
  }

  async confirmPayment(request: PaymentRef & { otp: string; capture: boolean }): Promise<CreatePaymentResult> {
    await this.pass('confirm', request.paymentId);
    return this.confirmResult(request);
  }

  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    await this.pass('refund', request.paymentId);
    return { status: 'succeeded', refundId: request.refundId, channelRefundId: `${this.id}_${request.refundId}` };
  }

  /** The card channel's cancellation (void) of an open challenge. */
  async void(request: PaymentRef): Promise<ChannelPaymentState> {
    await this.pass('cancel', request.paymentId);
    return { status: 'closed', paymentId: request.paymentId, channelPaymentId: request.channelPaymentId };
  }
}
