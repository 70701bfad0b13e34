/** `index.ts`: re-exports every module and the `services` registry `chinook run` uses. */
import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, propertyKey, quote } from './format.js';
import { tsHeader } from './header.js';

/** index.ts: depends on the model alone (no hash, no path of OUT), like every other output. */
export function emitIndex(model: SystemModel, ctx: GenerateContext): GeneratedFile {
  const services = model.services.map((s) => ctx.naming.service(s.name));
  const content = [
    tsHeader([`${ctx.manifestDir}/`]),
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
