import { randomUUID } from 'node:crypto';
import { Args, Context, Field, ID, Info, InputType, Subscription, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { GovernedDataService } from '../../access/governed-data.service';
import { AuditRecord } from '../../audit/audit-record';
import { AuditService } from '../../audit/audit.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { SHIPMENT_STATUSES } from '../../data/subjects';
import { ShipmentChanges } from '../../logistics/shipment-changes.service';
import { GqlContext, GraphqlAdapter, toGraphqlRow } from './graphql-adapter';
import { GQL } from './graphql-types';
import { requestedFields } from './selection';

@InputType('ShipmentUpdatedFilter')
class ShipmentUpdatedFilter {
  @Field(() => ID, { nullable: true }) shipmentId?: string;
  @Field(() => String, { nullable: true, description: `One of ${SHIPMENT_STATUSES.join(', ')}` }) status?: string;
}

/**
 * Live shipment updates. Every update is judged at delivery time by the subscriber's policy in
 * force then: shipments it may not read are not delivered, withheld fields come as field errors,
 * and each delivery is audited.
 */
@Roles('partner', 'admin')
@Resolver()
export class ShipmentUpdatesResolver {
  constructor(
    private readonly gql: GraphqlAdapter,
    private readonly data: GovernedDataService,
    private readonly audit: AuditService,
    private readonly changes: ShipmentChanges,
  ) {}

  @Subscription(() => GQL.Shipment.object, { nullable: true, resolve: (row: unknown) => row })
  async shipmentUpdated(@Context() ctx: GqlContext, @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => ShipmentUpdatedFilter, nullable: true }) filter: Record<string, unknown> | null) {
    const caller = this.gql.caller(ctx);
    // Subscribing is itself an access: refused now (e.g. no purpose) rather than silently later.
    await this.data.policyOf(caller);
    caller.audit.touch('subscribe', 'Shipment');
    caller.audit.operation = 'graphql subscription shipmentUpdated';
    await this.audit.commit(caller.audit, 200);
    const fields = requestedFields(info);
    const wanted = { shipmentId: filter?.shipmentId as string | undefined, status: filter?.status as string | undefined };
    return this.deliveries(caller, fields, wanted);
  }

  private async *deliveries(caller: ReturnType<GraphqlAdapter['caller']>, fields: string[], wanted: { shipmentId?: string; status?: string }) {
    for await (const change of this.changes.changes()) {
      // Nothing is delivered on an expired token (the socket is also closed when it expires).
      if (caller.principal.expiresAt !== undefined && caller.principal.expiresAt * 1000 <= Date.now()) return;
      if (wanted.shipmentId && change.shipmentId !== wanted.shipmentId) continue;
      const record = new AuditRecord(randomUUID(), 'graphql', 'graphql subscription shipmentUpdated delivery');
      record.principal = caller.principal;
      const asked = wanted.status && !fields.includes('status') ? [...fields, 'status'] : fields;
      try {
        const { row } = await this.data.get({ ...caller, audit: record, policyInForce: undefined, policyLastSeen: undefined }, 'Shipment', change.shipmentId, { fields: asked, ungranted: 'redact' });
        if (wanted.status && row.values.status !== wanted.status) continue;
        await this.audit.commit(record, 200);
        yield toGraphqlRow(row);
      } catch (e) {
        if (e instanceof GatewayError && e.status < 500) continue;
        throw e;
      }
    }
  }
}
