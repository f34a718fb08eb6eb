import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../infra/local/dynamodb-local.js';

/**
 * `npm start`'s entry as a child process in a process group of its own, so that a kill takes the whole runtime at
 * once: node, the `sh` watchdog and the DynamoDB Local JVM (infra/local/dynamodb-local.ts). A real crash takes the
 * engine down with the process; killing only node would let the watchdog stop java gracefully, which flushes what a
 * crash would lose.
 */
export interface RuntimeProcessOptions {
  readonly dataDir: string;
  /** Kept across restarts: the sandbox channels send their callbacks to the runtime's own URL, as a real deployment's is stable. */
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly startTimeoutMs: number;
}

export class RuntimeProcess {
  private child?: ChildProcess;
  private output = '';
  url = '';

  constructor(private readonly options: RuntimeProcessOptions) {}

  async start(): Promise<string> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: projectRoot,
      detached: true,
      env: { ...process.env, ...this.options.env, LOCAL_DATA_DIR: this.options.dataDir, PORT: String(this.options.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Every start's output goes to runtime.log in the data dir, kept for a look at a failed run.
    const log = createWriteStream(join(this.options.dataDir, 'runtime.log'), { flags: 'a' });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      log.write(chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', () => log.end());
    const deadline = Date.now() + this.options.startTimeoutMs;
    for (;;) {
      const url = /listening on (http:\/\/\S+)/.exec(this.output)?.[1];
      if (url) return (this.url = url);
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`the runtime did not start:\n${this.output}`);
      }
      await sleep(100);
    }
  }

  /** The DynamoDB Local endpoint and table of the running runtime (it writes them to runtime.json once it is up). */
  engine(): { dynamoEndpoint: string; tableName: string } {
    return JSON.parse(readFileSync(join(this.options.dataDir, 'runtime.json'), 'utf8')) as { dynamoEndpoint: string; tableName: string };
  }

  /** SIGKILL to the process group, then waits until no process of the group is left (the engine's files are free). */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGKILL');
    await this.groupGone(pid, 15_000);
  }

  /** Ctrl-C, as a user stops `npm start`: the runtime stops the engine itself. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGINT');
    await this.groupGone(pid, 30_000).catch(async () => {
      signalGroup(pid, 'SIGKILL');
      await this.groupGone(pid, 15_000);
    });
  }

  private async groupGone(pid: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (signalGroup(pid, 0)) {
      if (Date.now() > deadline) throw new Error(`process group ${pid} still alive after ${timeoutMs} ms`);
      await sleep(50);
    }
  }
}

/** Sends `signal` to the group led by `pid`; false when no process of the group is left. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
