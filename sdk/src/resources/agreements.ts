import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { Agreement, AgreementList, AgreementListQuery, ConfirmAgreementRequest, CreateAgreementRequest } from '../types.generated.js';

export type AgreementListParams = AgreementListQuery;

const agreementPath = (id: string, action = '') => `/v1/agreements/${encodeURIComponent(id)}${action}`;

/**
 * `client.agreements`: a payer's standing permission for recurring debits (协议支付 / 代扣). Sign, confirm with the
 * payer's OTP (or let the payer use `nextAction.url`), read, list, terminate. A debit is `client.orders.pay` with
 * `method: 'agreement'` and `agreementId`.
 */
export class Agreements {
  constructor(private readonly transport: Transport) {}

  /** POST /v1/agreements → 201 Agreement, PENDING with its `nextAction`; the card is sent once and never kept. */
  create(params: CreateAgreementRequest, options?: RequestOptions): Promise<Agreement> {
    return this.transport.request({ method: 'POST', path: '/v1/agreements', body: params }, options);
  }

  /** GET /v1/agreements/{id} → Agreement. */
  retrieve(agreementId: string, options?: RequestOptions): Promise<Agreement> {
    return this.transport.request({ method: 'GET', path: agreementPath(agreementId) }, options);
  }

  /** GET /v1/agreements?customerId=… → the customer's agreements, newest first (one page). */
  list(params: AgreementListParams, options?: RequestOptions): PageList<Agreement> {
    return new PageList<Agreement>((cursor) => this.transport.request<AgreementList>({ method: 'GET', path: '/v1/agreements', query: { ...params, cursor } }, options));
  }

  /** POST /v1/agreements/{id}/confirm with the payer's one-time password → ACTIVE; 402 `authentication_failed` when wrong. */
  confirm(agreementId: string, params: ConfirmAgreementRequest, options?: RequestOptions): Promise<Agreement> {
    return this.transport.request({ method: 'POST', path: agreementPath(agreementId, '/confirm'), body: params }, options);
  }

  /** POST /v1/agreements/{id}/terminate → TERMINATED here and at the channel; calling it again repeats the revocation. */
  terminate(agreementId: string, options?: RequestOptions): Promise<Agreement> {
    return this.transport.request({ method: 'POST', path: agreementPath(agreementId, '/terminate'), body: {} }, options);
  }
}
