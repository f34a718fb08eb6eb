import { randomBytes } from 'node:crypto';
import { CYCLE_PRODUCT_CODE } from '../../../../shared/channels/alipay/agreements.js';
import { chinaTime, fromYuan, toYuan } from '../../../../shared/channels/alipay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';
import { businessError, newTradeNo, type Answer, type Trade } from './trades.js';

/**
 * What the sandbox Alipay keeps per 周期扣款 agreement (keyed by the merchant's external_agreement_no). `TEMP` is a page
 * session the payer has not signed yet (Alipay has no agreement_no then); `debits` lists the out_trade_no of every
 * alipay.trade.pay made under it, for the sandbox's own inspection (`GET /agreements/{no}`).
 */
export interface SandboxAgreement {
  readonly appId: string;
  readonly externalAgreementNo: string;
  readonly personalProductCode: string;
  readonly signScene: string;
  readonly notifyUrl: string | null;
  /** period_rule_params.single_amount in fen: Alipay refuses a debit above it. */
  readonly singleAmountFen: number | null;
  /** The rest of period_rule_params, as this sandbox reads them (absent on sessions stored before it did). */
  readonly periodRule?: SandboxPeriodRule | null;
  /** Successful debits per period index of periodRule (count and fen): what the period's limits are checked against. */
  readonly periodCounts?: Readonly<Record<string, { readonly count: number; readonly fen: number }>>;
  readonly status: 'TEMP' | 'NORMAL' | 'UNSIGN';
  readonly agreementNo: string | null;
  readonly alipayUserId: string | null;
  readonly signTime: string | null;
  readonly unsignTime: string | null;
  /** Who ended it: the payer in Alipay, or the merchant's alipay.user.agreement.unsign. */
  readonly unsignedBy: 'payer' | 'merchant' | null;
  readonly debits: readonly string[];
}

/**
 * period_rule_params with period_type DAY: periods of `periodDays` days from execute_time (a China date), each allowing
 * total_amount and total_payments at most (read per period, as the platform's rule does: docs/decisions.md, 175).
 */
export interface SandboxPeriodRule {
  readonly periodDays: number;
  readonly executeTime: string;
  readonly totalAmountFen: number | null;
  readonly totalPayments: number | null;
}

const DAY_MS = 86_400_000;

/** The period index of an instant under the rule, negative before execute_time's day (China time, UTC+8). */
function periodIndexAt(rule: SandboxPeriodRule, at: Date): number {
  const startMs = Date.parse(`${rule.executeTime}T00:00:00+08:00`);
  return Math.floor((at.getTime() - startMs) / (rule.periodDays * DAY_MS));
}

/** period_rule_params read: undefined for a rule this sandbox (like Alipay) refuses, null for none of the limits. */
function readPeriodRule(period: Record<string, unknown>): SandboxPeriodRule | undefined {
  const days = Number(period.period);
  if (period.period_type !== 'DAY' || !Number.isInteger(days) || days < 7) return undefined;
  if (typeof period.execute_time !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(period.execute_time)) return undefined;
  const totalAmountFen = period.total_amount === undefined ? null : fromYuan(period.total_amount);
  const totalPayments = period.total_payments === undefined ? null : Number(period.total_payments);
  if (totalAmountFen === undefined || (totalPayments !== null && !(Number.isInteger(totalPayments) && totalPayments > 0))) return undefined;
  return { periodDays: days, executeTime: period.execute_time, totalAmountFen, totalPayments };
}

/** A notification to send: its notify_id, where, and its parameters before notify_time and the signature. */
export interface AgreementNotice {
  readonly notifyId: string;
  readonly url: string;
  readonly params: Record<string, string>;
}

const key = (externalAgreementNo: string): string => `agreement#${externalAgreementNo}`;
const pointerKey = (agreementNo: string): string => `agreementno#${agreementNo}`;

/**
 * The sandbox Alipay's recurring-debit agreements, as the open platform behaves: the page sign records a session,
 * the payer's signing makes it NORMAL with an agreement_no and a `dut_user_sign` notification, the payer's unsigning
 * UNSIGN with `dut_user_unsign`, the merchant's unsign ends it quietly; alipay.trade.pay with CYCLE_PAY_AUTH charges a
 * NORMAL agreement at once (the sandbox payer's balance always covers it) up to its single_amount, and refuses it
 * otherwise (ACQ.AGREEMENT_STATUS_NOT_NORMAL, ACQ.AGREEMENT_NOT_EXIST).
 */
