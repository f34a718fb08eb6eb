import type { NotifyDeps } from '../../shared/services/notifications.js';

/**
 * The composition root of the notification functions (relay, notifier, events API). In AWS the adapters are
 * EventBridge, SQS and KMS, loaded on first use so that functions that never notify do not pay for them; the local
 * runtime installs its own (durable local queue, file key) with setNotifyDeps before serving.
 */
let notifyDeps: Promise<NotifyDeps> | undefined;

export function getNotifyDeps(): Promise<NotifyDeps> {
  return (notifyDeps ??= import('./aws-notify.js').then((m) => m.awsNotifyDeps()));
}

export function setNotifyDeps(value: NotifyDeps): void {
  notifyDeps = Promise.resolve(value);
}
