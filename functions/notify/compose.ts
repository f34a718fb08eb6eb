import type { NotifyDeps } from '../../shared/services/notifications.js';
import { awsNotifyDeps } from './aws-notify.js';

/**
 * The composition root of the notification functions (the notifier, the events API). In AWS the adapters are
 * EventBridge, SQS and KMS, created on first use; the local runtime installs its own (durable local queue, file key)
 * with setNotifyDeps before serving.
 *
 * A static import, not `import()`: only the notifier and the events function import this module, and both use these
 * adapters. A dynamic import inside a one-file bundle made esbuild wrap every module the two graphs share (the
 * DynamoDB client among them) in lazy initialisers it cannot tree-shake: the events bundle was 91 KB larger and its
 * cold init ~20 ms slower for it (decisions, entry 96).
 */
let notifyDeps: Promise<NotifyDeps> | undefined;

export function getNotifyDeps(): Promise<NotifyDeps> {
  return (notifyDeps ??= Promise.resolve().then(awsNotifyDeps));
}

export function setNotifyDeps(value: NotifyDeps): void {
  notifyDeps = Promise.resolve(value);
}
