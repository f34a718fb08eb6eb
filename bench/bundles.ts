/**
 * Lambda bundles: minified size and cold module init time of every deployed function, built with exactly the
 * esbuild options the CDK app uses (infra/definitions/bundling.ts). `npm run bench:bundles` alone, or as part of
 * `npm run bench`. A report, never a gate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, esbuildOptions, lambdaEntries } from '../infra/definitions/bundling.js';

export const MAX_BUNDLE_BYTES = 600 * 1024;
export const MAX_INIT_MS = 100;
const INIT_RUNS = 9;
const ROOT = resolve(import.meta.dirname, '..');

export interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  /** Median of INIT_RUNS fresh `node` processes importing the bundle. */
  readonly initMs: number;
  readonly initSamplesMs: number[];
  /** AWS SDK clients inside the bundle. */
  readonly sdkClients: string[];
  /** The largest packages in the bundle, bytes. */
  readonly topPackages: [string, number][];
  readonly sizeOk: boolean;
  readonly initOk: boolean;
}

/** Environment a deployed function would have; only shape matters (nothing is called at import). */
const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'bench-table',
  KMS_DATA_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  KMS_FINGERPRINT_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000001',
  PAY_WORKFLOW_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:bench',
  EVENT_BUS_NAME: 'bench-bus',
  NOTIFY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench',
  NOTIFY_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-dlq',
  WEBHOOK_SIGNING_KEY_ID: '00000000-0000-0000-0000-000000000002',
  LOG_LEVEL: 'silent',
};

function packageOf(path: string): string {
  const marker = 'node_modules/';
  const at = path.lastIndexOf(marker);
  if (at < 0) return `(project) ${path.split('/')[0]}`;
  const parts = path.slice(at + marker.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function composition(metafile: Metafile): [string, number][] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(path);
    sizes.set(name, (sizes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

/** Cold init: a fresh process imports the bundle, timing only the import. */
function initTime(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr}`);
  return Number(out.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchBundles(log: (m: string) => void = () => {}): Promise<BundleResult[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'pay-bundles-'));
  try {
    const results: BundleResult[] = [];
    for (const [name, entry] of Object.entries(lambdaEntries())) {
      log(`bundling ${name}`);
      const outfile = join(outdir, name, 'index.mjs');
      const built = await build(esbuildOptions(join(ROOT, entry), outfile));
      const bytes = statSync(outfile).size;
      const samples = Array.from({ length: INIT_RUNS }, () => initTime(outfile));
      const initMs = median(samples);
      const packages = composition(built.metafile);
      results.push({
        name,
        entry,
        bytes,
        initMs,
        initSamplesMs: samples,
        sdkClients: packages.map(([p]) => p).filter((p) => p.startsWith('@aws-sdk/client-')).sort(),
        topPackages: packages.slice(0, 6),
        sizeOk: bytes <= MAX_BUNDLE_BYTES,
        initOk: initMs <= MAX_INIT_MS,
      });
    }
    return results;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function renderBundles(results: readonly BundleResult[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const lines = [
    `Lambda bundles (esbuild ${bundleOptions.format}, minified, target ${bundleOptions.target}); init = median of ${INIT_RUNS} cold imports`,
    `  targets: size <= ${kb(MAX_BUNDLE_BYTES)}, init <= ${MAX_INIT_MS} ms`,
    `  ${'function'.padEnd(22)} ${'size'.padStart(8)} ${'init ms'.padStart(8)}  size  init  AWS SDK clients`,
  ];
  for (const r of results) {
    lines.push(
      `  ${r.name.padEnd(22)} ${kb(r.bytes).padStart(8)} ${r.initMs.toFixed(1).padStart(8)}  ${(r.sizeOk ? 'PASS' : 'FAIL').padEnd(4)}  ${(r.initOk ? 'PASS' : 'FAIL').padEnd(4)}  ${r.sdkClients.map((c) => c.replace('@aws-sdk/client-', '')).join(', ')}`,
    );
  }
  const biggest = [...results].sort((a, b) => b.bytes - a.bytes)[0];
  if (biggest) {
    lines.push(`  largest (${biggest.name}): ${biggest.topPackages.map(([p, n]) => `${p} ${kb(n)}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await benchBundles((m) => process.stderr.write(`[bench] ${m}\n`));
  process.stdout.write(renderBundles(results));
}
