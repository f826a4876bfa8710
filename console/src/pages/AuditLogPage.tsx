import { Alert, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { saveBlob, unwrap } from '../api/client';
import { SUBJECTS } from '../api/types';
import { AuditActivity } from '../components/AuditActivity';
import { AuditTable } from '../components/AuditTable';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { useSession } from '../session';

const EMPTY = { partnerId: '', sub: '', subject: '', decision: '', resourceId: '', field: '', from: '', to: '' };
const DECISIONS = ['allow', 'partial', 'deny', 'error'] as const;
const PAGE = 50;

/** A datetime-local value (the browser's local time) as an ISO 8601 UTC instant. */
const instant = (v: string) => (v ? new Date(v).toISOString() : undefined);

export function AuditLogPage() {
  const { api } = useSession();
  const [form, setForm] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [exportError, setExportError] = useState<unknown>(null);
  // An empty field filters nothing: it is left out of the query.
  const query = {
    partnerId: filters.partnerId || undefined,
    sub: filters.sub || undefined,
    subject: filters.subject || undefined,
    decision: DECISIONS.find((d) => d === filters.decision),
    resourceId: filters.resourceId || undefined,
    field: filters.field || undefined,
    from: instant(filters.from),
    to: instant(filters.to),
  };
  const cursor = cursors[cursors.length - 1];
  const events = useQuery({
    queryKey: ['audit-events', query, cursor],
    queryFn: async () => unwrap(await api.GET('/api/v1/audit-events', { params: { query: { ...query, limit: PAGE, cursor: cursor ?? undefined } } })),
  });
  const verify = useMutation({ mutationFn: async () => unwrap(await api.GET('/api/v1/audit-events/verify')) });
  const exportAs = async (format: 'csv' | 'ndjson') => {
    setExportError(null);
    try {
      const file = unwrap(await api.GET('/api/v1/audit-events/export', { params: { query: { ...query, format } }, parseAs: 'blob' }));
      saveBlob(file, `audit-events.${format}`);
    } catch (e) {
      setExportError(e);
    }
  };
  const downloadCheckpoint = async () => {
    setExportError(null);
    try {
      const { data } = unwrap(await api.GET('/api/v1/audit-events/checkpoint'));
      saveBlob(new Blob([`${data.checkpoint}\n`], { type: 'application/jose' }), `audit-checkpoint-${data.seq}.jws`);
    } catch (e) {
      setExportError(e);
    }
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(form);
    setCursors([null]);
  };
  const set = (k: keyof typeof EMPTY) => (v: string | null) => setForm({ ...form, [k]: v ?? '' });
  const v = verify.data;

  return (
    <Stack>
      <Title order={1}>Audit log</Title>
      <Text size="sm">Every request to the gateway, allowed or not, oldest first. Filter, page, check that the hash chain holds, and export what you filtered.</Text>
      <form onSubmit={apply} aria-label="Audit log filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <TextInput label="Partner" placeholder="e.g. supplier-northwind" value={form.partnerId} onChange={(e) => set('partnerId')(e.currentTarget.value)} />
          <TextInput label="Subject (caller)" placeholder="token sub" value={form.sub} onChange={(e) => set('sub')(e.currentTarget.value)} />
          <Select label="Data subject" data={['', ...SUBJECTS, 'Policy'].map((s) => ({ value: s, label: s || 'any' }))} value={form.subject} onChange={set('subject')} />
          <Select label="Decision" data={[{ value: '', label: 'any' }, ...DECISIONS.map((d) => ({ value: d, label: d }))]} value={form.decision} onChange={set('decision')} />
          <TextInput label="Resource id" value={form.resourceId} onChange={(e) => set('resourceId')(e.currentTarget.value)} />
          <TextInput label="Field" value={form.field} onChange={(e) => set('field')(e.currentTarget.value)} />
          <TextInput type="datetime-local" label="From" value={form.from} onChange={(e) => set('from')(e.currentTarget.value)} />
          <TextInput type="datetime-local" label="To" value={form.to} onChange={(e) => set('to')(e.currentTarget.value)} />
        </SimpleGrid>
        <Group mt="sm" wrap="wrap">
          <Button type="submit">Apply filters</Button>
          <Button variant="default" onClick={() => { setForm(EMPTY); setFilters(EMPTY); setCursors([null]); }}>Clear filters</Button>
        </Group>
      </form>
      <Group wrap="wrap">
        <Button variant="light" onClick={() => verify.mutate()} loading={verify.isPending}>Verify chain</Button>
        <Button variant="light" onClick={() => void exportAs('csv')}>Export CSV</Button>
        <Button variant="light" onClick={() => void exportAs('ndjson')}>Export NDJSON</Button>
        <Button variant="light" onClick={() => void downloadCheckpoint()}>Download checkpoint</Button>
      </Group>
      <div aria-live="polite">
        {verify.isError ? <ErrorState error={verify.error} onRetry={() => verify.mutate()} /> : null}
        {v ? (v.ok
          ? <Alert color="green" title="The chain holds" role="status">{v.checked} events checked; every hash and link holds. Head: <code>{v.head}</code></Alert>
          : <Alert color="red" title="The chain is broken" role="alert">The first event whose hash or link does not hold: seq {v.brokenSeq ?? '?'} ({v.detail ?? v.reason}). Tell the operators: events were changed outside the gateway.</Alert>) : null}
        {exportError ? <ErrorState error={exportError} /> : null}
      </div>
      {events.isPending ? <Loading what="audit events" /> : null}
      {events.isError ? <ErrorState error={events.error} onRetry={() => void events.refetch()} /> : null}
      {events.data && events.data.data.length === 0 ? <Empty>No event matches these filters. Widen the time range or clear a filter.</Empty> : null}
      {events.data && events.data.data.length > 0 ? <AuditTable events={events.data.data} caption={`Page ${cursors.length}: ${events.data.data.length} event(s)`} /> : null}
      <Group>
        <Button variant="default" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</Button>
        <Button variant="default" disabled={!events.data?.meta.nextCursor} onClick={() => setCursors([...cursors, events.data!.meta.nextCursor ?? null])}>Next page</Button>
      </Group>
      <AuditActivity partnerId={filters.partnerId} />
    </Stack>
  );
}
