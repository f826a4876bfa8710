import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

/** Remembers the first answer to a write sent with an Idempotency-Key, per caller and route. */
@Injectable()
export class IdempotencyService {
  hashRequest(body: unknown): string {
    return createHash('sha256').update(stableJson(body)).digest('hex');
  }

  find(m: EntityManager, scope: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return m.findOne(IdempotencyKeyEntity, { where: { scope, key } });
  }

  async save(m: EntityManager, scope: string, key: string, requestHash: string, status: number, body: unknown): Promise<void> {
    await m.insert(IdempotencyKeyEntity, { scope, key, requestHash, status, body: JSON.stringify(body), createdAt: new Date().toISOString() });
  }
}

/** JSON with object keys sorted, so the same body always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
