import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  admitProbe,
  afterOutcome,
  circuitMetricValue,
  CLOSED_CIRCUIT,
  DEFAULT_CIRCUIT_POLICY,
  effectiveState,
  isTechnicalFailure,
  LATENCY_BOUNDS_MS,
  latencyBucket,
  percentileFromHistogram,
  rates,
  windowBuckets,
  type CircuitPolicy,
  type CircuitRecord,
  type WindowCounts,
} from '../../domain/circuit.js';
import type { Config } from '../../config.js';
import { logger } from '../../logger.js';
import { recordChannelCall, recordCircuitState } from '../../metrics.js';
import type { ChannelCallOutcome, ChannelHealth, ChannelHealthView } from '../../ports/channel-health.js';
import { batchGetItems } from './batch-get.js';
import { CHANNEL_HEALTH_SHARDS, keys } from './keys.js';

type Item = Record<string, unknown>;

/** What one read of a channel gives: its circuit item and its window's counters added up. */
interface Snapshot {
  readonly circuit: CircuitRecord;
  readonly counts: WindowCounts;
  readonly latency: readonly number[];
  readonly readAt: number;
}

const HISTOGRAM_SIZE = LATENCY_BOUNDS_MS.length + 1;

/**
 * Channel health in the table (docs/decisions.md, 198-201), shared by every container: the route step's views and the
 * charge step's records meet here, so a circuit opened by one Lambda is seen by the next route in another.
 *
 * - A call's outcome is one UpdateItem: ADD its outcome and latency-bucket counters to a random shard of the current
 *   time bucket (shards are partitions of their own, so one busy channel is not one hot item); TTL removes old buckets.
 *   Only a technical failure or a probe's outcome also reads the window and moves the circuit (failures are rare).
 * - A route's views are one BatchGet (the circuit item and every shard of the window's buckets, per channel), cached
 *   for `cacheMs`: a closed or still-open circuit may be a second stale; a probe is only ever granted by a conditional
 *   write on the circuit's version, so two containers never both probe.
 */
export class DynamoChannelHealthStore implements ChannelHealth {
  private readonly cache = new Map<string, Snapshot>();
  private readonly inflight = new Map<string, Promise<Snapshot>>();
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly random: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
    options: { readonly now?: () => number; readonly cacheMs?: number; readonly random?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheMs ?? 1000;
    this.random = options.random ?? Math.random;
  }

  async views(channelIds: readonly string[], options: { readonly admit?: boolean } = {}): Promise<ReadonlyMap<string, ChannelHealthView>> {
    const now = this.now();
    const snapshots = await this.snapshots(channelIds, now, options.admit === true);
    const views = new Map<string, ChannelHealthView>();
    for (const channelId of channelIds) {
      const snapshot = snapshots.get(channelId)!;
      const state = effectiveState(snapshot.circuit, this.policy, now);
      let available = state === 'closed';
      if (options.admit && state === 'half_open') available = await this.claimProbe(channelId, snapshot, now);
      views.set(channelId, this.viewOf(channelId, snapshot, state, available));
    }
    return views;
  }

