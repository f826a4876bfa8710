import { TestGateway } from './support/test-app';

/** The schema comes from migrations only (never `synchronize`), so they must build what the entities describe. */
describe('migrations', () => {
  it('leave nothing for TypeORM to synchronise: the migrated schema is the entities\u2019 schema', async () => {
    const gw = await TestGateway.start({ SEED_DEMO: 'false' });
    try {
      const pending = await gw.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      expect(await gw.dataSource.showMigrations()).toBe(false);
    } finally {
      await gw.stop();
    }
  });
});
