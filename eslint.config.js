// Lint rules that keep the code where it can run: promises are awaited, type-only imports stay type-only,
// and workflow code (Temporal's deterministic sandbox) imports no Node built-ins or I/O libraries.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'console/', 'dist/', 'data/', 'test-artifacts/', 'bench/results/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows run in a deterministic sandbox: do I/O in an activity.' },
            { regex: '^(fs|path|os|crypto|http|https|net|child_process|mongoose|mongodb|nodemailer|express|pino|socket\\.io)$', message: 'Workflows run in a deterministic sandbox: do I/O in an activity.' },
            { group: ['**/activities/*', '!**/activities/index.ts'], allowTypeImports: true, message: 'Import activities as types only (proxyActivities).' },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code may only use @temporalio/workflow.' },
          ],
        },
      ],
    },
  },
);
