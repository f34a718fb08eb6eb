import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { opsCall } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Velocity rules and the blocklist through the operations API, end to end over HTTP (docs/operations.md, "Risk";
 * docs/decisions.md, 214-221): each action and subject, a window that passes, a merchant rule over a platform
 * default, the decision kept on the attempt. Rules are read on every payment here (riskRulesCacheSeconds: 0) and
 * windows are a few seconds, so nothing waits for a real minute. Each test has its own merchant and payer values.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-velocity-'));
const env = useTestRuntime({ dataDir, riskRulesCacheSeconds: 0 });

/** `npm run ops -- …` as an operator runs it: its own process, the runtime's token; stdout parsed. */
function cli(...args: string[]): Promise<{ code: number; body: any }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/local/ops-cli.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', OPS_API_URL: env.runtime.url, OPS_TOKEN_FILE: join(dataDir, 'ops-token') } },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, body: stdout ? JSON.parse(stdout) : null }),
    );
  });
}

const ops = (method: string, path: string, body?: unknown) => opsCall(env.runtime, method, path, body === undefined ? {} : { body });
const unique = () => randomBytes(5).toString('hex');

async function merchant(): Promise<{ api: ApiClient; merchantId: string }> {
  const creds = await createMerchant(env.runtime.deps, { name: `Velocity shop ${unique()}` });
  return { api: env.api.as(creds), merchantId: creds.merchantId };
}

