// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A relative import reaching into one of these server folders (from any depth). */
const into = (...folders) => `^\\.{1,2}/(?:\\.\\./)*(?:${folders.join('|')})(?:/|\\.js$)`;
const restrict = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const SERVER = 'packages/server/src';

export const layering = () => [
  restrict(
    [`${SERVER}/domain/**/*.ts`],
    [
      {
        regex: into('ports', 'use-cases', 'adapters', 'http', 'cli', 'config', 'lib', 'composition-root'),
        message: "domain/ is pure: it imports only domain/ and the guard's rule.",
      },
      {
        regex: '^@cutoff/guard(?!/rule$)',
        message: 'domain/ may import only @cutoff/guard/rule of the guard.',
      },
    ],
  ),
  restrict(
    [`${SERVER}/ports/**/*.ts`],
    [
      {
        regex: into('use-cases', 'adapters', 'http', 'cli', 'config', 'lib', 'composition-root'),
        message: 'ports/ are interfaces over domain/ records; they import only domain/.',
      },
    ],
  ),
  restrict(
    [`${SERVER}/use-cases/**/*.ts`],
    [
      {
        regex: into('adapters', 'http', 'cli', 'composition-root'),
        message: 'use-cases/ import domain/, ports/ and lib/; adapters are wired in composition-root.ts.',
      },
      {
        // The frozen configuration's shape only: a type, no dependency on how it is loaded.
        regex: into('config'),
        allowTypeImports: true,
        message: 'use-cases/ may import only the Config type from config/.',
      },
    ],
  ),
  restrict(
    [`${SERVER}/http/**/*.ts`],
    [
      {
        regex: into('adapters', 'cli', 'composition-root'),
        message:
          'http/ imports use-cases/, domain/, ports/ and lib/; adapters are wired in composition-root.ts.',
      },
      {
        regex: into('config'),
        allowTypeImports: true,
        message: 'http/ may import only the Config type from config/.',
      },
    ],
  ),
  restrict(
    [`${SERVER}/adapters/**/*.ts`],
    [
      {
        regex: into('http', 'cli', 'use-cases', 'composition-root'),
        message: 'adapters/ implement ports/; they never import http/, cli/ or use-cases/.',
      },
    ],
  ),
  restrict(
    ['packages/guard/src/**/*.ts'],
    [
      {
        regex: '^@cutoff/server|(^|/)server/src(/|$)',
        message: 'The guard is installed by connected apps: it never imports the server.',
      },
    ],
  ),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.cutoff/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  // The layering of docs/architecture.md, so a violation fails `npm run lint`
  // (test/unit/layering-lint.test.ts proves each rule fires).
  ...layering(),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
