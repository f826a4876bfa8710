import { Inject } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Args, Context, Field, ID, Info, InputType, Subscription, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { GovernedDataService, GovernedRow } from '../../access/governed-data.service';
import { recorded, touched } from '../../audit/access-summary';
import { AuditService } from '../../audit/audit.service';
import { Roles } from '../../auth/auth.decorators';
import { AppConfig } from '../../config/app-config';
import { SHIPMENT_STATUSES } from '../../data/subjects';
import { ShipmentChanges } from '../../logistics/shipment-changes.service';
import { PolicyService } from '../../policy/policy.service';
import { RATE_LIMIT_STORAGE } from '../../rate-limit/rate-limit-storage';
import { GqlContext, GraphqlAdapter, toGraphqlRow } from './graphql-adapter';
import { GQL } from './graphql-types';
import { requestedFields } from './selection';
import { ShipmentFanout } from './shipment-fanout';

@InputType('ShipmentUpdatedFilter')
class ShipmentUpdatedFilter {
  @Field(() => ID, { nullable: true }) shipmentId?: string;
  @Field(() => String, { nullable: true, description: `One of ${SHIPMENT_STATUSES.join(', ')}` }) status?: string;
}

/**
 * Live shipment updates. Every update is judged at delivery time by the subscriber's policy in
 * force then (ShipmentFanout: once per change and policy group, not per subscriber): shipments it
 * may not read are not delivered, withheld fields come as field errors, and each delivery is
 * audited and counted against the partner's delivery budget.
 */
@Roles('partner', 'admin')
@Resolver()
export class ShipmentUpdatesResolver {
  readonly fanout: ShipmentFanout;

  constructor(
    private readonly gql: GraphqlAdapter,
    private readonly data: GovernedDataService,
    private readonly audit: AuditService,
    changes: ShipmentChanges,
    policies: PolicyService,
    @Inject(RATE_LIMIT_STORAGE) budget: ThrottlerStorage,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.fanout = new ShipmentFanout(data, policies, audit, changes, budget, config);
  }

  @Subscription(() => GQL.Shipment.object, { nullable: true, resolve: (row: GovernedRow) => toGraphqlRow(row) })
  async shipmentUpdated(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => ShipmentUpdatedFilter, nullable: true }) filter: Record<string, unknown> | null,
  ) {
    const caller = this.gql.caller(ctx);
    // Subscribing is itself an access: refused now (e.g. no purpose) rather than silently later.
    await recorded(caller.audit, this.data.policyOf(caller));
    caller.audit.add(touched('subscribe', 'Shipment'));
    caller.audit.operation = 'graphql subscription shipmentUpdated';
    await this.audit.commit(caller.audit, 200);
    const fields = requestedFields(info);
    const wanted = { shipmentId: filter?.shipmentId as string | undefined, status: filter?.status as string | undefined };
    return this.fanout.subscribe(caller, fields, wanted);
  }
}
