import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../shared/adapters/local/file-object-store.js';

describe('FileObjectStore (local reports)', () => {
  it('puts and gets by key, replaces whole, reads a missing key as undefined, leaves no temporary file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'objects-'));
    const store = new FileObjectStore(root);
    await store.put('reconciliation/card_a/2026-11-28/rec_1.json', '{"a":1}');
    await store.put('reconciliation/card_a/2026-11-28/rec_1.json', '{"a":2}');
    expect(await store.get('reconciliation/card_a/2026-11-28/rec_1.json')).toBe('{"a":2}');
    expect(await store.get('reconciliation/card_a/2026-11-28/none.json')).toBeUndefined();
    expect(readdirSync(join(root, 'reconciliation/card_a/2026-11-28'))).toEqual(['rec_1.json']);
    expect(statSync(join(root, 'reconciliation/card_a/2026-11-28/rec_1.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a key that would leave its root', async () => {
    const store = new FileObjectStore(mkdtempSync(join(tmpdir(), 'objects-')));
    await expect(store.put('../escape.json', 'x')).rejects.toThrow(/outside/);
    await expect(store.get('/etc/passwd')).rejects.toThrow(/outside/);
  });
});
