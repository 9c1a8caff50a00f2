import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, port 0, that keeps what it receives, for
 * tests of code that sends mail. `answer(n)` may refuse the n-th DATA (1-based) with an SMTP
 * reply, e.g. { code: 451, message: '4.3.0 try later' }.
 */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  /** DATA commands seen, accepted or not. */
  attempts: number;
  close(): Promise<void>;
}

export async function startSmtpSink(
  opts: { answer?: (n: number) => { code: number; message: string } | null; auth?: { user: string; pass: string } } = {},
): Promise<SmtpSink> {
  const sink: SmtpSink = { port: 0, received: [], attempts: 0, close: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    // Plain SMTP on loopback: no STARTTLS (its built-in certificate is not trusted by clients).
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const n = ++sink.attempts;
        const refusal = opts.answer?.(n);
        if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            sink.received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              raw,
              parsed,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
