import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `prisma generate` for one schema offline: the CLI wants a schema-engine binary it would
 * download, but generate never runs it, so a stub that explains itself stands in.
 */
export async function generateClient(opts: { rootDir: string; schemaPath: string }): Promise<void> {
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_SCHEMA_ENGINE_BINARY: join(opts.rootDir, 'prisma/tools/schema-engine-stub.sh'),
  };
  const cli = join(opts.rootDir, 'node_modules/prisma/build/index.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'generate', '--schema', opts.schemaPath], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`prisma generate --schema ${opts.schemaPath} exited ${code}:\n${out}`)),
    );
  });
}
