import { describe, expect, it } from 'vitest';
import { CHANNEL_REGISTRY, createChannels, loadChannelCredentials } from '../../../shared/channels/registry.js';
import { CHANNEL_CATALOG } from '../../../shared/channels/catalog.js';
import { generateSandboxCardAcquirerKeys } from '../../../shared/channels/card-acquirer/credentials.js';
import { generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';
import { generateSandboxWechatPayKeys } from '../../../shared/channels/wechat-pay/credentials.js';
import { createRoutingDeps } from '../../../shared/services/routing-deps.js';
import { MemoryChannelHealth } from '../../support/memory-channel-health.js';
import { MemoryChannelStore } from '../../support/memory-channel-store.js';
import type { ChannelCredentialStore } from '../../../shared/ports/channel-credentials.js';

/** The registry lines of the channels reached over HTTP with stored credentials. */
describe('channel registry: credentialed channels', () => {
  it('is the one list the catalog reads, one line per channel', () => {
    expect(CHANNEL_CATALOG.map((row) => row.id)).toEqual(CHANNEL_REGISTRY.map((line) => line.catalog.id));
  });

  it('builds a channel only when both its credentials and its base URL are configured, the card acquirers too', () => {
    const credentials = new Map<string, unknown>([
      ['card_a', generateSandboxCardAcquirerKeys().platform],
      ['card_b', generateSandboxCardAcquirerKeys().platform],
      ['wechat_pay', generateSandboxWechatPayKeys().platform],
      ['alipay', generateSandboxAlipayKeys().platform],
    ]);
    const baseUrl = (id: string) => (id === 'alipay' || id === 'card_b' ? undefined : `http://127.0.0.1:1/sandbox/channels/${id}`);
    const ids = createChannels({ credentials, baseUrl }).map((c) => c.id);
    expect(ids).toEqual(['card_a', 'wechat_pay']);
    expect(createChannels({})).toEqual([]);
  });

  it('routes only to channels that were built', () => {
    const credentials = new Map<string, unknown>([['card_b', generateSandboxCardAcquirerKeys().platform]]);
    const built = createChannels({ credentials, baseUrl: (id) => `http://127.0.0.1:1/sandbox/channels/${id}` });
    const routing = createRoutingDeps(built, { store: new MemoryChannelStore(), cacheMs: 0 }, new MemoryChannelHealth());
    expect(routing.channelCatalog.map((row) => row.id)).toEqual(['card_b']);
  });

  it('fails loudly on stored credentials that do not parse, naming fields but not values', () => {
    const credentials = new Map<string, unknown>([['wechat_pay', { appId: 'wx1', merchantPrivateKeyPem: 'SECRET-PEM' }]]);
    const thrown = (() => {
      try {
        createChannels({ credentials, baseUrl: () => 'http://127.0.0.1:1' });
        return undefined;
      } catch (error) {
        return String(error);
      }
    })();
    expect(thrown).toMatch(/wechat.*credentials are invalid/i);
    expect(thrown).not.toContain('SECRET-PEM');
  });

  it('opens the credentials of every line that needs them, leaving out channels with none stored', async () => {
    const asked: string[] = [];
    const store: ChannelCredentialStore = {
      put: () => Promise.resolve(1),
      get: (id) => {
        asked.push(id);
        return Promise.resolve(id === 'netbank' ? { credentials: { merchantNo: 'NB1' }, version: 3 } : undefined);
      },
    };
    const loaded = await loadChannelCredentials(store);
    expect(asked.sort()).toEqual(CHANNEL_REGISTRY.filter((l) => l.needsCredentials).map((l) => l.catalog.id).sort());
    expect([...loaded]).toEqual([['netbank', { merchantNo: 'NB1' }]]);
  });
});
