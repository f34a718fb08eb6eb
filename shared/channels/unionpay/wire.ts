import type { Currency } from '../../domain/money.js';

/** UnionPay's acquiring gateway (ACP 5.1): paths, transaction types, and the codes the sandbox uses. */
export const UNIONPAY_PATHS = {
  backTrans: '/gateway/api/backTransReq.do',
  query: '/gateway/api/queryTrans.do',
} as const;

export const TXN_TYPE = {
  query: '00',
  purchase: '01',
  preauth: '02',
  preauthComplete: '03',
  refund: '04',
  preauthCancel: '32',
  /** Token product (无跳转支付 token版): delete (解除标记) a token, send the opening's SMS code, open with that code. */
  tokenDelete: '74',
  tokenSms: '77',
  tokenOpen: '79',
} as const;

/**
 * The token product (bizType 000902): a card is opened once with the payer's SMS code and UnionPay answers a token in
 * `tokenPayData`; later consumptions name the token instead of the card. `trId` is the token requestor id UnionPay
 * assigns the merchant at onboarding (the sandbox merchant's here; a credential once a real account exists).
 */
export const UNIONPAY_TOKEN = { bizType: '000902', trId: '62000000001', tokenType: '01' } as const;

/** `tokenPayData` and `customerInfo`-style values: `{name=value&name=value}`. */
export function braceFields(fields: Readonly<Record<string, string>>): string {
  return `{${new URLSearchParams(Object.entries(fields)).toString()}}`;
}

/** The fields of a `{name=value&…}` value; undefined when it is not one. */
export function readBraceFields(value: string | undefined): Record<string, string> | undefined {
  const match = value ? /^\{(.*)\}$/s.exec(value) : null;
  return match ? Object.fromEntries(new URLSearchParams(match[1])) : undefined;
}

/** Fields every request carries (back-end transaction, merchant direct access, internet channel). */
export const UNIONPAY_COMMON = { version: '5.1.0', encoding: 'UTF-8', bizType: '000201', accessType: '0', channelType: '07' } as const;

/** ISO 4217 numeric codes, as `currencyCode` wants them. */
export const UNIONPAY_CURRENCY: Readonly<Record<Currency, string>> = {
  CNY: '156',
  USD: '840',
  EUR: '978',
  HKD: '344',
  GBP: '826',
  SGD: '702',
  JPY: '392',
  KRW: '410',
};

export function currencyFromUnionpay(code: string | undefined): Currency | undefined {
  return (Object.keys(UNIONPAY_CURRENCY) as Currency[]).find((c) => UNIONPAY_CURRENCY[c] === code);
}

/**
 * Response codes (ACP): 00 success; 03, 04, 05 the outcome is not known yet (query later); 1x the request; 3x the
 * merchant or the original transaction; 6x the card.
 */
export const RESP = {
  success: '00',
  unknown: ['03', '04', '05'] as readonly string[],
  formatError: '10',
  signatureError: '11',
  duplicate: '12',
  merchantState: '31',
  notFound: '34',
  originalState: '35',
  mismatch: '36',
  declined: '60',
  invalidCard: '61',
  insufficientFunds: '64',
  badCvn: '65',
  /** The SMS code of a token opening did not verify. */
  smsCodeWrong: '71',
  /** The token is not open (never opened, or deleted): a consumption with it is refused. */
  tokenNotOpen: '77',
} as const;

/** `txnTime`: yyyyMMddHHmmss in Beijing time (UTC+8), as the gateway expects. */
export function unionpayTxnTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The merchant-defined field the gateway echoes in query answers: it says how the payment was made. */
export const RESERVED = { purchase: 'flow=purchase', preauth: 'flow=preauth' } as const;
