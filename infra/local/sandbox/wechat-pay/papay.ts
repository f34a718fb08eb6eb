import { randomBytes } from 'node:crypto';
import type { WechatPaySandboxKeys } from '../../../../shared/channels/wechat-pay/credentials.js';
import type { PreEntrustSignBody } from '../../../../shared/channels/wechat-pay/papay.js';
import { toWechatTime } from '../../../../shared/channels/wechat-pay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';
import { WechatError } from './errors.js';
import { transactionView, type SandboxTrade } from './records.js';

const CHANNEL = 'wechat_pay';
const OUT_CONTRACT_CODE = /^[A-Za-z0-9_\-|*@]{1,32}$/;
const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;

/** A signed notice of this emulator (built by the emulator: platform signature, APIv3 encryption, retries). */
export type PapayNotify = (eventType: string, summary: string, resource: Record<string, unknown>, url: string) => Promise<void>;

/**
 * What the sandbox keeps per 委托代扣 contract. `UNSIGNED` is the pre-signed session nobody has scanned yet (WeChat
 * has no contract then: the query answers CONTRACT_NOT_EXIST); `deductions` lists the out_trade_no of every
 * deduction applied under it, for the sandbox's own inspection (`GET /agreements/{code}`).
 */
export interface SandboxContract extends Omit<PreEntrustSignBody, 'sign_scene'> {
  readonly mchid: string;
  readonly pre_entrustweb_id: string;
  readonly redirect_url: string;
  readonly contract_state: 'UNSIGNED' | 'SIGNED' | 'TERMINATED';
  readonly contract_id?: string;
  readonly openid?: string;
  readonly contract_signed_time?: string;
  readonly contract_terminate_info?: { readonly contract_termination_mode: 'USER' | 'MCH_API'; readonly contract_terminated_time: string };
  readonly deductions: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * The WeChat Pay sandbox's 委托代扣 (papay v3): pre-sign for a QR code, the payer's signing and unsigning (the sandbox
 * endpoints `POST /agreements/{out_contract_code}/sign|unsign`), each followed by its signed PAPAY.SIGN /
 * PAPAY.TERMINATE notice to contract_notify_url; the contract query and the merchant's termination by
 * out_contract_code; deductions applied under a SIGNED contract only (charged at once in the sandbox, notified as
 * TRANSACTION.SUCCESS and found by the ordinary transaction query), refused CONTRACT_ERROR once it is terminated.
 */
export class WechatPapay {
  constructor(
    private readonly store: SandboxStore,
    private readonly keys: WechatPaySandboxKeys,
    private readonly now: () => Date,
    private readonly notify: PapayNotify,
  ) {}

  async preEntrustSign(body: Record<string, unknown>): Promise<Answer> {
    const request = this.validatePreSign(body);
    const session = randomBytes(12).toString('hex');
    const contract: SandboxContract = {
      ...request,
      mchid: this.keys.mchId,
      pre_entrustweb_id: `5778aadY9nltAsZzXixCkFIGYnV2V${session}`,
      redirect_url: `https://payapp.weixin.qq.com/papay/entrustweb?pre_entrustweb_id=${session}`,
      contract_state: 'UNSIGNED',
      deductions: [],
    };
    const key = contractKey(request.out_contract_code);
    const stored = (await this.store.put(CHANNEL, key, contract, 0)) ? contract : (await this.store.get<SandboxContract>(CHANNEL, key))!.value;
    // The same out_contract_code again: the same session for the same content, a refusal for other content.
    if (stored.plan_id !== request.plan_id || stored.contract_notify_url !== request.contract_notify_url || stored.appid !== request.appid) {
      throw new WechatError(400, 'PARAM_ERROR', '商户签约协议号已存在且签约信息不一致');
    }
    if (stored.contract_state !== 'UNSIGNED') throw new WechatError(400, 'CONTRACT_EXISTED', '该协议号已签约');
    return { status: 200, body: { pre_entrustweb_id: stored.pre_entrustweb_id, redirect_url: stored.redirect_url } };
  }

  async query(planId: string, outContractCode: string): Promise<Answer> {
    const contract = await this.signedOnce(planId, outContractCode);
    return { status: 200, body: contractView(contract) };
  }

  /** 商户解约: a SIGNED contract ends (mode MCH_API) and WeChat notifies PAPAY.TERMINATE; again, the same answer. */
  async terminate(planId: string, outContractCode: string): Promise<Answer> {
    await this.signedOnce(planId, outContractCode);
    const ended = await this.update(outContractCode, (contract) => (contract.contract_state === 'SIGNED' ? this.ended(contract, 'MCH_API') : contract));
    if (ended.changed) await this.notify('PAPAY.TERMINATE', '解约成功', contractView(ended.contract), ended.contract.contract_notify_url);
    return { status: 200, body: contractView(ended.contract) };
  }

