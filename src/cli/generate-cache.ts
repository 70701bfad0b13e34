/**
 * `chinook generate`'s no-change cache. It lives outside OUT, in the project's
 * `node_modules/.cache/chinook/` (where bundlers and linters keep theirs), so committed
 * generated files depend only on the manifests' meaning and the generator's version.
 * Hand-written (a dozen lines) rather than the `find-cache-dir` package: that pulls in two
 * more dependencies for one walk up to the nearest package.json. No project (no
 * package.json above the current directory), or an unwritable folder: no cache, and
 * generate simply does the full run.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What a full run recorded for one OUT folder. */
export interface GenerateCacheEntry {
  /** computeInputsHash of the manifests and options of that run. */
  readonly inputs: string;
  /** computeOutputsHash of the files of ours it left in OUT. */
  readonly outputs: string;
}

export interface GenerateCache {
  read(): Promise<GenerateCacheEntry | undefined>;
  write(entry: GenerateCacheEntry): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The nearest folder at or above `cwd` holding a package.json. */
async function findProjectRoot(cwd: string): Promise<string | undefined> {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (await isFile(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The cache of the OUT folder `outAbs` (absolute), or none when there is no project. */
export async function openGenerateCache(cwd: string, outAbs: string): Promise<GenerateCache | undefined> {
  const root = await findProjectRoot(cwd);
  if (root === undefined) return undefined;
  const key = createHash('sha256').update(outAbs).digest('hex').slice(0, 16);
  const path = join(root, 'node_modules', '.cache', 'chinook', `generate-${key}.json`);
  return {
    async read() {
      try {
        const entry = JSON.parse(await readFile(path, 'utf8')) as Partial<GenerateCacheEntry>;
        return typeof entry.inputs === 'string' && typeof entry.outputs === 'string' ? { inputs: entry.inputs, outputs: entry.outputs } : undefined;
      } catch {
        return undefined;
      }
    },
    async write(entry) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, JSON.stringify(entry) + '\n', 'utf8');
      } catch {
        // A cache that cannot be written costs only speed.
      }
    },
  };
}
