import { SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { unwrap } from '../api/client';
import { useSession } from '../session';
import { Empty, ErrorState, Loading } from './ErrorState';

const COLORS = ['#1864ab', '#c92a2a', '#2b8a3e', '#e67700', '#5f3dc4', '#0b7285', '#a61e4d', '#495057'];
const NONE = '(no partner)';

/** Requests and refusals per partner over time, from GET /api/v1/audit-events/activity. */
export function AuditActivity({ partnerId }: { partnerId: string }) {
  const { api } = useSession();
  const [bucket, setBucket] = useState<'hour' | 'day'>('day');
  const q = useQuery({
    queryKey: ['audit-activity', bucket, partnerId],
    queryFn: async () => unwrap(await api.GET('/api/v1/audit-events/activity', { params: { query: { bucket, partnerId } } })),
  });
  const rows = q.data?.data ?? [];
  const partners = [...new Set(rows.map((r) => r.partnerId ?? NONE))].sort();
  const label = (iso: string) => (bucket === 'hour' ? new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' }) : iso.slice(0, 10));
  const buckets = [...new Set(rows.map((r) => r.bucket))].sort();
  const series = (key: 'requests' | 'refusals') =>
    buckets.map((b) => {
      const point: Record<string, string | number> = { at: label(b) };
      for (const p of partners) point[p] = rows.find((r) => r.bucket === b && (r.partnerId ?? NONE) === p)?.[key] ?? 0;
      return point;
    });
  const chart = (key: 'requests' | 'refusals', title: string) => (
    <figure aria-label={title} style={{ margin: 0 }}>
      <Title order={3} size="h5">{title}</Title>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={series(key)}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {partners.map((p, i) => <Line key={p} type="monotone" dataKey={p} stroke={COLORS[i % COLORS.length]} dot={buckets.length < 3} isAnimationActive={false} />)}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
  return (
    <Stack gap="xs">
      <Title order={2}>Requests and refusals per partner</Title>
      <SegmentedControl aria-label="Time unit" value={bucket} onChange={(v) => setBucket(v as 'hour' | 'day')} data={[{ value: 'day', label: 'Per day, last 7 days' }, { value: 'hour', label: 'Per hour, last 24 hours' }]} />
      {q.isPending ? <Loading what="activity" /> : null}
      {q.isError ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : null}
      {q.data && rows.length === 0 ? <Empty>No request in this period{partnerId ? ' for this partner' : ''}.</Empty> : null}
      {rows.length > 0 ? (
        <>
          {chart('requests', 'Requests')}
          {chart('refusals', 'Refusals')}
          <div className="grid-wrap" tabIndex={0}>
            <Table>
              <Table.Caption>Requests and refusals per partner (the charts' figures)</Table.Caption>
              <Table.Thead><Table.Tr><Table.Th>Partner</Table.Th><Table.Th>Requests</Table.Th><Table.Th>Refusals</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {partners.map((p) => {
                  const mine = rows.filter((r) => (r.partnerId ?? NONE) === p);
                  return (
                    <Table.Tr key={p}>
                      <Table.Td>{p}</Table.Td>
                      <Table.Td>{mine.reduce((n, r) => n + r.requests, 0)}</Table.Td>
                      <Table.Td>{mine.reduce((n, r) => n + r.refusals, 0)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </div>
          <Text size="xs">Refusals are events with decision “deny”; “{NONE}” are callers acting for no partner: officers, auditors, administrators, and requests without a valid token.</Text>
        </>
      ) : null}
    </Stack>
  );
}
