import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutHeaders } from '../../shared/checkout/page-assets.js';
import { renderCheckoutPage } from '../../shared/checkout/page.js';
import { challengedOrder } from '../support/checkout.js';
import { useTestRuntime } from '../support/runtime.js';
import { openPage, useBrowser } from './browser.js';

const env = useTestRuntime();
const browser = useBrowser();

describe('hosted checkout in Chromium', () => {
  it('completes an OTP challenge: a wrong code shows the error, the right one shows success and the return link', async (ctx) => {
    const returnUrl = `${env.runtime.url}/merchant-return?order=1`;
    const { order, url } = await challengedOrder(env.api, { subject: 'Coffee beans', amount: 1999, currency: 'CNY', returnUrl });
    const page = await openPage(browser.context, ctx.task.name);
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(await page.locator('#merchant').textContent()).toBe('Demo merchant');
    expect(await page.locator('#subject').textContent()).toBe('Coffee beans');
    expect(await page.locator('#amount').textContent()).toBe('CN¥19.99');
    expect(await page.locator('#currency').textContent()).toBe('CNY');

    await page.fill('#otp', '000000');
    await page.click('#otp-submit');
    await page.locator('#otp-error').waitFor();
    expect(await page.locator('#otp-error').textContent()).toContain('That code is not right');
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('REQUIRES_ACTION');

    await page.fill('#otp', '123456');
    await page.click('#otp-submit');
    await page.locator('#result-text').waitFor();
    expect(await page.locator('#result-text').textContent()).toBe('Payment succeeded');
    expect(await page.locator('#return-link').getAttribute('href')).toBe(returnUrl);
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('SUCCEEDED');
  });

  it("follows the order's status: a payment completed elsewhere ends the open page on its result (the hashed script runs under the CSP)", async (ctx) => {
    const { order, url } = await challengedOrder(env.api);
    const page = await openPage(browser.context, ctx.task.name);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(url);
    await page.locator('#otp-form').waitFor();
    expect((await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: '123456' })).status).toBe(200);
    await page.locator('#result-text').waitFor();
    expect(await page.locator('#result-text').textContent()).toBe('Payment succeeded');
    expect(violations).toEqual([]);
  });

  it('renders an XSS attempt in subject inert: no dialog, no injected element, the text shown literally', async (ctx) => {
    const subject = `<img src=x onerror=alert(1)><script>alert(2)</script>"'`;
    const { url } = await challengedOrder(env.api, { subject });
    const page = await openPage(browser.context, ctx.task.name);
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(url);
    expect(await page.locator('#subject').textContent()).toBe(subject);
    expect(await page.locator('#subject img, #subject script').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    // Give any injected handler the chance it would have had: the page's own poll has run once it is idle.
    await page.waitForLoadState('networkidle');
    expect(dialogs).toEqual([]);
  });

  it('an unknown token gets a plain 404 page', async (ctx) => {
    const page = await openPage(browser.context, ctx.task.name);
    const response = await page.goto(`${env.runtime.url}/checkout/${'x'.repeat(43)}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
  });

  it('sends its Content-Security-Policy and the other protective headers', async (ctx) => {
    const { url } = await challengedOrder(env.api);
    const page = await openPage(browser.context, ctx.task.name);
    const response = await page.goto(url);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; /);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
  });
});

/**
 * Until the wallet channels are wired to the runtime, a qr_code page is rendered by the page module itself and served
 * with the checkout's headers, so the browser proves the QR image is drawn under the CSP (images from data: only).
 */
describe('a qr_code checkout page in Chromium', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const html = await renderCheckoutPage(
      {
        token: 't'.repeat(43),
        merchantName: 'Demo merchant',
        subject: 'Tea',
        amount: 500,
        currency: 'JPY',
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
        state: 'awaiting_payer',
        action: { type: 'qr_code', qrCode: 'weixin://wxpay/bizpayurl?pr=Abc123' },
        channel: 'wechat_pay',
        channelPaymentId: 'wx_1',
        returnUrl: null,
      },
      { nowMs: Date.now(), localMode: true },
    );
    server = createServer((req, res) => {
      // The page's status poll finds nothing here: it keeps the page as it is.
      if (req.url?.endsWith('/status')) {
        res.writeHead(503, checkoutHeaders('application/json')).end('{}');
        return;
      }
      res.writeHead(200, checkoutHeaders('text/html')).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    // The browser keeps its connection alive: drop it, or close() waits for it.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('draws the QR code as an image, with the time left and the simulate buttons', async (ctx) => {
    const page = await openPage(browser.context, ctx.task.name);
    await page.goto(`${base}/checkout/${'t'.repeat(43)}`);
    const qr = page.locator('img#qr');
    await qr.waitFor();
    const width = await qr.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0));
    expect(width).toBeGreaterThan(0);
    expect(await page.locator('#amount').textContent()).toBe('¥500');
    expect(await page.locator('#time-left').textContent()).toMatch(/^\d+ min \d{2} s$/);
    expect(await page.locator('#simulate-pay').textContent()).toBe('Simulate payer: pay');
    expect(await page.locator('#simulate-fail').textContent()).toBe('Simulate payer: fail');
  });
});
