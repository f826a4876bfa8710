import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? ['true', '1', 'yes'].includes(value.toLowerCase())
      ? true
      : ['false', '0', 'no'].includes(value.toLowerCase())
        ? false
        : value
    : value;
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
const toDecimal = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every setting of the gateway. Values come from the environment (.env.example lists them);
 * a bad value stops the start with a message naming the setting.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Where the embedded SQLite database and the generated signing keys live. */
  @IsString()
  DATA_DIR = './data';

  /** postgres://… switches the store to PostgreSQL; unset means embedded SQLite. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_MAX = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  DB_STATEMENT_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  DB_CONNECT_TIMEOUT_MS = 3000;

  /**
   * PostgreSQL `idle_in_transaction_session_timeout`: the server ends a transaction that waits this
   * long for its next statement. The gateway never waits inside a transaction but for the database,
   * so this only ends transactions whose client is gone (a connection it abandoned after a timeout,
   * on a network that delivers no close), and with them their locks.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10000;

  /** Run pending migrations when the gateway starts (they can also be run with `npm run migration:run`). */
  @Transform(toBool)
  @IsBoolean()
  DB_MIGRATE_ON_START = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** Prefix of every Redis key and channel, so deployments can share one Redis without hearing each other. */
  @Matches(/^[A-Za-z0-9:._-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits or :._-' })
  REDIS_KEY_PREFIX = 'gateway:';

  @IsString()
  JWT_ISSUER = 'https://gateway.local';

  @IsString()
  JWT_AUDIENCE = 'partner-data-gateway';

  /** Remote JWKS (production). Unset: a key pair is created under DATA_DIR/keys and published. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'JWT_JWKS_URL must be an http(s) URL' })
  JWT_JWKS_URL?: string;

  /** The pseudonym transform's secret (at least 32 characters); unset: one created under DATA_DIR/keys. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, { message: 'PSEUDONYM_KEY must be 32 to 256 visible ASCII characters' })
  PSEUDONYM_KEY?: string;
  /**
   * A private key file (PEM or JWK) every replica signs audit checkpoints with, its public half
   * published at GET /api/v1/audit-events/checkpoint-keys. Unset: each replica's embedded key.
   * Read and checked at start (src/audit/checkpoint-key.ts).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUDIT_CHECKPOINT_KEY_FILE?: string;

  /** OpenID Connect issuer the console signs in with (authorization code + PKCE); closes demo sign-in. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'OIDC_ISSUER must be an http(s) URL' })
  OIDC_ISSUER?: string;

  /** The console's client id at OIDC_ISSUER. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OIDC_CLIENT_ID?: string;

  /**
   * With OIDC_ISSUER: the token claim that holds the caller's roles (an array, or names separated by
   * spaces or commas; names that are not gateway roles are ignored). A dotted path reaches into an
   * object (`realm_access.roles`) when no claim has the whole name.
   */
  @Matches(/^[A-Za-z0-9_:/.#-]{1,200}$/, { message: 'OIDC_ROLES_CLAIM must be a claim name or dotted path (letters, digits, _:/.#-)' })
  OIDC_ROLES_CLAIM = 'roles';

  /** With OIDC_ISSUER: the token claim that names the partner the caller acts for (same form as OIDC_ROLES_CLAIM). */
  @Matches(/^[A-Za-z0-9_:/.#-]{1,200}$/, { message: 'OIDC_PARTNER_CLAIM must be a claim name or dotted path (letters, digits, _:/.#-)' })
  OIDC_PARTNER_CLAIM = 'partner_id';

  /** With OIDC_ISSUER: the scopes the console asks for at sign-in (space-separated, `openid` among them). */
  @Matches(/^(?=(?:.* )?openid(?: |$))[\x21-\x7e]+(?: [\x21-\x7e]+)*$/, { message: 'OIDC_SCOPE must be space-separated scopes including openid' })
  OIDC_SCOPE = 'openid';

  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (its counters name partners). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{24,256}$/, { message: 'METRICS_TOKEN must be 24 to 256 visible ASCII characters' })
  METRICS_TOKEN?: string;

  /** Remote JWKS: after a fetch, tokens with an unknown kid trigger no new fetch for this long. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600000)
  JWT_JWKS_COOLDOWN_MS = 30000;

  /** Remote JWKS: keys are refetched once the last fetch is this old (a removed key stops verifying then). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(86400000)
  JWT_JWKS_CACHE_MAX_AGE_MS = 600000;

  /** Remote JWKS: a fetch (connection to last byte) takes at most this long; then 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  JWT_JWKS_TIMEOUT_MS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE_S = 30;

  /** Tokens older than this (by iat) are refused; 0 disables the check. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  JWT_MAX_AGE_S = 86400;

  @Transform(toInt)
  @IsInt()
  @Min(512)
  @Max(65536)
  JWT_MAX_TOKEN_BYTES = 8192;

  /** A verified token is taken as verified again for at most this long (s; never past its exp); 0 verifies every request. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_VERIFY_CACHE_TTL_S = 60;

  /** Verified tokens kept at most (least recently used first out). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  JWT_VERIFY_CACHE_MAX = 10000;

  @IsString()
  POLICIES_DIR = './policies';

  @Transform(toBool)
  @IsBoolean()
  SEED_DEMO = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  BODY_LIMIT = '1mb';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  REQUEST_TIMEOUT_MS = 30000;

  /** After SIGTERM: how long readiness reports draining before the server stops accepting. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60000)
  SHUTDOWN_DRAIN_DELAY_MS = 200;

  /** After SIGTERM: the longest a graceful shutdown may take before the process exits anyway. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(300000)
  SHUTDOWN_TIMEOUT_MS = 10000;

  /** Comma-separated allowed origins; empty means no CORS headers at all. */
  @IsString()
  CORS_ORIGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  GRAPHQL_MAX_DEPTH = 8;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  GRAPHQL_MAX_COST = 20000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  GRAPHQL_MAX_ALIASES = 30;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100000)
  GRAPHQL_MAX_TOKENS = 2000;

  /** Live subscriptions one graphql-ws connection may hold at once; one more is refused (SUBSCRIPTION_LIMIT). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SUBSCRIPTIONS_MAX_PER_CONNECTION = 10;

  /** Live subscriptions one partner may hold at once on a replica, over all its connections. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  SUBSCRIPTIONS_MAX_PER_PARTNER = 50;

  /**
   * Subscription deliveries a partner may receive per minute (over all its subscriptions; shared by
   * the replicas with REDIS_URL). Over it, each subscription that has a delivery due is ended
   * with SUBSCRIPTION_BUDGET_EXCEEDED.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000000)
  SUBSCRIPTIONS_DELIVERIES_PER_MINUTE = 600;

  /** Webhooks: delivery attempts per event before the endpoint is disabled with a reason. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  WEBHOOK_MAX_ATTEMPTS = 8;

  /** Webhooks: how long one delivery attempt may take (connect, send, answer) before it counts as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  WEBHOOK_TIMEOUT_MS = 5000;

  /** Webhooks: the first retry waits about this long; each further one twice as long (with jitter), up to WEBHOOK_BACKOFF_MAX_MS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400000)
  WEBHOOK_BACKOFF_BASE_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(604800000)
  WEBHOOK_BACKOFF_MAX_MS = 21600000;

  /** Webhooks: how often each replica looks for deliveries that are due. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600000)
  WEBHOOK_POLL_MS = 1000;

  /**
   * Webhooks: allow endpoints on loopback, link-local, private and unique-local addresses (and
   * then plain http: too), for tests and private networks. Off: such URLs are refused (SSRF).
   */
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /**
   * Group commit: events arriving while a flush runs share the next transaction anyway; this adds
   * a wait (ms) to gather more per transaction, at the cost of latency. 0 = flush at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  AUDIT_FLUSH_MS = 0;

  // Each event binds 25 parameters; 1,000 stays well inside SQLite's 32,766 and PostgreSQL's 65,535.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  AUDIT_MAX_BATCH = 256;

  /** Largest request body of a logistics push (event batch, EPCIS capture), which may hold up to 1,000 events. */
  @IsString()
  PUSH_BODY_LIMIT = '10mb';

  /** How long a write's Idempotency-Key is remembered (and replayed); older keys are purged. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8760)
  IDEMPOTENCY_RETENTION_HOURS = 24;

  /** Data quality: an event whose occurredAt is more than this many hours before its receipt counts as late. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8760)
  DATA_QUALITY_LATE_AFTER_HOURS = 24;

  /**
   * Shadow mode: the fraction (0 to 1) of a partner's requests evaluated against its candidate policy
   * when governance runs one (docs/governance-guide.md, "Shadow mode"). 0 evaluates none.
   */
  @Transform(toDecimal)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  SHADOW_SAMPLE_RATE = 1;

  /** Tokens come from an OpenID Connect issuer (OIDC_ISSUER and OIDC_CLIENT_ID are both set). */
  get oidcEnabled(): boolean {
    return Boolean(this.OIDC_ISSUER && this.OIDC_CLIENT_ID);
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get databaseKind(): 'sqlite' | 'postgres' {
    return this.DATABASE_URL ? 'postgres' : 'sqlite';
  }
}

export class ConfigValidationError extends Error {}

/**
 * Validates raw settings; throws one error listing every bad setting by name. `serving: false` is
 * for the operator CLIs, which open the database or sign tokens but serve nothing.
 */
export function validateConfig(raw: Record<string, unknown>, { serving = true }: { serving?: boolean } = {}): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked: Record<string, unknown> = {};
  for (const key of [
    ...known,
    'DATABASE_URL',
    'REDIS_URL',
    'JWT_JWKS_URL',
    'METRICS_TOKEN',
    'PSEUDONYM_KEY',
    'OIDC_ISSUER',
    'OIDC_CLIENT_ID',
    'AUDIT_CHECKPOINT_KEY_FILE',
  ]) {
    if (raw[key] !== undefined) picked[key] = raw[key];
  }
  const config = plainToInstance(AppConfig, picked);
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got ${JSON.stringify(e.value)})`);
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const badOrigins = origins.filter((o) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
  if (badOrigins.length > 0) {
    problems.push(
      `CORS_ORIGINS: each entry must be an origin such as https://portal.example.com ("*", paths and wildcards are not allowed) (got ${JSON.stringify(badOrigins)})`,
    );
  }
  if (Boolean(config.OIDC_ISSUER) !== Boolean(config.OIDC_CLIENT_ID)) {
    problems.push('OIDC_ISSUER, OIDC_CLIENT_ID: set both (OpenID Connect sign-in) or neither');
  }
  if (config.OIDC_ISSUER && config.isProduction && !config.OIDC_ISSUER.startsWith('https://')) {
    problems.push(`OIDC_ISSUER: must be an https URL when NODE_ENV=production (got ${JSON.stringify(config.OIDC_ISSUER)})`);
  }
  if (serving && config.isProduction && !config.METRICS_TOKEN) {
    problems.push('METRICS_TOKEN: must be set when NODE_ENV=production (GET /metrics names partners; scrape it with Authorization: Bearer <METRICS_TOKEN>)');
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
