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
} as const;

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
} as const;

/** `txnTime`: yyyyMMddHHmmss in Beijing time (UTC+8), as the gateway expects. */
export function unionpayTxnTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The merchant-defined field the gateway echoes in query answers: it says how the payment was made. */
export const RESERVED = { purchase: 'flow=purchase', preauth: 'flow=preauth' } as const;
