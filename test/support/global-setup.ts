import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local.js';

/** One in-memory DynamoDB Local for the whole run; each test file works in tables of its own. */
let engine: DynamoDbLocal | undefined;

export async function setup(project: TestProject): Promise<void> {
  engine = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', engine.endpoint);
}

export async function teardown(): Promise<void> {
  await engine?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
