import { DEFAULT_SECRET_GRACE_SECONDS } from '../../shared/domain/merchant-secret.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { opsMerchantResource } from '../../shared/ops/ops-resources.js';
import type { Merchant } from '../../shared/ports/stores.js';
import { merchantIdParam, opsMerchantCreateSchema, opsMerchantFeesSchema, opsSecretRotationSchema } from '../../shared/schemas/ops-schemas.js';
import { createMerchant, rotateMerchantSecret, setMerchantFees, setMerchantStatus } from '../../shared/services/merchants.js';
import { parse } from '../http/errors.js';
import type { OpsRequest, OpsResult, OpsRoutes } from './ops-handler.js';

/**
 * Merchant controls of the operations API (docs/operations.md, "Merchants"): create, disable / enable, fees and secret
 * rotation. Each change is audited with the merchant before and after as operators see it, never a secret: a new
 * secret is in the answer only, once (docs/decisions.md, 230-235).
 */
export const merchantOpsRoutes: OpsRoutes = {
  'POST /ops/v1/merchants': async ({ body, ops }) => {
    const input = parse(opsMerchantCreateSchema, body);
    const { merchantId, secret } = await createMerchant(ops.deps, input);
    const merchant = opsMerchantResource((await ops.deps.merchants.get(merchantId))!);
    return { statusCode: 201, body: { ...merchant, secret }, audit: { before: null, after: merchant } };
  },
  'POST /ops/v1/merchants/{id}/disable': (request) => statusChange(request, 'disabled'),
  'POST /ops/v1/merchants/{id}/enable': (request) => statusChange(request, 'active'),
  'PUT /ops/v1/merchants/{id}/fees': async ({ pathParameters, body, ops }) => {
    const merchantId = parse(merchantIdParam, pathParameters.id, 'id');
    const fees = parse(opsMerchantFeesSchema, body);
    const before = await existing(ops.deps.merchants, merchantId);
    const after = { ...before, fees: await setMerchantFees(ops.deps, merchantId, fees) };
    return { statusCode: 200, body: opsMerchantResource(after), audit: changeOf(before, after) };
  },
  'POST /ops/v1/merchants/{id}/secret/rotate': async ({ pathParameters, body, ops }) => {
    const merchantId = parse(merchantIdParam, pathParameters.id, 'id');
    const { graceSeconds = DEFAULT_SECRET_GRACE_SECONDS } = parse(opsSecretRotationSchema, body);
    const { before, after, secret } = await rotateMerchantSecret(ops.deps, merchantId, graceSeconds);
    return { statusCode: 200, body: { ...opsMerchantResource(after), secret }, audit: changeOf(before, after) };
  },
};

async function statusChange({ pathParameters, ops }: OpsRequest, status: Merchant['status']): Promise<OpsResult> {
  const { before, after } = await setMerchantStatus(ops.deps, parse(merchantIdParam, pathParameters.id, 'id'), status);
  return { statusCode: 200, body: opsMerchantResource(after), audit: changeOf(before, after) };
}

async function existing(merchants: { get(id: string): Promise<Merchant | undefined> }, merchantId: string): Promise<Merchant> {
  const merchant = await merchants.get(merchantId);
  if (!merchant) throw new NotFoundError('merchant', 'id');
  return merchant;
}

/** The audit's before and after: the operators' view of the merchant, which carries no secret. */
function changeOf(before: Merchant, after: Merchant): NonNullable<OpsResult['audit']> {
  return { before: opsMerchantResource(before), after: opsMerchantResource(after) };
}
