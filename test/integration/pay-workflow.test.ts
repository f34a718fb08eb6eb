import { describe, expect, it } from 'vitest';
import { setDeps } from '../../functions/services.js';
import { PAY_WORKFLOW_TASKS, payWorkflowDefinition } from '../../infra/definitions/pay-workflow.js';
import { merchantApiRoutes, routes } from '../../infra/definitions/routes.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { localDefinition } from '../../infra/local/local-pay-workflow.js';
import { useTestRuntime } from '../support/runtime.js';
import { acquirerCharges } from '../support/acquirer.js';

type State = { Type: string; Resource?: string; Retry?: unknown[]; Catch?: { ErrorEquals: string[] }[] };

describe('the pay workflow definition', () => {
  const states = payWorkflowDefinition().States as Record<string, State>;

  it('binds every Task to a handler module and gives it Retry and Catch', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(PAY_WORKFLOW_TASKS).sort());
    for (const [, state] of tasks) {
      expect(state.Retry?.length).toBeGreaterThan(0);
      expect(state.Catch?.some((c) => c.ErrorEquals.includes('States.ALL'))).toBe(true);
    }
  });

  it('fails over on ChannelTimeoutError and never turns an unknown outcome into success', () => {
    expect(states.Charge?.Catch?.[0]).toMatchObject({ ErrorEquals: ['ChannelTimeoutError'], Next: 'Failover' });
    expect(states.Charge?.Catch?.[1]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'OutcomeUnknown' });
    expect(states.OutcomeUnknown?.Type).toBe('Fail');
  });

  it('runs locally as the same JSON, differing only in the ARNs', () => {
    const local = JSON.stringify(localDefinition());
    const deployed = JSON.stringify(payWorkflowDefinition());
    expect(local.replace(/arn:aws:lambda:local:000000000000:function:(\w+)/g, '$${$1}')).toBe(deployed);
  });
});

describe('the workflow at run time', () => {
  const env = useTestRuntime();

  it('releases the claim when a step before the channel fails: 503, order payable again, nothing charged', async () => {
    const original = env.runtime.deps;
    setDeps({
      ...original,
      // The risk step's read fails: the workflow's Catch releases the claim (ReleaseClaim reads the order itself).
      riskReads: {
        load: async () => {
          throw new Error('DynamoDB unavailable');
        },
      },
    });
    try {
      const order = await env.api.createOrder();
      const res = await env.api.pay(order.id);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ type: 'internal', code: 'payment_processing_error' });
      const read = await env.api.get(`/v1/orders/${order.id}`);
      expect(read.body.status).toBe('CREATED');
      expect(read.body.lastPaymentError.code).toBe('processing_error');
      expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(0);
    } finally {
      setDeps(original);
    }
  });

  it('serves every route of the shared route table with an action of its handler', async () => {
    // What a handler answers for a route it has no action for (functions/http/api-handler.ts).
    const noAction = new NotFoundError('route').message;
    for (const route of merchantApiRoutes) {
      const path = route.path.replace('{id}', 'ord_01m8000000000000000000000a').replace('/v1/refunds/ord_', '/v1/refunds/rf_');
      const res = await env.api.request(route.method, path, route.method === 'POST' ? {} : undefined);
      const where = `${route.method} ${route.path}`;
      expect(res.body?.error?.code, where).not.toBe('route_not_found'); // the gateway knows the route
      expect(res.body?.error?.message, where).not.toBe(noAction); // and the handler has an action for it
      expect(res.status, where).toBeLessThan(500);
    }
    // The payers' pages are not merchant API: unsigned, and an unknown token is their handler's own 404 page.
    for (const route of routes.filter((r) => r.path.startsWith('/checkout/'))) {
      const res = await fetch(`${env.runtime.url}${route.path.replace('{token}', 'A'.repeat(43))}`, { method: route.method });
      expect([route.path, res.status, res.headers.get('content-security-policy')]).toEqual([route.path, 404, expect.stringContaining("default-src 'none'")]);
    }
    // The channels' callbacks: unsigned too; a callback that does not verify gets the channel's own 4xx refusal.
    const callback = await fetch(`${env.runtime.url}/callbacks/wechat_pay`, { method: 'POST', body: '{}' });
    expect(callback.status).toBe(400);
  });
});
