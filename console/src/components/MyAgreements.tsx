import { Alert, Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, unwrap } from '../api/client';
import { Agreement } from '../api/types';
import { day, History, StatusBadge } from '../pages/AgreementsPage';
import { useSession } from '../session';
import { Empty, ErrorState, Loading } from './ErrorState';

/** The partner's own agreements (`/api/v1/me/agreements`), each with Accept, Decline and Terminate. */
export function MyAgreements() {
  const { api } = useSession();
  const list = useQuery({ queryKey: ['me-agreements'], queryFn: async () => unwrap(await api.GET('/api/v1/me/agreements')) });
  const offered = list.data?.data.filter((a) => a.status === 'offered').length ?? 0;
  return (
    <section aria-labelledby="agreements-heading">
      <Title order={2} size="h3" id="agreements-heading">My agreements</Title>
      <Text size="sm">The data-sharing agreements governance offered you. Rules of your policy that rest on an agreement grant only while it is active: accepted, not terminated and within its period.</Text>
      {list.isPending ? <Loading what="your agreements" /> : null}
      {list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && list.data.data.length === 0 ? <Empty>No agreement has been offered to you.</Empty> : null}
      {offered > 0 ? <Text size="sm" fw={600} mt="xs">{offered} offer(s) wait for your answer.</Text> : null}
      <Stack mt="xs">{list.data?.data.map((a) => <AgreementCard key={a.id} agreement={a} />)}</Stack>
    </section>
  );
}

function AgreementCard({ agreement: a }: { agreement: Agreement }) {
  const { api } = useSession();
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: async (kind: 'accept' | 'decline' | 'terminate') => {
      setDone(null);
      const init = { params: { path: { id: a.id } }, body: note.trim() ? { note } : {} };
      const answer =
        kind === 'accept' ? await api.POST('/api/v1/me/agreements/{id}/accept', init)
          : kind === 'decline' ? await api.POST('/api/v1/me/agreements/{id}/decline', init)
            : await api.POST('/api/v1/me/agreements/{id}/terminate', init);
      return unwrap(answer).data;
    },
    onSuccess: (after) => {
      setNote('');
      setDone(
        after.status === 'active' ? 'Accepted: the agreement is active, and what rests on it is yours to read from your next request on.'
          : after.status === 'accepted' ? `Accepted: the agreement starts on ${day(after.validFrom)}.`
            : after.status === 'declined' ? 'Declined: rules resting on this agreement grant nothing.'
              : 'Terminated: rules resting on this agreement grant nothing from your next request on.',
      );
      void client.invalidateQueries({ queryKey: ['me-agreements'] });
      void client.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const headingId = `agreement-${a.id}`;
  const open = a.status === 'offered';
  const canTerminate = ['offered', 'accepted', 'active'].includes(a.status);
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby={headingId}>
      <Group gap="xs">
        <Title order={3} size="h4" id={headingId}>{a.title} ({a.id})</Title>
        <StatusBadge status={a.status} />
        {a.revision > 1 ? <Badge variant="light" color="gray">revision {a.revision}</Badge> : null}
      </Group>
      <Text size="sm">Valid {day(a.validFrom)} to {day(a.validUntil)} · purposes {a.purposes.join(', ')} · subjects {a.subjects.join(', ')}</Text>
      <Text size="sm" mt="xs" className="terms">{a.terms}</Text>
      {open || canTerminate ? (
        <Group align="end" mt="xs" wrap="wrap">
          <TextInput label="Note" description="Optional; kept with your answer" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          {open ? <Button onClick={() => act.mutate('accept')} loading={act.isPending && act.variables === 'accept'}>Accept</Button> : null}
          {open ? <Button variant="default" onClick={() => act.mutate('decline')} loading={act.isPending && act.variables === 'decline'}>Decline</Button> : null}
          {canTerminate ? <Button color="red" variant="light" onClick={() => act.mutate('terminate')} loading={act.isPending && act.variables === 'terminate'}>Terminate</Button> : null}
        </Group>
      ) : null}
      <div aria-live="polite">
        {act.isError ? (
          <ErrorState error={act.error} onRetry={act.error instanceof ApiError && act.error.status === 409 ? () => void client.invalidateQueries({ queryKey: ['me-agreements'] }) : undefined} />
        ) : null}
        {done ? <Alert color="green" title="Done" role="status" mt="xs">{done}</Alert> : null}
      </div>
      <History agreement={a} />
    </Paper>
  );
}
