import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { GraphQLError, GraphQLResolveInfo } from 'graphql';
import { Caller, purposeOf } from '../../access/caller';
import { GovernedDataService, GovernedRow, Redaction } from '../../access/governed-data.service';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../../common/gateway-request';
import { SubjectName } from '../../data/subjects';
import { requestedFields } from './selection';

export interface GqlContext {
  req: GatewayRequest;
}

/** Turns GraphQL operations into calls of the governed data service; withheld fields become field errors. */
@Injectable()
export class GraphqlAdapter {
  constructor(readonly data: GovernedDataService) {}

  caller(ctx: GqlContext): Caller {
    const gateway = ctx.req.gateway!;
    const key = ctx.req.headers['idempotency-key'];
    return {
      principal: gateway.principal!,
      purpose: purposeOf(ctx.req.headers['x-purpose'], gateway.principal!),
      audit: gateway.audit,
      idempotencyKey: typeof key === 'string' ? key : undefined,
      policyInForce: gateway.policyInForce,
      policyLastSeen: gateway.policyLastSeen,
    };
  }

  async list(ctx: GqlContext, info: GraphQLResolveInfo, subject: SubjectName, args: { filter?: object | null; first?: number | null; after?: string | null }) {
    if (args.first !== undefined && args.first !== null && args.first < 1) throw GatewayError.validation(['first must be at least 1']);
    const filters = Object.fromEntries(Object.entries(args.filter ?? {}).filter(([, v]) => v !== undefined));
    const { rows, meta } = await this.data.list(this.caller(ctx), subject, {
      fields: requestedFields(info, 'nodes'),
      filters,
      limit: args.first ?? undefined,
      cursor: args.after ?? undefined,
      ungranted: 'redact',
    });
    return { nodes: rows.map(toGraphqlRow), pageInfo: { endCursor: meta.nextCursor, hasNextPage: meta.nextCursor !== null } };
  }

  async get(ctx: GqlContext, info: GraphQLResolveInfo, subject: SubjectName, id: string) {
    try {
      const { row } = await this.data.get(this.caller(ctx), subject, id, { fields: requestedFields(info), ungranted: 'redact' });
      return toGraphqlRow(row);
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'NOT_FOUND') {
        ctx.req.gateway!.audit.fail(404, 'NOT_FOUND', e.detail);
        return null;
      }
      throw e;
    }
  }

  /** Validates a mutation input with the REST DTO class, so both transports refuse the same bodies. */
  async validated<T extends object>(dto: new () => T, input: object): Promise<Record<string, unknown>> {
    const plain = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined && v !== null));
    // As for REST bodies (json-body-guard.ts): PostgreSQL text cannot store U+0000.
    const nul = Object.entries(plain).filter(([, v]) => typeof v === 'string' && v.includes('\u0000')).map(([k]) => `${k} must not contain the NUL character (U+0000)`);
    if (nul.length > 0) throw GatewayError.validation(nul);
    const errors = await validate(plainToInstance(dto, plain), { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw GatewayError.validation(errors.flatMap((e) => Object.values(e.constraints ?? {})));
    return plain;
  }

  /** A write's answer as a GraphQL object: asked-for fields the caller may not read become field errors. */
  writeResult(info: GraphQLResolveInfo, data: Record<string, unknown>) {
    const redactions: Redaction[] = requestedFields(info)
      .filter((f) => !(f in data))
      .map((field) => ({ field, reason: 'not-granted', ruleId: null }));
    return toGraphqlRow({ values: data, redactions });
  }
}

/**
 * Withheld fields are getters that throw: the field resolver reading them raises the error, so
 * it carries the exact path (row by row) and the other fields still resolve.
 */
export function toGraphqlRow(row: GovernedRow): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row.values };
  for (const r of row.redactions) {
    Object.defineProperty(out, r.field, {
      enumerable: true,
      get() {
        throw new GraphQLError(`Your policy does not let you read '${r.field}' here.`, {
          extensions: { code: 'FORBIDDEN_FIELD', field: r.field, reason: r.reason, ...(r.ruleId ? { ruleId: r.ruleId } : {}) },
        });
      },
    });
  }
  return out;
}
