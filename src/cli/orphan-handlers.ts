/**
 * Handler files left behind when a service leaves the system: `generate` removes the
 * service's stub, so `tsc` fails on the handler that still imports it. We name them
 * rather than delete them (they are the user's code).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

export interface OrphanHandler {
  /** Path relative to the current directory, `/`-separated. */
  readonly path: string;
  /** The service whose generated stub it imports. */
  readonly service: string;
}

const STUB_IMPORT = /from\s+['"][^'"]*\/services\/([a-z0-9][a-z0-9-]*)\.js['"]/g;

/**
 * A handler is an orphan when it imports the generated stub of a service that is not in
 * the system; files importing no stub (the user's helpers) are never named.
 */
export function findOrphanInText(text: string, services: ReadonlySet<string>): string | undefined {
  for (const match of text.matchAll(STUB_IMPORT)) {
    if (!services.has(match[1]!)) return match[1]!;
  }
  return undefined;
}

/** Every `<handlers>/*.ts` file that imports the stub of a service no longer in the system. */
export async function findOrphanHandlers(handlersDir: string, cwd: string, services: ReadonlySet<string>): Promise<OrphanHandler[]> {
  let names: string[];
  try {
    names = (await readdir(join(cwd, handlersDir))).filter((n) => /\.m?ts$/.test(n) && !n.endsWith('.d.ts')).sort();
  } catch {
    return [];
  }
  const orphans: OrphanHandler[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(cwd, handlersDir, name), 'utf8');
    } catch {
      continue;
    }
    const service = findOrphanInText(text, services);
    if (service !== undefined) orphans.push({ path: posix.join(handlersDir, name), service });
  }
  return orphans;
}

export function describeOrphans(orphans: readonly OrphanHandler[], out: string): string[] {
  return orphans.map(
    (o) =>
      `warning: ${o.path} is the handler of \`${o.service}\`, which is no longer in the system ` +
      `(its stub ${out}/services/${o.service}.js is gone, so \`tsc\` fails on it): delete it, or move its code to a service of the system`,
  );
}
