import { AgreementWindow } from '../policy/policy-compiler';
import { AgreementRow } from '../policy/agreements.table';

export const AGREEMENT_STATUSES = ['offered', 'accepted', 'active', 'declined', 'expired', 'terminated'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/**
 * An agreement's status at an instant. Declined and terminated are final. An offer or an accepted
 * agreement past its `validUntil` is `expired`, by the clock alone (no job, no restart); an accepted
 * agreement whose period has not begun is `accepted`, and `active` within its period.
 */
export function statusAt(a: Pick<AgreementRow, 'state' | 'validFrom' | 'validUntil'>, now = Date.now()): AgreementStatus {
  if (a.state === 'declined' || a.state === 'terminated') return a.state;
  if (Date.parse(a.validUntil) <= now) return 'expired';
  if (a.state === 'offered') return 'offered';
  return Date.parse(a.validFrom) <= now ? 'active' : 'accepted';
}

export function windowOf(a: AgreementRow): AgreementWindow {
  return {
    id: a.id,
    purposes: JSON.parse(a.purposes) as string[],
    subjects: JSON.parse(a.subjects) as string[],
    validFrom: a.validFrom,
    validUntil: a.validUntil,
  };
}
