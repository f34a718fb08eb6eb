/**
 * How every Lambda bundle is built: one source of truth for the CDK app (NodejsFunction `bundling` props) and for the
 * bundle benchmark (`bench/bundles.ts`, which calls esbuild with exactly these options), so the figures the bench
 * prints are the sizes that would be deployed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { notificationEntries } from './notifications.js';
import { PAY_WORKFLOW_TASKS } from './pay-workflow.js';
import { apiFunctionEntries } from './routes.js';
import { ledgerCheckEntry } from './ledger-check.js';
import { reconciliationEntry } from './reconciliation.js';
import { settlementEntry } from './settlement.js';
import { timerEntry } from './timers.js';

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
  /**
   * Class and function names survive minification. Error names are an interface: Lambda reports a thrown error's
   * `name` as its error type, and the pay workflow's Retry/Catch `ErrorEquals` match on it. Minified, a domain error
   * would be `n` in AWS while the same workflow catches it locally (test/infra/bundled-errors.test.ts).
   */
  readonly keepNames: true;
  /** Packages replaced by a module of ours in every bundle: package → module path relative to the project root. */
  readonly alias: Readonly<Record<string, string>>;
}

/** The project root: module paths in the options are relative to it. */
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const bundleOptions: BundleOptions = {
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: BUNDLE_TARGET,
  platform: 'node',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: [],
  keepNames: true,
  // Lambda gives credentials in the environment: the rest of the default chain is ~140 KB of dead code per bundle.
  alias: { '@aws-sdk/credential-provider-node': 'infra/definitions/lambda-credentials.ts' },
};

/** `alias` with absolute module paths, as esbuild takes them whatever its working directory. */
export function bundleAliases(): Record<string, string> {
  return Object.fromEntries(Object.entries(bundleOptions.alias).map(([pkg, module]) => [pkg, join(PROJECT_ROOT, module)]));
}

/** The options as esbuild's build() takes them: what the bundle bench and the bundle test run. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: bundleOptions.format,
    platform: bundleOptions.platform,
    target: bundleOptions.target,
    minify: bundleOptions.minify,
    sourcemap: bundleOptions.sourcemap,
    mainFields: [...bundleOptions.mainFields],
    banner: { js: bundleOptions.banner },
    external: [...bundleOptions.external],
    keepNames: bundleOptions.keepNames,
    alias: bundleAliases(),
    metafile: true,
    logLevel: 'error',
  };
}

/** Every deployed function: logical name → handler module (relative to the project root). */
export function lambdaEntries(): Record<string, string> {
  const workflow = Object.fromEntries(
    Object.entries(PAY_WORKFLOW_TASKS).map(([state, { entry }]) => [`workflow-${state}`, entry]),
  );
  const notify = Object.fromEntries(Object.entries(notificationEntries).map(([name, entry]) => [`notify-${name}`, entry]));
  return { ...apiFunctionEntries, ...workflow, ...notify, timers: timerEntry, 'ledger-check': ledgerCheckEntry, settlement: settlementEntry, reconciliation: reconciliationEntry };
}
