import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../shared/domain/order.js';
import type { PayWorkflowState, RouteState } from '../../shared/ports/pay-workflow.js';
import { CHANNEL_REGISTRY, type ChannelRegistration } from '../../shared/channels/registry.js';
import { configuredChannelIds, routingDepsOf } from '../../shared/services/routing-deps.js';
import { MemoryChannelHealth } from '../support/memory-channel-health.js';
import { MemoryChannelStore } from '../support/memory-channel-store.js';

/** A claimed order paying by `method`, as the risk step leaves it in the workflow state. */
function stateFor(method: string, currency = 'CNY'): PayWorkflowState {
  const order = {
    id: 'ord_route1',
    merchantId: 'mch_route',
    amount: 1999,
    currency,
    status: 'PROCESSING',
    payment: { id: 'pay_route1', method, capture: true },
  } as unknown as Order;
  return { orderId: order.id, merchantId: order.merchantId, paymentId: 'pay_route1', payer: {}, order } as unknown as PayWorkflowState;
}

/** The route step as deployed: its own module graph, composed from the environment CDK gives it. */
async function deployedRouteStep(env: Record<string, string>): Promise<(state: PayWorkflowState) => Promise<RouteState>> {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import('../../functions/workflow/route.js')).handler;
}

// The deployed route step reads the channel records from its table: no operator changed any here (no items).
const table = mockClient(DynamoDBDocumentClient);
beforeEach(() => table.reset().on(BatchGetCommand).resolves({ Responses: {} }));
// These files share one process: give other files the real client back.
afterAll(() => table.restore());

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the route step in AWS sees the channels this deployment runs, without opening credentials', () => {
  it('routes a wallet, bank and UnionPay payment to its channel when the channel has a base URL', async () => {
    const route = await deployedRouteStep({
      CHANNEL_BASE_URLS: JSON.stringify({
        wechat_pay: 'https://api.mch.weixin.qq.com',
        alipay: 'https://openapi.alipay.com',
        netbank: 'https://bank.example',
        unionpay: 'https://gateway.95516.com',
      }),
    });
    expect((await route(stateFor('wechat_pay'))).candidates).toEqual(['wechat_pay']);
    expect((await route(stateFor('alipay'))).candidates).toEqual(['alipay']);
    expect((await route(stateFor('netbank'))).channel).toBe('netbank');
    expect((await route(stateFor('unionpay'))).channel).toBe('unionpay');
  });

  it('does not route to a credentialed channel the deployment has no base URL for', async () => {
    const route = await deployedRouteStep({ CHANNEL_BASE_URLS: JSON.stringify({ alipay: 'https://openapi.alipay.com' }) });
    expect((await route(stateFor('wechat_pay'))).candidates).toEqual([]);
    expect((await route(stateFor('alipay'))).candidates).toEqual(['alipay']);
  });

  it('works for any registry line that needs credentials, card channels included', () => {
    // A card channel registered like the wallets (credentials + base URL), as the sandbox cards are becoming.
    const cardRow = CHANNEL_REGISTRY.map((line) => line.catalog).find((row) => row.methods.includes('card'))!;
    const credentialedCard: ChannelRegistration = { catalog: { ...cardRow, id: 'card_x' }, needsCredentials: true, create: () => undefined };
    const registry = [...CHANNEL_REGISTRY.filter((line) => line.needsCredentials), credentialedCard];
    const records = { store: new MemoryChannelStore(), cacheMs: 0 };
    const off = routingDepsOf(configuredChannelIds([], {}, registry), records, new MemoryChannelHealth(), registry);
    expect(off.channelCatalog).toEqual([]);
    const on = routingDepsOf(configuredChannelIds([], { card_x: 'https://acquirer.example' }, registry), records, new MemoryChannelHealth(), registry);
    expect(on.channelCatalog.map((row) => row.id)).toEqual(['card_x']);
    expect(on.channels.has('card_x')).toBe(true);
    expect(on.channels.has('wechat_pay')).toBe(false);
  });

  it('keeps a line that needs no credentials when it was built, as before', () => {
    const local: ChannelRegistration = { catalog: { ...CHANNEL_REGISTRY[0]!.catalog, id: 'in_process' }, create: () => undefined };
    const built = [{ id: 'in_process' }] as unknown as Parameters<typeof configuredChannelIds>[0];
    expect([...configuredChannelIds(built, {}, [local])]).toEqual(['in_process']);
    expect([...configuredChannelIds([], {}, [local])]).toEqual([]);
  });
});
