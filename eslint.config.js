// Lint: typescript-eslint's recommended rules over the TypeScript sources. Formatting is
// prettier's job (npm run format:check); module boundaries are dependency-cruiser's
// (.dependency-cruiser.cjs); dead exports are knip's (knip.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'build/', 'bench/results/', 'public/', 'docs/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // Input validation matches control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Plain-JavaScript tools run by node before any TypeScript is compiled (scripts/build.mjs).
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly' } },
  },
  {
    // Command-line entry points and benchmarks print to the terminal.
    files: ['server/cli.ts', 'server/db/cli.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
