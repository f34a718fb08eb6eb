import type { VelocityRule } from '../domain/velocity.js';
import type { BlocklistEntry } from '../ports/stores.js';

/** A blocklist entry as operators see it: its subject and value apart, as they were given. */
export function blocklistEntryResource(entry: BlocklistEntry): Record<string, unknown> {
  const split = entry.key.indexOf(':');
  return { object: 'blocklist_entry', subject: entry.key.slice(0, split), value: entry.key.slice(split + 1), ...entry };
}

/** A velocity rule as operators see it: every field it has. */
export function velocityRuleResource(rule: VelocityRule): Record<string, unknown> {
  return { object: 'velocity_rule', ...rule };
}
