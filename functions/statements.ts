import { statementCsv, statementDateParam, statementRows, statementSource } from '../shared/services/statements.js';
import { apiStreamHandler } from './http/api-handler.js';
import { parse } from './http/errors.js';
import { lambdaStreamHandler } from './http/lambda-stream.js';

/**
 * GET /v1/statements/{date}: the merchant's money movements of one UTC day as CSV, streamed as the ledger index is
 * read (docs/decisions.md, entries 178–182). A malformed or impossible date is a 400 before anything is read.
 */
export const stream = apiStreamHandler(async ({ pathParameters, merchant, deps }) => {
  const day = parse(statementDateParam, pathParameters.date, 'date');
  return {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="statement-${day}.csv"`,
      'Cache-Control': 'no-store',
    },
    body: statementCsv(statementRows(statementSource(deps), merchant.merchantId, day)),
  };
});

/** The Lambda entry point (response streaming); undefined outside Lambda, where the local gateway calls `stream`. */
export const handler = lambdaStreamHandler(stream);
