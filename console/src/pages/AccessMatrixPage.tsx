import { Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ColumnDef, flexRender, getCoreRowModel, getFilteredRowModel, getSortedRowModel, SortingState, useReactTable } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { saveBlob, unwrap } from '../api/client';
import { AccessMatrixRow } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { useSession } from '../session';

const columns: ColumnDef<AccessMatrixRow>[] = [
  { accessorKey: 'partnerId', header: 'Partner' },
  { accessorKey: 'subject', header: 'Subject' },
  { accessorKey: 'action', header: 'Action' },
  { accessorKey: 'purpose', header: 'Purpose' },
  { accessorKey: 'rows', header: 'Rows', cell: (c) => (c.getValue() === 'all' ? 'all rows' : <Badge color="orange" variant="light">some rows</Badge>) },
  {
    id: 'fields', header: 'Fields', accessorFn: (r) => (r.fields ?? []).join(' '),
    cell: ({ row }) => (row.original.fields ?? []).map((f) => (row.original.fieldsOnSomeRows?.includes(f) ? `${f}*` : f)).join(', '),
  },
  { id: 'agreements', header: 'Rests on agreement', accessorFn: (r) => (r.agreementIds ?? []).join(' '), cell: (c) => (c.getValue() as string) || '—' },
];

export function AccessMatrixPage() {
  const { api } = useSession();
  const matrix = useQuery({ queryKey: ['access-matrix'], queryFn: async () => unwrap(await api.GET('/api/v1/access-matrix')) });
  const [filter, setFilter] = useState('');
  const [sorting, setSorting] = useState<SortingState>([]);
  const [error, setError] = useState<unknown>(null);
  const data = useMemo(() => matrix.data?.data ?? [], [matrix.data]);
  const table = useReactTable({
    data, columns, state: { globalFilter: filter, sorting }, onGlobalFilterChange: setFilter, onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(), getFilteredRowModel: getFilteredRowModel(), getSortedRowModel: getSortedRowModel(),
    globalFilterFn: (row, _id, value: string) => {
      const terms = value.toLowerCase().split(/\s+/).filter(Boolean);
      const text = Object.values(row.original).flat().join(' ').toLowerCase();
      return terms.every((t) => text.includes(t));
    },
  });
  const download = async () => {
    setError(null);
    try {
      const csv = unwrap(await api.GET('/api/v1/access-matrix', { params: { query: { format: 'csv' } }, parseAs: 'blob' }));
      saveBlob(csv, 'access-matrix.csv');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Stack>
      <Title order={1}>Access matrix</Title>
      <Text size="sm">Who can see what under every policy in force: partner × subject × action × purpose → fields. Fields marked * are withheld on some rows in scope; “some rows” means row conditions apply; “Rests on agreement” names the data-sharing agreements a grant depends on (it ends with them).</Text>
      <Group align="end" wrap="wrap">
        <TextInput label="Filter" description="Words to match, e.g. northwind read unitPrice" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} style={{ flex: 1, minWidth: 220 }} />
        <Button variant="light" onClick={() => void download()}>Download CSV</Button>
      </Group>
      {error ? <ErrorState error={error} /> : null}
      {matrix.isPending ? <Loading what="the access matrix" /> : null}
      {matrix.isError ? <ErrorState error={matrix.error} onRetry={() => void matrix.refetch()} /> : null}
      {matrix.data && data.length === 0 ? <Empty>No policy in force grants anything.</Empty> : null}
      {data.length > 0 ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>{table.getRowModel().rows.length} of {data.length} grants shown</Table.Caption>
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
      {data.length > 0 && table.getRowModel().rows.length === 0 ? <Empty>No grant matches the filter. Clear it or use fewer words.</Empty> : null}
    </Stack>
  );
}
