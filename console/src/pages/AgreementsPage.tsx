import { Alert, Anchor, Badge, Button, Checkbox, Group, NativeSelect, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ColumnDef, flexRender, getCoreRowModel, getSortedRowModel, SortingState, useReactTable } from '@tanstack/react-table';
import { FormEvent, useMemo, useState } from 'react';
import { ApiError, unwrap } from '../api/client';
import { Agreement, AgreementRevision, AgreementStatus, isSubject, PolicyView, Subject, SUBJECTS } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { href, navigate } from '../router';
import { useSession } from '../session';

const STATUS_COLOR: Record<AgreementStatus, string> = {
  offered: 'yellow',
  accepted: 'blue',
  active: 'green',
  declined: 'gray',
  expired: 'gray',
  terminated: 'red',
};
const ENDED: AgreementStatus[] = ['declined', 'expired', 'terminated'];
/** "Expiring soon": in force (or accepted and about to start) and ending within this many days. */
export const EXPIRING_DAYS = 30;

export function StatusBadge({ status }: { status: AgreementStatus }) {
  return <Badge color={STATUS_COLOR[status]} variant="light">{status}</Badge>;
}

export const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

type Show = 'all' | 'pending' | 'expiring' | 'ended';
const SHOW: { value: Show; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'pending', label: 'Pending acceptance' },
  { value: 'expiring', label: 'Expiring soon' },
  { value: 'ended', label: 'Ended' },
];

/** The fields a VALIDATION_FAILED answer names, and its messages by field. */
function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const p = error.problem;
  const out: Record<string, string> = {};
  for (const f of p.fields ?? []) out[f] = (p.errors ?? []).filter((m) => m.startsWith(`${f} `)).join('; ') || 'not accepted';
  return out;
}

export function AgreementsPage({ agreementId }: { agreementId: string | null }) {
  return agreementId === null ? <AgreementList /> : <AgreementDetail key={agreementId} id={agreementId} />;
}

function usePartners() {
  const { api } = useSession();
  return useQuery({ queryKey: ['policies'], queryFn: async () => unwrap(await api.GET('/api/v1/policies')) });
}

const columns: ColumnDef<Agreement>[] = [
  {
    accessorKey: 'id', header: 'Agreement',
    cell: ({ row }) => {
      const to = `/agreements/${encodeURIComponent(row.original.id)}`;
      return <Anchor href={href(to)} onClick={(e) => { e.preventDefault(); navigate(to); }}>{row.original.id}</Anchor>;
    },
  },
  { accessorKey: 'partnerId', header: 'Partner' },
  { accessorKey: 'title', header: 'Title' },
  { accessorKey: 'status', header: 'Status', cell: (c) => <StatusBadge status={c.getValue() as AgreementStatus} /> },
  { accessorKey: 'revision', header: 'Revision' },
  { accessorKey: 'validFrom', header: 'Valid from', cell: (c) => day(c.getValue() as string) },
  { accessorKey: 'validUntil', header: 'Valid until', cell: (c) => day(c.getValue() as string) },
];

