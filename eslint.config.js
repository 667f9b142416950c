// Lint: ESLint's and typescript-eslint's recommended rules (syntax-only, fast).
// Formatting is Prettier's (.prettierrc.json); `npm run lint` runs both and tsc.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench/out/',
      '.stryker-tmp/',
      'reports/',
      'fixtures/**/*.py',
      '**/*.d.mts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        URL: 'readonly',
        NodeJS: 'readonly',
        BigInt: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      // Control characters in regexes are deliberate here: the sanitizers match them.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // noUncheckedIndexedAccess is on (tsconfig.json): in src/ a read that the
    // code's invariants guarantee is checked (model/checked.ts at/must, a
    // loop over values, a typed table), not asserted with `!`; in the tests
    // too, so a missing row fails with its name instead of a TypeError later.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
);
