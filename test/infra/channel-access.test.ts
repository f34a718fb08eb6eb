import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../../infra/cdk/platform-app.js';
import { CHANNEL_CATALOG } from '../../shared/channels/catalog.js';
import { CALLBACK_METRICS, CHANNEL_METRICS, PAYMENT_METRICS } from '../../shared/metrics.js';
import { resourcesOf, synthPlatform, templateOf, type Resource } from './synth.js';

/**
 * Which functions reach payment channels in AWS, and what that lets them open: the functions that call a channel
 * get CHANNEL_BASE_URLS and the channels' sealed credentials; the route step knows the configured channels and opens
 * nothing; and since the table has a key of its own, a table grant opens no sealed value (decisions 92-94).
 */
const BASE_URLS = { wechat_pay: 'https://api.mch.weixin.qq.com', netbank: 'https://bank.example/api' };

let t: Template;
beforeAll(() => {
  const { app, stacks } = synthPlatform({ regions: ['eu-west-1'], channelBaseUrls: BASE_URLS });
  app.synth({ force: true }); // cdk-nag runs here: an unacknowledged finding throws
  t = templateOf(stacks[0]!);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const json = (value: unknown) => JSON.stringify(value) ?? '';
const actionsOf = (s: Statement) => [s.Action].flat();

/** Every function by a short name: `order` (Merchant API), `checkout` (Public pages), `Charge` (workflow), `Timers`, … */
function functions(): Map<string, Resource> {
  const named = resourcesOf(t, 'AWS::Lambda::Function').map(([, fn]) => {
    const description = String(fn.Properties.Description);
    const name = /^(Merchant API|Public pages): (\w+)/.exec(description)?.[2] ?? /^Pay workflow step (\w+)/.exec(description)?.[1] ?? description.split(/[: ]/)[0]!;
    return [name, fn] as const;
  });
  return new Map(named);
}

function statementsOf(fn: Resource): Statement[] {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, p]) => json(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const keyId = (description: RegExp) => resourcesOf(t, 'AWS::KMS::Key').find(([, k]) => description.test(String(k.Properties.Description)))![0];

/** The statements that allow kms:Decrypt on the key (named, or through a `*` resource). */
function decryptsOn(fn: Resource, key: string): Statement[] {
  return statementsOf(fn).filter(
    (s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a === 'kms:Decrypt' || a === 'kms:*') && (json(s.Resource).includes(`"${key}"`) || json(s.Resource).includes('"*"')),
  );
}

/** `Operations` (the ops API) and `Reconciliation` fetch bills and query unmatched items (decisions 191). */
const CHANNEL_CALLERS = ['order', 'pay', 'refund', 'checkout', 'callbacks', 'agreements', 'payouts', 'Charge', 'Failover', 'Timers', 'Operations', 'Reconciliation'].sort();
/** The timer function may also open a payout's sealed account number, to resend a transfer the bank never received. */
const PAYOUT_ACCOUNT_ONLY = { StringEquals: { 'kms:EncryptionContext:purpose': 'payout-account' } };
const CHANNEL_CREDENTIALS_ONLY = { StringEquals: { 'kms:EncryptionContext:purpose': 'channel-credentials' } };

describe('functions that call payment channels', () => {
  it('get the configured base URLs; the route step too, and no other function', () => {
    const withUrls = [...functions()].filter(([, fn]) => 'CHANNEL_BASE_URLS' in (fn.Properties.Environment.Variables as object)).map(([name]) => name);
    expect(withUrls.sort()).toEqual([...CHANNEL_CALLERS, 'Route'].sort());
    for (const [name, fn] of functions()) {
      const value = (fn.Properties.Environment.Variables as Record<string, unknown>).CHANNEL_BASE_URLS;
      if (value !== undefined) expect(JSON.parse(String(value)), name).toEqual(BASE_URLS);
    }
  });

  it('can open the sealed channel credentials: unconditionally where the merchant-secret grant already allows it, else only under the channel-credentials purpose', () => {
    const dataKey = keyId(/merchant secrets/);
    for (const name of CHANNEL_CALLERS) {
      const statements = decryptsOn(functions().get(name)!, dataKey);
      expect(statements.length, name).toBeGreaterThan(0);
      if (['checkout', 'callbacks', 'Failover', 'Operations', 'Reconciliation'].includes(name)) {
        expect(statements, name).toEqual([expect.objectContaining({ Condition: CHANNEL_CREDENTIALS_ONLY })]);
      }
      if (name === 'Timers') {
        expect(statements.map((s) => s.Condition).sort((a, b) => json(a).localeCompare(json(b))), name).toEqual([CHANNEL_CREDENTIALS_ONLY, PAYOUT_ACCOUNT_ONLY]);
      }
    }
  });

  it('the route step reads the table (the channels\' shared health) and its one write is a probe claim on the channel health partitions', () => {
    const route = functions().get('Route')!;
    expect(statementsOf(route).flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:GetItem']));
    const writes = statementsOf(route).filter((s) => actionsOf(s).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite|PartiQL)/.test(a)));
    expect(writes.map((s) => ({ actions: actionsOf(s), condition: s.Condition }))).toEqual([
      { actions: ['dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CHANNELHEALTH#*'] } } },
    ]);
  });

  it('the timer function (the janitor) reads and writes the table', () => {
    const actions = statementsOf(functions().get('Timers')!).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
  });
});

