// Where the services read and write fields of the generated event types, found with the TypeScript
// compiler: property accesses whose symbol is declared in packages/contracts/src/gen/, and object-literal
// properties whose contextual type is a generated type. No hand-kept list of consumers.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One read or write of a generated record field in the code. */
export interface FieldUse {
  /** The record (generated type without its `Input` suffix), e.g. `Customer`. */
  readonly record: string;
  readonly field: string;
  readonly access: 'read' | 'write';
  /**
   * For a field of a nested record, the records whose field it was reached through, when the code
   * shows it (`event.customer.email` on a PaymentFailed → `PaymentFailed`); empty when it does not.
   */
  readonly via: string[];
  /** `services/<name>` → `<name>`; `packages/platform` → `platform`. */
  readonly service: string;
  /** Repository-relative, forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The enclosing top-level function, variable or `Class.method`; `(module)` at top level. */
  readonly handler: string;
  readonly exported: boolean;
  /** The source text of the use, trimmed to one line. */
  readonly text: string;
}

export interface CodeIndex {
  readonly uses: FieldUse[];
  readonly files: number;
  readonly millis: number;
}

/** Any generated record type: what a nested field may be reached through. */
const ANY_RECORD = undefined;

const GEN_DIR = `${path.sep}packages${path.sep}contracts${path.sep}src${path.sep}gen${path.sep}`;
const SKIP = /(\.test\.ts$|\.d\.ts$|[\\/](generated|test|node_modules|gen)[\\/])/;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.test(`${full}${path.sep}`)) out.push(...sourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !SKIP.test(full)) out.push(full);
  }
  return out;
}

/** The non-test sources impact analysis reads: every service's src/ and packages/platform/src. */
export function codeRoots(root: string): string[] {
  const services = path.join(root, 'services');
  const names = fs.existsSync(services) ? fs.readdirSync(services).sort() : [];
  return [
    ...names.flatMap((n) => sourceFiles(path.join(services, n, 'src'))),
    ...sourceFiles(path.join(root, 'packages', 'platform', 'src')),
  ];
}

function compilerOptions(root: string): ts.CompilerOptions {
  const file = path.join(root, 'tsconfig.base.json');
  const read = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, root, undefined, file);
  return { ...parsed.options, noEmit: true, skipLibCheck: true, types: ['node'] };
}

/** The record a declaration belongs to when it is a property of a generated record type. */
function generatedRecordOf(
  decl: ts.Declaration,
  records: ReadonlySet<string> | undefined,
): string | undefined {
  if (!decl.getSourceFile().fileName.split('/').join(path.sep).includes(GEN_DIR)) return undefined;
  const owner = decl.parent;
  if (!ts.isInterfaceDeclaration(owner) && !ts.isTypeAliasDeclaration(owner)) return undefined;
  const name = owner.name.text.replace(/Input$/, '');
  return records === undefined || records.has(name) ? name : undefined;
}

function recordOfSymbol(
  symbol: ts.Symbol | undefined,
  records: ReadonlySet<string> | undefined,
): string | undefined {
  return recordsOfSymbol(symbol, records)[0];
}

/** Every generated record declaring `symbol` (several for a property of a union of event types). */
function recordsOfSymbol(symbol: ts.Symbol | undefined, records: ReadonlySet<string> | undefined): string[] {
  const found = (symbol?.declarations ?? []).map((d) => generatedRecordOf(d, records));
  return [...new Set(found.filter((r): r is string => r !== undefined))].sort();
}

/** The generated record a type is (or, for a union such as `T | null`, contains). */
function recordOfType(
  type: ts.Type | undefined,
  records: ReadonlySet<string> | undefined,
): string | undefined {
  if (!type) return undefined;
  if (type.isUnion()) {
    for (const t of type.types) {
      const r = recordOfType(t, records);
      if (r) return r;
    }
    return undefined;
  }
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const name = symbol?.getName().replace(/Input$/, '');
  if (!name || (records !== undefined && !records.has(name))) return undefined;
  return symbol?.declarations?.some((d) =>
    d.getSourceFile().fileName.split('/').join(path.sep).includes(GEN_DIR),
  )
    ? name
    : undefined;
}

/** The property `name` of a (possibly union) contextual type, with the record declaring it. */
function contextualProperty(
  checker: ts.TypeChecker,
  type: ts.Type | undefined,
  name: string,
  records: ReadonlySet<string> | undefined,
): string | undefined {
  if (!type) return undefined;
  for (const t of type.isUnion() ? type.types : [type]) {
    const r = recordOfSymbol(checker.getPropertyOfType(t, name), records) ?? recordOfType(t, records);
    if (r) return r;
  }
  return undefined;
}

