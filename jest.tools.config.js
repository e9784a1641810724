/**
 * The real-tool tier (docs/architecture.md#7-verification-tiers, tier 4): runs promtool and amtool on the rendered
 * configs. Needs the tools installed by `bash scripts/install-tools.sh`; run with
 * `npm run test:tools`. Kept out of `npm test`, which must pass on a machine with Node only.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/tools'],
  testMatch: ['**/*.tools.test.ts'],
  moduleNameMapper: { '^@observability/k8s-stack$': '<rootDir>/lib/index.ts' },
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
  },
  // Each test spawns a Go binary; a cold start of promtool on a slow CI machine takes seconds.
  testTimeout: 60000,
};
