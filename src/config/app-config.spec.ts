import { validateConfig } from './app-config';

describe('validateConfig', () => {
  it('applies defaults', () => {
    const c = validateConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.databaseKind).toBe('sqlite');
    expect(c.SEED_DEMO).toBe(true);
  });

  it('converts strings from the environment', () => {
    const c = validateConfig({ PORT: '8080', SEED_DEMO: 'false', DATABASE_URL: 'postgres://127.0.0.1/test' });
    expect(c.PORT).toBe(8080);
    expect(c.SEED_DEMO).toBe(false);
    expect(c.databaseKind).toBe('postgres');
  });

  it('names every bad setting', () => {
    expect(() => validateConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SEED_DEMO: 'maybe' })).toThrow(/PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/);
    try {
      validateConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SEED_DEMO: 'maybe' });
    } catch (e) {
      expect(String(e)).toContain('SEED_DEMO');
    }
  });

  it('bounds the database timeouts', () => {
    expect(validateConfig({}).DB_IDLE_IN_TRANSACTION_TIMEOUT_MS).toBe(10000);
    expect(validateConfig({ DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000' }).DB_IDLE_IN_TRANSACTION_TIMEOUT_MS).toBe(2000);
    for (const bad of ['0', '999', '600001', 'soon']) {
      expect(() => validateConfig({ DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: bad })).toThrow(/DB_IDLE_IN_TRANSACTION_TIMEOUT_MS/);
    }
  });

  it('bounds the shadow sample rate to 0..1', () => {
    expect(validateConfig({}).SHADOW_SAMPLE_RATE).toBe(1);
    expect(validateConfig({ SHADOW_SAMPLE_RATE: '0' }).SHADOW_SAMPLE_RATE).toBe(0);
    expect(validateConfig({ SHADOW_SAMPLE_RATE: '0.25' }).SHADOW_SAMPLE_RATE).toBe(0.25);
    for (const bad of ['-0.1', '1.5', 'half', '']) {
      expect(() => validateConfig({ SHADOW_SAMPLE_RATE: bad })).toThrow(/SHADOW_SAMPLE_RATE/);
    }
  });
});
