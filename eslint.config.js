// Lint: typescript-eslint recommended rules plus the trust boundary of the project:
// model/ never imports src/, src/ never imports model/ or properties/, api/ imports nothing
// but api/ (it holds types and plain data only).
import tseslint from 'typescript-eslint';

const boundary = (message, group) => ({
  'no-restricted-imports': ['error', { patterns: [{ group, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '.stryker-tmp/**', 'reports/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['model/**/*.ts'],
    rules: boundary('model/ is the reference: it must not import the implementation (src/) or the harness', ['**/src/**', '**/properties/**', '**/cli/**']),
  },
  {
    files: ['src/**/*.ts'],
    rules: boundary('src/ must not lean on the model or the harness', ['**/model/**', '**/properties/**', '**/cli/**']),
  },
  {
    files: ['api/**/*.ts'],
    rules: boundary('api/ holds shared types and data only; it imports nothing outside api/', ['**/src/**', '**/model/**', '**/properties/**', '**/cli/**']),
  },
);
