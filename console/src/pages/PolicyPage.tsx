import { Alert, Anchor, Badge, Button, Group, JsonInput, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { ApiError } from '../api/client';
import { ACTIONS, PolicyView, SUBJECTS, VersionSummary } from '../api/types';
import { ChangesTable, DiffResult, ImpactTable, RuleChangesTable, SideBySide } from '../components/ChangeTables';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { EditorProblem, YamlEditor } from '../components/YamlEditor';
import { parseDraft, toEditorProblems } from '../policy-paths';
import { href, navigate } from '../router';
import { useSession } from '../session';

export function PolicyPage({ partnerId }: { partnerId: string | null }) {
  const { api } = useSession();
  const policies = useQuery({ queryKey: ['policies'], queryFn: () => api.get<{ data: PolicyView[] }>('/api/v1/policies'), enabled: partnerId === null });
  if (partnerId === null) {
    return (
      <Stack>
        <Title order={1}>Policy</Title>
        <Text size="sm">Pick the partner whose policy you want to read or change.</Text>
        {policies.isPending ? <Loading what="partners" /> : null}
        {policies.isError ? <ErrorState error={policies.error} onRetry={() => void policies.refetch()} /> : null}
        {policies.data?.data.length === 0 ? <Empty>No partner has a policy yet.</Empty> : null}
        <ul>
          {policies.data?.data.map((p) => (
            <li key={p.partnerId}>
              <Anchor href={href(`/policy/${encodeURIComponent(p.partnerId)}`)} onClick={(e) => { e.preventDefault(); navigate(`/policy/${encodeURIComponent(p.partnerId)}`); }}>{p.document.partner.name}</Anchor>
            </li>
          ))}
        </ul>
      </Stack>
    );
  }
  return <PolicyEditor key={partnerId} partnerId={partnerId} />;
}

type Panel = { kind: 'simulate'; data: SimulateResult } | { kind: 'impact'; data: DiffResult } | { kind: 'diff'; data: DiffResult } | null;

interface SimulateResult {
  basedOn: string;
  purpose: string;
  allowed: boolean;
  fields: { field: string; possible?: boolean; allowed?: boolean; ruleId?: string | null; reason?: string | null; grantedBy?: { ruleId: string }[]; takenAwayBy?: { ruleId: string; reason: string | null }[] }[];
  tests: { name: string; passed: boolean; failures: string[] }[];
  impact?: DiffResult['impact'][string];
}

function PolicyEditor({ partnerId }: { partnerId: string }) {
  const { api, session } = useSession();
  const client = useQueryClient();
  const path = `/api/v1/policies/${encodeURIComponent(partnerId)}`;
  const policy = useQuery({
    queryKey: ['policy', partnerId],
    queryFn: async () => {
      const r = await api.request<{ data: PolicyView }>('GET', path);
      return { view: r.body.data, etag: r.etag };
    },
  });
  const versions = useQuery({ queryKey: ['versions', partnerId], queryFn: () => api.get<{ data: VersionSummary[] }>(`${path}/versions`) });
  const initial = useMemo(() => (policy.data ? stringify(policy.data.view.document) : null), [policy.data]);
  const draft = useRef<string>('');
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [sim, setSim] = useState({ action: 'read', subject: 'DemandSignal', purpose: '', record: '' });
  if (initial !== null && draft.current === '') draft.current = initial;

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['policy', partnerId] });
    void client.invalidateQueries({ queryKey: ['versions', partnerId] });
    void client.invalidateQueries({ queryKey: ['policies'] });
  };

  // The server's own validator judges the draft: POST /diff answers 400 with the problems at their paths.
  const checks = useRef(0);
  const check = useCallback(async (text: string): Promise<EditorProblem[]> => {
    const seq = ++checks.current;
    const parsed = parseDraft(text);
    let found = parsed.syntax;
    if (found.length === 0) {
      try {
        await api.post(`${path}/diff`, { document: parsed.value });
        setCheckError(null);
      } catch (e) {
        if (e instanceof ApiError && e.problem.problems) found = toEditorProblems(parsed, e.problem.problems);
        else setCheckError(e);
      }
    }
    // Only the newest check speaks: an older answer arriving late would show stale problems.
    if (seq === checks.current) setProblems(found);
    return found;
  }, [api, path]);

  /** The draft as a document, or a message saying why it is not one yet. */
  const document = (): unknown => {
    const parsed = parseDraft(draft.current);
    if (parsed.syntax.length) throw new ApiError({ status: 400, code: 'YAML', title: 'The draft is not valid YAML', detail: `Line ${parsed.syntax[0].line}: ${parsed.syntax[0].message}` });
    return parsed.value;
  };

  const run = useMutation({
    mutationFn: async (kind: 'simulate' | 'impact' | 'diff' | 'propose') => {
      setActionError(null);
      setOutcome(null);
      const doc = document();
      if (kind === 'simulate') {
        let record: unknown;
        if (sim.record.trim()) {
          try { record = JSON.parse(sim.record); } catch { throw new ApiError({ status: 400, code: 'RECORD', title: 'Record is not JSON', detail: 'The example record must be a JSON object, or left empty.' }); }
        }
        const purposeNow = sim.purpose || purposesOf(policy.data?.view)[0] || '';
        const r = await api.post<{ data: SimulateResult }>(`${path}/simulate`, { document: doc, action: sim.action, subject: sim.subject, purpose: purposeNow, record });
        setPanel({ kind: 'simulate', data: r.data });
      } else if (kind === 'impact' || kind === 'diff') {
        const r = await api.post<{ data: DiffResult }>(`${path}/diff`, { document: doc });
        setPanel({ kind, data: r.data });
      } else {
        const body = { ...(doc as object), ...(note.trim() ? { note: note.trim() } : {}) };
        const r = await api.request<{ meta: { version: number; state: string } }>('PUT', path, { body, ifMatch: policy.data?.etag });
        const { version, state } = r.body.meta;
        setOutcome(state === 'proposed'
          ? `Version ${version} is proposed. Another governance officer must approve it before it is in force.`
          : `Version ${version} is in force.`);
        setNote('');
        refresh();
      }
    },
    onError: (e) => setActionError(e),
  });

  if (policy.isPending) return <Stack><Title order={1}>Policy</Title><Loading what={`the policy of ${partnerId}`} /></Stack>;
  if (policy.isError) return <Stack><Title order={1}>Policy</Title><ErrorState error={policy.error} onRetry={() => void policy.refetch()} /></Stack>;
  const view = policy.data.view;
  const purpose = sim.purpose || purposesOf(view)[0] || '';

  return (
    <Stack>
      <Title order={1}>Policy</Title>
      <Group gap="xs">
        <Text fw={600}>{view.document.partner.name}</Text>
        <Text size="sm" c="dimmed">{partnerId} · {view.document.partner.kind}</Text>
        <Badge>version {view.version} in force</Badge>
        {view.document.approval === 'required' ? <Badge color="grape">four-eyes approval required</Badge> : null}
      </Group>

      <section aria-labelledby="editor-heading">
        <Title order={2} id="editor-heading" size="h3">Draft policy</Title>
        <Text size="sm" mb="xs">Edit the YAML below. The gateway's validator checks it as you type; problems are marked at their lines and listed under the editor.</Text>
        <YamlEditor initial={initial ?? ''} label={`Policy of ${view.document.partner.name} (YAML)`} onChange={(t) => { draft.current = t; }} check={check} />
        <div aria-live="polite">
          {problems.length > 0 ? (
            <Alert color="red" title={`Problems in the draft (${problems.length})`} mt="xs">
              <ul aria-label="Problems in the draft">
                {problems.map((p, i) => <li key={i}>Line {p.line}{p.path ? ` (${p.path})` : ''}: {p.message}</li>)}
              </ul>
            </Alert>
          ) : <Text size="sm" c="dimmed" mt="xs">No problems found in the draft.</Text>}
        </div>
        {checkError ? <ErrorState error={checkError} /> : null}
      </section>

      <Paper withBorder p="sm">
        <Title order={2} size="h3">Try the draft</Title>
        <Group align="end" wrap="wrap">
          <Select label="Action" data={[...ACTIONS]} value={sim.action} onChange={(v) => setSim({ ...sim, action: v ?? 'read' })} allowDeselect={false} />
          <Select label="Subject" data={[...SUBJECTS]} value={sim.subject} onChange={(v) => setSim({ ...sim, subject: v ?? 'DemandSignal' })} allowDeselect={false} />
          <TextInput label="Purpose" value={purpose} onChange={(e) => setSim({ ...sim, purpose: e.currentTarget.value })} />
        </Group>
        <JsonInput label="Example record (optional, JSON)" placeholder='{ "sku": "SKU-100", "region": "EMEA" }' value={sim.record} onChange={(v) => setSim({ ...sim, record: v })} autosize minRows={2} mt="xs" />
        <Group mt="sm" wrap="wrap">
          <Button onClick={() => run.mutate('simulate')} loading={run.isPending && run.variables === 'simulate'}>Simulate</Button>
          <Button variant="light" onClick={() => run.mutate('impact')} loading={run.isPending && run.variables === 'impact'}>Impact</Button>
          <Button variant="light" onClick={() => run.mutate('diff')} loading={run.isPending && run.variables === 'diff'}>Diff</Button>
        </Group>
        <Group mt="sm" align="end" wrap="wrap">
          <TextInput label="Change note" value={note} onChange={(e) => setNote(e.currentTarget.value)} style={{ flex: 1, minWidth: 200 }} />
          <Button onClick={() => run.mutate('propose')} loading={run.isPending && run.variables === 'propose'}>Propose</Button>
        </Group>
      </Paper>

      <div aria-live="polite">
        {actionError ? <ErrorState error={actionError} onRetry={actionError instanceof ApiError && [409, 412].includes(actionError.status) ? refresh : undefined} /> : null}
        {outcome ? <Alert color="green" title="Saved" role="status">{outcome}</Alert> : null}
      </div>
      {panel ? <ResultPanel panel={panel} inForce={initial ?? ''} draft={draft.current} /> : null}

      <Proposals partnerId={partnerId} path={path} versions={versions.data?.data ?? []} etag={policy.data.etag} me={session.sub} onChanged={refresh} />
      {versions.isError ? <ErrorState error={versions.error} onRetry={() => void versions.refetch()} /> : null}
      <History versions={versions.data?.data} loading={versions.isPending} path={path} etag={policy.data.etag} onChanged={refresh} />
    </Stack>
  );
}

