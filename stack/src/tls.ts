// The local stack's TLS material: a private CA and one key store for the brokers' SASL_SSL listener, made
// with the JDK's keytool (no openssl needed) under .stack/tls. Clients trust the CA through
// KAFKA_SSL_CA_FILE=.stack/tls/ca.pem, exactly as they would trust a managed Kafka's CA.
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StackConfig } from './config';
import { StackError } from './errors';

const run = promisify(execFile);

/** What a broker's SASL_SSL listener needs, and what clients trust. */
export interface BrokerTls {
  /** PKCS#12 key store holding the brokers' key and its chain (CA included). */
  readonly keystore: string;
  readonly password: string;
  /** The CA certificate, PEM: the clients' KAFKA_SSL_CA_FILE. */
  readonly caFile: string;
}

/** The directory of the stack's TLS material. */
export function tlsDirOf(stackDir: string): string {
  return path.join(stackDir, 'tls');
}

/** The files of the TLS material in `dir`. */
export function tlsFiles(dir: string): {
  ca: string;
  caPem: string;
  keystore: string;
  csr: string;
  cert: string;
  password: string;
} {
  return {
    ca: path.join(dir, 'ca.p12'),
    caPem: path.join(dir, 'ca.pem'),
    keystore: path.join(dir, 'broker.p12'),
    csr: path.join(dir, 'broker.csr'),
    cert: path.join(dir, 'broker.pem'),
    password: path.join(dir, 'password'),
  };
}

/**
 * The keytool invocations that make the CA and the brokers' key store, in order: a CA key pair (basic
 * constraints CA), its certificate as PEM, the brokers' key pair, a signing request, the CA's signature
 * with the names clients connect to (localhost, 127.0.0.1), then the CA and the signed certificate
 * imported into the brokers' store.
 */
export function keytoolSteps(dir: string, password: string): string[][] {
  const f = tlsFiles(dir);
  const store = (file: string) => ['-keystore', file, '-storepass', password, '-storetype', 'PKCS12'];
  return [
    [
      '-genkeypair',
      '-alias',
      'ca',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-dname',
      'CN=Orderflow local stack CA',
      '-ext',
      'bc:c',
      '-validity',
      '3650',
      ...store(f.ca),
    ],
    ['-exportcert', '-rfc', '-alias', 'ca', '-file', f.caPem, ...store(f.ca)],
    [
      '-genkeypair',
      '-alias',
      'broker',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-dname',
      'CN=localhost',
      '-validity',
      '825',
      ...store(f.keystore),
    ],
    ['-certreq', '-alias', 'broker', '-file', f.csr, ...store(f.keystore)],
    [
      '-gencert',
      '-alias',
      'ca',
      '-infile',
      f.csr,
      '-outfile',
      f.cert,
      '-rfc',
      '-ext',
      'SAN=dns:localhost,ip:127.0.0.1',
      '-ext',
      'EKU=serverAuth,clientAuth',
      '-validity',
      '825',
      ...store(f.ca),
    ],
    ['-importcert', '-noprompt', '-alias', 'ca', '-file', f.caPem, ...store(f.keystore)],
    ['-importcert', '-noprompt', '-alias', 'broker', '-file', f.cert, ...store(f.keystore)],
  ];
}

/** Whether the material in `dir` is complete and the brokers' certificate is valid for at least 30 more days. */
export function tlsMaterialUsable(dir: string, now: Date = new Date()): boolean {
  const f = tlsFiles(dir);
  if (![f.caPem, f.keystore, f.cert, f.password].every((file) => existsSync(file))) return false;
  try {
    const cert = new X509Certificate(readFileSync(f.cert));
    const ca = new X509Certificate(readFileSync(f.caPem));
    return cert.verify(ca.publicKey) && new Date(cert.validTo).getTime() - now.getTime() > 30 * 86_400_000;
  } catch {
    return false;
  }
}

/** keytool of the JDK the stack runs Kafka with. */
function keytoolOf(config: StackConfig): string {
  return config.java === 'java' ? 'keytool' : path.join(path.dirname(config.java), 'keytool');
}

/** Makes the CA and the brokers' key store when they are missing or expiring (about 3 s: seven keytool runs), else reuses them. */
export async function ensureBrokerTls(config: StackConfig): Promise<BrokerTls & { created: boolean }> {
  const dir = tlsDirOf(config.stackDir);
  const f = tlsFiles(dir);
  let created = false;
  if (!tlsMaterialUsable(dir)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const password = randomBytes(18).toString('base64url');
    for (const args of keytoolSteps(dir, password)) {
      try {
        await run(keytoolOf(config), args, { timeout: 60_000 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new StackError(
          'NOT_READY',
          `keytool ${args[0]} failed while making the stack's TLS material in ${dir}: ${(e.stderr || e.stdout || e.message).trim()}. ` +
            'keytool comes with the JDK (JAVA_HOME); remove the directory and run `npm run stack -- up` again',
        );
      }
    }
    writeFileSync(f.password, password, { mode: 0o600 });
    chmodSync(f.keystore, 0o600);
    chmodSync(f.ca, 0o600);
    created = true;
  }
  return {
    keystore: f.keystore,
    password: readFileSync(f.password, 'utf8').trim(),
    caFile: f.caPem,
    created,
  };
}
