import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { parseConfig } from '../../shared/config.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from './dynamodb-local.js';
import { defaultDataDir } from './runtime.js';

/**
 * For the command-line tools: reach the local data, through the running runtime's DynamoDB Local if there is one
 * (two engines must not open the same files), or by starting one on .data/ for the duration of the command.
 */
export async function connectLocal(dataDir = parseConfig({}).LOCAL_DATA_DIR ?? defaultDataDir) {
  const stateFile = join(dataDir, 'runtime.json');
  let endpoint: string | undefined;
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; dynamoEndpoint: string };
    if (isAlive(state.pid)) endpoint = state.dynamoEndpoint;
  }
  const engine = endpoint ? undefined : await startDynamoDbLocal({ dbPath: join(dataDir, 'dynamodb') });
  endpoint ??= engine!.endpoint;
  const config = parseConfig({ DYNAMODB_ENDPOINT: endpoint, AWS_REGION: 'local', LOCAL_MODE: 'true' });
  const admin = localDynamoDbClient(endpoint);
  await ensureTable(admin, config.TABLE_NAME);
  admin.destroy();
  return {
    config,
    db: createDocumentClient({ endpoint, region: 'local' }),
    keyCenter: new EnvelopeKeyCenter(new FileKeyProvider(join(dataDir, 'master.key'))),
    close: async () => engine?.stop(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * For the command-line tools against a deployed region (`--aws`): the table and keys named by the environment
 * (TABLE_NAME, KMS_DATA_KEY_ID, KMS_FINGERPRINT_KEY_ID, AWS_REGION: the stack's outputs), with the caller's AWS
 * credentials. Same stores and key center code as the functions use.
 */
export async function connectAws() {
  const config = parseConfig({ LOCAL_MODE: 'false' });
  if (config.AWS_REGION === 'local' || !config.KMS_DATA_KEY_ID || !config.KMS_FINGERPRINT_KEY_ID || !process.env.TABLE_NAME) {
    throw new Error('--aws needs AWS_REGION, TABLE_NAME, KMS_DATA_KEY_ID and KMS_FINGERPRINT_KEY_ID (see README, "Deploy to AWS")');
  }
  const kms = new KMSClient({ region: config.AWS_REGION });
  return {
    config,
    db: createDocumentClient({ region: config.AWS_REGION }),
    keyCenter: new EnvelopeKeyCenter(new KmsKeyProvider(kms, config.KMS_DATA_KEY_ID, config.KMS_FINGERPRINT_KEY_ID)),
    close: async () => kms.destroy(),
  };
}
