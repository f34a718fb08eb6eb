import type { CardInput } from '../../domain/card.js';
import type { AgreementChannelResult, AgreementRef, CreatePaymentRequest, SignAgreementRequest } from '../../ports/channel-flows.js';
import { encryptCardField, type UnionpayCredentials } from './credentials.js';
import type { UnionpayFields } from './signature.js';
import { amountFields, baseFields, cardFields, declineFor } from './transformers.js';
import { RESERVED, RESP, TXN_TYPE, UNIONPAY_TOKEN, braceFields, readBraceFields } from './wire.js';

/**
 * The token product's requests and answers (无跳转支付 token版, docs/channels.md "UnionPay agreements"); no I/O here.
 * An agreement is an opening: the card once with 开通短信 (77/00), the payer's SMS code with 开通 (79/00), which answers
 * the token; debits are consumptions (01/01) naming the token; terminate is 解除标记 (74/01).
 */

/** Each SMS code and each deletion is a transaction of its own (the payer's own act, a retry of the merchant's). */
export const openOrderId = (agreementId: string, nonce: string): string => `${agreementId}O${nonce}`;
export const deleteOrderId = (agreementId: string, nonce: string): string => `${agreementId}D${nonce}`;

const requestor = { trId: UNIONPAY_TOKEN.trId, tokenType: UNIONPAY_TOKEN.tokenType };

function tokenBase(credentials: UnionpayCredentials, txnType: string, txnSubType: string, orderId: string, now: Date): Record<string, string> {
  return { ...baseFields(credentials, txnType, orderId, now), txnSubType, bizType: UNIONPAY_TOKEN.bizType };
}

/** 开通短信: the card, encrypted to UnionPay, sent this once; the opening's order id is our agreement id. */
export function openingSmsFields(request: SignAgreementRequest & { readonly card: CardInput }, credentials: UnionpayCredentials, now: Date): Record<string, string> {
  return {
    ...tokenBase(credentials, TXN_TYPE.tokenSms, '00', request.agreementId, now),
    ...cardFields(request.card, credentials),
    tokenPayData: braceFields(requestor),
  };
}

/**
 * 开通 with the payer's SMS code (encrypted like card data). Where UnionPay's 开通 repeats the card, this one names the
 * opening by its `origQryId`: the platform holds the card for the one sign call only (docs/decisions.md, 135).
 */
export function openFields(ref: AgreementRef, smsCode: string, credentials: UnionpayCredentials, now: Date, nonce: string): Record<string, string> {
  const encryptedInfo = encryptCardField(`smsCode=${smsCode}`, credentials.encryptCert);
  return {
    ...tokenBase(credentials, TXN_TYPE.tokenOpen, '00', openOrderId(ref.agreementId, nonce), now),
    origQryId: ref.channelAgreementId,
    customerInfo: Buffer.from(`{encryptedInfo=${encryptedInfo}}`, 'utf8').toString('base64'),
    encryptCertId: credentials.encryptCert.certId,
    tokenPayData: braceFields(requestor),
  };
}

/** 解除标记: the token when there is one, and the opening, so an opening still waiting for its code is ended as well. */
export function deleteFields(ref: AgreementRef, credentials: UnionpayCredentials, now: Date, nonce: string): Record<string, string> {
  return {
    ...tokenBase(credentials, TXN_TYPE.tokenDelete, '01', deleteOrderId(ref.agreementId, nonce), now),
    origQryId: ref.channelAgreementId,
    tokenPayData: braceFields({ ...(ref.token ? { token: ref.token } : {}), trId: UNIONPAY_TOKEN.trId }),
  };
}

/** A debit: a consumption naming the token instead of the card, merchant-initiated (no SMS code, no payer present). */
export function tokenPurchaseFields(request: CreatePaymentRequest & { readonly agreementToken: string }, credentials: UnionpayCredentials, now: Date): Record<string, string> {
  return {
    ...tokenBase(credentials, TXN_TYPE.purchase, '01', request.paymentId, now),
    ...amountFields(request.amount, request.currency),
    tokenPayData: braceFields({ token: request.agreementToken, trId: UNIONPAY_TOKEN.trId }),
    backUrl: request.callbackUrl,
    reqReserved: RESERVED.purchase,
  };
}

/** The SMS went out: the opening waits for the payer's code; its queryId is the channel's id for the agreement. */
export function toSignResult(answer: UnionpayFields): AgreementChannelResult | undefined {
  if (answer.respCode === RESP.success && answer.queryId) return { outcome: 'requires_action', channelAgreementId: answer.queryId, action: { type: 'otp' } };
  const decline = declineFor(answer.respCode ?? '');
  return decline ? { outcome: 'declined', channelAgreementId: answer.queryId ?? null, ...decline } : undefined;
}

/** Opened: the token from `tokenPayData` and the card's last four digits from the masked `accNo`. */
export function toOpenResult(answer: UnionpayFields, channelAgreementId: string): AgreementChannelResult | undefined {
  if (answer.respCode === RESP.success) {
    const token = readBraceFields(answer.tokenPayData)?.token;
    const last4 = /(\d{4})$/.exec(answer.accNo ?? '')?.[1];
    return token && last4 ? { outcome: 'active', channelAgreementId, token, brand: 'unionpay', last4 } : undefined;
  }
  if (answer.respCode === RESP.smsCodeWrong) {
    return { outcome: 'declined', channelAgreementId, code: 'authentication_failed', message: 'The SMS code is not the one sent to the payer.' };
  }
  // The opening was ended (deleted) before this code arrived: nothing can open it any more.
  if (answer.respCode === RESP.originalState) return { outcome: 'terminated', channelAgreementId };
  return undefined;
}
