// `agoractl destroy`: removes what agoractl manages in the manifests' projects (or the targets),
// each resource the way its kind removes it. It is apply with nothing desired of the chosen
// resources, on apply's path: the same lock, rate limits, write-ahead, prompt and output. Only
// what state records is touched; a resource agoractl never created or adopted is left alone.
import type { Command } from 'commander';
import { Option } from 'commander';
import { processIo, sessionOptions, type Io } from './session.ts';
import { builtInManifestKinds } from '../resources/builtin.ts';
import { runApply, type ApplyCommandOptions } from './apply.ts';
import { lockTimeoutOption, outputOption, PLAN_OUTPUTS, targetOption } from './options.ts';

export interface DestroyCommandOptions extends Omit<ApplyCommandOptions, 'allowMassDelete'> {
  /** Projects whose mass delete the user confirmed, by name. */
  confirmProject?: string[];
}

export function register(program: Command): void {
  sessionOptions(program.command('destroy').description("delete every resource agoractl manages in the manifests' projects (or --target)"))
    .addOption(targetOption(() => [...builtInManifestKinds().keys()]))
    .addOption(confirmProjectOption())
    .addOption(outputOption(PLAN_OUTPUTS, 'text, json for machines, or markdown for a pull-request comment (json and markdown need --auto-approve)', 'text'))
    .option('--auto-approve', 'do not ask for confirmation (pipelines)')
    .addOption(lockTimeoutOption())
    .action(async (options: DestroyCommandOptions) => {
      process.exitCode = await runDestroy(options, processIo);
    });
}

// --allow-mass-delete lifts the guard against a manifest edit that removes too much; a destroy
// removes everything on purpose, so its confirmation names each project it empties instead.
function confirmProjectOption(): Option {
  return new Option('--confirm-project <name...>', 'destroy even more than half of a kind\'s managed resources of this project (repeatable)');
}

export function runDestroy(options: DestroyCommandOptions, io: Io, signal?: AbortSignal): Promise<number> {
  return runApply(options, io, signal, {
    name: 'destroy',
    plan: { targets: options.target, destroy: { confirmedProjects: options.confirmProject ?? [] } },
    question: 'Do you really want to destroy these resources? There is no undo.',
  });
}
