import type { PayWorkflowState } from '../../shared/ports/pay-workflow.js';
import type { Deps } from '../../shared/services/deps.js';
import { withLogContext } from '../../shared/logger.js';
import { getDeps } from '../services.js';

/**
 * A pay-workflow Task as a Lambda handler: the state in, the step's result out. Errors keep their name, which is
 * what the definition's Retry and Catch match on (e.g. ChannelTimeoutError).
 */
export function workflowTask<T>(step: (deps: Deps, state: PayWorkflowState) => Promise<T>) {
  return async (state: PayWorkflowState): Promise<T> =>
    withLogContext({ orderId: state.order.id, merchantId: state.order.merchantId }, () => step(getDeps(), state));
}
