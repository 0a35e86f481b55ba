import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the workspace sources, not stale builds.
    alias: [
      { find: /^@cutoff\/guard\/rule$/, replacement: src('./packages/guard/src/rule/index.ts') },
      { find: /^@cutoff\/guard\/node$/, replacement: src('./packages/guard/src/middleware/node-http.ts') },
      {
        find: /^@cutoff\/guard\/(express|fastify|hono)$/,
        replacement: src('./packages/guard/src/middleware/$1.ts'),
      },
      { find: /^@cutoff\/guard$/, replacement: src('./packages/guard/src/index.ts') },
      { find: /^@cutoff\/client$/, replacement: src('./packages/client/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
