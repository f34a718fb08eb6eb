/**
 * Every key of the single table in one place. docs/data-model.md lists the access pattern each one serves.
 */
export const BALANCE_SHARDS = 8;
/** Shards of a channel's daily usage counter (keys.channelUsage). */
export const CHANNEL_USAGE_SHARDS = 4;

export const keys = {
  merchant: (merchantId: string) => ({ PK: `MERCHANT#${merchantId}`, SK: 'PROFILE' }),
  order: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' }),
  outTradeNo: (merchantId: string, outTradeNo: string) => ({
    PK: `MERCHANT#${merchantId}#OUTTRADENO#${outTradeNo}`,
    SK: 'UNIQUE',
  }),
  /** A pay attempt, under its order: the order's attempts are one Query. */
  attempt: (orderId: string, paymentId: string) => ({ PK: `ORDER#${orderId}`, SK: `ATTEMPT#${paymentId}` }),
  /** Pointer from the channel's payment id to the attempt, for callbacks and bill lines. */
  channelPayment: (channel: string, channelPaymentId: string) => ({
    PK: `CHANNELPAYMENT#${channel}#${channelPaymentId}`,
    SK: 'POINTER',
  }),
  /** Pointer from our attempt id (the channel's merchant order number) to the attempt, for channels that answer late. */
  paymentPointer: (paymentId: string) => ({ PK: `PAYMENT#${paymentId}`, SK: 'POINTER' }),
  refund: (orderId: string, refundId: string) => ({ PK: `ORDER#${orderId}`, SK: `REFUND#${refundId}` }),
  refundPointer: (refundId: string) => ({ PK: `REFUND#${refundId}`, SK: 'POINTER' }),
  outRefundNo: (orderId: string, outRefundNo: string) => ({ PK: `ORDER#${orderId}`, SK: `OUTREFUNDNO#${outRefundNo}` }),
  ledgerEntry: (entryId: string) => ({ PK: `LEDGER#${entryId}`, SK: 'ENTRY' }),
  balanceShard: (merchantId: string, currency: string, shard: number) => ({
    PK: `MERCHANT#${merchantId}#BALANCE`,
    SK: `${currency}#${shard}`,
  }),
  balancePartition: (merchantId: string) => `MERCHANT#${merchantId}#BALANCE`,
  /** A `single`-storage ledger account's balance in one currency (a customer's balance): one conditional item. */
  accountBalance: (account: string, currency: string) => ({ PK: `ACCOUNT#${account}`, SK: `BALANCE#${currency}` }),
  /** One entry's line on a `single` account (a customer's statement), in the account's partition, oldest first. */
  accountLine: (account: string, createdAt: string, entryId: string) => ({ PK: `ACCOUNT#${account}`, SK: `LINE#${createdAt}#${entryId}` }),
  accountPartition: (account: string) => `ACCOUNT#${account}`,
  customer: (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SK: 'CUSTOMER' }),
  outCustomerNo: (merchantId: string, outCustomerNo: string) => ({ PK: `MERCHANT#${merchantId}#OUTCUSTOMERNO#${outCustomerNo}`, SK: 'UNIQUE' }),
  /** A ledger hold (two-phase money), written with the entries that place and end it. */
  hold: (holdId: string) => ({ PK: `HOLD#${holdId}`, SK: 'HOLD' }),
  /** An agreement (shared/domain/agreement.ts): read by id, checked ACTIVE in a debit's claim. */
  agreement: (agreementId: string) => ({ PK: `AGREEMENT#${agreementId}`, SK: 'AGREEMENT' }),
  /** The one-time passwords its signing has used (docs/decisions.md, 136): a counter beside the agreement. */
  agreementOtp: (agreementId: string) => ({ PK: `AGREEMENT#${agreementId}`, SK: 'OTP' }),
  /** A period's debit counter of a channel's period rule (docs/decisions.md, 175): bumped in the debit's claim. */
  agreementPeriod: (agreementId: string, period: number) => ({ PK: `AGREEMENT#${agreementId}`, SK: `PERIOD#${String(period).padStart(6, '0')}` }),
  outAgreementNo: (merchantId: string, outAgreementNo: string) => ({ PK: `MERCHANT#${merchantId}#OUTAGREEMENTNO#${outAgreementNo}`, SK: 'UNIQUE' }),
  event: (eventId: string) => ({ PK: `EVENT#${eventId}`, SK: 'EVENT' }),
  idempotency: (merchantId: string, key: string) => ({ PK: `IDEMPOTENCY#${merchantId}#${key}`, SK: 'RECORD' }),
  nonce: (merchantId: string, nonce: string) => ({ PK: `NONCE#${merchantId}#${nonce}`, SK: 'NONCE' }),
  blocklist: (key: string) => ({ PK: `BLOCKLIST#${key}`, SK: 'ENTRY' }),
  /** A velocity rule, read by id; listed per scope through GSI1 (indexKeys.velocityRules). */
  velocityRule: (ruleId: string) => ({ PK: `RISKRULE#${ruleId}`, SK: 'RULE' }),
  /**
   * A velocity counter: one subject value's attempts at one merchant in one time bucket (docs/decisions.md, 216). The
   * value is in the partition key, so a merchant's traffic spreads over one partition per payer, card and IP.
   */
  velocityCounter: (merchantId: string, subject: string, value: string, bucketSeconds: number, bucket: number) => ({
    PK: `VELOCITY#${merchantId}#${subject}#${value}`,
    SK: `${bucketSeconds}#${bucket}`,
  }),
  channelCredentials: (channelId: string) => ({ PK: `CHANNEL#${channelId}`, SK: 'CREDENTIALS' }),
  /** A channel's circuit (shared/domain/circuit.ts): one item, changed only by conditional writes on its version. */
  channelCircuit: (channelId: string) => ({ PK: `CHANNELHEALTH#${channelId}`, SK: 'CIRCUIT' }),
  /**
   * One shard of a channel's outcome counters for one time bucket (epoch seconds of its start): ADD counters, expired
   * by TTL. The shard is in the partition key, so a busy channel's calls spread over CHANNEL_HEALTH_SHARDS partitions.
   */
  channelHealthBucket: (channelId: string, shard: number, bucketStart: number) => ({ PK: `CHANNELHEALTH#${channelId}#${shard}`, SK: `BUCKET#${bucketStart}` }),
  /** A channel's record as an operator set it (docs/decisions.md, 206); absent: the registry's row. */
  channel: (channelId: string) => ({ PK: `CHANNEL#${channelId}`, SK: 'CONFIG' }),
  /**
   * One shard of what a channel was routed on a UTC day in one currency (its daily quota): each shard its own
   * partition, so a busy channel's day is not one hot item; expires by TTL after the day.
   */
  channelUsage: (channelId: string, day: string, currency: string, shard: number) => ({ PK: `CHANNELUSAGE#${channelId}#${day}#${currency}#${shard}`, SK: 'USAGE' }),
  /** A channel callback as received (raw headers and body), kept for audit and linked to its attempt once found. */
  rawCallback: (channel: string, callbackId: string) => ({ PK: `CALLBACK#${channel}#${callbackId}`, SK: 'RAW' }),
  /** One call of the operations API, newest last in the one audit partition (docs/decisions.md, 162). */
  auditEntry: (at: string, requestId: string) => ({ PK: 'AUDIT', SK: `ENTRY#${at}#${requestId}` }),
  auditPartition: 'AUDIT',
} as const;

