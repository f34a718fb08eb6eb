import { createHmac, randomBytes } from 'node:crypto';
import { cardBrand } from '../../../../shared/domain/card.js';
import type { Currency } from '../../../../shared/domain/money.js';
import { SANDBOX_CARDS, SANDBOX_OTP, SANDBOX_REFUND_ANSWER_LOST } from '../../../../shared/channels/sandbox-card.js';
import { RESPONSE_CODES, type AcquirerPayment, type AcquirerPaymentStatus, type PaymentRequestBody } from '../../../../shared/channels/card-acquirer/wire.js';
import type { SandboxStore } from '../sandbox-store.js';
import type { InstrumentRecord, SandboxInstruments } from './instruments.js';

/**
 * What reached the acquirer, in order, as its own report shows it (GET /sandbox/activity): tests read it to prove
 * that exactly one charge reached a channel. `outcome` says what the acquirer did; `timeout` and `captured_timeout`
 * are requests whose answer came later than the caller waited.
 */
export interface ActivityEntry {
  readonly id: string;
  readonly kind: 'charge' | 'confirm' | 'capture' | 'cancel' | 'refund';
  readonly at: string;
  readonly outcome: string;
  readonly amount?: number;
  /** Refunds and captures: the caller's reference for the action. */
  readonly reference?: string;
}

/** A payment as the acquirer keeps it: of the card only last4, scheme and a keyed fingerprint. */
export interface PaymentRecord {
  readonly reference: string;
  readonly id: string;
  readonly orderId?: string;
  readonly amount?: number;
  readonly currency?: Currency;
  readonly capture?: boolean;
  readonly card?: { readonly last4: string; readonly scheme: string; readonly fingerprint: string };
  /** Absent: the acquirer never processed a create for it (a request lost at its edge, or only a void arrived). */
  readonly status?: AcquirerPaymentStatus;
  readonly responseCode?: string;
  readonly capturedAmount: number;
  readonly refundedAmount: number;
  /** A void by this reference arrived: a create arriving after it is refused. */
  readonly voided: boolean;
  /** Sandbox (0259/0267 at the primary acquirer): the first void answers too late and is not performed. */
  readonly reversalTimesOut: boolean;
  /** Sandbox (0622): a capture is performed and answered after the caller gave up. Absent on older records. */
  readonly captureAnswerLost?: boolean;
  readonly actions: readonly ActivityEntry[];
}

/** What an API call answers; `late`: after the caller has given up; `keep: false`: nothing was done, a retry is processed anew. */
export interface Outcome {
  readonly status: number;
  readonly body: unknown;
  readonly late?: boolean;
  readonly keep?: boolean;
  /** The kept answer of an earlier call with the same idempotency key. */
  readonly replayed?: boolean;
}

export const refusal = (status: number, errorType: string, keep = true): Outcome => ({
  status,
  body: { request_id: `req_${randomBytes(8).toString('hex')}`, error_type: errorType },
  keep,
});

const paymentKey = (reference: string) => `payment#${reference}`;
const idKey = (id: string) => `id#${id}`;
const actionId = () => `act_${randomBytes(10).toString('hex')}`;

/**
 * The sandbox acquirer's behaviour over its records (SandboxStore, so a restart or a SIGKILL forgets nothing): the
 * contract's sandbox cards decide each payment. Every change is a conditional write on the version read, so two
 * calls racing on one payment cannot both apply.
 */
export class SandboxAcquirer {
  constructor(
    private readonly options: {
      readonly store: SandboxStore;
      readonly channel: string;
      /** The primary acquirer is the one that times out on the timeout cards and captured 0259. */
      readonly primary: boolean;
      readonly fingerprintKey: string;
      readonly now: () => Date;
      /** Stored credentials: a merchant-initiated payment names one instead of a card. */
      readonly instruments: SandboxInstruments;
    },
  ) {}

