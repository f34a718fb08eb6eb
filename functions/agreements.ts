import { confirmAgreementSchema, createAgreementSchema, listAgreementsQuerySchema } from '../shared/schemas/agreement-schemas.js';
import { agreementResource } from '../shared/schemas/agreement-resources.js';
import { emptyBodySchema, idParam } from '../shared/schemas/requests.js';
import { confirmAgreement } from '../shared/services/agreement-confirm.js';
import { terminateAgreement } from '../shared/services/agreement-termination.js';
import { createAgreement, listAgreements, loadAgreement } from '../shared/services/agreements.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { provideAws } from './services.js';

// This function sets deadlines: the retry of a revocation the channel has not confirmed (agreement-termination.ts).
provideAws({ timers: schedulerTimers });

/** Agreements for recurring debits: sign (with the payer's OTP), read, list by customer, terminate. */
export const handler = apiHandler({
  'POST /v1/agreements': async ({ body, merchant, deps }) => {
    const agreement = await createAgreement(deps, merchant, parse(createAgreementSchema, body));
    return { statusCode: 201, body: agreementResource(agreement) };
  },
  'GET /v1/agreements': async ({ query, merchant, deps }) => {
    const { customerId } = parse(listAgreementsQuerySchema, query);
    const agreements = await listAgreements(deps, merchant.merchantId, customerId);
    return { statusCode: 200, body: { object: 'list', data: agreements.map(agreementResource) } };
  },
  'GET /v1/agreements/{id}': async ({ pathParameters, merchant, deps }) => {
    const agreement = await loadAgreement(deps, merchant.merchantId, parse(idParam('agr'), pathParameters.id, 'id'));
    return { statusCode: 200, body: agreementResource(agreement) };
  },
  'POST /v1/agreements/{id}/confirm': async ({ body, pathParameters, merchant, deps }) => {
    const { otp } = parse(confirmAgreementSchema, body);
    const agreement = await confirmAgreement(deps, merchant, parse(idParam('agr'), pathParameters.id, 'id'), otp);
    return { statusCode: 200, body: agreementResource(agreement) };
  },
  'POST /v1/agreements/{id}/terminate': async ({ body, pathParameters, merchant, deps }) => {
    parse(emptyBodySchema, body);
    const agreement = await terminateAgreement(deps, merchant, parse(idParam('agr'), pathParameters.id, 'id'));
    return { statusCode: 200, body: agreementResource(agreement) };
  },
}, {
  // Signing, confirming and terminating call the channel (tokenization, its OTP or SMS code, revocation).
  channelRoutes: ['POST /v1/agreements', 'POST /v1/agreements/{id}/confirm', 'POST /v1/agreements/{id}/terminate'],
});
