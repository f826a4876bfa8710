import { Args, Context, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { GqlContext } from './graphql-adapter';
import { JSONScalar } from './json.scalar';
import { DatabaseService } from '../../database/database.service';
import { GovernanceService } from '../../governance/governance.service';
import { PolicyAdministration } from '../../governance/policy-administration.service';
import { view } from '../rest/policy.controller';
import { PolicyVersionEntity } from '../../policy/policy-version.entity';
import { PolicyService } from '../../policy/policy.service';

@ObjectType('Policy')
class PolicyType {
  @Field() partnerId: string;
  @Field(() => Int) version: number;
  @Field() author: string;
  @Field() createdAt: string;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field(() => JSONScalar) document: unknown;
}

@ObjectType('PolicyVersion')
class PolicyVersionType {
  @Field(() => Int) version: number;
  @Field() author: string;
  @Field() createdAt: string;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field() state: string;
  @Field(() => String, { nullable: true }) approvedBy: string | null;
  @Field() inForce: boolean;
}

@ObjectType('AccessMatrixEntry')
class AccessMatrixEntry {
  @Field() partnerId: string;
  @Field() subject: string;
  @Field() action: string;
  @Field() purpose: string;
  @Field() rows: string;
  @Field(() => [String]) fields: string[];
}

@InputType('SimulatePolicyInput')
class SimulatePolicyInput {
  @Field(() => JSONScalar, { nullable: true }) document?: unknown;
  @Field() action: string;
  @Field() subject: string;
  @Field() purpose: string;
  @Field(() => JSONScalar, { nullable: true }) record?: Record<string, unknown>;
}

/** Governance over GraphQL: the same operations as /api/v1/policies, through the same services. */
@Resolver()
export class PolicyResolver {
  constructor(
    private readonly store: PolicyService,
    private readonly admin: PolicyAdministration,
    private readonly governance: GovernanceService,
    private readonly db: DatabaseService,
  ) {}

  @Roles('governance', 'admin')
  @Query(() => [PolicyType])
  async policies(@Context() ctx: GqlContext) {
    const all = await this.store.listInForce();
    note(ctx, 'read', all.map((p) => p.partnerId));
    return all.map(view);
  }

  @Roles('governance', 'admin')
  @Query(() => PolicyType, { nullable: true })
  async policy(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string) {
    note(ctx, 'read', [partnerId]);
    const p = await this.store.inForceOrNull(partnerId);
    return p ? view(p) : null;
  }

  @Roles('governance', 'admin')
  @Query(() => [PolicyVersionType])
  async policyVersions(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string) {
    note(ctx, 'read', [partnerId]);
    const current = await this.store.inForceOrNull(partnerId);
    const rows = await this.db.read((m) => m.find(PolicyVersionEntity, { where: { partnerId }, order: { version: 'DESC' } }));
    return rows.map((v) => ({ ...v, inForce: v.version === current?.version }));
  }

  @Roles('governance', 'admin')
  @Query(() => [AccessMatrixEntry])
  async accessMatrix(@Context() ctx: GqlContext) {
    const rows = await this.governance.accessMatrix();
    note(ctx, 'read', [...new Set(rows.map((r) => r.partnerId))]);
    return rows;
  }

  @Roles('governance', 'admin')
  @Query(() => JSONScalar)
  async simulatePolicy(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string, @Args('input', { type: () => SimulatePolicyInput }) input: Record<string, unknown>) {
    // Typed as a plain object: the REST validation pipe has no business with GraphQL inputs, which the schema checks.
    note(ctx, 'simulate', [partnerId]);
    return this.governance.simulate(partnerId, {
      action: String(input.action), subject: String(input.subject), purpose: String(input.purpose),
      record: (input.record as Record<string, unknown> | null) ?? undefined, document: input.document ?? undefined,
    });
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async putPolicy(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string, @Args('document', { type: () => JSONScalar }) document: unknown,
    @Args('note', { type: () => String, nullable: true }) changeNote: string | null, @Args('ifMatch', { type: () => Int, nullable: true }) ifMatch: number | null) {
    const result = await this.admin.put(ctx.req, partnerId, document, changeNote, ifMatch ?? undefined);
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async rollbackPolicy(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string, @Args('version', { type: () => Int }) version: number) {
    if (version < 1) throw GatewayError.validation(['version must be a version number']);
    const result = await this.admin.rollback(ctx.req, partnerId, version, null);
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async approvePolicyVersion(@Context() ctx: GqlContext, @Args('partnerId') partnerId: string, @Args('version', { type: () => Int }) version: number) {
    const result = await this.admin.approve(ctx.req, partnerId, version);
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }
}

function note(ctx: GqlContext, action: string, ids: string[]): void {
  const record = ctx.req.gateway!.audit;
  record.touch(action, 'Policy');
  for (const id of ids) record.resourceIds.add(id);
  record.rowCount += ids.length;
}
