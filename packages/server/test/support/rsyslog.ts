import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from './tls-certs.js';

/*
 * A real rsyslog (Debian's rsyslogd with rsyslog-gnutls) of the test's own: own port, own config
 * and work directory, run in the foreground as a child and killed by `stop`. It receives RFC 5425
 * syslog over TLS (imtcp, gtls driver, anonymous client auth) and writes each message it parsed
 * as RFC 5424, field by field, to `out.log`: what a SIEM behind rsyslog would see.
 */

export const RSYSLOGD = '/usr/sbin/rsyslogd';
export const rsyslogAvailable = (): boolean => existsSync(RSYSLOGD);

/** One line per message: rsyslog's parse of each RFC 5424 field, `|`-separated, MSG last. */
const TEMPLATE =
  '%syslogfacility%|%syslogseverity%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n';

export interface ParsedSyslogLine {
  readonly facility: number;
  readonly severity: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly structuredData: string;
  readonly msg: string;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export class Rsyslog {
  readonly dir: string;
  readonly port: number;
  readonly outFile: string;
  #child: ChildProcess | null = null;
  #stderr = '';

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.outFile = join(dir, 'out.log');
  }

  /** Over TLS with `pki`'s server certificate; with `null`, plain TCP (a local relay). */
  static async start(pki: TestPki | null): Promise<Rsyslog> {
    const dir = mkdtempSync(join(tmpdir(), 'cutoff-rsyslog-'));
    const rsyslog = new Rsyslog(dir, await freePort());
    const tls =
      pki === null
        ? [`global(workDirectory="${dir}" maxMessageSize="64k")`, 'module(load="imtcp")']
        : [
            `global(workDirectory="${dir}" maxMessageSize="64k" DefaultNetstreamDriver="gtls"`,
            `       DefaultNetstreamDriverCAFile="${pki.caFile}" DefaultNetstreamDriverCertFile="${pki.certFile}"`,
            `       DefaultNetstreamDriverKeyFile="${pki.keyFile}")`,
            'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")',
          ];
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      [
        ...tls,
        `input(type="imtcp" port="${rsyslog.port}" address="127.0.0.1")`,
        `template(name="fields" type="string" string="${TEMPLATE}")`,
        // rsyslogd's own messages (start, bind errors) to their own file, named in our errors.
        `if $programname == "rsyslogd" then { action(type="omfile" file="${join(dir, 'rsyslogd.log')}") stop }`,
        `action(type="omfile" file="${rsyslog.outFile}" template="fields")`,
        '',
      ].join('\n'),
    );
    await rsyslog.restart();
    return rsyslog;
  }

  /** Starts rsyslogd (again) on the same port, config and output file; resolves once it listens. */
  async restart(): Promise<void> {
    await this.stop();
    this.#stderr = '';
    const child = spawn(
      RSYSLOGD,
      ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslogd.pid')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.#child = child;
    // Generous: on a loaded machine (load 18 on 2 cores measured) rsyslogd takes seconds to start.
    const deadline = Date.now() + 30_000;
    while (!(await canConnect(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const own = join(this.dir, 'rsyslogd.log');
        const log = existsSync(own) ? readFileSync(own, 'utf8') : '';
        throw new Error(`rsyslogd did not start listening on ${this.port}: ${this.#stderr} ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGTERM and wait for the exit: rsyslog closes its connections and flushes `out.log`. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** Stops rsyslogd and removes its directory (config, work files, `out.log`). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  lines(): ParsedSyslogLine[] {
    if (!existsSync(this.outFile)) return [];
    return readFileSync(this.outFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [facility, severity, timestamp, hostname, appName, procId, msgId, ...rest] = line.split('|');
        // Structured data ends at the first `] ` not escaped; the MSG may contain `|`.
        const tail = rest.join('|');
        const end = /(?<!\\)\]\|/.exec(tail);
        const structuredData = end === null ? '' : tail.slice(0, end.index + 1);
        return {
          facility: Number(facility),
          severity: Number(severity),
          timestamp: timestamp!,
          hostname: hostname!,
          appName: appName!,
          procId: procId!,
          msgId: msgId!,
          structuredData,
          msg: end === null ? tail : tail.slice(end.index + 2),
        };
      });
  }

  /** Waits until `count` messages are in `out.log` (rsyslog writes asynchronously). */
  async waitForLines(count: number, timeoutMs = 10_000): Promise<ParsedSyslogLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.lines();
      if (lines.length >= count) return lines;
      if (Date.now() > deadline) throw new Error(`rsyslog wrote ${lines.length} of ${count} messages`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** RFC 5424 section 6.3: the SD-PARAMs of one SD-ELEMENT, with `\"`, `\\`, `\]` unescaped. */
export const parseStructuredData = (
  sd: string,
): { readonly id: string; readonly params: Record<string, string> } => {
  const match = /^\[([^\s\]]+)((?:\s[^=\s]+="(?:[^"\\\]]|\\["\\\]])*")*)\]$/.exec(sd);
  if (match === null) throw new Error(`not one SD-ELEMENT: ${sd}`);
  const params: Record<string, string> = {};
  for (const param of match[2]!.matchAll(/\s([^=\s]+)="((?:[^"\\\]]|\\["\\\]])*)"/g))
    params[param[1]!] = param[2]!.replace(/\\(["\\\]])/g, '$1');
  return { id: match[1]!, params };
};
