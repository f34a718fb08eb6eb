import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';

/**
 * A second "container" for a test file (test/support/second-container.ts): a local runtime in a child process, on the
 * same table and key files as `env.runtime`, with its own module state and so its own merchant cache. Started before
 * the file's tests (after its first runtime), stopped after them; read `url` inside tests.
 */
export function useSecondContainer(env: { readonly runtime: Runtime }, dataDir: string): { readonly url: string } {
  const second = { url: '' };
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'test/support/second-container.ts', env.runtime.dynamoEndpoint, env.runtime.config.TABLE_NAME, dataDir], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
    second.url = (JSON.parse(first.value as string) as { url: string }).url;
  }, 60_000);
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.stdin?.end();
    await exited;
  });
  return second;
}
