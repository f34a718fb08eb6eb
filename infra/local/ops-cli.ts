import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pretty, runCli } from './cli-run.js';
import { regionOf, signRequest } from './ops-sigv4.js';

/**
 * `npm run -s ops -- COMMAND …`: the operations API's command-line client (docs/operations.md). It sends one request
 * with the local bearer token (`.data/ops-token`), or with `--aws` signed with SigV4 by the operator's AWS credentials
 * for the IAM-authorized API in AWS (infra/local/ops-sigv4.ts), prints the answer's JSON on stdout for jq and the status line on
 * stderr, and exits 0 on 2xx, 1 on 4xx/5xx or no answer, 2 on a wrong command (like `npm run api`).
 */

/** A command: its usage line and the request it makes from its arguments. */
interface Verb {
  readonly usage: string;
  readonly summary: string;
  readonly request: (args: Args) => Request;
}

interface Request {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: string;
}

class UsageError extends Error {}

/** Positional arguments and `--name value` options. */
class Args {
  constructor(
    readonly positional: readonly string[],
    private readonly options: ReadonlyMap<string, string>,
  ) {}

  option(name: string): string | undefined {
    return this.options.get(name);
  }

  flag(name: string): boolean {
    return this.options.get(name) === 'true';
  }

  required(index: number, what: string): string {
    const value = this.positional[index];
    if (!value) throw new UsageError(`${what} is required`);
    return value;
  }

  /** The named options given, as a query string (`?a=1&b=2`, or '' without any); `required` options must be given. */
  query(names: Readonly<Record<string, string>>, ...required: readonly string[]): string {
    for (const name of required) if (this.option(name) === undefined) throw new UsageError(`--${name} is required`);
    const params = new URLSearchParams();
    for (const [option, param] of Object.entries(names)) {
      const value = this.option(option);
      if (value !== undefined) params.set(param, value);
    }
    const text = params.toString();
    return text ? `?${text}` : '';
  }
}

const FLAGS = new Set(['run', 'help', 'aws']);
const PAGE = { limit: 'limit', cursor: 'cursor' } as const;

