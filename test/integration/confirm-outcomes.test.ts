import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../shared/logger.js';
import { PAYMENT_METRICS, setMetricSink, type MetricDocument } from '../../shared/metrics.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../shared/ports/payment-channel.js';
import type { Deps } from '../../shared/services/deps.js';
import { confirmPayment } from '../../shared/services/payments.js';
import { GatedChannel, TEST_MERCHANT, seedChallengedOrder, serviceDeps } from '../support/service-deps.js';

/**
 * POST /pay/confirm when the channel answers, refuses, or does not answer: only an unknown outcome leaves the order
 * PROCESSING (202); a definite refusal is answered as such; every case is logged, without the OTP, and counted.
 */
const OTP = '123456';
const channel = new GatedChannel();
let deps: Deps;
let close: () => void;
let metrics: MetricDocument[];
let logs: Array<Record<string, unknown>>;

beforeAll(async () => {
  ({ deps, close } = await serviceDeps([channel]));
});
afterAll(() => close());
beforeEach(() => {
  metrics = [];
  logs = [];
  setMetricSink((d) => metrics.push(d));
  setLogSink((line) => logs.push({ ...line }));
  setLogLevel('info');
});
afterEach(() => {
  setMetricSink(undefined);
  setLogSink(undefined);
  setLogLevel('silent');
});

const confirmations = () => metrics.filter((m) => PAYMENT_METRICS.otpConfirmations in m).map((m) => m.Result);
const counted = (name: string) => metrics.filter((m) => name in m).length;
const error = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe('confirming a challenged payment', () => {
  it('counts a successful confirmation as a confirmation and as a succeeded payment, at any log level', async () => {
    setLogLevel('silent'); // metrics are not logs: a quiet log level must not blank the dashboard
    const order = await seedChallengedOrder(deps, channel.id);
    const res = await confirmPayment(deps, TEST_MERCHANT, order.id, OTP);
    expect(res).toMatchObject({ statusCode: 200, order: { status: 'SUCCEEDED' } });
    expect(confirmations()).toEqual(['succeeded']);
    expect(counted(PAYMENT_METRICS.succeeded)).toBe(1);
    const [doc] = metrics;
    expect(doc).toMatchObject({ Service: 'payments', orderId: order.id, channel: channel.id });
    expect(JSON.stringify(metrics)).not.toContain(OTP);
    expect(logs).toEqual([]);
  });

  it('counts and logs a wrong OTP with attempts left as a retry: 402, challenge still open', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    channel.confirmResult = (r) => ({ outcome: 'declined', channelPaymentId: r.channelPaymentId, code: 'authentication_failed', message: 'Wrong OTP.' });
    try {
      expect(await error(confirmPayment(deps, TEST_MERCHANT, order.id, '000000'))).toMatchObject({ statusCode: 402, code: 'authentication_failed' });
    } finally {
      channel.confirmResult = (r) => ({ outcome: 'succeeded', channelPaymentId: r.channelPaymentId! });
    }
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'REQUIRES_ACTION', payment: { otpFailures: 1 } });
    expect(confirmations()).toEqual(['retry']);
    expect(counted(PAYMENT_METRICS.failed)).toBe(0);
    expect(logs).toEqual([expect.objectContaining({ message: 'OTP confirmation', orderId: order.id, result: 'retry' })]);
  });

  it('leaves the order PROCESSING (202) when the channel times out: logged as an error and counted unknown', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    channel.fail('confirm', new ChannelTimeoutError(channel.id));
    const res = await confirmPayment(deps, TEST_MERCHANT, order.id, OTP);
    expect(res).toMatchObject({ statusCode: 202, order: { status: 'PROCESSING' } });
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    expect(confirmations()).toEqual(['unknown']);
    expect(logs).toEqual([expect.objectContaining({ level: 'error', orderId: order.id, error: 'ChannelTimeoutError' })]);
  });

  it('never logs the OTP, even when a failing adapter echoes it in its error message', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    channel.fail('confirm', new Error(`connection reset while sending otp=${OTP}`));
    expect((await confirmPayment(deps, TEST_MERCHANT, order.id, OTP)).statusCode).toBe(202);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toContain('outcome unknown');
    expect(JSON.stringify(logs)).not.toContain(OTP);
    expect(JSON.stringify(logs)).toContain('otp=[redacted]');
  });

  it('does not swallow a definite refusal by the channel: 503, the challenge reopened, confirmable again', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    channel.fail('confirm', new ChannelRejectedError(channel.id, 'payment not found'));
    const refused = await error(confirmPayment(deps, TEST_MERCHANT, order.id, OTP));
    expect(refused).toMatchObject({ statusCode: 503, code: 'channel_error' });
    expect(await deps.orders.getOrder(order.id)).toMatchObject({
      status: 'REQUIRES_ACTION',
      version: order.version + 2,
      payment: { nextAction: order.payment!.nextAction, otpFailures: 0 },
    });
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', orderId: order.id, error: 'ChannelRejectedError' })]);

    const retried = await confirmPayment(deps, TEST_MERCHANT, order.id, OTP);
    expect(retried).toMatchObject({ statusCode: 200, order: { status: 'SUCCEEDED' } });
    expect(confirmations()).toEqual(['channel_error', 'succeeded']);
  });
});
