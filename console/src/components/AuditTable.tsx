import { Badge, Button, Code, Table, Text } from '@mantine/core';
import { Fragment, useState } from 'react';
import { AuditEvent } from '../api/types';
import { href, navigate } from '../router';

const COLOR: Record<string, string> = { allow: 'green', partial: 'yellow', deny: 'red', error: 'gray' };

/** Audit events with a detail row each: the disclosure manifest, the deciding policy version and rules, the hashes. */
export function AuditTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="grid-wrap" tabIndex={0}>
      <Table striped>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Seq</Table.Th><Table.Th>At</Table.Th><Table.Th>Who</Table.Th><Table.Th>Operation</Table.Th><Table.Th>Decision</Table.Th><Table.Th>Status</Table.Th><Table.Th>Records</Table.Th><Table.Th>Details</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {events.map((e) => (
            <Fragment key={e.id}>
              <Table.Tr>
                <Table.Td>{e.seq}</Table.Td>
                <Table.Td>{new Date(e.at).toLocaleString()}</Table.Td>
                <Table.Td>{e.actor.sub ?? 'anonymous'}{e.actor.partnerId ? ` (${e.actor.partnerId})` : ''}<Text size="xs" c="dimmed">{e.actor.roles.join(', ')}</Text></Table.Td>
                <Table.Td><Code>{e.operation}</Code>{e.action ? <Text size="xs">{e.action} {e.subject ?? ''}</Text> : null}</Table.Td>
                <Table.Td><Badge color={COLOR[e.decision] ?? 'gray'} variant="light">{e.decision}</Badge></Table.Td>
                <Table.Td>{e.status}</Table.Td>
                <Table.Td>{e.resourceIds.slice(0, 3).join(', ')}{e.resourceIds.length > 3 ? ` +${e.resourceIds.length - 3}` : ''}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" aria-expanded={open === e.id} aria-label={`Details of event ${e.seq}`} onClick={() => setOpen(open === e.id ? null : e.id)}>
                    Details
                  </Button>
                </Table.Td>
              </Table.Tr>
              {open === e.id ? (
                <Table.Tr>
                  <Table.Td colSpan={8}>
                    <EventDetail event={e} />
                    <a href={href(`/audit-log/${encodeURIComponent(e.id)}`)} onClick={(ev) => { ev.preventDefault(); navigate(`/audit-log/${encodeURIComponent(e.id)}`); }}>
                      Open the page of event {e.seq}
                    </a>
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Fragment>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** One event's disclosure manifest, the policy version and rules that decided, and its place in the hash chain. */
export function EventDetail({ event: e }: { event: AuditEvent }) {
  return (
    <dl className="event-detail">
      <dt>Event id</dt><dd>{e.id} (request {e.requestId}, {e.transport})</dd>
      <dt>Purpose</dt><dd>{e.purpose ?? '—'}</dd>
      <dt>Fields returned</dt><dd>{e.fieldsReturned.join(', ') || '—'}</dd>
      <dt>Fields denied</dt><dd>{e.fieldsDenied.join(', ') || '—'}</dd>
      <dt>Rows</dt><dd>{e.rowCount ?? '—'}</dd>
      <dt>Records</dt><dd>{e.resourceIds.join(', ') || '—'}</dd>
      <dt>Policy version and rules</dt><dd>{e.policyVersion ?? '—'}{e.ruleIds.length ? `: ${e.ruleIds.join(', ')}` : ''}</dd>
      <dt>Hash</dt><dd><Code>{e.hash}</Code></dd>
      <dt>Previous hash</dt><dd><Code>{e.prevHash}</Code></dd>
    </dl>
  );
}
