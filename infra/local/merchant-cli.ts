import { parseArgs } from 'node:util';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { DynamoMerchantStore } from '../../shared/adapters/dynamodb/merchant-store.js';
import { DynamoBlocklistStore } from '../../shared/adapters/dynamodb/blocklist-store.js';
import { blocklistKey, type BlocklistSubject } from '../../shared/domain/risk.js';
import { checkLedger, ledgerFigures } from '../../shared/services/ledger-check.js';
import type { MerchantFees } from '../../shared/domain/fees.js';
import { createMerchant, merchantFees, setMerchantFees } from '../../shared/services/merchants.js';
import { connectAws, connectLocal } from './connect.js';

const USAGE = `Usage (add --aws to act on a deployed region, see README "Deploy to AWS"):
  npm run merchant -- create --name "Shop" [--notify-url URL] [--risk-challenge-amount N] [--fee-bps N]
  npm run merchant -- disable <merchantId> | enable <merchantId>
  npm run merchant -- fees <merchantId> [--set '{"default":{"bps":60,"fixed":0},"methods":{"wechat_pay":{"bps":38,"fixed":0}},"payout":{"bps":0,"fixed":100}}']
  npm run merchant -- block <payer_id|card_fingerprint|payer_ip> <value> [--reason TEXT]
  npm run merchant -- unblock <payer_id|card_fingerprint|payer_ip> <value>
  npm run merchant -- ledger-check`;

/** Operations on merchants (local, or a deployed region with --aws), the risk blocklist and the ledger. Prints JSON. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'notify-url': { type: 'string' },
      'risk-challenge-amount': { type: 'string' },
      'fee-bps': { type: 'string' },
      reason: { type: 'string' },
      set: { type: 'string' },
      aws: { type: 'boolean', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const local = values.aws ? await connectAws() : await connectLocal();
  try {
    const table = local.config.TABLE_NAME;
    const merchants = new DynamoMerchantStore(local.db, table);
    const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    switch (command) {
      case 'create': {
        if (!values.name) throw new Error('--name is required');
        out(
          await createMerchant(
            { merchants, keyCenter: local.keyCenter, now: Date.now, settings: { localMode: local.config.LOCAL_MODE, defaultChallengeAmount: 0, defaultFeeBps: 0 } },
            {
              name: values.name,
              notifyUrl: values['notify-url'],
              riskChallengeAmount: values['risk-challenge-amount'] ? Number(values['risk-challenge-amount']) : undefined,
              feeBps: values['fee-bps'] ? Number(values['fee-bps']) : undefined,
            },
          ),
        );
        return 0;
      }
      case 'disable':
      case 'enable':
        await merchants.setStatus(args[0] ?? '', command === 'disable' ? 'disabled' : 'active');
        out({ merchantId: args[0], status: command === 'disable' ? 'disabled' : 'active' });
        return 0;
      case 'fees': {
        // Without --set: the schedule the merchant pays now (its own, or the one its older single rate stands for).
        const merchantId = args[0] ?? '';
        const deps = { merchants, settings: { defaultFeeBps: local.config.DEFAULT_FEE_BPS } };
        out({ merchantId, fees: values.set ? await setMerchantFees(deps, merchantId, JSON.parse(values.set) as MerchantFees) : await merchantFees(deps, merchantId) });
        return 0;
      }
      case 'block':
      case 'unblock': {
        const [subject, value] = args as [BlocklistSubject, string];
        if (!['payer_id', 'card_fingerprint', 'payer_ip'].includes(subject) || !value) throw new Error(USAGE);
        const blocklist = new DynamoBlocklistStore(local.db, table);
        const key = blocklistKey(subject, value);
        if (command === 'block') await blocklist.add(key, values.reason ?? 'blocked by operator');
        else await blocklist.remove(key);
        out({ key, blocked: command === 'block' });
        return 0;
      }
      case 'ledger-check': {
        // The books, every kept balance and the holds (open ones, and any past their expiry): exit 1 on any finding.
        const result = await checkLedger(new DynamoLedgerStore(local.db, table));
        out(result);
        return ledgerFigures(result).clean ? 0 : 1;
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } finally {
    local.db.destroy();
    await local.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
