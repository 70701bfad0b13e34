/** `system.ts`: the `SystemState` type and the `SystemSpec` value the runtime works from. */
import type { SystemModel } from '../model/types.js';
import { PROTOCOL } from '../runtime/contract.js';
import { statusTopic } from '../runtime/envelope.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, propertyKey, quote } from './format.js';
import { tsHeader } from './header.js';

const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

export function emitSystem(model: SystemModel, ctx: GenerateContext): GeneratedFile[] {
  const imports = model.domains.map((d) => {
    const n = ctx.naming.domain(d.name);
    return `import { ${n.spec}, type ${n.type} } from ${quote(`./domains/${d.name}.js`)};`;
  });
  const stateMembers = model.domains.flatMap((d) => {
    const doc = d.description ?? `State of \`${d.name}\`, published by \`${d.owner}\`.`;
    return [docComment([doc], '  '), `  readonly ${propertyKey(d.name)}: ${ctx.naming.domain(d.name).type};`];
  });
  const services = model.services.flatMap((s) => [
    `    ${propertyKey(s.name)}: {`,
    `      name: ${quote(s.name)},`,
    `      statusTopic: ${quote(statusTopic(ctx.prefix, s.name))},`,
    `      owns: ${list(s.owns)},`,
    `      waitsFor: ${list(s.waitsFor)},`,
    `      optional: ${list(s.optional)},`,
    '    },',
  ]);
  const content = [
    tsHeader([`${ctx.manifestDir}/`]),
    `import type { SystemSpec } from ${quote(ctx.runtimeImport)};`,
    ...imports,
    '',
    docComment(['The whole system state as every service holds it: each domain\'s state type, by domain name.']),
    'export type SystemState = {',
    ...stateMembers,
    '};',
    '',
    'export type DomainName = keyof SystemState;',
    '',
    `export type ServiceName = ${model.services.map((s) => quote(s.name)).join(' | ') || 'never'};`,
    '',
    docComment([`The system \`${ctx.system}\` as data: its domains (with their compiled validators) and services.`]),
    'export const system = {',
    `  protocol: ${quote(PROTOCOL)},`,
    `  system: ${quote(ctx.system)},`,
    `  prefix: ${quote(ctx.prefix)},`,
    '  domains: {',
    ...model.domains.map((d) => `    ${propertyKey(d.name)}: ${ctx.naming.domain(d.name).spec},`),
    '  },',
    '  services: {',
    ...services,
    '  },',
    '} as const satisfies SystemSpec;',
    '',
  ].join('\n');
  return [{ path: 'system.ts', content }];
}
