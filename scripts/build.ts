// `npm run build`: the validators compiled ahead of time from schemas/, then src/ bundled to
// dist/ by esbuild, with code splitting: dist/cli/main.js (bin/agoractl.js runs it) and
// dist/cli/demo.js (`npm start`) are the entry points, each command's module and whatever only
// it uses become chunks of their own in dist/chunks/, still imported only when that command
// runs. A start then opens a handful of files instead of one per source module (validate ~30,
// plan and apply ~90): the ESM loader's resolving, reading and compiling per file was a large
// part of start-up. Type checking is `npm run typecheck`'s (esbuild only strips the types).
//
// Dependencies stay in node_modules, imported as they are (the installer resolves them), but
// for commander, which every command loads first: bundled into the chunk that imports it, with
// its `require('node:child_process')` (used only for stand-alone executable subcommands, which
// agoractl has none of) loaded on first use. That builtin drags in net and the stream stack, a
// few ms of every start.
// Source maps are written beside every file (NODE_OPTIONS=--enable-source-maps maps stack traces
// to src/). dist/ is emptied first, so a module deleted from src/ cannot linger there.
//
// Paths relative to a module (`new URL('../../schemas/', import.meta.url)` in schema-files.ts,
// `../../package.json` in version.ts) resolve against the file the code ends up in: entry
// points and chunks are therefore both two levels below the package root, as src/*/*.ts are.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const run = (command: string, args: string[]): void => {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

/** Packages bundled into dist/ rather than imported from node_modules at run time. */
const BUNDLED = new Set(['commander']);

const dependencies: Plugin = {
  name: 'agoractl-dependencies',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'child_process-on-first-use', namespace: 'agoractl' } : { path: args.path, external: true },
    );
    build.onLoad({ filter: /.*/, namespace: 'agoractl' }, () => ({
      loader: 'js',
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
    }));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const [scope = '', name = ''] = args.path.split('/');
      return BUNDLED.has(scope.startsWith('@') ? `${scope}/${name}` : scope) ? undefined : { path: args.path, external: true };
    });
  },
};

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
run(process.execPath, ['--import', 'tsx', 'scripts/gen-validators.ts']);
await build({
  absWorkingDir: ROOT,
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'cli/demo': 'src/cli/demo.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  tsconfig: 'tsconfig.json',
  plugins: [dependencies],
  // The bundled CommonJS (commander) calls require: every chunk gets one.
  banner: { js: "import { createRequire as __agoractlCreateRequire } from 'node:module'; const require = __agoractlCreateRequire(import.meta.url);" },
  sourcemap: true,
  // Like tsc's maps: they name the files in src/ without carrying their text into the package.
  sourcesContent: false,
  logLevel: 'warning',
});
