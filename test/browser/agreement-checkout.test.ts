import { describe, expect, it } from 'vitest';
import { SANDBOX_CARDS, SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import { useTestRuntime } from '../support/runtime.js';
import { openPage, useBrowser } from './browser.js';

const env = useTestRuntime();
const browser = useBrowser();

describe("an agreement's signing page in Chromium", () => {
  it('shows the merchant and the limit per debit; a wrong code shows the error, the right one signs it (ACTIVE)', async (ctx) => {
    const customer = await env.api.post('/v1/customers', { outCustomerNo: `u-${Date.now()}`, name: 'Li Lei' });
    expect(customer.status).toBe(201);
    const card = { number: SANDBOX_CARDS.succeeds, expMonth: 12, expYear: 2030, cvc: '123' };
    const created = await env.api.post('/v1/agreements', { outAgreementNo: `AG-${Date.now()}`, customerId: customer.body.id, method: 'card', card, currency: 'CNY', maxAmountPerDebit: 5000 });
    expect(created.status).toBe(201);
    const page = await openPage(browser.context, ctx.task.name);
    expect((await page.goto(created.body.nextAction.url))?.status()).toBe(200);
    expect(await page.locator('#merchant').textContent()).toBe('Demo merchant');
    expect(await page.locator('#subject').textContent()).toBe('Authorize recurring debits, each at most');
    expect(await page.locator('#amount').textContent()).toBe('CN¥50.00');

    await page.fill('#otp', '000000');
    await page.click('#otp-submit');
    await page.locator('#otp-error').waitFor();
    expect(await page.locator('#otp-error').textContent()).toContain('That code is not right');
    expect((await env.api.get(`/v1/agreements/${created.body.id}`)).body.status).toBe('PENDING');

    await page.fill('#otp', SANDBOX_OTP);
    await page.click('#otp-submit');
    await page.locator('#result-text').waitFor();
    expect(await page.locator('#result-text').textContent()).toContain('Agreement signed');
    expect((await env.api.get(`/v1/agreements/${created.body.id}`)).body).toMatchObject({ status: 'ACTIVE', last4: '4242' });
  });
});
