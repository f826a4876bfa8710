import { Alert, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, unwrap } from '../api/client';
import { Me } from '../api/types';
import { AuditTable } from '../components/AuditTable';
import { MyAgreements } from '../components/MyAgreements';
import { MyWebhooks } from '../components/MyWebhooks';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { useSession } from '../session';

export function MyAccessPage() {
  const { api } = useSession();
  const me = useQuery({ queryKey: ['me'], queryFn: async () => unwrap(await api.GET('/api/v1/me')) });
  const d = me.data?.data;
  return (
    <Stack>
      <Title order={1}>My access</Title>
      {me.isPending ? <Loading what="your rights" /> : null}
      {me.isError ? <ErrorState error={me.error} onRetry={() => void me.refetch()} /> : null}
      {d ? (
        <>
          <Text size="sm">{d.partner?.name} ({d.partner?.id}, {d.partner?.kind}) · policy version {d.policyVersion} · up to {d.limits?.requestsPerMinute} requests a minute, {d.limits?.maxPageSize} rows a page
            {d.quota ? ` · ${d.quota.remaining} requests left, reset in ${d.quota.resetSeconds} s` : ''}</Text>
          <Rights me={d} />
        </>
      ) : null}
      <MyAgreements />
      {d ? <MyWebhooks purposes={d.purposes ?? []} /> : null}
      <AccessLog />
      <DataAccess />
    </Stack>
  );
}

function Rights({ me }: { me: Me }) {
  return (
    <section aria-labelledby="rights-heading">
      <Title order={2} size="h3" id="rights-heading">My rights</Title>
      <Text size="sm">What your policy lets you read and write, per purpose. “Some rows” means conditions hold the field back on some rows.</Text>
      {(me.byPurpose ?? []).map((p) => {
        const rows = Object.entries(p.subjects ?? {}).flatMap(([subject, actions]) => Object.entries(actions).map(([action, v]) => ({ subject, action, v })));
        return (
          <div key={p.purpose ?? 'any'} className="grid-wrap" tabIndex={0}>
            <Table striped mt="xs">
              <Table.Caption>Purpose: {p.purpose ?? 'any'}</Table.Caption>
              <Table.Thead><Table.Tr><Table.Th>Subject</Table.Th><Table.Th>Action</Table.Th><Table.Th>Rows</Table.Th><Table.Th>Fields</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {rows.length === 0 ? <Table.Tr><Table.Td colSpan={4}>Nothing is granted under this purpose.</Table.Td></Table.Tr> : rows.map(({ subject, action, v }) => (
                  <Table.Tr key={`${subject}/${action}`}>
                    <Table.Td>{subject}</Table.Td><Table.Td>{action}</Table.Td><Table.Td>{v.scope}</Table.Td>
                    <Table.Td>{(v.fields ?? []).map((f) => <span key={f.field}>{f.field}{f.rows === 'some' ? <Badge size="xs" variant="light" color="orange" ml={2}>some rows</Badge> : null}{' '}</span>)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        );
      })}
    </section>
  );
}

function transparencyOff(error: unknown): boolean {
  return error instanceof ApiError && error.problem.code === 'TRANSPARENCY_DISABLED';
}

function AccessLog() {
  const { api } = useSession();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const log = useQuery({
    queryKey: ['me-access-log', cursor],
    queryFn: async () => unwrap(await api.GET('/api/v1/me/access-log', { params: { query: { limit: 25, cursor: cursor ?? undefined } } })),
  });
  return (
    <section aria-labelledby="log-heading">
      <Title order={2} size="h3" id="log-heading">My access log</Title>
      <Text size="sm">Your own requests to the gateway as the audit log recorded them.</Text>
      {log.isPending ? <Loading what="your access log" /> : null}
      {log.isError ? (transparencyOff(log.error)
        ? <Alert color="gray" title="Switched off">Governance switched off the access log for your partner. Ask your governance contact if you need it.</Alert>
        : <ErrorState error={log.error} onRetry={() => void log.refetch()} />) : null}
      {log.data && log.data.data.length === 0 ? <Empty>No request recorded yet.</Empty> : null}
      {log.data && log.data.data.length > 0 ? <AuditTable events={log.data.data} caption={`Your requests, page ${cursors.length}`} /> : null}
      <Group mt="xs">
        <Button variant="default" size="xs" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</Button>
        <Button variant="default" size="xs" disabled={!log.data?.meta.nextCursor} onClick={() => setCursors([...cursors, log.data!.meta.nextCursor ?? null])}>Next page</Button>
      </Group>
    </section>
  );
}

function DataAccess() {
  const { api } = useSession();
  const rows = useQuery({ queryKey: ['me-data-access'], queryFn: async () => unwrap(await api.GET('/api/v1/me/data-access')) });
  return (
    <section aria-labelledby="who-heading">
      <Title order={2} size="h3" id="who-heading">Who read my data</Title>
      <Text size="sm">Per day, which partners' reads returned which fields of the records you contributed; counts only, no values.</Text>
      {rows.isPending ? <Loading what="who read your data" /> : null}
      {rows.isError ? (transparencyOff(rows.error)
        ? <Alert color="gray" title="Switched off">Governance switched off this view for your partner.</Alert>
        : <ErrorState error={rows.error} onRetry={() => void rows.refetch()} />) : null}
      {rows.data && (rows.data.data ?? []).length === 0 ? <Empty>No other partner read records you contributed in the last days.</Empty> : null}
      {rows.data?.data && rows.data.data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Reads of your records by other partners</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Day</Table.Th><Table.Th>Partner</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Field</Table.Th><Table.Th>Reads</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.data.data.map((r) => <Table.Tr key={`${r.day}/${r.partnerId}/${r.subject}/${r.field}`}><Table.Td>{r.day}</Table.Td><Table.Td>{r.partnerId}</Table.Td><Table.Td>{r.subject}</Table.Td><Table.Td>{r.field}</Table.Td><Table.Td>{r.count}</Table.Td></Table.Tr>)}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
    </section>
  );
}
