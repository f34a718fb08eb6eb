import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SettleItem } from '../../ledger/settlement.js';
import { BALANCE_SHARDS } from './keys.js';

type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Settlement's items (docs/data-model.md, "Settlement"; decisions 151–152). Each posting to a merchant's pending
 * writes a settle item in its own transaction, indexed on GSI2 by side and shard, sorted by time: a run reads the due
 * ones by index (no scan) and claims each into a batch, which removes it from the index.
 */
export const SETTLE_SHARDS = BALANCE_SHARDS;

export const settlementKeys = {
  item: (entryId: string) => ({ PK: `SETTLE#${entryId}`, SK: 'ITEM' }),
  batch: (settlementId: string) => ({ PK: `SETTLEMENT#${settlementId}`, SK: 'SETTLEMENT' }),
  /** The one OPEN batch of a merchant and currency: created with it, deleted in the transaction that settles it. */
  open: (merchantId: string, currency: string) => ({ PK: `SETTLEMENT#OPEN#${merchantId}#${currency}`, SK: 'OPEN' }),
  /** GSI2: unclaimed settle items of one side, spread over SETTLE_SHARDS partitions so no day funnels into one. */
  due: (side: SettleItem['side'], shard: number) => `SETTLEDUE#${side}#${shard}`,
  /** GSI2: OPEN batches, so a run finds one that a dead run left with nothing more to claim. */
  openIndex: 'SETTLEOPEN',
  /** GSI1: a merchant's settled batches, newest first. */
  byMerchant: (merchantId: string) => `MERCHANT#${merchantId}#SETTLEMENTS`,
};

/** The settle item's Put, in the transaction of the posting it belongs to (created once, like the entry). */
export function settleItemPut(table: string, item: SettleItem, shard: number): TxItem {
  return {
    Put: {
      TableName: table,
      Item: {
        ...settlementKeys.item(item.entryId),
        entity: 'SettleItem',
        GSI2PK: settlementKeys.due(item.side, shard % SETTLE_SHARDS),
        GSI2SK: `${item.createdAt}#${item.entryId}`,
        ...item,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}
