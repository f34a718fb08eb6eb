import { z } from 'zod';

/**
 * The only reader of process.env. Parsed once, validated, frozen: a bad deploy fails at init, loudly.
 */
const schema = z.object({
  TABLE_NAME: z.string().min(1).default('pay-platform'),
  AWS_REGION: z.string().min(1).default('local'),
  /** Set for DynamoDB Local; absent in AWS. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /** KMS key id/ARN of the data key (merchant secrets, sealed card data) in AWS. */
  KMS_DATA_KEY_ID: z.string().min(1).optional(),
  /** KMS HMAC key for card fingerprints in AWS. */
  KMS_FINGERPRINT_KEY_ID: z.string().min(1).optional(),
  /** The Express state machine running the pay workflow in AWS. */
  PAY_WORKFLOW_ARN: z.string().min(1).optional(),
  /** Notifications (AWS): the domain event bus, the notification queue and its DLQ, the webhook signing key. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  NOTIFY_QUEUE_URL: z.string().url().optional(),
  NOTIFY_DLQ_URL: z.string().url().optional(),
  WEBHOOK_SIGNING_KEY_ID: z.string().min(1).optional(),
  /** Comma-separated KMS key ids still published by GET /v1/platform/keys during a signing key rotation. */
  WEBHOOK_RETIRING_KEY_IDS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** true when served by the local runtime: allows http://127.0.0.1 notify URLs, sandbox routes. */
  LOCAL_MODE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  PAY_RETRY_TIME_SCALE: z.coerce.number().positive().default(1),
  /** Orders above this amount (minor units) get an OTP challenge unless the merchant has its own limit. */
  DEFAULT_RISK_CHALLENGE_AMOUNT: z.coerce.number().int().positive().default(5_000_000),
  /** Platform fee charged to merchants, in basis points, unless the merchant has its own rate. */
  DEFAULT_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(60),
  /** Local runtime only: where data, keys and the demo merchant live (default: the project's .data/). */
  LOCAL_DATA_DIR: z.string().min(1).optional(),
  /** Local runtime only: how often the stream and queue pollers look for work, in ms. */
  LOCAL_POLL_INTERVAL_MS: z.coerce.number().int().min(1).max(60_000).default(100),
  /** Local runtime only: the gateway's port. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
