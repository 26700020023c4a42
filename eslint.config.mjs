// One lint configuration for the workspace (`npm run lint`, part of `npm test`): typescript-eslint's recommended rules
// and the layer table of ARCHITECTURE.md enforced on the projects' tags (nx.tags in each package.json) by Nx's
// module-boundary rule. Formatting is Prettier's (`.prettierrc.json`); eslint-config-prettier turns off the rules
// that would fight it.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Who may import whom: each layer only from the layers below it (ARCHITECTURE.md, "Layers and dependency rules"). */
const depConstraints = [
  { sourceTag: 'layer:kernels', onlyDependOnLibsWithTags: ['layer:kernels'] },
  { sourceTag: 'layer:backend', onlyDependOnLibsWithTags: ['layer:kernels'] },
  { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:kernels', 'layer:backend'] },
  { sourceTag: 'layer:plugin-kit', onlyDependOnLibsWithTags: ['layer:core'] },
  // A plugin may use another plugin's published pure functions (AEKT → DKD's terms, IE-KD → FT's coder).
  { sourceTag: 'type:plugin', onlyDependOnLibsWithTags: ['layer:core', 'layer:plugin-kit', 'type:plugin'] },
  { sourceTag: 'layer:test', onlyDependOnLibsWithTags: ['layer:core'] },
  { sourceTag: 'layer:host', onlyDependOnLibsWithTags: ['layer:core', 'layer:host'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
];

const sources = ['packages/*/src/**/*.ts', 'packages/*/src/**/*.mts'];
const tests = ['**/*.spec.ts', '**/test/**', '**/bench/**'];

export default [
  {
    ignores: [
      '**/dist/**',
      '**/out-tsc/**',
      '**/node_modules/**',
      '**/build/**',
      'tmp/**',
      'runs/**',
      '**/*.d.ts',
      '**/vite.config.*.timestamp*',
      '**/vitest.config.*.timestamp*',
      'tools/nx-plugin/src/**/files/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs'],
    rules: {
      // Unused names are already an error of the compiler (noUnusedLocals); `_` marks a deliberately unused one.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests poke at parsed JSON and build values only their types use.
    files: tests,
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: sources,
    ignores: tests,
    plugins: { '@nx': nx },
    rules: {
      // Benchmarks and tests load core lazily to time backends; that is not a reason to forbid static imports elsewhere.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints,
          checkDynamicDependenciesExceptions: ['@kd/core', '@kd/core/host'],
        },
      ],
    },
  },
  {
    // A plugin imports @kd/core only: the host surface is for what drives runs.
    files: ['packages/{backbone,dataset,distiller,evaluator}-*/src/**/*.ts'],
    ignores: tests,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@kd/core/host', message: 'a plugin imports @kd/core; @kd/core/host is for hosts (CLI, tools, tests)' }] },
      ],
    },
  },
  prettier,
];
