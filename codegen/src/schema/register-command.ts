// `schema register [--registry URL]`: set each subject's compatibility level, then register its schema.
import path from 'node:path';
import { canonicalSchema, RegistryError, registryAuthOption, SchemaRegistryClient } from '@orderflow/codec';
import { parseArgs, single } from './args';
import { DEFAULT_REGISTRY_URL } from './config';
import { SchemaCliError } from './errors';
import { findRoot, loadSchemaFile, loadTopicTable } from './inputs';

export const REGISTER_USAGE = 'register [--registry URL]';

/** Run `register`; returns 0 when every subject is registered at its level. */
export async function registerCommand(argv: readonly string[], out: (line: string) => void): Promise<0> {
  const args = parseArgs('register', argv, ['registry']);
  const url = single(args, 'registry') ?? DEFAULT_REGISTRY_URL;
  const root = findRoot();
  const table = loadTopicTable(root);
  // Validate every schema before touching the registry, so a bad file registers nothing.
  const schemas = table.map((entry) => ({
    entry,
    text: loadSchemaFile(path.join(root, entry.schemaPath), entry.schemaPath).text,
  }));
  const client = new SchemaRegistryClient({ url, ...registryAuthOption() });
  out(`registering ${schemas.length} subjects at ${url}`);
  for (const { entry, text } of schemas) {
    // The same text the codecs look up (one canonical form: registries compare schema text).
    const canonical = canonicalSchema(text);
    try {
      // Level first: the registration itself must be checked at the topic's level.
      await client.setCompatibility(entry.subject, entry.compatibility);
      const existing = await client.lookup(entry.subject, canonical);
      if (existing) {
        out(
          `${entry.subject} -> id ${existing.id}, version ${existing.version} (already registered; ${entry.compatibility})`,
        );
        continue;
      }
      const id = await client.register(entry.subject, canonical);
      const registered = await client.lookup(entry.subject, canonical);
      out(
        `${entry.subject} -> id ${id}, version ${registered?.version ?? '?'} (registered; ${entry.compatibility})`,
      );
    } catch (err) {
      if (err instanceof RegistryError) {
        const refused = err.code === 'INCOMPATIBLE' || err.code === 'INVALID_SCHEMA';
        throw new SchemaCliError(
          'REGISTRY',
          `${entry.subject} (${entry.schemaPath}) at ${url}: ${err.message}${err.code === 'INCOMPATIBLE' ? '; run `npm run schema -- check --registry ' + url + '` to see why' : ''}`,
          refused ? 1 : 2,
        );
      }
      throw err;
    }
  }
  return 0;
}
