// `npm run build`: the validators compiled ahead of time from schemas/, then src/ compiled to
// dist/ by tsc, file by file (not bundled: each command's module is still imported only when
// that command runs, and stack traces map to the source through the kept source maps).
// dist/ is emptied first, so a module deleted from src/ cannot linger there.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const run = (command: string, args: string[]): void => {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
run(process.execPath, ['--import', 'tsx', 'scripts/gen-validators.ts']);
run(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.build.json']);
