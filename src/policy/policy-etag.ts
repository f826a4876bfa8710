import { GatewayError } from '../common/gateway-error';

/**
 * A partner's policy as a resource has one validator: the number of the version in force, sent as
 * the strong entity tag `"<n>"` by GET /policies/:partnerId and by every change. `If-Match` takes
 * that tag (also bare, `3`, or weak, `W/"3"`, as earlier clients send it), a list of them, or `*`.
 */
export type IfMatch = '*' | number[];

const TAG = /^(?:W\/)?(?:"(\d{1,9})"|(\d{1,9}))$/;

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The If-Match header as versions; undefined when absent; 400 when it is no list of policy versions. */
export function parseIfMatch(value: string | undefined): IfMatch | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const versions: number[] = [];
  for (const part of trimmed.split(',')) {
    const m = TAG.exec(part.trim());
    if (!m) throw GatewayError.validation(['If-Match must be the ETag of GET /api/v1/policies/:partnerId (e.g. "3"), a list of them, or *']);
    versions.push(Number(m[1] ?? m[2]));
  }
  return versions;
}

/**
 * Checks a change's precondition against the version in force (0: none). Missing where required:
 * 428 PRECONDITION_REQUIRED; not matching: 412 PRECONDITION_FAILED. Nothing is changed either way.
 */
export function checkIfMatch(ifMatch: IfMatch | undefined, current: number, required: boolean, partnerId: string): void {
  if (ifMatch === undefined) {
    if (!required) return;
    throw new GatewayError(428, 'PRECONDITION_REQUIRED', 'Precondition required', {
      detail: `Changes to '${partnerId}' need If-Match with the ETag of GET /api/v1/policies/${partnerId} (four eyes apply).`,
      extra: { currentVersion: current },
    });
  }
  const matches = ifMatch === '*' ? current > 0 : ifMatch.includes(current);
  if (!matches) {
    throw new GatewayError(412, 'PRECONDITION_FAILED', 'Precondition failed', {
      detail:
        current > 0
          ? `Version ${current} of '${partnerId}' is in force, not the one If-Match names; reload it and try again.`
          : `No version of '${partnerId}' is in force.`,
      extra: { currentVersion: current },
    });
  }
}
