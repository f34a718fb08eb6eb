import type { AuthorizationOutcome } from '../domain/authorization.js';
import type { Order } from '../domain/order.js';
import { accounts } from './accounts.js';
import { expireHold, placeHold, postHold, voidHold, type Hold, type HoldStep } from './holds.js';

/**
 * A pre-authorization in the ledger (docs/decisions.md, entry 139): a hold of `amountAuthorized` on the channel's
 * memo account `platform:authorizations:<channel>`, placed in the commit that makes the order AUTHORIZED and ended in
 * the commit that ends the authorization. The memo pair (memo account → hold account) touches no merchant balance:
 * the money is not the platform's until it is captured (entry 117), and the capture's payment entry, unchanged,
 * books what was taken. Pure: the state writer commits each step with the order's transition.
 */

interface StepContext {
  readonly entryId: string;
  readonly nowMs: number;
}

/** The hold's id: the attempt's, since an attempt is authorized at most once. */
export const authorizationHoldId = (paymentId: string): string => paymentId;

/** What the ledger needs of an authorization: whose, how much, at which channel, until when. */
export interface AuthorizationRef {
  readonly orderId: string;
  readonly merchantId: string;
  readonly currency: Order['currency'];
  readonly paymentId: string;
  readonly channel: string;
  readonly amountAuthorized: number;
  readonly captureBefore: string;
}

/** The authorization an order that has just become AUTHORIZED carries. */
export function authorizationOf(order: Order): AuthorizationRef {
  const payment = order.payment;
  if (order.status !== 'AUTHORIZED' || !payment?.channel || !payment.amountAuthorized || !payment.captureBefore) {
    throw new Error(`order ${order.id} is not an authorization with an amount, a channel and a captureBefore`);
  }
  return {
    orderId: order.id,
    merchantId: order.merchantId,
    currency: order.currency,
    paymentId: payment.id,
    channel: payment.channel,
    amountAuthorized: payment.amountAuthorized,
    captureBefore: payment.captureBefore,
  };
}

/** The hold an authorization places: its amount, on its channel's memo account, until captureBefore. */
export function placeAuthorizationHold(a: AuthorizationRef, ctx: StepContext): HoldStep {
  const memo = accounts.authorizations(a.channel);
  return placeHold(
    {
      id: authorizationHoldId(a.paymentId),
      merchantId: a.merchantId,
      orderId: a.orderId,
      channel: a.channel,
      currency: a.currency,
      amount: a.amountAuthorized,
      // Both sides are the memo account: a post gives the captured part back to it as a void gives all of it, so the
      // memo holds exactly what channels still hold for us.
      debitAccount: memo,
      creditAccount: memo,
      expiresAt: a.captureBefore,
    },
    ctx,
  );
}

/**
 * How the channel's answer ends the hold, or undefined when there is nothing to end (no hold: an authorization
 * older than holds; already ended; `released`: the channel still holds it). A capture posts the captured amount and
 * releases the rest; a void voids; the expiry's void, once `expiresAt` has come, expires. A capture the channel made
 * but that is committed after `expiresAt` (the janitor found it late) cannot post a hold TigerBeetle's way, so the
 * hold expires and the payment entry alone books the money.
 */
export function endAuthorizationHold(
  hold: Hold | undefined,
  outcome: AuthorizationOutcome,
  closeReason: string | null,
  ctx: StepContext,
): HoldStep | undefined {
  if (!hold || hold.status !== 'PENDING' || outcome.kind === 'released') return undefined;
  const expired = ctx.nowMs >= Date.parse(hold.expiresAt);
  if (outcome.kind === 'captured') return expired ? expireHold(hold, ctx) : postHold(hold, outcome.amount, ctx);
  return expired && closeReason === 'authorization_expired' ? expireHold(hold, ctx) : voidHold(hold, ctx);
}