async function addRule(rule: Record<string, unknown>): Promise<any> {
  const answer = await ops('POST', '/ops/v1/risk/rules', rule);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Creates an order and pays it by card as this payer; the pay's answer. */
async function payAs(api: ApiClient, payer: { id?: string; ip?: string }, order: Record<string, unknown> = {}, card = '4242424242424242') {
  const created = await api.createOrder(order);
  const res = await api.pay(created.id, card, { payer });
  return { orderId: created.id as string, res };
}

/** The order's attempt as the operations API shows it (the risk decision in full). */
async function attemptOf(orderId: string): Promise<any> {
  const answer = await ops('GET', `/ops/v1/orders/${orderId}/attempts`);
  expect(answer.status).toBe(200);
  expect(answer.body.data).toHaveLength(1);
  return answer.body.data[0];
}

/** Waits until every bucket of a window of `windowSeconds` started after `sinceMs` (entry 216: sixths, at least 1 s). */
async function windowPassed(sinceMs: number, windowSeconds: number): Promise<void> {
  const bucketMs = Math.max(1, Math.ceil(windowSeconds / 6)) * 1000;
  const until = Math.ceil((sinceMs + windowSeconds * 1000 + bucketMs) / 1000) * 1000 + 50;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
}

describe('velocity rules in the risk step', () => {
  it('challenges the third payment of a payer id within the window with an OTP, and records the rule and counter', async () => {
    const { api, merchantId } = await merchant();
    const rule = await addRule({ merchantId, subject: 'payer_id', metric: 'count', threshold: 2, windowSeconds: 60, action: 'challenge' });
    const payer = { id: `u-${unique()}` };
    for (let i = 0; i < 2; i += 1) expect((await payAs(api, payer)).res.body.status).toBe('SUCCEEDED');
    const third = await payAs(api, payer);
    expect(third.res.status).toBe(200);
    expect(third.res.body).toMatchObject({ status: 'REQUIRES_ACTION', payment: { nextAction: { type: 'otp' } } });
    const attempt = await attemptOf(third.orderId);
    expect(attempt.riskDecision).toBe('challenge');
    expect(attempt.risk).toEqual({
      action: 'challenge',
      ruleIds: [rule.id],
      velocity: [{ ruleId: rule.id, subject: 'payer_id', metric: 'count', currency: null, value: 3, threshold: 2, windowSeconds: 60, action: 'challenge' }],
    });
    // The challenge is the card's OTP: the payer completes it as any challenged payment.
    const confirmed = await api.post(`/v1/orders/${third.orderId}/pay/confirm`, { otp: '123456' });
    expect(confirmed.body.status).toBe('SUCCEEDED');
    // Another payer of the same merchant has counters of its own.
    expect((await payAs(api, { id: `u-${unique()}` })).res.body.status).toBe('SUCCEEDED');
  });

  it('blocks by the amount one card fingerprint sent within the window, in the rule currency only', async () => {
    const { api, merchantId } = await merchant();
    const rule = await addRule({ merchantId, subject: 'card_fingerprint', metric: 'amount', currency: 'CNY', threshold: 3000, windowSeconds: 60, action: 'block' });
    expect((await payAs(api, {}, { amount: 1999 })).res.body.status).toBe('SUCCEEDED');
    // USD is not summed with CNY, and the CNY rule does not judge it.
    expect((await payAs(api, {}, { amount: 9999, currency: 'USD' })).res.body.status).toBe('SUCCEEDED');
    const blocked = await payAs(api, {}, { amount: 1002 });
    expect(blocked.res.status).toBe(403);
    expect(blocked.res.body.error).toMatchObject({ type: 'permission', code: 'risk_blocked' });
    const order = (await api.get(`/v1/orders/${blocked.orderId}`)).body;
    expect(order).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'risk_blocked' } });
    expect((await attemptOf(blocked.orderId)).risk).toMatchObject({
      action: 'block',
      velocity: [{ ruleId: rule.id, subject: 'card_fingerprint', metric: 'amount', currency: 'CNY', value: 3001, threshold: 3000 }],
    });
  });

  it('blocks a second payment from one IP within a 2 s window, and lets it pay once the window has passed', async () => {
    const { api, merchantId } = await merchant();
    await addRule({ merchantId, subject: 'payer_ip', metric: 'count', threshold: 1, windowSeconds: 2, action: 'block' });
    const payer = { ip: `198.51.100.${1 + (randomBytes(1)[0]! % 250)}` };
    expect((await payAs(api, payer)).res.body.status).toBe('SUCCEEDED');
    const blocked = await payAs(api, payer);
    expect(blocked.res.status).toBe(403);
    // A blocked attempt is an attempt: it is counted too (entry 217), so the window runs from it.
    await windowPassed(Date.now(), 2);
    // The same order, refused before, pays now: its counter items expired with their window.
    const again = await api.pay(blocked.orderId, '4242424242424242', { payer });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('SUCCEEDED');
  });

  it('records an allow rule that fired and lets the payment through (a rule on trial)', async () => {
    const { api, merchantId } = await merchant();
    const rule = await addRule({ merchantId, subject: 'payer_id', metric: 'count', threshold: 0, windowSeconds: 600, action: 'allow', description: 'trial' });
    const paid = await payAs(api, { id: `u-${unique()}` });
    expect(paid.res.body.status).toBe('SUCCEEDED');
    expect((await attemptOf(paid.orderId)).risk).toMatchObject({ action: 'allow', ruleIds: [rule.id], velocity: [{ value: 1, threshold: 0, windowSeconds: 600 }] });
  });

  it('treats a challenge of a wallet payment as met by the wallet\'s own authentication, and records it', async () => {
    const { api, merchantId } = await merchant();
    await addRule({ merchantId, subject: 'payer_id', metric: 'count', threshold: 0, windowSeconds: 60, action: 'challenge' });
    const created = await api.createOrder();
    const res = await api.post(`/v1/orders/${created.id}/pay`, { method: 'wechat_pay', payer: { id: `u-${unique()}` } });
    expect(res.body).toMatchObject({ status: 'REQUIRES_ACTION', payment: { nextAction: { type: 'qr_code' } } });
    expect((await attemptOf(created.id)).risk.action).toBe('challenge');
  });

  it('applies a platform default to every merchant, unless a merchant rule replaces it', async () => {
    const payer = { id: `u-${unique()}` };
    const platform = await addRule({ subject: 'payer_id', metric: 'count', threshold: 1, windowSeconds: 60, action: 'block' });
    try {
      const plain = await merchant();
      expect((await payAs(plain.api, payer)).res.body.status).toBe('SUCCEEDED');
      const blocked = await payAs(plain.api, payer);
      expect(blocked.res.status).toBe(403);
      expect((await attemptOf(blocked.orderId)).risk.ruleIds).toEqual([platform.id]);

      // A marketplace whose payers buy often: its own looser rule replaces the default for it alone.
      const market = await merchant();
      const own = await addRule({ merchantId: market.merchantId, subject: 'payer_id', metric: 'count', threshold: 5, windowSeconds: 60, action: 'challenge', replaces: platform.id });
      for (let i = 0; i < 2; i += 1) expect((await payAs(market.api, payer)).res.body.status).toBe('SUCCEEDED');
      expect((await ops('GET', `/ops/v1/risk/rules?merchantId=${market.merchantId}`)).body.data.map((r: any) => r.id)).toEqual([own.id]);
    } finally {
      expect((await ops('DELETE', `/ops/v1/risk/rules/${platform.id}`)).status).toBe(200);
    }
  });
});

