import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { DynamoChannelCredentialStore } from '../shared/adapters/dynamodb/channel-credential-store.js';
import { loadChannelCredentials, sandboxChannels } from '../shared/channels/registry.js';
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

/**
 * Deps with every channel this deployment has credentials for, for the functions that call wallets, banks and
 * UnionPay (the charge step, the callbacks): the credentials are opened once per container (one GetItem and one KMS
 * Decrypt per channel) and the adapters built from them and the base URLs in CHANNEL_BASE_URLS. Locally the
 * runtime's installed Deps already hold them.
 */
let withChannels: Promise<Deps> | undefined;

export function getChannelDeps(): Promise<Deps> {
  const installed = installedDeps();
  if (installed && !composedWithoutChannels) return Promise.resolve(installed);
  withChannels ??= composeWithChannels().catch((error: unknown) => {
    withChannels = undefined; // a failed load (KMS or DynamoDB unavailable) is tried again by the next invocation
    throw error;
  });
  return withChannels;
}

/** True while the installed Deps are this container's own card-only composition (getDeps before getChannelDeps). */
let composedWithoutChannels = false;

async function composeWithChannels(): Promise<Deps> {
  const config = getConfig();
  const keyCenter = providers.keyCenter?.() ?? absent<KeyCenter>('key center');
  const db = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const credentials = await loadChannelCredentials(new DynamoChannelCredentialStore(db, config.TABLE_NAME, keyCenter));
  const deps = awsDeps({ credentials, baseUrl: (id) => config.CHANNEL_BASE_URLS[id] });
  setDeps(deps);
  composedWithoutChannels = false;
  return deps;
}

function awsDeps(channelConfig: Parameters<typeof sandboxChannels>[1] = {}): Deps {
  const config = getConfig();
  composedWithoutChannels = channelConfig.credentials === undefined;
  return createDeps({
    config,
    db: createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
    keyCenter: providers.keyCenter?.() ?? absent<KeyCenter>('key center'),
    workflow: providers.workflow?.() ?? absent<PayWorkflow>('pay workflow'),
    timers: providers.timers?.() ?? absent<Timers>('timers'),
    // The registry's channels (shared/channels/registry.ts): the sandbox cards, and those with loaded credentials.
    channels: sandboxChannels(undefined, channelConfig).channels,
  });
}
