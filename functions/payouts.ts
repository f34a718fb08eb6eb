import { payoutResource } from '../shared/domain/payout.js';
import { createPayoutSchema, listPayoutsQuerySchema } from '../shared/schemas/payout-schemas.js';
import { idParam } from '../shared/schemas/requests.js';
import { createPayout, getPayout, listPayouts, payoutDeps } from '../shared/services/payouts.js';
import { apiHandler } from './http/api-handler.js';
import { parse } from './http/errors.js';

/** Payouts (代付): create (the reservation in the same commit, then the bank), read one, list (contract, "Payouts"). */
export const handler = apiHandler({
  'POST /v1/payouts': async ({ body, merchant, deps }) => {
    const request = parse(createPayoutSchema, body);
    const { created, payout } = await createPayout(payoutDeps(deps), merchant, request, deps.settings.localMode);
    return { statusCode: created ? 201 : 200, body: payoutResource(payout) };
  },
  'GET /v1/payouts': async ({ query, merchant, deps }) => {
    const { status, limit, cursor } = parse(listPayoutsQuerySchema, query);
    const page = await listPayouts(payoutDeps(deps), { merchantId: merchant.merchantId, limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    return { statusCode: 200, body: { object: 'list', data: page.payouts.map(payoutResource), nextCursor: page.nextCursor } };
  },
  'GET /v1/payouts/{id}': async ({ pathParameters, merchant, deps }) => {
    const payout = await getPayout(payoutDeps(deps), merchant.merchantId, parse(idParam('po'), pathParameters.id, 'id'));
    return { statusCode: 200, body: payoutResource(payout) };
  },
});
