import { Agreements } from './resources/agreements.js';
import { BalanceApi } from './resources/balance.js';
import { Customers } from './resources/customers.js';
import { Events } from './resources/events.js';
import { Orders } from './resources/orders.js';
import { Payouts } from './resources/payouts.js';
import { Platform } from './resources/platform.js';
import { Refunds } from './resources/refunds.js';
import { Settlements } from './resources/settlements.js';
import { Statements } from './resources/statements.js';
import { Webhooks } from './resources/webhooks.js';
import { Transport, type SecretSource, type TransportOptions } from './transport.js';

export type PaymentClientOptions = TransportOptions;

/**
 * The merchant API client. Every method signs its request, sends an Idempotency-Key with every POST (reused by its
 * retries), retries safe failures, and throws an OpenPayError subclass for the rest. The last argument of every
 * method is `{ idempotencyKey, maxRetries, timeoutMs }` for that call.
 *
 *   const client = new PaymentClient({ baseUrl, merchantId, secret });
 *   const order = await client.orders.create({ outTradeNo: 'A-1', amount: 1999, currency: 'CNY', subject: 'Beans' });
 *
 * `secret` may be a function returning the current secret (or a promise of it), read before every attempt, and
 * `setSecret()` replaces it: either way a rotated secret is used from the next request, without a restart.
 */
export class PaymentClient {
  readonly orders: Orders;
  readonly refunds: Refunds;
  readonly balance: BalanceApi;
  readonly settlements: Settlements;
  readonly payouts: Payouts;
  readonly customers: Customers;
  readonly agreements: Agreements;
  readonly events: Events;
  readonly platform: Platform;
  readonly webhooks: Webhooks;
  readonly statements: Statements;
  private readonly transport: Transport;

  constructor(options: PaymentClientOptions) {
    const transport = new Transport(options);
    this.transport = transport;
    this.orders = new Orders(transport);
    this.refunds = new Refunds(transport);
    this.balance = new BalanceApi(transport);
    this.settlements = new Settlements(transport);
    this.payouts = new Payouts(transport);
    this.customers = new Customers(transport);
    this.agreements = new Agreements(transport);
    this.events = new Events(transport);
    this.platform = new Platform(transport);
    this.webhooks = new Webhooks(transport, this.platform);
    this.statements = new Statements(transport);
  }

  /** Signs from the next attempt on with this secret, or with what this function returns (a secret rotation). */
  setSecret(secret: SecretSource): void {
    this.transport.setSecret(secret);
  }
}
