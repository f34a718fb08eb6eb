/**
 * A merchant's webhook endpoint, verifying every delivery with the SDK before trusting it.
 *
 *   npm run webhook-receiver            # listens on http://127.0.0.1:4000/webhooks
 *
 * Credentials: MERCHANT_ID / MERCHANT_SECRET, or the local demo merchant (.data/demo-merchant.json). The platform's
 * public keys are fetched from GET /v1/platform/keys (API_URL, default http://127.0.0.1:3000) and refreshed when a
 * webhook names a new key.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { PaymentClient, WebhookVerificationError } from '../src/index.js';

const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';
const port = Number(process.env.RECEIVER_PORT ?? 4000);
const credentials =
  process.env.MERCHANT_ID && process.env.MERCHANT_SECRET
    ? { merchantId: process.env.MERCHANT_ID, secret: process.env.MERCHANT_SECRET }
    : (JSON.parse(readFileSync(process.env.LOCAL_DATA_DIR ? `${process.env.LOCAL_DATA_DIR}/demo-merchant.json` : new URL('../../.data/demo-merchant.json', import.meta.url), 'utf8')) as { merchantId: string; secret: string });

// client.webhooks.verify fetches the platform's keys once, and again when a webhook names a key id it has not seen.
const client = new PaymentClient({ baseUrl: apiUrl, ...credentials });
const seen = new Set<string>(); // deliveries are at least once: deduplicate on the event id

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const rawBody = Buffer.concat(chunks);
    client.webhooks
      .verify<{ id: string; status?: string; version?: number }>({ rawBody, headers: req.headers as Record<string, string> })
      .then((event) => {
        const duplicate = seen.has(event.id);
        seen.add(event.id);
        const object = event.data.object;
        process.stdout.write(
          `verified ${event.type} ${event.id} for ${object.id ?? '-'} (status ${object.status ?? '-'}, version ${object.version ?? '-'})${duplicate ? ' [duplicate, ignored]' : ''}\n`,
        );
        res.writeHead(204).end();
      })
      .catch((error: unknown) => {
        const reason = error instanceof WebhookVerificationError ? error.message : `error: ${String(error)}`;
        process.stdout.write(`REJECTED webhook: ${reason}\n`);
        res.writeHead(400).end();
      });
  });
}).listen(port, '127.0.0.1', () => {
  process.stdout.write(`webhook receiver on http://127.0.0.1:${port}/webhooks (merchant ${credentials.merchantId}, platform ${apiUrl})\n`);
});
