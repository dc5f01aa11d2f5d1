/**
 * ts-jest in ESM mode; run with NODE_OPTIONS=--experimental-vm-modules (see package.json).
 * Two projects: `unit` runs in parallel; `timing` holds the tests whose bounds depend on wall-clock
 * time (TTFC bounds, staircases, pool sizes) and runs on its own, serially (`npm test` runs it with
 * --runInBand after the rest), so a busy machine does not make them flaky; a failed timing test is
 * retried twice (helpers/retry-timing.ts), its failure printed first.
 */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.ts',
};

export default {
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/**/*.test.ts'], testPathIgnorePatterns: ['/__tests__/timing/'] },
    {
      ...common,
      displayName: 'timing',
      testMatch: ['<rootDir>/__tests__/timing/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/retry-timing.ts'],
    },
  ],
};
