import { readFileSync } from 'node:fs';

test('root package declares the workspaces of the design', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces: string[] };
  expect(pkg.workspaces).toEqual(expect.arrayContaining(['codegen', 'stack', 'packages/*', 'services/*']));
});
