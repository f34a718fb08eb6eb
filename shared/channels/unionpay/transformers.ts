import type { CardInput } from '../../domain/card.js';
import type { Currency } from '../../domain/money.js';
import type { CreatePaymentRequest, CreatePaymentResult } from '../../ports/channel-flows.js';
import { encryptCardField, type UnionpayCredentials } from './credentials.js';
import { RESERVED, RESP, TXN_TYPE, UNIONPAY_COMMON, UNIONPAY_CURRENCY, unionpayTxnTime } from './wire.js';

/** Request and answer mapping between the channel port and UnionPay's fields; no I/O here. */

/** The order ids of the follow-up transactions: one per payment and flow, so a retried call is a duplicate there. */
export const captureOrderId = (paymentId: string): string => `${paymentId}C`;
export const voidOrderId = (paymentId: string): string => `${paymentId}V`;

export function baseFields(credentials: UnionpayCredentials, txnType: string, orderId: string, now: Date): Record<string, string> {
  const txnSubType = txnType === TXN_TYPE.purchase || txnType === TXN_TYPE.preauth ? '01' : '00';
  return { ...UNIONPAY_COMMON, txnType, txnSubType, merId: credentials.merId, orderId, txnTime: unionpayTxnTime(now) };
}

/** `txnAmt` is in the currency's minor unit already (fen for CNY, yen for JPY): integers end to end. */
export function amountFields(amount: number, currency: Currency): Record<string, string> {
  return { txnAmt: String(amount), currencyCode: UNIONPAY_CURRENCY[currency] };
}

/** The card number and its CVN2 and expiry leave only encrypted to UnionPay's certificate, inside the body. */
export function cardFields(card: CardInput, credentials: UnionpayCredentials): Record<string, string> {
  const expired = `${String(card.expYear % 100).padStart(2, '0')}${String(card.expMonth).padStart(2, '0')}`;
  const encryptedInfo = encryptCardField(`cvn2=${card.cvc}&expired=${expired}`, credentials.encryptCert);
  return {
    accNo: encryptCardField(card.number, credentials.encryptCert),
    customerInfo: Buffer.from(`{encryptedInfo=${encryptedInfo}}`, 'utf8').toString('base64'),
    encryptCertId: credentials.encryptCert.certId,
  };
}

export function purchaseFields(request: CreatePaymentRequest & { readonly card: CardInput }, credentials: UnionpayCredentials, now: Date): Record<string, string> {
  return {
    ...baseFields(credentials, request.capture ? TXN_TYPE.purchase : TXN_TYPE.preauth, request.paymentId, now),
    ...amountFields(request.amount, request.currency),
    ...cardFields(request.card, credentials),
    backUrl: request.callbackUrl,
    reqReserved: request.capture ? RESERVED.purchase : RESERVED.preauth,
  };
}

const DECLINES: Readonly<Record<string, { code: string; message: string }>> = {
  [RESP.declined]: { code: 'card_declined', message: 'The card was declined.' },
  [RESP.invalidCard]: { code: 'invalid_card_number', message: 'The card number is not valid.' },
  [RESP.insufficientFunds]: { code: 'insufficient_funds', message: 'The card has insufficient funds.' },
  [RESP.badCvn]: { code: 'card_declined', message: 'The CVN2 or expiry date is wrong.' },
  [RESP.tokenNotOpen]: { code: 'card_declined', message: 'The token is not open at UnionPay (the agreement ended there).' },
};

export function declineFor(respCode: string): { code: string; message: string } | undefined {
  return DECLINES[respCode];
}

/** A purchase or pre-authorization's own result code as the port's outcome; undefined when the code says neither. */
export function toCreateResult(respCode: string, queryId: string | undefined, capture: boolean): CreatePaymentResult | undefined {
  if (respCode === RESP.success && queryId) return { outcome: capture ? 'succeeded' : 'authorized', channelPaymentId: queryId };
  const decline = declineFor(respCode);
  return decline ? { outcome: 'declined', channelPaymentId: queryId ?? null, ...decline } : undefined;
}
