import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementChannelResult, AgreementRef, ChannelAdapter } from '../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../shared/ports/payment-channel.js';
import { confirmAgreement } from '../../shared/services/agreement-confirm.js';
import { terminateAgreement } from '../../shared/services/agreement-termination.js';
import type { Deps } from '../../shared/services/deps.js';
import { agreementFixture } from '../support/agreement-fixture.js';
import { serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * A confirm whose channel call fails (docs/decisions.md, 136), on DynamoDB Local: the code is given back when the
 * agreement is still PENDING (503, try again), and a signing ended while the code was at the channel answers 409.
 */

class FailingConfirmChannel implements ChannelAdapter {
  readonly id = 'failing-confirm';
  /** Runs inside the confirm call, before it fails: what happens meanwhile elsewhere. */
  meanwhile: (request: AgreementRef) => Promise<void> = async () => {};
  error: Error = new ChannelTimeoutError('failing-confirm');

  async confirmAgreement(request: AgreementRef & { otp: string }): Promise<AgreementChannelResult> {
    await this.meanwhile(request);
    throw this.error;
  }

  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    return { outcome: 'terminated', channelAgreementId: request.channelAgreementId };
  }
}

const channel = new FailingConfirmChannel();
let deps: Deps;
let close: () => void;

beforeAll(async () => {
  const built = await serviceDeps([channel]);
  deps = built.deps;
  close = built.close;
});

afterAll(() => close?.());

async function pendingAgreement() {
  const agreement = agreementFixture({
    merchantId: TEST_MERCHANT.merchantId, channel: channel.id, status: 'PENDING', channelToken: null, brand: null, last4: null,
    activatedAt: null, nextAction: { type: 'otp', url: null }, version: 1,
  });
  await deps.agreements.create(agreement);
  return agreement;
}

describe('a confirm whose channel call fails', () => {
  it('gives the code back while the agreement is PENDING: 503, and three codes are still available', async () => {
    const agreement = await pendingAgreement();
    channel.meanwhile = async () => {};
    channel.error = new ChannelTimeoutError(channel.id);
    await expect(confirmAgreement(deps, TEST_MERCHANT, agreement.id, '123456')).rejects.toMatchObject({ statusCode: 503, code: 'channel_error' });
    expect(await deps.agreements.reserveOtpAttempt(agreement.id, 3)).toBe(1);
  });

  it('answers 409 when the signing was ended while the code was at the channel (the channel refused it)', async () => {
    const agreement = await pendingAgreement();
    channel.meanwhile = async () => {
      await terminateAgreement(deps, TEST_MERCHANT, agreement.id);
    };
    channel.error = new ChannelRejectedError(channel.id, 'instrument_not_pending');
    await expect(confirmAgreement(deps, TEST_MERCHANT, agreement.id, '123456')).rejects.toMatchObject({ statusCode: 409, code: 'agreement_not_confirmable' });
    expect(await deps.agreements.get(agreement.id)).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant' });
  });
});
