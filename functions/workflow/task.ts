import type { PayWorkflowState } from '../../shared/ports/pay-workflow.js';
import { withLogContext } from '../../shared/logger.js';

/**
 * A pay-workflow Task as a Lambda handler: the state in, the step's result out. Errors keep their name, which is
 * what the definition's Retry and Catch match on (e.g. ChannelTimeoutError). `deps` is the step's composition root:
 * the full one (functions/services.ts) or the storage-free routing one (functions/routing.ts).
 */
export function workflowTask<D, T>(deps: () => D | Promise<D>, step: (deps: D, state: PayWorkflowState) => Promise<T>) {
  return async (state: PayWorkflowState): Promise<T> =>
    withLogContext({ orderId: state.orderId, merchantId: state.merchantId }, async () => step(await deps(), state));
}