function AgreementList() {
  const { api } = useSession();
  const [show, setShow] = useState<Show>('all');
  const [partner, setPartner] = useState('');
  const [sorting, setSorting] = useState<SortingState>([]);
  // On a narrow screen the four choices stack rather than widen the page.
  const narrow = useMediaQuery('(max-width: 36em)');
  const partners = usePartners();
  const list = useQuery({
    queryKey: ['agreements', show, partner],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/agreements', {
        params: {
          query: {
            partnerId: partner || undefined,
            status: show === 'pending' ? 'offered' : undefined,
            expiringWithinDays: show === 'expiring' ? EXPIRING_DAYS : undefined,
          },
        },
      })),
  });
  const data = useMemo(() => (list.data?.data ?? []).filter((a) => show !== 'ended' || ENDED.includes(a.status)), [list.data, show]);
  const table = useReactTable({ data, columns, state: { sorting }, onSortingChange: setSorting, getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel() });
  const empty: Record<Show, string> = {
    all: 'No agreement yet. Offer one below.',
    pending: 'No offer is waiting for a partner to accept it.',
    expiring: `No agreement in force ends within ${EXPIRING_DAYS} days.`,
    ended: 'No agreement was declined, has expired or was terminated.',
  };
  return (
    <Stack>
      <Title order={1}>Agreements</Title>
      <Text size="sm">Data-sharing agreements: what is shared with a partner, for which purposes and subjects, for how long, and whether the partner accepted. A policy rule that names an agreement grants only while the agreement is active.</Text>
      <Group align="end" wrap="wrap">
        <div>
          <Text size="sm" fw={500} id="show-label">Show</Text>
          <SegmentedControl aria-labelledby="show-label" data={SHOW} value={show} onChange={(v) => setShow(v as Show)} orientation={narrow ? 'vertical' : 'horizontal'} />
        </div>
        <NativeSelect label="Partner" value={partner} onChange={(e) => setPartner(e.currentTarget.value)}
          data={[{ value: '', label: 'All partners' }, ...(partners.data?.data ?? []).map((p) => ({ value: p.partnerId, label: `${p.document.partner.name} (${p.partnerId})` }))]} />
      </Group>
      {list.isPending ? <Loading what="agreements" /> : null}
      {list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && data.length === 0 ? <Empty>{empty[show]}</Empty> : null}
      {data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>{data.length} agreement(s): {SHOW.find((s) => s.value === show)!.label.toLowerCase()}{show === 'expiring' ? ` (within ${EXPIRING_DAYS} days)` : ''}</Table.Caption>
            <Table.Thead>
              {table.getHeaderGroups().map((g) => (
                <Table.Tr key={g.id}>
                  {g.headers.map((h) => {
                    const dir = h.column.getIsSorted();
                    return (
                      <Table.Th key={h.id} aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
                        <Button variant="subtle" size="compact-sm" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())}{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
                        </Button>
                      </Table.Th>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Thead>
            <Table.Tbody>
              {table.getRowModel().rows.map((r) => (
                <Table.Tr key={r.id}>{r.getVisibleCells().map((c) => <Table.Td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</Table.Td>)}</Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
      <OfferForm partners={partners.data?.data ?? []} />
    </Stack>
  );
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

interface TermsForm { title: string; terms: string; purposes: string; subjects: Subject[]; validFrom: string; validUntil: string }

/** Title, terms, purposes, subjects and period: the fields an offer and an amendment share. */
function TermsFields({ form, set, errors, purposesHint }: { form: TermsForm; set: (f: Partial<TermsForm>) => void; errors: Record<string, string>; purposesHint?: string }) {
  return (
    <>
      <TextInput label="Title" value={form.title} onChange={(e) => set({ title: e.currentTarget.value })} error={errors.title} />
      <Textarea label="Terms" description="The text the partner accepts" autosize minRows={3} value={form.terms} onChange={(e) => set({ terms: e.currentTarget.value })} error={errors.terms} />
      <TextInput label="Purposes" description={`Comma-separated${purposesHint ? `; the partner's policy names: ${purposesHint}` : ''}`} value={form.purposes} onChange={(e) => set({ purposes: e.currentTarget.value })} error={errors.purposes} />
      <Checkbox.Group label="Subjects" value={form.subjects} onChange={(v) => set({ subjects: v.filter(isSubject) })} error={errors.subjects}>
        <Group mt={4} wrap="wrap">{SUBJECTS.map((s) => <Checkbox key={s} value={s} label={s} />)}</Group>
      </Checkbox.Group>
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <TextInput type="date" label="Valid from" description="Empty: from now" value={form.validFrom} onChange={(e) => set({ validFrom: e.currentTarget.value })} error={errors.validFrom} />
        <TextInput type="date" label="Valid until" value={form.validUntil} onChange={(e) => set({ validUntil: e.currentTarget.value })} error={errors.validUntil} />
      </SimpleGrid>
    </>
  );
}

function OfferForm({ partners }: { partners: PolicyView[] }) {
  const { api } = useSession();
  const client = useQueryClient();
  const [partnerId, setPartnerId] = useState('');
  const [id, setId] = useState('');
  const [form, setForm] = useState<TermsForm>({ title: '', terms: '', purposes: '', subjects: [], validFrom: '', validUntil: inAYear() });
  const [done, setDone] = useState<Agreement | null>(null);
  const chosen = partners.find((p) => p.partnerId === partnerId);
  const hint = chosen ? [...new Set(chosen.document.rules.flatMap((r) => r.purposes ?? []))].join(', ') : undefined;
  const offer = useMutation({
    mutationFn: async () => {
      setDone(null);
      const body = {
        partnerId, title: form.title, terms: form.terms, purposes: splitList(form.purposes), subjects: form.subjects, validUntil: form.validUntil,
        ...(id.trim() ? { id: id.trim() } : {}),
        ...(form.validFrom ? { validFrom: form.validFrom } : {}),
      };
      return unwrap(await api.POST('/api/v1/agreements', { body })).data;
    },
    onSuccess: (a) => {
      setDone(a);
      setId('');
      setForm({ title: '', terms: '', purposes: '', subjects: [], validFrom: '', validUntil: inAYear() });
      void client.invalidateQueries({ queryKey: ['agreements'] });
    },
  });
  const errors = fieldErrors(offer.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    offer.mutate();
  };
  return (
    <section aria-labelledby="offer-heading">
      <Title order={2} size="h3" id="offer-heading">Offer an agreement</Title>
      <Paper withBorder p="sm" component="form" onSubmit={submit}>
        <Stack gap="xs">
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <NativeSelect label="Partner to offer to" value={partnerId} onChange={(e) => setPartnerId(e.currentTarget.value)} error={errors.partnerId}
              data={[{ value: '', label: 'Pick a partner' }, ...partners.map((p) => ({ value: p.partnerId, label: `${p.document.partner.name} (${p.partnerId})` }))]} />
            <TextInput label="Agreement id" description="Optional; generated when empty" value={id} onChange={(e) => setId(e.currentTarget.value)} error={errors.id} />
          </SimpleGrid>
          <TermsFields form={form} set={(f) => setForm({ ...form, ...f })} errors={errors} purposesHint={hint} />
          <Group><Button type="submit" loading={offer.isPending}>Offer</Button></Group>
        </Stack>
      </Paper>
      <div aria-live="polite">
        {offer.isError ? <ErrorState error={offer.error} /> : null}
        {done ? (
          <Alert color="green" title="Offered" role="status">
            Agreement{' '}
            <Anchor href={href(`/agreements/${encodeURIComponent(done.id)}`)} onClick={(e) => { e.preventDefault(); navigate(`/agreements/${encodeURIComponent(done.id)}`); }}>{done.id}</Anchor>{' '}
            is offered to {done.partnerId}. Rules resting on it grant nothing until the partner accepts it.
          </Alert>
        ) : null}
      </div>
    </section>
  );
}

function AgreementDetail({ id }: { id: string }) {
  const { api } = useSession();
  const client = useQueryClient();
  const one = useQuery({ queryKey: ['agreements', 'one', id], queryFn: async () => unwrap(await api.GET('/api/v1/agreements/{id}', { params: { path: { id } } })) });
  const a = one.data?.data;
  const refresh = () => void client.invalidateQueries({ queryKey: ['agreements'] });
  return (
    <Stack>
      <Title order={1}>Agreements</Title>
      <Anchor href={href('/agreements')} onClick={(e) => { e.preventDefault(); navigate('/agreements'); }}>All agreements</Anchor>
      {one.isPending ? <Loading what={`agreement ${id}`} /> : null}
      {one.isError ? <ErrorState error={one.error} onRetry={() => void one.refetch()} /> : null}
      {a ? (
        <>
          <section aria-labelledby="agreement-heading">
            <Group gap="xs">
              <Title order={2} size="h3" id="agreement-heading">{a.title} ({a.id})</Title>
              <StatusBadge status={a.status} />
            </Group>
            <Text size="sm">With {a.partnerId} · revision {a.revision} · valid {day(a.validFrom)} to {day(a.validUntil)} · purposes {a.purposes.join(', ')} · subjects {a.subjects.join(', ')}</Text>
            <Paper withBorder p="sm" mt="xs"><Text size="sm" className="terms">{a.terms}</Text></Paper>
          </section>
          <History agreement={a} />
          <Dependents agreement={a} />
          <Actions agreement={a} onChanged={refresh} />
        </>
      ) : null}
    </Stack>
  );
}

export function History({ agreement }: { agreement: Agreement }) {
  return (
    <section aria-labelledby={`history-${agreement.id}`}>
      <Title order={3} size="h4" id={`history-${agreement.id}`}>Status history</Title>
      <div className="grid-wrap" tabIndex={0}>
        <Table striped>
          <Table.Caption>Who did what to agreement {agreement.id}, oldest first</Table.Caption>
          <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>What</Table.Th><Table.Th>Revision</Table.Th><Table.Th>Who</Table.Th><Table.Th>Note</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {agreement.history.map((h, i) => (
              <Table.Tr key={i}>
                <Table.Td>{new Date(h.at).toLocaleString()}</Table.Td><Table.Td>{h.action}</Table.Td><Table.Td>{h.revision}</Table.Td>
                <Table.Td>{h.by} ({h.role})</Table.Td><Table.Td>{h.note ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </section>
  );
}

function Dependents({ agreement }: { agreement: Agreement }) {
  const deps = agreement.dependents ?? [];
  return (
    <section aria-labelledby="dependents-heading">
      <Title order={3} size="h4" id="dependents-heading">Rules and partners that depend on it</Title>
      {deps.length === 0 ? <Empty>No rule of a policy in force rests on this agreement: ending it takes no access away.</Empty> : (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Rules of the policies in force that grant only while {agreement.id} is active</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Partner</Table.Th><Table.Th>Rules</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {deps.map((d) => (
                <Table.Tr key={d.partnerId}>
                  <Table.Td>
                    <Anchor href={href(`/policy/${encodeURIComponent(d.partnerId)}`)} onClick={(e) => { e.preventDefault(); navigate(`/policy/${encodeURIComponent(d.partnerId)}`); }}>{d.partnerId}</Anchor>
                  </Table.Td>
                  <Table.Td>{d.ruleIds.join(', ')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {deps.length > 0 ? <IfItEnded agreement={agreement} /> : null}
    </section>
  );
}

interface LossRow { partnerId: string; purpose: string; subject: string; fieldsLost: string[]; rowsLost: number | null }

/** What each dependent partner would lose if the agreement ended now: a read simulation without it (`withoutAgreements`). */
function IfItEnded({ agreement }: { agreement: Agreement }) {
  const { api } = useSession();
  const losses = useQuery({
    queryKey: ['agreements', 'losses', agreement.id, agreement.status, agreement.revision],
    queryFn: async () => {
      const rows: LossRow[] = [];
      for (const d of agreement.dependents ?? []) {
        for (const purpose of agreement.purposes) {
          for (const subject of agreement.subjects) {
            const r = unwrap(await api.POST('/api/v1/policies/{partnerId}/simulate', {
              params: { path: { partnerId: d.partnerId } },
              body: { action: 'read', subject, purpose, withoutAgreements: [agreement.id] },
            }));
            // The document describes a simulation's answer in words (docs/governance-guide.md), not as a schema.
            const i = (r.data as { impact?: Record<string, { fieldsLost: string[]; rowsLost?: number }> }).impact?.[subject];
            if (i && (i.fieldsLost.length > 0 || (i.rowsLost ?? 0) > 0)) rows.push({ partnerId: d.partnerId, purpose, subject, fieldsLost: i.fieldsLost, rowsLost: i.rowsLost ?? null });
          }
        }
      }
      return rows;
    },
  });
  return (
    <div>
      <Title order={4} size="h5" mt="sm" id="losses-heading">If it ended now</Title>
      {losses.isPending ? <Loading what="what ending it would take away" /> : null}
      {losses.isError ? <ErrorState error={losses.error} onRetry={() => void losses.refetch()} /> : null}
      {losses.data && losses.data.length === 0 ? <Empty>Ending it now takes nothing away: no read rests on it at this moment (it is {agreement.status}).</Empty> : null}
      {losses.data && losses.data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Reads each partner would lose if {agreement.id} ended now</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Partner</Table.Th><Table.Th>Purpose</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Fields lost</Table.Th><Table.Th>Rows lost</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {losses.data.map((l) => (
                <Table.Tr key={`${l.partnerId}/${l.purpose}/${l.subject}`}>
                  <Table.Td>{l.partnerId}</Table.Td><Table.Td>{l.purpose}</Table.Td><Table.Td>{l.subject}</Table.Td>
                  <Table.Td className="diff-removed">{l.fieldsLost.join(', ') || '—'}</Table.Td><Table.Td>{l.rowsLost ?? 'not countable'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
    </div>
  );
}

function Actions({ agreement, onChanged }: { agreement: Agreement; onChanged: () => void }) {
  const { api } = useSession();
  const ended = ENDED.includes(agreement.status);
  const [note, setNote] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [form, setForm] = useState<TermsForm>({
    title: agreement.title, terms: agreement.terms, purposes: agreement.purposes.join(', '), subjects: agreement.subjects.filter(isSubject),
    validFrom: agreement.validFrom.slice(0, 10), validUntil: agreement.validUntil.slice(0, 10),
  });
  const act = useMutation({
    mutationFn: async (kind: 'amend' | 'terminate') => {
      setDone(null);
      if (kind === 'terminate') {
        unwrap(await api.POST('/api/v1/agreements/{id}/terminate', { params: { path: { id: agreement.id } }, body: note.trim() ? { note } : {} }));
        return `Agreement ${agreement.id} is terminated. Rules resting on it grant nothing from the partner's next request on.`;
      }
      const body: AgreementRevision = {};
      if (form.title !== agreement.title) body.title = form.title;
      if (form.terms !== agreement.terms) body.terms = form.terms;
      if (form.purposes !== agreement.purposes.join(', ')) body.purposes = splitList(form.purposes);
      if (form.subjects.join() !== agreement.subjects.join()) body.subjects = form.subjects;
      if (form.validFrom !== agreement.validFrom.slice(0, 10)) body.validFrom = form.validFrom;
      if (form.validUntil !== agreement.validUntil.slice(0, 10)) body.validUntil = form.validUntil;
      if (note.trim()) body.note = note;
      const r = unwrap(await api.POST('/api/v1/agreements/{id}/revisions', { params: { path: { id: agreement.id } }, body }));
      return `Revision ${r.data.revision} of ${agreement.id} is offered. The partner must accept it again; until then rules resting on it grant nothing.`;
    },
    onSuccess: (message) => {
      setDone(message);
      setNote('');
      onChanged();
    },
  });
  const errors = fieldErrors(act.error);
  return (
    <section aria-labelledby="actions-heading">
      <Title order={3} size="h4" id="actions-heading">Amend or terminate</Title>
      {ended ? <Text size="sm">This agreement is {agreement.status}; it can no longer be amended or terminated. Offer a new agreement instead.</Text> : null}
      <Paper withBorder p="sm">
        <Stack gap="xs">
          <Text size="sm">Amending offers a new revision with these terms; the partner must accept it again before rules resting on it grant anything.</Text>
          <TermsFields form={form} set={(f) => setForm({ ...form, ...f })} errors={errors} />
          <TextInput label="Note" description="Optional; kept in the status history" value={note} onChange={(e) => setNote(e.currentTarget.value)} error={errors.note} />
          <Group wrap="wrap">
            <Button onClick={() => act.mutate('amend')} disabled={ended || agreement.status === 'expired'} loading={act.isPending && act.variables === 'amend'}>Amend</Button>
            <Button color="red" variant="light" onClick={() => act.mutate('terminate')} disabled={ended} loading={act.isPending && act.variables === 'terminate'}>Terminate</Button>
          </Group>
        </Stack>
      </Paper>
      <div aria-live="polite">
        {act.isError ? <ErrorState error={act.error} onRetry={act.error instanceof ApiError && act.error.status === 409 ? onChanged : undefined} /> : null}
        {done ? <Alert color="green" title="Done" role="status">{done}</Alert> : null}
      </div>
    </section>
  );
}
