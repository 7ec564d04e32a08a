// Three projects: unit (pure logic, no engine), integration (a real engine and real registries, brought
// up by scripts/test-env.sh) and reliability (faults and signals; `npm run test:reliability` runs it and
// prints its table). `npm test` runs all three.
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

export default {
  // Files that empty the engine's build cache run last (test/support/sequencer.cjs).
  testSequencer: '<rootDir>/test/support/sequencer.cjs',
  // The CLI's local caches live in a directory of the test run (test/support/jest-global.mjs).
  globalSetup: '<rootDir>/test/support/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, ...ownRegistries, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], slowTestThreshold: 120 },
    // Faults and signals: run by test/reliability/run.mjs, which prints their rows in its table.
    { ...common, ...ownRegistries, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.test.ts'], slowTestThreshold: 300 },
  ],
};
