import { NotFoundError } from '../../shared/domain/errors.js';
import type { ChannelConfig } from '../../shared/domain/routing.js';
import { channelRecordResource, opsChannelResource } from '../../shared/ops/channel-resources.js';
import type { ChannelRecord } from '../../shared/ports/channel-store.js';
import { channelIdParam, channelPatchSchema } from '../../shared/schemas/channel-schemas.js';
import { idParam } from '../../shared/schemas/requests.js';
import { changeChannel, getChannel, listChannels, patchedRecord } from '../../shared/services/channels.js';
import { parse } from '../http/errors.js';
import type { OpsRequest, OpsResult, OpsRoutes } from './ops-handler.js';

/**
 * Channels in the operations API (docs/operations.md, "Channels"): list and show with their shared health, enable,
 * disable, and tune limits, cost and priority; each change audited with the record before and after. And an order's
 * attempts as operators see them, with the routing decision each one kept (merchants do not see it: decisions, 208).
 */
export const channelOpsRoutes: OpsRoutes = {
  'GET /ops/v1/channels': async ({ ops }) => ({ statusCode: 200, body: { object: 'list', data: (await listChannels(ops.deps)).map(opsChannelResource) } }),
  'GET /ops/v1/channels/{id}': async ({ pathParameters, ops }) => ({
    statusCode: 200,
    body: opsChannelResource(await getChannel(ops.deps, parse(channelIdParam, pathParameters.id, 'id'))),
  }),
  'POST /ops/v1/channels/{id}/disable': (request) => change(request, (record) => ({ ...record, enabled: false })),
  'POST /ops/v1/channels/{id}/enable': (request) => change(request, (record) => ({ ...record, enabled: true })),
  'PATCH /ops/v1/channels/{id}': (request) => {
    const patch = parse(channelPatchSchema, request.body);
    return change(request, (record) => patchedRecord(record, patch, capabilityOf(request, record.id)));
  },
  'GET /ops/v1/orders/{id}/attempts': async ({ pathParameters, ops }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    if (!(await ops.deps.orders.getOrder(orderId))) throw new NotFoundError('order', 'id');
    const attempts = await ops.deps.orders.listAttempts(orderId);
    return { statusCode: 200, body: { object: 'list', data: attempts.map((attempt) => ({ object: 'attempt', ...attempt })) } };
  },
};

/** What the channel's integration can take: the registry's row this deployment built it from. */
function capabilityOf({ ops }: OpsRequest, id: string): ChannelConfig {
  const row = ops.deps.channelDirectory.defaults.find((r) => r.id === id);
  if (!row) throw new NotFoundError('channel', 'id');
  return row;
}

async function change({ pathParameters, ops }: OpsRequest, apply: (record: ChannelRecord) => ChannelRecord): Promise<OpsResult> {
  const id = parse(channelIdParam, pathParameters.id, 'id');
  const { before, after } = await changeChannel(ops.deps, id, apply);
  return { statusCode: 200, body: opsChannelResource((await getChannel(ops.deps, after.id))), audit: { before: channelRecordResource(before), after: channelRecordResource(after) } };
}