  async create(request: PaymentRequestBody): Promise<Outcome> {
    const number = request.source.type === 'card' ? request.source.number : undefined;
    const instrument = request.source.type === 'id' ? (await this.options.instruments.get(request.source.id))?.value : undefined;
    for (;;) {
      const held = await this.get(request.reference);
      if (held?.value.status) return refusal(409, 'duplicate_reference');
      const base: PaymentRecord = held?.value ?? this.blank(request.reference);
      const at = this.options.now().toISOString();
      if (base.voided) {
        // Voided (by our reference) before the create arrived: refused, and nothing is authorized.
        const refused = { ...base, actions: [...base.actions, { id: actionId(), kind: 'charge' as const, at, outcome: 'refused_voided', amount: request.amount }] };
        if (!(await this.save(refused, held?.version ?? 0))) continue;
        return { status: 201, body: this.answerOf({ ...refused, ...this.requestFields(request, instrument), status: 'Declined', responseCode: RESPONSE_CODES.voidedBeforeArrival }) };
      }
      const decision = request.source.type === 'id' ? this.decideStored(request, instrument) : this.decide(request, request.source.number);
      const record: PaymentRecord = {
        ...base,
        ...this.requestFields(request, instrument),
        ...(decision.status ? { status: decision.status, responseCode: decision.responseCode } : {}),
        capturedAmount: decision.status === 'Captured' ? request.amount : 0,
        reversalTimesOut: decision.reversalTimesOut,
        captureAnswerLost: number === SANDBOX_CARDS.captureAnswerLost,
        actions: [...base.actions, { id: actionId(), kind: 'charge', at, outcome: decision.outcome, amount: request.amount }],
      };
      if (!(await this.save(record, held?.version ?? 0))) continue;
      if (record.status) await this.options.store.put(this.options.channel, idKey(record.id), { reference: record.reference }, 0);
      // Never processed: the late answer is a gateway timeout, and a retry of the request is processed anew.
      if (!record.status) return { ...refusal(504, 'processing_timeout', false), late: true };
      return { status: record.status === 'Pending' ? 202 : 201, body: this.answerOf(record), late: decision.late };
    }
  }

  /** The contract's sandbox table ("Sandbox cards"), as today's in-process channel applied it. */
  private decide(request: PaymentRequestBody, number: string): {
    status?: AcquirerPaymentStatus;
    responseCode: string;
    outcome: string;
    late: boolean;
    reversalTimesOut: boolean;
  } {
    const primary = this.options.primary;
    const approved = { status: request.capture ? ('Captured' as const) : ('Authorized' as const), responseCode: RESPONSE_CODES.approved, outcome: request.capture ? 'succeeded' : 'authorized', late: false, reversalTimesOut: false };
    const challenge = { status: 'Pending' as const, responseCode: RESPONSE_CODES.authenticationRequired, outcome: 'requires_action', late: false, reversalTimesOut: false };
    switch (number) {
      case SANDBOX_CARDS.declined:
        return { status: 'Declined', responseCode: RESPONSE_CODES.doNotHonour, outcome: 'declined', late: false, reversalTimesOut: false };
      case SANDBOX_CARDS.insufficientFunds:
        return { status: 'Declined', responseCode: RESPONSE_CODES.insufficientFunds, outcome: 'declined', late: false, reversalTimesOut: false };
      case SANDBOX_CARDS.firstChannelTimesOut:
        if (primary) return { responseCode: '', outcome: 'timeout', late: true, reversalTimesOut: false };
        break;
      case SANDBOX_CARDS.capturedThenLost:
        // The primary captured before its answer was lost; its first reversal is lost too, so the failover stops.
        if (primary) return { status: 'Captured', responseCode: RESPONSE_CODES.approved, outcome: 'captured_timeout', late: true, reversalTimesOut: true };
        return { responseCode: '', outcome: 'timeout', late: true, reversalTimesOut: false };
      case SANDBOX_CARDS.nothingThenLost:
        return { responseCode: '', outcome: 'timeout', late: true, reversalTimesOut: primary };
      case SANDBOX_CARDS.otpChallenge:
        return challenge;
    }
    return request.authentication?.required ? challenge : approved;
  }

  /**
   * A merchant-initiated payment with a stored credential: no challenge is possible (the payer is absent), so it is
   * approved, or declined when the instrument is not active or its sandbox card declines every debit (0341).
   */
  private decideStored(request: PaymentRequestBody, instrument: InstrumentRecord | undefined): ReturnType<SandboxAcquirer['decide']> {
    const declined = (responseCode: string) => ({ status: 'Declined' as const, responseCode, outcome: 'declined', late: false, reversalTimesOut: false });
    if (instrument?.status !== 'Active') return declined(RESPONSE_CODES.instrumentNotActive);
    if (instrument.declinesDebits) return declined(RESPONSE_CODES.doNotHonour);
    const status = request.capture ? ('Captured' as const) : ('Authorized' as const);
    return { status, responseCode: RESPONSE_CODES.approved, outcome: request.capture ? 'succeeded' : 'authorized', late: false, reversalTimesOut: false };
  }

