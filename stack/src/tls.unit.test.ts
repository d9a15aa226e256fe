// Runs the JDK's keytool (no server): the material the stack makes is a CA and a broker certificate that
// Node's TLS accepts for localhost and 127.0.0.1 and rejects for other names.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { checkServerIdentity } from 'node:tls';
import path from 'node:path';
import { loadConfig } from './config';
import { ensureBrokerTls, tlsFiles, tlsMaterialUsable } from './tls';

jest.setTimeout(60_000);

let stackDir: string;
beforeAll(() => {
  stackDir = mkdtempSync(path.join(tmpdir(), 'orderflow-tls-'));
});
afterAll(() => rmSync(stackDir, { recursive: true, force: true }));

test('makes a CA and a broker certificate for localhost and 127.0.0.1, signed by it, private files 0600; reuses them', async () => {
  const config = loadConfig({ ...process.env, ORDERFLOW_STACK_DIR: stackDir });
  const first = await ensureBrokerTls(config);
  expect(first.created).toBe(true);
  const files = tlsFiles(path.join(stackDir, 'tls'));
  const ca = new X509Certificate(readFileSync(first.caFile));
  const cert = new X509Certificate(readFileSync(files.cert));
  expect(ca.ca).toBe(true);
  expect(cert.ca).toBe(false);
  expect(cert.verify(ca.publicKey)).toBe(true);
  expect(cert.checkHost('localhost')).toBe('localhost');
  expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(cert.checkHost('kafka.example.com')).toBeUndefined();
  expect(checkServerIdentity('localhost', cert.toLegacyObject())).toBeUndefined();
  for (const f of [files.keystore, files.password, files.ca]) expect(statSync(f).mode & 0o777).toBe(0o600);
  // The key store opens with the password and holds the broker's key entry and the CA.
  const listing = execFileSync('keytool', [
    '-list',
    '-keystore',
    first.keystore,
    '-storepass',
    first.password,
  ]).toString();
  expect(listing).toMatch(/broker, .*PrivateKeyEntry/);
  expect(listing).toMatch(/ca, .*trustedCertEntry/);

  const again = await ensureBrokerTls(config);
  expect(again.created).toBe(false);
  expect(again.password).toBe(first.password);
});

test('material that is incomplete, expiring or not signed by the CA is not reused', () => {
  const dir = path.join(stackDir, 'tls');
  expect(tlsMaterialUsable(dir)).toBe(true);
  expect(tlsMaterialUsable(dir, new Date(Date.now() + 800 * 86_400_000))).toBe(false);
  const files = tlsFiles(dir);
  const caPem = readFileSync(files.caPem);
  writeFileSync(files.caPem, readFileSync(files.cert)); // another certificate in the CA's place
  expect(tlsMaterialUsable(dir)).toBe(false);
  writeFileSync(files.caPem, caPem);
  rmSync(files.password);
  expect(tlsMaterialUsable(dir)).toBe(false);
});
