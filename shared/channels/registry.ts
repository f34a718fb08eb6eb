import type { ChannelConfig } from '../domain/routing.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { ChannelCredentialStore } from '../ports/channel-credentials.js';
import { ALIPAY_CATALOG } from './alipay/catalog.js';
import { AlipayAdapter } from './alipay/adapter.js';
import { parseAlipayCredentials } from './alipay/credentials.js';
import { NETBANK_CATALOG } from './netbank/catalog.js';
import { NetbankAdapter } from './netbank/adapter.js';
import { parseNetbankCredentials } from './netbank/credentials.js';
import { CardAcquirerAdapter } from './card-acquirer/adapter.js';
import { cardAcquirerCatalogRow } from './card-acquirer/catalog.js';
import { parseCardAcquirerCredentials } from './card-acquirer/credentials.js';
import { UNIONPAY_CATALOG } from './unionpay/catalog.js';
import { UnionpayAdapter } from './unionpay/adapter.js';
import { parseUnionpayCredentials } from './unionpay/credentials.js';
import { WECHAT_PAY_CATALOG } from './wechat-pay/catalog.js';
import { parseWechatPayCredentials, WechatPayAdapter } from './wechat-pay/adapter.js';

/**
 * One registry of channels (shared/ARCHITECTURE.md, "one registry per concept"): each line is a channel's catalog
 * row (what routing may send it: methods, currencies, limits, cost) and the factory of its adapter. A new channel is
 * its own folder (shared/channels/<name>/: adapter, transformers, catalog row) plus one line here; the catalog, the
 * composition roots and routing all read this list.
 */
export interface ChannelContext {
  /** Each channel's credentials as opened from the ChannelCredentialStore by the composition root (absent: none stored). */
  readonly credentials?: ReadonlyMap<string, unknown>;
  /** Each channel's API base URL from config (AWS: the real endpoint; local: `<runtime url>/sandbox/channels/<id>`). */
  readonly baseUrl?: (channelId: string) => string | undefined;
  /** A channel's call timeout when it is not the adapter's own default (local mode: the sandbox acquirers, shorter). */
  readonly timeoutMs?: (channelId: string) => number | undefined;
}

export interface ChannelRegistration {
  readonly catalog: ChannelConfig;
  /** True when the adapter needs credentials from the ChannelCredentialStore (the composition root loads them). */
  readonly needsCredentials?: boolean;
  /** The adapter, or undefined when this deployment cannot run it (e.g. no credentials configured). */
  readonly create: (context: ChannelContext) => ChannelAdapter | undefined;
}

/**
 * A line for a channel reached over HTTP with stored credentials: built only when both its credentials and its base
 * URL are configured, so a deployment without them simply does not route there. Credentials that do not parse fail
 * loudly (a bad rotation must not silently take a channel out).
 */
function credentialed<C>(
  catalog: ChannelConfig,
  parse: (value: unknown) => C,
  build: (options: { id: string; baseUrl: string; credentials: C; timeoutMs?: number }) => ChannelAdapter,
): ChannelRegistration {
  return {
    catalog,
    needsCredentials: true,
    create: (context) => {
      const stored = context.credentials?.get(catalog.id);
      const baseUrl = context.baseUrl?.(catalog.id);
      if (stored === undefined || !baseUrl) return undefined;
      const timeoutMs = context.timeoutMs?.(catalog.id);
      return build({ id: catalog.id, baseUrl, credentials: parse(stored), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    },
  };
}

export const CHANNEL_REGISTRY: readonly ChannelRegistration[] = [
  // Two card acquirers, one adapter: card_a is the cheaper one routing tries first, card_b the failover.
  credentialed(cardAcquirerCatalogRow('card_a', 30), parseCardAcquirerCredentials, (o) => new CardAcquirerAdapter(o)),
  credentialed(cardAcquirerCatalogRow('card_b', 45), parseCardAcquirerCredentials, (o) => new CardAcquirerAdapter(o)),
  credentialed(WECHAT_PAY_CATALOG, parseWechatPayCredentials, (o) => new WechatPayAdapter(o)),
  credentialed(ALIPAY_CATALOG, parseAlipayCredentials, (o) => new AlipayAdapter(o)),
  credentialed(NETBANK_CATALOG, parseNetbankCredentials, (o) => new NetbankAdapter(o)),
  credentialed(UNIONPAY_CATALOG, parseUnionpayCredentials, (o) => new UnionpayAdapter(o)),
];

/** Every registered channel this deployment can run, built for one composition root. */
export function createChannels(context: ChannelContext, registry: readonly ChannelRegistration[] = CHANNEL_REGISTRY): ChannelAdapter[] {
  return registry.flatMap((line) => line.create(context) ?? []);
}

/**
 * The registry's channels for a composition root. The first parameter was the in-process card sandbox's journal,
 * gone since the card acquirers are reached over HTTP; it stays in the signature only for the callers in functions/
 * (`sandboxChannels(undefined, context)`) until they call createChannels.
 */
export function sandboxChannels(_journal?: undefined, context: ChannelContext = {}): { channels: ChannelAdapter[] } {
  return { channels: createChannels(context) };
}

/**
 * Opens the credentials of every registry line that needs them, once per container: a missing item is a channel
 * this deployment does not run (left out of the map), not an error.
 */
export async function loadChannelCredentials(
  store: ChannelCredentialStore,
  registry: readonly ChannelRegistration[] = CHANNEL_REGISTRY,
): Promise<Map<string, unknown>> {
  const ids = registry.filter((line) => line.needsCredentials).map((line) => line.catalog.id);
  const opened = await Promise.all(ids.map(async (id) => [id, (await store.get(id))?.credentials] as const));
  return new Map(opened.filter((entry): entry is readonly [string, unknown] => entry[1] !== undefined));
}
