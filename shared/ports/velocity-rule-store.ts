import type { VelocityRule } from '../domain/velocity.js';

/** Velocity rules as the table keeps them (docs/data-model.md, "Velocity rule"). */
export interface VelocityRuleStore {
  /** Creates the rule; its id is new, so nothing is overwritten. */
  create(rule: VelocityRule): Promise<void>;
  get(ruleId: string): Promise<VelocityRule | undefined>;
  /** Writes `after` if the stored rule is still at `expectVersion`; false when another change came first. */
  update(after: VelocityRule, expectVersion: number): Promise<boolean>;
  /** Deletes the rule if it is still at `expectVersion`; false otherwise. */
  remove(ruleId: string, expectVersion: number): Promise<boolean>;
  /** Every rule of one scope (`platform` or a merchant id), oldest first. */
  listScope(scope: string): Promise<VelocityRule[]>;
}
