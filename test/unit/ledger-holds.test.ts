import { describe, expect, it } from 'vitest';
import { accounts } from '../../shared/ledger/accounts.js';
import { expectedHoldBalance, expireHold, placeHold, postHold, voidHold, type HoldSpec } from '../../shared/ledger/holds.js';
import { creditChange, isBalanced } from '../../shared/ledger/posting.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const spec: HoldSpec = {
  id: 'hold_1',
  merchantId: 'm_1',
  orderId: 'ord_1',
  channel: 'balance',
  currency: 'CNY',
  amount: 1000,
  debitAccount: accounts.customerBalance('cus_1'),
  creditAccount: accounts.merchantPending('m_1'),
  expiresAt: new Date(T0 + 60_000).toISOString(),
};
const ctx = (entryId: string, nowMs: number) => ({ entryId, nowMs });
const placed = placeHold(spec, ctx('le_1', T0));

describe('hold lifecycle (pure)', () => {
  it('placing moves the amount from the debited account to the hold\'s own account, and creates the hold', () => {
    expect(placed.hold).toMatchObject({ status: 'PENDING', postedAmount: 0, version: 1, entryIds: ['le_1'] });
    expect(placed.write).toEqual({ after: placed.hold, expect: null });
    expect(placed.entry).toMatchObject({ id: 'le_1', kind: 'hold', holdId: 'hold_1', currency: 'CNY' });
    expect(creditChange(placed.entry.lines, spec.debitAccount)).toBe(-1000);
    expect(creditChange(placed.entry.lines, accounts.hold('hold_1'))).toBe(1000);
    expect(expectedHoldBalance(placed.hold)).toBe(1000);
  });

  it('a partial post sends the posted part on and the rest back, emptying the hold account, on the condition of the pending version before the deadline', () => {
    const posted = postHold(placed.hold, 600, ctx('le_2', T0 + 1000));
    expect(posted.hold).toMatchObject({ status: 'POSTED', postedAmount: 600, version: 2, entryIds: ['le_1', 'le_2'] });
    expect(posted.write.expect).toEqual({ status: 'PENDING', version: 1, deadline: { side: 'before', at: new Date(T0 + 1000).toISOString() } });
    expect(isBalanced(posted.entry.lines)).toBe(true);
    expect(creditChange(posted.entry.lines, spec.creditAccount)).toBe(600);
    expect(creditChange(posted.entry.lines, spec.debitAccount)).toBe(400);
    expect(creditChange([...placed.entry.lines, ...posted.entry.lines], accounts.hold('hold_1'))).toBe(0);
    expect(expectedHoldBalance(posted.hold)).toBe(0);
  });

  it('a full post has no release line; the default amount is the whole hold', () => {
    const posted = postHold(placed.hold, undefined, ctx('le_2', T0));
    expect(posted.hold.postedAmount).toBe(1000);
    expect(posted.entry.lines).toHaveLength(2);
  });

  it('refuses a post above the amount, at or after the deadline, or of a hold no longer pending', () => {
    expect(() => postHold(placed.hold, 1001, ctx('le_2', T0))).toThrow(expect.objectContaining({ reason: 'exceeds_hold' }));
    expect(() => postHold(placed.hold, 0, ctx('le_2', T0))).toThrow(expect.objectContaining({ reason: 'exceeds_hold' }));
    expect(() => postHold(placed.hold, 10, ctx('le_2', T0 + 60_000))).toThrow(expect.objectContaining({ reason: 'hold_expired' }));
    const voided = voidHold(placed.hold, ctx('le_2', T0)).hold;
    expect(() => postHold(voided, 10, ctx('le_3', T0))).toThrow(expect.objectContaining({ reason: 'hold_not_pending' }));
    expect(() => voidHold(voided, ctx('le_3', T0))).toThrow(expect.objectContaining({ reason: 'hold_not_pending' }));
  });

  it('void gives everything back at any time while pending; expiry only once the deadline has come', () => {
    const voided = voidHold(placed.hold, ctx('le_2', T0 + 120_000));
    expect(voided.hold.status).toBe('VOIDED');
    expect(voided.write.expect?.deadline).toBeNull();
    expect(creditChange(voided.entry.lines, spec.debitAccount)).toBe(1000);
    expect(() => expireHold(placed.hold, ctx('le_2', T0 + 59_999))).toThrow(expect.objectContaining({ reason: 'hold_not_expired' }));
    const expired = expireHold(placed.hold, ctx('le_2', T0 + 60_000));
    expect(expired.hold).toMatchObject({ status: 'EXPIRED', postedAmount: 0 });
    expect(expired.write.expect?.deadline).toEqual({ side: 'after', at: new Date(T0 + 60_000).toISOString() });
    expect(expired.entry.kind).toBe('hold_release');
  });

  it('refuses a hold of no money', () => {
    expect(() => placeHold({ ...spec, amount: 0 }, ctx('le_1', T0))).toThrow(expect.objectContaining({ reason: 'unbalanced' }));
  });
});
