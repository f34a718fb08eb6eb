/**
 * WeChat Pay v3 交易账单 (tradebill, bill_type=ALL) as the file is laid out: a header row of Chinese column names,
 * one row per trade or refund with every field prefixed by a backtick (so spreadsheets keep long numbers as text),
 * then the summary header and its one row. Shared by the sandbox that writes it and the parser that reads it.
 */
export const TRADEBILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额',
  '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;

export const TRADEBILL_SUMMARY_COLUMNS = [
  '总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额',
] as const;

export type TradebillColumn = (typeof TRADEBILL_COLUMNS)[number];
