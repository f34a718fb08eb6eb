/**
 * The ledger is its own module (shared/ledger/, docs/decisions.md entry 107). This file keeps the names the order
 * domain and the state writer have always imported, so their call sites post through the module unchanged.
 */
export { accounts } from '../ledger/accounts.js';
export { creditChange, isBalanced, type Direction, type LedgerEntry, type LedgerLine } from '../ledger/posting.js';
export { balancePaymentLines, latePaymentLines, lateRefundLines, paymentLines, refundLines, topupLines } from '../ledger/rules.js';
export { trialBalance, type TrialBalance } from '../ledger/check.js';
