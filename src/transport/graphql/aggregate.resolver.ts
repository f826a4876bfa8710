import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { AggregateService } from '../../access/aggregate.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { filterValue } from '../../data/field-values';
import { GqlContext, GraphqlAdapter } from './graphql-adapter';
import { AggregateSubject, GQL_AGGREGATE } from './aggregate.graphql-types';

const GROUP_BY = { type: () => [String], description: 'Fields to group by, e.g. ["region", "periodStart"]' };
const MEASURES = { type: () => [String], nullable: true, description: 'Measures as <count|sum|avg|min|max>:<field>, e.g. ["sum:forecastQty"]' };

/**
 * Aggregate-only sharing over GraphQL: the same service, judgement and audit as
 * `GET /api/v1/<resource>/aggregate`; the answer's meta (minGroupSize, suppressedGroups, …) are
 * fields of the result.
 */
@Roles('partner', 'admin')
@Resolver()
export class AggregateResolver {
  constructor(
    private readonly gql: GraphqlAdapter,
    private readonly aggregates: AggregateService,
  ) {}

  @Query(() => GQL_AGGREGATE.DemandSignal.result, {
    description: 'Group totals of demand signals your policy shares as aggregates; groups under k are left out',
  })
  demandSignalAggregate(
    @Context() ctx: GqlContext,
    @Args('groupBy', GROUP_BY) groupBy: string[],
    @Args('measures', MEASURES) measures: string[] | null,
    @Args('filter', { type: () => GQL_AGGREGATE.DemandSignal.filter, nullable: true }) filter: object | null,
  ) {
    return this.run(ctx, 'DemandSignal', groupBy, measures, filter);
  }

  @Query(() => GQL_AGGREGATE.CapacitySignal.result, { description: 'Group totals of capacity signals (aggregate-only sharing)' })
  capacitySignalAggregate(
    @Context() ctx: GqlContext,
    @Args('groupBy', GROUP_BY) groupBy: string[],
    @Args('measures', MEASURES) measures: string[] | null,
    @Args('filter', { type: () => GQL_AGGREGATE.CapacitySignal.filter, nullable: true }) filter: object | null,
  ) {
    return this.run(ctx, 'CapacitySignal', groupBy, measures, filter);
  }

  @Query(() => GQL_AGGREGATE.Shipment.result, { description: 'Group totals of shipments (aggregate-only sharing)' })
  shipmentAggregate(
    @Context() ctx: GqlContext,
    @Args('groupBy', GROUP_BY) groupBy: string[],
    @Args('measures', MEASURES) measures: string[] | null,
    @Args('filter', { type: () => GQL_AGGREGATE.Shipment.filter, nullable: true }) filter: object | null,
  ) {
    return this.run(ctx, 'Shipment', groupBy, measures, filter);
  }

  private async run(ctx: GqlContext, subject: AggregateSubject, groupBy: string[], measures: string[] | null, filter: object | null) {
    const filters: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [field, raw] of Object.entries(filter ?? {})) {
      if (raw === undefined) continue;
      const typed = filterValue(subject, field, raw);
      if ('problem' in typed) problems.push(typed.problem);
      else filters[field] = typed.value;
    }
    if (problems.length > 0) throw GatewayError.validation(problems);
    const asked = (measures ?? []).map((m) => m.trim()).filter((m) => m !== '');
    const { rows, meta } = await this.gql.recorded(
      ctx,
      this.aggregates.aggregate(this.gql.caller(ctx), subject, {
        groupBy: groupBy.map((f) => f.trim()).filter((f) => f !== ''),
        measures: asked,
        filters,
      }),
    );
    const groups = rows.map((row) => {
      const group: Record<string, unknown> = { count: row.count };
      for (const [key, value] of Object.entries(row)) if (!key.includes(':') && key !== 'count') group[key] = value;
      group.measures = asked.map((name) => {
        const [measure, field] = name.split(':');
        return { name, measure, field, value: row[name] ?? null };
      });
      return group;
    });
    return { groups, ...meta };
  }
}