/** Every command, one entry each: adding one for a new ops route is one entry here. */
const VERBS: Readonly<Record<string, Verb>> = {
  'trial-balance': {
    usage: 'trial-balance [--run]',
    summary: 'the ledger trial balance now (--run: as the scheduled check, publishing its metrics)',
    request: (a) => ({ method: a.flag('run') ? 'POST' : 'GET', path: '/ops/v1/ledger/trial-balance' }),
  },
  audit: {
    usage: 'audit [--limit N] [--cursor C]',
    summary: 'the audit trail, newest first',
    request: (a) => ({ method: 'GET', path: `/ops/v1/audit${a.query(PAGE)}` }),
  },
  merchants: {
    usage: 'merchants [--limit N] [--cursor C]',
    summary: 'every merchant, oldest first',
    request: (a) => ({ method: 'GET', path: `/ops/v1/merchants${a.query(PAGE)}` }),
  },
  merchant: {
    usage: 'merchant MERCHANT_ID',
    summary: 'one merchant (never its secret)',
    request: (a) => ({ method: 'GET', path: `/ops/v1/merchants/${encodeURIComponent(a.required(0, 'MERCHANT_ID'))}` }),
  },
  'merchants create': {
    usage: "merchants create --name NAME [--notify-url URL] [--fees 'JSON']",
    summary: "a new merchant: its id and secret, the secret shown this once",
    request: (a) => ({
      method: 'POST',
      path: '/ops/v1/merchants',
      body: JSON.stringify({ name: a.option('name') ?? missing('--name'), notifyUrl: a.option('notify-url'), fees: jsonOption(a, 'fees') }),
    }),
  },
  'merchants disable': {
    usage: 'merchants disable MERCHANT_ID',
    summary: 'refuse its requests (403 merchant_disabled) from the next one, everywhere',
    request: (a) => ({ method: 'POST', path: `${merchantPath(a)}/disable` }),
  },
  'merchants enable': {
    usage: 'merchants enable MERCHANT_ID',
    summary: 'accept its requests again from the next one',
    request: (a) => ({ method: 'POST', path: `${merchantPath(a)}/enable` }),
  },
  'merchants fees': {
    usage: `merchants fees MERCHANT_ID --set '{"default":{"bps":60,"fixed":0},"methods":{}}'`,
    summary: 'replace its fee schedule (bps and fixed minor units, per method)',
    request: (a) => ({ method: 'PUT', path: `${merchantPath(a)}/fees`, body: JSON.stringify(jsonOption(a, 'set') ?? missing('--set')) }),
  },
  'merchants rotate-secret': {
    usage: 'merchants rotate-secret MERCHANT_ID [--grace-seconds N]',
    summary: 'a new secret (shown once); the old one verifies for N s more (default 86400, 0: stops now)',
    request: (a) => {
      const grace = a.option('grace-seconds');
      return { method: 'POST', path: `${merchantPath(a)}/secret/rotate`, body: JSON.stringify(grace === undefined ? {} : { graceSeconds: Number(grace) }) };
    },
  },
  'channels list': {
    usage: 'channels list',
    summary: 'every channel: limits, cost, priority, enabled, and its health (success/timeout rates, circuit)',
    request: () => ({ method: 'GET', path: '/ops/v1/channels' }),
  },
  'channels show': {
    usage: 'channels show CHANNEL',
    summary: 'one channel and its health',
    request: (a) => ({ method: 'GET', path: channelPath(a) }),
  },
  'channels disable': {
    usage: 'channels disable CHANNEL',
    summary: 'routing skips it (within PAY_CHANNEL_CACHE_SECONDS, default 5 s)',
    request: (a) => ({ method: 'POST', path: `${channelPath(a)}/disable` }),
  },
  'channels enable': {
    usage: 'channels enable CHANNEL',
    summary: 'routing may pick it again',
    request: (a) => ({ method: 'POST', path: `${channelPath(a)}/enable` }),
  },
  'channels set': {
    usage: `channels set CHANNEL [--methods M,M] [--currencies C,C] [--min N] [--max N] [--daily-limit '{"CNY":N}'|null] [--cost-bps N] [--cost-fixed N] [--priority N]`,
    summary: 'change per-payment limits, daily quota per currency, cost, priority (minor units)',
    request: (a) => ({ method: 'PATCH', path: channelPath(a), body: JSON.stringify(channelPatch(a)) }),
  },
  'orders attempts': {
    usage: 'orders attempts ORDER_ID',
    summary: "an order's attempts, each with its routing decision (why that channel)",
    request: (a) => ({ method: 'GET', path: `/ops/v1/orders/${encodeURIComponent(a.required(0, 'ORDER_ID'))}/attempts` }),
  },
  events: {
    usage: 'events --merchant M [--type T] [--status S] [--limit N] [--cursor C]',
    summary: "a merchant's events, newest first (--status FAILED: deliveries that gave up)",
    request: (a) => ({ method: 'GET', path: `/ops/v1/events${a.query({ merchant: 'merchantId', type: 'type', status: 'deliveryStatus', ...PAGE }, 'merchant')}` }),
  },
  reconcile: {
    usage: 'reconcile CHANNEL YYYY-MM-DD',
    summary: "reconcile a channel's day against its bill: the report (counts and rows)",
    request: (a) => ({ method: 'POST', path: '/ops/v1/reconciliations', body: JSON.stringify({ channel: a.required(0, 'CHANNEL'), date: a.required(1, 'YYYY-MM-DD') }) }),
  },
  reconciliations: {
    usage: 'reconciliations [--limit N]',
    summary: 'the latest reconciliation runs, newest first (summaries)',
    request: (a) => ({ method: 'GET', path: `/ops/v1/reconciliations${a.query({ limit: 'limit' })}` }),
  },
  reconciliation: {
    usage: 'reconciliation REC_ID',
    summary: 'one reconciliation report',
    request: (a) => ({ method: 'GET', path: `/ops/v1/reconciliations/${encodeURIComponent(a.required(0, 'REC_ID'))}` }),
  },
  'merchants rate-limit': {
    usage: 'merchants rate-limit MERCHANT_ID N|default',
    summary: 'its requests per rolling minute (10 to 2e9; default: back to 6,000), enforced at once',
    request: (a) => {
      const merchantId = encodeURIComponent(a.required(0, 'MERCHANT_ID'));
      const limit = a.required(1, 'N|default');
      return { method: 'PUT', path: `/ops/v1/merchants/${merchantId}/rate-limit`, body: JSON.stringify({ rateLimitPerMinute: limit === 'default' ? null : Number(limit) }) };
    },
  },
  'rate-limits': {
    usage: 'rate-limits',
    summary: 'the default, every override by tier, and the rules enforced (WAF JSON)',
    request: () => ({ method: 'GET', path: '/ops/v1/rate-limits' }),
  },
  'rate-limits sync': {
    usage: 'rate-limits sync',
    summary: 'apply the stored overrides to the web ACL again (after a deploy that reset its rules)',
    request: () => ({ method: 'POST', path: '/ops/v1/rate-limits/sync' }),
  },
  'settlements run': {
    usage: 'settlements run [--merchant M] [--currency C]',
    summary: 'a settlement run now (cut-off now − settlement delay), optionally one merchant / currency',
    request: (a) => ({ method: 'POST', path: '/ops/v1/settlements', body: JSON.stringify({ merchantId: a.option('merchant'), currency: a.option('currency') }) }),
  },
  'settlements list': {
    usage: 'settlements list --merchant M [--limit N] [--cursor C]',
    summary: "a merchant's settled batches, newest first",
    request: (a) => ({ method: 'GET', path: `/ops/v1/settlements${a.query({ merchant: 'merchantId', ...PAGE }, 'merchant')}` }),
  },
  'settlements show': {
    usage: 'settlements show STL_ID',
    summary: 'one settlement batch, any merchant, OPEN ones too',
    request: (a) => ({ method: 'GET', path: `/ops/v1/settlements/${encodeURIComponent(a.required(0, 'STL_ID'))}` }),
  },
  'payouts list': {
    usage: 'payouts list --merchant M [--status S] [--limit N] [--cursor C]',
    summary: "a merchant's payouts, newest first (--status PROCESSING|SUCCEEDED|FAILED|RETURNED)",
    request: (a) => ({ method: 'GET', path: `/ops/v1/payouts${a.query({ merchant: 'merchantId', status: 'status', ...PAGE }, 'merchant')}` }),
  },
  'payouts show': {
    usage: 'payouts show PO_ID',
    summary: 'one payout, any merchant (never its account number)',
    request: (a) => ({ method: 'GET', path: `/ops/v1/payouts/${encodeURIComponent(a.required(0, 'PO_ID'))}` }),
  },
  'risk blocklist list': {
    usage: 'risk blocklist list [--limit N] [--cursor C]',
    summary: 'the blocklist, oldest first',
    request: (a) => ({ method: 'GET', path: `/ops/v1/risk/blocklist${a.query(PAGE)}` }),
  },
  'risk blocklist add': {
    usage: 'risk blocklist add payer_id|payer_ip|card_fingerprint VALUE [--reason TEXT]',
    summary: 'block that payer id, IP or card fingerprint from the next payment',
    request: (a) => ({
      method: 'POST',
      path: '/ops/v1/risk/blocklist',
      body: JSON.stringify({ subject: a.required(0, 'SUBJECT'), value: a.required(1, 'VALUE'), reason: a.option('reason') }),
    }),
  },
  'risk blocklist remove': {
    usage: 'risk blocklist remove SUBJECT VALUE',
    summary: 'take an entry off the blocklist',
    request: (a) => ({ method: 'DELETE', path: `/ops/v1/risk/blocklist/${encodeURIComponent(a.required(0, 'SUBJECT'))}/${encodeURIComponent(a.required(1, 'VALUE'))}` }),
  },
  'risk rules list': {
    usage: 'risk rules list [--merchant M]',
    summary: "the platform's velocity rules, or one merchant's own",
    request: (a) => ({ method: 'GET', path: `/ops/v1/risk/rules${a.query({ merchant: 'merchantId' })}` }),
  },
  'risk rules add': {
    usage: `risk rules add '{"subject":"payer_id","metric":"count","threshold":3,"windowSeconds":60,"action":"challenge"}'`,
    summary: 'a velocity rule (add "merchantId" for a merchant rule, "currency" for an amount rule)',
    request: (a) => ({ method: 'POST', path: '/ops/v1/risk/rules', body: a.required(0, 'JSON') }),
  },
  'risk rules show': {
    usage: 'risk rules show VR_ID',
    summary: 'one velocity rule',
    request: (a) => ({ method: 'GET', path: `/ops/v1/risk/rules/${encodeURIComponent(a.required(0, 'VR_ID'))}` }),
  },
  'risk rules update': {
    usage: `risk rules update VR_ID '{"threshold":5,"enabled":false}'`,
    summary: "change a rule's threshold, window, currency, action, enabled or description",
    request: (a) => ({ method: 'PATCH', path: `/ops/v1/risk/rules/${encodeURIComponent(a.required(0, 'VR_ID'))}`, body: a.required(1, 'JSON') }),
  },
  'risk rules remove': {
    usage: 'risk rules remove VR_ID',
    summary: 'delete a velocity rule',
    request: (a) => ({ method: 'DELETE', path: `/ops/v1/risk/rules/${encodeURIComponent(a.required(0, 'VR_ID'))}` }),
  },
  get: {
    usage: 'get PATH',
    summary: 'any ops route, e.g. get /ops/v1/audit?limit=5',
    request: (a) => ({ method: 'GET', path: opsPath(a.required(0, 'PATH')) }),
  },
  post: {
    usage: "post PATH ['JSON']",
    summary: 'any ops route with a JSON body',
    request: (a) => ({ method: 'POST', path: opsPath(a.required(0, 'PATH')), body: a.positional[1] ?? '{}' }),
  },
};

