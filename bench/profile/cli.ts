// `npm run bench -- profile --dir D [--top N]`: summarises the CPU profiles under D (one folder per
// service, as ORDERFLOW_PROFILE_DIR=D writes them) as markdown tables.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sourceMaps, summarize, topRows, type CpuProfile } from './summarize';

export function profileReport(dir: string, root: string, top: number): string {
  const out: string[] = [];
  const maps = sourceMaps();
  const services = readdirSync(dir).filter((d) => statSync(path.join(dir, d)).isDirectory());
  if (services.length === 0)
    throw new Error(`${dir} holds no profile folders (start services with ORDERFLOW_PROFILE_DIR=${dir})`);
  for (const service of services.sort()) {
    for (const file of readdirSync(path.join(dir, service)).filter((f) => f.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(readFileSync(path.join(dir, service, file), 'utf8')) as CpuProfile;
      const s = summarize(profile, root, maps);
      out.push(
        `### ${service}: busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.wallMs / 1000).toFixed(1)} s (${file})`,
        '',
        '| self time in | ms | share of busy |',
        '| --- | --- | --- |',
        ...topRows(s.self, s.busyMs, top),
        '',
        '| charged to (first package or source file up the stack) | ms | share of busy |',
        '| --- | --- | --- |',
        ...topRows(s.causedBy, s.busyMs, top),
        '',
        '| charged to (first source file of ours up the stack) | ms | share of busy |',
        '| --- | --- | --- |',
        ...topRows(s.causedByOurs, s.busyMs, top),
        '',
      );
    }
  }
  return out.join('\n');
}
