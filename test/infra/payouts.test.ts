import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAYMENT_METRICS, PAYOUT_METRICS } from '../../shared/metrics.js';
import { resourcesOf, roleOf, statementsOfRole, nagCheckedTemplate, type Resource } from './synth.js';

/**
 * Payouts in AWS (docs/decisions.md, entries 158 and 160): the payouts function behind POST/GET /v1/payouts with the
 * grants it needs (seal, fingerprint, channel credentials, timers), the timer function may open payout account numbers
 * and nothing else new, and an alarm watches the age of a payout still PROCESSING. cdk-nag runs in the synth.
 */
let t: Template;
let fnId: string;
let fn: Resource;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
  [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Payouts') || /^ApiFunctionpayouts/i.test(id) || /payouts/i.test(id))!;
});

const json = (value: unknown) => JSON.stringify(value);

describe('payouts in AWS', () => {
  it('the payouts function serves the three routes and may seal, fingerprint and schedule', () => {
    expect(fnId).toBeDefined();
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => json(m.Properties.Integration).includes(fnId));
    expect(methods.map(([, m]) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'GET', 'POST']);
    const actions = statementsOfRole(t, roleOf(fn)).flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:GenerateMac', 'scheduler:CreateSchedule']));
  });

  it('the timer function may open payout account numbers under the payout-account purpose', () => {
    const [, timerFn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).toLowerCase().includes('timer'))!;
    const decrypts = statementsOfRole(t, roleOf(timerFn)).filter((s) => [s.Action].flat().includes('kms:Decrypt'));
    const purposes = decrypts.map((s) => json(s.Condition ?? null));
    expect(purposes.filter((c) => c.includes('payout-account'))).toHaveLength(1);
    // The merchant secrets' unconditioned open is not among them: only purposes it was given by name.
    expect(purposes.filter((c) => c.includes('EncryptionContext:purpose')).length).toBe(2);
  });

  it('alarms when a payout stays PROCESSING for an hour', () => {
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).filter((a) => a.MetricName === PAYOUT_METRICS.unresolvedAge);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ Namespace: PAYMENT_METRICS.namespace, Threshold: 3600, Statistic: 'Maximum' });
  });
});
