import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Runtime } from '../../infra/local/runtime.js';

export interface OpsCliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `npm run ops -- …` as an operator runs it: a process of its own against the runtime, the token from the data folder
 * (or `tokenFile`); exit code, stdout (the answer's JSON) and stderr (the status line).
 */
export function runOpsCli(runtime: Runtime, dataDir: string, args: readonly string[], tokenFile = join(dataDir, 'ops-token')): Promise<OpsCliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/local/ops-cli.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', OPS_API_URL: runtime.url, OPS_TOKEN_FILE: tokenFile } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