const USAGE = `Usage: npm run -s ops -- COMMAND [ARGS]

The operations API's client (docs/operations.md): one request with the local operations token.

${Object.values(VERBS)
  .map((verb) => `  ${verb.usage.padEnd(72)}${verb.summary}`)
  .join('\n')}
  --help${' '.repeat(66)}this text

Options for every command:
  --aws           the API in AWS: sign with SigV4 (service execute-api) using the AWS credentials of the
                  environment, profile, SSO or role (the SDK's default chain) instead of the local token
  --url URL       the API's base URL, with or without /ops/v1 (default $OPS_API_URL, else the local runtime);
                  in AWS the stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/live/ops/v1

Output: the answer's JSON on stdout (pipe it to jq), the status line on stderr.
Exit code: 0 for a 2xx answer, 1 for 4xx/5xx or no answer, 2 for a wrong command.

Environment:
  OPS_API_URL     base URL (default http://127.0.0.1:$PORT, PORT default 3000)
  OPS_TOKEN_FILE  the token (default $LOCAL_DATA_DIR/ops-token, LOCAL_DATA_DIR default .data)
  AWS_REGION      with --aws: the API's region (default: the one in an execute-api URL)
  AWS_PROFILE, AWS_ACCESS_KEY_ID, …  with --aws: the credentials, as for the AWS CLI

Example:
  npm run -s ops -- trial-balance | jq .balanced
`;