  /** The payer's OTP. A wrong one leaves the challenge open (the platform decides when to give up). */
  async authenticate(id: string, otp: string): Promise<Outcome> {
    return this.change(id, (record, at) => {
      if (record.status !== 'Pending') return refusal(422, 'payment_not_pending');
      const ok = otp === SANDBOX_OTP;
      const action: ActivityEntry = { id: actionId(), kind: 'confirm', at, outcome: ok ? 'ok' : 'bad_otp' };
      if (!ok) return { ...record, responseCode: RESPONSE_CODES.authenticationFailed, actions: [...record.actions, action] };
      const status = record.capture ? 'Captured' : 'Authorized';
      return { ...record, status, responseCode: RESPONSE_CODES.approved, capturedAmount: status === 'Captured' ? record.amount! : 0, actions: [...record.actions, action] };
    }, (record) => ({ status: 200, body: this.answerOf(record) }));
  }

  async capture(id: string, amount: number, reference: string): Promise<Outcome> {
    return this.change(id, (record, at) => {
      if (record.status === 'Captured' && record.capturedAmount === amount) return record;
      if (record.status !== 'Authorized') return refusal(422, 'payment_not_capturable');
      if (amount > record.amount!) return refusal(422, 'capture_amount_exceeds_authorized');
      return { ...record, status: 'Captured', capturedAmount: amount, actions: [...record.actions, { id: actionId(), kind: 'capture', at, outcome: 'succeeded', amount, reference }] };
      // 0622: captured here, answered after the caller gave up.
    }, (record) => ({ status: 200, body: this.answerOf(record), late: record.captureAnswerLost === true }));
  }

  /**
   * A void by our reference (a technical cancel): it reverses what the acquirer holds under it (also a capture, as an
   * authorization reversal does before settlement) and, when nothing arrived yet, refuses whatever arrives later.
   */
  async void(reference: string): Promise<Outcome> {
    for (;;) {
      const held = await this.get(reference);
      const record = held?.value ?? this.blank(reference);
      const at = this.options.now().toISOString();
      if (record.reversalTimesOut) {
        const lost = { ...record, reversalTimesOut: false, actions: [...record.actions, { id: actionId(), kind: 'cancel' as const, at, outcome: 'timeout' }] };
        if (!(await this.save(lost, held?.version ?? 0))) continue;
        return { ...refusal(504, 'processing_timeout', false), late: true };
      }
      const reversible = record.status === 'Authorized' || record.status === 'Captured' || record.status === 'Pending';
      const voided: PaymentRecord = {
        ...record,
        voided: true,
        ...(reversible ? { status: 'Voided' as const } : {}),
        actions: [...record.actions, { id: actionId(), kind: 'cancel', at, outcome: 'cancelled' }],
      };
      if (!(await this.save(voided, held?.version ?? 0))) continue;
      return { status: 200, body: { reference, status: 'Voided', payment_id: voided.status ? voided.id : null } };
    }
  }

  /** Refunds are keyed by the caller's reference: the same reference again answers the first refund. */
  async refund(id: string, amount: number, reference: string, reason: string | undefined): Promise<Outcome> {
    let refundId = '';
    const outcome = await this.change(id, (record, at) => {
      const earlier = record.actions.find((a) => a.kind === 'refund' && a.reference === reference);
      if (earlier) {
        refundId = earlier.id;
        return record;
      }
      if (record.status !== 'Captured') return refusal(422, 'payment_not_refundable');
      if (amount > record.capturedAmount - record.refundedAmount) return refusal(422, 'refund_amount_exceeds_balance');
      refundId = actionId();
      return { ...record, refundedAmount: record.refundedAmount + amount, actions: [...record.actions, { id: refundId, kind: 'refund', at, outcome: 'succeeded', amount, reference }] };
    }, () => ({ status: 202, body: { action_id: refundId, reference } }));
    // The sandbox's lost refund answer: done here, answered after the caller gave up.
    return outcome.status === 202 && reason === SANDBOX_REFUND_ANSWER_LOST ? { ...outcome, late: true } : outcome;
  }

  async retrieve(id: string): Promise<Outcome> {
    const found = await this.byId(id);
    return found?.value.status ? { status: 200, body: this.answerOf(found.value) } : refusal(404, 'payment_not_found');
  }

  async findByReference(reference: string): Promise<Outcome> {
    const found = await this.get(reference);
    const data = found?.value.status ? [this.answerOf(found.value)] : [];
    return { status: 200, body: { total_count: data.length, data } };
  }

