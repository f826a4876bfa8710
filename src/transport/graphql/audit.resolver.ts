import { Args, Context, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { summaryOf } from '../../audit/access-summary';
import { Roles } from '../../auth/auth.decorators';
import { GqlContext } from './graphql-adapter';
import { AuditQueryService } from '../../audit/audit-query.service';
import { AuditEventConnection, AuditEventFilterInput, AuditEventType, AuditVerificationType } from './audit.graphql-types';

/** The auditor's API over GraphQL: the same queries as REST, audited the same way. */
@Roles('auditor')
@Resolver()
export class AuditResolver {
  constructor(private readonly queries: AuditQueryService) {}

  @Query(() => AuditEventConnection)
  async auditEvents(
    @Context() ctx: GqlContext,
    @Args('filter', { type: () => AuditEventFilterInput, nullable: true }) filter: AuditEventFilterInput | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ) {
    const clean = Object.fromEntries(Object.entries(filter ?? {}).filter(([, v]) => v !== undefined && v !== null));
    const { data, nextCursor } = await this.queries.list(clean, Math.min(Math.max(first ?? 100, 1), 1000), after ?? undefined);
    this.note(
      ctx,
      data.length,
      data.map((e) => e.id),
    );
    return { nodes: data, pageInfo: { endCursor: nextCursor, hasNextPage: nextCursor !== null } };
  }

  @Query(() => AuditEventType, { nullable: true })
  async auditEvent(@Context() ctx: GqlContext, @Args('id', { type: () => ID }) id: string) {
    const event = await this.queries.get(id);
    this.note(ctx, 1, [id]);
    return event;
  }

  @Query(() => AuditVerificationType)
  async verifyAuditChain(
    @Context() ctx: GqlContext,
    @Args('from', { type: () => Int, nullable: true }) from: number | null,
    @Args('to', { type: () => Int, nullable: true }) to: number | null,
    @Args('checkpoint', { type: () => String, nullable: true }) checkpoint: string | null,
  ) {
    const result = await this.queries.verify({ from: from ?? undefined, to: to ?? undefined }, checkpoint ?? undefined);
    this.note(ctx, result.checked, []);
    return result;
  }

  private note(ctx: GqlContext, rows: number, ids: string[]): void {
    const record = ctx.req.gateway!.audit;
    record.add(summaryOf({ actions: ['read'], subjects: ['AuditEvent'], rowCount: rows, resourceIds: ids.slice(0, 1000) }));
  }
}
