import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAgreementStore } from '../adapters/dynamodb/agreement-store.js';
import { DynamoRawCallbackStore } from '../adapters/dynamodb/callback-store.js';
import { channelHealthStore } from '../adapters/dynamodb/channel-health-store.js';
import { DynamoChannelStore } from '../adapters/dynamodb/channel-store.js';
import { DynamoCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { DynamoOrderStore, DynamoRiskReads } from '../adapters/dynamodb/order-store.js';
import { DynamoCheckoutTokenStore } from '../checkout/token-store.js';
import { DynamoIdempotencyStore, DynamoNonceStore } from '../adapters/dynamodb/request-stores.js';
import { DynamoLedgerStore } from '../adapters/dynamodb/ledger-store.js';
import { DynamoPayoutStore } from '../adapters/dynamodb/payout-store.js';
import { DynamoSettlementStore } from '../adapters/dynamodb/settlement-store.js';
import { DynamoMerchantStore } from '../adapters/dynamodb/merchant-store.js';
import { DynamoBlocklistStore } from '../adapters/dynamodb/blocklist-store.js';
import { DynamoVelocityRuleStore } from '../adapters/dynamodb/velocity-rule-store.js';
import { VelocityRuleCache } from './velocity-rules.js';
import type { Config } from '../config.js';
import { DEFAULT_RISK_RULES } from '../domain/risk.js';
import type { KeyCenter } from '../ports/key-center.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { PayWorkflow } from '../ports/pay-workflow.js';
import type { Timers } from '../ports/timers.js';
import type { Deps } from './deps.js';
import { createRoutingDeps } from './routing-deps.js';

/**
 * Wires the services over one DynamoDB client. The DynamoDB adapters are the same everywhere; the key center, the
 * workflow runner and the channel adapters are what a composition root (AWS or the local runtime) passes in.
 */
export function createDeps(input: {
  readonly config: Config;
  readonly db: DynamoDBDocumentClient;
  readonly keyCenter: KeyCenter;
  readonly workflow: PayWorkflow;
  readonly channels: readonly ChannelAdapter[];
  readonly timers: Timers;
  readonly now?: () => number;
  /** The local runtime's gateway URL, known only once it listens; PUBLIC_BASE_URL otherwise. */
  readonly publicBaseUrl?: () => string;
}): Deps {
  const { config, db } = input;
  const table = config.TABLE_NAME;
  const velocityRules = new DynamoVelocityRuleStore(db, table);
  return {
    orders: new DynamoOrderStore(db, table),
    merchants: new DynamoMerchantStore(db, table),
    ledger: new DynamoLedgerStore(db, table),
    customers: new DynamoCustomerStore(db, table),
    agreements: new DynamoAgreementStore(db, table),
    blocklist: new DynamoBlocklistStore(db, table),
    riskReads: new DynamoRiskReads(db, table),
    velocityRules,
    velocityRuleCache: new VelocityRuleCache(velocityRules, config.PAY_RISK_RULES_CACHE_SECONDS * 1000, input.now),
    idempotency: new DynamoIdempotencyStore(db, table),
    nonces: new DynamoNonceStore(db, table),
    callbacks: new DynamoRawCallbackStore(db, table),
    settlements: new DynamoSettlementStore(db, table),
    payouts: new DynamoPayoutStore(db, table),
    keyCenter: input.keyCenter,
    ...createRoutingDeps(input.channels, { store: new DynamoChannelStore(db, table), cacheMs: config.PAY_CHANNEL_CACHE_SECONDS * 1000 }, channelHealthStore(db, config)),
    riskRules: DEFAULT_RISK_RULES,
    workflow: input.workflow,
    timers: input.timers,
    janitorAfterSeconds: config.PAY_JANITOR_AFTER_SECONDS,
    authorizationWindowSeconds: config.PAY_AUTHORIZATION_WINDOW_SECONDS,
    agreementSignWindowSeconds: config.PAY_AGREEMENT_SIGN_WINDOW_SECONDS,
    settlementDelaySeconds: config.PAY_SETTLEMENT_DELAY_SECONDS,
    checkout: {
      tokens: new DynamoCheckoutTokenStore(db, table),
      publicBaseUrl: input.publicBaseUrl ?? (() => config.PUBLIC_BASE_URL ?? ''),
    },
    now: input.now ?? Date.now,
    settings: {
      localMode: config.LOCAL_MODE,
      defaultChallengeAmount: config.DEFAULT_RISK_CHALLENGE_AMOUNT,
      defaultFeeBps: config.DEFAULT_FEE_BPS,
    },
  };
}
