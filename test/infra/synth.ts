import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildPlatform } from '../../infra/cdk/platform-app.js';
import { PROJECT_ROOT } from '../../infra/cdk/platform-function.js';
import type { PaymentPlatformStack } from '../../infra/cdk/platform-stack.js';

/** cdk.json's context, as `npx cdk synth` gives it to the app. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * The platform as `cdk synth` builds it, with cdk-nag attached, except that Lambda bundling is skipped (the bundles
 * themselves are built by `npm run synth` and measured by `npm run bench:bundles`).
 */
export function synthPlatform(context: Record<string, unknown> = {}): { app: App; stacks: PaymentPlatformStack[] } {
  const app = new App({ context: { ...cdkJsonContext(), ...context, 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildPlatform(app);
  return { app, stacks };
}

export function templateOf(stack: PaymentPlatformStack): Template {
  return Template.fromStack(stack);
}

let nagChecked: Template | undefined;

/**
 * The eu-west-1 platform (cdk.json's context) synthesized with cdk-nag, where an unacknowledged finding throws, and its
 * template: built once per test worker and shared by the infra files that only read it. Those files run unisolated,
 * one after another in a worker (vitest.config.ts, project "shared-process"), so the suite pays one synth per worker
 * instead of one per file. A synth that throws is not kept: every file that asks fails with its error.
 */
export function nagCheckedTemplate(): Template {
  if (!nagChecked) {
    const { app, stacks } = synthPlatform({ regions: ['eu-west-1'] });
    app.synth({ force: true });
    nagChecked = templateOf(stacks[0]!);
  }
  return nagChecked;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation properties are untyped JSON
export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

/** The one resource of a type (fails the test if there are none or several). */
export function onlyResource(template: Template, type: string): Resource {
  const all = resourcesOf(template, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]![1];
}

/** The role of a function, as its `Role: Fn::GetAtt [roleId, Arn]` names it. */
export function roleOf(fn: Resource): string {
  return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** Every IAM statement attached to a role by the template's policies. */
export function statementsOfRole(template: Template, roleId: string): { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** Every action a role is allowed, flattened. */
export function actionsOfRole(template: Template, roleId: string): string[] {
  return statementsOfRole(template, roleId).flatMap((s) => [s.Action].flat());
}
