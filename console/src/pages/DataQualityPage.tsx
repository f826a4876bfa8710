import { Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { unwrap } from '../api/client';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { useSession } from '../session';

interface Counts { received: number; accepted: number; refused: number; duplicates: number; late: number; outOfOrder: number }
interface Quality {
  partnerId: string;
  partnerKind: string;
  window: { since: string; until: string; duration: string | null };
  pushes: number;
  events: Counts;
  refusedByCode: Record<string, number>;
  rates: Record<string, number | null>;
  bySource: Record<string, Counts & { pushes: number }>;
  freshness: Record<string, { lastAt: string | null; ageSeconds: number | null; basis: string }>;
}

const WINDOWS = [{ value: 'PT24H', label: 'last 24 hours' }, { value: 'P7D', label: 'last 7 days' }, { value: 'P30D', label: 'last 30 days' }];

export function DataQualityPage() {
  const { api } = useSession();
  const policies = useQuery({ queryKey: ['policies'], queryFn: async () => unwrap(await api.GET('/api/v1/policies')) });
  const [partner, setPartner] = useState<string | null>(null);
  const [window, setWindow] = useState('P7D');
  const options = (policies.data?.data ?? []).map((p) => ({ value: p.partnerId, label: p.document.partner.name }));
  const chosen = partner ?? options[0]?.value ?? null;
  const quality = useQuery({
    queryKey: ['data-quality', chosen, window],
    queryFn: async () => {
      const r = unwrap(await api.GET('/api/v1/partners/{id}/data-quality', { params: { path: { id: chosen! }, query: { window } } }));
      // The document describes the report in words (docs/api-guide-carriers.md, Data quality), not field by field.
      return { data: r.data as Quality };
    },
    enabled: chosen !== null,
  });
  const q = quality.data?.data;
  const chart = q ? Object.entries(q.bySource).map(([source, c]) => ({ source, accepted: c.accepted, refused: c.refused, duplicates: c.duplicates, late: c.late })) : [];
  return (
    <Stack>
      <Title order={1}>Data quality</Title>
      <Text size="sm">How well a partner's pushes arrive: accepted, refused (by code), duplicate, late and out-of-order events, and how fresh its data is.</Text>
      {policies.isError ? <ErrorState error={policies.error} onRetry={() => void policies.refetch()} /> : null}
      <Stack gap="xs" style={{ maxWidth: 420 }}>
        <Select label="Partner" data={options} value={chosen} onChange={setPartner} allowDeselect={false} placeholder={policies.isPending ? 'loading partners…' : 'pick a partner'} />
        <Select label="Window" data={WINDOWS} value={window} onChange={(v) => setWindow(v ?? 'P7D')} allowDeselect={false} />
      </Stack>
      {quality.isFetching && !q ? <Loading what="data quality" /> : null}
      {quality.isError ? <ErrorState error={quality.error} onRetry={() => void quality.refetch()} /> : null}
      {q ? (
        <>
          <Text size="sm">{q.pushes} push(es) with {q.events.received} event(s) between {new Date(q.window.since).toLocaleString()} and {new Date(q.window.until).toLocaleString()}.</Text>
          {q.events.received === 0 ? <Empty>No pushes from this partner in the window. Suppliers push capacity signals and carriers shipment events; pick a longer window or another partner.</Empty> : null}
          <div className="grid-wrap" tabIndex={0}>
            <Table striped>
              <Table.Caption>Rates (accepted, refused and duplicate per received event; late and out of order per accepted event)</Table.Caption>
              <Table.Thead><Table.Tr>{Object.keys(q.rates).map((k) => <Table.Th key={k}>{k}</Table.Th>)}</Table.Tr></Table.Thead>
              <Table.Tbody><Table.Tr>{Object.entries(q.rates).map(([k, v]) => <Table.Td key={k}>{v === null ? '—' : `${(v * 100).toFixed(1)} %`}</Table.Td>)}</Table.Tr></Table.Tbody>
            </Table>
          </div>
          {chart.length > 0 ? (
            <figure aria-label="Events per source" style={{ margin: 0 }}>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={chart}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="source" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="accepted" stackId="a" fill="#2f9e44" />
                  <Bar dataKey="refused" stackId="a" fill="#e03131" />
                  <Bar dataKey="duplicates" stackId="a" fill="#868e96" />
                  <Bar dataKey="late" fill="#f08c00" />
                </BarChart>
              </ResponsiveContainer>
              <figcaption><Text size="xs">Events per source: {chart.map((c) => `${c.source}: ${c.accepted} accepted, ${c.refused} refused, ${c.duplicates} duplicate, ${c.late} late`).join('; ')}</Text></figcaption>
            </figure>
          ) : null}
          {Object.keys(q.refusedByCode).length > 0 ? (
            <Text size="sm">Refused by code: {Object.entries(q.refusedByCode).map(([c, n]) => `${c} ${n}`).join(', ')}</Text>
          ) : null}
          <Text size="sm">Freshness: {Object.entries(q.freshness).map(([k, f]) => `${k}: ${f.lastAt ? `last at ${new Date(f.lastAt).toLocaleString()}` : 'none yet'}`).join('; ')}</Text>
        </>
      ) : null}
    </Stack>
  );
}
