import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from '../../shared/domain/signing.js';
import { defaultDataDir } from './runtime.js';

/**
 * `npm run api -- METHOD PATH [JSON] [--key IDEMPOTENCY_KEY]`: a signed request as the demo merchant (or the
 * merchant in MERCHANT_FILE), printing status, headers that matter, and the body. For the README walk-through.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const keyIndex = argv.indexOf('--key');
  const idempotencyKey = keyIndex >= 0 ? argv.splice(keyIndex, 2)[1] : undefined;
  const [method = 'GET', path = '/v1/balance', body = ''] = argv;
  const file = process.env.MERCHANT_FILE ?? join(process.env.LOCAL_DATA_DIR ?? defaultDataDir, 'demo-merchant.json');
  const { merchantId, secret } = JSON.parse(readFileSync(file, 'utf8')) as { merchantId: string; secret: string };
  const base = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const rawBody = method.toUpperCase() === 'GET' ? '' : body;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'X-Merchant-Id': merchantId,
    'X-Timestamp': timestamp,
    'X-Nonce': nonce,
    'X-Signature': sign(secret, { method, pathWithQuery: path, timestamp, nonce, rawBody }),
  };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const res = await fetch(`${base}${path}`, { method, headers, body: rawBody || undefined });
  const text = await res.text();
  process.stdout.write(`HTTP ${res.status}  X-Request-Id: ${res.headers.get('x-request-id')}`);
  if (res.headers.get('idempotent-replayed')) process.stdout.write('  Idempotent-Replayed: true');
  process.stdout.write('\n');
  try {
    process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  } catch {
    process.stdout.write(`${text}\n`);
  }
  process.exitCode = res.status < 400 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
