import { createHash } from 'node:crypto';

/**
 * The page's only script and stylesheet, inlined and allowed by their SHA-256 in the Content-Security-Policy (no
 * 'unsafe-inline', no second request). The script counts the time down, polls `<token>/status` and reloads when the
 * state changes (the server renders every state; never while the OTP form is being submitted), and in local mode sends the "Simulate payer" requests. It reads
 * its inputs from data attributes and writes only textContent, so nothing it handles can become markup.
 */
export const CHECKOUT_SCRIPT = `(() => {
  const body = document.body;
  const state = body.dataset.state;
  const token = body.dataset.token;
  const expiresAtMs = Date.parse(body.dataset.expiresAt);
  const left = document.getElementById('time-left');
  const done = state === 'succeeded' || state === 'failed' || state === 'closed';
  let timer;
  let leaving = false;
  const schedule = (ms) => { clearTimeout(timer); if (!leaving) timer = setTimeout(poll, ms); };
  async function poll() {
    try {
      const res = await fetch(token + '/status', { cache: 'no-store', headers: { Accept: 'application/json' } });
      // A form being submitted owns the navigation: a poll answered meanwhile must not reload over it.
      if (leaving) return;
      if (res.ok) {
        const status = await res.json();
        if (status.state !== state) { location.replace(token); return; }
      } else if (res.status === 404) { location.replace(token); return; }
    } catch (e) { /* a dropped poll is retried */ }
    schedule(2000);
  }
  function tick() {
    const s = Math.floor((expiresAtMs - Date.now()) / 1000);
    if (s <= 0) { left.textContent = 'expired'; clearTimeout(timer); return; }
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    left.textContent = h > 0 ? h + ' h ' + String(m).padStart(2, '0') + ' min'
      : m > 0 ? m + ' min ' + String(r).padStart(2, '0') + ' s' : r + ' s';
    setTimeout(tick, 1000);
  }
  if (left && !done) tick();
  if (!done) schedule(1500);
  const form = document.getElementById('otp-form');
  if (form) form.addEventListener('submit', () => { leaving = true; clearTimeout(timer); });
  const buttons = document.querySelectorAll('button[data-simulate]');
  const result = document.getElementById('simulate-result');
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      for (const b of buttons) b.disabled = true;
      try {
        const res = await fetch(button.dataset.endpoint, {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ outcome: button.dataset.simulate }),
        });
        result.textContent = res.ok ? 'Sent: waiting for the channel\\u2019s callback\\u2026' : 'The sandbox answered HTTP ' + res.status + '.';
      } catch (e) { result.textContent = 'The sandbox could not be reached.'; }
      schedule(300);
    });
  }
})();`;

export const CHECKOUT_STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
main { max-width: 26rem; margin: 2rem auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
h1 { font-size: 1rem; font-weight: 600; margin: 0 0 .25rem; color: #555e6d; }
.subject { font-size: 1.1rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
.amount { font-size: 2rem; font-weight: 700; margin: 0; }
.meta { color: #555e6d; font-size: .9rem; }
.qr { display: block; width: 240px; height: 240px; margin: 1rem auto; image-rendering: pixelated; }
.button, button { display: inline-block; padding: .6rem 1rem; border-radius: 8px; border: 0; background: #2856d8; color: #fff; font-size: 1rem; text-decoration: none; cursor: pointer; }
button.secondary { background: #6b7280; }
.error { color: #b42318; }
.result { font-size: 1.3rem; font-weight: 600; }
.sandbox { border-top: 1px dashed #c3c8d0; margin-top: 1.5rem; padding-top: 1rem; }
input { font-size: 1.2rem; padding: .4rem; width: 8rem; letter-spacing: .2em; }
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * default-src 'none' and then only what the page uses: its hashed script and style, images from data: (the QR code),
 * fetches to its own origin (status polls, the sandbox), forms to its own origin; never framed (clickjacking), no
 * <base> rewriting.
 */
export const CHECKOUT_CSP = [
  "default-src 'none'",
  `script-src ${sha256(CHECKOUT_SCRIPT)}`,
  `style-src ${sha256(CHECKOUT_STYLE)}`,
  'img-src data:',
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Every answer of the checkout routes: no caching anywhere (the page is one payer's), no sniffing, no referrer. */
export function checkoutHeaders(contentType: 'text/html' | 'application/json'): Record<string, string> {
  return {
    'Content-Type': `${contentType}; charset=utf-8`,
    'Content-Security-Policy': CHECKOUT_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
  };
}
