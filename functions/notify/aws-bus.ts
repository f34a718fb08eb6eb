import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '../../shared/adapters/aws/eventbridge-bus.js';
import { getConfig } from '../../shared/config.js';
import { DOMAIN_EVENT_SOURCE } from '../../shared/domain/webhook.js';
import type { EventBus } from '../../shared/ports/notifications.js';

export function awsEventBus(): EventBus {
  const config = getConfig();
  if (!config.EVENT_BUS_NAME) throw new Error('EVENT_BUS_NAME must be set for the outbox relay');
  return new EventBridgeBus(new EventBridgeClient({ region: config.AWS_REGION }), config.EVENT_BUS_NAME, DOMAIN_EVENT_SOURCE);
}