export class AlipayAgreements {
  constructor(
    private readonly store: SandboxStore,
    private readonly channel: string,
    private readonly now: () => Date,
  ) {}

  /** alipay.user.agreement.page.sign, opened: the session is kept; opening it again is the same session. */
  async pageSign(appId: string, biz: Record<string, unknown>, notifyUrl: string | undefined): Promise<Answer> {
    const externalAgreementNo = biz.external_agreement_no;
    const period = biz.period_rule_params as Record<string, unknown> | undefined;
    if (typeof externalAgreementNo !== 'string' || !/^[A-Za-z0-9_]{1,32}$/.test(externalAgreementNo)) return invalid('external_agreement_no');
    if (typeof biz.personal_product_code !== 'string' || typeof biz.sign_scene !== 'string') return invalid('personal_product_code');
    if (biz.product_code !== CYCLE_PRODUCT_CODE || !period) return invalid('period_rule_params');
    const singleAmountFen = period.single_amount === undefined ? null : fromYuan(period.single_amount);
    if (singleAmountFen === undefined) return invalid('single_amount');
    const periodRule = readPeriodRule(period);
    if (!periodRule) return invalid('period_rule_params');
    const session: SandboxAgreement = {
      appId,
      externalAgreementNo,
      personalProductCode: biz.personal_product_code,
      signScene: biz.sign_scene,
      notifyUrl: notifyUrl ?? null,
      singleAmountFen,
      periodRule,
      periodCounts: {},
      status: 'TEMP',
      agreementNo: null,
      alipayUserId: null,
      signTime: null,
      unsignTime: null,
      unsignedBy: null,
      debits: [],
    };
    if (await this.store.put(this.channel, key(externalAgreementNo), session, 0)) return { code: '10000', msg: 'Success' };
    const existing = (await this.get(externalAgreementNo))!;
    if (existing.status !== 'TEMP') return businessError('USER_AGREEMENT_EXIST', '用户协议已存在');
    return { code: '10000', msg: 'Success' };
  }

  /** alipay.user.agreement.unsign by external_agreement_no (or agreement_no): ended by the merchant, no notification. */
  async unsign(biz: Record<string, unknown>): Promise<Answer> {
    const externalNo = typeof biz.external_agreement_no === 'string' ? biz.external_agreement_no : await this.externalNoOf(biz.agreement_no);
    const agreement = externalNo ? await this.get(externalNo) : undefined;
    if (!agreement || agreement.status === 'TEMP') return businessError('USER_AGREEMENT_NOT_EXIST', '用户协议不存在');
    if (agreement.status === 'UNSIGN') return businessError('AGREEMENT_HAS_UNSIGNED', '协议已解约');
    await this.update(agreement.externalAgreementNo, (a) => (a.status === 'NORMAL' ? this.unsigned(a, 'merchant') : a));
    return { code: '10000', msg: 'Success' };
  }

  /**
   * alipay.user.agreement.query by external_agreement_no (or agreement_no), with the product code it was signed under:
   * a NORMAL agreement of this app is answered with its numbers and status; one never signed (the page session) or
   * unsigned since is USER_AGREEMENT_NOT_EXIST, as Alipay holds no agreement for it.
   */
  async query(appId: string, biz: Record<string, unknown>): Promise<Answer> {
    if (typeof biz.personal_product_code !== 'string' || biz.personal_product_code === '') return invalid('personal_product_code');
    const externalNo = typeof biz.external_agreement_no === 'string' ? biz.external_agreement_no : await this.externalNoOf(biz.agreement_no);
    const agreement = externalNo ? await this.get(externalNo) : undefined;
    if (!agreement || agreement.appId !== appId || agreement.personalProductCode !== biz.personal_product_code || agreement.status !== 'NORMAL') {
      return businessError('USER_AGREEMENT_NOT_EXIST', '用户协议不存在');
    }
    const signed = chinaTime(new Date(agreement.signTime!));
    return {
      code: '10000',
      msg: 'Success',
      agreement_no: agreement.agreementNo!,
      external_agreement_no: agreement.externalAgreementNo,
      personal_product_code: agreement.personalProductCode,
      sign_scene: agreement.signScene,
      status: agreement.status,
      principal_id: agreement.alipayUserId!,
      sign_time: signed,
      valid_time: signed,
      invalid_time: '2115-02-01 00:00:00',
      ...(agreement.singleAmountFen === null ? {} : { single_quota: toYuan(agreement.singleAmountFen) }),
    };
  }