describe('the sealing key (key center data key) and the table key', () => {
  it('are two keys: the table is encrypted with a key of its own', () => {
    const table = resourcesOf(t, 'AWS::DynamoDB::GlobalTable')[0]![1];
    expect(table.Properties.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [keyId(/table encryption/), 'Arn'] } });
    expect(keyId(/table encryption/)).not.toBe(keyId(/merchant secrets/));
  });

  it('no function without the merchant-secret or channel-credential grant can decrypt with the sealing key, table grants included', () => {
    const dataKey = keyId(/merchant secrets/);
    const merchantSecretGrant = ['order', 'pay', 'refund', 'query', 'events', 'customers', 'statements', 'Charge'];
    const decrypting = [...functions()].filter(([, fn]) => decryptsOn(fn, dataKey).length > 0).map(([name]) => name);
    expect(decrypting.sort()).toEqual([...new Set([...merchantSecretGrant, ...CHANNEL_CALLERS])].sort());
    // Every other function uses the table (and so its key) but can open nothing sealed.
    for (const name of ['AssessRisk', 'Route', 'Commit', 'ReleaseClaim', 'Outbox', 'Signs']) {
      expect(functions().has(name), name).toBe(true);
      expect(decryptsOn(functions().get(name)!, dataKey), name).toEqual([]);
    }
    const tableUser = statementsOf(functions().get('Commit')!).filter((s) => actionsOf(s).includes('kms:Decrypt'));
    expect(tableUser.length).toBeGreaterThan(0);
    expect(json(tableUser.map((s) => s.Resource))).toContain(keyId(/table encryption/));
  });
});

