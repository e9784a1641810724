import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo } from 'net';

/** One request as a local test server received it, body read as UTF-8. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What the server answers: a status (with the body `{}`), or a status and a body. */
export type RecordedAnswer = number | { readonly status: number; readonly body: string };

/** A local HTTP server on 127.0.0.1 that answers each request with what `answer` returns. */
export class HttpRecorder {
  /** Starts a server on a free loopback port. */
  public static async start(
    answer: (req: RecordedRequest) => RecordedAnswer,
  ): Promise<HttpRecorder> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const answered = answer({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.statusCode = typeof answered === 'number' ? answered : answered.status;
        res.end(typeof answered === 'number' ? '{}' : answered.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new HttpRecorder(server);
  }

  public readonly url: string;

  private constructor(private readonly server: Server) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  public close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
