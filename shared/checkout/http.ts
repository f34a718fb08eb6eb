import * as z from 'zod/mini';
import { DomainError } from '../domain/errors.js';
import { logger } from '../logger.js';
import type { Deps } from '../services/deps.js';
import { checkoutHeaders } from './page-assets.js';
import { renderCheckoutPage, renderErrorPage, renderNotFoundPage } from './page.js';
import { checkoutStatus, confirmCheckoutOtp, loadCheckout } from './service.js';

/** One request to the checkout routes, as the function (or the local gateway) hands it over. */
export interface CheckoutRequest {
  /** `${method} ${resource}`, e.g. `GET /checkout/{token}`. */
  readonly routeKey: string;
  readonly token: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: string;
  readonly requestId: string;
}

export interface CheckoutResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const otpSchema = z.string().check(z.regex(/^\d{4,10}$/));

const page = (statusCode: number, body: string): CheckoutResponse => ({ statusCode, headers: checkoutHeaders('text/html'), body });
const json = (statusCode: number, body: unknown): CheckoutResponse => ({ statusCode, headers: checkoutHeaders('application/json'), body: JSON.stringify(body) });
/** Post/redirect/get, relative to /checkout/<token>/otp so it works behind any stage prefix or domain. */
const backToPage = (token: string, error?: string): CheckoutResponse => ({
  statusCode: 303,
  headers: { ...checkoutHeaders('text/html'), Location: `../${token}${error ? `?error=${encodeURIComponent(error)}` : ''}` },
  body: '',
});

/**
 * The hosted checkout's three routes: the page, its status JSON, and the OTP form. The token is the only credential:
 * an unknown, malformed or expired one is a plain 404, whichever route.
 */
export async function serveCheckout(deps: Deps, request: CheckoutRequest): Promise<CheckoutResponse> {
  const { token, requestId } = request;
  try {
    switch (request.routeKey) {
      case 'GET /checkout/{token}': {
        const view = await loadCheckout(deps, token);
        const nowMs = deps.now();
        return page(200, await renderCheckoutPage(view, { nowMs, localMode: deps.settings.localMode, otpError: request.query.error }));
      }
      case 'GET /checkout/{token}/status':
        return json(200, await checkoutStatus(deps, token));
      case 'POST /checkout/{token}/otp':
        return await submitOtp(deps, request);
      default:
        return page(404, renderNotFoundPage());
    }
  } catch (error) {
    return failure(error, request);
  }
}

async function submitOtp(deps: Deps, request: CheckoutRequest): Promise<CheckoutResponse> {
  // A browser form posts application/x-www-form-urlencoded; the code is checked as /pay/confirm checks it.
  const otp = z.safeParse(otpSchema, new URLSearchParams(request.body).get('otp')?.trim());
  if (!otp.success) return backToPage(request.token, 'parameter_invalid');
  try {
    await confirmCheckoutOtp(deps, request.token, otp.data);
  } catch (error) {
    if (error instanceof DomainError && error.statusCode !== 404) return backToPage(request.token, error.code);
    throw error;
  }
  return backToPage(request.token);
}

function failure(error: unknown, request: CheckoutRequest): CheckoutResponse {
  const wantsJson = request.routeKey.endsWith('/status');
  if (error instanceof DomainError && error.statusCode === 404) {
    return wantsJson
      ? json(404, { error: { type: 'invalid_request', code: 'resource_missing', message: 'No such checkout page.', requestId: request.requestId } })
      : page(404, renderNotFoundPage());
  }
  // Never the token in the log: it is the payer's credential.
  logger.error('checkout failed', {
    requestId: request.requestId,
    route: request.routeKey,
    error: error instanceof Error ? error.name : 'non-Error',
    errorMessage: error instanceof Error ? error.message : String(error),
  });
  return wantsJson
    ? json(500, { error: { type: 'internal', code: 'internal_error', message: 'An internal error occurred.', requestId: request.requestId } })
    : page(500, renderErrorPage(request.requestId));
}
