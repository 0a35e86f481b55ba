import net from 'node:net';
import { hostname as machineHostname } from 'node:os';
import tls from 'node:tls';
import { DeliveryError } from '../../domain/destinations/delivery-error.js';
import {
  formatSyslogMessage,
  octetCountedFrame,
  type SyslogHeader,
} from '../../domain/destinations/rfc5424.js';
import type { SyslogConfig } from '../../domain/destinations/syslog-config.js';
import type { DestinationSender, OutboundEvent } from '../../ports/destination-sender.js';
import { isCertificateError } from './tls-errors.js';

/*
 * Syslog over TLS (RFC 5425) or, to a loopback relay, plain TCP: RFC 5424 messages with
 * octet-counted framing (RFC 6587 section 3.4.1) on one persistent connection, opened on the
 * first batch and again after any error or close.
 *
 * What "delivered" means here, honestly: syslog over TCP has no application acknowledgement.
 * `send` resolves once the whole batch has been written and flushed to the kernel's socket
 * buffer (the write callback), with the connection up. Events a receiver had not yet read when
 * it died are lost to it without an error on our side; the batch after that fails (the socket
 * is closed or reset) and the engine re-sends from its cursor, so what is lost is at most what
 * was in flight. Each message carries seq and prev_hash, so `audit verify --from-file` on the
 * SIEM's copy shows such a gap, and a replay from that seq fills it.
 */

export interface SyslogSenderOptions {
  /** HOSTNAME when the configuration has none; default: this machine's hostname. */
  readonly defaultHostname?: string;
}

export class SyslogSender implements DestinationSender {
  readonly #config: SyslogConfig;
  readonly #header: SyslogHeader;
  #socket: net.Socket | null = null;
  #connecting: Promise<net.Socket> | null = null;
  #closed = false;

  constructor(config: SyslogConfig, options: SyslogSenderOptions = {}) {
    this.#config = config;
    this.#header = {
      facility: config.facility,
      hostname: config.hostname ?? options.defaultHostname ?? machineHostname(),
      appName: config.appName,
      procId: String(process.pid),
    };
  }

  /** The batch's frames, as written: one buffer, so one write and one flush per batch. */
  frames(batch: readonly OutboundEvent[]): Buffer {
    return Buffer.concat(batch.map((item) => octetCountedFrame(formatSyslogMessage(item, this.#header))));
  }

  async send(batch: readonly OutboundEvent[]): Promise<void> {
    if (batch.length === 0) return;
    if (this.#closed) throw new DeliveryError('syslog sender is closed', { retryable: true });
    const frames = this.frames(batch);
    const socket = await this.#connected();
    try {
      await this.#write(socket, frames);
    } catch (error) {
      this.#drop(socket);
      throw error;
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return Promise.resolve();
    // `end` lets TLS send close_notify after what was written; destroy if the peer does not answer.
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), this.#config.timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  #where(): string {
    return `${this.#config.host}:${this.#config.port}`;
  }

  #drop(socket: net.Socket): void {
    if (this.#socket === socket) this.#socket = null;
    socket.destroy();
  }

  async #connected(): Promise<net.Socket> {
    const current = this.#socket;
    // A receiver that closed or reset the connection (a restart) is noticed here: reconnect.
    if (current !== null && !current.destroyed && current.writable && !current.readableEnded) return current;
    if (current !== null) this.#drop(current);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  #connect(): Promise<net.Socket> {
    const { host, port, transport, ca, serverName, timeoutMs } = this.#config;
    // SNI and the name checked in the certificate; Node sends no SNI for an IP address and
    // checks an IP against the certificate's IP SANs.
    const sni = serverName ?? (net.isIP(host) === 0 ? host : null);
    return new Promise((resolve, reject) => {
      const socket =
        transport === 'tls'
          ? tls.connect({
              host,
              port,
              minVersion: 'TLSv1.2',
              rejectUnauthorized: true,
              ...(ca !== null && { ca }),
              ...(sni !== null && { servername: sni }),
            })
          : net.connect({ host, port });
      const ready = transport === 'tls' ? 'secureConnect' : 'connect';
      const timer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const failed = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        const retryable = !isCertificateError(error);
        reject(
          new DeliveryError(`syslog receiver ${this.#where()} unreachable: ${error.message}`, {
            retryable,
            cause: error,
          }),
        );
      };
      socket.once('error', failed);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', failed);
        // Closed while connecting: this connection would outlive the destination.
        if (this.#closed) return failed(new Error('sender closed while connecting'));
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        // Receivers send nothing on this protocol: data, end or an error all mean the
        // connection is done with; the next batch opens a new one.
        socket.on('data', () => this.#drop(socket));
        socket.on('end', () => this.#drop(socket));
        socket.on('error', () => this.#drop(socket));
        socket.on('close', () => this.#drop(socket));
        this.#socket = socket;
        resolve(socket);
      });
    });
  }

  #write(socket: net.Socket, frames: Buffer): Promise<void> {
    const { timeoutMs } = this.#config;
    return new Promise((resolve, reject) => {
      const fail = (message: string, cause?: unknown) =>
        reject(
          new DeliveryError(`syslog receiver ${this.#where()}: ${message}`, {
            retryable: true,
            ...(cause !== undefined && { cause }),
          }),
        );
      // A receiver that stops reading fills the socket buffers and the write never completes.
      const timer = setTimeout(() => fail(`batch not flushed within ${timeoutMs} ms`), timeoutMs);
      const closed = () => {
        clearTimeout(timer);
        fail('connection closed while writing');
      };
      socket.once('close', closed);
      socket.write(frames, (error) => {
        clearTimeout(timer);
        socket.off('close', closed);
        if (error) fail(`write failed: ${error.message}`, error);
        else resolve();
      });
    });
  }
}
