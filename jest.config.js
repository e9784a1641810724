/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking runs once in `npm run lint` (tsc); per-file transpilation keeps jest fast.
    '^.+\\.ts$': ['ts-jest', {}],
  },
};
