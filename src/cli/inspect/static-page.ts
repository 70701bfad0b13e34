/** The page: one HTML file, its script and its style, shipped in the package's `web/` folder. */
import { readFile } from 'node:fs/promises';

export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

const FILES: readonly (readonly [route: string, file: string, type: string])[] = [
  ['/', 'inspect.html', 'text/html; charset=utf-8'],
  ['/inspect.js', 'inspect.js', 'text/javascript; charset=utf-8'],
  ['/inspect.css', 'inspect.css', 'text/css; charset=utf-8'],
];

/** Same depth from src/cli/inspect/ and dist/cli/inspect/: the package root's `web/`. */
const WEB = new URL('../../../web/', import.meta.url);

export async function loadStaticPage(): Promise<ReadonlyMap<string, StaticFile>> {
  const entries = await Promise.all(FILES.map(async ([route, file, type]) => [route, { type, body: await readFile(new URL(file, WEB)) }] as const));
  return new Map(entries);
}
