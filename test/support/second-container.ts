import { startRuntime } from '../../infra/local/runtime.js';

/**
 * Another "container" for tests that need two: a local runtime in a process of its own (its own module state, so its
 * own merchant cache), on the same DynamoDB Local table and key files as the test's runtime. Prints its URL as one
 * JSON line, and stops when its stdin closes (the test ends, or dies).
 * Usage: node --import tsx test/support/second-container.ts <dynamoEndpoint> <tableName> <dataDir>
 */
const [dynamoEndpoint, tableName, dataDir] = process.argv.slice(2);
const runtime = await startRuntime({ dynamoEndpoint, tableName, dataDir, port: 0, demoMerchant: false });
process.stdout.write(`${JSON.stringify({ url: runtime.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void runtime.stop().then(() => process.exit(0));
});
