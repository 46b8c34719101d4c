// Writes a generated file, or with --check exits 1 when the committed one is not what the
// generator gives (npm test runs every generator with --check).
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheck(output: URL, code: string, script: string): void {
  const name = output.pathname.slice(output.pathname.lastIndexOf('/src/') + 1);
  if (!process.argv.includes('--check')) {
    writeFileSync(output, code);
    console.log(`wrote ${name}`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(output, 'utf8');
  } catch {
    current = '';
  }
  if (current !== code) {
    console.error(`${name} is stale: run \`npm run ${script}\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${name} is up to date.`);
}