function handlerOf(node: ts.Node): { handler: string; exported: boolean } {
  let top: ts.Node = node;
  let method: string | undefined;
  for (let n: ts.Node = node; n.parent && !ts.isSourceFile(n); n = n.parent) {
    if (
      (ts.isMethodDeclaration(n) || ts.isPropertyDeclaration(n) || ts.isConstructorDeclaration(n)) &&
      ts.isClassLike(n.parent)
    )
      method ??= ts.isConstructorDeclaration(n) ? 'constructor' : n.name.getText();
    top = n;
  }
  const exported = (s: ts.Node) =>
    ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  if (ts.isFunctionDeclaration(top) && top.name) return { handler: top.name.text, exported: exported(top) };
  if (ts.isClassDeclaration(top) && top.name)
    return { handler: method ? `${top.name.text}.${method}` : top.name.text, exported: exported(top) };
  if (ts.isVariableStatement(top)) {
    const names = top.declarationList.declarations.map((d) => d.name.getText());
    return { handler: names.join(', '), exported: exported(top) };
  }
  return { handler: '(module)', exported: false };
}

function serviceOf(file: string): string {
  const m = /^services\/([^/]+)\//.exec(file) ?? /^packages\/([^/]+)\//.exec(file);
  return m?.[1] ?? file;
}

/**
 * Index every read and write of a field of the generated types named in `records` (the Avro record
 * names) across the services' sources, with one ts.Program.
 */
export function indexFieldUses(root: string, records: ReadonlySet<string>): CodeIndex {
  const started = performance.now();
  const files = codeRoots(root);
  const program = ts.createProgram({ rootNames: files, options: compilerOptions(root) });
  const checker = program.getTypeChecker();
  const uses: FieldUse[] = [];
  const wanted = new Set(files.map((f) => path.resolve(f)));
  for (const sf of program.getSourceFiles()) {
    if (!wanted.has(path.resolve(sf.fileName))) continue;
    const file = path.relative(root, sf.fileName).split(path.sep).join('/');
    const add = (
      at: ts.Node,
      record: string,
      field: string,
      access: 'read' | 'write',
      whole: ts.Node,
      via: string[] = [],
    ) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(at.getStart(sf));
      const text = whole.getText(sf).replace(/\s+/g, ' ');
      uses.push({
        record,
        field,
        access,
        via,
        service: serviceOf(file),
        file,
        line: line + 1,
        column: character + 1,
        ...handlerOf(at),
        text: text.length > 80 ? `${text.slice(0, 77)}...` : text,
      });
    };
    const isWriteTarget = (n: ts.Node): boolean =>
      ts.isBinaryExpression(n.parent) &&
      n.parent.left === n &&
      n.parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) {
        const field = node.name.text;
        // A field the generated type no longer has (removed, code regenerated) still names the record
        // through the type of the object it is read from.
        const record =
          recordOfSymbol(checker.getSymbolAtLocation(node.name), records) ??
          (checker.getSymbolAtLocation(node.name) === undefined
            ? recordOfType(checker.getTypeAtLocation(node.expression), records)
            : undefined);
        // `event.customer.email`: the record `customer` was read from says which events these are.
        const parent = ts.isPropertyAccessExpression(node.expression)
          ? recordsOfSymbol(checker.getSymbolAtLocation(node.expression.name), ANY_RECORD)
          : [];
        if (record) add(node.name, record, field, isWriteTarget(node) ? 'write' : 'read', node, parent);
      } else if (ts.isObjectBindingPattern(node)) {
        const type = checker.getTypeAtLocation(node);
        for (const el of node.elements) {
          const name = el.propertyName ?? el.name;
          if (!ts.isIdentifier(name) || el.dotDotDotToken) continue;
          const record = contextualProperty(checker, type, name.text, records);
          if (record) add(name, record, name.text, 'read', el);
        }
      } else if (ts.isObjectLiteralExpression(node)) {
        const type = checker.getContextualType(node);
        for (const p of node.properties) {
          if (!(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p))) continue;
          if (!ts.isIdentifier(p.name) && !ts.isStringLiteral(p.name)) continue;
          const record = contextualProperty(checker, type, p.name.text, records);
          // `customer: { email }` inside an OrderCreated literal: written through OrderCreated.customer.
          const owner = ts.isPropertyAssignment(node.parent)
            ? contextualProperty(
                checker,
                checker.getContextualType(node.parent.parent),
                node.parent.name.getText(sf),
                ANY_RECORD,
              )
            : undefined;
          if (record) add(p.name, record, p.name.text, 'write', p, owner ? [owner] : []);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  uses.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { uses, files: files.length, millis: Math.round(performance.now() - started) };
}
