#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx agoractl` works in a checkout after `npm ci`.
// It runs in this process (no child to pass signals on to): SIGTERM reaches the command itself.
import { setInterval } from 'node:timers';
import { register } from 'tsx/esm/api';

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

register();
await import('../src/cli/main.ts');
