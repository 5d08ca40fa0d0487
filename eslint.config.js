import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'vendor/', 'bench-results/', '.tap/'],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Counts and durations are this tool's output, so a number in a template literal is the plain way to print one.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowNumber: true, allowRegExp: false },
      ],
      // Express knows an error handler by its four parameters, and `{ key: _key, ...rest }` is how a key is left out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `(x) => send(x)` and `() => server.close()` are callbacks whose result nobody reads; braces would only add lines.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    rules: {
      // tap queues an unawaited t.test() and fails its parent when it fails, so that promise never floats.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: 'test' }] }],
      // tap ends a subtest when the promise of its callback settles: `async (t) => { … }` with no await is a synchronous subtest without t.end().
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['cmd/progress/tui/**/*.{ts,tsx}', 'test/**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
  {
    // The plain JavaScript files (bin, scripts, tool configs) are outside tsconfig.json, so they get no type information.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: globals.node,
    },
  },
);
