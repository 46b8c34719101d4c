// agoractl's version, read from package.json when asked for (`--version`), so a start that does
// not print it pays nothing. The path is relative to this module: two levels up from src/cli/
// in a checkout, and from the compiled dist/cli/ in the package.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
