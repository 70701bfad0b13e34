/** `index.ts`: re-exports every module, the `services` registry `chinook run` uses, and the hash line. */
import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, propertyKey, quote } from './format.js';
import { tsHeader } from './header.js';

export const HASH_LINE_PREFIX = '// chinook-hash: ';

export function formatHashLine(inputs: string, outputs: string): string {
  return `${HASH_LINE_PREFIX}inputs=${inputs} outputs=${outputs}`;
}

export function parseHashLine(text: string): { inputs: string; outputs: string } | undefined {
  const line = text.split('\n', 3).find((l) => l.startsWith(HASH_LINE_PREFIX));
  const match = line && /inputs=([0-9a-f]+) outputs=([0-9a-f]+)/.exec(line);
  return match ? { inputs: match[1]!, outputs: match[2]! } : undefined;
}

/** Drops the hash line, so a file's hash can cover index.ts itself. */
export function withoutHashLine(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith(HASH_LINE_PREFIX))
    .join('\n');
}

/** index.ts with the hash line, which the orchestrator fills in once every other file is known. */
export function emitIndex(model: SystemModel, ctx: GenerateContext, hashLine: string): GeneratedFile {
  const services = model.services.map((s) => ctx.naming.service(s.name));
  const content = [
    tsHeader([`${ctx.manifestDir}/`]),
    hashLine,
    "export * from './system.js';",
    "export * from './topics.js';",
    ...model.domains.map((d) => `export * from ${quote(`./domains/${d.name}.js`)};`),
    ...services.map((s) => `export * from ${quote(`./services/${s.file}.js`)};`),
    ...services.map((s) => `import { ${s.create} } from ${quote(`./services/${s.file}.js`)};`),
    '',
    docComment(['Every service of the system by name, as `chinook run` starts them.']),
    'export const services = {',
    ...model.services.map((s) => `  ${propertyKey(s.name)}: { create: ${ctx.naming.service(s.name).create} },`),
    '} as const;',
    '',
  ].join('\n');
  return { path: 'index.ts', content };
}
