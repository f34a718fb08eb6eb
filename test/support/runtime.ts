import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../infra/local/runtime.js';
import { ApiClient } from './api-client.js';

/**
 * The local runtime for a test file, on the shared DynamoDB Local, in a fresh table and a fresh data folder, with a
 * gateway on a free port. Tests talk to it over real HTTP.
 */
export async function startTestRuntime(options: RuntimeOptions = {}): Promise<{ runtime: Runtime; api: ApiClient }> {
  const runtime = await startRuntime({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `test-${randomBytes(6).toString('hex')}`,
    dataDir: mkdtempSync(join(tmpdir(), 'pay-test-')),
    port: 0,
    retryIntervalMs: 10,
    ...options,
  });
  return { runtime, api: new ApiClient(runtime.url, runtime.demoMerchant!) };
}

/**
 * A test file's runtime (or a describe block's): started before its tests, stopped after them. Read `env.api` and
 * `env.runtime` inside tests, once beforeAll has run.
 */
export function useTestRuntime(options: RuntimeOptions = {}): { readonly runtime: Runtime; readonly api: ApiClient } {
  const env = {} as { runtime: Runtime; api: ApiClient };
  beforeAll(async () => {
    Object.assign(env, await startTestRuntime(options));
  });
  afterAll(async () => env.runtime?.stop());
  return env;
}
