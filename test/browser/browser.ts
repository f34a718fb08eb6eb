import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, onTestFailed } from 'vitest';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it); Playwright's own download fails here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results');

/**
 * One browser per test file, on a fresh profile (removed afterwards). Read `env.context` inside tests.
 */
export function useBrowser(): { readonly context: BrowserContext } {
  const env = {} as { context: BrowserContext };
  let profile: string | undefined;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'pay-chromium-'));
    env.context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  afterAll(async () => {
    await env.context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return env;
}

/**
 * A new tab for the current test. If the test fails, the tab's screenshot is kept under test-results/ (named after
 * the test), so a failure in CI shows what the payer saw.
 */
export async function openPage(context: BrowserContext, testName: string): Promise<Page> {
  const page = await context.newPage();
  onTestFailed(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, `${testName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  });
  return page;
}
