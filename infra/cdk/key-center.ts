import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface KeyCenterProps {
  /** What happens to the keys when the stack is deleted. Default RETAIN: a deleted key makes every sealed secret
   * unreadable. */
  readonly removalPolicy?: RemovalPolicy;
  /** Waiting period before a scheduled key deletion takes effect. Default 30 days (the maximum). */
  readonly pendingWindow?: Duration;
}

/**
 * The key center: three KMS keys, each granted only to the functions that call it, in the key policy and in the
 * function's role.
 * - data key (symmetric, yearly rotation): envelope encryption of merchant secrets, sealed card data and channel
 *   credentials (GenerateDataKey/Decrypt, bound to an encryption context). Not the table's key (PaymentTable has its
 *   own), so a table grant never opens a sealed value;
 * - fingerprint key (HMAC_256): keyed, one-way card fingerprints for risk rules (GenerateMac);
 * - signing key (ECC_NIST_P256, SIGN_VERIFY): webhook signatures (Sign); merchants verify with its public key.
 *   Asymmetric keys cannot rotate automatically: rotation is a new key published next to the old one.
 */
export class KeyCenter extends Construct {
  readonly dataKey: kms.Key;
  readonly fingerprintKey: kms.Key;
  readonly signingKey: kms.Key;

  constructor(scope: Construct, id: string, props: KeyCenterProps = {}) {
    super(scope, id);
    const common = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: props.pendingWindow ?? Duration.days(30),
    };
    this.dataKey = new kms.Key(this, 'DataKey', {
      ...common,
      description: 'Payment platform: merchant secrets, sealed card data, channel credentials',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
    });
    this.fingerprintKey = new kms.Key(this, 'FingerprintKey', {
      ...common,
      description: 'Payment platform: HMAC card fingerprints',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    });
    this.signingKey = new kms.Key(this, 'SigningKey', {
      ...common,
      description: 'Payment platform: webhook signatures (ECDSA P-256, SHA-256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    });
  }

  /** Open sealed values (merchant secrets, card data): kms:Decrypt on the data key. */
  grantOpen(grantee: iam.IGrantable): void {
    this.grantOn(this.dataKey, grantee, ['kms:Decrypt']);
  }

  /**
   * Open the sealed channel credentials only (the functions that call channels without verifying merchant signatures:
   * callbacks, checkout, timers, the failover step): kms:Decrypt on the data key for data keys sealed under the
   * `channel-credentials` purpose, so they cannot open merchant secrets or cards.
   */
  grantOpenChannelCredentials(grantee: iam.IGrantable): void {
    this.dataKey.grant(grantee, 'kms:Decrypt').principalStatement?.addCondition('StringEquals', { 'kms:EncryptionContext:purpose': 'channel-credentials' });
  }

  /**
   * Open payouts' sealed account numbers only (the timer function, which sends again a payout the bank never received):
   * kms:Decrypt for data keys sealed under the `payout-account` purpose, not merchant secrets, cards or credentials.
   */
  grantOpenPayoutAccounts(grantee: iam.IGrantable): void {
    this.dataKey.grant(grantee, 'kms:Decrypt').principalStatement?.addCondition('StringEquals', { 'kms:EncryptionContext:purpose': 'payout-account' });
  }

  /** Seal values: kms:GenerateDataKey on the data key. */
  grantSeal(grantee: iam.IGrantable): void {
    this.grantOn(this.dataKey, grantee, ['kms:GenerateDataKey']);
  }

  grantFingerprint(grantee: iam.IGrantable): void {
    this.grantOn(this.fingerprintKey, grantee, ['kms:GenerateMac']);
  }

  /** Sign webhooks and publish the public key (GET /v1/platform/keys). */
  grantSign(grantee: iam.IGrantable): void {
    this.grantOn(this.signingKey, grantee, ['kms:Sign', 'kms:GetPublicKey']);
  }

  /** Let an AWS service use the data key (e.g. CloudWatch alarms publishing to an encrypted SNS topic). */
  allowService(servicePrincipal: string): void {
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow-${servicePrincipal}`,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.dataKey.stack.account } },
      }),
    );
  }

  /** Both sides: the key policy names the role, and the role's policy names the key. */
  private grantOn(key: kms.Key, grantee: iam.IGrantable, actions: string[]): void {
    key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [grantee.grantPrincipal], actions, resources: ['*'] }),
    );
    key.grant(grantee, ...actions);
  }
}
