// Services run as compiled JavaScript: each service's `src/main.ts`, with the workspace packages
// (@orderflow/*) and its generated Prisma client, is bundled by esbuild into `services/<name>/dist/main.js`
// (same depth as `src/`, so paths resolved from `__dirname` stay right); npm dependencies stay
// external and load from node_modules. No TypeScript loader runs in a service process.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Where a service's compiled entry point is, relative to the repository root. */
export function compiledEntry(name: string): string {
  return path.join('services', name, 'dist', 'main.js');
}

/** npm packages stay external; the workspace's own packages are TypeScript sources and are bundled. */
const externalDependencies: Plugin = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@orderflow/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

export interface BuildResult {
  name: string;
  ms: number;
  bytes: number;
}

/**
 * Compiles a service to `services/<name>/dist/main.js` (with a source map). Written to a temporary file
 * and renamed, so a process starting meanwhile never reads half a file. Throws with esbuild's messages
 * (file, line, column) when the sources do not compile.
 */
export async function buildService(root: string, name: string): Promise<BuildResult> {
  const started = Date.now();
  const outfile = path.join(root, compiledEntry(name));
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join('services', name, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
    plugins: [externalDependencies],
  });
  mkdirSync(path.dirname(outfile), { recursive: true });
  let bytes = 0;
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
    if (file.path === outfile) bytes = file.contents.length;
  }
  return { name, ms: Date.now() - started, bytes };
}
