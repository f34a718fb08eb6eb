import { describe, expect, it } from 'vitest';
import { CHANNEL_REGISTRY, createChannels, loadChannelCredentials } from '../../../shared/channels/registry.js';
import { SandboxJournal } from '../../../shared/channels/sandbox-card.js';
import { generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';
import { generateSandboxWechatPayKeys } from '../../../shared/channels/wechat-pay/credentials.js';
import { createRoutingDeps } from '../../../shared/services/routing-deps.js';
import type { ChannelCredentialStore } from '../../../shared/ports/channel-credentials.js';

/** The registry lines of the channels reached over HTTP with stored credentials. */
describe('channel registry: credentialed channels', () => {
  const journal = new SandboxJournal();

  it('builds a channel only when both its credentials and its base URL are configured', () => {
    const credentials = new Map<string, unknown>([['wechat_pay', generateSandboxWechatPayKeys().platform], ['alipay', generateSandboxAlipayKeys().platform]]);
    const baseUrl = (id: string) => (id === 'alipay' ? undefined : `http://127.0.0.1:1/sandbox/channels/${id}`);
    const ids = createChannels({ sandboxJournal: journal, credentials, baseUrl }).map((c) => c.id);
    expect(ids).toEqual(['card_a', 'card_b', 'wechat_pay']);
  });

  it('routes only to channels that were built', () => {
    const routing = createRoutingDeps(createChannels({ sandboxJournal: journal }));
    expect(routing.channelCatalog.map((row) => row.id)).toEqual(['card_a', 'card_b']);
  });

  it('fails loudly on stored credentials that do not parse, naming fields but not values', () => {
    const credentials = new Map<string, unknown>([['wechat_pay', { appId: 'wx1', merchantPrivateKeyPem: 'SECRET-PEM' }]]);
    const thrown = (() => {
      try {
        createChannels({ sandboxJournal: journal, credentials, baseUrl: () => 'http://127.0.0.1:1' });
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
