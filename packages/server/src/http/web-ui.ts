import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where the web UI lives: everything under it is the single-page app or its assets. */
export const UI_PREFIX = '/ui/';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flywheel</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Flywheel is running</h1>
<p>The web UI is not built in this installation. Build it with <code>npm run build</code> (which <code>npm start</code> runs),
or point the server at a built copy with <code>--ui-dir</code>.</p>
<p>The API is up: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>; MLflow clients use this server's URL as <code>MLFLOW_TRACKING_URI</code>.</p>
</body></html>`;

/**
 * Serves the web UI from the server's own port under /ui/ (no separate process for a user). Hashed
 * assets are cached for a year; index.html never is, so a new build is picked up on reload. Any
 * other path under /ui/ answers index.html: the app routes in the browser.
 */
export async function registerWebUi(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  const built = existsSync(join(opts.dir, 'index.html'));
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(UI_PREFIX));
  if (!built) {
    app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect(UI_PREFIX));
    app.get('/ui/*', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: opts.dir,
      prefix: UI_PREFIX,
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const page = (_req: unknown, reply: { header(k: string, v: string): unknown; sendFile(f: string): unknown }) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    };
    scope.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect(UI_PREFIX));
    scope.get('/ui/', { schema: { hide: true } }, page);
    // A path the static plugin did not find: a route of the app (deep link or reload).
    scope.get('/ui/*', { schema: { hide: true } }, (req, reply) => {
      if (/\/assets\//.test(req.url)) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No UI asset ${req.url}` } });
      return page(req, reply);
    });
  });
}
