import { Alert, Button, Group, Loader, Text } from '@mantine/core';
import { ApiError } from '../api/client';

/** What happened and what to do about it, for every failure the console meets. */
export function explain(error: unknown): { title: string; what: string; todo: string } {
  if (!(error instanceof ApiError)) {
    return { title: 'Something went wrong', what: String((error as Error)?.message ?? error), todo: 'Try again; if it keeps failing, reload the page.' };
  }
  const p = error.problem;
  const detail = p.detail ? ` ${p.detail}` : '';
  switch (p.status) {
    case 0:
      return { title: 'Connection lost', what: 'The console cannot reach the gateway.', todo: 'Check that the gateway is running and your network is up, then try again.' };
    case 401:
      return { title: 'Signed out', what: `Your sign-in is no longer valid (it may have expired).${detail}`, todo: 'Sign in again.' };
    case 403:
      if (p.code === 'FORBIDDEN_ROLE' || p.code === 'HTTP_403') {
        return { title: 'Not allowed', what: `Your role may not do this.${detail}`, todo: 'Ask an administrator for the role you need, or sign in as someone who has it.' };
      }
      // Refused for another reason than the role (four eyes, the partner's policy or state): the detail says which.
      return { title: 'Not allowed', what: p.detail || p.title, todo: 'Nothing was changed. If this should be allowed, ask a governance officer: the policy or the partner\'s state decides it.' };
    case 404:
      return { title: 'Not found', what: `It does not exist (any more).${detail}`, todo: 'Go back to the list and pick again.' };
    case 409:
      if (p.code === 'PROPOSAL_STALE') {
        const base = p.baseVersion ? `version ${p.baseVersion}` : 'an earlier version';
        const now = p.currentVersion ? `version ${p.currentVersion}` : 'another version';
        return {
          title: 'Proposal out of date',
          what: `This proposal was made against ${base}, but ${now} has come into force since. Approving it would replace ${now} with a document written before it and undo what changed in between without review, so nothing was changed.`,
          todo: `Reject this proposal (or ask its author to withdraw it), and have the change proposed again on top of ${now} so it is reviewed against the version in force.`,
        };
      }
      return { title: 'Version conflict', what: `Someone changed this at the same time.${detail}`, todo: 'Reload to see the version now in force, then redo your change on top of it.' };
    case 412:
      return { title: 'Version conflict', what: `Another version came into force since you loaded this page${p.currentVersion ? ` (now version ${p.currentVersion})` : ''}.${detail}`, todo: 'Reload the policy, review the version in force, and apply your change again.' };
    case 428:
      return { title: 'Version needed', what: `This change must name the version you edited.${detail}`, todo: 'Reload the policy and try again.' };
    case 400:
    case 422:
      return { title: 'Not accepted', what: p.detail || p.title, todo: 'Correct the input shown and try again.' };
    case 429:
      return { title: 'Too many requests', what: p.detail || 'The rate limit was reached.', todo: 'Wait a moment and try again.' };
    case 503:
      return { title: 'Gateway unavailable', what: p.detail || 'The gateway cannot serve this now (its database or audit log is unavailable).', todo: 'Try again in a moment.' };
    default:
      return { title: `Request failed (${p.status})`, what: p.detail || p.title, todo: 'Try again; if it keeps failing, tell the gateway operators.' };
  }
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = explain(error);
  return (
    <Alert color="red" title={e.title} role="alert">
      <Text size="sm">{e.what}</Text>
      <Text size="sm" fw={600}>{e.todo}</Text>
      {error instanceof ApiError && error.problem.errors?.length ? (
        <ul>{error.problem.errors.map((m) => <li key={m}>{m}</li>)}</ul>
      ) : null}
      {onRetry ? <Group mt="xs"><Button size="xs" variant="light" onClick={onRetry}>Try again</Button></Group> : null}
    </Alert>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Group role="status" aria-live="polite" gap="xs">
      <Loader size="sm" />
      <Text size="sm">Loading {what}…</Text>
    </Group>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <Text c="dimmed" size="sm" role="status">{children}</Text>;
}
