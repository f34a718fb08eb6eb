import { randomBytes } from 'node:crypto';
import { NETBANK_PAYOUT_STATUSES, type NetbankPayout, type NetbankPayoutCreateBody, type NetbankPayoutNotify } from '../../../../shared/channels/netbank/payout-wire.js';
import { fromDecimalString, toDecimalString, type Currency } from '../../../../shared/domain/money.js';
import type { SandboxStore } from '../sandbox-store.js';

const CHANNEL = 'netbank';

/** How long the sandbox bank takes to pay a transfer out, and to have a returned one come back after it paid. */
export const SANDBOX_PAYOUT_SETTLE_MS = 1_000;
export const SANDBOX_PAYOUT_RETURN_MS = 3_000;

/**
 * What the sandbox bank does with a transfer, by the destination account's last four digits (contract, "Payouts"):
 * 0001 pays and notifies, 0002 fails `ACCOUNT_INVALID` and notifies, 0003 pays but its create answer and notice are
 * lost (only a query finds it), 0004 pays, notifies, and is RETURNED a few seconds later (`ACCOUNT_CLOSED`), notified
 * again. Any other account pays like 0001.
 */
export function sandboxPayoutBehaviour(accountNumber: string): { outcome: 'SUCCEEDED' | 'FAILED'; silent: boolean; returns: boolean } {
  const last4 = accountNumber.slice(-4);
  return { outcome: last4 === '0002' ? 'FAILED' : 'SUCCEEDED', silent: last4 === '0003', returns: last4 === '0004' };
}

export interface PayoutRecord {
  readonly merchantNo: string;
  readonly payoutNo: string;
  readonly bankPayoutId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly bankCode: string;
  /** The bank keeps what it needs to show the transfer; the sandbox never stores a whole account number. */
  readonly last4: string;
  readonly accountName: string;
  readonly notifyUrl: string;
  readonly completesAt: string;
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  readonly returnsAt: string | null;
  readonly silent: boolean;
  /**
   * How many create instructions the bank received for this payout number, repeats included (absent on records
   * written before the count existed: one). The chaos run holds the platform to one (docs/decisions.md, entry 193).
   */
  readonly instructions?: number;
}

/** A transfer as the sandbox bank's read-only listing shows it (GET /sandbox/channels/netbank/payouts). */
export interface SandboxPayoutView {
  readonly merchantNo: string;
  readonly payoutNo: string;
  readonly bankPayoutId: string;
  readonly status: NetbankPayout['status'];
  readonly amount: number;
  readonly currency: Currency;
  readonly last4: string;
  readonly instructions: number;
}

export type PayoutDeskAnswer = { readonly status: number; readonly body: Record<string, unknown> } | 'drop';

/**
 * The sandbox bank's payout desk: transfers kept in the sandbox store, their status a function of the time (so a
 * query after a restart answers what the bank would), notices sent by the bank's notifier when each result is due.
 */
