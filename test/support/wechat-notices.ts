import type { WechatPaySandboxKeys } from '../../shared/channels/wechat-pay/credentials.js';
import { newNonce, responseMessage, rsaSign, unixSeconds } from '../../shared/channels/wechat-pay/signing.js';

/**
 * Posts a WeChat Pay notification body to the runtime's `POST /callbacks/wechat_pay` with the Wechatpay-* headers
 * signed by the sandbox WeChat's platform key (or `signingKey`), as WeChat sends it.
 */
export function postSignedWechatNotice(runtimeUrl: string, keys: WechatPaySandboxKeys, body: string, signingKey = keys.platformPrivateKeyPem): Promise<Response> {
  const timestamp = unixSeconds(new Date());
  const nonce = newNonce();
  return fetch(`${runtimeUrl}/callbacks/wechat_pay`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': keys.platformSerialNo,
      'wechatpay-signature': rsaSign(responseMessage(timestamp, nonce, body), signingKey),
    },
    body,
  });
}
