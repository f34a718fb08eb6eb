import type { CheckoutDeps } from '../checkout/issue.js';
import type { AgreementStore } from '../ports/agreement-store.js';
import type { RawCallbackStore } from '../ports/callback-store.js';
import type { CustomerStore } from '../ports/customer-store.js';
import type { ChannelConfig } from '../domain/routing.js';
import type { ChannelHealth } from '../ports/channel-health.js';
import type { RiskRule } from '../domain/risk.js';
import type { KeyCenter } from '../ports/key-center.js';
import type { ChannelDirectory } from './channel-directory.js';
import type { ChannelAdapter, ChannelFlow } from '../ports/channel-flows.js';
import type { DynamoPayoutStore } from '../adapters/dynamodb/payout-store.js';
import type { PayWorkflow } from '../ports/pay-workflow.js';
import type { SettlementStore } from '../ports/settlement-store.js';
import type { Timers } from '../ports/timers.js';
import type { VelocityRuleStore } from '../ports/velocity-rule-store.js';
import type { VelocityRuleCache } from './velocity-rules.js';
import type {
  BlocklistListing,
  BlocklistStore,
  IdempotencyStore,
  LedgerStore,
  MerchantStore,
  NonceStore,
  OrderStore,
  RiskReads,
} from '../ports/stores.js';

/** Everything the application services use, injected once per container by the composition root. */
export interface Deps {
  readonly orders: OrderStore;
  readonly merchants: MerchantStore;
  readonly ledger: LedgerStore;
  /** Customers of merchants; their balances are ledger accounts (shared/services/customers.ts). */
  readonly customers: CustomerStore;
  /** Agreements for recurring debits (shared/services/agreements.ts). */
  readonly agreements: AgreementStore;
  readonly blocklist: BlocklistStore & BlocklistListing;
  readonly riskReads: RiskReads;
  /** Velocity rules as operators manage them, and the risk step's cached view of them (shared/services/velocity-rules.ts). */
  readonly velocityRules: VelocityRuleStore;
  readonly velocityRuleCache: VelocityRuleCache;
  readonly idempotency: IdempotencyStore;
  readonly nonces: NonceStore;
  /** Channel callbacks as received, for audit (POST /callbacks/{channel}). */
  readonly callbacks: RawCallbackStore;
  /** Settlement batches and the settle items of postings to pending (shared/services/settlement.ts). */
  readonly settlements: SettlementStore;
  /** Payouts (shared/services/payouts.ts): the payout, its outPayoutNo and its ledger writes in one transaction each. */
  readonly payouts: DynamoPayoutStore;
  readonly keyCenter: KeyCenter;
  readonly channels: ReadonlyMap<string, ChannelAdapter>;
  /** The registry's rows of the channels built here: what a channel offers by default (agreement rules among them). */
  readonly channelCatalog: readonly ChannelConfig[];
  /** The channel records routing and the operations API read (operator changes over the registry's rows), cached. */
  readonly channelDirectory: ChannelDirectory;
  /** Shared health of the channels (circuit, rates), in the table: the route step reads it, the charge step records it. */
  readonly channelHealth: ChannelHealth;
  readonly riskRules: readonly RiskRule[];
  readonly workflow: PayWorkflow;
  /** Per-object deadlines: the janitor's queries, order expiry (shared/services/janitor.ts). */
  readonly timers: Timers;
  /** PAY_JANITOR_AFTER_SECONDS: the wait before the janitor's first query of an unknown outcome. */
  readonly janitorAfterSeconds: number;
  /** PAY_AUTHORIZATION_WINDOW_SECONDS: the longest an authorization is held before it is voided (shared/domain/authorization.ts). */
  readonly authorizationWindowSeconds: number;
  /** PAY_AGREEMENT_SIGN_WINDOW_SECONDS: how long a PENDING agreement waits for the payer (shared/services/agreement-sign-deadline.ts). */
  readonly agreementSignWindowSeconds: number;
  /** PAY_SETTLEMENT_DELAY_SECONDS: how long after its capture a payment is settled (T+1 by default). */
  readonly settlementDelaySeconds: number;
  /** Hosted checkout tokens and the public URL the pages are served under. */
  readonly checkout: CheckoutDeps;
  readonly now: () => number;
  readonly settings: {
    readonly localMode: boolean;
    readonly defaultChallengeAmount: number;
    readonly defaultFeeBps: number;
  };
}

export function channelOf(deps: Pick<Deps, 'channels'>, id: string): ChannelAdapter {
  const channel = deps.channels.get(id);
  if (!channel) throw new Error(`No adapter for channel ${id}`);
  return channel;
}

/**
 * One flow of a channel, bound to its adapter. A channel says what it supports by what it implements, so asking it
 * for a flow it lacks is a routing or wiring bug (the catalog offered it for something it cannot do): thrown, never
 * treated as an answer from the channel.
 */
export function flowOf<F extends ChannelFlow>(channel: ChannelAdapter, flow: F): NonNullable<ChannelAdapter[F]> {
  const method = channel[flow];
  if (typeof method !== 'function') throw new Error(`Channel ${channel.id} does not support ${flow}`);
  return method.bind(channel) as NonNullable<ChannelAdapter[F]>;
}
