import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
