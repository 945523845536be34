// Test tiers. `npm test` runs every tier; `npm run test:<tier>` runs one. The unit tier is pure and
// in-process (no build, no external service), so it is the inner loop: `npm run test:watch`.
const tsJest = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: {
    // Transpile only: types are checked once, by `npm run typecheck`, not again per test file.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
};

const SLOW = '\\.slow\\.test\\.ts$';

/** One tier: the test files under `dir`, without the slow ones unless the tier is `slow`. */
function tier(name, testMatch, ignore = [SLOW]) {
  return {
    ...tsJest,
    displayName: name,
    rootDir: '.',
    testMatch,
    testPathIgnorePatterns: ['/node_modules/', ...ignore],
  };
}

export default {
  testTimeout: 30_000,
  // Most suites wait on processes and timers, not the CPU: two at a time fit a 2-core machine.
  maxWorkers: 2,
  projects: [
    tier('unit', ['<rootDir>/test/unit/**/*.test.ts']),
    tier('contract', ['<rootDir>/test/contract/**/*.test.ts']),
    tier('integration', [
      '<rootDir>/test/integration/**/*.test.ts',
      '<rootDir>/test/acceptance/**/*.test.ts',
      '<rootDir>/test/differential/**/*.test.ts',
    ]),
    tier('e2e', ['<rootDir>/test/e2e/**/*.test.ts']),
    tier('slow', ['<rootDir>/test/**/*.slow.test.ts'], []),
  ],
};
