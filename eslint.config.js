// Lint rules. The important one: workflow files are deterministic sandboxed code and may import
// only @temporalio/workflow and pure modules of their own folder (or type-only imports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', '.data', '.tools', 'logs', 'dist', 'dashboard/web/dist', 'test-artifacts', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\./|@temporalio/common/lib/search-attributes$|\\.\\./activities$).*',
              message: 'Workflow code may import only @temporalio/workflow and pure modules in workflows/.',
              allowTypeImports: true,
            },
            {
              regex: '^\\.\\./activities$',
              message: 'Workflows reach activities only through proxyActivities; import their types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
