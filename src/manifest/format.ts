// How manifest errors are printed. Text: one error per line in the form editors and CI
// annotators parse (`file:line:column: path: message`). JSON: the error values as they are.
import type { ManifestError } from './errors.ts';

export type ErrorFormat = 'text' | 'json';

export function formatError(error: ManifestError): string {
  const path = error.path === '' ? '' : `${error.path}: `;
  return `${error.file}:${error.line}:${error.column}: ${path}${error.message}`;
}

export function formatErrors(errors: readonly ManifestError[], format: ErrorFormat): string {
  if (format === 'json') return JSON.stringify(errors, null, 2);
  return errors.map(formatError).join('\n');
}
