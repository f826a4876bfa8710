import { Anchor, Badge, Stack, Table, Text, Title } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { href, navigate } from '../router';
import { useSession } from '../session';

export function PartnersPage() {
  const { api } = useSession();
  const policies = useQuery({ queryKey: ['policies'], queryFn: async () => unwrap(await api.GET('/api/v1/policies')) });
  const versions = useQueries({
    queries: (policies.data?.data ?? []).map((p) => ({
      queryKey: ['versions', p.partnerId],
      queryFn: async () => unwrap(await api.GET('/api/v1/policies/{partnerId}/versions', { params: { path: { partnerId: p.partnerId } } })),
    })),
  });
  return (
    <Stack>
      <Title order={1}>Partners</Title>
      <Text size="sm">Every partner with the policy version in force, open proposals waiting for a second officer, and the last change.</Text>
      {policies.isPending ? <Loading what="partners" /> : null}
      {policies.isError ? <ErrorState error={policies.error} onRetry={() => void policies.refetch()} /> : null}
      {policies.data && policies.data.data.length === 0 ? <Empty>No partner has a policy yet. Policies are loaded from policies/*.yaml at start, or created with PUT /api/v1/policies/:partnerId.</Empty> : null}
      {policies.data && policies.data.data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped highlightOnHover>
            <Table.Caption>Partners and their policies</Table.Caption>
            <Table.Thead>
              <Table.Tr><Table.Th>Partner</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Version in force</Table.Th><Table.Th>Pending proposals</Table.Th><Table.Th>Last change</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {policies.data.data.map((p, i) => {
                const v = versions[i];
                const pending = v?.data?.data.filter((x) => x.state === 'proposed') ?? [];
                const last = v?.data?.data[0];
                return (
                  <Table.Tr key={p.partnerId}>
                    <Table.Td>
                      <Anchor href={href(`/policy/${encodeURIComponent(p.partnerId)}`)} onClick={(e) => { e.preventDefault(); navigate(`/policy/${encodeURIComponent(p.partnerId)}`); }}>
                        {p.document.partner.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">{p.partnerId}</Text>
                    </Table.Td>
                    <Table.Td>{p.document.partner.kind}</Table.Td>
                    <Table.Td>{p.version}</Table.Td>
                    <Table.Td>
                      {v?.isPending ? 'loading…' : v?.isError ? 'could not load' : pending.length === 0 ? 'none' : (
                        <Badge color="orange">{pending.length} waiting: {pending.map((x) => `v${x.version}`).join(', ')}</Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{last ? `${new Date(last.createdAt).toLocaleString()} by ${last.author ?? 'unknown'} (v${last.version}, ${last.state})` : new Date(p.createdAt).toLocaleString()}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
    </Stack>
  );
}
