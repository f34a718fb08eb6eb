import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerCheckSettings } from '../../infra/definitions/ledger-check.js';
import { LEDGER_METRICS, PAYMENT_METRICS } from '../../shared/metrics.js';
import { actionsOfRole, resourcesOf, roleOf, nagCheckedTemplate, type Resource } from './synth.js';

/**
 * The scheduled ledger check in AWS (docs/decisions.md, entry 143): an hourly EventBridge rule invokes the
 * `ledger-check` function, which may only read the table; alarms on expired holds, negative guarded accounts, an
 * unbalanced ledger and a check that stopped reporting; the dashboard shows the figures. cdk-nag runs in the synth.
 */
let t: Template;
let fnId: string;
let fn: Resource;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
  [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).startsWith('Ledger check'))!;
});

const json = (value: unknown) => JSON.stringify(value);
const alarmOn = (metricName: string) => resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).filter((a) => a.MetricName === metricName);

describe('the scheduled ledger check', () => {
  it('runs hourly from an EventBridge rule whose target is the ledger-check function, one run at a time', () => {
    const rules = resourcesOf(t, 'AWS::Events::Rule').filter(([, r]) => json(r.Properties.Targets).includes(`"${fnId}"`));
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: `rate(${ledgerCheckSettings.everyMinutes / 60} hour)`, State: 'ENABLED' });
    expect(fn.Properties).toMatchObject({ Timeout: ledgerCheckSettings.timeoutSeconds, ReservedConcurrentExecutions: 1 });
    const invoke = resourcesOf(t, 'AWS::Lambda::Permission').filter(([, p]) => json(p.Properties.FunctionName).includes(`"${fnId}"`));
    expect(invoke.map(([, p]) => p.Properties.Principal)).toEqual(['events.amazonaws.com']);
  });

  it('may read the table and write its logs, nothing else: no item write, no queue, no schedule, no key but the table\'s decrypt', () => {
    const actions = new Set(actionsOfRole(t, roleOf(fn)));
    expect([...actions].filter((a) => a.startsWith('dynamodb:'))).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem']));
    expect([...actions].filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite|PartiQL(Insert|Update|Delete))/.test(a))).toEqual([]);
    expect([...actions].filter((a) => /^(sqs|scheduler|states|events|sns):/.test(a))).toEqual([]);
    expect([...actions].filter((a) => a.startsWith('kms:'))).toEqual(['kms:Decrypt', 'kms:DescribeKey'].filter((a) => actions.has(a)));
    expect(actions.has('kms:Decrypt')).toBe(true);
  });

  it('alarms at one expired hold, one negative guarded account and an unbalanced ledger, and when the check stops reporting', () => {
    for (const metric of [LEDGER_METRICS.expiredHolds, LEDGER_METRICS.negativeGuarded, LEDGER_METRICS.unbalanced]) {
      const alarm = alarmOn(metric).find((a) => a.Statistic === 'Maximum');
      expect(alarm, metric).toMatchObject({
        Namespace: PAYMENT_METRICS.namespace,
        Dimensions: [{ Name: 'Service', Value: LEDGER_METRICS.service }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 2 * ledgerCheckSettings.everyMinutes * 60,
      });
      expect(alarm!.AlarmActions).toHaveLength(1);
    }
    const notRunning = alarmOn(LEDGER_METRICS.unbalanced).find((a) => a.Statistic === 'SampleCount');
    expect(notRunning).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching', EvaluationPeriods: 3 });
    // Its errors are alarmed like every platform function's.
    expect(resourcesOf(t, 'AWS::CloudWatch::Alarm').some(([, a]) => a.Properties.MetricName === 'Errors' && json(a.Properties.Dimensions).includes(`"${fnId}"`))).toBe(true);
  });

  it('the dashboard shows the ledger check\'s figures', () => {
    const [, dashboard] = resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = json(dashboard.Properties.DashboardBody);
    for (const metric of Object.values(LEDGER_METRICS).filter((m) => m !== LEDGER_METRICS.service)) expect(body).toContain(metric);
  });
});
