import { BALANCE_CHANNEL } from '../domain/customer.js';
import { DomainError } from '../domain/errors.js';
import type { Order, Refund } from '../domain/order.js';
import { accounts } from '../ledger/accounts.js';
import { endHold, openHold } from '../ledger/hold-service.js';
import { LedgerRuleError } from '../ledger/posting.js';
import type { Deps } from './deps.js';
import { scheduleHoldSweep } from './hold-sweep.js';

/**
 * Refunds that move a customer's balance (docs/decisions.md, entries 121 and 122). A top-up's refund gives the payer
 * back money that became stored value, so it is first taken from the customer's balance: a hold on it, placed
 * before the refund's reservation by the balance item's own condition (all or nothing), then posted to the channel
 * with the refund's success or voided with its failure. A balance that was spent refuses the refund (409
 * `insufficient_balance`) before anything else is written, and of a top-up refund and a balance payment that cannot
 * both fit, exactly one commits.
 */

/** How long a top-up refund's hold may wait for the channel's answer; the janitor's query ends it long before. */
const TOPUP_REFUND_HOLD_MS = 30 * 24 * 3600 * 1000;

/**
 * Keeps the refund's amount aside from the customer's balance; 409 `insufficient_balance` when it was spent. The
 * orphaned hold sweep is set first: a crash before the refund's reservation leaves a hold it voids (entry 142).
 */
export async function holdForTopupRefund(deps: Pick<Deps, 'ledger' | 'timers' | 'janitorAfterSeconds'>, order: Order, refund: Refund, nowMs: number): Promise<void> {
  await scheduleHoldSweep(deps, refund.id, nowMs);
  try {
    await openHold(deps.ledger, {
      id: refund.id,
      merchantId: order.merchantId,
      orderId: order.id,
      channel: refund.channel,
      currency: refund.currency,
      amount: refund.amount,
      debitAccount: accounts.customerBalance(order.customerId!),
      creditAccount: accounts.channelClearing(refund.channel),
      expiresAt: new Date(nowMs + TOPUP_REFUND_HOLD_MS).toISOString(),
    }, nowMs);
  } catch (error) {
    if (error instanceof LedgerRuleError && error.reason === 'insufficient_balance') {
      // The contract's 409 for this case; a balance payment's shortfall is the 402 of the same code.
      throw new DomainError(409, 'conflict', 'insufficient_balance', "The customer's balance no longer holds the top-up's amount: it was spent.");
    }
    throw error;
  }
}

/** The reservation lost (a duplicate outRefundNo, or the order's remainder): the hold goes back to the balance. */
export async function releaseTopupRefundHold(deps: Pick<Deps, 'ledger' | 'now'>, refund: Refund): Promise<void> {
  await endHold(deps.ledger, refund.id, { kind: 'void' }, deps.now());
}

/** A balance payment is refunded by the ledger alone: no channel holds its money. */
export const refundsWithoutChannel = (refund: Refund): boolean => refund.channel === BALANCE_CHANNEL;
