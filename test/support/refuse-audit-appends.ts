import type { TestGateway } from './test-app';

/**
 * Makes every append to the audit log fail (a trigger on audit_events), as a store that cannot
 * write the event; the returned function removes it.
 */
export async function refuseAuditAppends(gw: TestGateway): Promise<() => Promise<void>> {
  if (gw.dialect === 'postgres') {
    await gw.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$`);
    await gw.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
  } else {
    await gw.query(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END`);
  }
  return async () => {
    await gw.query(gw.dialect === 'postgres' ? 'DROP TRIGGER refuse_audit ON audit_events' : 'DROP TRIGGER refuse_audit');
    if (gw.dialect === 'postgres') await gw.query('DROP FUNCTION refuse_audit()');
  };
}
