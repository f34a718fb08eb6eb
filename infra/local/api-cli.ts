import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from '../../shared/domain/signing.js';
import { payerHint } from './payer-hint.js';
import { pretty, runCli } from './cli-run.js';

/**
 * `npm run -s api -- METHOD PATH [JSON] [--key IDEMPOTENCY_KEY]`: one request signed as the demo merchant (or the
 * merchant in MERCHANT_FILE). The response body alone goes to stdout, so it pipes into jq; the status line goes to
 * stderr; the exit code says whether the API answered 2xx/3xx (0), 4xx/5xx (1), or the command was wrong (2).
 */
const USAGE = `Usage: npm run -s api -- METHOD PATH [JSON] [--key IDEMPOTENCY_KEY]

Sends one request to the local API, signed as the demo merchant (docs/api.md, "Signing").

  METHOD   GET or POST
  PATH     the request target, query included, e.g. /v1/orders?limit=5
  JSON     the request body (POST); omitted means an empty body
  --key K  send Idempotency-Key: K
  --help   this text

Output: the response body (JSON) on stdout, the status line on stderr; an answer that waits for the payer also
puts the checkout URL (and a QR code drawn in the terminal, to scan) on stderr.
Exit code: 0 for a 2xx/3xx answer, 1 for 4xx/5xx or no answer, 2 for a wrong command.

Environment:
  API_URL         base URL (default http://127.0.0.1:$PORT, PORT default 3000)
  MERCHANT_FILE   credentials file (default $LOCAL_DATA_DIR/demo-merchant.json, LOCAL_DATA_DIR default .data)

Example:
  ORDER=$(npm run -s api -- POST /v1/orders '{"outTradeNo":"A-1","amount":1999,"currency":"CNY","subject":"Coffee"}' | jq -r .id)
`;

/** The runtime's default data folder (runtime.ts, defaultDataDir), without loading the runtime into a CLI. */
const DEFAULT_DATA_DIR = join(import.meta.dirname, '..', '..', '.data');

class UsageError extends Error {}

interface Command {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string;
  readonly idempotencyKey?: string;
}

function parseCommand(argv: readonly string[]): Command | 'help' {
  const positional: string[] = [];
  let idempotencyKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--key') {
      idempotencyKey = argv[++i];
      if (!idempotencyKey) throw new UsageError('--key needs a value');
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  const [method, path, body = '', ...extra] = positional;
  if (!method || !path) throw new UsageError('METHOD and PATH are required');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]} (quote the JSON body as one argument)`);
  const upper = method.toUpperCase();
  if (upper !== 'GET' && upper !== 'POST') throw new UsageError(`METHOD must be GET or POST, not ${method}`);
  if (!path.startsWith('/')) throw new UsageError(`PATH must start with /, e.g. /v1/orders (got ${path})`);
  if (upper === 'GET' && body) throw new UsageError('a GET request has no body');
  return { method: upper, path, body, idempotencyKey };
}

function credentials(): { merchantId: string; secret: string } {
  const file = process.env.MERCHANT_FILE ?? join(process.env.LOCAL_DATA_DIR ?? DEFAULT_DATA_DIR, 'demo-merchant.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { merchantId: string; secret: string };
  } catch {
    throw new Error(`cannot read the merchant credentials in ${file}: start the runtime once (npm start), or set MERCHANT_FILE`);
  }
}

async function send(command: Command): Promise<number> {
  const { merchantId, secret } = credentials();
  const base = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const { method, path, body: rawBody } = command;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'X-Merchant-Id': merchantId,
    'X-Timestamp': timestamp,
    'X-Nonce': nonce,
    'X-Signature': sign(secret, { method, pathWithQuery: path, timestamp, nonce, rawBody }),
  };
  if (command.idempotencyKey) headers['Idempotency-Key'] = command.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, headers, body: rawBody || undefined });
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new Error(`no answer from ${base} (${reason}): is the runtime running (npm start)?`);
  }
  const text = await res.text();
  const replayed = res.headers.get('idempotent-replayed') ? '  Idempotent-Replayed: true' : '';
  process.stderr.write(`HTTP ${res.status}  X-Request-Id: ${res.headers.get('x-request-id')}${replayed}\n`);
  process.stdout.write(`${pretty(text)}\n`);
  process.stderr.write(payerHint(parsed(text)));
  return res.status < 400 ? 0 : 1;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  let command: Command | 'help';
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`api: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return send(command);
}

runCli('api', main);
