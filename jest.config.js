/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The real-tool tier (*.tools.test.ts) needs installed binaries: jest.tools.config.js runs it.
  testPathIgnorePatterns: ['/node_modules/', '/test/tools/'],
  // The examples import the package by its published name, as a user's repo would.
  moduleNameMapper: { '^@observability/k8s-stack$': '<rootDir>/lib/index.ts' },
  transform: {
    // Type checking runs once in `npm run lint` (tsc); per-file transpilation keeps jest fast.
    '^.+\\.ts$': ['ts-jest', {}],
  },
};
