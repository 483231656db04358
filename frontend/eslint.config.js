// ESLint (flat config) for the web app: typescript-eslint's recommended rules, the rules of
// hooks, and jsx-a11y's accessibility checks (the app promises WCAG AA; axe checks the
// rendered pages in the browser tests, this catches the source-level mistakes earlier).
// Formatting is Prettier's (`npm run format:check`), so eslint-config-prettier comes last.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-hooks/exhaustive-deps': 'error',
      // The React Compiler's assumptions (the app does not use the compiler): they flag the
      // React 18 idioms used on purpose here, a loading flag set in a fetch effect and a
      // ref holding the latest callback. The rules of hooks and static-components stay on.
      'react-hooks/set-state-in-effect': 'off',
      'react-hooks/refs': 'off',
      'react-hooks/purity': 'off',
    },
  },
  {
    files: ['src/**/*.tsx'],
    ...jsxA11y.flatConfigs.recommended,
    rules: {
      ...jsxA11y.flatConfigs.recommended.rules,
      // a scrollable table region must be focusable to scroll by keyboard (axe's
      // scrollable-region-focusable)
      'jsx-a11y/no-noninteractive-tabindex': ['error', { tags: [], roles: ['tabpanel', 'region'] }],
      // `autoFocus` props of our own components decide focus management themselves
      'jsx-a11y/no-autofocus': ['error', { ignoreNonDOM: true }],
      // slot choices nest their text one level deeper than the default looks
      'jsx-a11y/label-has-associated-control': ['error', { depth: 3 }],
    },
  },
  {
    files: ['pwa/**/*.js', 'public/**/*.js'],
    // __PRECACHE__ is filled in by vite.config.ts (a literal replace: no comment may name it)
    languageOptions: { globals: { ...globals.serviceworker, ...globals.browser, __PRECACHE__: 'readonly' } },
  },
  {
    files: ['scripts/**/*.mjs', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (tsc's noUnused* already checks the rest)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  prettier,
);
