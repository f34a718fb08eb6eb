import { afterEach } from 'vitest';
import { WebhookReceiver } from './webhook-receiver.js';

// Its own module: webhook-receiver.ts is also loaded by bench scripts, which run outside vitest.
/** Starts a receiver per call, and stops every one started by the test after it (call at the top of a test file). */
export function useWebhookReceivers(): (respond?: (n: number) => number) => Promise<WebhookReceiver> {
  const started: WebhookReceiver[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });
  return async (respond) => {
    const r = await new WebhookReceiver(respond).start();
    started.push(r);
    return r;
  };
}
