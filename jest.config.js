// Unit tests live next to the code (src, *.spec.ts); end-to-end tests in test/ (real HTTP, real databases).
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };

module.exports = {
  testTimeout: 60000,
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
      transform,
    },
  ],
};
