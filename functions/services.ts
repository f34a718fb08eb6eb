import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { sandboxChannels } from '../shared/channels/registry.js';
import { getConfig } from '../shared/config.js';
import type { KeyCenter } from '../shared/ports/key-center.js';
import type { PayWorkflow } from '../shared/ports/pay-workflow.js';
import type { Timers } from '../shared/ports/timers.js';
import type { Deps } from '../shared/services/deps.js';
import { createDeps } from '../shared/services/create-deps.js';
import { installedDeps, setDeps } from './deps-registry.js';

/**
 * The composition root of a Lambda container: clients are created once, on first use, and reused by every
 * invocation. AWS clients other than DynamoDB are provided by the handler modules that call them (functions/aws/*),
 * so a function's bundle holds only the SDK clients it uses: every API function provides the KMS key center (it
 * verifies signatures with the sealed merchant secret), `pay` also the Step Functions workflow, `charge` the key
 * center; the other workflow steps neither. The local runtime installs its own Deps (same DynamoDB adapters, local
 * key center and workflow runner) through setDeps before it serves a request.
 */
export interface AwsProviders {
  readonly keyCenter?: () => KeyCenter;
  readonly workflow?: () => PayWorkflow;
  /** The functions that set deadlines (order, pay, refund, timers): EventBridge Scheduler. */
  readonly timers?: () => Timers;
}

let providers: AwsProviders = {};

export function getDeps(): Deps {
  const installed = installedDeps();
  if (installed) return installed;
  const composed = awsDeps();
  setDeps(composed);
  return composed;
}

export { setDeps };

/** Called by handler modules at import, before the first getDeps(). */
export function provideAws(value: AwsProviders): void {
  providers = { ...providers, ...value };
}

/** Stands in for a capability this function was not built with: any use is a deployment bug, and says so. */
function absent<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`This function has no ${what} (wanted ${String(property)}); provide it in its handler module.`);
    },
  });
}

function awsDeps(): Deps {
  const config = getConfig();
  return createDeps({
    config,
    db: createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
    keyCenter: providers.keyCenter?.() ?? absent<KeyCenter>('key center'),
    workflow: providers.workflow?.() ?? absent<PayWorkflow>('pay workflow'),
    timers: providers.timers?.() ?? absent<Timers>('timers'),
    // The registry's channels (shared/channels/registry.ts); only sandbox ones are wired so far.
    channels: sandboxChannels().channels,
  });
}