const DEFAULT_DATA_DIR = join(import.meta.dirname, '..', '..', '.data');

function missing(option: string): never {
  throw new UsageError(`${option} is required`);
}

function channelPath(a: Args): string {
  return `/ops/v1/channels/${encodeURIComponent(a.required(0, 'CHANNEL'))}`;
}

/** The PATCH body from `channels set` options: numbers stay numbers (the API answers 400 for a bad one). */
function channelPatch(a: Args): Record<string, unknown> {
  const numbers = { min: 'minAmount', max: 'maxAmount', 'cost-bps': 'costBps', 'cost-fixed': 'costFixed', priority: 'priority' } as const;
  const patch: Record<string, unknown> = {};
  for (const [option, field] of Object.entries(numbers)) {
    const value = a.option(option);
    if (value !== undefined) patch[field] = Number(value);
  }
  // Comma-separated lists: `--methods card --currencies CNY,USD`.
  for (const field of ['methods', 'currencies'] as const) {
    const value = a.option(field);
    if (value !== undefined) patch[field] = value.split(',').map((item) => item.trim()).filter(Boolean);
  }
  const dailyLimit = a.option('daily-limit');
  if (dailyLimit !== undefined) {
    try {
      patch.dailyLimit = JSON.parse(dailyLimit);
    } catch {
      throw new UsageError('--daily-limit must be JSON, e.g. \'{"CNY":500000}\' or null');
    }
  }
  if (Object.keys(patch).length === 0) throw new UsageError('name at least one of --methods --currencies --min --max --daily-limit --cost-bps --cost-fixed --priority');
  return patch;
}

