// Unit tests live next to the code (src, *.spec.ts); end-to-end tests in test/ (real HTTP, real databases).
const { availableParallelism } = require('node:os');

const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };

module.exports = {
  testTimeout: 60000,
  // Files run side by side: each has its own database (a SQLite file or a PostgreSQL database) and its own
  // Redis key prefix where it shares Redis. At least two workers even on two cores: much of an e2e file's
  // time is spent waiting on child processes, the browser and the database.
  maxWorkers: Math.max(2, Math.min(availableParallelism(), 4)),
  // Each test file loads the whole application again; a worker that has grown past this is replaced
  // rather than left to spend its time collecting garbage.
  workerIdleMemoryLimit: '1GB',
  projects: [
    { displayName: 'unit', testEnvironment: 'node', rootDir: '.', roots: ['<rootDir>/src'], testMatch: ['**/*.spec.ts'], transform },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      // *.pg-e2e-spec.ts need PostgreSQL (replicas on one database); they run in the PostgreSQL pass.
      testMatch: process.env.DATABASE_URL ? ['**/*.e2e-spec.ts', '**/*.pg-e2e-spec.ts'] : ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/announce-postgres-only.ts',
      transform,
    },
  ],
};
