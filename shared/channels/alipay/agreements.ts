import { periodLimitsOf } from '../../domain/agreement-rules.js';
import type { ChannelAgreementQueryState, ChannelAgreementState, CreatePaymentRequest, SignAgreementRequest, VerifiedCallback } from '../../ports/channel-flows.js';
import { ALIPAY_CATALOG } from './catalog.js';
import { chinaTime, toYuan } from './transformers.js';

/**
 * Alipay 周期扣款 (CYCLE_PAY_AUTH, recurring debit) on the wire: `alipay.user.agreement.page.sign` is a page the payer
 * opens (here: the QR code of its signed URL, access channel QRCODE); Alipay reports the signing and the payer's
 * unsigning by `dut_user_sign` / `dut_user_unsign` notifications to the page request's notify_url; the merchant ends it
 * with `alipay.user.agreement.unsign`; a debit is `alipay.trade.pay` with product_code CYCLE_PAY_AUTH and
 * `agreement_params.agreement_no`. Our agreement id is `external_agreement_no`; Alipay's `agreement_no` is the token.
 */

/** The personal product and the scene the merchant contracted with Alipay for its recurring debits. */
export const PERSONAL_PRODUCT_CODE = 'CYCLE_PAY_AUTH_P';
export const SIGN_SCENE = 'INDUSTRY|DEFAULT_SCENE';
export const CYCLE_PRODUCT_CODE = 'CYCLE_PAY_AUTH';

/**
 * Alipay wants a period rule with every recurring-debit agreement; the platform's agreements have no schedule, so the
 * rule is the catalog row's `period_limits` (the same data refuseDebit judges each debit by): its period from the
 * signing day (execute_time), its sum per period as total_amount, its count per period as total_payments, and the
 * merchant's per-debit limit as single_amount (docs/decisions.md, 133 and 175).
 */
export function pageSignBiz(request: SignAgreementRequest, now: Date): Record<string, unknown> {
  const rule = periodLimitsOf(ALIPAY_CATALOG.agreementRules ?? []);
  return {
    personal_product_code: PERSONAL_PRODUCT_CODE,
    product_code: CYCLE_PRODUCT_CODE,
    sign_scene: SIGN_SCENE,
    external_agreement_no: request.agreementId,
    ...(request.customerId ? { external_logon_id: request.customerId } : {}),
    access_params: { channel: 'QRCODE' },
    period_rule_params: {
      period_type: 'DAY',
      period: rule?.periodDays ?? 7,
      execute_time: chinaTime(now).slice(0, 10),
      ...(request.maxAmountPerDebit === undefined ? {} : { single_amount: toYuan(request.maxAmountPerDebit) }),
      ...(rule ? { total_amount: toYuan(rule.maxAmount), total_payments: rule.maxDebits } : {}),
    },
  };
}

export function unsignBiz(externalAgreementNo: string): Record<string, unknown> {
  return { external_agreement_no: externalAgreementNo, personal_product_code: PERSONAL_PRODUCT_CODE, sign_scene: SIGN_SCENE };
}

/**
 * alipay.user.agreement.query by our external_agreement_no, with the product and scene the agreement was signed under
 * (Alipay wants a sign scene other than the default with an external number): no payer id is known before the signing.
 */
export function agreementQueryBiz(externalAgreementNo: string): Record<string, unknown> {
  return { personal_product_code: PERSONAL_PRODUCT_CODE, sign_scene: SIGN_SCENE, external_agreement_no: externalAgreementNo };
}

/**
 * A verified query answer (code 10000): NORMAL is signed, with agreement_no as the token; TEMP (暂存, never in
 * force) is not signed. Undefined for an answer about another agreement or product, or a status we cannot act on
 * (STOP, 暂停): never guessed into an agreement change.
 */
export function agreementFromQuery(externalAgreementNo: string, answer: Readonly<Record<string, unknown>>): ChannelAgreementQueryState | undefined {
  if (answer.external_agreement_no !== externalAgreementNo || answer.personal_product_code !== PERSONAL_PRODUCT_CODE) return undefined;
  if (answer.status === 'TEMP') return { status: 'not_signed', agreementId: externalAgreementNo };
  const token = answer.agreement_no;
  if (answer.status !== 'NORMAL' || typeof token !== 'string' || token === '') return undefined;
  return { status: 'active', agreementId: externalAgreementNo, token };
}

/** The query's sub_code for an agreement Alipay does not hold (never signed, or unsigned since). */
export const AGREEMENT_NOT_EXIST = 'USER_AGREEMENT_NOT_EXIST';

export function cyclePayBiz(request: CreatePaymentRequest, agreementNo: string): Record<string, unknown> {
  return {
    out_trade_no: request.paymentId,
    total_amount: toYuan(request.amount),
    subject: request.subject.slice(0, 256),
    product_code: CYCLE_PRODUCT_CODE,
    agreement_params: { agreement_no: agreementNo },
  };
}

/** Sub-codes of alipay.trade.pay that are a definite "no" for a debit: nothing was charged. */
export const CYCLE_PAY_DECLINES: ReadonlySet<string> = new Set([
  'ACQ.AGREEMENT_NOT_EXIST',
  'ACQ.AGREEMENT_INVALID',
  'ACQ.AGREEMENT_STATUS_NOT_NORMAL',
  'ACQ.AGREEMENT_ERROR',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH',
  'ACQ.PAYMENT_AUTH_CODE_INVALID',
  'ACQ.TOTAL_FEE_EXCEED',
  // The period rule's refusals: a debit outside its dates, above its sum or past its count.
  'ACQ.CYCLE_PAY_DATE_NOT_MATCH',
  'ACQ.CYCLE_PAY_SINGLE_FEE_EXCEED',
  'ACQ.CYCLE_PAY_TOTAL_FEE_EXCEED',
  'ACQ.CYCLE_PAY_TOTAL_TIMES_EXCEED',
]);

/**
 * A verified `dut_user_sign` (status NORMAL) or `dut_user_unsign` (status UNSIGN) notification; undefined for any other
 * notify_type (a trade notification), a notice without its numbers, or a status that contradicts its type.
 */
export function agreementFromNotify(params: Readonly<Record<string, string>>): VerifiedCallback | 'malformed' | undefined {
  if (params.notify_type !== 'dut_user_sign' && params.notify_type !== 'dut_user_unsign') return undefined;
  const agreementId = params.external_agreement_no;
  const token = params.agreement_no;
  if (!params.notify_id || !agreementId || !token || params.personal_product_code !== PERSONAL_PRODUCT_CODE) return 'malformed';
  let state: ChannelAgreementState;
  if (params.notify_type === 'dut_user_sign' && params.status === 'NORMAL') state = { status: 'active', agreementId, token };
  // Alipay notifies an unsign the payer made in Alipay; the merchant's own unsign call is answered synchronously.
  else if (params.notify_type === 'dut_user_unsign' && params.status === 'UNSIGN') state = { status: 'terminated', agreementId, token, terminatedBy: 'payer' };
  else return 'malformed';
  return { kind: 'agreement', state, callbackId: params.notify_id };
}
