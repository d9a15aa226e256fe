import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

// The engine's typings are an internal API; only the two calls we make are described here.
interface WasmEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
}
interface WasmModule {
  __wbg_set_wasm(exports: unknown): void;
  SchemaEngine: {
    new: (options: unknown, log: (line: string) => void, adapter: unknown) => Promise<WasmEngine>;
  };
}

// Node has WebAssembly at run time; the project's lib settings (no DOM) do not declare it.
declare const WebAssembly: {
  instantiate(
    bytes: Buffer,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let engineModule: Promise<WasmModule> | undefined;

// The package's entry point imports a .wasm file as an ES module, which Node cannot; load it by hand.
async function loadEngine(): Promise<WasmModule> {
  const require = createRequire(__filename);
  const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as WasmModule;
  const { instance } = await WebAssembly.instantiate(readFileSync(bgPath.replace(/\.js$/, '.wasm')), {
    './schema_engine_bg.js': bg,
  });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg;
}

/**
 * The SQL `prisma migrate dev` would write to take a database from `fromSchema` (or nothing) to the
 * schema file, computed offline by Prisma's schema engine (WebAssembly build).
 */
export async function diffSchema(opts: {
  schemaPath: string;
  /** The schema the existing migrations produce; omitted for the first migration. */
  fromSchema?: string;
  /** Any database on the server (the engine opens a connection even for schema-to-schema diffs). */
  adminUrl: string;
}): Promise<string> {
  engineModule ??= loadEngine();
  const wasm = await engineModule;
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: opts.adminUrl }));
  const engine = await wasm.SchemaEngine.new({ datamodels: undefined }, () => undefined, adapter);
  const to = {
    tag: 'schemaDatamodel',
    files: [{ path: opts.schemaPath, content: readFileSync(opts.schemaPath, 'utf8') }],
  };
  // Diffing from the migrations folder needs a shadow database, and the adapter cannot read the
  // catalog's "char" columns when the engine describes it; so later migrations diff from the schema
  // as it was when the previous migration was written (given by the caller, e.g. from git).
  const from =
    opts.fromSchema === undefined
      ? { tag: 'empty' }
      : { tag: 'schemaDatamodel', files: [{ path: opts.schemaPath, content: opts.fromSchema }] };
  const res = await engine.diff({
    from,
    to,
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  return res.stdout ?? '';
}
