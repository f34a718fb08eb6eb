import type { EventBus } from '../../shared/ports/notifications.js';

/**
 * The relay's composition root: only the event bus (EventBridge in AWS, loaded on first use; the local runtime
 * installs its in-process bus with setEventBus).
 */
let bus: Promise<EventBus> | undefined;

export function getEventBus(): Promise<EventBus> {
  return (bus ??= import('./aws-bus.js').then((m) => m.awsEventBus()));
}

export function setEventBus(value: EventBus): void {
  bus = Promise.resolve(value);
}
