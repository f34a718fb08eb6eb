/**
 * The SDK from plain Node (22+), as a merchant installs it: create an order, pay it, refund part of it, list orders
 * page by page, and handle a declined card.
 *
 *   npm install /path/to/open-pay-sdk-0.2.0.tgz
 *   API_URL=http://127.0.0.1:3000 MERCHANT_ID=m_… MERCHANT_SECRET=… node quickstart.mjs
 *
 * Prints one JSON line per step (the SDK's package test reads them).
 */
import { CardError, OpenPayError, PaymentClient } from '@open-pay/sdk';

const client = new PaymentClient({
  baseUrl: process.env.API_URL ?? 'http://127.0.0.1:3000',
  merchantId: requiredEnv('MERCHANT_ID'),
  secret: requiredEnv('MERCHANT_SECRET'),
});
const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
const run = Date.now().toString(36);
const step = (name, fields) => process.stdout.write(`${JSON.stringify({ step: name, ...fields })}\n`);

const order = await client.orders.create({ outTradeNo: `QS-${run}-1`, amount: 1999, currency: 'CNY', subject: 'Coffee beans' });
step('created', { id: order.id, status: order.status });

// The key makes the payment safe to retry from your side too: a second call with it replays the first answer.
const paid = await client.orders.pay(order.id, { method: 'card', card }, { idempotencyKey: `pay-${order.id}` });
step('paid', { id: paid.id, status: paid.status, brand: paid.payment?.card?.brand ?? null });

const refund = await client.refunds.create(order.id, { outRefundNo: `QS-${run}-R1`, amount: 500 });
step('refunded', { id: refund.id, status: refund.status, amount: refund.amount });

for (let i = 2; i <= 3; i += 1) {
  await client.orders.create({ outTradeNo: `QS-${run}-${i}`, amount: 100 * i, currency: 'CNY', subject: `Order ${i}` });
}
// One order per page, so the loop below follows nextCursor twice: the SDK fetches each page when the loop needs it.
const firstPage = await client.orders.list({ limit: 1 });
const seen = [];
for await (const listed of client.orders.list({ limit: 1 })) {
  seen.push(listed.id);
  if (seen.length === 3) break;
}
step('listed', { firstPageSize: firstPage.data.length, hasNextCursor: typeof firstPage.nextCursor === 'string', ids: seen });

const declinedOrder = await client.orders.create({ outTradeNo: `QS-${run}-D`, amount: 700, currency: 'CNY', subject: 'Declined' });
try {
  await client.orders.pay(declinedOrder.id, { method: 'card', card: { ...card, number: '4000000000000002' } });
  step('declined', { error: null });
} catch (error) {
  if (!(error instanceof OpenPayError)) throw error;
  step('declined', {
    error: error.name,
    isCardError: error instanceof CardError,
    status: error.status,
    type: error.type,
    code: error.code,
    requestId: error.requestId ?? null,
  });
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}
