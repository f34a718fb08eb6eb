import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { withoutSdkRequestLog } from '../../shared/adapters/dynamodb/client.js';
import { PollLoop } from './poll-loop.js';

/** How often the shard list is refreshed. */
const SHARD_LIST_INTERVAL_MS = 2_000;

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly admin: DynamoDBClient;
  /** Where checkpoints are kept: in DynamoDB Local itself, so they live and die with the data they point into. */
  readonly checkpoints: { readonly db: DynamoDBDocumentClient; readonly tableName: string };
  readonly tableName: string;
  readonly handler: StreamHandler;
  /** First idle wait; idle waits double up to maxIdleMs (infra/local/poll-loop.ts). */
  readonly intervalMs?: number;
  readonly maxIdleMs?: number;
  readonly batchSize?: number;
}

/**
 * What Lambda's DynamoDB event source mapping does, for DynamoDB Local: reads the table's stream shard by shard,
 * hands batches to the same handler the relay function deploys, honours partial batch failures (resume from the
 * first failed record), and checkpoints the last processed sequence number per shard, so after a restart (or a
 * crash) it resumes where it stopped: at least once, in order, nothing skipped.
 */
export class LocalStreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private readonly iterators = new Map<string, string | null>();
  private readonly loop: PollLoop;
  private streamArn: string | undefined;
  /** Checkpoints as last read or written: this poller is their only writer, so the table is read once per shard. */
  private readonly checkpointCache = new Map<string, string | undefined>();
  private shards: string[] = [];
  private shardsListedAt = -Infinity;
  /** A shard returned a full batch on the last pass: more is waiting, so the next pass starts at once. */
  private backlog = false;

  constructor(private readonly options: StreamPollerOptions) {
    this.client = withoutSdkRequestLog(
      new DynamoDBStreamsClient({
        endpoint: options.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const intervalMs = options.intervalMs ?? 100;
    this.loop = new PollLoop(async () => (await this.pollOnce(), { busy: this.backlog }), {
      name: 'stream',
      intervalMs,
      maxIdleMs: options.maxIdleMs ?? intervalMs,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** The table was just written: look for its stream records now instead of at the end of an idle wait. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.client.destroy();
  }

  /** One pass over every open shard. Returns the number of records handed to the handler. */
  async pollOnce(): Promise<number> {
    this.streamArn ??= (await this.options.admin.send(new DescribeTableCommand({ TableName: this.options.tableName }))).Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    // Shards change rarely: list them every few seconds, not on every poll.
    if (performance.now() - this.shardsListedAt > SHARD_LIST_INTERVAL_MS) await this.listShards();
    let handled = 0;
    this.backlog = false;
    for (const shardId of this.shards) {
      try {
        handled += await this.pollShard(shardId);
      } catch (error) {
        // E.g. an expired iterator: start again from the checkpoint next time.
        this.iterators.delete(shardId);
        throw error;
      }
    }
    return handled;
  }

  private async listShards(): Promise<void> {
    const shards: string[] = [];
    let startShard: string | undefined;
    do {
      const described = await this.client.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: startShard }));
      for (const shard of described.StreamDescription?.Shards ?? []) if (shard.ShardId) shards.push(shard.ShardId);
      startShard = described.StreamDescription?.LastEvaluatedShardId;
    } while (startShard);
    this.shards = shards;
    this.shardsListedAt = performance.now();
  }

  private async pollShard(shardId: string): Promise<number> {
    const checkpoint = await this.readCheckpoint(shardId);
    if (checkpoint === 'CLOSED') return 0;
    let iterator = this.iterators.get(shardId);
    if (iterator === undefined) {
      const out = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ...(checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      iterator = out.ShardIterator ?? null;
    }
    if (iterator === null) {
      await this.writeCheckpoint(shardId, 'CLOSED');
      return 0;
    }
    const out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }));
    const records = out.Records ?? [];
    if (records.length >= (this.options.batchSize ?? 100)) this.backlog = true;
    if (records.length === 0) {
      this.iterators.set(shardId, out.NextShardIterator ?? null);
      return 0;
    }
    const response = await this.options.handler({ Records: records.map(toLambdaRecord) });
    const failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
    if (failedAt !== undefined) {
      // Checkpoint what succeeded; the next poll starts again at the failed record.
      const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
      const lastGood = index > 0 ? records[index - 1]?.dynamodb?.SequenceNumber : undefined;
      if (lastGood) await this.writeCheckpoint(shardId, lastGood);
      this.iterators.delete(shardId);
      return Math.max(index, 0);
    }
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) await this.writeCheckpoint(shardId, last);
    this.iterators.set(shardId, out.NextShardIterator ?? null);
    return records.length;
  }

  private async readCheckpoint(shardId: string): Promise<string | undefined> {
    if (this.checkpointCache.has(shardId)) return this.checkpointCache.get(shardId);
    const { db, tableName } = this.options.checkpoints;
    const out = await db.send(new GetCommand({ TableName: tableName, Key: this.checkpointKey(shardId), ConsistentRead: true }));
    const sequenceNumber = out.Item?.sequenceNumber as string | undefined;
    this.checkpointCache.set(shardId, sequenceNumber);
    return sequenceNumber;
  }

  private async writeCheckpoint(shardId: string, sequenceNumber: string): Promise<void> {
    const { db, tableName } = this.options.checkpoints;
    await db.send(new PutCommand({ TableName: tableName, Item: { ...this.checkpointKey(shardId), sequenceNumber } }));
    this.checkpointCache.set(shardId, sequenceNumber);
  }

  private checkpointKey(shardId: string) {
    return { queue: `stream-checkpoint#${this.options.tableName}`, messageId: shardId };
  }
}

/** The SDK's stream record in the shape Lambda hands to a function. */
function toLambdaRecord(record: _Record): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    dynamodb: record.dynamodb as DynamoDBRecord['dynamodb'],
  };
}
