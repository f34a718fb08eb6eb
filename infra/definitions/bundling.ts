/**
 * How every Lambda bundle is built: one source of truth for the CDK app (NodejsFunction `bundling` props) and for the
 * bundle benchmark (`bench/bundles.ts`, which calls esbuild with exactly these options), so the figures the bench
 * prints are the sizes that would be deployed.
 */
import { notificationEntries } from './notifications.js';
import { PAY_WORKFLOW_TASKS } from './pay-workflow.js';
import { apiFunctionEntries } from './routes.js';

/** esbuild target matching the Lambda runtime the stack deploys (Runtime.NODEJS_24_X). */
export const BUNDLE_TARGET = 'node24';

/**
 * ESM output still meets CommonJS code inside some dependencies that calls `require` for Node built-ins: give it one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export interface BundleOptions {
  readonly format: 'esm';
  readonly minify: true;
  readonly sourcemap: true;
  readonly target: string;
  readonly platform: 'node';
  /** Prefer packages' ESM builds so that tree shaking works. */
  readonly mainFields: readonly string[];
  readonly banner: string;
  /**
   * Nothing is left to the Lambda runtime's own copy of the AWS SDK: the versions we test against are the versions
   * that run (the runtime's SDK changes under you without a deploy).
   */
  readonly external: readonly string[];
}

export const bundleOptions: BundleOptions = {
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: BUNDLE_TARGET,
  platform: 'node',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: [],
};

/** Every deployed function: logical name → handler module (relative to the project root). */
export function lambdaEntries(): Record<string, string> {
  const workflow = Object.fromEntries(
    Object.entries(PAY_WORKFLOW_TASKS).map(([state, { entry }]) => [`workflow-${state}`, entry]),
  );
  const notify = Object.fromEntries(Object.entries(notificationEntries).map(([name, entry]) => [`notify-${name}`, entry]));
  return { ...apiFunctionEntries, ...workflow, ...notify };
}
