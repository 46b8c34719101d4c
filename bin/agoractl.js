#!/usr/bin/env node
// Runs the compiled CLI (dist/, which `npm run build` makes and `npm ci` builds through `prepare`)
// with plain node: no TypeScript loader at run time. The source maps are in dist/: run with
// NODE_OPTIONS=--enable-source-maps for stack traces in TypeScript (it slows every start).
import { setInterval } from 'node:timers';

// npx starts agoractl through `sh -c`, and dash (Debian's sh) neither execs the command nor
// passes signals on: a SIGTERM to npx ends npm and the shell and leaves agoractl running,
// orphaned. So when npx started us, the parent going away is taken as that SIGTERM, and the
// command stops the way it does on one (the emulator closes, the daemon drains).
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}

try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/cli/main.js')) {
    console.error('agoractl: dist/ is missing; run `npm run build` in this checkout first');
    process.exit(1);
  }
  throw err;
}
