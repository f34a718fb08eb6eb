import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../test/support/api-client.js';
import { runLoad, type LoadResult } from './load.js';
import { summarize, type LatencySummary } from './stats.js';

export interface CreatePayResult {
  readonly load: LoadResult;
  /** Of successful iterations only: a failed call's latency says little about the platform's speed. */
  readonly latencyMs: {
    readonly createPay: LatencySummary;
    readonly create: LatencySummary;
    readonly pay: LatencySummary;
  };
}

/** The card the sandbox channel approves without a challenge. */
const APPROVED_CARD = '4242424242424242';

/**
 * One merchant's checkout over real HTTP with signed requests: create an order (201), then pay it by card (200,
 * SUCCEEDED). Anything else is an error, counted and reported.
 */
export async function createPayPhase(api: ApiClient, concurrency: number, durationMs: number): Promise<CreatePayResult> {
  const createPay: number[] = [];
  const create: number[] = [];
  const pay: number[] = [];

  const load = await runLoad(concurrency, durationMs, async () => {
    const t0 = performance.now();
    const order = (await api.createOrder()) as { id: string }; // throws unless 201
    const t1 = performance.now();
    const paid = await api.pay(order.id, APPROVED_CARD, { payer: newPayer() });
    const t2 = performance.now();
    if (paid.status !== 200 || paid.body?.status !== 'SUCCEEDED') {
      throw new Error(`pay failed: ${paid.status} ${paid.text.slice(0, 200)}`);
    }
    createPay.push(t2 - t0);
    create.push(t1 - t0);
    pay.push(t2 - t1);
  });

  return {
    load,
    latencyMs: { createPay: summarize(createPay), create: summarize(create), pay: summarize(pay) },
  };
}

/**
 * A payer of its own for each payment, as real traffic has: velocity rules on payer id and IP then read and count one
 * counter per subject per payment, never one hot item (bench/run.ts installs such rules).
 */
function newPayer(): { id: string; ip: string } {
  const bytes = randomBytes(6);
  return { id: `u-${bytes.toString('hex')}`, ip: `198.51.${bytes[0]}.${1 + (bytes[1]! % 254)}` };
}

export interface CallCost {
  /** Mean DynamoDB sends per call, by command name. */
  readonly byCommand: Record<string, number>;
  readonly total: number;
}

/**
 * The DynamoDB requests of each call on its own. Under load the two calls interleave, so the counter can only give
 * the cost of the pair; here a few pairs run one call at a time and the counter is read between calls.
 */
export async function probeCallCosts(
  api: ApiClient,
  counter: { reset(): void; snapshot(): { byCommand: Record<string, number> } },
  pairs: number,
): Promise<{ create: CallCost; pay: CallCost }> {
  const create: Record<string, number>[] = [];
  const pay: Record<string, number>[] = [];
  for (let i = 0; i < pairs; i += 1) {
    counter.reset();
    const order = (await api.createOrder()) as { id: string };
    create.push(counter.snapshot().byCommand);
    counter.reset();
    const paid = await api.pay(order.id, APPROVED_CARD, { payer: newPayer() });
    if (paid.status !== 200) throw new Error(`probe pay failed: ${paid.status} ${paid.text.slice(0, 200)}`);
    pay.push(counter.snapshot().byCommand);
  }
  return { create: meanCost(create), pay: meanCost(pay) };
}

function meanCost(samples: Record<string, number>[]): CallCost {
  const byCommand: Record<string, number> = {};
  for (const sample of samples) {
    for (const [name, n] of Object.entries(sample)) byCommand[name] = (byCommand[name] ?? 0) + n / samples.length;
  }
  return { byCommand, total: Object.values(byCommand).reduce((a, b) => a + b, 0) };
}
