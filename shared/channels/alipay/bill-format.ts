/**
 * Alipay's trade bill (业务明细, bill_type=trade) as the file inside the zip that bill_download_url serves: `#` lines
 * before (title, account, date range) and after (totals, export time) a CSV whose header is Alipay's own column names.
 * The real file is GBK inside a zip; the sandbox serves the CSV itself in UTF-8 (docs/decisions.md, 167).
 */
export const ALIPAY_BILL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号', '对方账户',
  '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）', '券核销金额（元）', '券名称',
  '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

export type AlipayBillColumn = (typeof ALIPAY_BILL_COLUMNS)[number];

export const ALIPAY_BILL_TITLE = '#支付宝业务明细查询';
export const ALIPAY_BILL_LIST_START = '#-----------------------------------------业务明细列表----------------------------------------';
export const ALIPAY_BILL_LIST_END = '#-----------------------------------------业务明细列表结束------------------------------------';
