export { PaymentClient, type PaymentClientOptions, type RequestOptions } from './client.js';
export { PaymentApiError, PaymentNetworkError, WebhookVerificationError } from './errors.js';
export { newNonce, signRequest, stringToSign, type SignedHeaders } from './signing.js';
export {
  verifyWebhook,
  WebhookKeyCache,
  type HeaderBag,
  type PlatformKey,
  type PlatformKeys,
  type VerifyWebhookInput,
  type WebhookEvent,
} from './webhooks.js';
