import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagCheckedTemplate, resourcesOf, roleOf, statementsOfRole } from './synth.js';

/**
 * The operations API's merchant controls in AWS (docs/decisions.md, 235): creating a merchant and rotating its secret
 * seal a new secret under the key center's data key, so the ops function may generate data keys with it; it never
 * opens a merchant's secret, so it may not decrypt with it.
 */
let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
});

const json = (value: unknown) => JSON.stringify(value);

describe('the ops function and the sealing key', () => {
  it('may seal (kms:GenerateDataKey on the merchant-secrets key) but not open (no kms:Decrypt on it)', () => {
    const [dataKey] = resourcesOf(t, 'AWS::KMS::Key').find(([, k]) => /merchant secrets/.test(String(k.Properties.Description)))!;
    const [, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Operations API (IAM-authorized)')!;
    const onKey = statementsOfRole(t, roleOf(fn)).filter((s) => s.Effect === 'Allow' && json(s.Resource).includes(`"${dataKey}"`));
    const actions = onKey.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('kms:GenerateDataKey');
    expect(actions.filter((a) => a === 'kms:Decrypt' || a === 'kms:*')).toEqual([]);
    // The key policy names the role too (the key center grants on both sides).
    const key = resourcesOf(t, 'AWS::KMS::Key').find(([id]) => id === dataKey)![1];
    const keyStatements = key.Properties.KeyPolicy.Statement as { Action: string | string[]; Principal: unknown }[];
    expect(keyStatements.some((s) => [s.Action].flat().includes('kms:GenerateDataKey') && json(s.Principal).includes(roleOf(fn)))).toBe(true);
  });
});
