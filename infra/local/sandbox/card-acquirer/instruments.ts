import { createHmac, randomBytes } from 'node:crypto';
import { cardBrand } from '../../../../shared/domain/card.js';
import { SANDBOX_CARDS, SANDBOX_OTP } from '../../../../shared/channels/sandbox-card.js';
import { RESPONSE_CODES, type AcquirerInstrument, type InstrumentRequestBody } from '../../../../shared/channels/card-acquirer/wire.js';
import type { SandboxStore } from '../sandbox-store.js';
import { refusal, type Outcome } from './acquirer.js';

/**
 * A stored credential as the sandbox acquirer keeps it: like its payments, of the card only last4, scheme and a keyed
 * fingerprint, never the number; what the sandbox card table decides for later debits is kept as a flag.
 */
export interface InstrumentRecord {
  readonly id: string;
  readonly reference: string;
  readonly status: AcquirerInstrument['status'];
  readonly responseCode: string;
  readonly scheme: string;
  readonly last4: string;
  readonly fingerprint: string;
  /** Sandbox card 0341: signs, and every merchant-initiated payment with it is declined. */
  readonly declinesDebits: boolean;
}

const instrumentKey = (id: string) => `instrument#${id}`;
const referenceKey = (reference: string) => `instrument-ref#${reference}`;

/**
 * Tokenization at the sandbox acquirer: create (pending the payer's OTP), authenticate, revoke, retrieve. Every
 * change is a conditional write on the version read, as for payments.
 */
export class SandboxInstruments {
  constructor(
    private readonly options: { readonly store: SandboxStore; readonly channel: string; readonly fingerprintKey: string },
  ) {}

  /** One instrument per reference (our agreement id): a second create with it answers the first. */
  async create(request: InstrumentRequestBody): Promise<Outcome> {
    const { store, channel } = this.options;
    const existing = await store.get<{ id: string }>(channel, referenceKey(request.reference));
    if (existing) return this.retrieve(existing.value.id);
    const { number } = request.source;
    const record: InstrumentRecord = {
      id: `src_${randomBytes(12).toString('hex')}`,
      reference: request.reference,
      status: 'Pending',
      responseCode: RESPONSE_CODES.authenticationRequired,
      scheme: cardBrand(number),
      last4: number.slice(-4),
      fingerprint: createHmac('sha256', Buffer.from(this.options.fingerprintKey, 'base64')).update(number).digest('hex').slice(0, 32),
      declinesDebits: number === SANDBOX_CARDS.agreementDebitsDeclined,
    };
    if (!(await store.put(channel, referenceKey(request.reference), { id: record.id }, 0))) return this.create(request);
    await store.put(channel, instrumentKey(record.id), record, 0);
    return { status: 202, body: answerOf(record) };
  }

  /** The payer's OTP: the right one activates the instrument; a wrong one leaves it pending. */
  async authenticate(id: string, otp: string): Promise<Outcome> {
    return this.change(id, (record) => {
      if (record.status !== 'Pending') return record.status === 'Active' ? record : refusal(422, 'instrument_not_pending');
      if (otp !== SANDBOX_OTP) return { ...record, responseCode: RESPONSE_CODES.authenticationFailed };
      return { ...record, status: 'Active', responseCode: RESPONSE_CODES.approved };
    });
  }

  /** Revocation is final and idempotent: a revoked instrument can never pay again. */
  async revoke(id: string): Promise<Outcome> {
    return this.change(id, (record) => (record.status === 'Revoked' ? record : { ...record, status: 'Revoked' }));
  }

  async retrieve(id: string): Promise<Outcome> {
    const found = await this.get(id);
    return found ? { status: 200, body: answerOf(found.value) } : refusal(404, 'instrument_not_found');
  }

  async get(id: string) {
    return this.options.store.get<InstrumentRecord>(this.options.channel, instrumentKey(id));
  }

  private async change(id: string, apply: (record: InstrumentRecord) => InstrumentRecord | Outcome): Promise<Outcome> {
    for (;;) {
      const found = await this.get(id);
      if (!found) return refusal(404, 'instrument_not_found');
      const next = apply(found.value);
      if ('body' in next) return next;
      if (next === found.value || (await this.options.store.put(this.options.channel, instrumentKey(id), next, found.version))) {
        return { status: 200, body: answerOf(next) };
      }
    }
  }
}

function answerOf(record: InstrumentRecord): AcquirerInstrument {
  return {
    id: record.id,
    reference: record.reference,
    status: record.status,
    response_code: record.responseCode,
    scheme: record.scheme,
    last4: record.last4,
    fingerprint: record.fingerprint,
    ...(record.status === 'Pending' ? { action_required: { type: 'otp' as const } } : {}),
  };
}
