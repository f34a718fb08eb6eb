import { createHmac, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { luhnValid } from '../../../../shared/domain/card.js';
import { decryptCardField, type UnionpayEmulatorKeys } from '../../../../shared/channels/unionpay/credentials.js';
import {
  decodeUnionpayForm,
  encodeUnionpayForm,
  signUnionpay,
  verifyUnionpay,
  type UnionpayFields,
} from '../../../../shared/channels/unionpay/signature.js';
import { RESP, TXN_TYPE, UNIONPAY_COMMON, UNIONPAY_PATHS, UNIONPAY_TOKEN, readBraceFields, unionpayTxnTime } from '../../../../shared/channels/unionpay/wire.js';
import { readRequestBody, sendText } from '../http-io.js';
import type { SandboxStore } from '../sandbox-store.js';
import { SandboxTokens } from './tokens.js';

const CHANNEL = 'unionpay';

/** The contract's sandbox rows for UnionPay. */
export const UNIONPAY_SANDBOX_CARDS = { succeeds: '6200000000000005', declined: '6200000000000047' } as const;

export interface UnionpayEmulatorOptions {
  readonly store: SandboxStore;
  readonly keys: UnionpayEmulatorKeys;
  /** Accepted for the common emulator shape; UnionPay answers synchronously, nothing here is scheduled. */
  readonly timeScale: number;
  readonly now?: () => Date;
}

/** A transaction as the gateway keeps it: of the card only the last four digits and a keyed fingerprint. */
export interface TxnRecord {
  readonly merId: string;
  readonly orderId: string;
  readonly txnType: string;
  readonly txnTime: string;
  readonly queryId: string;
  readonly amount: number;
  readonly currencyCode: string;
  readonly respCode: string;
  readonly reqReserved?: string;
  readonly origQryId?: string;
  readonly card?: { readonly last4: string; readonly fingerprint: string };
  readonly completedAmount?: number;
  readonly cancelled?: boolean;
  readonly refundedAmount: number;
}

type Outcome = { readonly respCode: string; readonly extra?: Record<string, string> };

const RESP_MSG: Readonly<Record<string, string>> = {
  '00': 'Success',
  '10': 'Message format error',
  '11': 'Signature verification failed',
  '12': 'Duplicate transaction',
  '31': 'Merchant status incorrect',
  '34': 'No such transaction',
  '35': 'Original transaction missing or in the wrong state',
  '36': 'Does not match the original transaction',
  '60': 'Transaction failed, declined by the issuer',
  '61': 'Invalid card number',
  '65': 'Wrong CVN2 or expiry date',
  '71': 'SMS code verification failed',
  '77': 'The card has not opened this service (no open token)',
};

/**
 * The sandbox UnionPay acquiring gateway (docs/channels.md, UnionPay): form-encoded, RSA-signed requests verified
 * against the merchant's certificate, card data decrypted with the gateway's encryption key, answers signed with the
 * gateway's certificate. Synchronous: purchase, pre-authorization, its completion and cancellation, refund, query.
 */
export class UnionpayEmulator {
  private readonly now: () => Date;
  private readonly tokens: SandboxTokens;

  constructor(private readonly options: UnionpayEmulatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.tokens = new SandboxTokens({ store: options.store, now: this.now });
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = path.split('?')[0] ?? '';
    if (req.method === 'POST' && /^\/payments\/[^/]+\/complete$/.test(route)) {
      // Card payments end in the answer to the request: there is no asynchronous result to complete.
      return sendText(res, 409, JSON.stringify({ code: 'NOT_ASYNCHRONOUS', message: 'UnionPay card payments complete synchronously' }), {
        'content-type': 'application/json',
      });
    }
    if (route.startsWith('/sandbox/')) return this.sandboxRoute(req, res, route);
    if (req.method !== 'POST' || (route !== UNIONPAY_PATHS.backTrans && route !== UNIONPAY_PATHS.query)) {
      return sendText(res, 404, 'not found', { 'content-type': 'text/plain' });
    }
    const body = await readRequestBody(req);
    const fields = body === undefined ? undefined : decodeUnionpayForm(body);
    // The sandbox knob: a deletion refused as an overloaded gateway would, before anything is looked at or kept.
    if (fields?.txnType === TXN_TYPE.tokenDelete && (await this.tokens.takeDeletionFault())) {
      return sendText(res, 503, 'Service Unavailable', { 'content-type': 'text/plain' });
    }
    const outcome = fields ? await this.answer(route, fields) : { respCode: RESP.formatError };
    this.reply(res, fields ?? {}, outcome);
  }

  private async answer(route: string, fields: UnionpayFields): Promise<Outcome> {
    const merchant = this.options.keys.merchants.find((m) => m.merId === fields.merId);
    if (!merchant) return { respCode: RESP.merchantState };
    if (verifyUnionpay(fields, merchant.certs) !== null) return { respCode: RESP.signatureError };
    if (!fields.orderId || !/^[0-9A-Za-z_-]{8,40}$/.test(fields.orderId) || !fields.txnType) return { respCode: RESP.formatError };
    if (route === UNIONPAY_PATHS.query) return fields.txnType === TXN_TYPE.query ? this.query(fields) : { respCode: RESP.formatError };
    if (fields.bizType === UNIONPAY_TOKEN.bizType && fields.txnType !== TXN_TYPE.purchase) return this.tokenTxn(fields);
    if (await this.options.store.get(CHANNEL, txnKey(fields.merId!, fields.orderId))) return { respCode: RESP.duplicate };
    const amount = Number(fields.txnAmt);
    if (!/^[1-9]\d{0,11}$/.test(fields.txnAmt ?? '') || !/^\d{3}$/.test(fields.currencyCode ?? '')) return { respCode: RESP.formatError };
    switch (fields.txnType) {
      case TXN_TYPE.purchase:
      case TXN_TYPE.preauth:
        return this.authorize(fields, amount);
      case TXN_TYPE.preauthComplete:
        return this.followUp(fields, amount, (orig) => orig.txnType === TXN_TYPE.preauth && !orig.cancelled && orig.completedAmount === undefined, (orig) => amount <= orig.amount, (orig) => ({ ...orig, completedAmount: amount }));
      case TXN_TYPE.preauthCancel:
        return this.followUp(fields, amount, (orig) => orig.txnType === TXN_TYPE.preauth && !orig.cancelled && orig.completedAmount === undefined, (orig) => amount === orig.amount, (orig) => ({ ...orig, cancelled: true }));
      case TXN_TYPE.refund:
        return this.followUp(fields, amount, (orig) => refundable(orig) > 0, (orig) => amount <= refundable(orig), (orig) => ({ ...orig, refundedAmount: orig.refundedAmount + amount }));
      default:
        return { respCode: RESP.formatError };
    }
  }

  /** Purchase or pre-authorization: decrypt the card, decide by the sandbox rows, keep only last4 and a fingerprint. */
  private async authorize(fields: UnionpayFields, amount: number): Promise<Outcome> {
    if (fields.tokenPayData && !fields.accNo) return this.consumeWithToken(fields, amount);
    const card = this.readCard(fields);
    if (!card) return { respCode: RESP.formatError };
    const respCode = this.decide(card.number, card.expired);
    return this.save(this.newRecord(fields, amount, respCode, this.cardRecord(card.number)));
  }

  /** A consumption naming a token (the token product, merchant-initiated): decided by what the opening kept. */
  private async consumeWithToken(fields: UnionpayFields, amount: number): Promise<Outcome> {
    if (fields.txnType !== TXN_TYPE.purchase || fields.bizType !== UNIONPAY_TOKEN.bizType) return { respCode: RESP.formatError };
    const opening = await this.tokens.forConsumption(fields);
    if (!('token' in opening)) return this.save(this.newRecord(fields, amount, opening.respCode));
    const respCode = opening.declinesDebits ? RESP.declined : RESP.success;
    return this.save(this.newRecord(fields, amount, respCode, { last4: opening.last4, fingerprint: opening.fingerprint }));
  }

  /** The token product's own transactions: the opening's SMS, the opening with its code, the deletion. */
  private async tokenTxn(fields: UnionpayFields): Promise<Outcome> {
    switch (fields.txnType) {
      case TXN_TYPE.tokenSms: {
        const card = this.readCard(fields);
        if (!card) return { respCode: RESP.formatError };
        const respCode = this.decide(card.number, card.expired);
        // A card the issuer declines still opens: the sandbox row declines its debits instead (docs/api.md).
        if (respCode !== RESP.success && respCode !== RESP.declined) return { respCode };
        return this.tokens.sendSms(fields, { ...this.cardRecord(card.number), declinesDebits: respCode === RESP.declined });
      }
      case TXN_TYPE.tokenOpen:
        return this.tokens.open(fields, this.readEncrypted(fields)?.get('smsCode') ?? undefined);
      case TXN_TYPE.tokenDelete:
        return readBraceFields(fields.tokenPayData) ? this.tokens.remove(fields) : { respCode: RESP.formatError };
      default:
        return { respCode: RESP.formatError };
    }
  }

  /** The card number and its expiry from the encrypted `accNo` and `customerInfo`; undefined when they do not decrypt. */
  private readCard(fields: UnionpayFields): { number: string; expired: string } | undefined {
    const key = this.encryptKey(fields);
    const number = key && fields.accNo ? decryptCardField(fields.accNo, key.privateKeyPem) : undefined;
    const info = this.readEncrypted(fields);
    const cvn2 = info?.get('cvn2');
    const expired = info?.get('expired');
    return number && cvn2 && /^\d{3,4}$/.test(cvn2) && expired ? { number, expired } : undefined;
  }

  private readEncrypted(fields: UnionpayFields): URLSearchParams | undefined {
    const key = this.encryptKey(fields);
    return key && fields.customerInfo ? readEncryptedInfo(fields.customerInfo, key.privateKeyPem) : undefined;
  }

  private encryptKey(fields: UnionpayFields) {
    return this.options.keys.encryptKeys.find((k) => k.certId === fields.encryptCertId);
  }

  private cardRecord(number: string): { last4: string; fingerprint: string } {
    return { last4: number.slice(-4), fingerprint: createHmac('sha256', this.options.keys.fingerprintKey).update(number).digest('hex').slice(0, 32) };
  }

  /**
   * Sandbox-only routes (tests and people, never the platform): `GET /sandbox/tokens/{orderId}` lists the openings of
   * an agreement as the gateway keeps them; `POST /sandbox/faults/token-deletion {"times": n}` has the next n token
   * deletions answered 503.
   */
  private async sandboxRoute(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const json = { 'content-type': 'application/json' };
    const tokens = /^\/sandbox\/tokens\/([A-Za-z0-9_-]{8,40})$/.exec(route);
    if (req.method === 'GET' && tokens) return sendText(res, 200, JSON.stringify({ data: await this.tokens.byOrderId(tokens[1]!) }), json);
    if (req.method === 'POST' && route === '/sandbox/faults/token-deletion') {
      const times = Number(parseJson(await readRequestBody(req))?.times ?? 1);
      if (!Number.isSafeInteger(times) || times < 0 || times > 100) return sendText(res, 400, JSON.stringify({ message: 'times: 0-100' }), json);
      await this.tokens.failDeletions(times);
      return sendText(res, 204, '', {});
    }
    return sendText(res, 404, 'not found', { 'content-type': 'text/plain' });
  }

  private decide(number: string, expired: string): string {
    if (!/^62\d{14,17}$/.test(number) || !luhnValid(number)) return RESP.invalidCard;
    const yymm = unionpayTxnTime(this.now()).slice(2, 6);
    if (!/^\d{4}$/.test(expired) || expired < yymm) return RESP.badCvn;
    return number === UNIONPAY_SANDBOX_CARDS.declined ? RESP.declined : RESP.success;
  }

  /** A transaction on an earlier one (completion, cancellation, refund), applied to it by a conditional write. */
  private async followUp(
    fields: UnionpayFields,
    amount: number,
    eligible: (orig: TxnRecord) => boolean,
    withinAmount: (orig: TxnRecord) => boolean,
    apply: (orig: TxnRecord) => TxnRecord,
  ): Promise<Outcome> {
    for (;;) {
      const pointer = fields.origQryId ? await this.options.store.get<{ merId: string; orderId: string }>(CHANNEL, `qid#${fields.origQryId}`) : undefined;
      const orig = pointer && pointer.value.merId === fields.merId ? await this.options.store.get<TxnRecord>(CHANNEL, txnKey(pointer.value.merId, pointer.value.orderId)) : undefined;
      if (!orig || orig.value.respCode !== RESP.success || !eligible(orig.value)) return { respCode: RESP.originalState };
      if (orig.value.currencyCode !== fields.currencyCode || !withinAmount(orig.value)) return { respCode: RESP.mismatch };
      // Conditional on the version read: two completions or two refunds racing on one payment cannot both apply.
      if (await this.options.store.put(CHANNEL, txnKey(orig.value.merId, orig.value.orderId), apply(orig.value), orig.version)) {
        return this.save(this.newRecord(fields, amount, RESP.success));
      }
    }
  }

  private newRecord(fields: UnionpayFields, amount: number, respCode: string, card?: TxnRecord['card']): TxnRecord {
    return {
      merId: fields.merId!,
      orderId: fields.orderId!,
      txnType: fields.txnType!,
      txnTime: fields.txnTime ?? '',
      queryId: `${unionpayTxnTime(this.now())}${String(randomInt(0, 1e7)).padStart(7, '0')}`,
      amount,
      currencyCode: fields.currencyCode!,
      respCode,
      ...(fields.reqReserved ? { reqReserved: fields.reqReserved } : {}),
      ...(fields.origQryId ? { origQryId: fields.origQryId } : {}),
      ...(card ? { card } : {}),
      refundedAmount: 0,
    };
  }

  private async save(record: TxnRecord): Promise<Outcome> {
    if (!(await this.options.store.put(CHANNEL, txnKey(record.merId, record.orderId), record, 0))) return { respCode: RESP.duplicate };
    await this.options.store.put(CHANNEL, `qid#${record.queryId}`, { merId: record.merId, orderId: record.orderId }, 0);
    return { respCode: record.respCode, extra: { queryId: record.queryId } };
  }

  private async query(fields: UnionpayFields): Promise<Outcome> {
    const pointer = fields.queryId ? await this.options.store.get<{ merId: string; orderId: string }>(CHANNEL, `qid#${fields.queryId}`) : undefined;
    const orderId = pointer ? pointer.value.orderId : fields.orderId!;
    const found = await this.options.store.get<TxnRecord>(CHANNEL, txnKey(fields.merId!, orderId));
    if (!found) return { respCode: RESP.notFound };
    const txn = found.value;
    return {
      respCode: RESP.success,
      extra: {
        orderId: txn.orderId,
        queryId: txn.queryId,
        origRespCode: txn.respCode,
        origRespMsg: RESP_MSG[txn.respCode] ?? 'Failed',
        txnAmt: String(txn.amount),
        currencyCode: txn.currencyCode,
        ...(txn.reqReserved ? { reqReserved: txn.reqReserved } : {}),
        ...(txn.card ? { accNo: `${'*'.repeat(6)}${txn.card.last4}` } : {}),
      },
    };
  }

  /** Every answer is signed with the gateway's certificate, refusals too. */
  private reply(res: ServerResponse, request: UnionpayFields, outcome: Outcome): void {
    const echo = (['txnType', 'txnSubType', 'merId', 'orderId', 'txnTime', 'txnAmt', 'currencyCode', 'reqReserved'] as const)
      .filter((name) => request[name] !== undefined)
      .map((name) => [name, request[name]!] as const);
    const fields = {
      ...UNIONPAY_COMMON,
      ...Object.fromEntries(echo),
      respCode: outcome.respCode,
      respMsg: RESP_MSG[outcome.respCode] ?? 'Failed',
      ...outcome.extra,
    };
    const signed = signUnionpay(fields, this.options.keys.signingCert);
    sendText(res, 200, encodeUnionpayForm(signed), { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' });
  }
}

function txnKey(merId: string, orderId: string): string {
  return `txn#${merId}#${orderId}`;
}

function refundable(txn: TxnRecord): number {
  if (txn.txnType === TXN_TYPE.purchase) return txn.amount - txn.refundedAmount;
  if (txn.txnType === TXN_TYPE.preauth && txn.completedAmount !== undefined) return txn.completedAmount - txn.refundedAmount;
  return 0;
}

/** `customerInfo`: base64 of `{encryptedInfo=…}`, the encrypted part `name=value&…` (card: `cvn2`, `expired`; token opening: `smsCode`). */
function readEncryptedInfo(value: string, privateKeyPem: string): URLSearchParams | undefined {
  const match = /^\{encryptedInfo=([A-Za-z0-9+/=]+)\}$/.exec(Buffer.from(value, 'base64').toString('utf8'));
  const plain = match ? decryptCardField(match[1]!, privateKeyPem) : undefined;
  return plain ? new URLSearchParams(plain) : undefined;
}

function parseJson(body: string | undefined): { times?: unknown } | undefined {
  try {
    return body ? (JSON.parse(body) as { times?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
