import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { EventDetail } from '../components/AuditTable';
import { DecidingRules } from '../components/DecidingRules';
import { ErrorState, Loading } from '../components/ErrorState';
import { href, navigate } from '../router';
import { useSession } from '../session';

/** One audit event on its own page (GET /api/v1/audit-events/:id), with the rules that decided it (…/:id/rules), so it can be linked and shared. */
export function AuditEventPage({ id }: { id: string }) {
  const { api } = useSession();
  const q = useQuery({ queryKey: ['audit-event', id], queryFn: async () => unwrap(await api.GET('/api/v1/audit-events/{id}', { params: { path: { id } } })) });
  const rules = useQuery({
    queryKey: ['audit-event-rules', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/audit-events/{id}/rules', { params: { path: { id } } })),
    enabled: q.isSuccess,
  });
  const e = q.data?.data;
  return (
    <Stack>
      <a href={href('/audit-log')} onClick={(ev) => { ev.preventDefault(); navigate('/audit-log'); }}>Back to the audit log</a>
      <Title order={1}>{e ? `Audit event ${e.seq}` : 'Audit event'}</Title>
      {q.isPending ? <Loading what="the event" /> : null}
      {q.isError ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : null}
      {e ? (
        <>
          <Group gap="xs">
            <Badge variant="light">{e.decision}</Badge>
            <Text size="sm">{new Date(e.at).toLocaleString()} · {e.actor.sub ?? 'anonymous'}{e.actor.partnerId ? ` (${e.actor.partnerId})` : ''} · {e.operation} · {e.status}</Text>
          </Group>
          <Title order={2}>Disclosure, decision and hashes</Title>
          <EventDetail event={e} />
          <Title order={2}>Rules that decided</Title>
          {rules.isPending ? <Loading what="the rules" /> : null}
          {rules.isError ? <ErrorState error={rules.error} onRetry={() => void rules.refetch()} /> : null}
          {rules.data ? <DecidingRules answer={rules.data.data} /> : null}
        </>
      ) : null}
    </Stack>
  );
}
