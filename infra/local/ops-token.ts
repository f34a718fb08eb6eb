import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the local operations token lives (contract, "Local mode"). */
export function opsTokenPath(dataDir: string): string {
  return join(dataDir, 'ops-token');
}

/**
 * The local operations API's bearer token: created on first start (32 random bytes, base64url) with mode 600, read
 * on every later start, so `npm run ops` keeps working across restarts and only this machine's user can read it.
 */
export function ensureOpsToken(dataDir: string): string {
  const file = opsTokenPath(dataDir);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.length >= 32) return saved;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
