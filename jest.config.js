// Four projects: unit (pure logic, no engine), integration (a real engine and real registries, brought up
// by scripts/test-env.sh; its files run side by side in workers), integration-serial (the files that empty
// the engine's whole build cache, run one by one after the rest) and reliability (faults and signals;
// `npm run test:reliability` runs it and prints its table). `npm test` runs all four.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }] },
};

// The projects that use the engine get a run id and registries of the test run's own (test/support/run-registries.mjs).
const ownRegistries = {
  globalSetup: '<rootDir>/test/support/run-registries-setup.mjs',
  globalTeardown: '<rootDir>/test/support/run-registries-teardown.mjs',
};

// `docker builder prune --all` plays a fresh runner; it empties the build cache of every file running beside
// it (and another file's build would warm the "cold" one), so these files run alone, after the others.
const PRUNING = ['cache', 'action-cache', 'concurrency'].map((f) => `<rootDir>/test/integration/${f}.test.ts`);
// Files running side by side see each other's temp files: each gets a TMPDIR of its own.
const fileTemp = { testEnvironment: '<rootDir>/test/support/file-environment.cjs' };

export default {
  // Longest files first, also on a fresh clone (test/support/sequencer.cjs).
  testSequencer: '<rootDir>/test/support/sequencer.cjs',
  // The CLI's local caches live in a directory of the test run (test/support/jest-global.mjs).
  globalSetup: '<rootDir>/test/support/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      ...ownRegistries,
      ...fileTemp,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: PRUNING,
      slowTestThreshold: 120,
    },
    {
      ...common,
      ...ownRegistries,
      ...fileTemp,
      displayName: 'integration-serial',
      testMatch: PRUNING,
      slowTestThreshold: 120,
    },
    // Faults and signals: run by test/reliability/run.mjs, which prints their rows in its table.
    {
      ...common,
      ...ownRegistries,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      slowTestThreshold: 300,
    },
  ],
};
