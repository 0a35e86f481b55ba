import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error the lint configuration is plain JavaScript, without types
import { layering } from '../../../../eslint.config.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The layering rules alone (no type-aware rules: this checks imports, fast). */
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ languageOptions: { parser: tseslint.parser } }, ...(layering() as Linter.Config[])],
});

const violations = async (filePath: string, code: string): Promise<string[]> => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
};

describe('the layering of docs/architecture.md is enforced by npm run lint', () => {
  const cases: readonly (readonly [file: string, code: string, allowed: boolean])[] = [
    ['packages/server/src/domain/x.ts', "import type { Store } from '../ports/storage/store.js';", false],
    ['packages/server/src/domain/canary/x.ts', "import { randomId } from '../../lib/secrets.js';", false],
    ['packages/server/src/domain/x.ts', "import type { TokenSubject } from '@cutoff/guard';", false],
    ['packages/server/src/domain/x.ts', "import type { RevocationKind } from '@cutoff/guard/rule';", true],
    ['packages/server/src/domain/x.ts', "import type { UserRecord } from './records.js';", true],
    ['packages/server/src/ports/x.ts', "import { revoke } from '../use-cases/revocation/revoke.js';", false],
    [
      'packages/server/src/ports/storage/x.ts',
      "import type { UserRecord } from '../../domain/records.js';",
      true,
    ],
    [
      'packages/server/src/use-cases/x/y.ts',
      "import { KyselyStore } from '../../adapters/storage/kysely-store.js';",
      false,
    ],
    [
      'packages/server/src/use-cases/x/y.ts',
      "import { loadConfig } from '../../config/load-config.js';",
      false,
    ],
    [
      'packages/server/src/use-cases/x/y.ts',
      "import type { Config } from '../../config/config-schema.js';",
      true,
    ],
    [
      'packages/server/src/use-cases/x/y.ts',
      "import type { Store } from '../../ports/storage/store.js';",
      true,
    ],
    [
      'packages/server/src/http/routes/x.ts',
      "import { createSqliteStore } from '../../adapters/storage/index.js';",
      false,
    ],
    [
      'packages/server/src/http/routes/x.ts',
      "import { revoke } from '../../use-cases/revocation/revoke.js';",
      true,
    ],
    [
      'packages/server/src/adapters/storage/x.ts',
      "import { revoke } from '../../use-cases/revocation/revoke.js';",
      false,
    ],
    [
      'packages/server/src/adapters/storage/x.ts',
      "import { buildApp } from '../../http/build-app.js';",
      false,
    ],
    [
      'packages/guard/src/feed/x.ts',
      "import { revoke } from '../../../server/src/use-cases/revocation/revoke.js';",
      false,
    ],
    ['packages/guard/src/feed/x.ts', "import { createCutoffServer } from '@cutoff/server';", false],
  ];

  it.each(cases)('%s: %s (allowed: %s)', async (file, code, allowed) => {
    const found = await violations(file, `${code}\nexport const used = 1;\n`);
    if (allowed) expect(found).toEqual([]);
    else expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });
});
