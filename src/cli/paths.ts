import { stat } from 'node:fs/promises';
import { sep } from 'node:path';

/** A relative path as the CLI shows and stores it: `/`-separated on every platform. */
export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Whether anything (file or folder) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
