import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCalendarDate } from '../../../../shared/reconciliation/bill.js';
import { parseJsonBody, readRequestBody, sendText } from '../http-io.js';
import type { SandboxStore } from '../sandbox-store.js';
import { renderAlipayBill, renderCardReport, renderNetbankStatement, renderUnionpayBill, renderWechatTradebill, type BillRenderer } from './formats.js';
import { alipayLines, cardAcquirerLines, netbankPayoutLines, unionpayLines, wechatPayLines, type ChannelDayLines } from './records.js';
import { addTamper, applyTampers, TAMPER_KINDS, type TamperKind } from './tamper.js';

/** How a channel publishes its day: its records read as lines, rendered in its own format. */
export interface BillSource {
  readonly lines: ChannelDayLines;
  readonly render: BillRenderer;
}

/** The sandbox channels that publish a bill (docs/decisions.md, 167); the others answer 404 on the bill paths. */
export const BILL_SOURCES: Readonly<Record<string, BillSource>> = {
  wechat_pay: { lines: wechatPayLines, render: renderWechatTradebill },
  alipay: { lines: alipayLines, render: renderAlipayBill },
  unionpay: { lines: unionpayLines, render: renderUnionpayBill },
  card_a: { lines: cardAcquirerLines, render: renderCardReport },
  card_b: { lines: cardAcquirerLines, render: renderCardReport },
  // The bank's payout statement (payouts and returns): its collections are not in the sandbox's statement.
  netbank: { lines: netbankPayoutLines, render: renderNetbankStatement },
};

const BILL_PATH = /^\/bills\/([^/?]+)(\/tamper)?(?:\?.*)?$/;
const WECHAT_APPLY_PATH = /^\/v3\/bill\/tradebill\?(.*)$/;
const WECHAT_FILE_PATH = /^\/v3\/billdownload\/file\?token=([A-Za-z0-9_-]+)$/;

/**
 * The bill paths of a sandbox channel, in front of its emulator: `GET /bills/{date}` (the file), `POST
 * /bills/{date}/tamper`, and for WeChat Pay its real two steps, `GET /v3/bill/tradebill?bill_date=` answering a
 * download_url and `GET /v3/billdownload/file?token=` the file. Returns false for any other path (the emulator's).
 * The sandbox publishes a day's bill at once, even while the day runs; a real channel publishes it the next morning.
 */
export async function handleBillPath(
  input: {
    readonly store: SandboxStore;
    readonly channel: string;
    readonly context: { mchId?: string; appId?: string };
    /** The channel's signature headers for an API answer (WeChat signs the download-url answer, not the file). */
    readonly sign?: (body: string) => Record<string, string>;
  },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const source = BILL_SOURCES[input.channel];
  const bill = BILL_PATH.exec(path);
  const apply = input.channel === 'wechat_pay' ? WECHAT_APPLY_PATH.exec(path) : null;
  const file = input.channel === 'wechat_pay' ? WECHAT_FILE_PATH.exec(path) : null;
  if (!bill && !apply && !file) return false;
  if (!source) return json(res, 404, { code: 'NOT_FOUND', message: `${input.channel} publishes no bill in the sandbox` }), true;
  const date = bill?.[1] ?? (apply ? new URLSearchParams(apply[1]).get('bill_date') : Buffer.from(file![1]!, 'base64url').toString('utf8'));
  if (!date || !isCalendarDate(date)) return json(res, 400, { code: 'PARAM_ERROR', message: 'bill date must be YYYY-MM-DD' }), true;
  if (bill?.[2]) {
    if (req.method !== 'POST') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'POST' }), true;
    const body = parseJsonBody((await readRequestBody(req)) ?? '') as { kind?: unknown } | undefined;
    if (!TAMPER_KINDS.includes(body?.kind as TamperKind)) {
      return json(res, 400, { code: 'PARAM_ERROR', message: `kind must be one of ${TAMPER_KINDS.join(', ')}` }), true;
    }
    await addTamper(input.store, input.channel, date, body!.kind as TamperKind);
    return json(res, 200, { channel: input.channel, date, tampered: body!.kind }), true;
  }
  if (req.method !== 'GET') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET' }), true;
  const lines = await applyTampers(input.store, input.channel, date, await source.lines(input.store, input.channel, date));
  const rendered = source.render(input.channel, lines, { ...input.context, date });
  if (apply) {
    const downloadUrl = `http://${req.headers.host}/sandbox/channels/${input.channel}/v3/billdownload/file?token=${Buffer.from(date).toString('base64url')}`;
    const hash = createHash('sha1').update(rendered.body, 'utf8').digest('hex');
    const answer = JSON.stringify({ hash_type: 'SHA1', hash_value: hash, download_url: downloadUrl });
    sendText(res, 200, answer, { 'content-type': 'application/json; charset=utf-8', ...(input.sign?.(answer) ?? {}) });
    return true;
  }
  sendText(res, 200, rendered.body, { 'content-type': rendered.contentType });
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8' });
}
