// Reads a run's manifest files within the byte limits: every file's size is known (stat) before
// any is read, so a 50 MB file or a run of a thousand large files is refused without reading
// them; the read itself stops past the limit too (a file may grow after the stat, and a FIFO
// given with -f has no size).
import { open, stat } from 'node:fs/promises';
import { ErrorCode } from './errors.ts';
import { LimitMessage, Limits } from './limits.ts';

export type ReadResult = { absolute: string; text: string } | { absolute: string; code: ErrorCode; message: string };

/** Files read at once: enough to keep the disk busy, few enough to stay far from EMFILE. */
const PARALLEL_READS = 32;

/** The files' texts in order, or why each was not read. */
export async function readManifestFiles(files: readonly string[]): Promise<ReadResult[]> {
  const sizes = await mapInParallel(files, async (absolute) => (await stat(absolute).catch(() => undefined))?.size);
  let runBytes = 0;
  let overRun = false;
  const plans = files.map((absolute, index): ReadResult | { absolute: string; size: number } => {
    const size = sizes[index];
    if (size === undefined) return { absolute, size: 0 }; // reading it reports why it cannot be read
    if (size > Limits.fileBytes) return { absolute, code: ErrorCode.LimitExceeded, message: LimitMessage.fileBytes(size) };
    runBytes += size;
    overRun ||= runBytes > Limits.runBytes;
    if (overRun) return { absolute, code: ErrorCode.LimitExceeded, message: LimitMessage.runBytes() };
    return { absolute, size };
  });
  return mapInParallel(plans, async (plan) => ('size' in plan ? readBounded(plan.absolute, plan.size) : plan));
}

/** The file's text, read in chunks of its size (as stat saw it) until its end or past the limit. */
async function readBounded(absolute: string, size: number): Promise<ReadResult> {
  let handle;
  try {
    handle = await open(absolute, 'r');
  } catch (error) {
    return unreadable(absolute, error);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Limits.fileBytes + 1 - total, Math.max(size + 1, 64 * 1024)));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > Limits.fileBytes) return { absolute, code: ErrorCode.LimitExceeded, message: LimitMessage.fileBytes(total) };
    }
    return { absolute, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (error) {
    return unreadable(absolute, error);
  } finally {
    await handle.close();
  }
}

function unreadable(absolute: string, error: unknown): ReadResult {
  return { absolute, code: ErrorCode.FileUnreadable, message: `cannot read file: ${error instanceof Error ? error.message : String(error)}` };
}

async function mapInParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, worker));
  return results;
}