  async actions(id: string): Promise<Outcome> {
    const found = await this.byId(id);
    if (!found?.value.status) return refusal(404, 'payment_not_found');
    const TYPES = { charge: 'Authorization', capture: 'Capture', cancel: 'Void', refund: 'Refund' } as const;
    const data = found.value.actions
      .filter((a) => a.kind !== 'confirm' && a.outcome !== 'timeout' && a.outcome !== 'refused_voided')
      .map((a) => ({
        id: a.id,
        type: TYPES[a.kind as keyof typeof TYPES],
        ...(a.reference ? { reference: a.reference } : {}),
        amount: a.amount ?? found.value.amount ?? 0,
        approved: a.kind !== 'charge' || found.value.responseCode === RESPONSE_CODES.approved || found.value.status === 'Voided',
        response_code: a.kind === 'charge' ? (found.value.responseCode ?? '') : RESPONSE_CODES.approved,
      }));
    return { status: 200, body: { data } };
  }

  /** The sandbox's activity report: every record, or those of one order or one reference. */
  async activity(filter: { readonly orderId?: string; readonly reference?: string }): Promise<PaymentRecord[]> {
    if (filter.reference) {
      const one = await this.get(filter.reference);
      return one ? [one.value] : [];
    }
    const all = await this.options.store.list<PaymentRecord>(this.options.channel, 'payment#');
    return all.map((item) => item.value).filter((r) => !filter.orderId || r.orderId === filter.orderId);
  }

  /** Applies `apply` to the payment with this acquirer id; `apply` returns the new record, or an Outcome to refuse. */
  private async change(
    id: string,
    apply: (record: PaymentRecord, at: string) => PaymentRecord | Outcome,
    answer: (record: PaymentRecord) => Outcome,
  ): Promise<Outcome> {
    for (;;) {
      const found = await this.byId(id);
      if (!found?.value.status) return refusal(404, 'payment_not_found');
      const next = apply(found.value, this.options.now().toISOString());
      if (isOutcome(next)) return next;
      if (next === found.value || (await this.save(next, found.version))) return answer(next);
    }
  }

  private answerOf(record: PaymentRecord): AcquirerPayment {
    return {
      id: record.id,
      reference: record.reference,
      status: record.status!,
      approved: record.responseCode === RESPONSE_CODES.approved,
      amount: record.amount!,
      currency: record.currency!,
      response_code: record.responseCode ?? '',
      response_summary: SUMMARY[record.responseCode ?? ''] ?? 'Declined',
      captured_amount: record.capturedAmount,
      refunded_amount: record.refundedAmount,
      ...(record.card ? { source: record.card } : {}),
      ...(record.status === 'Pending' ? { action_required: { type: 'otp' as const } } : {}),
    };
  }

  private requestFields(request: PaymentRequestBody, instrument: InstrumentRecord | undefined): Partial<PaymentRecord> {
    const fields = { orderId: request.metadata?.order_id, amount: request.amount, currency: request.currency, capture: request.capture };
    if (request.source.type === 'id') {
      return { ...fields, ...(instrument ? { card: { last4: instrument.last4, scheme: instrument.scheme, fingerprint: instrument.fingerprint } } : {}) };
    }
    const { number } = request.source;
    return {
      ...fields,
      card: {
        last4: number.slice(-4),
        scheme: cardBrand(number),
        fingerprint: createHmac('sha256', Buffer.from(this.options.fingerprintKey, 'base64')).update(number).digest('hex').slice(0, 32),
      },
    };
  }

  private blank(reference: string): PaymentRecord {
    return { reference, id: `acq_${randomBytes(12).toString('hex')}`, capturedAmount: 0, refundedAmount: 0, voided: false, reversalTimesOut: false, actions: [] };
  }

  private get(reference: string) {
    return this.options.store.get<PaymentRecord>(this.options.channel, paymentKey(reference));
  }

  private async byId(id: string) {
    const pointer = await this.options.store.get<{ reference: string }>(this.options.channel, idKey(id));
    return pointer ? this.get(pointer.value.reference) : undefined;
  }

  private save(record: PaymentRecord, version: number): Promise<boolean> {
    return this.options.store.put(this.options.channel, paymentKey(record.reference), record, version);
  }
}

function isOutcome(value: PaymentRecord | Outcome): value is Outcome {
  return typeof value.status === 'number';
}

const SUMMARY: Readonly<Record<string, string>> = {
  [RESPONSE_CODES.approved]: 'Approved',
  [RESPONSE_CODES.authenticationRequired]: 'Authentication required',
  [RESPONSE_CODES.doNotHonour]: 'Declined - Do not honour',
  [RESPONSE_CODES.insufficientFunds]: 'Insufficient funds',
  [RESPONSE_CODES.voidedBeforeArrival]: 'Voided before it arrived',
  [RESPONSE_CODES.authenticationFailed]: 'Authentication failed',
  [RESPONSE_CODES.instrumentNotActive]: 'Stored credential not active',
};