export class NetbankPayoutDesk {
  private readonly due = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: {
      readonly store: SandboxStore;
      readonly now: () => Date;
      readonly notify: (notifyId: string, url: string, body: string) => Promise<void>;
    },
  ) {}

  stop(): void {
    for (const timer of this.due) clearTimeout(timer);
    this.due.clear();
  }

  async create(body: NetbankPayoutCreateBody): Promise<PayoutDeskAnswer> {
    const amount = fromDecimalString(body.amount, body.currency);
    if (amount === undefined || amount < 1) return { status: 400, body: { code: 'INVALID_AMOUNT', message: 'amount does not read in its currency' } };
    const key = payoutKey(body.merchantNo, body.payoutNo);
    const existing = await this.options.store.get<PayoutRecord>(CHANNEL, key);
    if (existing) return this.repeated(key, amount, body);
    const behaviour = sandboxPayoutBehaviour(body.accountNumber);
    const nowMs = this.options.now().getTime();
    const record: PayoutRecord = {
      merchantNo: body.merchantNo,
      payoutNo: body.payoutNo,
      bankPayoutId: `NBP${randomBytes(8).toString('hex').toUpperCase()}`,
      amount,
      currency: body.currency,
      bankCode: body.bankCode,
      last4: body.accountNumber.slice(-4),
      accountName: body.accountName,
      notifyUrl: body.notifyUrl,
      completesAt: new Date(nowMs + SANDBOX_PAYOUT_SETTLE_MS).toISOString(),
      outcome: behaviour.outcome,
      returnsAt: behaviour.returns ? new Date(nowMs + SANDBOX_PAYOUT_SETTLE_MS + SANDBOX_PAYOUT_RETURN_MS).toISOString() : null,
      silent: behaviour.silent,
      instructions: 1,
    };
    // The payout number is the idempotency key: of two concurrent creates, the first writer's transfer is the one.
    if (!(await this.options.store.put(CHANNEL, key, record, 0))) return this.repeated(key, amount, body);
    if (record.silent) return 'drop';
    this.at(record.completesAt, () => this.notify(record, record.completesAt));
    if (record.returnsAt) this.at(record.returnsAt, () => this.notify(record, record.returnsAt!));
    return { status: 200, body: { code: 'SUCCESS', ...this.wire(record) } };
  }

  async query(merchantNo: string, payoutNo: string): Promise<PayoutDeskAnswer> {
    const found = await this.options.store.get<PayoutRecord>(CHANNEL, payoutKey(merchantNo, payoutNo));
    if (!found) return { status: 200, body: { code: 'PAYOUT_NOT_FOUND', message: 'no such payout' } };
    return { status: 200, body: { code: 'SUCCESS', ...this.wire(found.value) } };
  }

  /** Every transfer the desk holds, with the count of create instructions each received (a sandbox read, no signature). */
  async list(): Promise<SandboxPayoutView[]> {
    const records = await this.options.store.list<PayoutRecord>(CHANNEL, 'payout#');
    return records.map(({ value: r }) => {
      const wire = this.wire(r);
      return { merchantNo: r.merchantNo, payoutNo: r.payoutNo, bankPayoutId: r.bankPayoutId, status: wire.status, amount: r.amount, currency: r.currency, last4: r.last4, instructions: r.instructions ?? 1 };
    });
  }

  /** One more instruction for a payout number the bank holds: counted (conditionally, so none is lost), then answered as `again` does. */
  private async repeated(key: string, amount: number, body: NetbankPayoutCreateBody): Promise<PayoutDeskAnswer> {
    for (;;) {
      const found = (await this.options.store.get<PayoutRecord>(CHANNEL, key))!;
      const counted: PayoutRecord = { ...found.value, instructions: (found.value.instructions ?? 1) + 1 };
      if (await this.options.store.put(CHANNEL, key, counted, found.version)) return this.again(counted, amount, body);
    }
  }

  /** A repeated create is the same transfer (answered as it is now), unless it asks for other terms. */
  private again(record: PayoutRecord, amount: number, body: NetbankPayoutCreateBody): PayoutDeskAnswer {
    if (record.amount !== amount || record.currency !== body.currency || record.last4 !== body.accountNumber.slice(-4)) {
      return { status: 200, body: { code: 'PAYOUT_NO_REUSED', message: 'payoutNo was used with other terms' } };
    }
    return { status: 200, body: { code: 'SUCCESS', ...this.wire(record) } };
  }

  /** The transfer as the bank shows it at `nowMs` (by default now). */
  private wire(record: PayoutRecord, nowMs = this.options.now().getTime()): NetbankPayout {
    const status: (typeof NETBANK_PAYOUT_STATUSES)[number] =
      nowMs < Date.parse(record.completesAt) ? 'PROCESSING' : record.returnsAt && nowMs >= Date.parse(record.returnsAt) ? 'RETURNED' : record.outcome;
    const failCode = status === 'FAILED' ? 'ACCOUNT_INVALID' : status === 'RETURNED' ? 'ACCOUNT_CLOSED' : undefined;
    return {
      payoutNo: record.payoutNo,
      bankPayoutId: record.bankPayoutId,
      status,
      amount: toDecimalString({ amount: record.amount, currency: record.currency }),
      currency: record.currency,
      ...(failCode ? { failCode } : {}),
    };
  }

  /**
   * The notice of what happened at `dueAt` (the payment, or the return), with the status as of that moment, not as of
   * when the timer ran: a timer runs early against the wall clock when the event loop's cached time lags (a loaded
   * machine), and late when it is busy; either way each event gets its own notice, so a RETURNED one is never lost
   * to a SUCCEEDED one sent twice.
   */
  private notify(record: PayoutRecord, dueAt: string): Promise<void> {
    const wire = this.wire(record, Date.parse(dueAt));
    const notice: NetbankPayoutNotify = { notifyId: `${record.bankPayoutId}-${wire.status}`, notifyType: 'PAYOUT', merchantNo: record.merchantNo, ...wire };
    return this.options.notify(notice.notifyId, record.notifyUrl, JSON.stringify(notice));
  }

  private at(iso: string, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.due.delete(timer);
      void run().catch(() => undefined);
    }, Math.max(0, Date.parse(iso) - this.options.now().getTime()));
    this.due.add(timer);
  }
}

function payoutKey(merchantNo: string, payoutNo: string): string {
  return `payout#${merchantNo}#${payoutNo}`;
}
