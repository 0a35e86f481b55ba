/**
 * A minimal HTTP/1.1 client for the load generator: keep-alive connections with pipelining, a
 * response parser that handles `content-length` and `chunked` bodies, and nothing else (no
 * redirects, no TLS, no compression, no upgrades).
 *
 * Why not undici: on a 2-core machine the generator and the server under test share the CPU, so
 * every microsecond the generator spends is taken from the server. undici's `Pool.request()` cost
 * ~150 µs of CPU per request here, its dispatcher API ~105 µs; this costs a fraction of that, the
 * way wrk would, and answers are still checked by every scenario's generator (a misparsed response
 * fails its check and counts as an error).
 */
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { URL } from 'node:url';

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

class ParseError extends Error {}

/** Parses the responses of one connection, in order; calls `onResponse(status, body)` per response. */
const createResponseParser = (onResponse) => {
  let buffer = Buffer.alloc(0);
  let head = null; // { status, length, chunked, close }
  let chunks = [];

  const parseHead = (text) => {
    const lines = text.split('\r\n');
    const status = Number(lines[0].slice(9, 12));
    if (!lines[0].startsWith('HTTP/1.') || !Number.isInteger(status))
      throw new ParseError(`bad status line: ${lines[0]}`);
    let length = null;
    let chunked = false;
    let close = false;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'connection') close = value.toLowerCase() === 'close';
    }
    if (!chunked && length === null) length = status === 204 || status === 304 ? 0 : null;
    if (!chunked && length === null) throw new ParseError('response without content-length or chunked body');
    return { status, length, chunked, close };
  };

  /** One step; false when more bytes are needed. */
  const step = () => {
    if (head === null) {
      const end = buffer.indexOf(HEAD_END);
      if (end < 0) return false;
      head = parseHead(buffer.toString('latin1', 0, end));
      buffer = buffer.subarray(end + 4);
      chunks = [];
      return true;
    }
    if (!head.chunked) {
      if (buffer.length < head.length) return false;
      const body = buffer.subarray(0, head.length);
      buffer = buffer.subarray(head.length);
      const done = head;
      head = null;
      onResponse(done.status, body.toString(), done.close);
      return true;
    }
    const lineEnd = buffer.indexOf(CRLF);
    if (lineEnd < 0) return false;
    const size = Number.parseInt(buffer.toString('latin1', 0, lineEnd), 16);
    if (!Number.isInteger(size)) throw new ParseError('bad chunk size');
    if (buffer.length < lineEnd + 2 + size + 2) return false;
    if (size > 0) {
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      buffer = buffer.subarray(lineEnd + 2 + size + 2);
      return true;
    }
    buffer = buffer.subarray(lineEnd + 4); // the last chunk; trailers are not supported
    const done = head;
    head = null;
    onResponse(done.status, Buffer.concat(chunks).toString(), done.close);
    return true;
  };

  return (data) => {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
    while (step());
  };
};

export class RawHttpPool {
  #url;
  #pipelining;
  #connections = [];
  #waiting = [];
  #closed = false;

  constructor(origin, { connections, pipelining }) {
    this.#url = new URL(origin);
    this.#pipelining = Math.max(1, pipelining);
    for (let i = 0; i < Math.max(1, connections); i++) this.#connections.push(this.#open());
  }

  #open() {
    const connection = { socket: null, inFlight: [], alive: true };
    const fail = (error) => {
      if (!connection.alive) return;
      connection.alive = false;
      for (const pending of connection.inFlight.splice(0)) pending.reject(error);
      const index = this.#connections.indexOf(connection);
      if (index >= 0 && !this.#closed) this.#connections[index] = this.#open();
      this.#drain();
    };
    const parse = createResponseParser((status, text, close) => {
      connection.inFlight.shift()?.resolve({ statusCode: status, text });
      if (close) {
        connection.socket.destroy();
        fail(new Error('server closed the connection'));
      } else this.#drain();
    });
    connection.socket = connect({ host: this.#url.hostname, port: Number(this.#url.port) });
    connection.socket.setNoDelay(true);
    connection.socket.on('data', (data) => {
      try {
        parse(data);
      } catch (error) {
        connection.socket.destroy();
        fail(error);
      }
    });
    connection.socket.on('error', fail);
    connection.socket.on('close', () => fail(new Error('connection closed')));
    return connection;
  }

  #write(connection, job) {
    connection.inFlight.push(job);
    connection.socket.write(job.wire);
  }

  /** The live connection with the fewest requests in flight, if one has room. */
  #pick() {
    let best;
    for (const connection of this.#connections) {
      if (connection.alive && connection.inFlight.length < this.#pipelining) {
        if (best === undefined || connection.inFlight.length < best.inFlight.length) best = connection;
        if (best.inFlight.length === 0) break;
      }
    }
    return best;
  }

  #drain() {
    while (this.#waiting.length > 0) {
      const connection = this.#pick();
      if (connection === undefined) return;
      this.#write(connection, this.#waiting.shift());
    }
  }

  /** Resolves to `{statusCode, text}`; rejects when the connection fails or the answer cannot be parsed. */
  request({ method, path, headers = {}, body }) {
    if (this.#closed) return Promise.reject(new Error('pool closed'));
    let wire = `${method} ${path} HTTP/1.1\r\nhost: ${this.#url.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) wire += `${name}: ${value}\r\n`;
    wire += body === undefined ? '\r\n' : `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      const job = { wire, resolve, reject };
      const connection = this.#pick();
      if (connection === undefined) this.#waiting.push(job);
      else this.#write(connection, job);
    });
  }

  async close() {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.reject(new Error('pool closed'));
    await Promise.all(
      this.#connections.map(
        (connection) =>
          new Promise((resolve) => {
            connection.alive = false;
            if (connection.socket.destroyed) resolve();
            else connection.socket.end(resolve);
          }),
      ),
    );
  }
}
