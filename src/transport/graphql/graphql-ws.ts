import { randomUUID } from 'node:crypto';
import {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  parse,
  specifiedRules,
  subscribe,
  validate,
  OperationTypeNode,
} from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { AuditRecord } from '../../audit/audit-record';
import { AuditService } from '../../audit/audit.service';
import { Principal } from '../../auth/principal';
import { TokenVerifier } from '../../auth/token-verifier.service';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { AppConfig } from '../../config/app-config';
import { formatGraphqlError } from './graphql-errors';
import { documentTooLarge, limitRules, maxDocumentBytes } from './graphql-limits';
import { hideSchemaDetailsIn } from './schema-hints';
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
    const code = error instanceof GatewayError ? error.code : codeOf(error.extensions, 'BAD_REQUEST');
    record.fail(status, code, error.message);
    await audit.commit(record, status).catch(() => undefined);
  };
  /** The schema served, as graphql-ws hands it to `validate` (the hooks below are not given it). */
  let served: GraphQLSchema | null = null;
  /**
   * Errors as over HTTP: the same `extensions.code` (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
   * QUERY_TOO_COMPLEX, BAD_USER_INPUT, the gateway's own codes), formatted by the same function, and
   * in production without schema hints.
   */
  const format = (errors: readonly GraphQLError[], payload: SubscribePayload) => {
    const coded = errors.map((e) =>
      e.extensions?.code || e.originalError instanceof GatewayError
        ? e
        : new GraphQLError(e.message, {
            nodes: e.nodes,
            source: e.source,
            positions: e.positions,
            path: e.path,
            originalError: e.originalError,
            extensions: { ...e.extensions, code: isBadUserInput(e) ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR' },
          }),
    );
    if (config.isProduction) hideSchemaDetailsIn(coded, served, { query: payload.query, variables: payload.variables });
    return coded.map((e) => formatGraphqlError(e.toJSON(), e));
  };
  /** A subscription refused before it started (document, limits, variables, role, purpose, policy): audited like any refusal. */
  const auditRefusal = async (ctx: Context<Record<string, unknown>, WsExtra>, id: string, error: GraphQLError, code: string) => {
    const record =
      ctx.extra.records?.get(id) ?? Object.assign(new AuditRecord(randomUUID(), 'graphql', 'graphql-ws subscribe'), { principal: ctx.extra.principal ?? null });
    ctx.extra.records?.delete(id);
    if (record.committed) return;
    const original = error.originalError instanceof GatewayError ? error.originalError : null;
    const status = original?.status ?? (code === 'UNAUTHENTICATED' ? 401 : code === 'INTERNAL' ? 500 : 400);
    record.fail(status, original?.code ?? code, error.message);
    await audit.commit(record, status).catch(() => undefined);
  };

  const slots = new SubscriptionSlots(config.SUBSCRIPTIONS_MAX_PER_CONNECTION, config.SUBSCRIPTIONS_MAX_PER_PARTNER);
  const release = (ctx: Context<Record<string, unknown>, WsExtra>, id: string) => {
    if (ctx.extra.held) slots.release(ctx.extra.held, id, ctx.extra.principal ?? null);
  };
  const rules = limitRules({ maxDepth: config.GRAPHQL_MAX_DEPTH, maxAliases: config.GRAPHQL_MAX_ALIASES, maxCost: config.GRAPHQL_MAX_COST });
  const maxBytes = maxDocumentBytes(config.GRAPHQL_MAX_TOKENS);
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
     * answer is audited before it leaves); the size and token limits apply before parsing, depth,
     * alias and cost limits in `validate` below.
     */
    onSubscribe: (ctx: Context<Record<string, unknown>, WsExtra>, _id: string, payload: SubscribePayload) => {
      let error: GraphQLError | null = null;
      const bytes = Buffer.byteLength(String(payload.query ?? ''), 'utf8');
      if (bytes > maxBytes) return [documentTooLarge(bytes, maxBytes)];
      try {
        const document = parse(payload.query, { maxTokens: config.GRAPHQL_MAX_TOKENS });
        const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        const chosen = payload.operationName ? operations.find((o) => o.name?.value === payload.operationName) : operations[0];
        if (!chosen || chosen.operation !== OperationTypeNode.SUBSCRIPTION) {
          error = new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP POST /graphql.', {
            extensions: { code: 'BAD_REQUEST' },
          });
        } else if (ctx.extra.principal?.expiresAt !== undefined && ctx.extra.principal.expiresAt * 1000 <= Date.now()) {
          error = new GraphQLError('The token has expired.', { extensions: { code: 'UNAUTHENTICATED' } });
        }
      } catch (e) {
        error =
          e instanceof GraphQLError
            ? new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })
            : new GraphQLError('The document cannot be parsed.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      }
      if (!error) {
        // Over the connection's or the partner's cap: refused before it starts (audited in onError).
        const refusal = slots.take((ctx.extra.held ??= new Set()), _id, ctx.extra.principal ?? null);
        if (refusal) error = new GraphQLError(refusal.detail, { originalError: refusal, extensions: { code: refusal.code, ...refusal.extra } });
      }
      return error ? [error] : undefined;
    },
    /** Every refusal before execution (onSubscribe, validate) and every failure of a running subscription. */
    onError: async (ctx: Context<Record<string, unknown>, WsExtra>, id: string, payload: SubscribePayload, errors: readonly GraphQLError[]) => {
      release(ctx, id);
      const formatted = format(errors, payload);
      await auditRefusal(ctx, id, errors[0], codeOf(formatted[0]?.extensions, 'INTERNAL'));
      return formatted;
    },
    /**
     * A result: a delivery, or the refusal of a subscription that did not start (variables that do
     * not coerce, role, purpose, policy), which graphql-js answers as a result with errors only.
     */
    onNext: async (ctx: Context<Record<string, unknown>, WsExtra>, id: string, payload: SubscribePayload, _args: unknown, result: ExecutionResult) => {
      if (!result.errors?.length) return undefined;
      const errors = format(result.errors, payload);
      if (result.data === undefined || result.data === null) await auditRefusal(ctx, id, result.errors[0], codeOf(errors[0]?.extensions, 'INTERNAL'));
      return { ...result, errors };
    },
    onComplete: (ctx: Context<Record<string, unknown>, WsExtra>, id: string) => {
      ctx.extra.records?.delete(id);
      release(ctx, id);
    },
    onClose: (ctx: Context<Record<string, unknown>, WsExtra>) => {
      if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      for (const id of [...(ctx.extra.held ?? [])]) release(ctx, id);
    },
    parse: (source: string) => parse(source, { maxTokens: config.GRAPHQL_MAX_TOKENS }),
    subscribe: (args: ExecutionArgs) => subscribe({ ...args, hideSuggestions: config.isProduction }),
    validate: (schema: GraphQLSchema, document: DocumentNode) => {
      served = schema;
      return validate(schema, document, [...specifiedRules, ...rules], { hideSuggestions: config.isProduction }).map((e) =>
        e.extensions?.code
          ? e
          : new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
      );
    },
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

/** A variable that does not coerce (graphql-js words it so; Apollo reads it the same way over HTTP). */
function isBadUserInput(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : null;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return [' has invalid value', ' got invalid value ', ' of required type ', ' of non-null type '].some((p) =>
    error.message.startsWith(`Variable "$${name}"${p}`),
  );
}

/** The `extensions.code` of a GraphQL error, or the fallback when it has none. */
function codeOf(extensions: Readonly<Record<string, unknown>> | undefined, fallback: string): string {
  return typeof extensions?.code === 'string' ? extensions.code : fallback;
}
