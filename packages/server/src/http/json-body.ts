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

/** Deepest nesting a body may have; deeper is refused rather than walked. */
export const MAX_JSON_DEPTH = 100;

/**
 * JSON bodies for the whole app: an empty body is `{}` (MLflow's handlers treat it so),
 * malformed JSON is a 400 naming the problem, and prototype-poisoning keys are refused.
 */
export function registerJsonBody(app: FastifyInstance, opts: { anyContentType?: boolean } = {}): void {
  const parser = (_req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => {
    if (body.trim() === '') return done(null, {});
    const parsed = safeParse(body);
    if (parsed instanceof Error) return done(parsed);
    // Every body's keys are scanned, not only those whose text shows a forbidden word: an
    // escaped key ("\u005f_proto__") is only visible once parsed. The scan is cheap (see tests).
    const problem = checkStructure(parsed);
    return problem ? done(problem) : done(null, parsed);
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

/**
 * Walks the parsed body with an explicit stack (no recursion, so no stack overflow on deep
 * input): refuses keys named __proto__ or constructor and nesting deeper than MAX_JSON_DEPTH.
 */
export function checkStructure(root: unknown): DomainError | null {
  if (root === null || typeof root !== 'object') return null;
  const stack: { v: object; depth: number }[] = [{ v: root, depth: 1 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      return new DomainError('INVALID_INPUT', `Malformed JSON body: JSON body nested too deeply (more than ${MAX_JSON_DEPTH} levels).`);
    }
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push({ v: item as object, depth: depth + 1 });
      continue;
    }
    for (const k in v) {
      if (k === '__proto__' || k === 'constructor') {
        return new DomainError('INVALID_INPUT', 'Malformed JSON body: keys named __proto__ or constructor are not allowed.');
      }
      const child = (v as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
    }
  }
  return null;
}
