import { randomUUID } from 'node:crypto';
import { DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, parse, specifiedRules, validate } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { AuditRecord } from '../../audit/audit-record';
import { AuditService } from '../../audit/audit.service';
import { Principal } from '../../auth/principal';
import { TokenVerifier } from '../../auth/token-verifier.service';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { AppConfig } from '../../config/app-config';
import { limitRules } from './graphql-limits';
import { SubscriptionSlots } from './subscription-slots';

interface WsExtra {
  principal?: Principal;
  purpose?: string;
  request?: { headers?: Record<string, string | string[] | undefined> };
  socket?: { close(code: number, reason: string): void };
  expiry?: NodeJS.Timeout;
  records?: Map<string, AuditRecord>;
  /** Ids of the live subscriptions this connection holds (SubscriptionSlots). */
  held?: Set<string>;
}

/**
 * graphql-ws on /graphql: the same authentication (bearer token in connectionParams
 * `authorization`, or the upgrade request's header), the same limits before execution, and an
 * audit event for every refused connection or subscription.
 */
export function graphqlWsOptions(verifier: TokenVerifier, audit: AuditService, config: AppConfig) {
  const refuse = async (principal: Principal | null, operation: string, error: GatewayError | GraphQLError, status: number) => {
    const record = new AuditRecord(randomUUID(), 'graphql', operation);
    record.principal = principal;
    const code = error instanceof GatewayError ? error.code : String(error.extensions?.code ?? 'BAD_REQUEST');
    record.fail(status, code, error.message);
    await audit.commit(record, status).catch(() => undefined);
  };

  const slots = new SubscriptionSlots(config.SUBSCRIPTIONS_MAX_PER_CONNECTION, config.SUBSCRIPTIONS_MAX_PER_PARTNER);
  const release = (ctx: Context<Record<string, unknown>, WsExtra>, id: string) => {
    if (ctx.extra.held) slots.release(ctx.extra.held, id, ctx.extra.principal ?? null);
  };
  const rules = limitRules({ maxDepth: config.GRAPHQL_MAX_DEPTH, maxAliases: config.GRAPHQL_MAX_ALIASES, maxCost: config.GRAPHQL_MAX_COST });
  return {
    onConnect: async (ctx: Context<Record<string, unknown>, WsExtra>) => {
      const params = ctx.connectionParams ?? {};
      const header = (params.authorization ?? params.Authorization ?? ctx.extra.request?.headers?.authorization) as string | undefined;
      try {
        const principal = await verifier.verifyAuthorization(header);
        ctx.extra.principal = principal;
        const purpose = params['x-purpose'] ?? params.purpose;
        ctx.extra.purpose = typeof purpose === 'string' ? purpose : undefined;
        ctx.extra.records = new Map();
        ctx.extra.held = new Set();
        // The connection lives no longer than its token.
        if (principal.expiresAt !== undefined) {
          const ms = Math.max(0, principal.expiresAt * 1000 - Date.now());
          ctx.extra.expiry = setTimeout(() => ctx.extra.socket?.close(4401, 'Token expired'), Math.min(ms, 2_147_000_000));
          ctx.extra.expiry.unref();
        }
        return true;
      } catch (e) {
        await refuse(null, 'graphql-ws connect', e instanceof GatewayError ? e : new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated'), 401);
        return false;
      }
    },
    /**
     * Only subscriptions travel over the socket (queries and mutations go over HTTP, where every
     * answer is audited before it leaves); the token limit applies before parsing, depth, alias and
     * cost limits in `validate` below.
     */
    onSubscribe: async (ctx: Context<Record<string, unknown>, WsExtra>, _id: string, payload: SubscribePayload) => {
      let error: GraphQLError | null = null;
      try {
        const document = parse(payload.query, { maxTokens: config.GRAPHQL_MAX_TOKENS });
        const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        const chosen = payload.operationName ? operations.find((o) => o.name?.value === payload.operationName) : operations[0];
        if (!chosen || chosen.operation !== 'subscription') {
          error = new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP POST /graphql.', { extensions: { code: 'BAD_REQUEST' } });
        } else if (ctx.extra.principal?.expiresAt !== undefined && ctx.extra.principal.expiresAt * 1000 <= Date.now()) {
          error = new GraphQLError('The token has expired.', { extensions: { code: 'UNAUTHENTICATED' } });
        }
      } catch (e) {
        error = e instanceof GraphQLError ? e : new GraphQLError('The document cannot be parsed.');
      }
      if (!error) {
        const refusal = slots.take(ctx.extra.held ??= new Set(), _id, ctx.extra.principal ?? null);
        if (!refusal) return undefined;
        await refuse(ctx.extra.principal ?? null, 'graphql-ws subscribe', refusal, refusal.status);
        return [new GraphQLError(refusal.detail, { originalError: refusal, extensions: { code: refusal.code, ...refusal.extra } })];
      }
      await refuse(ctx.extra.principal ?? null, 'graphql-ws subscribe', error, error.extensions?.code === 'UNAUTHENTICATED' ? 401 : 400);
      return [error];
    },
    /** A subscription refused while it starts (role, purpose, policy) is audited like any refusal. */
    onError: async (ctx: Context<Record<string, unknown>, WsExtra>, id: string, _payload: unknown, errors: readonly GraphQLError[]) => {
      release(ctx, id);
      const record = ctx.extra.records?.get(id);
      ctx.extra.records?.delete(id);
      if (record && !record.committed) {
        const original = errors[0]?.originalError;
        const g = original instanceof GatewayError ? original : null;
        record.fail(g?.status ?? 400, g?.code ?? String(errors[0]?.extensions?.code ?? 'BAD_REQUEST'), errors[0]?.message);
        await audit.commit(record, g?.status ?? 400).catch(() => undefined);
      }
      return errors.map((e) => new GraphQLError(e.message, {
        nodes: e.nodes, path: e.path,
        extensions: e.originalError instanceof GatewayError ? { code: e.originalError.code, ...e.originalError.extra } : { code: e.extensions?.code ?? 'INTERNAL' },
      }).toJSON());
    },
    onComplete: (ctx: Context<Record<string, unknown>, WsExtra>, id: string) => {
      ctx.extra.records?.delete(id);
      release(ctx, id);
    },
    onClose: (ctx: Context<Record<string, unknown>, WsExtra>) => {
      if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      for (const id of [...(ctx.extra.held ?? [])]) release(ctx, id);
    },
    validate: (schema: GraphQLSchema, document: DocumentNode) => validate(schema, document, [...specifiedRules, ...rules]),
    /** Each subscription gets a request-like context, so guards and resolvers work as over HTTP. */
    context: (ctx: Context<Record<string, unknown>, WsExtra>, id: string) => {
      const audit = new AuditRecord(randomUUID(), 'graphql', 'graphql subscription');
      ctx.extra.records?.set(id, audit);
      audit.principal = ctx.extra.principal ?? null;
      const req = {
        headers: { ...(ctx.extra.purpose ? { 'x-purpose': ctx.extra.purpose } : {}) },
        gateway: { audit, principal: ctx.extra.principal ?? null, authError: null },
      } as unknown as GatewayRequest;
      return { req };
    },
  };
}
