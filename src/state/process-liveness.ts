// Whether a process on this host still runs, to tell a stale lock or temporary file from one
// in use. Signal 0 checks existence without delivering anything.

export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user. Only ESRCH proves it is gone.
    return !(error instanceof Error && 'code' in error && error.code === 'ESRCH');
  }
}
