import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CHANNEL_REGISTRY } from '../../shared/channels/registry.js';
import { PaymentPlatformStack } from './platform-stack.js';

export interface PlatformContext {
  readonly regions: string[];
  readonly account?: string;
  readonly alarmEmail?: string;
  /** `channelBaseUrls`: credentialed channel id → its API's https base URL (CHANNEL_BASE_URLS). Default none. */
  readonly channelBaseUrls: Readonly<Record<string, string>>;
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

/**
 * `channelBaseUrls` as cdk.json gives it (an object) or as `-c channelBaseUrls='{"wechat_pay":"https://…"}'` does (its
 * JSON text). Only ids of registry lines that need credentials, only https: a typo or a plain-http endpoint fails
 * the synth rather than a payment.
 */
function channelBaseUrls(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  const usage = 'cdk.json context "channelBaseUrls" must be an object of channel id → https URL, e.g. {"wechat_pay": "https://api.mch.weixin.qq.com"}';
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(usage);
  const known = CHANNEL_REGISTRY.filter((line) => line.needsCredentials).map((line) => line.catalog.id);
  for (const [id, url] of Object.entries(parsed)) {
    if (!known.includes(id)) throw new Error(`${usage}; "${id}" is not a channel that takes credentials (${known.join(', ')})`);
    if (typeof url !== 'string' || !URL.canParse(url) || new URL(url).protocol !== 'https:') throw new Error(`${usage}; "${id}" has no https URL`);
  }
  return parsed as Record<string, string>;
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
    channelBaseUrls: channelBaseUrls(app.node.tryGetContext('channelBaseUrls')),
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
        channelBaseUrls: context.channelBaseUrls,
        terminationProtection: true,
      }),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