  /** alipay.trade.pay with product_code CYCLE_PAY_AUTH: a paid trade at once, or a refusal naming the agreement's fault. */
  async cyclePay(appId: string, biz: Record<string, unknown>, notifyUrl: string | undefined): Promise<Answer | Trade> {
    const outTradeNo = biz.out_trade_no;
    const totalFen = fromYuan(biz.total_amount);
    const agreementNo = (biz.agreement_params as { agreement_no?: unknown } | undefined)?.agreement_no;
    if (typeof outTradeNo !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(outTradeNo)) return invalid('out_trade_no');
    if (totalFen === undefined || totalFen < 1) return invalid('total_amount');
    if (typeof biz.subject !== 'string' || biz.subject === '') return invalid('subject');
    const externalNo = await this.externalNoOf(agreementNo);
    const agreement = externalNo ? await this.get(externalNo) : undefined;
    if (!agreement || agreement.appId !== appId) return businessError('ACQ.AGREEMENT_NOT_EXIST', '协议不存在');
    if (agreement.status !== 'NORMAL') return businessError('ACQ.AGREEMENT_STATUS_NOT_NORMAL', '协议状态非正常');
    if (agreement.singleAmountFen !== null && totalFen > agreement.singleAmountFen) return businessError('ACQ.TOTAL_FEE_EXCEED', '订单金额超过协议单笔限额');
    const counted = await this.countInPeriod(agreement.externalAgreementNo, totalFen);
    if (typeof counted !== 'string') return counted;
    const at = this.now().toISOString();
    const trade: Trade = {
      outTradeNo,
      appId,
      tradeNo: newTradeNo(this.now()),
      totalFen,
      subject: biz.subject,
      qrCode: '',
      timeExpire: null,
      notifyUrl: notifyUrl ?? null,
      status: 'TRADE_SUCCESS',
      createdAt: at,
      paidAt: at,
      refunds: {},
      notifyIds: {},
    };
    if (!(await this.store.put(this.channel, `trade#${outTradeNo}`, trade, 0))) {
      await this.uncount(agreement.externalAgreementNo, counted, totalFen);
      return businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    }
    await this.update(agreement.externalAgreementNo, (a) => ({ ...a, debits: [...a.debits, outTradeNo] }));
    return trade;
  }

  /**
   * Counts the debit in its period of the agreement's period rule, in the same optimistic write that checks the
   * period's limits, so concurrent debits cannot pass them: the period's key, or Alipay's refusal.
   */
  private async countInPeriod(externalAgreementNo: string, fen: number): Promise<string | Answer> {
    let refusal: Answer | undefined;
    let periodKey = '';
    await this.update(externalAgreementNo, (a) => {
      refusal = undefined;
      if (!a.periodRule) return a;
      const index = periodIndexAt(a.periodRule, this.now());
      if (index < 0) {
        refusal = businessError('ACQ.CYCLE_PAY_DATE_NOT_MATCH', '扣款日期不在签约时的允许范围之内');
        return a;
      }
      periodKey = String(index);
      const used = a.periodCounts?.[periodKey] ?? { count: 0, fen: 0 };
      if (a.periodRule.totalPayments !== null && used.count >= a.periodRule.totalPayments) refusal = businessError('ACQ.CYCLE_PAY_TOTAL_TIMES_EXCEED', '周期扣款的次数超过签约时限制');
      else if (a.periodRule.totalAmountFen !== null && used.fen + fen > a.periodRule.totalAmountFen) refusal = businessError('ACQ.CYCLE_PAY_TOTAL_FEE_EXCEED', '周期扣款的累计金额超过签约时限制');
      if (refusal) return a;
      return { ...a, periodCounts: { ...a.periodCounts, [periodKey]: { count: used.count + 1, fen: used.fen + fen } } };
    });
    return refusal ?? periodKey;
  }

  private async uncount(externalAgreementNo: string, periodKey: string, fen: number): Promise<void> {
    if (!periodKey) return;
    await this.update(externalAgreementNo, (a) => {
      const used = a.periodCounts?.[periodKey];
      return used ? { ...a, periodCounts: { ...a.periodCounts, [periodKey]: { count: used.count - 1, fen: used.fen - fen } } } : a;
    });
  }

