import { Alert, Button, Checkbox, Code, Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { unwrap } from '../api/client';
import { WEBHOOK_EVENTS, WebhookEndpointWithSecret } from '../api/types';
import { useSession } from '../session';
import { Empty, ErrorState, Loading } from './ErrorState';

/** The partner's webhook endpoints (contract section 11): list, register, rotate the secret, delete, and each one's deliveries. */
export function MyWebhooks({ purposes }: { purposes: string[] }) {
  const { api } = useSession();
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['me-webhooks'], queryFn: async () => unwrap(await api.GET('/api/v1/me/webhooks')) });
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const changed = () => void client.invalidateQueries({ queryKey: ['me-webhooks'] });
  const act = useMutation({
    mutationFn: async ({ kind, id }: { kind: 'delete' | 'rotate'; id: string }) => {
      setSecret(null);
      if (kind === 'delete') {
        unwrap(await api.DELETE('/api/v1/me/webhooks/{id}', { params: { path: { id } } }));
        if (shown === id) setShown(null);
        return;
      }
      const r = unwrap(await api.POST('/api/v1/me/webhooks/{id}/rotate-secret', { params: { path: { id } } }));
      setSecret({ id, secret: r.data.secret });
    },
    onSuccess: changed,
  });
  return (
    <section aria-labelledby="webhooks-heading">
      <Title order={2} size="h3" id="webhooks-heading">My webhooks</Title>
      <Text size="sm">Endpoints the gateway calls when data you may read changes; each delivery holds only what your policy grants at that moment, signed with the endpoint's secret (Standard Webhooks).</Text>
      {list.isPending ? <Loading what="your webhooks" /> : null}
      {list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && list.data.data.length === 0 ? <Empty>No webhook endpoint registered.</Empty> : null}
      {list.data && list.data.data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Your webhook endpoints</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>URL</Table.Th><Table.Th>Events</Table.Th><Table.Th>Purpose</Table.Th><Table.Th>Status</Table.Th><Table.Th>Actions</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {list.data.data.map((w) => (
                <Table.Tr key={w.id}>
                  <Table.Td>{w.url}{w.description ? <Text size="xs">{w.description}</Text> : null}</Table.Td>
                  <Table.Td>{w.events.join(', ')}</Table.Td>
                  <Table.Td>{w.purpose}</Table.Td>
                  <Table.Td>{w.status}{w.disabledReason ? `: ${w.disabledReason}` : ''}</Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="wrap">
                      <Button size="compact-sm" variant="light" onClick={() => setShown(shown === w.id ? null : w.id)} aria-expanded={shown === w.id}>Deliveries</Button>
                      <Button size="compact-sm" variant="default" onClick={() => act.mutate({ kind: 'rotate', id: w.id })}>Rotate secret</Button>
                      <Button size="compact-sm" color="red" variant="light" onClick={() => act.mutate({ kind: 'delete', id: w.id })}>Delete</Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
      <div aria-live="polite">
        {act.isError ? <ErrorState error={act.error} /> : null}
        {secret ? <Alert color="green" title="New secret" role="status">The new signing secret of {secret.id}, shown only now: <Code>{secret.secret}</Code></Alert> : null}
      </div>
      {shown ? <Deliveries id={shown} /> : null}
      <RegisterForm purposes={purposes} onCreated={(w) => { setSecret({ id: w.id, secret: w.secret }); changed(); }} />
    </section>
  );
}

function Deliveries({ id }: { id: string }) {
  const { api } = useSession();
  const rows = useQuery({
    queryKey: ['me-webhook-deliveries', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/me/webhooks/{id}/deliveries', { params: { path: { id }, query: { limit: 50 } } })),
  });
  return (
    <div>
      <Group justify="space-between" mt="xs">
        <Title order={3} size="h4">Deliveries to {id}</Title>
        <Button size="compact-sm" variant="default" onClick={() => void rows.refetch()}>Refresh deliveries</Button>
      </Group>
      {rows.isPending ? <Loading what="deliveries" /> : null}
      {rows.isError ? <ErrorState error={rows.error} onRetry={() => void rows.refetch()} /> : null}
      {rows.data && rows.data.data.length === 0 ? <Empty>Nothing delivered yet: a delivery is made when a record you may read changes.</Empty> : null}
      {rows.data && rows.data.data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>The last deliveries, newest first</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Occurred</Table.Th><Table.Th>Event</Table.Th><Table.Th>Record</Table.Th><Table.Th>Status</Table.Th><Table.Th>Attempts</Table.Th><Table.Th>Last answer</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.data.data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{new Date(d.occurredAt).toLocaleString()}</Table.Td><Table.Td>{d.eventType}</Table.Td><Table.Td>{d.recordId}</Table.Td>
                  <Table.Td>{d.status}</Table.Td><Table.Td>{d.attempts}</Table.Td><Table.Td>{d.lastStatus ?? ''}{d.lastError ? ` ${d.lastError}` : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
    </div>
  );
}

function RegisterForm({ purposes, onCreated }: { purposes: string[]; onCreated: (w: WebhookEndpointWithSecret) => void }) {
  const { api } = useSession();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const [purpose, setPurpose] = useState('');
  const create = useMutation({
    mutationFn: async () => {
      const body = {
        url,
        events: WEBHOOK_EVENTS.filter((e) => events.includes(e)),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(purpose ? { purpose } : {}),
      };
      return unwrap(await api.POST('/api/v1/me/webhooks', { body })).data;
    },
    onSuccess: (w) => {
      setUrl('');
      setEvents([]);
      setDescription('');
      onCreated(w);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="sm" mt="xs" component="form" onSubmit={submit} aria-labelledby="register-heading">
      <Stack gap="xs">
        <Title order={3} size="h4" id="register-heading">Register an endpoint</Title>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput label="Endpoint URL" placeholder="https://hooks.example.com/gateway" value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
          <TextInput label="Description" description="Optional" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        </SimpleGrid>
        <Checkbox.Group label="Events" value={events} onChange={setEvents}>
          <Group mt={4} wrap="wrap">{WEBHOOK_EVENTS.map((e) => <Checkbox key={e} value={e} label={e} />)}</Group>
        </Checkbox.Group>
        <NativeSelect label="Purpose of the deliveries" value={purpose} onChange={(e) => setPurpose(e.currentTarget.value)}
          data={[{ value: '', label: purposes.length === 1 ? `${purposes[0]} (your only purpose)` : 'Pick a purpose' }, ...purposes.map((p) => ({ value: p, label: p }))]} />
        <Group><Button type="submit" loading={create.isPending}>Register</Button></Group>
      </Stack>
      <div aria-live="polite">{create.isError ? <ErrorState error={create.error} /> : null}</div>
    </Paper>
  );
}