function purposesOf(view: PolicyView | undefined): string[] {
  return [...new Set((view?.document.rules ?? []).flatMap((r) => r.purposes ?? []))];
}

function ResultPanel({ panel, inForce, draft }: { panel: NonNullable<Panel>; inForce: string; draft: string }) {
  if (panel.kind === 'simulate') {
    const s = panel.data;
    return (
      <section aria-labelledby="sim-heading">
        <Title order={2} size="h3" id="sim-heading">Simulation</Title>
        <Text size="sm">Based on the {s.basedOn}; the action is {s.allowed ? 'allowed' : 'refused'} as a whole.</Text>
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Field by field, with the deciding rules</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Field</Table.Th><Table.Th>Allowed</Table.Th><Table.Th>Deciding rules</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {s.fields.map((f) => {
                const ok = f.allowed ?? f.possible;
                const rules = f.ruleId !== undefined ? (f.ruleId ?? f.reason ?? '—') : [
                  ...(f.grantedBy ?? []).map((g) => `granted by ${g.ruleId}`), ...(f.takenAwayBy ?? []).map((t) => `taken away by ${t.ruleId}`)].join('; ') || 'no rule grants it';
                return <Table.Tr key={f.field}><Table.Td>{f.field}</Table.Td><Table.Td>{ok ? 'yes' : 'no'}</Table.Td><Table.Td>{rules}</Table.Td></Table.Tr>;
              })}
            </Table.Tbody>
          </Table>
        </div>
        {s.tests.length ? <Text size="sm" mt="xs">Policy tests: {s.tests.filter((t) => t.passed).length} of {s.tests.length} pass.</Text> : null}
        {s.impact ? <ImpactTable impact={{ [s.purpose]: s.impact }} caption="Rows of this subject readable now and under the draft" /> : null}
      </section>
    );
  }
  if (panel.kind === 'impact') {
    return (
      <section aria-labelledby="impact-heading">
        <Title order={2} size="h3" id="impact-heading">Impact on stored data</Title>
        <ImpactTable impact={panel.data.impact} caption="Rows and fields gained or lost per purpose and subject" />
      </section>
    );
  }
  return (
    <section aria-labelledby="diff-heading">
      <Title order={2} size="h3" id="diff-heading">Changes against the version in force</Title>
      <ChangesTable changes={panel.data.changes} caption="Fields gained and lost per purpose, subject and action" />
      <RuleChangesTable diff={panel.data} caption="Rules added, removed or changed, and the agreement each rests on" />
      <SideBySide left={inForce} right={draft} leftTitle="Version in force (YAML)" rightTitle="Draft (YAML)" />
    </section>
  );
}

