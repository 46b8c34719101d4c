// loadManifests: files, folders and globs in; the desired state and every error of the run out.
// Structure and references only: no secret is read, so validation runs without credentials.
import { applyAgoractlDefaults, validateDocument } from './document.ts';
import { ErrorCode, sortErrors } from './errors.ts';
import type { ManifestError } from './errors.ts';
import { displayPath, expandPaths } from './files.ts';
import { LimitMessage, Limits } from './limits.ts';
import { formatPath, isRecord } from './paths.ts';
import { readManifestFiles } from './read.ts';
import { checkReferences } from './references.ts';
import type { Entry } from './references.ts';
import { manifestSchemas } from './schemas.ts';
import { ManifestFile } from './source.ts';
import type { SourceDocument } from './source.ts';
import { documentKey } from './types.ts';
import { measureTree, measureValues } from './yaml-limits.ts';
import type { DesiredState, LoadResult, ManifestDoc, ProjectDoc, ResourceDoc } from './types.ts';
import type { ManifestKinds } from './kind-rules.ts';

/** Where each loaded document came from, for errors found later (resolveSecrets). */
export const documentOrigins = new WeakMap<object, { file: ManifestFile; document: SourceDocument }>();

/** Reads, validates and cross-checks the manifests; `kinds` are the registered kinds' rules. */
export async function loadManifests(paths: string[], kinds: ManifestKinds): Promise<LoadResult> {
  const schemas = manifestSchemas();
  const expanded = await expandPaths(paths);
  const errors: ManifestError[] = [...expanded.errors];
  const fileOrder = expanded.errors.map((error) => error.file);

  const texts = await readManifestFiles(expanded.files);

  const entries: Entry[] = [];
  let runDocuments = 0;
  let runValues = 0;
  for (const read of texts) {
    const file = displayPath(read.absolute);
    fileOrder.push(file);
    if (!('text' in read)) {
      errors.push({ file, line: 1, column: 1, path: '', message: read.message, code: read.code });
      continue;
    }
    // Counted before parsing, so a file of a million empty documents costs no parse.
    const starts = documentStarts(read.text, Limits.runDocuments - runDocuments);
    if (starts.over) {
      errors.push({ file, ...starts.over, path: '', message: LimitMessage.runDocuments(), code: ErrorCode.LimitExceeded });
      runDocuments = Limits.runDocuments;
      continue;
    }
    runDocuments += starts.count;
    const source = new ManifestFile(file, read.absolute, read.text);
    errors.push(...source.syntaxErrors);
    for (const document of source.documents) {
      const measure = (source.plain ? measureTree : measureValues)(document.value, Limits.runValues - runValues);
      runValues += measure.values;
      if (measure.refusal) {
        const position = source.locate(document, measure.refusal.segments, 'value');
        errors.push({ file, ...position, path: formatPath(measure.refusal.segments), message: measure.refusal.message, code: ErrorCode.LimitExceeded });
        continue;
      }
      const issues = validateDocument(document.value, schemas, kinds);
      const value = isRecord(document.value) ? document.value : {};
      const entry = identify(source, document, value, issues.length === 0);
      for (const issue of issues) {
        const position = source.locate(document, issue.location.segments, issue.location.at);
        errors.push({ file, ...position, path: formatPath(issue.path), message: issue.message, code: issue.code });
      }
      entries.push(entry);
    }
  }

  const refusals = checkReferences(entries, kinds);
  errors.push(...refusals.map((refusal) => refusal.error));
  const refused = new Set(refusals.map((refusal) => refusal.entry));
  const desired: DesiredState = { projects: [], resources: [] };
  for (const entry of entries) {
    // Only documents without any error are desired: nothing may act on a refused one.
    if (!entry.valid || refused.has(entry)) continue;
    const doc = toDoc(entry, schemas, kinds);
    documentOrigins.set(doc, { file: entry.file, document: entry.document });
    if (doc.kind === 'Project') desired.projects.push(doc);
    else desired.resources.push(doc);
  }
  return { desired, errors: sortErrors(errors, fileOrder) };
}

function identify(file: ManifestFile, document: SourceDocument, value: Record<string, unknown>, valid: boolean): Entry {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const project = kind === 'Project' ? name : typeof metadata.project === 'string' ? metadata.project : undefined;
  return { file, document, value, kind, name, project, valid };
}

function toDoc(entry: Entry, schemas: ReturnType<typeof manifestSchemas>, kinds: ManifestKinds): ManifestDoc {
  const value = entry.value;
  const spec = isRecord(value.spec) ? value.spec : {};
  applyAgoractlDefaults(entry.kind ?? '', spec, schemas, kinds);
  // The document passed its kind's schema, so it has the generated type of that kind.
  const placed = {
    ...value,
    source: { file: entry.file.file, line: entry.document.line, column: entry.document.column },
  } as unknown as ProjectDoc | ResourceDoc;
  placed.key = documentKey(placed);
  return placed;
}


/**
 * How many documents a text may hold (every `---` line starts one, and text before the first
 * does too), or where the one past `allowed` starts.
 */
function documentStarts(text: string, allowed: number): { count: number; over?: { line: number; column: number } } {
  let count = text.startsWith('---') ? 0 : 1;
  let line = 1;
  for (let start = 0; start < text.length; ) {
    if (text.startsWith('---', start)) {
      const after = text.charCodeAt(start + 3);
      // A marker is `---` alone or followed by a space or tab (YAML's document start).
      if (Number.isNaN(after) || after === 10 || after === 13 || after === 32 || after === 9) count += 1;
    }
    if (count > allowed) return { count, over: { line, column: 1 } };
    const end = text.indexOf('\n', start);
    if (end === -1) break;
    start = end + 1;
    line += 1;
  }
  return { count };
}
