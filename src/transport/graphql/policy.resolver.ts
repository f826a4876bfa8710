import { Args, Context, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { recorded, summaryOf } from '../../audit/access-summary';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { officerOf } from '../gateway-request';
import { GqlContext } from './graphql-adapter';
import { JSONScalar } from './json.scalar';
import { GovernanceService } from '../../governance/governance.service';
import { PolicyAdministration } from '../../governance/policy-administration.service';
import { view } from '../rest/policy.controller';
import { IfMatch } from '../../policy/policy-etag';
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
  @Field(() => Int, { nullable: true, description: 'The version in force when this one was made (0: none)' }) baseVersion: number | null;
  @Field(() => String, { nullable: true }) decidedBy: string | null;
  @Field(() => String, { nullable: true }) decidedAt: string | null;
  @Field(() => String, { nullable: true }) decisionReason: string | null;
  @Field() inForce: boolean;
}

@ObjectType('TransformedFieldGrant')
class TransformedFieldGrant {
  @Field() field: string;
  @Field({ description: 'The transform in words, e.g. round 100' }) transform: string;
  @Field(() => String, { nullable: true }) ruleId: string | null;
}

@ObjectType('AccessMatrixEntry')
class AccessMatrixEntry {
  @Field() partnerId: string;
  @Field() subject: string;
  @Field() action: string;
  @Field() purpose: string;
  @Field() rows: string;
  @Field(() => [String]) fields: string[];
  @Field(() => [String], { description: 'Those of `fields` that some rows in scope may withhold (row-dependent grants)' }) fieldsOnSomeRows: string[];
  @Field(() => [String], { nullable: true }) agreementIds?: string[];
  @Field(() => [TransformedFieldGrant], { nullable: true, description: 'Read entries: fields some grant shares only transformed' })
  transformedFields?: TransformedFieldGrant[];
  @Field(() => JSONScalar, { nullable: true, description: 'Aggregate entries: groupBy, measures and minGroupSize of each aggregate rule' })
  aggregates?: unknown;
  @Field(() => Boolean, { nullable: true, description: 'Aggregate entries: no read rule of the purpose shares rows of the subject' })
  aggregateOnly?: boolean;
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
  ) {}

  @Roles('governance', 'admin')
  @Query(() => [PolicyType])
  async policies(@Context() ctx: GqlContext) {
    const all = await this.store.listInForce();
    note(
      ctx,
      'read',
      all.map((p) => p.partnerId),
    );
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
    return this.store.listVersions(partnerId);
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
  async simulatePolicy(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('input', { type: () => SimulatePolicyInput }) input: Record<string, unknown>,
  ) {
    // Typed as a plain object: the REST validation pipe has no business with GraphQL inputs, which the schema checks.
    note(ctx, 'simulate', [partnerId]);
    return this.governance.simulate(partnerId, {
      action: String(input.action),
      subject: String(input.subject),
      purpose: String(input.purpose),
      record: (input.record as Record<string, unknown> | null) ?? undefined,
      document: input.document ?? undefined,
    });
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async putPolicy(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('document', { type: () => JSONScalar }) document: unknown,
    @Args('note', { type: () => String, nullable: true }) changeNote: string | null,
    @Args('ifMatch', { type: () => Int, nullable: true }) ifMatch: number | null,
  ) {
    const result = await recorded(ctx.req.gateway!.audit, this.admin.put(officerOf(ctx.req), partnerId, document, changeNote, precondition(ifMatch)));
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async rollbackPolicy(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('version', { type: () => Int }) version: number,
    @Args('ifMatch', { type: () => Int, nullable: true }) ifMatch: number | null,
  ) {
    if (version < 1) throw GatewayError.validation(['version must be a version number']);
    const result = await recorded(ctx.req.gateway!.audit, this.admin.rollback(officerOf(ctx.req), partnerId, version, null, precondition(ifMatch)));
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }

  @Roles('governance')
  @Mutation(() => PolicyType)
  async approvePolicyVersion(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('version', { type: () => Int }) version: number,
    @Args('ifMatch', { type: () => Int, nullable: true, description: 'The version in force you reviewed the proposal against; required' })
    ifMatch: number | null,
  ) {
    const result = await recorded(ctx.req.gateway!.audit, this.admin.approve(officerOf(ctx.req), partnerId, version, precondition(ifMatch)));
    return view((await this.store.loadVersion(partnerId, result.version))!);
  }

  @Roles('governance')
  @Mutation(() => PolicyVersionType)
  async rejectPolicyVersion(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('version', { type: () => Int }) version: number,
    @Args('reason') reason: string,
  ) {
    if (reason.trim() === '' || reason.length > 1000) throw GatewayError.validation(['reason must be a non-empty string of at most 1000 characters']);
    await recorded(ctx.req.gateway!.audit, this.admin.reject(officerOf(ctx.req), partnerId, version, reason));
    return (await this.store.listVersions(partnerId)).find((v) => v.version === version);
  }

  @Roles('governance')
  @Mutation(() => PolicyVersionType)
  async withdrawPolicyVersion(
    @Context() ctx: GqlContext,
    @Args('partnerId') partnerId: string,
    @Args('version', { type: () => Int }) version: number,
    @Args('reason', { type: () => String, nullable: true }) reason?: string | null,
  ) {
    if (typeof reason === 'string' && (reason.trim() === '' || reason.length > 1000))
      throw GatewayError.validation(['reason must be a non-empty string of at most 1000 characters']);
    await recorded(ctx.req.gateway!.audit, this.admin.withdraw(officerOf(ctx.req), partnerId, version, reason ?? null));
    return (await this.store.listVersions(partnerId)).find((v) => v.version === version);
  }
}

function precondition(ifMatch: number | null | undefined): IfMatch | undefined {
  if (ifMatch === null || ifMatch === undefined) return undefined;
  if (ifMatch < 0) throw GatewayError.validation(['ifMatch must be a policy version number']);
  return [ifMatch];
}

function note(ctx: GqlContext, action: string, ids: string[]): void {
  const record = ctx.req.gateway!.audit;
  record.add(summaryOf({ actions: [action], subjects: ['Policy'], resourceIds: ids, rowCount: ids.length }));
}
