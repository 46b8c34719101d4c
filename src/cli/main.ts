// The agoractl command line. Each command lives in its own module and adds itself to the
// program through `register`.
import { Command } from 'commander';
import { register as registerValidate } from './validate.ts';
import { register as registerEmulator } from './emulator.ts';
import { register as registerState } from './state.ts';
import { register as registerPlan } from './plan.ts';
import { register as registerApply } from './apply.ts';
import { register as registerReconcile } from './reconcile.ts';

const program = new Command()
  .name('agoractl')
  .description("Make an Agora project look like its manifests: cloud players, cloud recordings, FLS origin sites.")
  .showHelpAfterError();

for (const register of [registerValidate, registerPlan, registerApply, registerReconcile, registerEmulator, registerState]) register(program);

await program.parseAsync(process.argv);