  /**
   * Records one call. Never throws: health is measured around a payment and must not fail it (a lost record costs
   * one data point; the payment's outcome is what matters), so a DynamoDB error is logged and dropped.
   */
  async record(channelId: string, outcome: ChannelCallOutcome, latencyMs: number, options: { readonly probe?: boolean } = {}): Promise<void> {
    const now = this.now();
    const probe = options.probe === true;
    try {
      await this.count(channelId, outcome, latencyMs, now);
      recordChannelCall(channelId, { answered: !isTechnicalFailure(outcome), technicalFailure: isTechnicalFailure(outcome), latencyMs }, now);
      // The happy path stops here: an answered ordinary call cannot move the circuit.
      if (!isTechnicalFailure(outcome) && !probe) return;
      // Two containers deciding at once: the loser re-reads and decides again on the winner's item.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const snapshot = (await this.read([channelId], now)).get(channelId)!;
        const next = afterOutcome(snapshot.circuit, { outcome, probe }, snapshot.counts, this.policy, now);
        if (!next || (await this.writeCircuit(channelId, snapshot, next, now))) return;
      }
    } catch (error) {
      logger.warn('channel health not recorded', { channel: channelId, outcome, error: error instanceof Error ? error.name : 'non-Error' });
    }
  }

  private async count(channelId: string, outcome: ChannelCallOutcome, latencyMs: number, now: number): Promise<void> {
    await this.db.send(new UpdateCommand(channelCallUpdate(this.tableName, { channelId, outcome, latencyMs, nowMs: now }, this.policy, this.random)));
  }

  /**
   * Cached snapshots where fresh enough, one BatchGet for the rest. A route about to claim a probe (`admit`) never
   * uses a cached half-open circuit: another container may have probed since, and a claim on a stale version loses.
   */
  private async snapshots(channelIds: readonly string[], now: number, admit: boolean): Promise<Map<string, Snapshot>> {
    const result = new Map<string, Snapshot>();
    const stale: string[] = [];
    for (const id of channelIds) {
      const cached = this.cache.get(id);
      const usable = cached && now - cached.readAt < this.cacheMs && !(admit && effectiveState(cached.circuit, this.policy, now) === 'half_open');
      if (usable) result.set(id, cached);
      else stale.push(id);
    }
    // Concurrent routes of one container share a read in flight instead of each sending the same BatchGet.
    const toRead = stale.filter((id) => !this.inflight.has(id));
    if (toRead.length > 0) {
      const read = this.read(toRead, now).then((snapshots) => {
        for (const [id, snapshot] of snapshots) {
          this.cache.set(id, snapshot);
          recordCircuitState(id, circuitMetricValue(effectiveState(snapshot.circuit, this.policy, now)), {}, now);
        }
        return snapshots;
      });
      const done = () => toRead.forEach((id) => this.inflight.delete(id));
      read.then(done, done);
      for (const id of toRead) this.inflight.set(id, read.then((snapshots) => snapshots.get(id)!));
    }
    // Taken before awaiting: the read's end removes them from `inflight`.
    const waiting = stale.map((id) => [id, this.inflight.get(id)!] as const);
    for (const [id, snapshot] of waiting) result.set(id, await snapshot);
    return result;
  }

  /** The circuit item and the window's shards of each channel, strongly consistent (the writes that follow compare versions). */
  private async read(channelIds: readonly string[], now: number): Promise<Map<string, Snapshot>> {
    const buckets = windowBuckets(this.policy, now);
    const wanted = channelIds.flatMap((id) => [
      keys.channelCircuit(id),
      ...buckets.flatMap((bucket) => Array.from({ length: CHANNEL_HEALTH_SHARDS }, (_, shard) => keys.channelHealthBucket(id, shard, bucket))),
    ]);
    const items = await batchGetItems(this.db, this.tableName, wanted, { consistent: true });
    const result = new Map<string, Snapshot>();
    for (const id of channelIds) {
      const circuitItem = items.find((item) => item.PK === keys.channelCircuit(id).PK && item.SK === 'CIRCUIT');
      const shards = items.filter((item) => item.entity === 'ChannelHealthBucket' && item.channelId === id);
      result.set(id, { circuit: circuitOf(circuitItem), ...countsOf(shards), readAt: now });
    }
    return result;
  }

  /** Claims the half-open channel's probe slot; losing the race (or a stale cached version) means no probe. */
  private async claimProbe(channelId: string, snapshot: Snapshot, now: number): Promise<boolean> {
    const admitted = admitProbe(snapshot.circuit, this.policy, now);
    if (admitted && (await this.writeCircuit(channelId, snapshot, admitted, now))) return true;
    this.cache.delete(channelId);
    return false;
  }

  /** Replaces the circuit item if it is still at the snapshot's version: exactly one of concurrent transitions wins. */
  private async writeCircuit(channelId: string, snapshot: Snapshot, next: CircuitRecord, now: number): Promise<boolean> {
    const previous = snapshot.circuit;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.channelCircuit(channelId), entity: 'ChannelCircuit', channelId, ...next, updatedAt: new Date(now).toISOString() },
          ConditionExpression: previous.version === 0 ? 'attribute_not_exists(PK)' : 'version = :v',
          ...(previous.version === 0 ? {} : { ExpressionAttributeValues: { ':v': previous.version } }),
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
    this.cache.set(channelId, { ...snapshot, circuit: next });
    if (next.state !== previous.state) {
      logger.info('channel circuit moved', { channel: channelId, from: previous.state, to: next.state });
      recordCircuitState(channelId, circuitMetricValue(next.state), { from: previous.state }, now);
    }
    return true;
  }

  private viewOf(channelId: string, snapshot: Snapshot, circuit: ChannelHealthView['circuit'], available: boolean): ChannelHealthView {
    return {
      channelId,
      circuit,
      available,
      ...rates(snapshot.counts, this.policy),
      p99LatencyMs: percentileFromHistogram(snapshot.latency),
      openedAt: snapshot.circuit.openedAt === null ? null : new Date(snapshot.circuit.openedAt).toISOString(),
    };
  }
}

