import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { VelocityRule } from '../../domain/velocity.js';
import type { VelocityRuleStore } from '../../ports/velocity-rule-store.js';
import { isConditionFailure } from './client.js';
import { indexKeys, keys } from './keys.js';
import { queryAll } from './query-pages.js';

/**
 * Velocity rules: one item per rule, read by id, and one GSI1 partition per scope (`RISKRULES#platform`,
 * `RISKRULES#m_…`) that the risk step's cache queries (docs/decisions.md, 220). Changes are conditional on the
 * rule's version, so two operators editing one rule cannot lose either change silently.
 */
export class DynamoVelocityRuleStore implements VelocityRuleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(rule: VelocityRule): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.itemOf(rule), ConditionExpression: 'attribute_not_exists(PK)' }));
  }

  async get(ruleId: string): Promise<VelocityRule | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.velocityRule(ruleId), ConsistentRead: true }));
    return out.Item ? ruleOf(out.Item) : undefined;
  }

  async update(after: VelocityRule, expectVersion: number): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: this.itemOf(after),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': expectVersion },
      }),
    );
  }

  async remove(ruleId: string, expectVersion: number): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.velocityRule(ruleId),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': expectVersion },
      }),
    );
  }

  async listScope(scope: string): Promise<VelocityRule[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': indexKeys.velocityRules(scope) },
    });
    return items.map(ruleOf);
  }

  private itemOf(rule: VelocityRule): Record<string, unknown> {
    return {
      ...keys.velocityRule(rule.id),
      entity: 'VelocityRule',
      GSI1PK: indexKeys.velocityRules(rule.scope),
      GSI1SK: indexKeys.timeSortKey(rule.createdAt, rule.id),
      ...rule,
    };
  }

  private async conditional(command: PutCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.db.send(command as PutCommand);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function ruleOf(item: Record<string, unknown>): VelocityRule {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _entity, ...rule } = item;
  return rule as unknown as VelocityRule;
}
