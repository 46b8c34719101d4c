#!/usr/bin/env node
// Runs the compiled CLI (dist/, which `npm run build` makes and `npm ci` builds through `prepare`)
// with plain node: no TypeScript loader at run time. The source maps are in dist/: run with
// NODE_OPTIONS=--enable-source-maps for stack traces in TypeScript (it slows every start).
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/cli/main.js')) {
    console.error('agoractl: dist/ is missing; run `npm run build` in this checkout first');
    process.exit(1);
  }
  throw err;
}
