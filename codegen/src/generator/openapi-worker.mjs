// Runs openapi-typescript in a plain Node process: it is ESM with ESM-only dependencies, which
// jest's CommonJS runtime cannot load. Reads the OpenAPI document (JSON) on stdin, writes the
// TypeScript on stdout; on failure prints the reason on stderr and exits 1.
import openapiTS, { astToString } from 'openapi-typescript';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
});
process.stdin.on('end', () => {
  openapiTS(JSON.parse(input), { silent: true })
    .then((ast) => {
      process.stdout.write(astToString(ast));
    })
    .catch((err) => {
      process.stderr.write(String(err && err.message ? err.message : err));
      process.exitCode = 1;
    });
});
