import type { RoutingDecision } from '../domain/channel-ranking.js';
import type { CardSummary } from '../domain/card.js';
import type { Order } from '../domain/order.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import type { MerchantFees } from '../domain/fees.js';
import type { RiskDecision } from '../domain/risk.js';
import type { CounterIncrement } from '../domain/velocity.js';
import type { SealedBox } from './key-center.js';

/**
 * The pay workflow (risk → route → channel → commit), run by Step Functions in AWS and by aws-local-stepfunctions
 * locally, from the same definition. Its input never holds a card number: only the sealed card.
 */
export interface PayWorkflowInput {
  /** The order, claimed (PROCESSING) for this payment; the risk step reads it. */
  readonly orderId: string;
  readonly merchantId: string;
  readonly paymentId: string;
  /** Card methods only: the card sealed for the charge step. */
  readonly sealedCard?: SealedBox;
  /** Card methods only (null for wallets and banks). */
  readonly card: CardSummary | null;
  /** netbank: the payer's bank, if the merchant chose one. */
  readonly bank?: string;
  readonly payer: { readonly id?: string; readonly ip?: string };
  readonly challengeAmount: number;
  /** The merchant's fee schedule, read when the pay began (shared/domain/fees.ts). */
  readonly fees: MerchantFees;
}

export interface RouteState {
  readonly candidates: readonly string[];
  readonly attempt: number;
  /** The channel to try now; null when none is left. */
  readonly channel: string | null;
  /** The attempt id for the channel tried now: the pay request's first, a new one after each failover. */
  readonly paymentId?: string;
  /** Attempt ids chosen up front (one per candidate, plus one), so a retried failover step picks the same one. */
  readonly paymentIds?: readonly string[];
  /** Why the first candidate was chosen, with every candidate considered (absent in workflows started before it). */
  readonly routing?: RoutingDecision;
  /** The half-open channel whose probe this payment was granted (its outcome decides the circuit), if any. */
  readonly probes?: readonly string[];
}

/**
 * The data the states pass along; each task adds its part under its own ResultPath. The risk step adds `order`, as
 * claimed: the commit is conditioned on its version. Before it (and in ReleaseClaim after a failed risk step) the
 * order is not in the state.
 */
export interface PayWorkflowState extends PayWorkflowInput {
  readonly order?: Order;
  readonly risk?: RiskDecision;
  /** What this attempt adds to its velocity counters, written with its outcome (none without velocity rules). */
  readonly velocityCounts?: readonly CounterIncrement[];
  readonly route?: RouteState;
  /** The channel's answer; `callLatencyMs` when the commit is to count the call in the channel's health (decision 204). */
  readonly charge?: AttemptOutcome & { readonly callLatencyMs?: number };
  readonly error?: { readonly Error: string; readonly Cause?: string };
}

export interface PayWorkflowResult {
  readonly order: Order;
  readonly outcome: AttemptOutcome['outcome'] | 'blocked';
  readonly declineCode: string | null;
  readonly declineMessage: string | null;
}

export type PayWorkflowExecution =
  | { readonly status: 'SUCCEEDED'; readonly output: PayWorkflowResult }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string };

export interface PayWorkflow {
  run(input: PayWorkflowInput): Promise<PayWorkflowExecution>;
}
