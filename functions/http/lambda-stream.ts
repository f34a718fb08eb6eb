import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import type { StreamedResponse } from './api-handler.js';

/** The part of the Lambda Node.js runtime's `awslambda` global that response streaming uses. */
interface LambdaStreamingRuntime {
  streamifyResponse(handler: (event: APIGatewayProxyEvent, responseStream: NodeJS.WritableStream, context: Context) => Promise<void>): unknown;
  HttpResponseStream: {
    from(responseStream: NodeJS.WritableStream, metadata: { statusCode: number; headers: Record<string, string> }): NodeJS.WritableStream;
  };
}

/**
 * A streamed route as a Lambda response-streaming handler (API Gateway's integration in STREAM mode: docs/decisions.md,
 * entry 180): the status and headers go first as the HTTP metadata, then the body as it is produced, with the
 * stream's back-pressure. A failure after the first byte cannot change the status any more: the stream is destroyed,
 * so the client sees a cut transfer rather than a statement that looks complete.
 */
export function lambdaStreamHandler(route: (event: APIGatewayProxyEvent, context: Context) => Promise<StreamedResponse>): unknown {
  const runtime = (globalThis as { awslambda?: Partial<LambdaStreamingRuntime> }).awslambda;
  // Only the Lambda runtime provides it (the AWS SDK may create an empty `awslambda` elsewhere); locally the gateway
  // calls the route itself (infra/local/gateway.ts).
  if (typeof runtime?.streamifyResponse !== 'function' || !runtime.HttpResponseStream) return undefined;
  const { HttpResponseStream } = runtime;
  return runtime.streamifyResponse(async (event, responseStream, context) => {
    const response = await route(event, context);
    const out = HttpResponseStream.from(responseStream, { statusCode: response.statusCode, headers: response.headers });
    try {
      await pipeline(Readable.from(response.body), out);
    } catch (error) {
      logger.error('streamed response failed', { requestId: response.headers['X-Request-Id'], error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  });
}
