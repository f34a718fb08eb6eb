import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCalendarDate } from '../../../../shared/reconciliation/bill.js';
import { parseJsonBody, readRequestBody, sendText } from '../http-io.js';
import type { SandboxStore } from '../sandbox-store.js';
import {
  renderAlipayBill,
  renderCardReport,
  renderNetbankCollections,
  renderNetbankStatement,
  renderUnionpayBill,
  renderWechatTradebill,
  type BillRenderer,
} from './formats.js';
import { alipayLines, cardAcquirerLines, netbankCollectionLines, netbankPayoutLines, unionpayLines, wechatPayLines, type ChannelDayLines } from './records.js';
import { addTamper, applyTampers, TAMPER_KINDS, TRADE_BILL_TAMPER, type TamperKind, type TamperTarget } from './tamper.js';

/** How a channel publishes its day: its records read as lines, rendered in its own format. */
export interface BillSource {
  readonly lines: ChannelDayLines;
  readonly render: BillRenderer;
  /** What the tamper knob acts on in this file (by default the payment lines of the channel's one bill). */
  readonly tamper?: TamperTarget;
}

/** The sandbox channels that publish a bill (docs/decisions.md, 167); the others answer 404 on the bill paths. */
export const BILL_SOURCES: Readonly<Record<string, BillSource>> = {
  wechat_pay: { lines: wechatPayLines, render: renderWechatTradebill },
  alipay: { lines: alipayLines, render: renderAlipayBill },
  unionpay: { lines: unionpayLines, render: renderUnionpayBill },
  card_a: { lines: cardAcquirerLines, render: renderCardReport },
  card_b: { lines: cardAcquirerLines, render: renderCardReport },
  // Without a `type`, the bank's payout statement (payouts and returns); its collections are `?type=collection`.
  netbank: { lines: netbankPayoutLines, render: renderNetbankStatement, tamper: { kind: 'payout' } },
};

/**
 * The channels that publish more than one file a day, chosen by the `type` query parameter of the bill path (and of
 * its tamper path): the bank's collections statement (收款对账单) beside its payout statement (docs/decisions.md, 241).
 */
export const BILL_FILES: Readonly<Record<string, Readonly<Record<string, BillSource>>>> = {
  netbank: {
    payout: BILL_SOURCES.netbank!,
    collection: { lines: netbankCollectionLines, render: renderNetbankCollections, tamper: { file: 'collection', kind: 'payment' } },
  },
};

const BILL_PATH = /^\/bills\/([^/?]+)(\/tamper)?(?:\?(.*))?$/;
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
  const bill = BILL_PATH.exec(path);
  const apply = input.channel === 'wechat_pay' ? WECHAT_APPLY_PATH.exec(path) : null;
  const file = input.channel === 'wechat_pay' ? WECHAT_FILE_PATH.exec(path) : null;
  if (!bill && !apply && !file) return false;
  if (!BILL_SOURCES[input.channel]) return json(res, 404, { code: 'NOT_FOUND', message: `${input.channel} publishes no bill in the sandbox` }), true;
  const type = new URLSearchParams(bill?.[3] ?? '').get('type');
  const files = BILL_FILES[input.channel];
  // A channel with one bill ignores the parameter, as it always did; one with several refuses a type it lacks.
  // Own keys only: `?type=toString` names no file.
  const source = type && files ? (Object.hasOwn(files, type) ? files[type] : undefined) : BILL_SOURCES[input.channel];
  if (!source) return json(res, 400, { code: 'PARAM_ERROR', message: `type must be one of ${Object.keys(files!).join(', ')}` }), true;
  const date = bill?.[1] ?? (apply ? new URLSearchParams(apply[1]).get('bill_date') : Buffer.from(file![1]!, 'base64url').toString('utf8'));
  if (!date || !isCalendarDate(date)) return json(res, 400, { code: 'PARAM_ERROR', message: 'bill date must be YYYY-MM-DD' }), true;
  if (bill?.[2]) {
    if (req.method !== 'POST') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'POST' }), true;
    const body = parseJsonBody((await readRequestBody(req)) ?? '') as { kind?: unknown } | undefined;
    if (!TAMPER_KINDS.includes(body?.kind as TamperKind)) {
      return json(res, 400, { code: 'PARAM_ERROR', message: `kind must be one of ${TAMPER_KINDS.join(', ')}` }), true;
    }
    await addTamper(input.store, input.channel, date, body!.kind as TamperKind, source.tamper ?? TRADE_BILL_TAMPER);
    return json(res, 200, { channel: input.channel, date, ...(type && files ? { type } : {}), tampered: body!.kind }), true;
  }
  if (req.method !== 'GET') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET' }), true;
  const lines = await applyTampers(input.store, input.channel, date, await source.lines(input.store, input.channel, date), source.tamper ?? TRADE_BILL_TAMPER);
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
