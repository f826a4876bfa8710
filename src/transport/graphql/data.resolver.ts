import { Args, Context, ID, Info, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { mayChooseId } from '../../access/client-ids';
import { Roles } from '../../auth/auth.decorators';
import { CreateCapacitySignalDto, UpdateCapacitySignalDto } from '../rest/dto/capacity-signal.dto';
import { CreateDemandSignalDto } from '../rest/dto/demand-signal.dto';
import { RecordShipmentEventDto, UpdateShipmentDto } from '../rest/dto/shipment.dto';
import { GqlContext, GraphqlAdapter } from './graphql-adapter';
import { CapacitySignalInput, DemandSignalInput, GQL, ShipmentEventInput, ShipmentUpdateInput } from './graphql-types';

/** Partner data over GraphQL: thin, every operation is one call of the governed data service. */
@Roles('partner', 'admin')
@Resolver()
export class DataResolver {
  constructor(private readonly gql: GraphqlAdapter) {}

  @Query(() => GQL.DemandSignal.connection)
  demandSignals(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => GQL.DemandSignal.filter, nullable: true }) filter: object | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ) {
    return this.gql.list(ctx, info, 'DemandSignal', { filter, first, after });
  }

  @Query(() => GQL.CapacitySignal.connection)
  capacitySignals(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => GQL.CapacitySignal.filter, nullable: true }) filter: object | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ) {
    return this.gql.list(ctx, info, 'CapacitySignal', { filter, first, after });
  }

  @Query(() => GQL.Shipment.connection)
  shipments(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => GQL.Shipment.filter, nullable: true }) filter: object | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ) {
    return this.gql.list(ctx, info, 'Shipment', { filter, first, after });
  }

  @Query(() => GQL.DemandSignal.object, { nullable: true })
  demandSignal(@Context() ctx: GqlContext, @Info() info: GraphQLResolveInfo, @Args('id', { type: () => ID }) id: string) {
    return this.gql.get(ctx, info, 'DemandSignal', id);
  }

  @Query(() => GQL.CapacitySignal.object, { nullable: true })
  capacitySignal(@Context() ctx: GqlContext, @Info() info: GraphQLResolveInfo, @Args('id', { type: () => ID }) id: string) {
    return this.gql.get(ctx, info, 'CapacitySignal', id);
  }

  @Query(() => GQL.Shipment.object, { nullable: true })
  shipment(@Context() ctx: GqlContext, @Info() info: GraphQLResolveInfo, @Args('id', { type: () => ID }) id: string) {
    return this.gql.get(ctx, info, 'Shipment', id);
  }

  @Mutation(() => GQL.DemandSignal.object, { nullable: true })
  async createDemandSignal(@Context() ctx: GqlContext, @Info() info: GraphQLResolveInfo, @Args('input', { type: () => DemandSignalInput }) input: object) {
    const body = await this.gql.validated(CreateDemandSignalDto, input);
    const result = await this.gql.recorded(ctx, this.gql.writes.create(this.gql.caller(ctx), 'DemandSignal', body, 'POST /demand-signals'));
    return this.gql.writeResult(info, result.body.data);
  }

  @Mutation(() => GQL.CapacitySignal.object, { nullable: true, description: 'Updates the signal with this id when you may, else creates it' })
  async upsertCapacitySignal(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('input', { type: () => CapacitySignalInput }) input: { id?: string | null },
  ) {
    const caller = this.gql.caller(ctx);
    const { id, ...rest } = input;
    // An id the caller may not choose takes the update path whether it is taken or free (404 unless
    // the caller may read the row): the answer never tells whether another partner uses it.
    if (id && (!mayChooseId(caller.principal, id) || (await this.gql.data.exists('CapacitySignal', id)))) {
      const body = await this.gql.validated(UpdateCapacitySignalDto, rest);
      const result = await this.gql.recorded(ctx, this.gql.writes.update(caller, 'CapacitySignal', id, body, `PATCH /capacity-signals/${id}`));
      return this.gql.writeResult(info, result.body.data);
    }
    const body = await this.gql.validated(CreateCapacitySignalDto, input);
    const result = await this.gql.recorded(ctx, this.gql.writes.create(caller, 'CapacitySignal', body, 'POST /capacity-signals'));
    return this.gql.writeResult(info, result.body.data);
  }

  @Mutation(() => GQL.Shipment.object, { nullable: true })
  async updateShipment(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => ShipmentUpdateInput }) input: object,
  ) {
    const body = await this.gql.validated(UpdateShipmentDto, input);
    const result = await this.gql.recorded(ctx, this.gql.writes.update(this.gql.caller(ctx), 'Shipment', id, body, `PATCH /shipments/${id}`));
    return this.gql.writeResult(info, result.body.data);
  }

  @Mutation(() => GQL.ShipmentEvent.object, { nullable: true })
  async recordShipmentEvent(
    @Context() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('shipmentId', { type: () => ID }) shipmentId: string,
    @Args('input', { type: () => ShipmentEventInput }) input: object,
  ) {
    const body = await this.gql.validated(RecordShipmentEventDto, input);
    const result = await this.gql.recorded(
      ctx,
      this.gql.events.recordShipmentEvent(this.gql.caller(ctx), shipmentId, body, `POST /shipments/${shipmentId}/events`),
    );
    return this.gql.writeResult(info, result.body.data);
  }
}
