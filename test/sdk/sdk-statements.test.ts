import { describe, expect, it } from 'vitest';
import { OpenPayError } from '../../sdk/src/index.js';
import { apiError, client, json } from './scripted-fetch.js';

/** `client.statements.retrieve(date)`: the CSV as text; errors are the SDK's errors, retried like any GET. */
describe('SDK statements', () => {
  const csv = 'time,type,orderId,outTradeNo,refundId,payoutId,amount,fee,net,currency,channel,settlementId,entryId\r\n';

  it('GETs /v1/statements/{date}, asking for CSV, and returns the text as received', async () => {
    const { sdk, seen } = client([new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv; charset=utf-8' } })]);
    expect(await sdk.statements.retrieve('2026-11-27')).toBe(csv);
    expect(seen[0]).toMatchObject({ method: 'GET', url: 'http://api.test/v1/statements/2026-11-27', body: undefined });
    expect(seen[0]!.headers.Accept).toMatch(/^text\/csv/);
  });

  it('a bad date is the API error, not a body; a 503 is retried', async () => {
    const bad = client([json(400, { error: { type: 'invalid_request', code: 'parameter_invalid', message: 'Invalid date', param: 'date', requestId: 'req_1' } })]);
    const error = await bad.sdk.statements.retrieve('2026-02-30').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenPayError);
    expect(error).toMatchObject({ status: 400, code: 'parameter_invalid' });
    const flaky = client([apiError(503, 'service_unavailable'), new Response(csv, { status: 200 })]);
    expect(await flaky.sdk.statements.retrieve('2026-11-27')).toBe(csv);
    expect(flaky.seen).toHaveLength(2);
  });
});
