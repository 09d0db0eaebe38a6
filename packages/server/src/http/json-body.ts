import type { FastifyInstance } from 'fastify';
import { DomainError } from '@flywheel/contract';

// Python's json module writes NaN and Infinity as bare tokens, and some MLflow clients send
// metric values that way. They are turned into the strings protobuf's JSON uses ("NaN"), which
// the MLflow adapter reads as numbers. Tokens inside string literals are left alone.
const BARE_NON_FINITE = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;

function parseLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
    return JSON.parse(text.replace(BARE_NON_FINITE, (m, tok: string | undefined) => (tok ? `"${tok}"` : m)));
  }
}

const FORBIDDEN_KEYS = /"(?:__proto__|constructor)"\s*:/;

/**
 * JSON bodies for the whole app: an empty body is `{}` (MLflow's handlers treat it so),
 * malformed JSON is a 400 naming the problem, and prototype-poisoning keys are refused.
 */
export function registerJsonBody(app: FastifyInstance, opts: { anyContentType?: boolean } = {}): void {
  const parser = (_req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => {
    if (body.trim() === '') return done(null, {});
    if (FORBIDDEN_KEYS.test(body)) {
      const parsed = safeParse(body);
      if (parsed instanceof Error) return done(parsed);
      if (hasForbidden(parsed)) return done(new DomainError('INVALID_INPUT', 'Malformed JSON body: keys named __proto__ or constructor are not allowed.'));
      return done(null, parsed);
    }
    const parsed = safeParse(body);
    return parsed instanceof Error ? done(parsed) : done(null, parsed);
  };
  if (opts.anyContentType) {
    // MLflow parses a body as JSON whatever its content type; some clients send none. Fastify's
    // own text/plain parser would otherwise hand the handler a string, read as an empty message.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
    app.addContentTypeParser('*', { parseAs: 'string' }, parser);
    return;
  }
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
}

function safeParse(body: string): unknown {
  try {
    return parseLenient(body);
  } catch (e) {
    return new DomainError('INVALID_INPUT', `Malformed JSON body: ${(e as Error).message}`);
  }
}

function hasForbidden(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  for (const k of Object.keys(v)) {
    if (k === '__proto__' || k === 'constructor') return true;
    if (hasForbidden((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}
