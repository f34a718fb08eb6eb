import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';

describe('DynamoDB document client', () => {
  it('has no SDK request log (it would filter every payload for a no-op logger), and keeps the rest of the stack', () => {
    const client = createDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'local' });
    const stack = client.middlewareStack.identify().join('\n');
    expect(stack).not.toMatch(/loggerMiddleware/);
    expect(stack).toMatch(/retryMiddleware/);
    expect(stack).toMatch(/httpSigningMiddleware/);
    client.destroy();
  });
});