const emptyCounts = (): { -readonly [K in keyof WindowCounts]: WindowCounts[K] } => ({ success: 0, decline: 0, timeout: 0, error: 0, lastAnsweredAt: 0 });
const numberOf = (value: unknown): number => (typeof value === 'number' ? value : 0);

function circuitOf(item: Item | undefined): CircuitRecord {
  if (!item) return CLOSED_CIRCUIT;
  return {
    state: item.state === 'open' || item.state === 'half_open' ? item.state : 'closed',
    openedAt: typeof item.openedAt === 'number' ? item.openedAt : null,
    probeAt: numberOf(item.probeAt),
    probeSuccesses: numberOf(item.probeSuccesses),
    streak: numberOf(item.streak),
    streakSince: numberOf(item.streakSince),
    version: numberOf(item.version),
  };
}

function countsOf(shards: readonly Item[]): { counts: WindowCounts; latency: number[] } {
  const counts = emptyCounts();
  const latency = Array.from({ length: HISTOGRAM_SIZE }, () => 0);
  for (const shard of shards) {
    counts.success += numberOf(shard.success);
    counts.decline += numberOf(shard.decline);
    counts.timeout += numberOf(shard.timeout);
    counts.error += numberOf(shard.error);
    counts.lastAnsweredAt = Math.max(counts.lastAnsweredAt, numberOf(shard.lastAnsweredAt));
    for (let i = 0; i < HISTOGRAM_SIZE; i += 1) latency[i] = latency[i]! + numberOf(shard[`l${i}`]);
  }
  return { counts, latency };
}

/** The store every composition root builds: the policy's thresholds from PAY_CIRCUIT_* (decision 199), the window fixed. */
export function channelHealthStore(db: DynamoDBDocumentClient, config: Config): DynamoChannelHealthStore {
  return new DynamoChannelHealthStore(db, config.TABLE_NAME, {
    ...DEFAULT_CIRCUIT_POLICY,
    minCalls: config.PAY_CIRCUIT_MIN_CALLS,
    failurePercent: config.PAY_CIRCUIT_FAILURE_PERCENT,
    consecutiveFailures: config.PAY_CIRCUIT_CONSECUTIVE_FAILURES,
    openSeconds: config.PAY_CIRCUIT_OPEN_SECONDS,
    probes: config.PAY_CIRCUIT_PROBES,
  });
}

/**
 * The UpdateItem that counts one call on a random shard of its time bucket: the store's own request for failures and
 * probes, and an Update of the pay workflow's commit transaction for an answered charge (ChannelCallCount).
 */
export function channelCallUpdate(
  tableName: string,
  call: { readonly channelId: string; readonly outcome: ChannelCallOutcome; readonly latencyMs: number; readonly nowMs: number },
  policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
  random: () => number = Math.random,
) {
  const [bucket] = windowBuckets(policy, call.nowMs);
  const shard = Math.floor(random() * CHANNEL_HEALTH_SHARDS);
  const answered = !isTechnicalFailure(call.outcome);
  return {
    TableName: tableName,
    Key: keys.channelHealthBucket(call.channelId, shard, bucket!),
    UpdateExpression: `ADD #outcome :one, #latency :one SET entity = :entity, channelId = :channel, #ttl = :ttl${answered ? ', lastAnsweredAt = :now' : ''}`,
    ExpressionAttributeNames: { '#outcome': call.outcome, '#latency': `l${latencyBucket(call.latencyMs)}`, '#ttl': 'ttl' },
    ExpressionAttributeValues: {
      ':one': 1,
      ':entity': 'ChannelHealthBucket',
      ':channel': call.channelId,
      // Kept a window past the bucket's end, then DynamoDB's TTL removes it (reads never rely on the removal).
      ':ttl': bucket! + policy.bucketSeconds + policy.windowSeconds * 2,
      ...(answered ? { ':now': call.nowMs } : {}),
    },
  };
}
