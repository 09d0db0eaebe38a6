import http from 'node:http';

/**
 * A minimal JSON-over-HTTP client on one keep-alive socket, sending what the MLflow Python client
 * (requests) sends: a JSON body with Content-Type and Content-Length, keep-alive, and its headers.
 */
export class JsonHttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  /** Sends `body` (an object, or a JSON string already serialized) and returns status and raw text. */
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            'User-Agent': 'mlflow-python-client/2.17.0',
            'Accept-Encoding': 'gzip, deflate',
            Accept: '*/*',
            Connection: 'keep-alive',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POSTs JSON and parses the JSON answer (as the MLflow client does); a non-200 answer throws. */
  async post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    const { status, text } = await this.request('POST', path, body);
    if (status !== 200) throw new Error(`POST ${path} → ${status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
