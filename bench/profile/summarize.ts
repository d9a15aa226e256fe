// Summarises V8 CPU profiles (`node --cpu-prof`, e.g. services started with ORDERFLOW_PROFILE_DIR) into
// where a service's busy time goes: self time per place (an npm package, a source file of ours mapped
// through the bundle's source map, a node: module, or V8's own GC/program), and the same time charged
// to the first package or source file of ours up the stack ("caused by"), which is what points at the
// code to change: a socket write is charged to `pg` or `kafkajs`, a JSON.parse to the file calling it.
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** The JSON that `node --cpu-prof` writes. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame runs: its place, and whether that place is code someone can change (ours or a package's). */
export interface Place {
  name: string;
  owned: boolean;
  /** True for this repository's own source files (not an npm package). */
  ours?: boolean;
}

const V8_FRAMES: Record<string, string> = {
  '(garbage collector)': '(gc)',
  '(program)': '(program)',
  '(idle)': '(idle)',
  '(root)': '(root)',
};

/** Maps a frame to its place; `bundles` maps a compiled file's path to its source map, when it has one. */
export function placeOf(
  frame: CallFrame,
  root: string,
  mapOf: (file: string) => SourceMap | undefined,
): Place {
  const v8 = V8_FRAMES[frame.functionName];
  if (frame.url === '' && v8 !== undefined) return { name: v8, owned: false };
  if (frame.url === '') return { name: '(native)', owned: false };
  if (frame.url.startsWith('node:')) {
    const mod = frame.url.slice('node:'.length).replace(/^internal\//, '');
    return { name: `node:${mod.split('/')[0] ?? mod}`, owned: false };
  }
  const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
    return { name: pkg, owned: true };
  }
  const map = mapOf(file);
  if (map !== undefined) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
    if (entry.originalSource !== undefined) {
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : path.resolve(path.dirname(file), entry.originalSource);
      const relative = path.relative(root, source);
      const inPackage = relative.lastIndexOf('node_modules/');
      if (inPackage !== -1) return placeOf({ ...frame, url: source }, root, () => undefined);
      return { name: relative, owned: true, ours: true };
    }
  }
  return { name: path.relative(root, file), owned: true, ours: true };
}

/** One profile's busy time, self time per place and time charged to the first owned place up the stack. */
export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  self: Map<string, number>;
  causedBy: Map<string, number>;
  /** Busy time charged to the first source file of ours up the stack (a package's name when none is). */
  causedByOurs: Map<string, number>;
}

export function summarize(
  profile: CpuProfile,
  root: string,
  mapOf: (file: string) => SourceMap | undefined = () => undefined,
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const places = new Map<number, Place>();
  const placeOfNode = (id: number): Place => {
    let place = places.get(id);
    if (place === undefined) {
      place = placeOf(byId.get(id)?.callFrame ?? V8_FRAME_ROOT, root, mapOf);
      places.set(id, place);
    }
    return place;
  };
  const causeFinder = (stop: (place: Place) => boolean): ((id: number) => string) => {
    const cause = new Map<number, string>();
    const find = (id: number): string => {
      const known = cause.get(id);
      if (known !== undefined) return known;
      const own = placeOfNode(id);
      const up = parent.get(id);
      const found = stop(own) ? own.name : up === undefined ? '' : find(up);
      cause.set(id, found);
      return found;
    };
    return find;
  };
  const firstOwned = causeFinder((p) => p.owned);
  const firstOurs = causeFinder((p) => p.ours === true);
  const self = new Map<string, number>();
  const causedBy = new Map<string, number>();
  const causedByOurs = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, ms: number): void => {
    m.set(key, (m.get(key) ?? 0) + ms);
  };
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const place = placeOfNode(id).name;
    add(self, place, ms);
    if (place === '(idle)') return;
    busy += ms;
    const owned = firstOwned(id);
    add(causedBy, owned === '' ? place : owned, ms);
    const ours = firstOurs(id);
    add(
      causedByOurs,
      ours === '' ? (owned === '' ? place : `${owned} (no file of ours up the stack)`) : ours,
      ms,
    );
  });
  return { wallMs: (profile.endTime - profile.startTime) / 1000, busyMs: busy, self, causedBy, causedByOurs };
}

const V8_FRAME_ROOT: CallFrame = { functionName: '(root)', url: '', lineNumber: 0, columnNumber: 0 };

/** Loads source maps of compiled files next to them (`<file>.map`), once each. */
export function sourceMaps(): (file: string) => SourceMap | undefined {
  const cache = new Map<string, SourceMap | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const mapFile = `${file}.map`;
      cache.set(
        file,
        existsSync(mapFile)
          ? new SourceMap(
              JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0],
            )
          : undefined,
      );
    }
    return cache.get(file);
  };
}

/** Markdown rows: the `top` places by time, as ms and share of busy time. */
export function topRows(times: Map<string, number>, busyMs: number, top: number): string[] {
  return [...times.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => `| ${name} | ${Math.round(ms)} | ${((100 * ms) / busyMs).toFixed(1)} % |`);
}
