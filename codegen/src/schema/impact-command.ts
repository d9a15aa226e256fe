// `schema impact [--against <git-ref>] [--registry <url>] [--format text|json|github]`: for each field
// changed since the latest earlier version (the registry's, else git's: the versions `check` compares
// with), the services, handlers and source lines that read or write it. Informational: exit 0.
import { analyseImpact, impactAnnotations, impactText } from '../impact/impact';
import { formatOption, parseArgs } from './args';
import { runCheckWith, topicDiffs } from './check-command';
import { GITHUB_ACTIONS } from './config';

export const IMPACT_USAGE = 'impact [--against <git-ref>] [--registry <url>] [--format text|json|github]';

/** Run `impact`; always 0 (bad arguments and unusable input throw SchemaCliError: exit 2). */
export async function impactCommand(argv: readonly string[], out: (line: string) => void): Promise<0> {
  const args = parseArgs('impact', argv, ['against', 'registry', 'format']);
  const format = formatOption('impact', args, ['text', 'json', 'github'] as const);
  // The same baseline, registry and earlier versions as `check`; only Avro's rules, which are not reported.
  const { root, report } = await runCheckWith(args, 'avro');
  const impact = analyseImpact(root, topicDiffs(report));
  if (format === 'json') {
    out(JSON.stringify({ baseline: report.baseline, registry: report.registry, ...impact }, null, 2));
    return 0;
  }
  if (format === 'text') {
    out(
      `schema impact: git baseline ${report.baseline}${report.registry ? `; registry ${report.registry}` : ''}`,
    );
    for (const line of impactText(impact)) out(line);
  }
  if (format === 'github' || GITHUB_ACTIONS) for (const line of impactAnnotations(impact)) out(line);
  if (format === 'github') out(impactText(impact).at(-1) ?? '');
  return 0;
}
