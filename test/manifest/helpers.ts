// Shared by the manifest tests: temporary folders with real files, and documents whose expected
// error position is marked in the text with ▶ (so the line and column asserted are exact and
// visible where the document is written).
import { after, before } from 'node:test';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const PROJECT_FIXTURE = join(FIXTURES, 'project.yaml');
export const MARK = '▶';

export interface Folder {
  path: string;
  /** Writes a file below the folder; returns its absolute path. */
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempFolder(): Promise<Folder> {
  const path = await mkdtemp(join(tmpdir(), 'agoractl-manifest-test-'));
  return {
    path,
    async write(name, text) {
      const file = join(path, name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** A temporary folder for the tests of the enclosing describe: made before them, removed after. */
export function suiteFolder(): Folder {
  let made: Folder | undefined;
  before(async () => {
    made = await tempFolder();
  });
  after(async () => {
    await made?.remove();
  });
  const folder = (): Folder => {
    if (!made) throw new Error('the suite folder is made before the tests run');
    return made;
  };
  return {
    get path() {
      return folder().path;
    },
    write: (name, text) => folder().write(name, text),
    remove: () => folder().remove(),
  };
}

/** The text without its ▶ marker, and the 1-based line and column the marker was at. */
export function unmark(marked: string): { text: string; line: number; column: number } {
  const index = marked.indexOf(MARK);
  if (index === -1 || marked.indexOf(MARK, index + 1) !== -1) throw new Error('expected exactly one ▶ marker');
  const before = marked.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return { text: marked.slice(0, index) + marked.slice(index + MARK.length), line, column };
}

const KEY_LINE = /^ {2}([A-Za-z]+):/;

/**
 * A document of `kind` in project prod: `base` spec lines, minus the top-level keys that
 * `spec` sets again or `without` names, plus `spec`.
 */
export function documentText(
  kind: string,
  base: string,
  spec: string,
  options: { without?: string[]; metadata?: string; markSpec?: boolean } = {},
): string {
  const redefined = new Set([...spec.split('\n').map((line) => KEY_LINE.exec(line.replace(MARK, ''))?.[1]), ...(options.without ?? [])]);
  // Drop a redefined top-level key together with the more indented lines below it.
  let dropping = false;
  const kept = base
    .split('\n')
    .filter((line) => {
      const key = KEY_LINE.exec(line)?.[1];
      if (key !== undefined) dropping = redefined.has(key);
      return !dropping;
    })
    .join('\n');
  const metadata = options.metadata ?? (kind === 'Project' ? 'metadata:\n  name: prod' : 'metadata:\n  name: example\n  project: prod');
  const specKey = options.markSpec ? `${MARK}spec:` : 'spec:';
  return `apiVersion: agoractl/v1\nkind: ${kind}\n${metadata}\n${specKey}\n${kept}${spec === '' ? '' : `\n${spec}`}\n`;
}

export const PLAYER_BASE = `  region: na
  channelName: class32
  uid: 101
  streamUrl: rtmp://origin.example.com/live/class32`;

export const RECORDING_BASE = `  channelName: class32
  uid: 900001
  mode: mix
  recordingConfig:
    channelType: 1
  storageConfig:
    vendor: 1
    region: 0
    bucket: recordings
    accessKey: { env: S3_ACCESS_KEY }
    secretKey: { env: S3_SECRET_KEY }`;

export const ORIGIN_BASE = `  enabled: true`;

export const PROJECT_BASE = `  appId: { env: AGORA_APP_ID }
  customerId: { env: AGORA_CUSTOMER_ID }
  customerSecret: { env: AGORA_CUSTOMER_SECRET }`;
