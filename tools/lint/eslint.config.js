// ESLint for the whole repository, run from its root by `npm run lint` (see the root
// package.json): typescript-eslint's recommended rules, without type information (the
// project's compiler, TypeScript 7, does the type checking; this toolchain parses with
// TypeScript 5.9, which typescript-eslint supports).
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'coverage/**', 'bench/results/**', 'tools/lint/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `any` is allowed where a test or a JSON boundary needs it; the compiler is strict elsewhere
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // flags the `let x = initial; try { x = ... } finally { ... }` shape the bench uses on purpose
      'no-useless-assignment': 'off',
      // a timer a closure clears before the line that starts it stays a `let`
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // the dashboard runs in the browser
    files: ['dashboard/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // the package consumer fixtures test require() on purpose
    files: ['**/*.cjs', '**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
