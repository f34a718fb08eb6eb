import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as z from 'zod/mini';
import type { CardAcquirerEmulatorKeys } from '../../../../shared/channels/card-acquirer/credentials.js';
import { bearerMatches, signAnswer } from '../../../../shared/channels/card-acquirer/signature.js';
import {
  ACQUIRER_HEADERS,
  authenticationRequestSchema,
  captureRequestSchema,
  instrumentRequestSchema,
  paymentRequestSchema,
  refundRequestSchema,
  voidRequestSchema,
} from '../../../../shared/channels/card-acquirer/wire.js';
import { parseJsonBody, readRequestBody, sendText } from '../http-io.js';
import type { SandboxStore } from '../sandbox-store.js';
import { SandboxAcquirer, refusal, type Outcome } from './acquirer.js';
import { SandboxInstruments } from './instruments.js';

export interface CardAcquirerEmulatorOptions {
  readonly store: SandboxStore;
  readonly keys: CardAcquirerEmulatorKeys;
  /** The channel id it is mounted as (card_a, card_b): its records are kept under it. */
  readonly channel: string;
  /** The primary acquirer times out on the timeout cards (contract, "Sandbox cards"). */
  readonly primary: boolean;
  /** Accepted for the common emulator shape; the acquirer answers synchronously, nothing here is scheduled. */
  readonly timeScale?: number;
  /** The longest a late answer waits for the caller to give up (it normally answers as soon as the caller has). */
  readonly lateAnswerMaxMs?: number;
  readonly now?: () => Date;
}

/** What an idempotency record keeps of its request: a keyed hash (the body holds the card number). */
export function requestHash(fingerprintKey: string, path: string, body: string): string {
  return createHmac('sha256', Buffer.from(fingerprintKey, 'base64')).update(`${path}\n${body}`).digest('hex');
}

/** A first call with this key that has not finished after this long is taken to have died with its process. */
const ABANDONED_AFTER_MS = 30_000;

interface IdempotencyRecord {
  readonly hash: string;
  readonly at: number;
  readonly answer?: { readonly status: number; readonly body: unknown };
}

const ROUTES: readonly { method: string; pattern: RegExp; name: string }[] = [
  { method: 'POST', pattern: /^\/payments$/, name: 'create' },
  { method: 'GET', pattern: /^\/payments$/, name: 'list' },
  { method: 'GET', pattern: /^\/payments\/([^/]+)$/, name: 'retrieve' },
  { method: 'GET', pattern: /^\/payments\/([^/]+)\/actions$/, name: 'actions' },
  { method: 'POST', pattern: /^\/payments\/([^/]+)\/authentications$/, name: 'authenticate' },
  { method: 'POST', pattern: /^\/payments\/([^/]+)\/captures$/, name: 'capture' },
  { method: 'POST', pattern: /^\/payments\/([^/]+)\/refunds$/, name: 'refund' },
  { method: 'POST', pattern: /^\/voids$/, name: 'void' },
  { method: 'POST', pattern: /^\/instruments$/, name: 'createInstrument' },
  { method: 'GET', pattern: /^\/instruments\/([^/]+)$/, name: 'retrieveInstrument' },
  { method: 'POST', pattern: /^\/instruments\/([^/]+)\/authentications$/, name: 'authenticateInstrument' },
  { method: 'POST', pattern: /^\/instruments\/([^/]+)\/revocations$/, name: 'revokeInstrument' },
];

/**
 * The sandbox card acquirer (docs/channels.md, "Card acquirers"): card_a and card_b are two of these, each with its
 * own keys and records. Requests must carry an accepted secret key; every POST an idempotency key, whose first answer
 * is kept and replayed (a different request under the same key is refused); every answer is signed. A "timeout" is
 * an answer held until the caller has given up. The card number is read from the request and never kept or logged:
 * its records hold last4, scheme and a keyed fingerprint.
 */
export class CardAcquirerEmulator {
  private readonly acquirer: SandboxAcquirer;
  private readonly instruments: SandboxInstruments;
  private readonly now: () => Date;

  constructor(private readonly options: CardAcquirerEmulatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.instruments = new SandboxInstruments({ store: options.store, channel: options.channel, fingerprintKey: options.keys.fingerprintKey });
    this.acquirer = new SandboxAcquirer({
      store: options.store,
      channel: options.channel,
      primary: options.primary,
      fingerprintKey: options.keys.fingerprintKey,
      now: this.now,
      instruments: this.instruments,
    });
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const url = new URL(path, 'http://acquirer.invalid');
    if (req.method === 'GET' && url.pathname === '/sandbox/activity') return this.activity(res, url.searchParams);
    const requestId = String(req.headers[ACQUIRER_HEADERS.requestId] ?? '').slice(0, 100);
    const route = ROUTES.map((r) => ({ ...r, match: r.pattern.exec(url.pathname) })).find((r) => r.match && r.method === req.method);
    if (!route) return this.reply(res, requestId, refusal(404, 'not_found'));
    if (!bearerMatches(req.headers.authorization, this.options.keys.secretKeyHashes)) return this.reply(res, requestId, refusal(401, 'unauthorized'));
    const id = decodeURIComponent(route.match![1] ?? '');
    if (req.method === 'GET') {
      return this.reply(res, requestId, await this.read(route.name, id, url.searchParams));
    }
    const text = await readRequestBody(req);
    const body = text === undefined ? undefined : parseJsonBody(text);
    const key = req.headers[ACQUIRER_HEADERS.idempotencyKey];
    if (typeof key !== 'string' || !/^[A-Za-z0-9_:.-]{1,200}$/.test(key)) return this.reply(res, requestId, refusal(422, 'idempotency_key_required'));
    const hash = requestHash(this.options.keys.fingerprintKey, url.pathname, text ?? '');
    const outcome = await this.idempotent(key, hash, () => this.write(route.name, id, body));
    await this.reply(res, requestId, outcome);
  }