function merchantPath(a: Args): string {
  return `/ops/v1/merchants/${encodeURIComponent(a.required(0, 'MERCHANT_ID'))}`;
}

/** An option holding JSON, parsed here so a typo is a usage error rather than a request. */
function jsonOption(a: Args, name: string): unknown {
  const text = a.option(name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${name} must be JSON`);
  }
}

function opsPath(path: string): string {
  if (!path.startsWith('/ops/v1/')) throw new UsageError(`PATH must start with /ops/v1/ (got ${path})`);
  return path;
}

function parseArgs(argv: readonly string[]): { verb?: Verb; args: Args; help: boolean } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') options.set('help', 'true');
    else if (arg.startsWith('--')) {
      const name = arg.slice(2);
      if (FLAGS.has(name)) options.set(name, 'true');
      else {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        options.set(name, value);
      }
    } else positional.push(arg);
  }
  const [name, ...rest] = positional;
  const help = options.get('help') === 'true';
  if (!name) {
    if (help) return { args: new Args([], options), help };
    throw new UsageError('a COMMAND is required');
  }
  // Three-word commands (`risk blocklist add`), then two-word ones (`settlements run`), before one-word ones.
  const triple = rest[1] === undefined ? undefined : VERBS[`${name} ${rest[0]} ${rest[1]}`];
  if (triple) return { verb: triple, args: new Args(rest.slice(2), options), help };
  const pair = rest[0] === undefined ? undefined : VERBS[`${name} ${rest[0]}`];
  if (pair) return { verb: pair, args: new Args(rest.slice(1), options), help };
  const verb = VERBS[name];
  if (!verb) throw new UsageError(`unknown command ${[name, ...rest.slice(0, 1)].join(' ')}`);
  return { verb, args: new Args(rest, options), help };
}

function token(): string {
  const file = process.env.OPS_TOKEN_FILE ?? join(process.env.LOCAL_DATA_DIR ?? DEFAULT_DATA_DIR, 'ops-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`cannot read the operations token in ${file}: start the runtime once (npm start), or set OPS_TOKEN_FILE`);
  }
}

/** Where the API is: `--url`, else OPS_API_URL, else the local runtime; a trailing `/ops/v1` is the routes' own prefix. */
function baseUrl(args: Args): string {
  const given = args.option('url') ?? process.env.OPS_API_URL;
  if (!given && args.flag('aws')) throw new UsageError('--aws needs the API URL: --url https://…/live/ops/v1 or OPS_API_URL');
  return (given ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '').replace(/\/ops\/v1$/, '');
}

/** The request as it goes on the wire: with the local token, or signed for API Gateway's IAM authorizer. */
async function prepare(request: Request, base: string, aws: boolean): Promise<{ url: string; init: RequestInit }> {
  const url = new URL(`${base}${request.path}`);
  const headers: Record<string, string> = request.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' };
  if (!aws) return { url: url.toString(), init: { method: request.method, headers: { ...headers, authorization: `Bearer ${token()}` }, body: request.body } };
  const region = regionOf(url);
  if (!region) throw new UsageError(`no region in ${url.host}: set AWS_REGION`);
  // Loaded only for --aws: the local client stays light.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  const signed = await signRequest({ url, method: request.method, headers, body: request.body }, { region, credentials: defaultProvider() });
  return { url: signed.url, init: { method: signed.method, headers: signed.headers, body: signed.body } };
}

async function send(request: Request, args: Args): Promise<number> {
  const base = baseUrl(args);
  const aws = args.flag('aws');
  const { url, init } = await prepare(request, base, aws);
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new Error(`no answer from ${base} (${reason})${aws ? '' : ': is the runtime running (npm start)?'}`);
  }
  const text = await res.text();
  process.stderr.write(`HTTP ${res.status}  X-Request-Id: ${res.headers.get('x-request-id')}\n`);
  process.stdout.write(`${pretty(text)}\n`);
  return res.status < 400 ? 0 : 1;
}

async function main(): Promise<number> {
  try {
    const parsed = parseArgs(process.argv.slice(2));
    if (parsed.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    return await send(parsed.verb!.request(parsed.args), parsed.args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ops: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

runCli('ops', main);
