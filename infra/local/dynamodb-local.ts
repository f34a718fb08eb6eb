import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { keyAttributeNames, tableDefinition } from '../definitions/table.js';

/**
 * Amazon DynamoDB Local, fetched by pinned version from the npm registry (it ships inside
 * amplify-dynamodb-simulator), checked against the tarball's sha512, and run as a child process that cannot
 * outlive the runtime. The package itself is not installed: it pulls ~350 MB of unrelated dependencies (docs/decisions.md).
 */
const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const TARBALL = 'amplify-dynamodb-simulator-2.9.30.tgz';
const INTEGRITY = 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';

export const projectRoot = resolve(import.meta.dirname, '..', '..');
const cacheDir = join(projectRoot, '.cache', 'dynamodb-local-1.25.1');

export function ensureDynamoDbLocalJar(): string {
  const jar = join(cacheDir, 'DynamoDBLocal.jar');
  if (existsSync(jar)) return cacheDir;
  const work = `${cacheDir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const pack = spawnSync('npm', ['pack', PACKAGE, '--silent'], { cwd: work, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed: ${pack.stderr}`);
  const tarball = join(work, TARBALL);
  const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (digest !== INTEGRITY) throw new Error(`${TARBALL} integrity mismatch: got ${digest}`);
  const untar = spawnSync('tar', ['xzf', tarball, '-C', work, 'package/emulator'], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`extracting ${TARBALL} failed: ${untar.stderr}`);
  rmSync(cacheDir, { recursive: true, force: true });
  renameSync(join(work, 'package', 'emulator'), cacheDir);
  rmSync(work, { recursive: true, force: true });
  return cacheDir;
}

/**
 * Checks for Java 17+, and says whether it can run the loopback launcher: Java's single-file source launcher needs
 * the jdk.compiler module, which full JDKs and Debian's openjdk-17-jre-headless have and some trimmed JREs lack.
 */
function assertJava(): { readonly sourceLauncher: boolean } {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match ? Number(match[1]) : 0;
  if (probe.error || major < 17) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer on PATH. On Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless',
    );
  }
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  return { sourceLauncher: /^jdk\.compiler@/m.test(modules.stdout ?? '') };
}

/** Binds DynamoDB Local to 127.0.0.1 (it has no option for that): see LoopbackDynamoDbLocal.java. */
const LOOPBACK_LAUNCHER = join(projectRoot, 'infra', 'local', 'LoopbackDynamoDbLocal.java');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * The engine's JVM, sized for a small machine shared with Node (2 cores here): the serial collector spends no
 * threads of its own, and a 256 MB young generation keeps short-lived request objects out of full collections. On
 * this machine it lifted create+pay by about a fifth and raw transactions a little (docs/decisions.md, entry 36);
 * the JIT is left alone, since C1-only compilation warms faster but costs raw transactions a third.
 * `-XX:-UsePerfData` stops the JVM's performance counters (sampled every 50 ms, written to /tmp/hsperfdata_*):
 * nothing here reads them, and an idle engine then costs no measurable CPU (npm run bench:idle).
 */
const JVM_OPTIONS = ['-XX:+UseSerialGC', '-Xms320m', '-Xmn256m', '-XX:-UsePerfData'];

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Keep data under this folder; without it the engine runs in memory (tests). */
  readonly dbPath?: string;
  readonly port?: number;
}

/**
 * Starts the engine through `sh`, which holds the read end of a pipe from this process: when this process exits for
 * any reason (Ctrl-C, a crash, SIGKILL) the pipe closes, `read` returns and the shell kills java. No orphans.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const { sourceLauncher } = assertJava();
  const dir = ensureDynamoDbLocalJar();
  const port = options.port ?? (await freePort());
  if (!sourceLauncher) {
    process.stderr.write(
      `warning: this Java has no jdk.compiler module, so DynamoDB Local listens on every interface (port ${port}), ` +
        'without credentials: see "Security notes" in README.md\n',
    );
  }
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    ...JVM_OPTIONS,
    // The jar's manifest puts DynamoDBLocal_lib/* on the class path, for the launcher as for the jar's own main.
    ...(sourceLauncher ? ['-cp', join(dir, 'DynamoDBLocal.jar'), LOOPBACK_LAUNCHER] : ['-jar', join(dir, 'DynamoDBLocal.jar')]),
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  if (options.dbPath) {
    mkdirSync(options.dbPath, { recursive: true });
    args.push('-dbPath', options.dbPath);
  } else {
    args.push('-inMemory');
  }
  const script = 'java "$@" </dev/null >/dev/null 2>&1 & j=$!; trap \'kill $j 2>/dev/null; exit 0\' TERM INT; read _; kill $j 2>/dev/null; wait $j';
  const child: ChildProcess = spawn('sh', ['-c', script, 'dynamodb-local', ...args], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let exited = false;
  const exitedPromise = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
  await waitUntilReady(endpoint, () => exited);
  return {
    endpoint,
    async stop() {
      if (exited) return;
      child.stdin?.end();
      await exitedPromise;
    },
  };
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/**
 * A JVM start takes 2-3 s on a quiet machine and well over 30 s on a 2-core one that runs a test suite at the same
 * time (seen: load average 15): wait long, since a process that died is noticed at once anyway.
 */
const READY_TIMEOUT_MS = 120_000;

async function waitUntilReady(endpoint: string, hasExited: () => boolean): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (hasExited()) throw new Error('DynamoDB Local exited during start-up (port in use, or Java missing?)');
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer at ${endpoint}: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Creates the table from the shared definition unless it exists. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  const def = tableDefinition;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keyAttributeNames(def).map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((gsi) => ({
        IndexName: gsi.indexName,
        KeySchema: [
          { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
          { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: def.streamViewType },
    }),
  );
}