describe('risk through the operations API', () => {
  it('blocks a payer put on the blocklist, lists the entry, and pays again once it is removed; each change audited', async () => {
    const { api } = await merchant();
    const payerId = `u-${unique()}`;
    const added = await ops('POST', '/ops/v1/risk/blocklist', { subject: 'payer_id', value: payerId, reason: 'chargeback ring' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ object: 'blocklist_entry', subject: 'payer_id', value: payerId, reason: 'chargeback ring', createdBy: 'local-token' });
    const blocked = await payAs(api, { id: payerId });
    expect(blocked.res.status).toBe(403);
    expect(blocked.res.body.error.code).toBe('risk_blocked');
    expect((await attemptOf(blocked.orderId)).risk).toEqual({ action: 'block', ruleIds: ['blocked-payer'] });

    const list = await ops('GET', '/ops/v1/risk/blocklist?limit=100');
    expect(list.body.data.map((e: any) => e.value)).toContain(payerId);
    const removed = await ops('DELETE', `/ops/v1/risk/blocklist/payer_id/${payerId}`);
    expect(removed.status).toBe(200);
    expect((await api.pay(blocked.orderId, '4242424242424242', { payer: { id: payerId } })).body.status).toBe('SUCCEEDED');
    expect((await ops('DELETE', `/ops/v1/risk/blocklist/payer_id/${payerId}`)).status).toBe(404);

    const audit = (await ops('GET', '/ops/v1/audit?limit=20')).body.data;
    expect(audit.find((e: any) => e.id === added.requestId)).toMatchObject({ method: 'POST', status: 201, before: null, after: { value: payerId } });
    expect(audit.find((e: any) => e.id === removed.requestId)).toMatchObject({ method: 'DELETE', status: 200, before: { value: payerId }, after: null });
  });

  it('shows, changes and deletes a rule, auditing before and after', async () => {
    const { merchantId } = await merchant();
    const rule = await addRule({ merchantId, subject: 'payer_ip', metric: 'count', threshold: 10, windowSeconds: 300, action: 'challenge' });
    expect(rule).toMatchObject({ object: 'velocity_rule', scope: merchantId, enabled: true, currency: null, replaces: null, version: 1 });
    expect((await ops('GET', `/ops/v1/risk/rules/${rule.id}`)).body).toEqual(rule);
    const patched = await ops('PATCH', `/ops/v1/risk/rules/${rule.id}`, { threshold: 20, action: 'block', enabled: false });
    expect(patched.body).toMatchObject({ id: rule.id, threshold: 20, action: 'block', enabled: false, version: 2 });
    const audit = (await ops('GET', '/ops/v1/audit?limit=5')).body.data.find((e: any) => e.id === patched.requestId);
    expect(audit).toMatchObject({ method: 'PATCH', before: { threshold: 10, version: 1 }, after: { threshold: 20, version: 2 } });
    expect((await ops('DELETE', `/ops/v1/risk/rules/${rule.id}`)).body).toMatchObject({ id: rule.id, deleted: true });
    expect((await ops('GET', `/ops/v1/risk/rules/${rule.id}`)).status).toBe(404);
    expect((await ops('GET', `/ops/v1/risk/rules?merchantId=${merchantId}`)).body.data).toEqual([]);
  });

  it.each([
    ['a window of 0 s', { windowSeconds: 0 }, 'windowSeconds', 400],
    ['a fractional threshold', { threshold: 1.5 }, 'threshold', 400],
    ['an unknown subject', { subject: 'email' }, 'subject', 400],
    ['an unknown action', { action: 'review' }, 'action', 400],
    ['an unknown field', { priority: 1 }, 'priority', 400],
    ['an amount rule without currency', { metric: 'amount' }, 'currency', 400],
    ['a count rule with a currency', { currency: 'CNY' }, 'currency', 400],
    ['a platform rule that replaces', { replaces: 'vr_01m8000000000000000000000a' }, 'replaces', 400],
    ['an unknown merchant', { merchantId: 'm_01m8000000000000000000000a' }, 'merchantId', 404],
  ])('refuses %s with the parameter named, storing nothing', async (_label, change, param, status) => {
    const before = (await ops('GET', '/ops/v1/risk/rules')).body.data.length;
    const answer = await ops('POST', '/ops/v1/risk/rules', { subject: 'payer_id', metric: 'count', threshold: 3, windowSeconds: 60, action: 'block', ...change });
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ param, requestId: answer.requestId });
    expect((await ops('GET', '/ops/v1/risk/rules')).body.data.length).toBe(before);
  });

  it('refuses a blocklist value that is not of its subject, and a rule patch that changes what the rule counts', async () => {
    const bad = await ops('POST', '/ops/v1/risk/blocklist', { subject: 'payer_ip', value: '999.1.1.1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('value');
    expect((await ops('POST', '/ops/v1/risk/blocklist', { subject: 'card_fingerprint', value: '4242424242424242' })).body.error?.param).toBe('value');
    const { merchantId } = await merchant();
    const rule = await addRule({ merchantId, subject: 'payer_id', metric: 'count', threshold: 3, windowSeconds: 60, action: 'block' });
    const patch = await ops('PATCH', `/ops/v1/risk/rules/${rule.id}`, { subject: 'payer_ip' });
    expect(patch.status).toBe(400);
    expect(patch.body.error).toMatchObject({ code: 'parameter_unknown', param: 'subject' });
    expect((await ops('GET', `/ops/v1/risk/rules/${rule.id}`)).body).toEqual(rule);
  });

  it('does the same through npm run ops: risk rules add / update / remove, risk blocklist add / list / remove', async () => {
    const { merchantId } = await merchant();
    const added = await cli('risk', 'rules', 'add', JSON.stringify({ merchantId, subject: 'payer_ip', metric: 'count', threshold: 5, windowSeconds: 60, action: 'block' }));
    expect(added).toMatchObject({ code: 0, body: { object: 'velocity_rule', scope: merchantId, threshold: 5 } });
    expect((await cli('risk', 'rules', 'update', added.body.id, '{"threshold":6}')).body).toMatchObject({ threshold: 6, version: 2 });
    expect((await cli('risk', 'rules', 'list', '--merchant', merchantId)).body.data.map((r: any) => r.id)).toEqual([added.body.id]);
    expect((await cli('risk', 'rules', 'remove', added.body.id)).body).toMatchObject({ deleted: true });

    const ip = '2001:db8::66';
    expect((await cli('risk', 'blocklist', 'add', 'payer_ip', ip, '--reason', 'card testing')).body).toMatchObject({ subject: 'payer_ip', value: ip, reason: 'card testing' });
    expect((await cli('risk', 'blocklist', 'list', '--limit', '100')).body.data.map((e: any) => e.value)).toContain(ip);
    expect((await cli('risk', 'blocklist', 'remove', 'payer_ip', ip)).body).toMatchObject({ deleted: true });
    expect((await cli('risk', 'blocklist', 'remove', 'payer_ip', ip)).code).toBe(1);
  });
});
