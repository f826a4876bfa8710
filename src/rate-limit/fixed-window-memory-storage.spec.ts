import { FixedWindowMemoryStorage } from './fixed-window-memory-storage';

describe('FixedWindowMemoryStorage', () => {
  let now = 1_000_000;
  let storage: FixedWindowMemoryStorage;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    storage = new FixedWindowMemoryStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('counts hits per key within the window, up to the limit', async () => {
    for (let i = 1; i <= 3; i++) expect(await storage.increment('partner:a', 60_000, 3, 60_000, 'partner')).toMatchObject({ totalHits: i, isBlocked: false });
    expect(await storage.increment('partner:b', 60_000, 3, 60_000, 'partner')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('blocks the hit over the limit for the block duration, then starts a fresh window', async () => {
    for (let i = 0; i < 2; i++) await storage.increment('k', 60_000, 2, 60_000, 'partner');
    now += 10_000;
    expect(await storage.increment('k', 60_000, 2, 60_000, 'partner')).toEqual({ totalHits: 3, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 60 });
    now += 55_000; // the window has ended, the block has not
    expect(await storage.increment('k', 60_000, 2, 60_000, 'partner')).toMatchObject({ isBlocked: true, timeToBlockExpire: 5 });
    now += 5_000;
    expect(await storage.increment('k', 60_000, 2, 60_000, 'partner')).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('a window that ends without a block resets the count', async () => {
    await storage.increment('k', 1_000, 5, 1_000, 'partner');
    now += 1_000;
    expect(await storage.increment('k', 1_000, 5, 1_000, 'partner')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
