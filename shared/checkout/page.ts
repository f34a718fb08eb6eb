import QRCode from 'qrcode';
import { formatAmount, formatTimeLeft } from './format.js';
import { html, raw, type Raw } from './html.js';
import { CHECKOUT_SCRIPT, CHECKOUT_STYLE } from './page-assets.js';
import type { CheckoutView } from './service.js';

export interface PageOptions {
  readonly nowMs: number;
  /** Local mode: the "Simulate payer" buttons, which call the sandbox channel's complete endpoint. */
  readonly localMode: boolean;
  /** A code from the OTP form's last answer (see OTP_MESSAGES); anything else shows the generic message. */
  readonly otpError?: string;
}

/** What the payer reads after a refused code: fixed texts by code, so nothing from the request is echoed. */
const OTP_MESSAGES: Readonly<Record<string, string>> = {
  authentication_failed: 'That code is not right. Check it and try again.',
  parameter_invalid: 'Enter the code you received (digits only).',
  order_not_confirmable: 'This payment can no longer be confirmed.',
  order_expired: 'This payment has expired.',
  agreement_not_confirmable: 'This agreement can no longer be confirmed.',
};

const RESULTS: Readonly<Record<Exclude<CheckoutView['state'], 'awaiting_payer'>, string>> = {
  succeeded: 'Payment succeeded',
  failed: 'Payment failed',
  closed: 'This payment is closed',
  processing: 'Processing your payment…',
};

/** An agreement's page ends signed (ACTIVE) or closed (TERMINATED); it never takes money itself. */
const AGREEMENT_RESULTS: typeof RESULTS = {
  succeeded: 'Agreement signed: the merchant may now debit you up to the amount shown each time',
  failed: 'The agreement was not signed',
  closed: 'This agreement has ended',
  processing: 'Signing your agreement…',
};

/** The QR image of the string the wallet scans: an SVG data URI (CSP allows images from data: only). */
export async function qrImageUri(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** Only web links become hrefs: a channel URL with another scheme is not rendered as a link. */
function webHref(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export async function renderCheckoutPage(view: CheckoutView, options: PageOptions): Promise<string> {
  const action = view.state === 'awaiting_payer' ? await actionSection(view, options) : resultSection(view);
  return document(
    `Pay ${view.merchantName}`,
    { state: view.state, token: view.token, expiresAt: view.expiresAt },
    html`<main>
  <h1 id="merchant">${view.merchantName}</h1>
  <p class="subject" id="subject">${view.subject}</p>
  <p class="amount" id="amount">${formatAmount(view.amount, view.currency)}</p>
  <p class="meta"><span id="currency">${view.currency}</span>${view.state === 'awaiting_payer' ? html` · time left <span id="time-left">${formatTimeLeft(view.expiresAt, options.nowMs)}</span>` : ''}</p>
  ${action}
</main>`,
  );
}

async function actionSection(view: CheckoutView, options: PageOptions): Promise<Raw> {
  const { action } = view;
  if (action.type === 'otp') return otpForm(view, options.otpError);
  const main =
    action.type === 'qr_code' && action.qrCode
      ? html`<p>Scan with your wallet app to ${view.kind === 'agreement' ? 'sign' : 'pay'}.</p>
  <img class="qr" id="qr" alt="QR code to scan with your wallet app" src="${await qrImageUri(action.qrCode)}">`
      : webHref(action.url)
        ? html`<p>Your bank confirms this payment on its own page.</p>
  <p><a class="button" id="bank-link" href="${webHref(action.url)}" rel="noreferrer noopener">Continue to your bank</a></p>`
        : html`<p class="error">This payment cannot be completed here.</p>`;
  return html`<section id="action">
  ${main}
  <p class="meta" id="waiting">Waiting for your ${view.kind === 'agreement' ? 'signature' : 'payment'}…</p>
  ${options.localMode ? (view.kind === 'agreement' ? simulateSigning(view) : simulateButtons(view)) : ''}
</section>`;
}

function otpForm(view: CheckoutView, otpError: string | undefined): Raw {
  const message = otpError === undefined ? undefined : (OTP_MESSAGES[otpError] ?? 'The code could not be checked; try again.');
  // Relative action: the page is /checkout/<token> behind any stage prefix, the form posts to /checkout/<token>/otp.
  return html`<section id="action">
  <form method="post" action="${view.token}/otp" id="otp-form">
    <label for="otp">Enter the one-time code sent to you</label>
    <p><input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="10" required>
    <button type="submit" id="otp-submit">Confirm</button></p>
    ${message ? html`<p class="error" id="otp-error" role="alert">${message}</p>` : ''}
  </form>
</section>`;
}

function simulateButtons(view: CheckoutView): Raw {
  const endpoint = `/sandbox/channels/${encodeURIComponent(view.channel)}/payments/${encodeURIComponent(view.channelPaymentId)}/complete`;
  return html`<section class="sandbox" id="sandbox">
  <p class="meta">Sandbox: act as the payer.</p>
  <button type="button" id="simulate-pay" data-simulate="succeeded" data-endpoint="${endpoint}">Simulate payer: pay</button>
  <button type="button" class="secondary" id="simulate-fail" data-simulate="failed" data-endpoint="${endpoint}">Simulate payer: fail</button>
  <p class="meta" id="simulate-result" role="status"></p>
</section>`;
}

/** Local mode, a wallet agreement: the payer scanning and agreeing is the sandbox channel's sign endpoint. */
function simulateSigning(view: CheckoutView): Raw {
  const endpoint = `/sandbox/channels/${encodeURIComponent(view.channel)}/agreements/${encodeURIComponent(view.channelPaymentId)}/sign`;
  return html`<section class="sandbox" id="sandbox">
  <p class="meta">Sandbox: act as the payer.</p>
  <button type="button" id="simulate-sign" data-simulate="succeeded" data-endpoint="${endpoint}">Simulate payer: sign</button>
  <p class="meta" id="simulate-result" role="status"></p>
</section>`;
}

function resultSection(view: CheckoutView): Raw {
  const state = view.state as Exclude<CheckoutView['state'], 'awaiting_payer'>;
  const href = webHref(view.returnUrl);
  return html`<section id="result" data-result="${state}">
  <p class="result" id="result-text">${(view.kind === 'agreement' ? AGREEMENT_RESULTS : RESULTS)[state]}</p>
  ${href && state !== 'processing' ? html`<p><a class="button" id="return-link" href="${href}" rel="noreferrer">Return to ${view.merchantName}</a></p>` : ''}
</section>`;
}

/** The plain page for an unknown, malformed or expired token: it says nothing about why. */
export function renderNotFoundPage(): string {
  return document('Not found', {}, html`<main><h1>Page not found</h1><p>This payment link is not valid or has expired.</p></main>`);
}

/** The page for an unexpected failure: no details, the request id for support. */
export function renderErrorPage(requestId: string): string {
  return document('Something went wrong', {}, html`<main><h1>Something went wrong</h1><p>Try again in a moment. Reference: <code>${requestId}</code></p></main>`);
}

function document(title: string, data: { state?: string; token?: string; expiresAt?: string }, body: Raw): string {
  const attrs = html`${data.state ? html` data-state="${data.state}"` : ''}${data.token ? html` data-token="${data.token}"` : ''}${data.expiresAt ? html` data-expires-at="${data.expiresAt}"` : ''}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${raw(CHECKOUT_STYLE)}</style>
</head>
<body${attrs}>
${body}
${data.token ? html`<script>${raw(CHECKOUT_SCRIPT)}</script>` : ''}
</body>
</html>
`.html;
}
