import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChannelCredentialStore } from '../../ports/channel-credentials.js';
import type { KeyCenter, SealedBox } from '../../ports/key-center.js';
import { keys } from './keys.js';

const context = (channelId: string) => ({ purpose: 'channel-credentials', channel: channelId });

/** Channel credentials as one sealed item per channel (docs/data-model.md), versioned, written conditionally. */
export class DynamoChannelCredentialStore implements ChannelCredentialStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly keyCenter: KeyCenter,
    private readonly now: () => number = Date.now,
  ) {}

  async put(channelId: string, credentials: unknown): Promise<number> {
    const current = await this.read(channelId);
    const version = (current?.version ?? 0) + 1;
    const sealed = await this.keyCenter.seal(JSON.stringify(credentials), context(channelId));
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.channelCredentials(channelId), entity: 'ChannelCredentials', channelId, sealed, version, updatedAt: new Date(this.now()).toISOString() },
        // Two rotations racing: one wins, the other fails loudly instead of silently overwriting.
        ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(PK)',
        ...(current ? { ExpressionAttributeValues: { ':v': current.version } } : {}),
      }),
    );
    return version;
  }

  async get(channelId: string): Promise<{ credentials: unknown; version: number } | undefined> {
    const item = await this.read(channelId);
    if (!item) return undefined;
    return { credentials: JSON.parse(await this.keyCenter.open(item.sealed, context(channelId))) as unknown, version: item.version };
  }

  private async read(channelId: string): Promise<{ sealed: SealedBox; version: number } | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.channelCredentials(channelId), ConsistentRead: true }));
    return out.Item ? { sealed: out.Item.sealed as SealedBox, version: out.Item.version as number } : undefined;
  }
}
