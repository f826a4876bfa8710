import { Alert, Anchor, Badge, Button, Group, JsonInput, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { ApiError, etagOf, unwrap } from '../api/client';
import { ACTIONS, PolicyView, SUBJECTS, VersionSummary } from '../api/types';
import { ChangesTable, DiffResult, ImpactTable, RuleChangesTable, SideBySide } from '../components/ChangeTables';
import { Empty, ErrorState, Loading } from '../components/ErrorState';
import { EditorProblem, YamlEditor } from '../components/YamlEditor';
import { parseDraft, toEditorProblems } from '../policy-paths';
import { href, navigate } from '../router';
import { useSession } from '../session';

export function PolicyPage({ partnerId }: { partnerId: string | null }) {
  const { api } = useSession();
  const policies = useQuery({ queryKey: ['policies'], queryFn: async () => unwrap(await api.GET('/api/v1/policies')), enabled: partnerId === null });
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

// The OpenAPI document describes the answers of simulate and diff in words (docs/governance-guide.md),
// as objects of any keys: these are the shapes the console reads from them.
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
  const inPath = { path: { partnerId } };
  const policy = useQuery({
    queryKey: ['policy', partnerId],
    queryFn: async () => {
      const answer = await api.GET('/api/v1/policies/{partnerId}', { params: inPath });
      return { view: unwrap(answer).data, etag: etagOf(answer) };
    },
  });
  const versions = useQuery({ queryKey: ['versions', partnerId], queryFn: async () => unwrap(await api.GET('/api/v1/policies/{partnerId}/versions', { params: inPath })) });
  const initial = useMemo(() => (policy.data ? stringify(policy.data.view.document) : null), [policy.data]);
  const draft = useRef<string>('');
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [sim, setSim] = useState<{ action: Action; subject: string; purpose: string; record: string }>({ action: 'read', subject: 'DemandSignal', purpose: '', record: '' });
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
        unwrap(await api.POST('/api/v1/policies/{partnerId}/diff', { params: { path: { partnerId } }, body: { document: parsed.value } }));
        setCheckError(null);
      } catch (e) {
        if (e instanceof ApiError && e.problem.problems) found = toEditorProblems(parsed, e.problem.problems);
        else setCheckError(e);
      }
    }
    // Only the newest check speaks: an older answer arriving late would show stale problems.
    if (seq === checks.current) setProblems(found);
    return found;
  }, [api, partnerId]);

  /** The draft as a document, or a message saying why it is not one yet. */
  const document = (): Record<string, unknown> => {
    const parsed = parseDraft(draft.current);
    if (!parsed.value) {
      const title = parsed.doc.errors.length ? 'The draft is not valid YAML' : 'The draft is not a policy document';
      throw new ApiError({ status: 400, code: 'YAML', title, detail: `Line ${parsed.syntax[0].line}: ${parsed.syntax[0].message}` });
    }
    return parsed.value;
  };

  const run = useMutation({
    mutationFn: async (kind: 'simulate' | 'impact' | 'diff' | 'propose') => {
      setActionError(null);
      setOutcome(null);
      const doc = document();
      if (kind === 'simulate') {
        const record = exampleRecord(sim.record);
        const purposeNow = sim.purpose || purposesOf(policy.data?.view)[0] || '';
        const r = unwrap(await api.POST('/api/v1/policies/{partnerId}/simulate', {
          params: inPath,
          body: { document: doc, action: sim.action, subject: sim.subject, purpose: purposeNow, record },
        }));
        setPanel({ kind: 'simulate', data: r.data as unknown as SimulateResult });
      } else if (kind === 'impact' || kind === 'diff') {
        const r = unwrap(await api.POST('/api/v1/policies/{partnerId}/diff', { params: inPath, body: { document: doc } }));
        setPanel({ kind, data: r.data as unknown as DiffResult });
      } else {
        const body = { ...doc, ...(note.trim() ? { note: note.trim() } : {}) };
        const r = unwrap(await api.PUT('/api/v1/policies/{partnerId}', { params: { ...inPath, header: ifMatch(policy.data?.etag) }, body }));
        const { version, state } = r.meta;
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
          <Select label="Action" data={[...ACTIONS]} value={sim.action} onChange={(v) => setSim({ ...sim, action: ACTIONS.find((a) => a === v) ?? 'read' })} allowDeselect={false} />
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
        {actionError ? <ErrorState error={actionError} onRetry={reloadHelps(actionError) ? refresh : undefined} /> : null}
        {outcome ? <Alert color="green" title="Saved" role="status">{outcome}</Alert> : null}
      </div>
      {panel ? <ResultPanel panel={panel} inForce={initial ?? ''} draft={draft.current} /> : null}

      <Proposals partnerId={partnerId} versions={versions.data?.data ?? []} etag={policy.data.etag} me={session.sub} onChanged={refresh} />
      {versions.isError ? <ErrorState error={versions.error} onRetry={() => void versions.refetch()} /> : null}
      <History partnerId={partnerId} versions={versions.data?.data} loading={versions.isPending} etag={policy.data.etag} onChanged={refresh} />
    </Stack>
  );
}

type Action = (typeof ACTIONS)[number];

/** Whether loading the policy again can resolve a refusal: not for a stale proposal, which stays stale. */
function reloadHelps(error: unknown): boolean {
  return error instanceof ApiError && [409, 412].includes(error.status) && error.problem.code !== 'PROPOSAL_STALE';
}

/** If-Match with the ETag of the version in force the page loaded, when there is one. */
function ifMatch(etag: string | null | undefined): { 'If-Match'?: string } {
  return etag ? { 'If-Match': etag } : {};
}

/** A simulation's example record: a JSON object, or none when left empty. */
function exampleRecord(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError({ status: 400, code: 'RECORD', title: 'Record is not a JSON object', detail: 'The example record must be a JSON object, or left empty.' });
  }
  return value as Record<string, unknown>;
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

function Proposals({ partnerId, versions, etag, me, onChanged }: {
  partnerId: string; versions: VersionSummary[]; etag: string | null; me: string; onChanged: () => void;
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
    queryFn: async () => {
      const r = unwrap(await api.POST('/api/v1/policies/{partnerId}/diff', { params: { path: { partnerId } }, body: { to: proposal!.version } }));
      return { data: r.data as unknown as DiffResult };
    },
    enabled: proposal !== undefined,
  });
  const act = useMutation({
    mutationFn: async (kind: 'approve' | 'reject' | 'withdraw') => {
      setError(null);
      setDone(null);
      const inPath = { path: { partnerId, version: String(proposal!.version) } };
      if (kind === 'approve') {
        // The server would answer the same: approving names the version in force the proposal was reviewed against.
        if (!etag) throw new ApiError({ status: 428, code: 'PRECONDITION_REQUIRED', title: 'Precondition required', detail: 'The version in force is not known yet.' });
        unwrap(await api.POST('/api/v1/policies/{partnerId}/versions/{version}/approve', { params: { ...inPath, header: { 'If-Match': etag } } }));
      } else if (kind === 'reject') {
        unwrap(await api.POST('/api/v1/policies/{partnerId}/versions/{version}/reject', { params: inPath, body: { reason } }));
      } else {
        unwrap(await api.POST('/api/v1/policies/{partnerId}/versions/{version}/withdraw', { params: inPath, body: reason.trim() ? { reason } : {} }));
      }
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
        {error ? <ErrorState error={error} onRetry={reloadHelps(error) ? onChanged : undefined} /> : null}
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

function History({ partnerId, versions, loading, etag, onChanged }: { partnerId: string; versions?: VersionSummary[]; loading: boolean; etag: string | null; onChanged: () => void }) {
  const { api } = useSession();
  const [target, setTarget] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const candidates = (versions ?? []).filter((v) => !v.inForce && !['proposed', 'rejected', 'withdrawn'].includes(v.state));
  const rollback = useMutation({
    mutationFn: async () => {
      setError(null);
      setDone(null);
      const r = unwrap(await api.POST('/api/v1/policies/{partnerId}/rollback', { params: { path: { partnerId }, header: ifMatch(etag) }, body: { version: Number(target) } }));
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
        {error ? <ErrorState error={error} onRetry={reloadHelps(error) ? onChanged : undefined} /> : null}
        {done ? <Alert color="green" title="Rolled back" role="status">{done}</Alert> : null}
      </div>
    </section>
  );
}
