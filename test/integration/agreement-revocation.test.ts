import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { janitorDelaySeconds } from '../../shared/domain/janitor-schedule.js';
import type { AgreementChannelResult, AgreementRef, ChannelAdapter } from '../../shared/ports/channel-flows.js';
import type { AgreementStore } from '../../shared/ports/agreement-store.js';
import { agreementRevokeKey, handleAgreementRevocation, terminateAgreement } from '../../shared/services/agreement-termination.js';
import type { Deps } from '../../shared/services/deps.js';
import { agreementFixture } from '../support/agreement-fixture.js';
import type { MemoryTimers } from '../support/memory-timers.js';
import { serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * The revocation's timer (docs/decisions.md, 137) on DynamoDB Local: set before the commit that terminates, so a
 * process that dies after that commit, before or inside the channel call, still leaves a timer that revokes.
 */

/** A channel whose revocation can be made to die (the process killed inside the call); it records every call. */
class RevokingChannel implements ChannelAdapter {
  readonly id = 'revoking';
  readonly calls: AgreementRef[] = [];
  dieNext = false;

  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    this.calls.push(request);
    if (this.dieNext) {
      this.dieNext = false;
      throw new Error('process killed');
    }
    return { outcome: 'terminated', channelAgreementId: request.channelAgreementId };
  }
}

const channel = new RevokingChannel();
let deps: Deps;
let timers: MemoryTimers;
let close: () => void;
/** For each commit of an agreement: whether its revocation timer was pending when the commit was sent. */
const timerAtCommit: boolean[] = [];

beforeAll(async () => {
  const built = await serviceDeps([channel]);
  timers = built.timers;
  close = built.close;
  const store = built.deps.agreements;
  const watched: AgreementStore = {
    create: (a) => store.create(a),
    get: (id) => store.get(id),
    findIdByOutAgreementNo: (m, o) => store.findIdByOutAgreementNo(m, o),
    listByCustomer: (m, c) => store.listByCustomer(m, c),
    customerMerchant: (c) => store.customerMerchant(c),
    reserveOtpAttempt: (id, limit) => store.reserveOtpAttempt(id, limit),
    releaseOtpAttempt: (id) => store.releaseOtpAttempt(id),
    periodUsage: (id, period) => store.periodUsage(id, period),
    releasePeriodDebit: (id, period, amount) => store.releasePeriodDebit(id, period, amount),
    commit: (change) => {
      timerAtCommit.push(timers.pending.has(agreementRevokeKey(change.after.id)));
      return store.commit(change);
    },
  };
  deps = { ...built.deps, agreements: watched };
});

afterAll(() => close?.());

async function activeAgreement() {
  const agreement = agreementFixture({ merchantId: TEST_MERCHANT.merchantId, channel: channel.id, channelAgreementId: 'tok_open', channelToken: 'tok_open' });
  await deps.agreements.create(agreement);
  return agreement;
}

describe('the revocation timer', () => {
  it('is pending at the terminating commit; a process killed inside the revocation leaves it, and it revokes', async () => {
    const agreement = await activeAgreement();
    timerAtCommit.length = 0;
    channel.dieNext = true;
    const answered = await terminateAgreement(deps, TEST_MERCHANT, agreement.id);
    expect(answered).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant', version: 3 });
    expect(answered.revokedAtChannelAt ?? null).toBeNull();
    expect(timerAtCommit).toEqual([true]);
    expect(channel.calls.at(-1)).toEqual({ agreementId: agreement.id, channelAgreementId: 'tok_open', token: 'tok_open' });

    const timer = timers.take(agreementRevokeKey(agreement.id));
    expect(timer).toMatchObject({ kind: 'agreement.revoke', payload: { agreementId: agreement.id, step: 0 } });
    await handleAgreementRevocation(deps, timer);
    const revoked = await deps.agreements.get(agreement.id);
    expect(revoked).toMatchObject({ status: 'TERMINATED', version: 4, revokedAtChannelAt: expect.any(String) });
    expect(timers.pending.has(agreementRevokeKey(agreement.id))).toBe(false);
  });

  it('a revocation that fails again is set again on the next backoff step; one already recorded is not sent again', async () => {
    const agreement = await activeAgreement();
    channel.dieNext = true;
    await terminateAgreement(deps, TEST_MERCHANT, agreement.id);
    channel.dieNext = true;
    const first = timers.take(agreementRevokeKey(agreement.id));
    const failedAtMs = deps.now();
    await handleAgreementRevocation(deps, first);
    const second = timers.take(agreementRevokeKey(agreement.id));
    expect(second.payload.step).toBe(1);
    expect(second.dueAtMs).toBeGreaterThanOrEqual(failedAtMs + janitorDelaySeconds(1, deps.janitorAfterSeconds) * 1000);
    await handleAgreementRevocation(deps, second);
    expect((await deps.agreements.get(agreement.id))!.revokedAtChannelAt).toEqual(expect.any(String));

    const calls = channel.calls.length;
    await handleAgreementRevocation(deps, second);
    expect(channel.calls.length).toBe(calls);
  });

  it('does nothing for an agreement that is not TERMINATED (the commit it was set for lost)', async () => {
    const agreement = await activeAgreement();
    const calls = channel.calls.length;
    await handleAgreementRevocation(deps, { key: agreementRevokeKey(agreement.id), kind: 'agreement.revoke', dueAtMs: 0, payload: { agreementId: agreement.id, step: 0 } });
    expect(channel.calls.length).toBe(calls);
    expect(await deps.agreements.get(agreement.id)).toMatchObject({ status: 'ACTIVE', version: agreement.version });
  });
});

describe("the signing's OTP counter (docs/decisions.md, 136)", () => {
  it('of 20 concurrent reservations exactly the limit succeed, counted 1..limit; a release gives one back, never below zero', async () => {
    const agreement = await activeAgreement();
    const counts = await Promise.all(Array.from({ length: 20 }, () => deps.agreements.reserveOtpAttempt(agreement.id, 3)));
    expect(counts.filter((c) => c !== undefined).sort()).toEqual([1, 2, 3]);
    await deps.agreements.releaseOtpAttempt(agreement.id);
    expect(await deps.agreements.reserveOtpAttempt(agreement.id, 3)).toBe(3);
    const fresh = await activeAgreement();
    await deps.agreements.releaseOtpAttempt(fresh.id);
    expect(await deps.agreements.reserveOtpAttempt(fresh.id, 3)).toBe(1);
    // The agreement itself is untouched: its version moves only with what a merchant sees.
    expect((await deps.agreements.get(agreement.id))!.version).toBe(agreement.version);
  });
});
