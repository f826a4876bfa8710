import { Table, Text } from '@mantine/core';
import { Empty } from './ErrorState';

export interface DiffResult {
  partnerId: string;
  changes: {
    purpose: string; subject: string; action: string; gained: string[]; lost: string[]; conditionsChanged: string[];
    agreementChanged?: string[]; agreementsBefore?: string[]; agreementsAfter?: string[];
  }[];
  /** Rules added, removed or changed, with the agreement each rests on before and after. */
  rules?: RuleChange[];
  /** Every agreement either side names, with its status now. */
  agreements?: Record<string, { status: string; title: string | null; validUntil: string | null }>;
  impact: Record<string, Record<string, ImpactRow>>;
}

export interface RuleChange { ruleId: string; change: 'added' | 'removed' | 'changed'; subject: string; agreementBefore: string | null; agreementAfter: string | null }

export interface ImpactRow {
  rowsNow?: number;
  rowsDraft?: number;
  rowsGained?: number;
  rowsLost?: number;
  rowsWithheld?: { code: string; fields: string[] };
  fieldsGained: string[];
  fieldsLost: string[];
}

const list = (xs: string[]) => (xs.length ? xs.join(', ') : '—');

export function ChangesTable({ changes, caption }: { changes: DiffResult['changes']; caption: string }) {
  if (changes.length === 0) return <Empty>No field changes: the draft grants exactly what the version in force grants.</Empty>;
  return (
    <div className="grid-wrap" tabIndex={0}>
      <Table striped>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Purpose</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Action</Table.Th><Table.Th>Fields gained</Table.Th><Table.Th>Fields lost</Table.Th><Table.Th>Conditions changed</Table.Th><Table.Th>Rests on agreements</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {changes.map((c) => (
            <Table.Tr key={`${c.purpose}/${c.subject}/${c.action}`}>
              <Table.Td>{c.purpose}</Table.Td><Table.Td>{c.subject}</Table.Td><Table.Td>{c.action}</Table.Td>
              <Table.Td className={c.gained.length ? 'diff-added' : undefined}>{list(c.gained)}</Table.Td>
              <Table.Td className={c.lost.length ? 'diff-removed' : undefined}>{list(c.lost)}</Table.Td>
              <Table.Td>{list(c.conditionsChanged)}</Table.Td>
              <Table.Td className={c.agreementChanged?.length ? 'diff-changed' : undefined}>{agreementsCell(c)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function agreementsCell(c: DiffResult['changes'][number]): string {
  const before = list(c.agreementsBefore ?? []);
  const after = list(c.agreementsAfter ?? []);
  const moved = c.agreementChanged?.length ? ` (now on another agreement: ${c.agreementChanged.join(', ')})` : '';
  return (before === after ? after : `${before} → ${after}`) + moved;
}

/** The rules a change adds, removes or changes, and the agreement each rests on (with its status now). */
export function RuleChangesTable({ diff, caption }: { diff: DiffResult; caption: string }) {
  const rules = diff.rules ?? [];
  if (rules.length === 0) return null;
  const named = (id: string | null) => {
    if (id === null) return 'none';
    const a = diff.agreements?.[id];
    return a ? `${id} (${a.status})` : id;
  };
  return (
    <div className="grid-wrap" tabIndex={0}>
      <Table striped>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Rule</Table.Th><Table.Th>Change</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Agreement before</Table.Th><Table.Th>Agreement after</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rules.map((r) => (
            <Table.Tr key={r.ruleId}>
              <Table.Td>{r.ruleId}</Table.Td><Table.Td>{r.change}</Table.Td><Table.Td>{r.subject}</Table.Td>
              <Table.Td>{r.change === 'added' ? '—' : named(r.agreementBefore)}</Table.Td>
              <Table.Td className={r.agreementBefore !== r.agreementAfter && r.change === 'changed' ? 'diff-changed' : undefined}>{r.change === 'removed' ? '—' : named(r.agreementAfter)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

export function ImpactTable({ impact, caption }: { impact: Record<string, Record<string, ImpactRow>>; caption: string }) {
  const rows = Object.entries(impact).flatMap(([purpose, bySubject]) => Object.entries(bySubject).map(([subject, r]) => ({ purpose, subject, r })));
  if (rows.length === 0) return <Empty>Nothing to compare: the policy reads no stored data.</Empty>;
  return (
    <div className="grid-wrap" tabIndex={0}>
      <Table striped>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Purpose</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Rows now</Table.Th><Table.Th>Rows under draft</Table.Th><Table.Th>Rows gained</Table.Th><Table.Th>Rows lost</Table.Th><Table.Th>Fields gained</Table.Th><Table.Th>Fields lost</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map(({ purpose, subject, r }) => (
            <Table.Tr key={`${purpose}/${subject}`}>
              <Table.Td>{purpose}</Table.Td><Table.Td>{subject}</Table.Td>
              {r.rowsWithheld ? (
                <Table.Td colSpan={4}><Text size="sm">Not countable: the conditions name {r.rowsWithheld.fields.join(', ')}</Text></Table.Td>
              ) : (
                <>
                  <Table.Td>{r.rowsNow}</Table.Td><Table.Td>{r.rowsDraft}</Table.Td>
                  <Table.Td className={r.rowsGained ? 'diff-added' : undefined}>{r.rowsGained}</Table.Td>
                  <Table.Td className={r.rowsLost ? 'diff-removed' : undefined}>{r.rowsLost}</Table.Td>
                </>
              )}
              <Table.Td className={r.fieldsGained.length ? 'diff-added' : undefined}>{list(r.fieldsGained)}</Table.Td>
              <Table.Td className={r.fieldsLost.length ? 'diff-removed' : undefined}>{list(r.fieldsLost)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** The two texts side by side; lines only one side has are marked. */
export function SideBySide({ left, right, leftTitle, rightTitle }: { left: string; right: string; leftTitle: string; rightTitle: string }) {
  const l = left.split('\n');
  const r = right.split('\n');
  const inR = new Set(r);
  const inL = new Set(l);
  return (
    <div className="side-by-side">
      <section aria-label={leftTitle}>
        <Text fw={600} size="sm">{leftTitle}</Text>
        <pre tabIndex={0}>{l.map((line, i) => <div key={i} className={inR.has(line) ? undefined : 'diff-removed'}>{line || ' '}</div>)}</pre>
      </section>
      <section aria-label={rightTitle}>
        <Text fw={600} size="sm">{rightTitle}</Text>
        <pre tabIndex={0}>{r.map((line, i) => <div key={i} className={inL.has(line) ? undefined : 'diff-added'}>{line || ' '}</div>)}</pre>
      </section>
    </div>
  );
}
