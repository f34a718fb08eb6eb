import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { ChannelHealthView } from '../ports/channel-health.js';
import type { ChannelConfig } from '../domain/routing.js';
import type { ChannelRecord } from '../ports/channel-store.js';
import type { ChannelPatch } from '../schemas/channel-schemas.js';
import type { Deps } from './deps.js';

/**
 * The operations API's channel actions (docs/operations.md, "Channels"): list and show with health, enable, disable
 * and tune limits, cost and priority. Each change is a conditional write on the record's version, so two operators
 * never overwrite each other's change unseen; routing sees it within PAY_CHANNEL_CACHE_SECONDS.
 */
type ChannelDeps = Pick<Deps, 'channelDirectory' | 'channelHealth' | 'now'>;

export interface ChannelView {
  readonly record: ChannelRecord;
  readonly health: ChannelHealthView | null;
}

/**
 * How many times a change reads again after another change of the same channel came first: operators' changes of one
 * channel are rare, so losing this many races in a row is a fault, not contention.
 */
const CHANGE_ROUNDS = 5;

export async function listChannels(deps: ChannelDeps): Promise<ChannelView[]> {
  const records = await deps.channelDirectory.read();
  // The shared health as people read it: no probe claimed.
  const health = await deps.channelHealth.views(records.map((r) => r.id));
  return records.map((record) => ({ record, health: health.get(record.id) ?? null }));
}

export async function getChannel(deps: ChannelDeps, id: string): Promise<ChannelView> {
  const record = (await deps.channelDirectory.read()).find((r) => r.id === id);
  if (!record) throw new NotFoundError('channel', 'id');
  const health = await deps.channelHealth.views([id]);
  return { record, health: health.get(id) ?? null };
}

/** Applies `change` to the stored record (the registry's row when none is stored) and writes it; before and after. */
export async function changeChannel(
  deps: ChannelDeps,
  id: string,
  change: (record: ChannelRecord) => ChannelRecord,
): Promise<{ before: ChannelRecord; after: ChannelRecord }> {
  for (let round = 0; round < CHANGE_ROUNDS; round += 1) {
    const before = (await deps.channelDirectory.read()).find((r) => r.id === id);
    if (!before) throw new NotFoundError('channel', 'id');
    const changed = change(before);
    const after: ChannelRecord = { ...changed, updatedAt: new Date(deps.now()).toISOString(), version: before.version + 1 };
    if (await deps.channelDirectory.put(after, before.version)) return { before, after };
  }
  throw new Error(`Channel ${id} kept changing during ${CHANGE_ROUNDS} attempts to change it`);
}

/**
 * A patch applied to a record, refused (400, nothing stored) when it leaves the per-payment limits crossed, or names a
 * method or currency the channel's integration (`capability`, the registry's row) cannot take: an operator narrows
 * what a channel is routed, and may widen it back to what the integration can do, never beyond (decisions, 212).
 */
export function patchedRecord(record: ChannelRecord, patch: ChannelPatch, capability: Pick<ChannelConfig, 'methods' | 'currencies'>): ChannelRecord {
  const { dailyLimit, ...fields } = patch;
  for (const field of ['methods', 'currencies'] as const) {
    const asked: readonly string[] | undefined = patch[field];
    if (!asked) continue;
    const allowed: readonly string[] = capability[field];
    const index = asked.findIndex((value, i) => !allowed.includes(value) || asked.indexOf(value) !== i);
    if (index >= 0) {
      throw new ValidationError('parameter_invalid', `${field} must be distinct values among ${allowed.join(', ')}.`, `${field}.${index}`);
    }
  }
  const { dailyLimit: _previous, ...rest } = record;
  const after: ChannelRecord = {
    ...rest,
    ...fields,
    ...(dailyLimit === undefined ? (record.dailyLimit ? { dailyLimit: record.dailyLimit } : {}) : dailyLimit === null ? {} : { dailyLimit }),
  };
  if (after.minAmount > after.maxAmount) {
    throw new ValidationError('parameter_invalid', `minAmount (${after.minAmount}) must not be above maxAmount (${after.maxAmount}).`, patch.minAmount !== undefined ? 'minAmount' : 'maxAmount');
  }
  return after;
}
