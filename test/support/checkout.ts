import { expect } from 'vitest';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';
import type { ApiClient } from './api-client.js';

/** An order paid with the OTP sandbox card: REQUIRES_ACTION, its `nextAction.url` the hosted checkout page. */
export async function challengedOrder(api: ApiClient, overrides: Record<string, unknown> = {}) {
  const order = await api.createOrder(overrides);
  const res = await api.pay(order.id, SANDBOX_CARDS.otpChallenge);
  expect(res.body.status).toBe('REQUIRES_ACTION');
  return { order, url: res.body.payment.nextAction.url as string };
}
