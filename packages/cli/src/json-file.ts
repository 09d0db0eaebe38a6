import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './client.js';

/** The JSON in a file; a missing file or bad JSON is a usage error (exit 2) naming the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`, EXIT.usage);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path} is not valid JSON: ${(e as Error).message}`, EXIT.usage);
  }
}

/** A JSON object from a file; anything else is a usage error naming the file. */
export function readJsonObject(path: string): Record<string, unknown> {
  const parsed = readJsonFile(path);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${path}: expected a JSON object.`, EXIT.usage);
  return parsed as Record<string, unknown>;
}
