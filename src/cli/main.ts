// The agoractl command line. Each command lives in its own module and adds itself to the
// program through `register`. Only the module of the command being run is loaded (all of them
// for help), so `validate` on a pull request does not pay for the HTTP stack, the emulator or
// the daemon.
import { packageVersion } from './version.ts';

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
  destroy: () => import('./destroy.ts'),
  import: () => import('./import.ts'),
  reconcile: () => import('./reconcile.ts'),
  emulator: () => import('./emulator.ts'),
  state: () => import('./state.ts'),
};

const program = new Command()
  .name('agoractl')
  .description("Make an Agora project look like its manifests: cloud players, cloud recordings, FLS origin sites.")
  // Read only when asked for: commander's .version() wants the string before parsing.
  .option('-V, --version', 'print the version of agoractl')
  .on('option:version', () => {
    process.stdout.write(`${packageVersion()}\n`);
    process.exit(0);
  });

const requested = process.argv[2];
const load = requested !== undefined ? COMMANDS[requested] : undefined;
for (const module of await Promise.all(load ? [load()] : Object.values(COMMANDS).map((l) => l()))) module.register(program);

await program.parseAsync(process.argv);
