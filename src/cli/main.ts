// The agoractl command line. Each command lives in its own module and adds itself to the
// program through `register`. Only the module of the command being run is loaded (all of them
// for help), so `validate` on a pull request does not pay for the HTTP stack, the emulator or
// the daemon.
import { readFileSync } from 'node:fs';

/** The version in package.json, read where the package is (a checkout or an install). */
function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest ? String(manifest.version) : 'unknown';
}

// `--version` answers before anything else is loaded: pipelines call it to log what runs.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
  process.exit(0);
}

const { Command } = await import('commander');

type CommandModule = { register(program: InstanceType<typeof Command>): void };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  validate: () => import('./validate.ts'),
  plan: () => import('./plan.ts'),
  apply: () => import('./apply.ts'),
  reconcile: () => import('./reconcile.ts'),
  emulator: () => import('./emulator.ts'),
  state: () => import('./state.ts'),
};

const program = new Command()
  .name('agoractl')
  .description("Make an Agora project look like its manifests: cloud players, cloud recordings, FLS origin sites.")
  .version(packageVersion())
  .showHelpAfterError();

const requested = process.argv[2];
const load = requested !== undefined ? COMMANDS[requested] : undefined;
for (const module of await Promise.all(load ? [load()] : Object.values(COMMANDS).map((l) => l()))) module.register(program);

await program.parseAsync(process.argv);
