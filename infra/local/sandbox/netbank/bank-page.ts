import { createHash } from 'node:crypto';
import { toDecimalString, type Currency } from '../../../../shared/domain/money.js';
import { NETBANK_BANKS } from '../../../../shared/channels/netbank/wire.js';

/**
 * The sandbox bank's payer page: what a bank's B2C gateway shows after the merchant's redirect. Every string it did
 * not write (subject, merchant number, return URL) is HTML-escaped; the page runs no script at all, and its CSP says
 * so: nothing loads, only its one inline style (by hash) applies, and forms post back to the bank only.
 */
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}' +
  'h1{font-size:1.3rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#666}' +
  'fieldset{border:1px solid #ccc;margin:1rem 0}button{margin-right:.5rem;padding:.4rem 1rem}' +
  '.result{font-size:1.2rem;font-weight:600}';

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const BANK_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const BANK_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': BANK_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface BankPageOrder {
  readonly bankOrderId: string;
  readonly merchantNo: string;
  readonly orderNo: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly subject: string;
  readonly bankCode?: string;
  readonly returnUrl?: string;
  readonly pageToken: string;
}

export type BankPageView = 'pay' | 'paid' | 'failed' | 'cancelled' | 'closed';

export function renderBankPage(order: BankPageOrder, view: BankPageView): string {
  const amount = `${toDecimalString(order)} ${order.currency}`;
  const details =
    `<dl><dt>Merchant</dt><dd>${escapeHtml(order.merchantNo)}</dd>` +
    `<dt>Order</dt><dd>${escapeHtml(order.orderNo)}</dd>` +
    `<dt>Subject</dt><dd id="subject">${escapeHtml(order.subject)}</dd>` +
    `<dt>Amount</dt><dd id="amount">${escapeHtml(amount)}</dd></dl>`;
  const main = view === 'pay' ? payForm(order) : result(order, view);
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>Sandbox Bank – pay ${escapeHtml(amount)}</title><style>${STYLE}</style></head>` +
    `<body><h1>Sandbox Bank online payment</h1>${details}${main}</body></html>`
  );
}

export function renderBankMessage(title: string, message: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`
  );
}

function payForm(order: BankPageOrder): string {
  const bank = order.bankCode
    ? `<p>Bank: <strong id="bank">${escapeHtml(NETBANK_BANKS[order.bankCode] ?? order.bankCode)}</strong></p>`
    : `<fieldset><legend>Choose your bank</legend>${Object.entries(NETBANK_BANKS)
        .map(
          ([code, name]) =>
            `<label><input type="radio" name="bank" value="${escapeHtml(code)}" required> ${escapeHtml(name)}</label><br>`,
        )
        .join('')}</fieldset>`;
  // No action attribute: the form posts to this page's own URL, wherever the bank is mounted.
  return (
    `<form method="post">${bank}<input type="hidden" name="pageToken" value="${escapeHtml(order.pageToken)}">` +
    '<button type="submit" name="action" value="confirm" id="confirm">Confirm payment</button>' +
    '<button type="submit" name="action" value="cancel" id="cancel" formnovalidate>Cancel</button></form>'
  );
}

const RESULT_TEXT: Record<Exclude<BankPageView, 'pay'>, string> = {
  paid: 'Payment successful.',
  failed: 'The payment failed.',
  cancelled: 'You cancelled the payment.',
  closed: 'This payment is closed and can no longer be paid.',
};

function result(order: BankPageOrder, view: Exclude<BankPageView, 'pay'>): string {
  const back = safeReturnUrl(order.returnUrl);
  const link = back ? `<p><a id="return" href="${escapeHtml(back)}">Return to merchant</a></p>` : '';
  return `<p class="result" id="result" data-status="${view}">${RESULT_TEXT[view]}</p>${link}`;
}

/** Only http(s) addresses become a link: a `javascript:` return URL would run in the bank's origin. */
export function safeReturnUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