function Proposals({ partnerId, path, versions, etag, me, onChanged }: {
  partnerId: string; path: string; versions: VersionSummary[]; etag: string | null; me: string; onChanged: () => void;
}) {
  const { api } = useSession();
  const open = versions.filter((v) => v.state === 'proposed');
  const [picked, setPicked] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const proposal = open.find((v) => String(v.version) === picked) ?? open[0];
  const diff = useQuery({
    queryKey: ['proposal-diff', partnerId, proposal?.version],
    queryFn: () => api.post<{ data: DiffResult }>(`${path}/diff`, { to: proposal!.version }),
    enabled: proposal !== undefined,
  });
  const act = useMutation({
    mutationFn: async (kind: 'approve' | 'reject' | 'withdraw') => {
      setError(null);
      setDone(null);
      const url = `${path}/versions/${proposal!.version}/${kind}`;
      if (kind === 'approve') await api.post(url, {}, etag);
      else if (kind === 'reject') await api.post(url, { reason });
      else await api.post(url, reason.trim() ? { reason } : {});
      setDone(kind === 'approve' ? `Version ${proposal!.version} is approved and in force.` : kind === 'reject' ? `Version ${proposal!.version} is rejected.` : `Version ${proposal!.version} is withdrawn.`);
      setReason('');
      onChanged();
    },
    onError: setError,
  });

  return (
    <section aria-labelledby="proposals-heading">
      <Title order={2} size="h3" id="proposals-heading">Open proposals</Title>
      <div aria-live="polite">
        {error ? <ErrorState error={error} onRetry={error instanceof ApiError && [409, 412].includes(error.status) ? onChanged : undefined} /> : null}
        {done ? <Alert color="green" title="Done" role="status">{done}</Alert> : null}
      </div>
      {!proposal ? <Empty>No proposal is waiting for approval.</Empty> : (
        <Paper withBorder p="sm">
          {open.length > 1 ? <Select label="Proposal to review" data={open.map((v) => ({ value: String(v.version), label: `version ${v.version} by ${v.author ?? 'unknown'}` }))} value={String(proposal.version)} onChange={setPicked} /> : null}
          <Text size="sm">Version {proposal.version}, proposed by {proposal.author ?? 'unknown'} on {new Date(proposal.createdAt).toLocaleString()}{proposal.note ? `: “${proposal.note}”` : ''}.</Text>
          {diff.isPending ? <Loading what="the proposal's changes" /> : null}
          {diff.isError ? <ErrorState error={diff.error} /> : null}
          {diff.data ? <ChangesTable changes={diff.data.data.changes} caption={`What version ${proposal.version} changes against the version in force`} /> : null}
          {diff.data ? <RuleChangesTable diff={diff.data.data} caption={`Rules version ${proposal.version} changes, and the agreement each rests on`} /> : null}
          <TextInput label="Reason (required to reject)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} mt="xs" />
          <Group mt="sm" wrap="wrap">
            <Button onClick={() => act.mutate('approve')} disabled={proposal.author === me} aria-describedby={proposal.author === me ? 'own-proposal' : undefined} loading={act.isPending && act.variables === 'approve'}>Approve</Button>
            <Button color="red" variant="light" onClick={() => act.mutate('reject')} disabled={proposal.author === me || !reason.trim()} aria-describedby={proposal.author === me ? 'own-proposal' : 'reject-needs-reason'} loading={act.isPending && act.variables === 'reject'}>Reject</Button>
            <Button variant="default" onClick={() => act.mutate('withdraw')} disabled={proposal.author !== me} aria-describedby={proposal.author !== me ? 'not-author' : undefined} loading={act.isPending && act.variables === 'withdraw'}>Withdraw</Button>
          </Group>
          {proposal.author === me
            ? <Text size="sm" id="own-proposal" mt="xs">You proposed this version: another governance officer must approve or reject it (four eyes). You can withdraw it.</Text>
            : <Text size="sm" id="not-author" mt="xs">Only its author ({proposal.author ?? 'unknown'}) can withdraw this proposal.</Text>}
          {proposal.author !== me && !reason.trim() ? <Text size="sm" id="reject-needs-reason">To reject, say why in the reason field.</Text> : null}
        </Paper>
      )}
    </section>
  );
}

