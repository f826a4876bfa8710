import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { defaultFieldResolver, GraphQLError, GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema, isObjectType, responsePathAsArray } from 'graphql';
import { Caller } from '../../access/caller';
import { callerOf } from '../caller-of';
import { GovernedDataService, GovernedRow, Redaction } from '../../access/governed-data.service';
import { GovernedWriteService } from '../../access/governed-write.service';
import { ShipmentEventsService } from '../../logistics/shipment-events.service';
import { AccessSummary, recorded } from '../../audit/access-summary';
import { noteRefusedRequest } from '../../audit/refusal-context';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { SubjectName } from '../../data/subjects';
import { requestedFields } from './selection';

export interface GqlContext {
  req: GatewayRequest;
}

/** Turns GraphQL operations into calls of the governed services (reads, writes, tracking events); withheld fields become field errors. */
@Injectable()
export class GraphqlAdapter {
  constructor(
    readonly data: GovernedDataService,
    readonly writes: GovernedWriteService,
    readonly events: ShipmentEventsService,
  ) {}

  caller(ctx: GqlContext): Caller {
    return callerOf(ctx.req);
  }

  /** Adds a governed step to the operation's audit record: every resolver's step goes into the one event of the operation. */
  recorded<T extends { summary: AccessSummary }>(ctx: GqlContext, step: Promise<T>): Promise<T> {
    return recorded(ctx.req.gateway!.audit, step);
  }

  async list(ctx: GqlContext, info: GraphQLResolveInfo, subject: SubjectName, args: { filter?: object | null; first?: number | null; after?: string | null }) {
    if (args.first !== undefined && args.first !== null && args.first < 1) throw GatewayError.validation(['first must be at least 1']);
    const filters = Object.fromEntries(Object.entries(args.filter ?? {}).filter(([, v]) => v !== undefined));
    const { rows, meta } = await this.recorded(
      ctx,
      this.data.list(this.caller(ctx), subject, {
        fields: requestedFields(info, 'nodes'),
        filters,
        limit: args.first ?? undefined,
        cursor: args.after ?? undefined,
        ungranted: 'redact',
      }),
    );
    return { nodes: rows.map(toGraphqlRow), pageInfo: { endCursor: meta.nextCursor, hasNextPage: meta.nextCursor !== null } };
  }

  async get(ctx: GqlContext, info: GraphQLResolveInfo, subject: SubjectName, id: string) {
    try {
      const { row } = await this.recorded(ctx, this.data.get(this.caller(ctx), subject, id, { fields: requestedFields(info), ungranted: 'redact' }));
      return toGraphqlRow(row);
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'NOT_FOUND') {
        noteRefusedRequest(ctx.req.gateway!.audit, { id }, ctx.req.headers);
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
    const nul = Object.entries(plain)
      .filter(([, v]) => typeof v === 'string' && v.includes('\u0000'))
      .map(([k]) => `${k} must not contain the NUL character (U+0000)`);
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

/** Per row: the fields withheld, by name (read by raiseWithheldFields). */
const WITHHELD = Symbol('withheld fields');
const withheldByRedactions = new WeakMap<Redaction[], Map<string, Redaction>>();

/**
 * A row as a GraphQL object. A withheld field raises its error when resolved, carrying the exact
 * path (row by row) while the other fields still resolve (see raiseWithheldFields); anything else
 * that reads it gets the error from its getter.
 */
export function toGraphqlRow(row: GovernedRow): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row.values };
  if (row.redactions.length === 0) return out;
  // Rows judged alike share their redactions (RowJudge), and so their lookup map.
  let withheld = withheldByRedactions.get(row.redactions);
  if (!withheld) withheldByRedactions.set(row.redactions, (withheld = new Map(row.redactions.map((r) => [r.field, r]))));
  Object.defineProperty(out, WITHHELD, { value: withheld });
  for (const r of row.redactions) {
    Object.defineProperty(out, r.field, {
      enumerable: true,
      get() {
        throw withheldFieldError(r);
      },
    });
  }
  return out;
}

/**
 * Applied to the built schema (transformSchema): every object field's resolver first checks the
 * row's withheld fields, so a withheld field raises its error already located at the field, before
 * its value is read. (Left to the getter, GraphQL would wrap the error in a second one.)
 */
export function raiseWithheldFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const redaction = (source as { [WITHHELD]?: Map<string, Redaction> } | null)?.[WITHHELD]?.get(info.fieldName);
        if (redaction) throw withheldFieldError(redaction, info);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

/**
 * A withheld field is an expected answer, not a fault: its error is built without a stack trace,
 * which cost more than the rest of the row (a page can withhold a field on every row). With the
 * field's `info` it is built located, so GraphQL does not wrap it in a second error.
 */
function withheldFieldError(r: Redaction, info?: GraphQLResolveInfo): GraphQLError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(`Your policy does not let you read '${r.field}' here.`, {
      ...(info ? { nodes: info.fieldNodes, path: responsePathAsArray(info.path) } : {}),
      extensions: { code: 'FORBIDDEN_FIELD', field: r.field, reason: r.reason, ...(r.ruleId ? { ruleId: r.ruleId } : {}) },
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
