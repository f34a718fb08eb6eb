import { randomInt } from 'node:crypto';
import { SANDBOX_OTP } from '../../../../shared/channels/sandbox-card.js';
import type { UnionpayFields } from '../../../../shared/channels/unionpay/signature.js';
import { RESP, UNIONPAY_TOKEN, braceFields, readBraceFields, unionpayTxnTime } from '../../../../shared/channels/unionpay/wire.js';
import type { SandboxStore } from '../sandbox-store.js';

/**
 * The sandbox gateway's token product (无跳转支付 token版): an opening per agreement, pending the payer's SMS code,
 * then open with its token, then deleted. Like its transactions, of the card only last4 and a keyed fingerprint, never
 * the number; what the sandbox rows decide for later debits is kept as a flag. Every change is a conditional write on
 * the version read, so two codes or a code and a deletion racing on one opening have one winner.
 */
export interface OpeningRecord {
  readonly merId: string;
  /** The opening's order id: our agreement id. */
  readonly orderId: string;
  readonly queryId: string;
  readonly status: 'sms_sent' | 'open' | 'deleted';
  readonly token: string | null;
  readonly last4: string;
  readonly fingerprint: string;
  /** Sandbox card 6200000000000047: opens, and every consumption with its token is declined. */
  readonly declinesDebits: boolean;
  /** How many deletions reached the gateway (a repeated one is answered 00 and counted). */
  readonly deletions: number;
  /** How many wrong SMS codes reached the gateway for this opening. */
  readonly wrongCodes: number;
}

export type TokenOutcome = { readonly respCode: string; readonly extra?: Record<string, string> };

const CHANNEL = 'unionpay';
const openingKey = (queryId: string) => `opening#${queryId}`;
const orderKey = (orderId: string, merId: string) => `opening-order#${orderId}#${merId}`;
const tokenKey = (token: string) => `token#${token}`;
/** The sandbox knob: the next N deletions are answered HTTP 503 before the gateway looks at them. */
const FAULT_KEY = 'fault#token-deletion';

const digits = (n: number): string => Array.from({ length: n }, () => String(randomInt(0, 10))).join('');

export class SandboxTokens {
  constructor(private readonly options: { readonly store: SandboxStore; readonly now: () => Date }) {}

  /** 开通短信: the card was judged by the caller; the opening waits for its code. One opening per order id. */
  async sendSms(fields: UnionpayFields, card: { readonly last4: string; readonly fingerprint: string; readonly declinesDebits: boolean }): Promise<TokenOutcome> {
    const { store } = this.options;
    const queryId = `${unionpayTxnTime(this.options.now())}${digits(7)}`;
    if (!(await store.put(CHANNEL, orderKey(fields.orderId!, fields.merId!), { queryId }, 0))) return { respCode: RESP.duplicate };
    const record: OpeningRecord = { merId: fields.merId!, orderId: fields.orderId!, queryId, status: 'sms_sent', token: null, ...card, deletions: 0, wrongCodes: 0 };
    await store.put(CHANNEL, openingKey(queryId), record, 0);
    return { respCode: RESP.success, extra: { queryId } };
  }

  /** 开通 with the SMS code (the same as the card agreements' OTP): the token, once; a wrong code leaves it pending. */
  async open(fields: UnionpayFields, smsCode: string | undefined): Promise<TokenOutcome> {
    for (;;) {
      const found = await this.opening(fields.merId!, fields.origQryId);
      if (!found) return { respCode: RESP.notFound };
      const opening = found.value;
      if (opening.status === 'deleted') return { respCode: RESP.originalState };
      if (opening.status === 'open') return opened(opening);
      if (smsCode !== SANDBOX_OTP) {
        const counted: OpeningRecord = { ...opening, wrongCodes: opening.wrongCodes + 1 };
        if (await this.options.store.put(CHANNEL, openingKey(opening.queryId), counted, found.version)) return { respCode: RESP.smsCodeWrong };
        continue;
      }
      // The token's pointer first: a crash before the opening's write leaves a pointer to an opening without that
      // token, which no consumption accepts (forConsumption checks both ways).
      const token = `62${digits(17)}`;
      await this.options.store.put(CHANNEL, tokenKey(token), { queryId: opening.queryId }, 0);
      const next: OpeningRecord = { ...opening, status: 'open', token };
      if (await this.options.store.put(CHANNEL, openingKey(opening.queryId), next, found.version)) return opened(next);
    }
  }

