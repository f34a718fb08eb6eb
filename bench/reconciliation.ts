/**
 * npm run bench:reconciliation (and the last section of npm run bench): one reconciliation of a 100,000-line bill.
 * The WeChat Pay sandbox's renderer writes a real-format tradebill of 100,000 lines (99,000 payments and 1,000
 * refunds), 1 % of them tampered (amount, fee, dropped, extra); the parser reads it and the matcher matches it
 * against the platform's 100,000 items, every unmatched one checked at a (stubbed, instant) channel query. Reports
 * wall time per step and the process's peak resident memory. The platform's side is held in memory here: reading it
 * from DynamoDB is 8 shard queries of ~100 pages each in AWS, a network cost outside this figure.
 * A report, not a test: exits 0.
 */
import { renderWechatTradebill } from '../infra/local/sandbox/bills/formats.js';
import { parseWechatTradebill } from '../shared/channels/wechat-pay/bill-parser.js';
import { channelFee, type BillLine } from '../shared/reconciliation/bill.js';
import { matchBill, type PlatformItem } from '../shared/reconciliation/match.js';
import { countRows } from '../shared/reconciliation/report.js';

const LINES = 100_000;
const DAY = '2026-11-28';

export interface ReconciliationBench {
  readonly lines: number;
  readonly fileBytes: number;
  readonly renderMs: number;
  readonly parseMs: number;
  readonly matchMs: number;
  readonly peakRssMb: number;
  readonly counts: Record<string, number>;
}

export async function benchReconciliation(log: (m: string) => void = () => undefined): Promise<ReconciliationBench> {
  log(`(g) reconciliation of a ${LINES.toLocaleString('en')}-line bill...`);
  const lines: BillLine[] = [];
  const platform: PlatformItem[] = [];
  const base = Date.parse(`${DAY}T00:00:00+08:00`);
  for (let i = 0; i < LINES; i += 1) {
    const refund = i % 100 === 99;
    const id = `pay_${String(i).padStart(26, '0')}`;
    const amount = 100 + (i % 5000);
    const at = new Date(base + Math.floor((i * 86_000_000) / LINES)).toISOString();
    const line: BillLine = refund
      ? { kind: 'refund', paymentId: id, refundId: `rf_${String(i).padStart(26, '0')}`, channelPaymentId: `42${i}`, amount, fee: 0, currency: 'CNY', status: 'succeeded', at }
      : { kind: 'payment', paymentId: id, refundId: null, channelPaymentId: `42${i}`, amount, fee: channelFee('wechat_pay', amount), currency: 'CNY', status: 'succeeded', at };
    platform.push({ kind: line.kind, paymentId: refund ? '' : id, refundId: line.refundId, orderId: `ord_${i}`, merchantId: 'm_bench', amount, currency: 'CNY', status: 'SUCCEEDED', createdAt: at, day: DAY });
    // 1 % tampered: a quarter each of amount, fee, dropped and extra lines.
    const tamper = i % 100 === 7 ? Math.floor(i / 100) % 4 : -1;
    if (tamper === 0) lines.push({ ...line, amount: line.amount + 1 });
    else if (tamper === 1) lines.push({ ...line, fee: line.fee + 1 });
    else if (tamper === 2) continue;
    else if (tamper === 3) lines.push(line, { ...line, paymentId: `pay_x${i}`, channelPaymentId: `x${i}` });
    else lines.push(line);
  }
  const t0 = performance.now();
  const file = renderWechatTradebill('wechat_pay', lines, { mchId: '1230000109', appId: 'wxbench' }).body;
  const t1 = performance.now();
  const parsed = parseWechatTradebill(file);
  const t2 = performance.now();
  const rows = await matchBill({
    channel: 'wechat_pay',
    date: DAY,
    lines: parsed.lines,
    platform,
    lookups: { findPlatform: async () => undefined, neighbourLines: async () => new Map(), query: async () => ({ status: 'not_found' }) },
  });
  const t3 = performance.now();
  return {
    lines: parsed.lines.length,
    fileBytes: Buffer.byteLength(file),
    renderMs: t1 - t0,
    parseMs: t2 - t1,
    matchMs: t3 - t2,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    counts: countRows(rows),
  };
}

export function renderReconciliationBench(r: ReconciliationBench): string {
  return [
    `Reconciliation of a ${r.lines.toLocaleString('en')}-line WeChat tradebill (${(r.fileBytes / 1e6).toFixed(1)} MB):`,
    `  parse ${r.parseMs.toFixed(0)} ms, match ${r.matchMs.toFixed(0)} ms (render in the sandbox ${r.renderMs.toFixed(0)} ms), peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    `  rows: ${Object.entries(r.counts).map(([c, n]) => `${c} ${n}`).join(', ')}`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(renderReconciliationBench(await benchReconciliation((m) => process.stderr.write(`[bench] ${m}\n`))));
}
