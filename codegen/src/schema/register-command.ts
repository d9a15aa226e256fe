// `schema register [--registry URL]`: set each subject's compatibility level, then register its schema:
// shared types first (each under its own subject, in dependency order), then every topic's schema
// naming the shared types it uses in its `references` (Confluent's references API, which Apicurio's
// ccompat API implements too).
import path from 'node:path';
import { RegistryError, registryAuthOption, SchemaRegistryClient } from '@orderflow/codec';
import type { CompatibilityLevel, SchemaReference } from '@orderflow/codec';
import { registrationOf } from '../generator/shared-types';
import { parseArgs, single } from './args';
import { DEFAULT_REGISTRY_URL } from './config';
import { SchemaCliError } from './errors';
import {
  findRoot,
  loadDefaultCompatibility,
  loadResolvedSchemaFile,
  loadShared,
  loadTopicTable,
} from './inputs';

export const REGISTER_USAGE = 'register [--registry URL]';

interface Registration {
  readonly subject: string;
  readonly file: string;
  readonly compatibility: CompatibilityLevel;
  /** The canonical text registered and looked up (the file as written). */
  readonly schema: string;
  /** Shared types it names, by full name. */
  readonly references: readonly string[];
}

/** Run `register`; returns 0 when every subject is registered at its level. */
export async function registerCommand(argv: readonly string[], out: (line: string) => void): Promise<0> {
  const args = parseArgs('register', argv, ['registry']);
  const url = single(args, 'registry') ?? DEFAULT_REGISTRY_URL;
  const root = findRoot();
  const table = loadTopicTable(root);
  const shared = loadShared(root);
  const sharedLevel = loadDefaultCompatibility(root);
  // Validate every schema (shared types resolved) before touching the registry, so a bad file registers nothing.
  const subjects: Registration[] = [
    ...shared.ordered.map((t) => ({
      subject: t.subject,
      file: t.file,
      compatibility: sharedLevel,
      schema: registrationOf(t.json, t.references, shared).schema,
      references: t.references,
    })),
    ...table.map((entry) => {
      const resolved = loadResolvedSchemaFile(path.join(root, entry.schemaPath), entry.schemaPath, shared);
      return {
        subject: entry.subject,
        file: entry.schemaPath,
        compatibility: entry.compatibility,
        // The same text the codecs look up (one canonical form: registries compare schema text).
        schema: registrationOf(resolved.written, resolved.references, shared).schema,
        references: resolved.references,
      };
    }),
  ];
  const client = new SchemaRegistryClient({ url, ...registryAuthOption() });
  out(`registering ${subjects.length} subjects at ${url}`);
  const versions = new Map<string, number>();
  for (const s of subjects) {
    const references: SchemaReference[] = s.references.map((name) => {
      const subject = shared.byName.get(name)!.subject;
      return { name, subject, version: versions.get(subject)! };
    });
    const named =
      references.length === 0
        ? ''
        : `; references ${references.map((r) => `${r.subject} v${r.version}`).join(', ')}`;
    try {
      // Level first: the registration itself must be checked at the subject's level.
      await client.setCompatibility(s.subject, s.compatibility);
      const existing = await client.lookup(s.subject, s.schema, references);
      if (existing) {
        versions.set(s.subject, existing.version);
        out(
          `${s.subject} -> id ${existing.id}, version ${existing.version} (already registered; ${s.compatibility}${named})`,
        );
        continue;
      }
      const id = await client.register(s.subject, s.schema, references);
      const registered = await client.lookup(s.subject, s.schema, references);
      if (registered === undefined)
        throw new SchemaCliError(
          'REGISTRY',
          `${s.subject} (${s.file}) at ${url}: registered as id ${id}, but looking the same schema up again found nothing, so schemas naming it cannot reference its version`,
        );
      versions.set(s.subject, registered.version);
      out(`${s.subject} -> id ${id}, version ${registered.version} (registered; ${s.compatibility}${named})`);
    } catch (err) {
      if (err instanceof RegistryError) {
        const refused = err.code === 'INCOMPATIBLE' || err.code === 'INVALID_SCHEMA';
        // Apicurio 3.x answers an incompatible schema that has references with 422 "Could not execute
        // compatibility rule on invalid Avro schema" instead of 409: the check explains either.
        const why =
          err.code === 'INCOMPATIBLE' || (err.code === 'INVALID_SCHEMA' && references.length > 0)
            ? '; run `npm run schema -- check --registry ' + url + '` to see why'
            : '';
        throw new SchemaCliError(
          'REGISTRY',
          `${s.subject} (${s.file}${named}) at ${url}: ${err.message}${why}`,
          refused ? 1 : 2,
        );
      }
      throw err;
    }
  }
  return 0;
}
