import { afterAll, describe, expect, it, vi } from 'vitest';
import { NetbankPayoutDesk } from '../../../infra/local/sandbox/netbank/payout-desk.js';
import type { NetbankPayoutCreateBody } from '../../../shared/channels/netbank/payout-wire.js';
import { freshSandboxStore } from './harness.js';

/**
 * The sandbox bank's own count of create instructions per payout number, which the chaos run's check reads through
 * GET /sandbox/channels/netbank/payouts (docs/decisions.md, entry 193): a repeat is the same transfer, and counted.
 */
const store = await freshSandboxStore();
const desk = new NetbankPayoutDesk({ store, now: () => new Date(), notify: async () => undefined });
afterAll(() => desk.stop());

const instruction = (payoutNo: string, account: string): NetbankPayoutCreateBody => ({
  merchantNo: 'M1',
  payoutNo,
  amount: '12.34',
  currency: 'CNY',
  bankCode: 'ICBC',
  accountNumber: `622202000000${account}`,
  accountName: 'Payee',
  notifyUrl: 'http://127.0.0.1:9/notices',
});

describe('sandbox payout desk: instructions per payout', () => {
  it('lists each transfer once with its instruction count; a repeat (also concurrent ones) is counted, not a second transfer', async () => {
    await desk.create(instruction('po_once', '0001'));
    const first = await desk.create(instruction('po_twice', '0002'));
    await Promise.all([desk.create(instruction('po_twice', '0002')), desk.create(instruction('po_twice', '0002'))]);
    // A repeat with other terms is refused by the bank, and still an instruction it received.
    const reused = await desk.create({ ...instruction('po_twice', '0002'), amount: '99.00' });
    expect(reused !== 'drop' && reused.body.code).toBe('PAYOUT_NO_REUSED');

    const listed = await desk.list();
    expect(listed.map((t) => [t.payoutNo, t.instructions, t.amount, t.last4]).sort()).toEqual([
      ['po_once', 1, 1234, '0001'],
      ['po_twice', 4, 1234, '0002'],
    ]);
    const twice = listed.find((t) => t.payoutNo === 'po_twice')!;
    expect(first !== 'drop' && first.body.bankPayoutId).toBe(twice.bankPayoutId);
    expect(JSON.stringify(listed)).not.toContain('6222020000000002');
  });
});

describe('sandbox payout desk: notices', () => {
  it('notifies each event with its own status even when the timers run before the clock reaches it (a loaded event loop)', async () => {
    // The clock stays at the moment of the create while the timers run: a timer set from a lagging loop time runs
    // early against the wall clock. Each notice still says what happened when it was due: paid, then returned.
    const frozen = new Date();
    const notices: { notifyId: string; status: string }[] = [];
    const lagging = new NetbankPayoutDesk({
      store,
      now: () => frozen,
      notify: async (notifyId, _url, body) => void notices.push({ notifyId, status: (JSON.parse(body) as { status: string }).status }),
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await lagging.create(instruction('po_returned', '0004'));
      await vi.advanceTimersByTimeAsync(10_000);
    } finally {
      vi.useRealTimers();
      lagging.stop();
    }
    expect(notices.map((n) => n.status)).toEqual(['SUCCEEDED', 'RETURNED']);
    expect(new Set(notices.map((n) => n.notifyId)).size).toBe(2);
  });
});
