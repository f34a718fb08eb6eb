import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { KmsKeyProvider } from '../shared/adapters/aws/kms-key-provider.js';
import { SfnPayWorkflow } from '../shared/adapters/aws/sfn-pay-workflow.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { sandboxChannels } from '../shared/channels/sandbox-card.js';
import { getConfig } from '../shared/config.js';
import { EnvelopeKeyCenter } from '../shared/crypto/envelope-key-center.js';
import type { Deps } from '../shared/services/deps.js';
import { createDeps } from '../shared/services/create-deps.js';

/**
 * The composition root of a Lambda container: clients are created once, on first use, and reused by every
 * invocation. The local runtime installs its own Deps (same DynamoDB adapters, local key center and workflow runner)
 * through setDeps before it serves a request.
 */
let deps: Deps | undefined;

export function getDeps(): Deps {
  return (deps ??= awsDeps());
}

export function setDeps(value: Deps): void {
  deps = value;
}

function awsDeps(): Deps {
  const config = getConfig();
  if (!config.KMS_DATA_KEY_ID || !config.KMS_FINGERPRINT_KEY_ID || !config.PAY_WORKFLOW_ARN) {
    throw new Error('KMS_DATA_KEY_ID, KMS_FINGERPRINT_KEY_ID and PAY_WORKFLOW_ARN must be set in AWS');
  }
  return createDeps({
    config,
    db: createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
    keyCenter: new EnvelopeKeyCenter(
      new KmsKeyProvider(new KMSClient({ region: config.AWS_REGION }), config.KMS_DATA_KEY_ID, config.KMS_FINGERPRINT_KEY_ID),
    ),
    workflow: new SfnPayWorkflow(new SFNClient({ region: config.AWS_REGION }), config.PAY_WORKFLOW_ARN),
    // Only sandbox channels exist so far; production acquirers plug in here as PaymentChannel adapters.
    channels: sandboxChannels().channels,
  });
}
