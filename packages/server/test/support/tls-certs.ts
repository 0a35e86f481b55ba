import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a server certificate it signed, for 127.0.0.1 and localhost; PEM text and file paths. */
export interface TestPki {
  readonly dir: string;
  readonly caPem: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** With the `openssl` CLI (about 100 ms for two EC keys); every call is a fresh, unrelated CA. */
export const makeTestPki = (dir: string = mkdtempSync(join(tmpdir(), 'cutoff-pki-'))): TestPki => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Cutoff test CA',
  );
  openssl(dir, 'req', ...ec, '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(
    join(dir, 'ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caFile: file('ca.pem'),
    certFile: file('cert.pem'),
    keyFile: file('key.pem'),
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    certPem: readFileSync(file('cert.pem'), 'utf8'),
    keyPem: readFileSync(file('key.pem'), 'utf8'),
  };
};
