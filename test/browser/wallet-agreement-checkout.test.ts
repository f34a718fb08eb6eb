import { describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import { useTestRuntime } from '../support/runtime.js';
import { openPage, useBrowser } from './browser.js';

/**
 * A wallet agreement's signing page in Chromium against the local runtime: the merchant's name (escaped, however it
 * is spelled), "debits up to" the limit, the wallet's QR code drawn as an image; "Simulate payer: sign" plays the payer
 * scanning and agreeing (the sandbox's sign endpoint), the channel's signed callback activates the agreement, and the
 * open page follows it to "Agreement signed".
 */
const env = useTestRuntime({ retryTimeScale: 0.001 });
const browser = useBrowser();

describe.each(['wechat_pay', 'alipay'])("a %s agreement's signing page in Chromium", (method) => {
  it('shows the escaped merchant name, the limit per debit and the QR image; simulating the payer signs it (ACTIVE)', async (ctx) => {
    const name = `<img src=x onerror="document.title='pwned'"> & Shop`;
    const api = env.api.as(await createMerchant(env.runtime.deps, { name }));
    const customer = await api.post('/v1/customers', { outCustomerNo: `u-${Date.now()}`, name: 'Li Lei' });
    const created = await api.post('/v1/agreements', { outAgreementNo: `AG-${Date.now()}`, customerId: customer.body.id, method, currency: 'CNY', maxAmountPerDebit: 3000 });
    expect(created.status).toBe(201);
    const page = await openPage(browser.context, ctx.task.name);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    expect((await page.goto(created.body.nextAction.url))?.status()).toBe(200);
    // Shown as text, never interpreted: no element was made from the merchant's name.
    expect(await page.locator('#merchant').textContent()).toBe(name);
    expect(await page.locator('#merchant img').count()).toBe(0);
    expect(await page.locator('#subject').textContent()).toBe('Authorize recurring debits, each at most');
    expect(await page.locator('#amount').textContent()).toBe('CN¥30.00');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img#qr');
      return img !== null && img.complete;
    });
    expect(await page.locator('img#qr').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

    await page.click('#simulate-sign');
    await page.locator('#result-text').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result-text').textContent()).toContain('Agreement signed');
    expect((await api.get(`/v1/agreements/${created.body.id}`)).body).toMatchObject({ status: 'ACTIVE', method });
    expect(await page.title()).not.toBe('pwned');
    expect(violations).toEqual([]);
  });
});
