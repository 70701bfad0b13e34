/**
 * `services/<service>.ts`: the typed stub of each service, built as ts-morph structures
 * and printed with `printStructure` — no project, no parse of the printed text, which is
 * what makes ts-morph slow (a source file per stub cost ~3× as much).
 */
import { printStructure, StructureKind, type StatementStructures } from 'ts-morph';
import type { ServiceModel, SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { quote } from './format.js';
import { tsHeader } from './header.js';

/** Two-space indent, single quotes, `\n`: fixed here, whatever the user's editor settings. */
const PRINT_OPTIONS = { indentNumberOfSpaces: 2, useSingleQuote: true, newLine: '\n' } as const;

const union = (names: readonly string[]): string => (names.length === 0 ? 'never' : names.map(quote).join(' | '));
const codeList = (names: readonly string[]): string => (names.length === 0 ? 'nothing' : names.map((n) => `\`${n}\``).join(', '));

/** The handler's doc: what the service publishes, waits for and receives (said once, here). */
function handlerDoc(service: ServiceModel): string {
  return [
    `Implement this in your handler file: the service \`${service.name}\`.`,
    '',
    `- publishes: ${codeList(service.owns)}`,
    `- waits for (required, present in \`ctx.state\` once started): ${codeList(service.waitsFor)}`,
    `- also receives (optional, possibly absent): ${codeList(service.optional)}`,
  ].join('\n');
}

/** The factory's doc: what it is for, and how a handler file uses it. */
function defineDoc(service: string, define: string): string {
  return [
    `A \`${service}\` handler made afresh for each instance: keep its state in \`init\`'s closure,`,
    'so two instances (two tests at once, a restart) never share it. `chinook run` and the test',
    'helpers call `init` once per instance.',
    '',
    `\`export default ${define}(() => { let count = 0; return { async onStart(ctx) { … } }; });\``,
  ].join('\n');
}

export function buildServiceStatements(service: ServiceModel, ctx: GenerateContext, sources: readonly string[]): StatementStructures[] {
  const n = ctx.naming.service(service.name);
  const watched = [...new Set([...service.owns, ...service.waitsFor, ...service.optional])].sort();
  return [
    {
      kind: StructureKind.ImportDeclaration,
      leadingTrivia: `${tsHeader(sources)}\n`,
      moduleSpecifier: ctx.runtimeImport,
      namedImports: [
        { name: 'createService' },
        { name: 'RunOptions', isTypeOnly: true },
        { name: 'ServiceContext', isTypeOnly: true },
        { name: 'ServiceHandler', isTypeOnly: true },
        { name: 'ServiceInstance', isTypeOnly: true },
        { name: 'ServiceTypes', isTypeOnly: true },
      ],
    },
    {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: '../system.js',
      namedImports: [{ name: 'system' }, { name: 'SystemState', isTypeOnly: true }],
    },
    {
      kind: StructureKind.Interface,
      isExported: true,
      name: n.types,
      docs: [`The types of \`${service.name}\`, from which the runtime types its handler's \`ctx\`.`],
      extends: ['ServiceTypes'],
      properties: [
        { name: 'state', type: 'SystemState', isReadonly: true, docs: ['The whole system\'s state, typed per domain.'] },
        { name: 'owned', type: union(service.owns), isReadonly: true, docs: ['Domains it publishes.'] },
        { name: 'required', type: union(service.waitsFor), isReadonly: true, docs: ['Domains it waits for before its first state.'] },
        { name: 'watched', type: union(watched), isReadonly: true, docs: ['Domains it gets update callbacks for: its own and every dependency.'] },
      ],
    },
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: n.context,
      docs: [`What a \`${service.name}\` handler gets: the typed system state and a \`publish\` for its own domains.`],
      type: `ServiceContext<${n.types}>`,
    },
    {
      kind: StructureKind.Interface,
      isExported: true,
      name: n.handler,
      docs: [handlerDoc(service)],
      extends: [`ServiceHandler<${n.types}>`],
    },
    {
      kind: StructureKind.Function,
      isExported: true,
      name: n.define,
      docs: [defineDoc(service.name, n.define)],
      parameters: [{ name: 'init', type: `() => ${n.handler}` }],
      returnType: `() => ${n.handler}`,
      statements: ['return init;'],
    },
    {
      kind: StructureKind.Function,
      isExported: true,
      name: n.create,
      docs: [`Binds a handler (or a \`${n.define}\` factory) to the bus as \`${service.name}\`; \`start()\` it to run.`],
      parameters: [
        { name: 'handler', type: `${n.handler} | (() => ${n.handler})` },
        { name: 'options', type: 'RunOptions' },
      ],
      returnType: `ServiceInstance<${n.types}>`,
      statements: [`return createService<${n.types}>(system, ${quote(service.name)}, handler, options);`],
    },
  ];
}

export function emitServices(model: SystemModel, ctx: GenerateContext): GeneratedFile[] {
  return model.services.map((service) => {
    const sources = service.owns.map((d) => model.domainsByName.get(d)?.file ?? `${ctx.manifestDir}/`);
    const path = `services/${ctx.naming.service(service.name).file}.ts`;
    const content = printStructure({ kind: StructureKind.SourceFile, statements: buildServiceStatements(service, ctx, [...new Set(sources)]) }, PRINT_OPTIONS);
    return { path, content: content.endsWith('\n') ? content : `${content}\n` };
  });
}