describe('the fingerprint key (card fingerprints for the blocklist)', () => {
  it('computes MACs for the functions that fingerprint: pay, agreements for the blocklist at signing, payouts for the terms digest', () => {
    const key = keyId(/HMAC card fingerprints/);
    const macs = (fn: Resource) => statementsOf(fn).some((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:GenerateMac') && json(s.Resource).includes(`"${key}"`));
    expect([...functions()].filter(([, fn]) => macs(fn)).map(([name]) => name).sort()).toEqual(['agreements', 'pay', 'payouts']);
  });
});

describe('channelBaseUrls context', () => {
  const build = (channelBaseUrls: unknown) => () =>
    buildPlatform(new App({ context: { regions: ['eu-west-1'], channelBaseUrls, 'aws:cdk:bundling-stacks': [] } }));

  it('accepts the CLI form (JSON text) and refuses unknown channels and plain http', () => {
    expect(build(JSON.stringify(BASE_URLS))).not.toThrow();
    expect(build({ wechat: 'https://api.mch.weixin.qq.com' })).toThrow(/"wechat" is not a channel/);
    expect(build({ alipay: 'http://openapi.alipay.com' })).toThrow(/"alipay" has no https URL/);
    expect(build('[1]')).toThrow(/channelBaseUrls/);
  });
});

describe('observability by channel', () => {
  /** The dashboard's widgets (CloudFormation joins the body around tokens such as the region: any value will do). */
  const widgets = () => {
    const [, dashboard] = resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'token')).join('');
    return (JSON.parse(text) as { widgets: { properties: { title?: string; metrics?: unknown[][] } }[] }).widgets;
  };
  const widget = (title: string) => {
    const found = widgets().filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return json(found[0]!.properties.metrics);
  };

  it('has a widget line per channel for payments succeeded and failed, refused callbacks and late payments', () => {
    const ids = CHANNEL_CATALOG.map((row) => row.id);
    expect(ids).toEqual(expect.arrayContaining(['wechat_pay', 'alipay', 'netbank', 'unionpay']));
    const cases: [string, string, string][] = [
      ['Payments succeeded by channel', PAYMENT_METRICS.service, PAYMENT_METRICS.succeeded],
      ['Payments failed by channel', PAYMENT_METRICS.service, PAYMENT_METRICS.failed],
      ['Callbacks refused by channel', CALLBACK_METRICS.service, CALLBACK_METRICS.rejected],
      ['Late payments by channel; oldest unresolved payment (s)', PAYMENT_METRICS.service, PAYMENT_METRICS.latePayments],
    ];
    for (const [title, service, metric] of cases) {
      const text = widget(title);
      // CloudWatch's widget form: namespace, metric, then the dimensions by name.
      for (const id of ids) expect(text, `${title}: ${id}`).toContain(json([PAYMENT_METRICS.namespace, metric, 'Channel', id, 'Service', service]).slice(0, -1));
    }
  });

  it('shows each channel\'s health: volume, success rate, p99 latency and circuit state, a line per channel', () => {
    const ids = CHANNEL_CATALOG.map((row) => row.id);
    const line = (metric: string, id: string) => json([PAYMENT_METRICS.namespace, metric, 'Channel', id, 'Service', CHANNEL_METRICS.service]).slice(0, -1);
    for (const id of ids) {
      expect(widget('Channel calls per minute'), id).toContain(line(CHANNEL_METRICS.calls, id));
      expect(widget('Channel success rate % (declines are answers)'), id).toContain(line(CHANNEL_METRICS.answered, id));
      expect(widget('Channel latency p99 (ms)'), id).toContain(line(CHANNEL_METRICS.latency, id));
      expect(widget('Channel circuit (0 closed, 0.5 half-open, 1 open)'), id).toContain(line(CHANNEL_METRICS.circuitState, id));
    }
  });

  it('alarms per channel on an open circuit and on a technical failure rate judged over a minimum volume', () => {
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const id of CHANNEL_CATALOG.map((row) => row.id)) {
      const open = alarms.filter((a) => json(a.Metrics).includes(`"MetricName":"${CHANNEL_METRICS.circuitState}"`) && json(a.Metrics).includes(`"Value":"${id}"`));
      expect(open, id).toHaveLength(1);
      expect(open[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(json(open[0]!.Metrics)).toContain('"Stat":"Maximum"');
      const rate = alarms.filter((a) => json(a.Metrics).includes(`${id} technical failure %`));
      expect(rate, id).toHaveLength(1);
      expect(json(rate[0]!.Metrics)).toContain('IF(calls >= 20, 100 * failures / calls, 0)');
      expect(rate[0]).toMatchObject({ Threshold: 10 });
      expect(json(rate[0]!.AlarmActions)).toContain('Alarms');
    }
  });

  it('alarms on the first late payment, to the alarm topic', () => {
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === PAYMENT_METRICS.latePayments);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      Namespace: PAYMENT_METRICS.namespace,
      Dimensions: [{ Name: 'Service', Value: PAYMENT_METRICS.service }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [expect.anything()],
    });
  });
});
