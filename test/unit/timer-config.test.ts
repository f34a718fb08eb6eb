import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';

describe('timer settings (contract, local mode)', () => {
  it('default to the contract: the janitor after 60 s, authorizations for 7 days', () => {
    const config = parseConfig({ PAY_JANITOR_AFTER_SECONDS: undefined, PAY_AUTHORIZATION_WINDOW_SECONDS: undefined });
    expect(config.PAY_JANITOR_AFTER_SECONDS).toBe(60);
    expect(config.PAY_AUTHORIZATION_WINDOW_SECONDS).toBe(604_800);
  });

  it('take small whole numbers of seconds, so local mode reaches deadlines in seconds', () => {
    const config = parseConfig({ PAY_JANITOR_AFTER_SECONDS: '2', PAY_AUTHORIZATION_WINDOW_SECONDS: '5' });
    expect(config.PAY_JANITOR_AFTER_SECONDS).toBe(2);
    expect(config.PAY_AUTHORIZATION_WINDOW_SECONDS).toBe(5);
  });

  it('refuse zero, fractions, words, and an authorization window beyond the contract’s 7 days', () => {
    for (const bad of [
      { PAY_JANITOR_AFTER_SECONDS: '0' },
      { PAY_JANITOR_AFTER_SECONDS: '1.5' },
      { PAY_JANITOR_AFTER_SECONDS: 'soon' },
      { PAY_JANITOR_AFTER_SECONDS: '86401' },
      { PAY_AUTHORIZATION_WINDOW_SECONDS: '-1' },
      { PAY_AUTHORIZATION_WINDOW_SECONDS: '604801' },
    ]) {
      expect(() => parseConfig(bad), JSON.stringify(bad)).toThrow(/Invalid configuration: PAY_/);
    }
  });
});
