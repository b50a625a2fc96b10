// Type-aware lint rules for the whole tree, plus the import boundaries of
// docs/architecture.md: src/ never imports workers/, and only native-bindings/ imports lz4-napi.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.skale/', 'bench/.data/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'lz4-napi', message: 'Use native-bindings/lz4.' }] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'lz4-napi', message: 'Use native-bindings/lz4.' }],
          patterns: [{ group: ['**/workers/**'], message: 'src/ never imports workers/.' }],
        },
      ],
    },
  },
  {
    // The worker thread's allowlist (docs/architecture.md, "Rules the code keeps"); the
    // transitive closure is checked by test/unit/import-graph.test.ts.
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'lz4-napi', message: 'Use native-bindings/lz4.' }],
          patterns: [
            {
              regex:
                '^\\.\\./src/(?!shared/)',
              message: 'A worker imports only src/shared/ (code both threads run; docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  { files: ['native-bindings/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      // Shipped user functions load modules in the worker with require (README.md).
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
