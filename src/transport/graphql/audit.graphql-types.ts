import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from './graphql-types';

@ObjectType('AuditActor')
export class AuditActorType {
  @Field(() => String, { nullable: true }) sub: string | null;
  @Field(() => String, { nullable: true }) partnerId: string | null;
  @Field(() => [String]) roles: string[];
}

@ObjectType('AuditEvent')
export class AuditEventType {
  @Field(() => ID) id: string;
  @Field(() => Int) seq: number;
  @Field() at: string;
  @Field() requestId: string;
  @Field(() => AuditActorType) actor: AuditActorType;
  @Field() transport: string;
  @Field() operation: string;
  @Field(() => String, { nullable: true }) action: string | null;
  @Field(() => String, { nullable: true }) subject: string | null;
  @Field(() => [String]) resourceIds: string[];
  @Field(() => String, { nullable: true }) purpose: string | null;
  @Field() decision: string;
  @Field(() => Int) status: number;
  @Field(() => String, { nullable: true }) code: string | null;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => [String]) fieldsReturned: string[];
  @Field(() => [String]) fieldsDenied: string[];
  @Field(() => Int) rowCount: number;
  @Field(() => Int, { nullable: true }) policyVersion: number | null;
  @Field(() => [String]) ruleIds: string[];
  @Field(() => Int) latencyMs: number;
  @Field() prevHash: string;
  @Field() hash: string;
}

@ObjectType('AuditEventConnection')
export class AuditEventConnection {
  @Field(() => [AuditEventType]) nodes: AuditEventType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType('AuditEventFilter')
export class AuditEventFilterInput {
  @Field(() => String, { nullable: true }) partnerId?: string;
  @Field(() => String, { nullable: true }) sub?: string;
  @Field(() => String, { nullable: true }) subject?: string;
  @Field(() => String, { nullable: true }) decision?: string;
  @Field(() => String, { nullable: true, description: 'RFC 3339 date-time or YYYY-MM-DD, inclusive' }) from?: string;
  @Field(() => String, { nullable: true, description: 'RFC 3339 date-time or YYYY-MM-DD, exclusive' }) to?: string;
  @Field(() => String, { nullable: true, description: 'Events that addressed or returned this record, refused ones included' }) resourceId?: string;
  @Field(() => String, { nullable: true, description: 'Events that returned or were denied this field' }) field?: string;
}

@ObjectType('AuditVerification')
export class AuditVerificationType {
  @Field() ok: boolean;
  @Field(() => Int) checked: number;
  @Field(() => String, { nullable: true }) head: string | null;
  @Field(() => Int) headSeq: number;
  @Field(() => Int, { nullable: true }) brokenSeq?: number;
  @Field(() => String, { nullable: true }) reason?: string;
  @Field(() => String, { nullable: true }) detail?: string;
}
