/**
 * The single table, as data. Read by the CDK stack and by the local runtime so that keys, indexes, the stream
 * and the TTL attribute cannot drift between AWS and DynamoDB Local. See docs/data-model.md for every access pattern.
 */
export const tableDefinition = {
  /** Appended to the stage/region prefix in AWS; used as-is locally. */
  baseName: 'pay-platform',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalSecondaryIndexes: [
    /** Orders of a merchant by creation time; events of an order; ledger entries of a merchant by time. */
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** Orders of a merchant in one status, by creation time. */
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
  /** The outbox is read from the stream; both images let the consumer see transitions. */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  /** Epoch seconds. DynamoDB Local never deletes expired items, so expiry is always also checked on read. */
  ttlAttribute: 'ttl',
} as const;

export type TableDefinition = typeof tableDefinition;

/** Every key attribute is a string. */
export function keyAttributeNames(def: TableDefinition = tableDefinition): string[] {
  const names = new Set<string>([def.partitionKey, def.sortKey]);
  for (const gsi of def.globalSecondaryIndexes) {
    names.add(gsi.partitionKey);
    names.add(gsi.sortKey);
  }
  return [...names];
}