  /** 受理扣款: under a SIGNED contract of this merchant only; the sandbox payer's balance always covers it. */
  async applyDeduct(body: Record<string, unknown>): Promise<Answer> {
    const { appid, out_trade_no, description, transaction_notify_url, contract_id } = body;
    const amount = body.amount as { total?: unknown; currency?: unknown } | undefined;
    if (appid !== this.keys.appId) throw new WechatError(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mchid 不匹配');
    if (typeof out_trade_no !== 'string' || !OUT_TRADE_NO.test(out_trade_no)) throw new WechatError(400, 'PARAM_ERROR', 'out_trade_no 格式错误');
    if (typeof description !== 'string' || description === '') throw new WechatError(400, 'PARAM_ERROR', 'description 不能为空');
    if (typeof transaction_notify_url !== 'string' || !/^https?:\/\/\S+$/.test(transaction_notify_url)) throw new WechatError(400, 'PARAM_ERROR', 'transaction_notify_url 格式错误');
    if (!Number.isSafeInteger(amount?.total) || (amount!.total as number) < 1 || (amount!.currency ?? 'CNY') !== 'CNY') {
      throw new WechatError(400, 'PARAM_ERROR', 'amount.total 必须为正整数（分），仅支持 CNY');
    }
    const pointer = typeof contract_id === 'string' ? await this.store.get<{ out_contract_code: string }>(CHANNEL, `contractid#${contract_id}`) : undefined;
    const contract = pointer && (await this.store.get<SandboxContract>(CHANNEL, contractKey(pointer.value.out_contract_code)))?.value;
    if (!contract) throw new WechatError(400, 'CONTRACT_NOT_EXIST', '签约协议不存在');
    if (contract.contract_state !== 'SIGNED') throw new WechatError(400, 'CONTRACT_ERROR', '签约协议已解约');
    const total = amount!.total as number;
    const paidAt = toWechatTime(this.now().toISOString());
    const trade: SandboxTrade = {
      appid,
      mchid: this.keys.mchId,
      out_trade_no,
      description,
      notify_url: transaction_notify_url,
      time_expire: toWechatTime(new Date(this.now().getTime() + 86_400_000).toISOString()),
      amount: { total, currency: 'CNY' },
      code_url: '',
      create_time: paidAt,
      trade_state: 'SUCCESS',
      trade_type: 'PAP',
      transaction_id: `4200${Array.from(randomBytes(24), (b) => String(b % 10)).join('')}`,
      success_time: paidAt,
      refunds: {},
    };
    if (!(await this.store.put(CHANNEL, `payment#${out_trade_no}`, trade, 0))) {
      // A retried apply of the same deduction is the same deduction; another one under that number is refused.
      const existing = (await this.store.get<SandboxTrade>(CHANNEL, `payment#${out_trade_no}`))!.value;
      if (existing.amount.total !== total || existing.trade_type !== 'PAP') throw new WechatError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
      return { status: 200, body: { out_trade_no, amount: existing.amount } };
    }
    await this.update(contract.out_contract_code, (c) => ({ ...c, deductions: [...c.deductions, out_trade_no] }));
    await this.notify('TRANSACTION.SUCCESS', '支付成功', transactionView(trade), transaction_notify_url);
    return { status: 200, body: { out_trade_no, amount: trade.amount } };
  }

  /**
   * The sandbox's payer endpoints name a contract by the agreement's `channelAgreementId` as the platform shows it:
   * our out_contract_code while it waits for the payer, WeChat's contract_id once signed. Either finds it.
   */
  async outContractCodeOf(id: string): Promise<string> {
    if (await this.store.get<SandboxContract>(CHANNEL, contractKey(id))) return id;
    return (await this.store.get<{ out_contract_code: string }>(CHANNEL, `contractid#${id}`))?.value.out_contract_code ?? id;
  }

  /**
   * The sandbox payer scans the code and agrees: SIGNED with a contract_id, PAPAY.SIGN sent (again, if repeated), unless
   * `notify` is false: the notice is lost, and only the contract query tells the merchant (docs/decisions.md, 240).
   */
  async payerSigns(outContractCode: string, notify = true): Promise<Answer> {
    const signed = await this.update(outContractCode, (contract) => {
      if (contract.contract_state === 'TERMINATED') throw new WechatError(409, 'CONTRACT_TERMINATED', '协议已解约');
      if (contract.contract_state === 'SIGNED') return contract;
      return {
        ...contract,
        contract_state: 'SIGNED',
        contract_id: `2020${Array.from(randomBytes(14), (b) => String(b % 10)).join('')}`,
        openid: `oSandbox${randomBytes(9).toString('base64url')}`,
        contract_signed_time: toWechatTime(this.now().toISOString()),
      };
    });
    if (signed.changed) await this.store.put(CHANNEL, `contractid#${signed.contract.contract_id}`, { out_contract_code: outContractCode });
    if (notify) await this.notify('PAPAY.SIGN', '签约成功', contractView(signed.contract), signed.contract.contract_notify_url);
    return { status: 200, body: contractView(signed.contract) };
  }

  /** The sandbox payer ends the contract in WeChat (mode USER): PAPAY.TERMINATE sent (again, if repeated). */
  async payerUnsigns(outContractCode: string): Promise<Answer> {
    const ended = await this.update(outContractCode, (contract) => {
      if (contract.contract_state === 'UNSIGNED') throw new WechatError(409, 'CONTRACT_NOT_EXIST', '协议未签约');
      return contract.contract_state === 'SIGNED' ? this.ended(contract, 'USER') : contract;
    });
    await this.notify('PAPAY.TERMINATE', '解约成功', contractView(ended.contract), ended.contract.contract_notify_url);
    return { status: 200, body: contractView(ended.contract) };
  }

  /** The sandbox's own view of a contract (any state, with its deductions): for tests and people, not the platform. */
  async inspect(outContractCode: string): Promise<Answer> {
    const contract = (await this.store.get<SandboxContract>(CHANNEL, contractKey(outContractCode)))?.value;
    if (!contract) throw new WechatError(404, 'CONTRACT_NOT_EXIST', '协议不存在');
    return { status: 200, body: { ...contractView(contract), contract_state: contract.contract_state, deductions: contract.deductions } };
  }

  private ended(contract: SandboxContract, mode: 'USER' | 'MCH_API'): SandboxContract {
    return { ...contract, contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: mode, contract_terminated_time: toWechatTime(this.now().toISOString()) } };
  }

