// Services run as compiled JavaScript: each service's `src/main.ts`, with the workspace packages
// (@orderflow/*) and its generated Prisma client, is bundled by esbuild into `services/<name>/dist/main.js`
// (same depth as `src/`, so paths resolved from `__dirname` stay right); npm dependencies stay
// external and load from node_modules. No TypeScript loader runs in a service process.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Where a service's compiled entry point is, relative to the repository root. */
export function compiledEntry(name: string): string {
  return path.join('services', name, 'dist', 'main.js');
}

/** The npm package a bare import names (`@scope/name` or `name`, without a subpath). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Whether Node's resolution from `dir` finds `pkg` (a node_modules/<pkg> in `dir` or a directory above it). */
function installedAbove(dir: string, pkg: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules', pkg, 'package.json'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * npm packages stay external; the workspace's own packages are TypeScript sources and are bundled. An
 * external must load from where the compiled file runs: a package npm installed only under a workspace's
 * own node_modules (e.g. packages/platform/node_modules) would be found by the sources and not by
 * services/<name>/dist/main.js, so the build refuses it, naming the fix.
 */
function externalDependencies(outDir: string): Plugin {
  return {
    name: 'external-dependencies',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@orderflow/')) return undefined;
        if (!args.path.startsWith('node:') && !builtinModules.includes(packageOf(args.path))) {
          if (!installedAbove(outDir, packageOf(args.path))) {
            return {
              errors: [
                {
                  text: `${packageOf(args.path)} (imported by ${path.relative(process.cwd(), args.importer)}) cannot be loaded from ${path.relative(process.cwd(), outDir)}: it is installed only under a workspace's own node_modules. Hoist it to the root node_modules (npm install ${packageOf(args.path)} -w <that workspace>, then check package-lock.json has "node_modules/${packageOf(args.path)}").`,
                },
              ],
            };
          }
        }
        return { path: args.path, external: true };
      });
    },
  };
}

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
    plugins: [externalDependencies(path.dirname(outfile))],
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
