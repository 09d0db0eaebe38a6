import { DomainError } from '@flywheel/contract';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { PipelineDefinition } from './pipeline.model.js';
import { validatePipeline } from './pipeline.validation.js';

/** Where a validation path (`steps.fit.inputs[0].from`, `steps[2].name`) points in the YAML document, if anywhere. */
function nodeAt(root: unknown, path: string): Node | undefined {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: unknown = root;
  let last: Node | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (isSeq(node)) {
      const index = /^\[(\d+)\]$/.exec(part);
      // `steps.<name>` names a step by its name.
      const item = index ? node.items[Number(index[1])] : node.items.find((it) => isMap(it) && it.get('name') === part);
      if (!item) break;
      node = item;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
      if (!pair) break;
      // The key's line for a missing or odd value; the value's otherwise.
      node = pair.value ?? pair.key;
    } else break;
    last = node as Node;
  }
  return last;
}

/**
 * Reads a pipeline written in YAML: the same model as JSON and the TypeScript builder, validated
 * the same way. Syntax errors and every validation problem name their line.
 *
 * @example
 *   const def = parsePipelineYaml('name: train\nsteps:\n  - name: fit\n    command: [python, fit.py]\n');
 */
export function parsePipelineYaml(text: string): PipelineDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const at = e.pos ? lines.linePos(e.pos[0]) : undefined;
      return `${at ? `line ${at.line}, column ${at.col}: ` : ''}${e.message.split('\n')[0]}`;
    });
    throw new DomainError('INVALID_INPUT', `Invalid pipeline YAML: ${problems.join('; ')}`, { problems });
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  try {
    return validatePipeline(raw);
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== 'INVALID_INPUT') throw e;
    const given = (e.details as { problems?: string[] } | undefined)?.problems;
    if (!given) throw e;
    const problems = given.map((p) => {
      const path = p.slice(0, p.indexOf(': '));
      const node = nodeAt(doc.contents, path);
      const at = node?.range ? lines.linePos(node.range[0]) : undefined;
      return at ? `${p} (line ${at.line})` : p;
    });
    throw new DomainError('INVALID_INPUT', `Invalid pipeline: ${problems.join('; ')}`, { problems });
  }
}