  private async read(name: string, id: string, query: URLSearchParams): Promise<Outcome> {
    switch (name) {
      case 'list': {
        const reference = query.get('reference');
        return reference ? this.acquirer.findByReference(reference) : refusal(422, 'reference_required');
      }
      case 'retrieve':
        return this.acquirer.retrieve(id);
      case 'retrieveInstrument':
        return this.instruments.retrieve(id);
      default:
        return this.acquirer.actions(id);
    }
  }

  private async write(name: string, id: string, body: unknown): Promise<Outcome> {
    switch (name) {
      case 'create':
        return this.parsed(paymentRequestSchema, body, (request) => this.acquirer.create(request));
      case 'authenticate':
        return this.parsed(authenticationRequestSchema, body, (request) => this.acquirer.authenticate(id, request.otp));
      case 'capture':
        return this.parsed(captureRequestSchema, body, (request) => this.acquirer.capture(id, request.amount, request.reference));
      case 'refund':
        return this.parsed(refundRequestSchema, body, (request) => this.acquirer.refund(id, request.amount, request.reference, request.metadata?.reason));
      case 'createInstrument':
        return this.parsed(instrumentRequestSchema, body, (request) => this.instruments.create(request));
      case 'authenticateInstrument':
        return this.parsed(authenticationRequestSchema, body, (request) => this.instruments.authenticate(id, request.otp));
      case 'revokeInstrument':
        return this.instruments.revoke(id);
      default:
        return this.parsed(voidRequestSchema, body, (request) => this.acquirer.void(request.reference));
    }
  }

  private parsed<T>(schema: z.ZodMiniType<T>, body: unknown, run: (request: T) => Promise<Outcome>): Promise<Outcome> {
    const parsed = schema.safeParse(body);
    return parsed.success ? run(parsed.data) : Promise.resolve(refusal(422, 'request_invalid'));
  }

  /**
   * The first answer under an idempotency key is kept and replayed; while the first call runs, another gets 409
   * (the caller cannot know the outcome yet); a call that did nothing (`keep: false`) leaves the key free.
   */
  private async idempotent(key: string, hash: string, run: () => Promise<Outcome>): Promise<Outcome> {
    const { store, channel } = this.options;
    const itemKey = `idem#${key}`;
    for (;;) {
      const held = await store.get<IdempotencyRecord>(channel, itemKey);
      if (held && held.value.hash !== hash) return refusal(422, 'idempotency_key_reused');
      if (held?.value.answer) return { ...held.value.answer, replayed: true };
      if (held && this.now().getTime() - held.value.at < ABANDONED_AFTER_MS) return refusal(409, 'idempotency_key_in_use');
      if (await store.put<IdempotencyRecord>(channel, itemKey, { hash, at: this.now().getTime() }, held?.version ?? 0)) break;
    }
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (error) {
      await store.put<IdempotencyRecord>(channel, itemKey, { hash, at: 0 });
      throw error;
    }
    const kept = outcome.keep === false ? { hash, at: 0 } : { hash, at: this.now().getTime(), answer: { status: outcome.status, body: outcome.body } };
    await store.put<IdempotencyRecord>(channel, itemKey, kept);
    return outcome;
  }

  /** Signs the answer for the request id it answers; a late one is held until the caller has given up. */
  private async reply(res: ServerResponse, requestId: string, outcome: Outcome): Promise<void> {
    if (outcome.late && !outcome.replayed) await this.afterCallerLeft(res);
    if (res.destroyed || res.writableEnded) return;
    const body = JSON.stringify(outcome.body);
    sendText(res, outcome.status, body, {
      'content-type': 'application/json',
      [ACQUIRER_HEADERS.signature]: signAnswer(this.options.keys.signingKey, requestId, body, this.now()),
      ...(outcome.replayed ? { [ACQUIRER_HEADERS.replayed]: 'true' } : {}),
    });
  }

  private afterCallerLeft(res: ServerResponse): Promise<void> {
    if (res.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.lateAnswerMaxMs ?? 60_000);
      timer.unref();
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** GET /sandbox/activity?order_id=…|reference=…: the acquirer's own report of what reached it (sandbox only). */
  private async activity(res: ServerResponse, query: URLSearchParams): Promise<void> {
    const records = await this.acquirer.activity({ orderId: query.get('order_id') ?? undefined, reference: query.get('reference') ?? undefined });
    const data = records.map((r) => ({
      reference: r.reference,
      order_id: r.orderId ?? null,
      status: r.status ?? null,
      amount: r.amount ?? null,
      card: r.card ? { last4: r.card.last4, scheme: r.card.scheme } : null,
      actions: r.actions,
    }));
    sendText(res, 200, JSON.stringify({ channel: this.options.channel, data }), { 'content-type': 'application/json' });
  }
}
