import { BALANCE_CHANNEL } from '../domain/customer.js';
import { PaymentDeclinedError, ValidationError } from '../domain/errors.js';
import { NO_FEES } from '../domain/fees.js';
import type { Order } from '../domain/order.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import type { PayOrderRequest } from '../schemas/requests.js';
import { loadCustomer } from './customers.js';
import type { Deps } from './deps.js';
import { paymentQueryKey } from './janitor-timers.js';
import { commitAttemptOutcome, InsufficientBalanceError } from './state-writer.js';

/**
 * Balance payments (contract, "Customers"): the platform's own stored value as a channel of its own, `balance`
 * (docs/decisions.md, entry 121). The attempt is claimed like any other (CREATED → PROCESSING, one winner), then
 * committed at once through the one writer with no channel call: its ledger entry debits the customer's guarded
 * balance in the same transaction as the order's success, so the balance item's own condition decides, and no number
 * of concurrent payments takes it below zero. A debit the balance does not cover commits the attempt FAILED with
 * `insufficient_balance` instead: the order is CREATED again, and the answer is 402.
 */

/** Refused before the claim: a balance pays a sale of this merchant's customer, never a top-up. */
export async function assertBalancePayable(deps: Pick<Deps, 'customers'>, merchantId: string, order: Order, request: PayOrderRequest): Promise<void> {
  if (order.purpose === 'topup') {
    throw new ValidationError('balance_not_allowed_for_topup', 'A top-up cannot be paid from a balance.', 'method');
  }
  await loadCustomer(deps, merchantId, request.customerId!, 'customerId');
}

/** Commits the claimed attempt's outcome: SUCCEEDED with the customer's debit, or FAILED insufficient_balance (402). */
export async function payFromBalance(
  deps: Deps,
  claimed: { orderId: string; paymentId: string },
): Promise<{ statusCode: 200; order: Order }> {
  const ids = { channel: BALANCE_CHANNEL, channelPaymentId: claimed.paymentId };
  const succeeded: AttemptOutcome = { outcome: 'succeeded', ...ids };
  try {
    // No fee: the platform charged its fee when the balance was topped up (entry 120).
    const { order } = await commitAttemptOutcome(deps, { ...claimed, outcome: succeeded, fees: NO_FEES });
    await deps.timers.cancel(paymentQueryKey(claimed.paymentId));
    return { statusCode: 200, order };
  } catch (error) {
    if (!(error instanceof InsufficientBalanceError)) throw error;
  }
  const message = "The customer's balance does not cover the order.";
  const declined: AttemptOutcome = { outcome: 'declined', ...ids, code: 'insufficient_balance', message };
  await commitAttemptOutcome(deps, { ...claimed, outcome: declined, fees: NO_FEES });
  await deps.timers.cancel(paymentQueryKey(claimed.paymentId));
  throw new PaymentDeclinedError('insufficient_balance', message, { orderId: claimed.orderId });
}
