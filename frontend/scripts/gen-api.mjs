#!/usr/bin/env node
// The web app's API types, generated from the contract (docs/openapi.yaml) by
// openapi-typescript into src/api/schema.d.ts (committed; src/api/types.ts derives the app's
// names from it).
//   node scripts/gen-api.mjs          write src/api/schema.d.ts            (npm run gen:api)
//   node scripts/gen-api.mjs --check  regenerate into a temporary file and exit 1 with a diff
//                                     when the committed file differs     (npm run check:api)
// make check's frontend layer runs the check, so a spec change without `npm run gen:api` fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = resolve(ROOT, '..', 'docs', 'openapi.yaml');
const OUT = resolve(ROOT, 'src', 'api', 'schema.d.ts');
const BIN = resolve(ROOT, 'node_modules', '.bin', 'openapi-typescript');
// A property with a default stays optional: request bodies may leave out is_special, draft or
// a preference (the generator's default would make them required).
const OPTIONS = ['--default-non-nullable', 'false'];

function generate(out) {
  execFileSync(BIN, [SPEC, ...OPTIONS, '--output', out], { stdio: ['ignore', 'ignore', 'inherit'] });
}

if (!existsSync(BIN)) {
  console.error('gen-api: openapi-typescript is not installed (npm ci in frontend/, or scripts/dev install)');
  process.exit(2);
}
if (!process.argv.includes('--check')) {
  generate(OUT);
  console.log(`gen-api: wrote ${relative(process.cwd(), OUT)} from ${relative(process.cwd(), SPEC)}`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'swmra-api-types-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  generate(fresh);
  const committed = existsSync(OUT) ? readFileSync(OUT, 'utf8') : null;
  if (committed === readFileSync(fresh, 'utf8')) {
    console.log('gen-api: src/api/schema.d.ts matches docs/openapi.yaml');
  } else {
    console.error(
      committed === null
        ? 'gen-api: src/api/schema.d.ts is missing'
        : 'gen-api: src/api/schema.d.ts is out of date with docs/openapi.yaml (- committed, + generated now):',
    );
    if (committed !== null) spawnSync('diff', ['-u', OUT, fresh], { stdio: ['ignore', 'inherit', 'inherit'] });
    console.error('gen-api: run `npm run gen:api` in frontend/ and commit the result');
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
