// What the manifest layer reports: one error value per problem, with where it is (file, line,
// column, field path) and a code that tests and tools match on instead of the prose.

export const ErrorCode = {
  /** A path given on the command line does not exist or matches no file. */
  PathNotFound: 'path-not-found',
  /** A folder holds no *.yaml or *.yml file. */
  NoManifests: 'no-manifests',
  /** A manifest file cannot be read. */
  FileUnreadable: 'file-unreadable',
  /** A symbolic link whose target does not exist. */
  BrokenLink: 'broken-link',
  /** A symbolic link to a folder that holds it: following it would never end. */
  LinkLoop: 'link-loop',
  /** Something named like a manifest that is neither a file nor a folder (a socket, a FIFO). */
  NotAFile: 'not-a-file',
  /** Input beyond one of the limits of src/manifest/limits.ts. */
  LimitExceeded: 'limit-exceeded',
  /** The file is not well-formed YAML. */
  YamlSyntax: 'yaml-syntax',
  /** A required field is missing. */
  Required: 'required',
  /** A field the schema does not know. */
  UnknownField: 'unknown-field',
  /** A value of the wrong type. */
  InvalidType: 'invalid-type',
  /** A value outside the allowed values, pattern or format. */
  InvalidValue: 'invalid-value',
  /** A number outside its range. */
  OutOfRange: 'out-of-range',
  /** A string or list that is too long or too short. */
  InvalidLength: 'invalid-length',
  /** A secret written in the manifest instead of referenced. */
  LiteralSecret: 'literal-secret',
  /** Fields that cannot be set together, or a field that is not allowed in this mode. */
  Conflict: 'conflicting-fields',
  /** metadata.project names no Project. */
  UnknownProject: 'unknown-project',
  /** Two documents with one identity (project, kind, name). */
  DuplicateResource: 'duplicate-resource',
  /** More resources of a kind than the project's quota allows. */
  QuotaExceeded: 'quota-exceeded',
  /** Two resources that would join one channel with one user ID or account. */
  DuplicateChannelUser: 'duplicate-channel-user',
  /** A secret's environment variable is not set, or is empty. */
  SecretMissing: 'secret-missing',
  /** A secret's file cannot be read, is empty, is not a regular file or is too large. */
  SecretUnreadable: 'secret-unreadable',
  /** A secret file outside the manifest folder and the folders the operator allows. */
  SecretFileOutside: 'secret-file-outside',
  /** A Project.spec.endpoints URL that would receive credentials the operator did not allow. */
  EndpointRefused: 'endpoint-refused',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ManifestError {
  /** The manifest file, relative to the working directory when it is inside it. */
  file: string;
  /** 1-based line and column of the offending node. */
  line: number;
  column: number;
  /** Dotted field path in the document (`spec.videoOptions.width`, `spec.routes[0].url`); empty for file-level errors. */
  path: string;
  /** What was expected, in words; never contains a secret value. */
  message: string;
  code: ErrorCode;
}

/** Errors in file order, then by position, then by field path. */
export function sortErrors(errors: ManifestError[], fileOrder: readonly string[]): ManifestError[] {
  const rank = new Map(fileOrder.map((file, index) => [file, index]));
  const fileRank = (file: string): number => rank.get(file) ?? Number.MAX_SAFE_INTEGER;
  return [...errors].sort(
    (a, b) =>
      fileRank(a.file) - fileRank(b.file) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path),
  );
}
