// `agoractl validate -f PATH...`: checks manifests against the schemas and against each other
// (project references, duplicate names, quotas) without credentials or network, so it can run
// on every pull request. Exit 0 when valid, 1 when not.
import type { Command } from 'commander';
import { builtInManifestKinds } from '../resources/builtin.ts';
import { formatErrors, loadManifests, manifestKinds } from '../manifest/index.ts';
import type { ErrorFormat, LoadResult } from '../manifest/index.ts';
import { fileOption, outputOption } from './options.ts';

export interface ValidateOptions {
  file: string[];
  output: ErrorFormat;
}

export interface ValidateIo {
  out: (text: string) => void;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check manifests against the schemas and each other; needs no credentials')
    .addOption(fileOption('manifest files, folders (every *.yaml / *.yml below) or quoted globs; repeatable'))
    .addOption(outputOption(['text', 'json'] satisfies ErrorFormat[], 'text, or json for machines', 'text'))
    .action(async (options: ValidateOptions) => {
      process.exitCode = await runValidate(options, { out: (text) => process.stdout.write(`${text}\n`) });
    });
}

export async function runValidate(options: ValidateOptions, io: ValidateIo): Promise<number> {
  const result = await loadManifests(options.file, builtInManifestKinds());
  const valid = result.errors.length === 0;
  if (options.output === 'json') {
    io.out(JSON.stringify({ valid, documents: countDocuments(result), errors: result.errors }, null, 2));
  } else {
    if (!valid) io.out(formatErrors(result.errors, 'text'));
    io.out(summary(result));
  }
  return valid ? 0 : 1;
}

function countDocuments(result: LoadResult): Record<string, number> {
  const docs = [...result.desired.projects, ...result.desired.resources];
  const counts: Record<string, number> = {};
  for (const kind of manifestKinds()) {
    const n = docs.filter((doc) => doc.kind === kind).length;
    if (n > 0) counts[kind] = n;
  }
  return counts;
}

function summary(result: LoadResult): string {
  if (result.errors.length > 0) {
    const files = new Set(result.errors.map((error) => error.file)).size;
    const errors = result.errors.length;
    return `${errors} error${errors === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  }
  const counts = countDocuments(result);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const files = new Set([...result.desired.projects, ...result.desired.resources].map((doc) => doc.source.file)).size;
  const kinds = Object.entries(counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  return `valid: ${total} document${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}${kinds ? ` (${kinds})` : ''}`;
}
