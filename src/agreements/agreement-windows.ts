import { EntityManager } from 'typeorm';
import { AgreementEntity } from './agreement.entity';
import { AgreementWindow, windowOf } from './agreement-status';

/**
 * A partner's accepted, not terminated agreements, by id: what its `agreement:` rules are judged by
 * (their periods are checked at each compilation, so expiry needs no change in the store).
 */
export async function acceptedWindows(m: EntityManager, partnerId: string): Promise<Map<string, AgreementWindow>> {
  const rows = await m.find(AgreementEntity, { where: { partnerId, state: 'accepted' } });
  return new Map(rows.map((r) => [r.id, windowOf(r)]));
}
