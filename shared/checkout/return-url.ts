import { ValidationError } from '../domain/errors.js';
import { hostClass } from '../domain/notify-url.js';

/**
 * An order's returnUrl: where the hosted checkout sends the payer's browser at the end. The same rules as a notify
 * URL (https with a public host; local mode also loopback http), because the page renders it as a link the payer
 * follows: no `javascript:`/`data:` scheme can reach the page, and no internal address is advertised to payers.
 * Credentials in the URL would be shown to every payer, so they are refused too.
 */
export function assertReturnUrl(raw: string, localMode: boolean, param = 'returnUrl'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('parameter_invalid', `${param} is not a valid URL.`, param);
  }
  if (url.username || url.password) throw new ValidationError('parameter_invalid', `${param} must not carry credentials.`, param);
  const target = hostClass(url);
  if (localMode && target === 'loopback' && (url.protocol === 'http:' || url.protocol === 'https:')) return url.toString();
  if (url.protocol !== 'https:') throw new ValidationError('parameter_invalid', `${param} must use https.`, param);
  if (target !== 'public' && target !== 'name') {
    throw new ValidationError('parameter_invalid', `${param} must not point to an internal address.`, param);
  }
  return url.toString();
}
