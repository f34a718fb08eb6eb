import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { eventually, type WebhookReceiver } from '../support/webhook-receiver.js';
import { openPage, useBrowser } from './browser.js';

/**
 * The hosted checkout for wallets and banks, driven in Chromium against the local runtime over HTTP: the payer opens
 * `payment.nextAction.url`, acts through the sandbox (the page's "Simulate payer" buttons, or the sandbox bank's own
 * page), the channel's signed callback completes the payment, and the open page follows the order to its result.
 */
const env = useTestRuntime({ retryTimeScale: 0.001 });
const browser = useBrowser();
const hooks = useWebhookReceivers();

/** An order paid by `method`: REQUIRES_ACTION, its `nextAction.url` the hosted checkout page. */
async function awaitingPayer(method: string, overrides: Record<string, unknown>) {
  const order = await env.api.createOrder(overrides);
  const paid = await env.api.post(`/v1/orders/${order.id}/pay`, { method });
  expect(paid.body.status).toBe('REQUIRES_ACTION');
  return { orderId: order.id as string, url: paid.body.payment.nextAction.url as string };
}

const eventTypes = (hook: WebhookReceiver) => hook.received.map((h) => (JSON.parse(h.rawBody) as { type: string }).type);
const orderOf = async (orderId: string) => (await env.api.get(`/v1/orders/${orderId}`)).body;

describe.each(['wechat_pay', 'alipay'])('%s checkout in Chromium', (method) => {
  it('shows the order and a loaded QR image; "Simulate payer: pay" ends on success with the return link, the order SUCCEEDED and its webhook sent', async (ctx) => {
    const hook = await hooks();
    const returnUrl = `${env.runtime.url}/merchant-return?order=wallet`;
    const { orderId, url } = await awaitingPayer(method, { subject: 'Green tea', amount: 2500, currency: 'CNY', returnUrl, notifyUrl: hook.url });
    const page = await openPage(browser.context, ctx.task.name);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    expect((await page.goto(url))?.status()).toBe(200);
    expect(await page.locator('#merchant').textContent()).toBe('Demo merchant');
    expect(await page.locator('#subject').textContent()).toBe('Green tea');
    expect(await page.locator('#amount').textContent()).toBe('CN¥25.00');
    const qr = page.locator('img#qr');
    // The image decoded under the page's CSP (img-src data:), not merely present in the markup.
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img#qr');
      return img !== null && img.complete;
    });
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('#time-left').textContent()).toMatch(/^\d+ min \d{2} s$/);

    await page.click('#simulate-pay');
    // The page polls its status and reloads into the result once the channel's callback has completed the payment.
    await page.locator('#result-text').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result-text').textContent()).toBe('Payment succeeded');
    expect(await page.locator('#return-link').getAttribute('href')).toBe(returnUrl);

    const order = await orderOf(orderId);
    expect(order.status).toBe('SUCCEEDED');
    expect(order.payment).toMatchObject({ method, channel: method });
    await eventually(() => eventTypes(hook).includes('order.succeeded'), 20_000, 'the order.succeeded webhook');
    // The QR image, the poll and the simulate request all ran under the page's CSP.
    expect(violations).toEqual([]);
  });

  it('"Simulate payer: fail" shows the failure; the order is back to CREATED with lastPaymentError', async (ctx) => {
    const { orderId, url } = await awaitingPayer(method, { returnUrl: `${env.runtime.url}/merchant-return` });
    const page = await openPage(browser.context, ctx.task.name);
    await page.goto(url);
    await page.locator('#simulate-fail').waitFor();
    await page.click('#simulate-fail');
    await page.locator('#result-text').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result-text').textContent()).toBe('Payment failed');
    const order = await orderOf(orderId);
    expect(order.status).toBe('CREATED');
    expect(order.lastPaymentError).toBeTruthy();
  });
});

describe('netbank checkout in Chromium', () => {
  it("the bank link navigates to the sandbox bank's page; picking a bank and confirming shows the return link; back on the checkout page the order SUCCEEDED", async (ctx) => {
    const hook = await hooks();
    const returnUrl = `${env.runtime.url}/merchant-return?order=bank`;
    const { orderId, url } = await awaitingPayer('netbank', { subject: 'Desk lamp', amount: 8800, currency: 'CNY', returnUrl, notifyUrl: hook.url });
    const page = await openPage(browser.context, ctx.task.name);
    await page.goto(url);
    expect(await page.locator('#amount').textContent()).toBe('CN¥88.00');
    const bankLink = page.locator('#bank-link');
    const bankUrl = await bankLink.getAttribute('href');
    expect(bankUrl).toMatch(/\/sandbox\/channels\/netbank\/pay\//);

    // The bank's page refuses framing: the payer goes there by a top-level navigation.
    await Promise.all([page.waitForURL((u) => u.href === bankUrl), bankLink.click()]);
    expect(await page.locator('#subject').textContent()).toBe('Desk lamp');
    expect(await page.locator('#amount').textContent()).toBe('88.00 CNY');
    // The pay request named no bank: the bank's page asks the payer to pick one.
    expect(await page.locator('input[name="bank"]').count()).toBeGreaterThan(1);
    await page.locator('input[name="bank"]').first().check();
    await Promise.all([page.waitForLoadState('load'), page.click('#confirm')]);
    await page.locator('#result').waitFor();
    expect(await page.locator('#result').getAttribute('data-status')).toBe('paid');
    const back = await page.locator('#return').getAttribute('href');

    // The bank sends the payer back to the merchant's returnUrl (pay-steps passes the order's); the checkout page, opened
    // again, shows the result the channel's callback settled.
    expect(back).toBe(returnUrl);
    await page.goto(url);
    await page.locator('#result-text').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result-text').textContent()).toBe('Payment succeeded');
    expect(await page.locator('#return-link').getAttribute('href')).toBe(returnUrl);
    const order = await eventually(async () => {
      const got = await orderOf(orderId);
      return got.status === 'SUCCEEDED' ? got : undefined;
    }, 20_000, 'the order to succeed');
    expect(order.payment).toMatchObject({ method: 'netbank', channel: 'netbank' });
    await eventually(() => eventTypes(hook).includes('order.succeeded'), 20_000, 'the order.succeeded webhook');
  });
});
