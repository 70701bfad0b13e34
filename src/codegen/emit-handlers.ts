/** Handler scaffolds: `<handlers>/<service>.ts` from the template, written once by the CLI, never overwritten. */
import { posix } from 'node:path';
import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';

/** A scaffold; `path` is relative to the current directory. */
export interface Scaffold {
  readonly path: string;
  readonly content: string;
}

export function emitHandlerScaffolds(model: SystemModel, ctx: GenerateContext): Scaffold[] {
  return model.services.map((service) => {
    const n = ctx.naming.service(service.name);
    const path = posix.join(ctx.handlersDir, `${n.file}.ts`);
    let stubImport = posix.relative(posix.dirname(path), posix.join(ctx.outDir, 'services', `${n.file}.js`));
    if (!stubImport.startsWith('.')) stubImport = `./${stubImport}`;
    const values: Record<string, string> = {
      service: service.name,
      handlerType: n.handler,
      define: n.define,
      contextType: n.context,
      stubImport,
      owns: service.owns.join(', ') || '(nothing)',
      waitsFor: service.waitsFor.join(', ') || '(nothing)',
      optional: service.optional.join(', ') || '(nothing)',
    };
    const content = ctx.handlerTemplate.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
    return { path, content };
  });
}
