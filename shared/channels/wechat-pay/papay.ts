import type { ChannelAgreementState, CreatePaymentRequest, SignAgreementRequest } from '../../ports/channel-flows.js';
import { toFen, truncateUtf8 } from './transformers.js';

/**
 * WeChat Pay v3 委托代扣 (papay, entrusted deduction) on the wire: the pre-sign that gives the QR code the payer scans
 * (`POST /v3/papay/sign/contracts/pre-entrust-sign`, sign_scene SIGN_SCENE_QRCODE), the contract as the query and the
 * PAPAY.SIGN / PAPAY.TERMINATE notices carry it, the merchant's termination by out_contract_code, and the deduction
 * (`POST /v3/papay/pay/transactions/apply` with contract_id). Our agreement id is `out_contract_code`, so a retried
 * pre-sign is the same contract and every notice leads back to the agreement; WeChat's `contract_id` is the token.
 */

/**
 * The 委托代扣模板 (plan) the merchant configured on WeChat's merchant platform: which product, the amount cap, the
 * display name. A deployment sets its own through the adapter's options; the sandbox accepts any positive plan id.
 */
export const DEFAULT_PAPAY_PLAN_ID = 12535;

export interface PreEntrustSignBody {
  readonly sign_scene: 'SIGN_SCENE_QRCODE';
  readonly appid: string;
  readonly plan_id: number;
  readonly out_contract_code: string;
  readonly contract_display_account: string;
  readonly contract_notify_url: string;
  readonly out_user_code: string;
}

export function preEntrustSignBody(request: SignAgreementRequest, appId: string, planId: number): PreEntrustSignBody {
  return {
    sign_scene: 'SIGN_SCENE_QRCODE',
    appid: appId,
    plan_id: planId,
    out_contract_code: request.agreementId,
    // Shown to the payer on WeChat's signing page; the platform's customer id is the account the merchant debits.
    contract_display_account: truncateUtf8(request.customerId ?? request.agreementId, 32),
    contract_notify_url: request.callbackUrl,
    out_user_code: request.customerId ?? request.agreementId,
  };
}

export interface ApplyDeductBody {
  readonly appid: string;
  readonly out_trade_no: string;
  readonly description: string;
  readonly transaction_notify_url: string;
  readonly contract_id: string;
  readonly amount: { readonly total: number; readonly currency: string };
}

/** 受理扣款: our attempt id is out_trade_no, as for Native payments, so the ordinary transaction query finds it. */
export function applyDeductBody(request: CreatePaymentRequest, appId: string, contractId: string): ApplyDeductBody {
  return {
    appid: appId,
    out_trade_no: request.paymentId,
    description: truncateUtf8(request.subject, 127) || request.orderId,
    transaction_notify_url: request.callbackUrl,
    contract_id: contractId,
    amount: { total: toFen(request.amount, request.currency), currency: request.currency },
  };
}

/** A contract as the contract query answers it and a PAPAY.* notice carries it (decrypted). */
export interface WechatContract {
  readonly mchid?: string;
  readonly appid?: string;
  readonly plan_id?: number;
  readonly out_contract_code?: string;
  readonly contract_id?: string;
  readonly contract_state?: string;
  readonly contract_terminate_info?: { readonly contract_termination_mode?: string; readonly contract_terminated_time?: string };
}

/**
 * WeChat's contract_termination_mode: USER (the payer, in WeChat), MCH_API (our terminate call), PLATFORM / EXPIRE
 * (WeChat ended it: expired, risk). The payer's unsign is the contract's "payer"; everything else is not the payer.
 */
const PAYER_TERMINATION_MODES: ReadonlySet<string> = new Set(['USER']);

/** Undefined for a state we do not know or a contract without its numbers: never guessed into an agreement change. */
export function contractState(contract: WechatContract): ChannelAgreementState | undefined {
  const agreementId = contract.out_contract_code;
  const token = contract.contract_id;
  if (typeof agreementId !== 'string' || agreementId === '' || typeof token !== 'string' || token === '') return undefined;
  if (contract.contract_state === 'SIGNED') return { status: 'active', agreementId, token };
  if (contract.contract_state !== 'TERMINATED') return undefined;
  const mode = contract.contract_terminate_info?.contract_termination_mode ?? '';
  return { status: 'terminated', agreementId, token, terminatedBy: PAYER_TERMINATION_MODES.has(mode) ? 'payer' : 'merchant' };
}

/** Refusals of a deduction that are final for that contract: the debit is declined, nothing was charged. */
export const DEDUCT_BUSINESS_ERRORS: ReadonlySet<string> = new Set(['CONTRACT_NOT_EXIST', 'CONTRACT_ERROR', 'NOT_ENOUGH', 'USER_ACCOUNT_ABNORMAL']);
