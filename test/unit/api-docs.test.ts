import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routes } from '../../infra/definitions/routes.js';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';
import { ERROR_CODES } from '../../shared/domain/error-codes.js';
import { sign } from '../../shared/domain/signing.js';
import { RETRY_SCHEDULE_SECONDS } from '../../shared/domain/webhook.js';

/** docs/api.md is the merchants' reference: it must describe what the code serves, all of it, and correctly. */
const doc = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');

describe('docs/api.md', () => {
  it('describes every route the API serves', () => {
    for (const route of routes) expect(doc, `${route.method} ${route.path}`).toContain(`### ${route.method} ${route.path}\n`);
  });

  it('lists every error code with its HTTP status and type', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(doc, code).toContain(`| \`${code}\` | ${spec.status} | \`${spec.type}\` |`);
    }
  });

  it('has a signing example that the reference implementation reproduces', () => {
    const secret = doc.match(/Secret `([^`]+)`/)![1]!;
    const body = '{"outTradeNo":"A-1001","amount":1999,"currency":"CNY","subject":"Coffee beans"}';
    expect(doc).toContain(`\n${body}\n`);
    expect(doc).toContain(createHash('sha256').update(body).digest('hex'));
    const post = sign(secret, { method: 'POST', pathWithQuery: '/v1/orders', timestamp: '1795788000', nonce: 'n0nce-2f9c1a7e4b3d5f60', rawBody: body });
    expect(doc).toContain(`X-Signature: ${post}`);
    const get = sign(secret, { method: 'GET', pathWithQuery: '/v1/orders?limit=5', timestamp: '1795788000', nonce: 'n0nce-8a1b2c3d4e5f6071', rawBody: '' });
    expect(doc).toContain(`\`${get}\``);
  });

  it('lists the sandbox cards the channels know and the retry schedule they run', () => {
    for (const card of Object.values(SANDBOX_CARDS)) expect(doc, card).toContain(`| \`${card}\` |`);
    const human = (s: number) => (s < 60 ? `${s} s` : s < 3600 ? `${s / 60} min` : `${s / 3600} h`);
    expect(doc.replace(/\s+/g, ' ')).toContain(`retried after ${RETRY_SCHEDULE_SECONDS.map(human).join(', ')}:`);
  });
});
