import * as z from 'zod/mini';
import { AGREEMENT_METHODS, AGREEMENT_STATUSES } from '../domain/agreement.js';
import { amountSchema, cardSchema, currencySchema, idParam, payerSchema } from './requests.js';

/**
 * Agreements' request and response schemas (contract, "Agreements and recurring debits"). Kept apart from the
 * order's so the agreements function bundles only these; response-schemas.ts reads agreementSchema for the events.
 */
const businessNo = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));

export const createAgreementSchema = z.strictObject({
  outAgreementNo: businessNo,
  customerId: idParam('cus'),
  method: z.enum(AGREEMENT_METHODS),
  card: z.optional(cardSchema),
  currency: currencySchema,
  maxAmountPerDebit: amountSchema,
  notifyUrl: z.optional(z.string().check(z.maxLength(2048))),
  // The payer present at signing, as on a pay: screened against the blocklist (docs/decisions.md, 145).
  payer: z.optional(payerSchema),
});
export type CreateAgreementRequest = z.infer<typeof createAgreementSchema>;

export const confirmAgreementSchema = z.strictObject({ otp: z.string().check(z.regex(/^\d{4,10}$/)) });

export const listAgreementsQuerySchema = z.strictObject({ customerId: idParam('cus') });

const time = z.iso.datetime();

export const agreementSchema = z.object({
  id: idParam('agr'),
  object: z.literal('agreement'),
  outAgreementNo: z.string(),
  customerId: idParam('cus'),
  method: z.enum(AGREEMENT_METHODS),
  channel: z.string(),
  status: z.enum(AGREEMENT_STATUSES),
  currency: currencySchema,
  maxAmountPerDebit: amountSchema,
  notifyUrl: z.nullable(z.string()),
  channelAgreementId: z.nullable(z.string().check(z.describe("The channel's token for the stored credential; a debit names it at the channel."))),
  brand: z.nullable(z.string()),
  last4: z.nullable(z.string()),
  nextAction: z.nullable(
    z.object({
      type: z.enum(['otp', 'qr_code']),
      url: z.nullable(z.string().check(z.describe("The hosted checkout page for the payer's step, when one is issued."))),
      qrCode: z.optional(z.string()),
    }),
  ),
  version: z.int().check(z.minimum(1)),
  createdAt: time,
  activatedAt: z.nullable(time),
  terminatedAt: z.nullable(time),
  terminatedBy: z.nullable(z.enum(['merchant', 'payer', 'platform'])),
  failureCode: z.nullable(
    z.string().check(z.describe('Why the platform ended the agreement: `authentication_failed` when the payer used up the one-time passwords of its signing, `signing_expired` when nobody signed by `signExpiresAt`.')),
  ),
  signExpiresAt: z.nullable(
    time.check(z.describe('The signing deadline: a PENDING agreement the payer has not signed by then is TERMINATED (`terminatedBy: platform`, `failureCode: signing_expired`, event `agreement.terminated`), once the channel confirms nothing was signed. Null on agreements created before deadlines existed.')),
  ),
  revokedAtChannelAt: z.nullable(time.check(z.describe("When the channel confirmed the revocation of the agreement's credential; null while the janitor still retries it."))),
});
export type AgreementResource = z.infer<typeof agreementSchema>;

export const agreementListSchema = z.object({ object: z.literal('list'), data: z.array(agreementSchema) });
