import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoChannelCredentialStore } from '../../shared/adapters/dynamodb/channel-credential-store.js';
import { generateSandboxAlipayKeys } from '../../shared/channels/alipay/credentials.js';
import { generateSandboxCardAcquirerKeys } from '../../shared/channels/card-acquirer/credentials.js';
import { generateSandboxNetbankKeys } from '../../shared/channels/netbank/credentials.js';
import { generateSandboxUnionpayKeys } from '../../shared/channels/unionpay/credentials.js';
import { generateSandboxWechatPayKeys } from '../../shared/channels/wechat-pay/credentials.js';
import { loadChannelCredentials } from '../../shared/channels/registry.js';
import type { Config } from '../../shared/config.js';
import type { KeyCenter } from '../../shared/ports/key-center.js';
import { localDynamoDbClient } from './dynamodb-local.js';
import { AlipayEmulator } from './sandbox/alipay/emulator.js';
import { CardAcquirerEmulator } from './sandbox/card-acquirer/emulator.js';
import { NetbankEmulator } from './sandbox/netbank/netbank-emulator.js';
import { handleBillPath } from './sandbox/bills/bill-routes.js';
import { CHANNEL_FAULTS, handleFault } from './sandbox/fault-mode.js';
import { SandboxStore } from './sandbox/sandbox-store.js';
import { UnionpayEmulator } from './sandbox/unionpay/unionpay-emulator.js';
import { WechatPayEmulator } from './sandbox/wechat-pay/emulator.js';

/** What the gateway mounts under `/sandbox/channels/<id>/…`: the emulator's own paths after the prefix. */
export interface SandboxEmulator {
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void> | void;
}

/**
 * One line per emulated channel: how to make a matching key pair (the channel's side for the emulator, the
 * platform's side for the adapter) and the emulator over its side.
 */
interface SandboxLine<K> {
  readonly generate: () => { channel: K; platform: unknown };
  readonly emulator: (options: { store: SandboxStore; keys: K; timeScale: number }) => SandboxEmulator;
}

const line = <K>(value: SandboxLine<K>): SandboxLine<unknown> => value as SandboxLine<unknown>;

const SANDBOX_LINES: Readonly<Record<string, SandboxLine<unknown>>> = {
  // Two acquirers with keys and records of their own; card_a is the primary, which times out on the timeout cards.
  card_a: line({ generate: generateSandboxCardAcquirerKeys, emulator: (o) => new CardAcquirerEmulator({ ...o, channel: 'card_a', primary: true }) }),
  card_b: line({ generate: generateSandboxCardAcquirerKeys, emulator: (o) => new CardAcquirerEmulator({ ...o, channel: 'card_b', primary: false }) }),
  wechat_pay: line({ generate: () => generateSandboxWechatPayKeys(), emulator: (o) => new WechatPayEmulator(o) }),
  alipay: line({ generate: generateSandboxAlipayKeys, emulator: (o) => new AlipayEmulator(o) }),
  netbank: line({ generate: () => generateSandboxNetbankKeys(), emulator: (o) => new NetbankEmulator(o) }),
  unionpay: line({ generate: () => generateSandboxUnionpayKeys(), emulator: (o) => new UnionpayEmulator(o) }),
};

export interface SandboxChannels {
  /** The platform side of each channel's credentials, opened from the ChannelCredentialStore (for the registry). */
  readonly credentials: ReadonlyMap<string, unknown>;
  readonly emulators: ReadonlyMap<string, SandboxEmulator>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The local runtime's sandbox channels. On first start each channel gets a fresh key pair: the channel's side is kept
 * in `<dataDir>/sandbox-channels/<id>.json` (mode 600, as a real channel keeps its keys apart from ours), the
 * platform's side is sealed and stored with the ChannelCredentialStore exactly as an operator would store a real
 * channel's. A restart reuses both; if either half is lost (data wiped) the pair is made again, since half a pair
 * verifies nothing. The emulators keep their records in their own table, `<TABLE>-sandbox`.
 */
export async function openSandboxChannels(input: {
  readonly config: Config;
  readonly dynamoEndpoint: string;
  readonly dataDir: string;
  readonly keyCenter: KeyCenter;
}): Promise<SandboxChannels> {
  const { config, dynamoEndpoint } = input;
  const db = createDocumentClient({ endpoint: dynamoEndpoint, region: 'local' });
  const admin = localDynamoDbClient(dynamoEndpoint);
  const tableName = `${config.TABLE_NAME}-sandbox`;
  await SandboxStore.ensureTable(admin, tableName);
  admin.destroy();
  const store = new SandboxStore(db, tableName);
  const credentialStore = new DynamoChannelCredentialStore(db, config.TABLE_NAME, input.keyCenter);
  const keyDir = join(input.dataDir, 'sandbox-channels');
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });

  const emulators = new Map<string, SandboxEmulator>();
  for (const [id, sandbox] of Object.entries(SANDBOX_LINES)) {
    const file = join(keyDir, `${id}.json`);
    let channelKeys = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
    if (channelKeys === undefined || !(await credentialStore.get(id))) {
      const pair = sandbox.generate();
      await credentialStore.put(id, pair.platform);
      writeFileSync(file, `${JSON.stringify(pair.channel, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      channelKeys = pair.channel;
    }
    emulators.set(id, withSandboxPaths(sandbox.emulator({ store, keys: channelKeys, timeScale: config.PAY_RETRY_TIME_SCALE }), store, id, channelKeys));
  }
  const credentials = await loadChannelCredentials(credentialStore);
  return {
    credentials,
    emulators,
    async start() {
      await Promise.all([...emulators.values()].map((e) => e.start()));
    },
    async stop() {
      await Promise.all([...emulators.values()].map((e) => e.stop()));
      db.destroy();
    },
  };
}

/**
 * The channel's fault knob (sandbox/fault-mode.ts; WeChat Pay's emulator has its own) and daily bill paths
 * (sandbox/bills/bill-routes.ts) in front of its emulator's own.
 */
function withSandboxPaths(emulator: SandboxEmulator, store: SandboxStore, channel: string, channelKeys: unknown): SandboxEmulator {
  const { mchId, appId } = (channelKeys ?? {}) as { mchId?: string; appId?: string };
  const signer = emulator as Partial<{ signatureHeaders(body: string): Record<string, string> }>;
  const sign = signer.signatureHeaders ? (body: string) => signer.signatureHeaders!(body) : undefined;
  return {
    start: () => emulator.start(),
    stop: () => emulator.stop(),
    async handle(req, res, path) {
      const faults = CHANNEL_FAULTS[channel];
      if (faults && (await handleFault({ store, channel, faults }, req, res, path))) return;
      if (!(await handleBillPath({ store, channel, context: { mchId, appId }, sign }, req, res, path))) await emulator.handle(req, res, path);
    },
  };
}

/** The base URL the adapters call for a sandbox channel: the emulator as the gateway mounts it. */
export function sandboxChannelUrl(runtimeUrl: string, channelId: string): string {
  return `${runtimeUrl}/sandbox/channels/${channelId}`;
}
