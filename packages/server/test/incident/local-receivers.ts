import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly user: string;
  /** The whole message as sent (headers and body). */
  readonly raw: string;
  readonly subject: string;
  /** The body, quoted-printable decoded. */
  readonly text: string;
}

export interface SmtpListener {
  readonly port: number;
  readonly messages: ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

const decodeQuotedPrintable = (body: string): string =>
  Buffer.from(
    body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');

/**
 * A real SMTP server on localhost (the `smtp-server` package), requiring the given credentials
 * over a plain connection (no STARTTLS: a self-signed certificate would only test the test).
 * Not listening until `start()`, so a test can have the mail server down at first.
 */
export const smtpListener = (port: number, credentials: { user: string; pass: string }): SmtpListener => {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const headers = raw.slice(0, split);
        const body = raw.slice(split + 4);
        const subject =
          /^Subject: (.*(?:\r\n[ \t].*)*)/im.exec(headers)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
        messages.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((address) => address.address),
          user: String(session.user),
          raw,
          subject,
          text: /quoted-printable/i.test(headers) ? decodeQuotedPrintable(body) : body,
        });
        callback();
      });
    },
  });
  let listening = false;
  return {
    port,
    messages,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          listening = true;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!listening) return resolve();
        server.close(() => resolve());
      }),
  };
};

export interface SmsEndpoint {
  readonly url: string;
  readonly received: { to: string; text: string; authorization: string | undefined }[];
  /** The status to answer with (e.g. 503 to simulate an outage). */
  status: number;
  close(): Promise<void>;
}

/** A local HTTP endpoint standing in for an SMS gateway. */
export const smsEndpoint = async (): Promise<SmsEndpoint> => {
  const received: SmsEndpoint['received'] = [];
  const endpoint = { status: 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (endpoint.status < 300) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        received.push({ ...body, authorization: request.headers.authorization });
      }
      response.statusCode = endpoint.status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(endpoint, {
    url: `http://sms-user:sms-pass@127.0.0.1:${port}/send`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
};
