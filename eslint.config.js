// Lint: typescript-eslint recommended rules plus the trust boundary of the project:
// model/ never imports src/, src/ never imports model/ or properties/, api/ imports nothing
// but api/ (it holds types and plain data only). variants/ (other implementations, plugged in
// through properties/implementations.ts) may import src/ and api/, never the model or the harness;
// model/, src/ and api/ never import variants/.
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
    rules: boundary('model/ is the reference: it must not import the implementation (src/), its variants or the harness', ['**/src/**', '**/variants/**', '**/properties/**', '**/cli/**']),
  },
  {
    files: ['src/**/*.ts'],
    rules: boundary('src/ must not lean on the model, its variants or the harness', ['**/model/**', '**/variants/**', '**/properties/**', '**/cli/**']),
  },
  {
    files: ['variants/**/*.ts'],
    rules: boundary('variants/ are implementations: they may build on src/ and api/, never on the model or the harness', ['**/model/**', '**/properties/**', '**/cli/**']),
  },
  {
    files: ['api/**/*.ts'],
    rules: boundary('api/ holds shared types and data only; it imports nothing outside api/', ['**/src/**', '**/model/**', '**/variants/**', '**/properties/**', '**/cli/**']),
  },
);