/** GSI1/GSI2 values: index partitions are always scoped to one merchant (or one order). */
export const indexKeys = {
  ordersByMerchant: (merchantId: string) => `MERCHANT#${merchantId}#ORDERS`,
  ordersByStatus: (merchantId: string, status: string) => `MERCHANT#${merchantId}#STATUS#${status}`,
  eventsByOrder: (orderId: string) => `ORDER#${orderId}#EVENTS`,
  agreementsByCustomer: (merchantId: string, customerId: string) => `MERCHANT#${merchantId}#CUSTOMER#${customerId}#AGREEMENTS`,
  ledgerByMerchant: (merchantId: string) => `MERCHANT#${merchantId}#LEDGER`,
  /** GSI2: every event of a merchant by time, across its orders and agreements (docs/decisions.md, 163). */
  eventsByMerchant: (merchantId: string) => `MERCHANT#${merchantId}#EVENTS`,
  /** GSI1: every merchant, by creation time (the operations API's list; docs/decisions.md, 164). */
  merchants: 'MERCHANTS',
  /** GSI1: the velocity rules of one scope (`platform` or a merchant id), by creation time (docs/decisions.md, 220). */
  velocityRules: (scope: string) => `RISKRULES#${scope}`,
  /** GSI1: every blocklist entry, newest last, for the operations API's list (docs/decisions.md, 220). */
  blocklist: 'BLOCKLIST',
  timeSortKey: (createdAt: string, id: string) => `${createdAt}#${id}`,
  /**
   * Attempts and refunds of one channel's business day, for reconciliation (docs/decisions.md, 166): one of
   * RECONCILIATION_SHARDS partitions per channel and day, so a busy channel's day does not funnel every write of the
   * day into one index partition; a run reads the shards in parallel.
   */
  reconciliation: (channel: string, day: string, shard: number) => `RECON#${channel}#${day}#${shard}`,
};

export const RECONCILIATION_SHARDS = 8;

/** Shards of a channel's health counters per time bucket (docs/decisions.md, 200). */
export const CHANNEL_HEALTH_SHARDS = 4;
