#!/usr/bin/env node
// The `cutoff` bin. It lives outside dist/ on purpose: npm links a package's bins into
// node_modules/.bin at install time only if the file exists then, and in a fresh clone `npm ci`
// runs before `npm run build`, so a bin pointing into dist/ was never linked and `npx cutoff`
// answered "could not determine executable to run".
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('error: cutoff is not built yet: run `npm run build` in the repository first.\n');
  process.exit(1);
}
await import(main.href);
