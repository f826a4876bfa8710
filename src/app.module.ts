import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { levels } from 'pino';
import { GovernedDataService } from './access/governed-data.service';
import { GovernedWriteService } from './access/governed-write.service';
import { WriteTransactions } from './access/write-transactions';
import { AuditController } from './transport/rest/audit.controller';
import { AuditQueryService } from './audit/audit-query.service';
import { AuditEventRulesService } from './audit/audit-event-rules.service';
import { AuditResolver } from './transport/graphql/audit.resolver';
import { AuditService } from './audit/audit.service';
import { AuthGuard } from './transport/guards/auth.guard';
import { RouteOperationGuard } from './transport/guards/route-operation.guard';
import { JwksController } from './auth/jwks.controller';
import { TokenVerifier } from './auth/token-verifier.service';
import { AppConfig, validateConfig } from './config/app-config';
import { BootstrapService } from './bootstrap/bootstrap.service';
import { connectRetryOptions } from './database/connect-retry';
import { dataSourceOptions } from './bootstrap/data-source-options';
import { DatabaseService } from './database/database.service';
import { AuditWritableProbe } from './health/audit-writable.probe';
import { HealthController } from './health/health.controller';
import { MetricsService } from './observability/metrics.service';
import { ShutdownState } from './health/shutdown-state';
import { IdempotencyService } from './idempotency/idempotency.service';
import { PartnerRateLimitGuard } from './transport/guards/partner-rate-limit.guard';
import { rateLimitStorageProvider } from './rate-limit/rate-limit-storage';
import { PolicyController } from './transport/rest/policy.controller';
import { GovernanceService } from './governance/governance.service';
import { PolicyAdministration } from './governance/policy-administration.service';
import { PolicyResolver } from './transport/graphql/policy.resolver';
import { PolicyService } from './policy/policy.service';
import { DataResolver } from './transport/graphql/data.resolver';
import { AggregateResolver } from './transport/graphql/aggregate.resolver';
import { GraphqlAdapter, raiseWithheldFields } from './transport/graphql/graphql-adapter';
import { graphqlAuditPlugin } from './transport/graphql/graphql-audit.plugin';
import { OpenApiHost } from './transport/openapi-host';
import { subscriptionsOverWsPlugin } from './transport/graphql/subscriptions-over-ws.plugin';
import { uncacheableAnswersPlugin } from './transport/graphql/uncacheable-answers.plugin';
import { graphqlWsOptions } from './transport/graphql/graphql-ws';
import { partnerIntrospectionPlugin } from './transport/graphql/partner-introspection.plugin';
import { ShipmentUpdatesResolver } from './transport/graphql/shipment-updates.resolver';
import { ShipmentChanges } from './logistics/shipment-changes.service';
import { formatGraphqlError } from './transport/graphql/graphql-errors';
import { limitRules } from './transport/graphql/graphql-limits';
import { schemaHintsPlugin } from './transport/graphql/schema-hints';
import { ProblemFilter } from './transport/problem.filter';
import { CapacitySignalsController } from './transport/rest/capacity-signals.controller';
import { DemandSignalsController } from './transport/rest/demand-signals.controller';
import { AggregatesController } from './transport/rest/aggregates.controller';
import { AggregateService } from './access/aggregate.service';
import { RestAdapter } from './transport/rest/rest-adapter';
import { ShipmentsController } from './transport/rest/shipments.controller';
import { ShipmentEventsController } from './transport/rest/shipment-events.controller';
import { EpcisController } from './transport/rest/epcis.controller';
import { DataQualityController } from './transport/rest/data-quality.controller';
import { DataQualityService } from './logistics/data-quality.service';
import { MeService } from './me/me.service';
import { MeController } from './transport/rest/me.controller';
import { AgreementsService } from './agreements/agreements.service';
import { AgreementsController, MyAgreementsController } from './transport/rest/agreements.controller';
import { ConsoleController } from './transport/rest/console.controller';
import { DemoSignInService } from './console/demo-sign-in.service';
import { validationPipe } from './transport/rest/validation-pipe';
import { WebhooksController } from './transport/rest/webhooks.controller';
import { WebhookQueue } from './webhooks/webhook-queue';
import { PublishShipmentChanges, RecordChanges } from './access/record-changes';
import { EpcisEventsService } from './logistics/epcis/epcis-events.service';
import { ShipmentEventStore } from './logistics/shipment-event-store';
import { ShipmentEventsService } from './logistics/shipment-events.service';
import { IdempotentTransactions } from './idempotency/idempotent-transactions';
import { WebhookWorker } from './webhooks/webhook-worker';
import { WebhooksService } from './webhooks/webhooks.service';
import { AccessObserver } from './access/access-observer';
import { ShadowEvaluator } from './shadow/shadow-evaluator';
import { ShadowService } from './shadow/shadow.service';
import { ShadowController } from './transport/rest/shadow.controller';

