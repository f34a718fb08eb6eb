import { join } from 'node:path';
import { parseConfig } from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { defaultDataDir, startRuntime } from './runtime.js';

/** `npm start`: the whole platform on http://127.0.0.1:3000 (HOST and PORT override), data kept under .data/. */
async function main(): Promise<void> {
  const config = parseConfig({});
  const dataDir = config.LOCAL_DATA_DIR ?? defaultDataDir;
  const runtime = await startRuntime({ dataDir, host: config.HOST });
  const demoFile = join(dataDir, 'demo-merchant.json');
  process.stdout.write(
    [
      '',
      `  Payment platform (local mode) listening on ${runtime.url}`,
      `  DynamoDB Local: ${runtime.dynamoEndpoint} (data in ${join(dataDir, 'dynamodb')})`,
      `  Demo merchant: ${runtime.demoMerchant?.merchantId} (credentials in ${demoFile})`,
      '  Try: npm run api -- POST /v1/orders \'{"outTradeNo":"A-1","amount":1999,"currency":"CNY","subject":"Coffee"}\'',
      '  Ctrl-C stops the runtime and DynamoDB Local.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