  /** A contract WeChat knows: signed once (SIGNED or TERMINATED) under this plan. */
  private async signedOnce(planId: string, outContractCode: string): Promise<SandboxContract> {
    const contract = (await this.store.get<SandboxContract>(CHANNEL, contractKey(outContractCode)))?.value;
    if (!contract || contract.contract_state === 'UNSIGNED' || String(contract.plan_id) !== planId) throw new WechatError(404, 'CONTRACT_NOT_EXIST', '签约协议不存在');
    return contract;
  }

  private validatePreSign(body: Record<string, unknown>) {
    const { sign_scene, appid, plan_id, out_contract_code, contract_display_account, contract_notify_url, out_user_code } = body;
    if (sign_scene !== 'SIGN_SCENE_QRCODE' && sign_scene !== 'SIGN_SCENE_APP') throw new WechatError(400, 'PARAM_ERROR', 'sign_scene 不正确');
    if (appid !== this.keys.appId) throw new WechatError(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mchid 不匹配');
    if (!Number.isSafeInteger(plan_id) || (plan_id as number) < 1) throw new WechatError(400, 'PARAM_ERROR', 'plan_id 不正确');
    if (typeof out_contract_code !== 'string' || !OUT_CONTRACT_CODE.test(out_contract_code)) throw new WechatError(400, 'PARAM_ERROR', 'out_contract_code 格式错误');
    if (typeof contract_display_account !== 'string' || contract_display_account === '') throw new WechatError(400, 'PARAM_ERROR', 'contract_display_account 不能为空');
    if (typeof contract_notify_url !== 'string' || !/^https?:\/\/\S+$/.test(contract_notify_url)) throw new WechatError(400, 'PARAM_ERROR', 'contract_notify_url 格式错误');
    if (typeof out_user_code !== 'string' || out_user_code === '') throw new WechatError(400, 'PARAM_ERROR', 'out_user_code 不能为空');
    return { appid, plan_id: plan_id as number, out_contract_code, contract_display_account, contract_notify_url, out_user_code };
  }

  /** Read-modify-write of one contract under the store's version, retried when another request changed it first. */
  private async update(outContractCode: string, change: (contract: SandboxContract) => SandboxContract): Promise<{ contract: SandboxContract; changed: boolean }> {
    for (;;) {
      const stored = await this.store.get<SandboxContract>(CHANNEL, contractKey(outContractCode));
      if (!stored) throw new WechatError(404, 'CONTRACT_NOT_EXIST', '协议不存在');
      const next = change(stored.value);
      if (next === stored.value) return { contract: next, changed: false };
      if (await this.store.put(CHANNEL, contractKey(outContractCode), next, stored.version)) return { contract: next, changed: true };
    }
  }
}

const contractKey = (outContractCode: string): string => `contract#${outContractCode}`;

/** The contract as the query answers it and a PAPAY.* notice carries it (never the UNSIGNED session). */
export function contractView(contract: SandboxContract): Record<string, unknown> {
  return {
    mchid: contract.mchid,
    appid: contract.appid,
    plan_id: contract.plan_id,
    out_contract_code: contract.out_contract_code,
    contract_display_account: contract.contract_display_account,
    out_user_code: contract.out_user_code,
    ...(contract.contract_id ? { contract_id: contract.contract_id } : {}),
    ...(contract.openid ? { openid: contract.openid } : {}),
    contract_state: contract.contract_state,
    ...(contract.contract_signed_time ? { contract_signed_time: contract.contract_signed_time } : {}),
    ...(contract.contract_terminate_info ? { contract_terminate_info: contract.contract_terminate_info } : {}),
  };
}
