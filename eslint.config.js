// ESLint flat config: typescript-eslint's recommended rules plus import hygiene. Formatting is
// prettier's job (`npm run lint` runs both); rules here are about correctness and boundaries.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const globals = require('globals');

module.exports = tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'api/**',
      'docs/api/**',
      '.cache/**',
      'node_modules/**',
      'test/consumer/**/node_modules/**',
      // Runs in Filebeat's ES5.1 engine (goja), not in Node.js; its own tests exercise it.
      'lib/filebeat/log-processing-script.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      // Unused names are compile errors already (tsconfig noUnusedLocals); `_` marks the
      // intentionally unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'import-x/no-duplicates': 'error',
      'import-x/first': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      // Test and tool code may use devDependencies; the published library may not.
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: [
            'test/**',
            'bench/**',
            'stacks/**',
            'examples/**',
            'scripts/**',
            '*.config.js',
            'eslint.config.js',
          ],
          peerDependencies: true,
          optionalDependencies: false,
        },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // The library: no console output, no process exits; everything reaches users as values
    // or errors at synthesis.
    files: ['lib/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../test/*', '../test/*', '../../stacks/*', '../stacks/*'],
              message: 'The library must not depend on tests or entry points.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benches read parsed manifests and tool responses, which are untyped JSON.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
