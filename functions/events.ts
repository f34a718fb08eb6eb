import { eventsQuerySchema, idParam, testWebhookSchema, emptyBodySchema } from '../shared/schemas/requests.js';
import { eventListResource, eventResource, platformKeysResource, webhookTestResource } from '../shared/schemas/event-resources.js';
import { assertNotifyUrl } from '../shared/domain/notify-url.js';
import { platformKeys, redeliverEvent, sendTestWebhook } from '../shared/services/notifications.js';
import { listEvents } from '../shared/services/event-lists.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { getNotifyDeps } from './notify/compose.js';

/** Events and webhooks: delivery history, redelivery, test pings, and the platform's public keys. */
export const handler = apiHandler({
  'GET /v1/events': async ({ query, merchant }) => {
    const page = await listEvents(await getNotifyDeps(), merchant.merchantId, parse(eventsQuerySchema, query));
    return { statusCode: 200, body: eventListResource(page.data, page.nextCursor) };
  },
  'POST /v1/events/{id}/redeliver': async ({ body, pathParameters, merchant }) => {
    parse(emptyBodySchema, body);
    const event = await redeliverEvent(await getNotifyDeps(), merchant.merchantId, parse(idParam('evt'), pathParameters.id, 'id'));
    return { statusCode: 202, body: eventResource(event) };
  },
  'POST /v1/webhooks/test': async ({ body, merchant, deps }) => {
    const { url } = parse(testWebhookSchema, body);
    const result = await sendTestWebhook(await getNotifyDeps(), merchant.merchantId, assertNotifyUrl(url, deps.settings.localMode, 'url'));
    return { statusCode: 200, body: webhookTestResource(url, result) };
  },
  'GET /v1/platform/keys': async () => {
    return { statusCode: 200, body: platformKeysResource(await platformKeys(await getNotifyDeps())) };
  },
});
