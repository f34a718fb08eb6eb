import { createRequire } from 'node:module';

/** qrcode-terminal is CommonJS without types: its one function, typed here. */
const qrcodeTerminal = createRequire(import.meta.url)('qrcode-terminal') as {
  generate(text: string, options: { small: boolean }, callback: (qr: string) => void): void;
};

interface AnswerWithAction {
  readonly payment?: { readonly nextAction?: { readonly type?: string; readonly url?: string; readonly qrCode?: string } | null } | null;
}

/**
 * What `npm run api` adds on stderr when an answer waits for the payer: the checkout page to open and, for a QR
 * payment, the QR code itself drawn in the terminal so a developer can scan it with a phone. Empty otherwise, so
 * stdout stays the JSON body alone.
 */
export function payerHint(body: unknown): string {
  const action = (body as AnswerWithAction | null)?.payment?.nextAction;
  if (!action || typeof action !== 'object') return '';
  const lines: string[] = [];
  if (typeof action.url === 'string') lines.push(`Payer action (${action.type}): open ${action.url}`);
  if (typeof action.qrCode === 'string' && action.qrCode) {
    let drawn = '';
    qrcodeTerminal.generate(action.qrCode, { small: true }, (qr) => {
      drawn = qr;
    });
    lines.push(`Scan with the wallet (${action.qrCode}):`, drawn);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
