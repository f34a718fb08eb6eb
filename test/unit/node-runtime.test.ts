import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_RUNTIME, PROJECT_ROOT } from '../../infra/cdk/platform-function.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('Node.js version', () => {
  it('runs the tests (and so npm start, the bench and the CLIs) on the Node major that Lambda runs', () => {
    // npm puts node_modules/.bin first on every script's PATH: the `node` package pinned in devDependencies is the
    // Node that `npm test` runs on, whatever the machine's own node is.
    const pinnedMajor = pkg.devDependencies.node?.split('.')[0];
    expect(pinnedMajor).toBe('24');
    expect(process.versions.node.split('.')[0]).toBe(pinnedMajor);
    expect(FUNCTION_RUNTIME.name).toBe(`nodejs${pinnedMajor}.x`);
    expect(pkg.engines.node).toBe(`>=${pinnedMajor}`);
  });

  it('has Promise.withResolvers natively (aws-local-stepfunctions needs it; no polyfill is loaded)', () => {
    expect(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe('function');
  });
});