@Module({})
export class AppModule {
  /** The whole gateway; `overrides` replace environment settings (tests use them). */
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    const config = validateConfig({ ...process.env, ...overrides });
    const configProvider = { provide: AppConfig, useValue: config };
    return {
      module: AppModule,
      global: true,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ ...config })] }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            genReqId: (req) => (req as { id?: string }).id ?? String(req.headers['x-request-id'] ?? ''),
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
            quietReqLogger: true,
          },
          // Request logs are written at info. Above it, pino-http would still run on every request
          // (a child logger, a request id, a finish listener) to write nothing but its line for a
          // 5xx; it is left out, and unexpected errors are still logged, with their stack, by the
          // error filter (src/transport/problem.ts) through the same root logger.
          ...((levels.values[config.LOG_LEVEL] ?? Infinity) > levels.values.info ? { forRoutes: [] } : {}),
        }),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config), ...connectRetryOptions() }),
        TerminusModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [AuditService, TokenVerifier, MeService],
          useFactory: (audit: AuditService, verifier: TokenVerifier, me: MeService) => ({
            autoSchemaFile: true,
            sortSchema: true,
            path: '/graphql',
            playground: false,
            introspection: !config.isProduction,
            includeStacktraceInErrorResponses: false,
            hideSchemaDetailsFromClientErrors: config.isProduction,
            validationOptions: { hideSuggestions: config.isProduction },
            allowBatchedHttpRequests: false,
            csrfPrevention: true,
            context: ({ req }: { req: unknown }) => ({ req }),
            validationRules: limitRules({ maxDepth: config.GRAPHQL_MAX_DEPTH, maxAliases: config.GRAPHQL_MAX_ALIASES, maxCost: config.GRAPHQL_MAX_COST }),
            parseOptions: { maxTokens: config.GRAPHQL_MAX_TOKENS },
            formatError: formatGraphqlError,
            transformSchema: raiseWithheldFields,
            plugins: [
              ApolloServerPluginCacheControlDisabled(),
              uncacheableAnswersPlugin(),
              subscriptionsOverWsPlugin(),
              graphqlAuditPlugin(audit),
              partnerIntrospectionPlugin((caller, served) => me.graphqlView(caller, served)),
              ...(config.isProduction ? [schemaHintsPlugin()] : []),
            ],
            subscriptions: { 'graphql-ws': graphqlWsOptions(verifier, audit, config) as never },
          }),
        }),
      ],
      controllers: [
        HealthController,
        JwksController,
        PolicyController,
        ShadowController,
        AuditController,
        AggregatesController,
        DemandSignalsController,
        CapacitySignalsController,
        ShipmentsController,
        ShipmentEventsController,
        EpcisController,
        DataQualityController,
        MeController,
        WebhooksController,
        AgreementsController,
        MyAgreementsController,
        ConsoleController,
      ],
      providers: [
        configProvider,
        OpenApiHost,
        ShutdownState,
        AuditWritableProbe,
        MetricsService,
        DatabaseService,
        BootstrapService,
        TokenVerifier,
        AuditService,
        AuditQueryService,
        AuditEventRulesService,
        PolicyService,
        GovernanceService,
        PolicyAdministration,
        AgreementsService,
        IdempotencyService,
        GovernedDataService,
        GovernedWriteService,
        { provide: WriteTransactions, useClass: IdempotentTransactions },
        ShipmentEventsService,
        ShipmentEventStore,
        DataQualityService,
        EpcisEventsService,
        AggregateService,
        MeService,
        DemoSignInService,
        RestAdapter,
        GraphqlAdapter,
        DataResolver,
        AggregateResolver,
        AuditResolver,
        PolicyResolver,
        ShipmentUpdatesResolver,
        ShipmentChanges,
        WebhookQueue,
        { provide: RecordChanges, useExisting: WebhookQueue },
        { provide: PublishShipmentChanges, useExisting: ShipmentChanges },
        ShadowEvaluator,
        { provide: AccessObserver, useExisting: ShadowEvaluator },
        ShadowService,
        WebhooksService,
        WebhookWorker,
        { provide: APP_GUARD, useClass: RouteOperationGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        // A provider of its own, so a module composed from this one can replace it by its class.
        PartnerRateLimitGuard,
        { provide: APP_GUARD, useExisting: PartnerRateLimitGuard },
        rateLimitStorageProvider,
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useValue: validationPipe() },
      ],
      exports: [AppConfig, AuditService, DatabaseService, MetricsService, TokenVerifier, MeService],
    };
  }
}
