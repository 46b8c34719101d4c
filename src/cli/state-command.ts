// What every `agoractl state` subcommand shares. Output goes through commander's output
// configuration, so a program embedding these commands (or a test) can capture it; a state error
// ends the command with exit 1 only once every store is closed, since commander's error exits
// the process at once.
import type { Command } from 'commander';
import { StateError } from '../state/errors.ts';

/** Runs `body` (which closes the stores it opens); a StateError it throws becomes a clean exit 1. */
export async function reportingStateErrors(command: Command, body: () => Promise<void>): Promise<void> {
  let failure: StateError | undefined;
  try {
    await body();
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    failure = error;
  }
  if (failure) command.error(`error: ${failure.summary}\n  ${failure.detail}`, { exitCode: 1, code: `agoractl.${failure.code}` });
}

export function writerOf(command: Command): (text: string) => void {
  const configured = command.configureOutput().writeOut;
  return configured ? (text) => configured(text) : (text) => void process.stdout.write(text);
}

export function writeErrOf(command: Command): (text: string) => void {
  const configured = command.configureOutput().writeErr;
  return configured ? (text) => configured(text) : (text) => void process.stderr.write(text);
}