function History({ versions, loading, path, etag, onChanged }: { versions?: VersionSummary[]; loading: boolean; path: string; etag: string | null; onChanged: () => void }) {
  const { api } = useSession();
  const [target, setTarget] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const candidates = (versions ?? []).filter((v) => !v.inForce && !['proposed', 'rejected', 'withdrawn'].includes(v.state));
  const rollback = useMutation({
    mutationFn: async () => {
      setError(null);
      setDone(null);
      const r = await api.post<{ meta: { version: number; state: string } }>(`${path}/rollback`, { version: Number(target) }, etag);
      setDone(r.meta.state === 'proposed' ? `Rollback to version ${target} is proposed as version ${r.meta.version}; another officer must approve it.` : `Version ${target} is back in force as version ${r.meta.version}.`);
      onChanged();
    },
    onError: setError,
  });
  return (
    <section aria-labelledby="history-heading">
      <Title order={2} size="h3" id="history-heading">Versions</Title>
      {loading ? <Loading what="versions" /> : null}
      {versions ? (
        <div className="grid-wrap" tabIndex={0}>
          <Table striped>
            <Table.Caption>Every version, newest first</Table.Caption>
            <Table.Thead><Table.Tr><Table.Th>Version</Table.Th><Table.Th>State</Table.Th><Table.Th>Author</Table.Th><Table.Th>Created</Table.Th><Table.Th>Decided by</Table.Th><Table.Th>Note</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {versions.map((v) => (
                <Table.Tr key={v.version}>
                  <Table.Td>{v.version}{v.inForce ? ' (in force)' : ''}</Table.Td><Table.Td>{v.state}</Table.Td><Table.Td>{v.author ?? '—'}</Table.Td>
                  <Table.Td>{new Date(v.createdAt).toLocaleString()}</Table.Td><Table.Td>{v.decidedBy ?? '—'}{v.decisionReason ? `: ${v.decisionReason}` : ''}</Table.Td><Table.Td>{v.note ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ) : null}
      <Group align="end" mt="xs" wrap="wrap">
        <Select label="Version to put back in force" data={candidates.map((v) => String(v.version))} value={target} onChange={setTarget} placeholder={candidates.length ? 'pick a version' : 'no earlier version'} />
        <Button variant="default" onClick={() => rollback.mutate()} disabled={!target} loading={rollback.isPending}>Roll back</Button>
      </Group>
      <div aria-live="polite">
        {error ? <ErrorState error={error} onRetry={error instanceof ApiError && [409, 412].includes(error.status) ? onChanged : undefined} /> : null}
        {done ? <Alert color="green" title="Rolled back" role="status">{done}</Alert> : null}
      </div>
    </section>
  );
}