  /** 解除标记 by token, else by the opening: final, and idempotent (a deleted one is answered 00 again). */
  async remove(fields: UnionpayFields): Promise<TokenOutcome> {
    const token = readBraceFields(fields.tokenPayData)?.token;
    const pointer = token ? await this.options.store.get<{ queryId: string }>(CHANNEL, tokenKey(token)) : undefined;
    for (;;) {
      const found = await this.opening(fields.merId!, pointer?.value.queryId ?? fields.origQryId);
      if (!found) return { respCode: RESP.notFound };
      const next: OpeningRecord = { ...found.value, status: 'deleted', deletions: found.value.deletions + 1 };
      if (await this.options.store.put(CHANNEL, openingKey(found.value.queryId), next, found.version)) return { respCode: RESP.success };
    }
  }

  /** The card behind an open token, for a consumption; 77 when the token is not open (never opened, or deleted). */
  async forConsumption(fields: UnionpayFields): Promise<{ readonly respCode: string } | OpeningRecord> {
    const token = readBraceFields(fields.tokenPayData)?.token;
    const pointer = token ? await this.options.store.get<{ queryId: string }>(CHANNEL, tokenKey(token)) : undefined;
    const found = pointer ? await this.opening(fields.merId!, pointer.value.queryId) : undefined;
    if (!found || found.value.status !== 'open' || found.value.token !== token) return { respCode: RESP.tokenNotOpen };
    return found.value;
  }

  /** Sandbox inspection (tests, never the platform): the openings made with this order id (our agreement id). */
  async byOrderId(orderId: string): Promise<OpeningRecord[]> {
    const pointers = await this.options.store.list<{ queryId: string }>(CHANNEL, `opening-order#${orderId}#`);
    const found = await Promise.all(pointers.map((p) => this.options.store.get<OpeningRecord>(CHANNEL, openingKey(p.value.queryId))));
    return found.flatMap((f) => (f ? [f.value] : []));
  }

  /** Sets the knob: the next `times` deletions get HTTP 503, as a gateway having a bad minute would answer. */
  async failDeletions(times: number): Promise<void> {
    await this.options.store.put(CHANNEL, FAULT_KEY, { remaining: times });
  }

  /** True (and one fewer left) when this deletion is to be refused by the knob. */
  async takeDeletionFault(): Promise<boolean> {
    for (;;) {
      const found = await this.options.store.get<{ remaining: number }>(CHANNEL, FAULT_KEY);
      if (!found || found.value.remaining <= 0) return false;
      if (await this.options.store.put(CHANNEL, FAULT_KEY, { remaining: found.value.remaining - 1 }, found.version)) return true;
    }
  }

  private async opening(merId: string, queryId: string | undefined) {
    const found = queryId ? await this.options.store.get<OpeningRecord>(CHANNEL, openingKey(queryId)) : undefined;
    return found && found.value.merId === merId ? found : undefined;
  }
}

/** The answer to an opening: the token in `tokenPayData`, the card masked in `accNo` (never the number). */
function opened(opening: OpeningRecord): TokenOutcome {
  const tokenPayData = braceFields({ token: opening.token!, trId: UNIONPAY_TOKEN.trId, tokenType: UNIONPAY_TOKEN.tokenType });
  return { respCode: RESP.success, extra: { tokenPayData, accNo: `${'*'.repeat(6)}${opening.last4}`, queryId: opening.queryId } };
}
