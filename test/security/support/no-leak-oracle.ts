import { subject as asSubject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { fieldsOf } from '../../../src/data/subjects';
import { compilePolicy } from '../../../src/policy/policy-compiler';
import { PolicyDocument } from '../../../src/policy/policy-document';
import { ReadSubject } from './no-leak-data';

/**
 * What CASL itself says a partner may read of a table: the in-memory ability (same document,
 * version and purpose) asked row by row. No SQL involved.
 */
export interface ExpectedRead {
  /** Some row could be readable: otherwise a list is refused outright. */
  anyGrant: boolean;
  /** Fields some rule grants (so they may be requested or filtered on). */
  grantable: string[];
  /** Readable rows in the table's id order, each with the fields CASL permits on it. */
  rows: Array<{ row: Record<string, unknown>; fields: string[] }>;
}

export function expectedRead(doc: PolicyDocument, version: number, purpose: string, type: ReadSubject, table: Record<string, unknown>[]): ExpectedRead {
  const { ability } = compilePolicy(doc, version, purpose);
  const all = fieldsOf(type);
  const fieldsFrom = (rule: { fields?: string[] }) => rule.fields ?? all;
  const rows: ExpectedRead['rows'] = [];
  for (const row of table) {
    if (!ability.can('read', asSubject(type, { ...row }))) continue;
    const fields = permittedFieldsOf(ability, 'read', asSubject(type, { ...row }), { fieldsFrom });
    rows.push({ row, fields: all.filter((f) => fields.includes(f)) });
  }
  return {
    anyGrant: ability.can('read', type),
    grantable: all.filter((f) => ability.can('read', type, f)),
    rows,
  };
}
