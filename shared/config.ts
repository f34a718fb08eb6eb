import * as z from 'zod/mini';

/**
 * The only reader of process.env. Parsed once, validated, frozen: a bad deploy fails at init, loudly.
 */
const nonEmpty = z.string().check(z.minLength(1));
const coercedInt = (min: number, max: number) => z.pipe(z.coerce.number(), z.int().check(z.minimum(min), z.maximum(max)));

const schema = z.object({
  TABLE_NAME: z._default(nonEmpty, 'pay-platform'),
  AWS_REGION: z._default(nonEmpty, 'local'),
  /** Set for DynamoDB Local; absent in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** KMS key id/ARN of the data key (merchant secrets, sealed card data) in AWS. */
  KMS_DATA_KEY_ID: z.optional(nonEmpty),
  /** KMS HMAC key for card fingerprints in AWS. */
  KMS_FINGERPRINT_KEY_ID: z.optional(nonEmpty),
  /** The Express state machine running the pay workflow in AWS. */
  PAY_WORKFLOW_ARN: z.optional(nonEmpty),
  /** Notifications (AWS): the domain event bus, the notification queue and its DLQ, the webhook signing key. */
  EVENT_BUS_NAME: z.optional(nonEmpty),
  NOTIFY_QUEUE_URL: z.optional(z.url()),
  NOTIFY_DLQ_URL: z.optional(z.url()),
  WEBHOOK_SIGNING_KEY_ID: z.optional(nonEmpty),
  /** Comma-separated KMS key ids still published by GET /v1/platform/keys during a signing key rotation. */
  WEBHOOK_RETIRING_KEY_IDS: z.pipe(
    z._default(z.string(), ''),
    z.transform((v: string) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  ),
  /**
   * Where payers reach the hosted checkout (`<PUBLIC_BASE_URL>/checkout/{token}`): in AWS the API's URL with its stage
   * (or the custom domain); locally the runtime sets the gateway's own URL.
   */
  PUBLIC_BASE_URL: z.optional(z.url({ protocol: /^https?$/ })),
  /**
   * Each channel's API base URL, as JSON `{"wechat_pay": "https://api.mch.weixin.qq.com", …}`. A channel without a URL
   * here (or without stored credentials) is not built, so routing never sends it anything. The local runtime sets
   * none: its channels are the sandbox emulators at `<runtime url>/sandbox/channels/<id>`.
   */
  CHANNEL_BASE_URLS: z.pipe(
    z._default(z.string(), '{}'),
    z.transform((v: string, ctx) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((u) => typeof u === 'string' && /^https?:\/\//.test(u))) {
          return parsed as Record<string, string>;
        }
      } catch {
        // reported below
      }
      ctx.issues.push({ code: 'custom', message: 'must be a JSON object of channel id → http(s) URL', input: v });
      return z.NEVER;
    }),
  ),
  /** true when served by the local runtime: allows http://127.0.0.1 notify URLs, sandbox routes. */
  LOCAL_MODE: z.pipe(z._default(z.enum(['true', 'false']), 'false'), z.transform((v: 'true' | 'false') => v === 'true')),
  PAY_RETRY_TIME_SCALE: z._default(z.coerce.number().check(z.positive()), 1),
  /** Janitor (contract): an unresolved payment or refund is first queried at its channel this long after its last change. */
  PAY_JANITOR_AFTER_SECONDS: z._default(coercedInt(1, 86_400), 60),
  /** How long an authorization may wait for capture before it is voided (contract: 7 days; smaller in local tests). */
  PAY_AUTHORIZATION_WINDOW_SECONDS: z._default(coercedInt(1, 604_800), 604_800),
  /**
   * How long a PENDING agreement waits for the payer to sign (the wallet's QR code, the card's OTP) before the signing
   * is given up: TERMINATED with `failureCode: signing_expired` (docs/decisions.md, 238). 30 minutes by default, the
   * life of the hosted signing page; tests use seconds.
   */
  PAY_AGREEMENT_SIGN_WINDOW_SECONDS: z._default(coercedInt(1, 86_400), 1800),
  /** Settlement (contract): a payment is settled by the first run at least this long after its capture (T+1 by default). */
  PAY_SETTLEMENT_DELAY_SECONDS: z._default(coercedInt(1, 2_592_000), 86_400),
  /** How long a container routes on the channel records it read: an operator's change is effective within this (decisions, 209). */
  PAY_CHANNEL_CACHE_SECONDS: z._default(coercedInt(0, 60), 5),
  /**
   * Channel circuit breaker (shared/domain/circuit.ts; docs/decisions.md, 199): it opens when technical failures reach
   * PAY_CIRCUIT_FAILURE_PERCENT of at least PAY_CIRCUIT_MIN_CALLS calls in the last minute, or after
   * PAY_CIRCUIT_CONSECUTIVE_FAILURES in a row; stays open PAY_CIRCUIT_OPEN_SECONDS; PAY_CIRCUIT_PROBES answered probes close it.
   */
  PAY_CIRCUIT_MIN_CALLS: z._default(coercedInt(1, 100_000), 20),
  PAY_CIRCUIT_FAILURE_PERCENT: z._default(coercedInt(1, 100), 50),
  PAY_CIRCUIT_CONSECUTIVE_FAILURES: z._default(coercedInt(1, 1000), 5),
  PAY_CIRCUIT_OPEN_SECONDS: z._default(coercedInt(1, 3600), 30),
  PAY_CIRCUIT_PROBES: z._default(coercedInt(1, 100), 3),
  /** Timers (AWS): the schedule group, the role EventBridge Scheduler assumes, the timer queue and its DLQ. */
  TIMER_SCHEDULE_GROUP: z.optional(nonEmpty),
  TIMER_SCHEDULER_ROLE_ARN: z.optional(nonEmpty),
  TIMER_QUEUE_ARN: z.optional(nonEmpty),
  TIMER_DLQ_ARN: z.optional(nonEmpty),
  /** Reconciliation (AWS): the reports bucket and the KMS key its objects are encrypted with (infra/cdk/reconciliation.ts). */
  REPORTS_BUCKET: z.optional(nonEmpty),
  REPORTS_KMS_KEY_ID: z.optional(nonEmpty),
  /**
   * Rate limits (AWS): the stack's regional web ACL, whose merchant rate limit rules the ops function replaces when an
   * operator changes a merchant's limit (infra/cdk/rate-limits.ts; docs/decisions.md, 226).
   */
  RATE_LIMIT_WEB_ACL_ARN: z.optional(nonEmpty),
  /**
   * Local runtime only: the rate limits' rolling window in seconds (AWS WAF's is 60), so a test sees a limit reset
   * without waiting a minute.
   */
  PAY_RATE_LIMIT_WINDOW_SECONDS: z._default(coercedInt(1, 600), 60),
  /** How long a container keeps the velocity rules it read: an operator's change is effective within this (decisions, 220). */
  PAY_RISK_RULES_CACHE_SECONDS: z._default(coercedInt(0, 60), 5),
  /** Orders above this amount (minor units) get an OTP challenge unless the merchant has its own limit. */
  DEFAULT_RISK_CHALLENGE_AMOUNT: z._default(coercedInt(1, Number.MAX_SAFE_INTEGER), 5_000_000),
  /** Platform fee charged to merchants, in basis points, unless the merchant has its own rate. */
  DEFAULT_FEE_BPS: z._default(coercedInt(0, 10_000), 60),
  /** Local runtime only: where data, keys and the demo merchant live (default: the project's .data/). */
  LOCAL_DATA_DIR: z.optional(nonEmpty),
  /** Local runtime only: how soon the stream and queue pollers look again after a pass that found nothing, in ms. */
  LOCAL_POLL_INTERVAL_MS: z._default(coercedInt(1, 60_000), 100),
  /** Local runtime only: idle waits double from LOCAL_POLL_INTERVAL_MS up to this, so an idle runtime costs ~nothing. */
  LOCAL_IDLE_POLL_MAX_MS: z._default(coercedInt(1, 600_000), 30_000),
  /**
   * Local runtime only: a write by the runtime wakes the stream poller, a sent message the queue poller, so nothing
   * waits for an idle wait to end. `false` leaves the pollers on their schedule alone (crash tests use it to die
   * between a commit and its relay).
   */
  LOCAL_WAKE_ON_WRITE: z.pipe(z._default(z.enum(['true', 'false']), 'true'), z.transform((v: 'true' | 'false') => v === 'true')),
  /** Local runtime only: the gateway's port. */
  PORT: z._default(coercedInt(0, 65_535), 3000),
  /** Local runtime only: the gateway's address. Loopback unless set: the local API has no TLS and a demo merchant. */
  HOST: z._default(nonEmpty, '127.0.0.1'),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
  /** Business metrics (shared/metrics.ts): EMF lines on stdout, or off (the test run). Independent of LOG_LEVEL. */
  METRICS: z._default(z.enum(['emf', 'off']), 'emf'),
});

export type Config = Readonly<z.infer<typeof schema>>;

let cached: Config | undefined;

export function getConfig(): Config {
  return (cached ??= parseConfig({}));
}

/** The environment with `overrides` on top (the local runtime's own settings), validated and frozen. */
export function parseConfig(overrides: Readonly<Record<string, string | undefined>>): Config {
  const parsed = schema.safeParse({ ...process.env, ...overrides });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${issues}`);
  }
  return Object.freeze(parsed.data);
}
