// resolveSecrets: every `{ env: NAME }` / `{ file: PATH }` of the desired state replaced by the
// value it names. plan, apply and reconcile call it before any network call; `validate` never
// does, so it runs without credentials. Errors name the manifest position and the field, and
// never contain a value. Which files may be read is secret-files.ts's concern.
import { dirname, resolve } from 'node:path';
import { ErrorCode, sortErrors } from './errors.ts';
import type { ManifestError } from './errors.ts';
import { documentOrigins } from './load.ts';
import { formatPath, isRecord } from './paths.ts';
import type { Segment } from './paths.ts';
import { SECRET_FILE_MAX_BYTES, foldersForManifest, readSecretFile } from './secret-files.ts';
import type { SecretFolder } from './secret-files.ts';
import type { DesiredState, ManifestDoc, ResolvedProjectDoc, ResolvedResourceDoc, ResolvedState } from './types.ts';

type Env = Record<string, string | undefined>;

/** Where `{ file: PATH }` secrets may be (secret-files.ts). */
export interface SecretFileOptions {
  /** The run's manifest roots (`manifestRoots`); without them, each manifest's own folder. */
  manifestRoots?: readonly SecretFolder[];
  /** Folders the operator allows beyond the manifest roots (`allowedSecretFolders`). */
  allowedFolders?: readonly SecretFolder[];
}

/**
 * Whether a value is a reference. The schemas allow an object whose only field is `env` or
 * `file` nowhere but where EnvRef / FileRef are expected (test/manifest/schemas.test.ts checks
 * it), so a validated document's references are found by shape.
 */
function referenceOf(value: unknown): { env: string } | { file: string } | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (typeof value.env === 'string') return { env: value.env };
  if (typeof value.file === 'string') return { file: value.file };
  return undefined;
}

export async function resolveSecrets(
  desired: DesiredState,
  env: Env = process.env,
  files: SecretFileOptions = {},
): Promise<{ resolved: ResolvedState; errors: ManifestError[] }> {
  const errors: ManifestError[] = [];
  const resolveDoc = async <T extends ManifestDoc>(doc: T): Promise<T> => {
    const spec = await resolveValue(doc.spec, ['spec'], new DocumentSecrets(doc, env, files, errors));
    return { ...doc, spec } as T;
  };
  const projects = await Promise.all(desired.projects.map(resolveDoc));
  const resources = await Promise.all(desired.resources.map(resolveDoc));
  const fileOrder = [...new Set([...desired.projects, ...desired.resources].map((doc) => doc.source.file))];
  return {
    // resolveValue replaced every EnvRef / FileRef with a string: the Resolved shapes.
    resolved: { projects: projects as unknown as ResolvedProjectDoc[], resources: resources as unknown as ResolvedResourceDoc[] },
    errors: sortErrors(errors, fileOrder),
  };
}

async function resolveValue(value: unknown, segments: Segment[], secrets: DocumentSecrets): Promise<unknown> {
  const reference = referenceOf(value);
  if (reference) return secrets.read(reference, segments);
  if (Array.isArray(value)) return Promise.all(value.map((item, index) => resolveValue(item, [...segments, index], secrets)));
  if (isRecord(value)) {
    const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await resolveValue(item, [...segments, key], secrets)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Reads the references of one document and reports each failure at its field. */
class DocumentSecrets {
  constructor(
    private readonly doc: ManifestDoc,
    private readonly env: Env,
    private readonly files: SecretFileOptions,
    private readonly errors: ManifestError[],
  ) {}

  #folders: Promise<SecretFolder[]> | undefined;

  async read(reference: { env: string } | { file: string }, segments: Segment[]): Promise<string> {
    if ('env' in reference) {
      const value = this.env[reference.env];
      if (value === undefined) return this.fail(segments, `environment variable ${reference.env} is not set`, ErrorCode.SecretMissing);
      if (value === '') return this.fail(segments, `environment variable ${reference.env} is empty`, ErrorCode.SecretMissing);
      return value;
    }
    const manifest = this.manifestPath();
    this.#folders ??= foldersForManifest(manifest, this.files.manifestRoots ?? [], this.files.allowedFolders ?? []);
    const read = await readSecretFile(reference.file, dirname(manifest), await this.#folders);
    if (!read.ok) return this.fail(segments, refusalMessage(reference.file, read), read.refusal === 'outside' ? ErrorCode.SecretFileOutside : ErrorCode.SecretUnreadable);
    const content = read.value;
    // Files written with `echo` end with a newline that is not part of the secret.
    const value = content.replace(/[\r\n]+$/, '');
    if (value === '') return this.fail(segments, `secret file ${reference.file} is empty`, ErrorCode.SecretUnreadable);
    return value;
  }

  /** `{ file }` paths are relative to the manifest that names them. */
  private manifestPath(): string {
    const origin = documentOrigins.get(this.doc);
    return origin ? origin.file.absolutePath : resolve(this.doc.source.file);
  }

  private fail(segments: Segment[], message: string, code: ManifestError['code']): string {
    const origin = documentOrigins.get(this.doc);
    const position = origin ? origin.file.locate(origin.document, segments, 'value') : { line: this.doc.source.line, column: this.doc.source.column };
    this.errors.push({ file: this.doc.source.file, ...position, path: formatPath(segments), message, code });
    return '';
  }
}

/** Why a secret file was not read, in words; the path as the manifest wrote it, never content. */
function refusalMessage(file: string, read: Exclude<Awaited<ReturnType<typeof readSecretFile>>, { ok: true }>): string {
  switch (read.refusal) {
    case 'outside':
      return `secret file ${file} is outside the manifest folder; only files there (after following links) or in a folder allowed by --allow-secret-dir or AGORACTL_SECRET_DIRS are read`;
    case 'unreadable':
      return `cannot read secret file ${file} (${read.reason})`;
    case 'not-regular':
      return `secret file ${file} is not a regular file`;
    case 'too-large':
      return `secret file ${file} is larger than ${SECRET_FILE_MAX_BYTES / 1024} KiB`;
  }
}
