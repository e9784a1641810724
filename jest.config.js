/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // jest's default leaves a core to its parent process, which only waits: on a 2-core machine
  // that halves the speed (43 s against 31 s for the unit tier).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The real-tool tier (*.tools.test.ts) needs installed binaries: jest.tools.config.js runs it.
  testPathIgnorePatterns: ['/node_modules/', '/test/tools/'],
  // The examples import the package by its published name, as a user's repo would.
  moduleNameMapper: { '^@observability/k8s-stack$': '<rootDir>/lib/index.ts' },
  transform: {
    // Type checking runs once in `npm run lint` (tsc); swc only strips the types, with the
    // options in .swcrc (the ones `npm run synth` runs the stacks with, scripts/register-ts.js).
    '^.+\\.ts$': ['@swc/jest'],
  },
};
