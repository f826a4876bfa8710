/**
 * The layers of the gateway, as rules the checker enforces (`npm run deps:check`, part of `npm run check`).
 *
 *   main.ts, app.module.ts, cli/, bootstrap/ (wiring, start-up, seeding)
 *   (bench/: the benchmark-only ungoverned gateway, its own entry; nothing above imports it)
 *       ↓
 *   transport (REST controllers, GraphQL resolvers, the graphql-ws server)
 *       ↓ only through the domain services
 *   domain services, each folder importing only folders below it (no cycle between folders):
 *     governance, me, webhooks, logistics, idempotency  (built on the governed reads and writes)
 *     access                                           (the governed reads and writes)
 *     policy, agreements, audit, auth, rate-limit, ...
 *       ↓
 *   persistence and shared helpers: database, data (the catalog, the subjects' entities built from it), common
 *
 * docs/architecture.md ("Layers") shows the same picture, and its rules table is written from this file
 * (npm run -s docs:layers).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders are capabilities; two that import each other are one capability split in the wrong place.',
      scope: 'folder',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module cycle means two pieces of code cannot be understood or tested one without the other.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'domain-not-to-transport',
      severity: 'error',
      comment: 'Policy, audit, access, data and logistics know nothing of HTTP or GraphQL: transports call them, never the reverse.',
      from: { path: '^src/(policy|audit|access|data|logistics|idempotency|auth|rate-limit|common|database|me|agreements|webhooks)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^src/transport/' },
    },
    {
      name: 'domain-not-to-web-frameworks',
      severity: 'error',
      comment: 'Express and GraphQL types belong to the transport layer.',
      from: { path: '^src/(policy|audit|access|data|logistics|idempotency|common|database|me|agreements|webhooks)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '(^|/)node_modules/(express|@types/express|@nestjs/graphql|@nestjs/apollo|@apollo/server|graphql-ws)/' },
    },
    {
      name: 'transport-not-to-persistence',
      severity: 'error',
      comment: 'Transports reach data only through the governed services, which scope rows, judge fields and audit.',
      from: { path: '^src/transport/' },
      to: {
        path: [
          '^src/database/',
          '\\.entity\\.ts$',
          '^src/data/(entities|catalog-entity)\\.ts$',
          '(^|/)node_modules/typeorm/',
          '(^|/)node_modules/@nestjs/typeorm/',
        ],
      },
    },
    {
      name: 'entities-are-leaves',
      severity: 'error',
      comment: 'Entities describe tables; they import nothing above them.',
      from: { path: '\\.entity\\.ts$' },
      to: { path: '^src/', pathNot: ['\\.entity\\.ts$', '^src/data/(column-name|subjects)\\.ts$'] },
    },
    {
      name: 'persistence-at-the-bottom',
      severity: 'error',
      comment:
        'The database connection, the subject catalog and entities, and the shared helpers sit under every service: they import nothing above them (start-up and seeding live in bootstrap/ and demo/).',
      from: { path: '^src/(database|data|common)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(database|data|common)/' },
    },
    {
      name: 'production-not-to-bench',
      severity: 'error',
      comment:
        'bench/ is the benchmark-only ungoverned gateway, its own entry (bench/ungoverned-main.ts) composed from AppModule; nothing the gateway runs may reach it.',
      from: { path: '^src/', pathNot: '^src/bench/' },
      to: { path: '^src/bench/' },
    },
    {
      name: 'testing-only-in-bench',
      severity: 'error',
      comment: "Nest's testing module replaces providers; only the benchmark's entry composes the gateway that way.",
      from: { path: '^src/', pathNot: ['^src/bench/', '\\.spec\\.ts$'] },
      to: { path: '(^|/)node_modules/@nestjs/testing/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A source file nothing imports and nothing runs is dead code.',
      from: { orphan: true, path: '^src', pathNot: ['\\.spec\\.ts$', '^src/main\\.ts$', '^src/cli/', '\\.d\\.ts$', '^src/database/migrations/'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
