import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PaymentPlatformStack } from './platform-stack.js';

export interface PlatformContext {
  readonly regions: string[];
  readonly account?: string;
  readonly alarmEmail?: string;
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/**
 * `regions` as cdk.json gives it (a JSON list) or as the CLI's `-c regions=…` does: the CLI passes every `-c` value as
 * a string, so `-c 'regions=["us-east-1"]'` arrives as the text of a JSON list, and `-c regions=us-east-1,eu-west-1`
 * as a comma-separated one. Both are accepted.
 */
function regionList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  }
  return text.split(',').map((r) => r.trim());
}

/** cdk.json context, validated: a typo in a region name fails the synth instead of deploying somewhere odd. */
export function platformContext(app: App): PlatformContext {
  const regions = regionList(app.node.tryGetContext('regions'));
  if (!Array.isArray(regions) || regions.length === 0 || !regions.every((r) => typeof r === 'string' && REGION.test(r))) {
    throw new Error('cdk.json context "regions" must be a non-empty list of AWS region names, e.g. ["eu-west-1"]');
  }
  if (new Set(regions).size !== regions.length) throw new Error('cdk.json context "regions" lists a region twice');
  const account = app.node.tryGetContext('account') as unknown;
  if (account !== undefined && account !== null && !(typeof account === 'string' && /^\d{12}$/.test(account))) {
    throw new Error('cdk.json context "account" must be a 12-digit AWS account id (or absent)');
  }
  const alarmEmail = app.node.tryGetContext('alarmEmail') as unknown;
  return {
    regions: regions as string[],
    ...(typeof account === 'string' ? { account } : {}),
    ...(typeof alarmEmail === 'string' && alarmEmail ? { alarmEmail } : {}),
  };
}

export function stackName(region: string): string {
  return `PaymentPlatform-${region}`;
}

/** One stack per configured region, and the AwsSolutions checks over all of them. */
export function buildPlatform(app: App): PaymentPlatformStack[] {
  const context = platformContext(app);
  const stacks = context.regions.map(
    (region) =>
      new PaymentPlatformStack(app, stackName(region), {
        env: { region, ...(context.account ? { account: context.account } : {}) },
        description: `Payment platform (${region})`,
        alarmEmail: context.alarmEmail,
        terminationProtection: true,
      }),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
