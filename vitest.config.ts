import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that need no engine and keep no state between files (unit tests, CDK template tests) run one after another in
 * a shared process per worker: in a fresh process each would first pay Node's start and the import of its whole module
 * graph (the AWS SDK, aws-cdk-lib), more than most of them take to run; the CDK tests also share one synth per worker
 * (test/infra/synth.ts, nagCheckedTemplate). A unit file that replaces a module with vi.mock keeps a process of its own,
 * as does everything that talks to DynamoDB Local or starts runtimes (docs/decisions.md, entry 195).
 */
const SHARED_PROCESS = ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'];
const MOCKS_MODULES = ['test/unit/channel-composition.test.ts'];

/**
 * The longest files start first, whatever vitest's duration cache holds (a fresh clone or CI has none, and vitest then
 * orders by file size, which would start the 1.5-minute chaos run, a small file, last and leave one worker busy alone).
 */
const LONGEST = ['test/e2e/chaos.test.ts', 'test/e2e/runtime-lifecycle.test.ts'];
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = LONGEST.findIndex((path) => spec.moduleId.endsWith(path));
      return at === -1 ? LONGEST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    env: { LOG_LEVEL: 'silent', METRICS: 'off' },
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'shared-process', include: SHARED_PROCESS, exclude: MOCKS_MODULES, isolate: false } },
      { extends: true, test: { name: 'mocks-modules', include: MOCKS_MODULES } },
      { extends: true, test: { name: 'engine', include: ['test/**/*.test.ts'], exclude: SHARED_PROCESS, globalSetup: ['test/support/global-setup.ts'] } },
    ],
  },
});