  /** The sandbox payer signs: NORMAL with an agreement_no; the dut_user_sign notification (again when repeated). */
  async payerSigns(externalAgreementNo: string): Promise<AgreementNotice | 'not_found' | 'conflict'> {
    const current = await this.get(externalAgreementNo);
    if (!current) return 'not_found';
    if (current.status === 'UNSIGN') return 'conflict';
    const signed = await this.update(externalAgreementNo, (a) =>
      a.status !== 'TEMP'
        ? a
        : {
            ...a,
            status: 'NORMAL',
            agreementNo: `${chinaTime(this.now()).replace(/\D/g, '').slice(0, 8)}${Array.from(randomBytes(12), (b) => String(b % 10)).join('')}`,
            alipayUserId: `2088${Array.from(randomBytes(12), (b) => String(b % 10)).join('')}`,
            signTime: this.now().toISOString(),
          },
    );
    await this.store.put(this.channel, pointerKey(signed.agreementNo!), { externalAgreementNo });
    return this.notice(signed, 'dut_user_sign');
  }

  /** The sandbox payer ends it in Alipay: UNSIGN and the dut_user_unsign notification (again when repeated). */
  async payerUnsigns(externalAgreementNo: string): Promise<AgreementNotice | 'not_found' | 'conflict'> {
    const current = await this.get(externalAgreementNo);
    if (!current) return 'not_found';
    if (current.status === 'TEMP') return 'conflict';
    const ended = await this.update(externalAgreementNo, (a) => (a.status === 'NORMAL' ? this.unsigned(a, 'payer') : a));
    return this.notice(ended, 'dut_user_unsign');
  }

  /**
   * The sandbox's payer endpoints name an agreement by its `channelAgreementId` as the platform shows it: our
   * external_agreement_no while it waits for the payer, Alipay's agreement_no once signed. Either finds it.
   */
  async externalNoFor(id: string): Promise<string> {
    if (await this.get(id)) return id;
    return (await this.externalNoOf(id)) ?? id;
  }

  async get(externalAgreementNo: string): Promise<SandboxAgreement | undefined> {
    return (await this.store.get<SandboxAgreement>(this.channel, key(externalAgreementNo)))?.value;
  }

  private unsigned(agreement: SandboxAgreement, by: 'payer' | 'merchant'): SandboxAgreement {
    return { ...agreement, status: 'UNSIGN', unsignTime: this.now().toISOString(), unsignedBy: by };
  }

  private async externalNoOf(agreementNo: unknown): Promise<string | undefined> {
    if (typeof agreementNo !== 'string') return undefined;
    return (await this.store.get<{ externalAgreementNo: string }>(this.channel, pointerKey(agreementNo)))?.value.externalAgreementNo;
  }

  /** The notification's parameters, Alipay's names; one notify_id per agreement and type, reused by every re-send. */
  private notice(agreement: SandboxAgreement, type: 'dut_user_sign' | 'dut_user_unsign'): AgreementNotice | 'not_found' {
    if (!agreement.notifyUrl) return 'not_found';
    const at = (iso: string | null) => (iso ? chinaTime(new Date(iso)) : undefined);
    const params: Record<string, string | undefined> = {
      notify_type: type,
      notify_id: `${type}_${agreement.agreementNo}`,
      app_id: agreement.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      agreement_no: agreement.agreementNo!,
      external_agreement_no: agreement.externalAgreementNo,
      personal_product_code: agreement.personalProductCode,
      sign_scene: agreement.signScene,
      alipay_user_id: agreement.alipayUserId!,
      status: type === 'dut_user_sign' ? 'NORMAL' : 'UNSIGN',
      sign_time: at(agreement.signTime),
      valid_time: at(agreement.signTime),
      invalid_time: '2115-02-01 00:00:00',
      ...(type === 'dut_user_unsign' ? { unsign_time: at(agreement.unsignTime) } : {}),
    };
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return { notifyId: clean.notify_id!, url: agreement.notifyUrl, params: clean };
  }

  private async update(externalAgreementNo: string, change: (a: SandboxAgreement) => SandboxAgreement): Promise<SandboxAgreement> {
    for (;;) {
      const stored = await this.store.get<SandboxAgreement>(this.channel, key(externalAgreementNo));
      if (!stored) throw new Error(`no agreement ${externalAgreementNo}`);
      const next = change(stored.value);
      if (next === stored.value || (await this.store.put(this.channel, key(externalAgreementNo), next, stored.version))) return next;
    }
  }
}

function invalid(param: string): Answer {
  return businessError('ACQ.INVALID_PARAMETER', `参数无效: ${param}`);
}
