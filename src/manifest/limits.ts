// How much input one run accepts. Manifests may come from untrusted pull requests and are also
// loaded by the long-running daemon, so every cost of loading them is bounded before it is paid:
// sizes before a file is read, nesting and scalar length before the `yaml` package builds its
// tree (its composer and toJS recurse, and it is slow on pathological text), and alias
// expansion before anything walks the values. Each limit is far above real manifests: the
// 100,000-player benchmark (bench/validate.ts at scale: about 450 bytes and 25 values a player)
// loads within all of them. README.md ("Limits") documents them; keep the two in step.

const KiB = 1024;
const MiB = 1024 * KiB;

export const Limits = {
  /** Bytes in one manifest file (checked with stat before it is read). */
  fileBytes: 4 * MiB,
  /** Bytes in all the manifest files of one run. */
  runBytes: 64 * MiB,
  /** Documents in one run (every `---` counts, checked before a file is parsed). */
  runDocuments: 200_000,
  /** Characters in one scalar (a string, number or key). */
  scalarLength: 64 * KiB,
  /** Collections nested in one another (a document's root mapping is level 1). */
  nestingDepth: 64,
  /** Anchors and aliases in one document (yaml resolves an alias by a scan of them all). */
  documentAnchors: 1_000,
  /** Values in one document, counting every value an alias repeats. */
  documentValues: 100_000,
  /** Values in one run, counting every value an alias repeats. */
  runValues: 20_000_000,
} as const;

function bytes(n: number): string {
  if (n % MiB === 0) return `${n / MiB} MiB`;
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/** The messages of the limit errors, built here so tests match codes and the limits, not prose. */
export const LimitMessage = {
  fileBytes: (size: number): string => `the file is ${bytes(size)}, more than the ${bytes(Limits.fileBytes)} a manifest file may hold`,
  runBytes: (): string => `the manifests of this run exceed ${bytes(Limits.runBytes)} in total; this file and any after it were not read`,
  runDocuments: (): string => `more than ${Limits.runDocuments.toLocaleString('en')} documents in this run; the file was not parsed`,
  scalarLength: (): string => `a scalar longer than ${Limits.scalarLength.toLocaleString('en')} characters`,
  nestingDepth: (): string => `collections nested more than ${Limits.nestingDepth} levels deep`,
  documentAnchors: (): string => `more than ${Limits.documentAnchors.toLocaleString('en')} anchors and aliases in one document`,
  documentValues: (): string => `the document holds more than ${Limits.documentValues.toLocaleString('en')} values (aliases counted as often as they repeat)`,
  runValues: (): string => `the run holds more than ${Limits.runValues.toLocaleString('en')} values (aliases counted as often as they repeat)`,
} as const;
