import { DomainError } from '../errors.js';
import type { ParamSpec, ParamValue, PipelineDefinition, StepDefinition, StepInput } from './pipeline.model.js';
import { upstreamOf } from './pipeline.model.js';

export const PIPELINE_LIMITS = {
  maxSteps: 200,
  maxArgs: 1000,
  maxArgLength: 32_768,
  maxTimeoutSeconds: 7 * 24 * 3600,
  maxRetries: 20,
  maxBackoffMs: 3_600_000,
} as const;

const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
// No dots: `<step>.<output>` names an output.
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// The executor sets these; a definition overriding them would break reporting back.
const RESERVED_ENV = /^(FLYWHEEL_|MLFLOW_)/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));

/** Collects every problem of a definition, each naming its path (`steps.fit.inputs[0].from: …`). */
class Problems {
  readonly list: string[] = [];
  add(path: string, msg: string): void {
    this.list.push(`${path}: ${msg}`);
  }
  unknownKeys(path: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(obj)) if (!known.includes(k)) this.add(`${path}.${k}`, 'is not a known field');
  }
}

function checkParamSpec(p: Problems, path: string, spec: unknown): void {
  if (!isObj(spec)) return p.add(path, 'expected an object {type, default?, description?}');
  p.unknownKeys(path, spec, ['type', 'default', 'description']);
  if (spec.type !== 'string' && spec.type !== 'number' && spec.type !== 'boolean') return p.add(`${path}.type`, `expected 'string', 'number' or 'boolean', got ${show(spec.type)}`);
  if (spec.default !== undefined && (typeof spec.default !== spec.type || (spec.type === 'number' && !Number.isFinite(spec.default)))) {
    p.add(`${path}.default`, `expected a ${spec.type}, got ${show(spec.default)}`);
  }
  if (spec.description !== undefined && typeof spec.description !== 'string') p.add(`${path}.description`, 'expected a string');
}

function checkInput(p: Problems, path: string, input: unknown): void {
  if (!isObj(input)) return p.add(path, 'expected an object {from} | {dataset, version} | {artifact}');
  const kinds = ['from', 'dataset', 'artifact'].filter((k) => k in input);
  if (kinds.length !== 1) return p.add(path, `expected exactly one of from, dataset or artifact, got ${kinds.length ? kinds.join(' and ') : 'none'}`);
  if ('from' in input) {
    p.unknownKeys(path, input, ['from']);
    if (typeof input.from !== 'string' || !/^[^.]+\.[^.]+$/.test(input.from)) p.add(`${path}.from`, `expected '<step>.<output>', got ${show(input.from)}`);
  } else if ('dataset' in input) {
    p.unknownKeys(path, input, ['dataset', 'version']);
    if (typeof input.dataset !== 'string' || input.dataset === '') p.add(`${path}.dataset`, 'expected a dataset name');
    const v = input.version;
    if (v !== 'latest' && !(Number.isInteger(v) && (v as number) >= 1)) p.add(`${path}.version`, `expected a version number ≥ 1 or 'latest', got ${show(v)}`);
  } else {
    p.unknownKeys(path, input, ['artifact']);
    if (typeof input.artifact !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(input.artifact)) p.add(`${path}.artifact`, `expected a URI (s3://…, mlflow-artifacts:/…, file:/…), got ${show(input.artifact)}`);
  }
}

function checkStepShape(p: Problems, path: string, s: Record<string, unknown>): void {
  p.unknownKeys(path, s, ['name', 'command', 'env', 'params', 'inputs', 'outputs', 'dependsOn', 'retries', 'timeoutSeconds', 'cache']);
  if (s.cache !== undefined && typeof s.cache !== 'boolean') p.add(`${path}.cache`, `expected true or false, got ${show(s.cache)}`);
  const c = s.command;
  if (!Array.isArray(c) || c.length === 0) p.add(`${path}.command`, 'expected a non-empty array of strings (argv; no shell)');
  else if (c.length > PIPELINE_LIMITS.maxArgs) p.add(`${path}.command`, `at most ${PIPELINE_LIMITS.maxArgs} arguments`);
  else {
    c.forEach((a, i) => {
      if (typeof a !== 'string') p.add(`${path}.command[${i}]`, `expected a string, got ${show(a)}`);
      else if (a.includes('\0')) p.add(`${path}.command[${i}]`, 'contains a NUL character');
      else if (a.length > PIPELINE_LIMITS.maxArgLength) p.add(`${path}.command[${i}]`, `longer than ${PIPELINE_LIMITS.maxArgLength} characters`);
      else if (i === 0 && a.trim() === '') p.add(`${path}.command[0]`, 'the program must not be empty');
    });
  }
  if (s.env !== undefined) {
    if (!isObj(s.env)) p.add(`${path}.env`, 'expected an object of strings');
    else for (const [k, v] of Object.entries(s.env)) {
      if (!ENV_NAME.test(k)) p.add(`${path}.env.${k}`, 'is not a valid environment variable name');
      else if (RESERVED_ENV.test(k)) p.add(`${path}.env.${k}`, 'FLYWHEEL_* and MLFLOW_* are set by the executor');
      if (typeof v !== 'string' || v.includes('\0')) p.add(`${path}.env.${k}`, `expected a string without NUL, got ${show(v)}`);
    }
  }
  if (s.params !== undefined) {
    if (!isObj(s.params)) p.add(`${path}.params`, 'expected an object {name: {type, default?}}');
    else for (const [k, spec] of Object.entries(s.params)) {
      if (!IDENT.test(k)) p.add(`${path}.params.${k}`, 'a parameter name is letters, digits and _ (not starting with a digit)');
      checkParamSpec(p, `${path}.params.${k}`, spec);
    }
  }
  if (s.inputs !== undefined) {
    if (!Array.isArray(s.inputs)) p.add(`${path}.inputs`, 'expected an array');
    else s.inputs.forEach((x, i) => checkInput(p, `${path}.inputs[${i}]`, x));
  }
  if (s.outputs !== undefined) {
    if (!Array.isArray(s.outputs)) p.add(`${path}.outputs`, 'expected an array');
    else {
      const seen = new Set<string>();
      s.outputs.forEach((o, i) => {
        const op = `${path}.outputs[${i}]`;
        if (!isObj(o)) return p.add(op, 'expected an object {name, kind}');
        p.unknownKeys(op, o, ['name', 'kind']);
        if (typeof o.name !== 'string' || !IDENT.test(o.name)) p.add(`${op}.name`, `expected letters, digits and _, got ${show(o.name)}`);
        else if (seen.has(o.name)) p.add(`${op}.name`, `duplicate output '${o.name}'`);
        else seen.add(o.name);
        if (o.kind !== 'artifact' && o.kind !== 'metric' && o.kind !== 'model') p.add(`${op}.kind`, `expected 'artifact', 'metric' or 'model', got ${show(o.kind)}`);
      });
    }
  }
  if (s.dependsOn !== undefined && (!Array.isArray(s.dependsOn) || s.dependsOn.some((d) => typeof d !== 'string'))) p.add(`${path}.dependsOn`, 'expected an array of step names');
  if (s.retries !== undefined) {
    const r = s.retries;
    if (!isObj(r)) p.add(`${path}.retries`, 'expected an object {max, backoffMs}');
    else {
      p.unknownKeys(`${path}.retries`, r, ['max', 'backoffMs']);
      if (!Number.isInteger(r.max) || (r.max as number) < 0 || (r.max as number) > PIPELINE_LIMITS.maxRetries) p.add(`${path}.retries.max`, `expected an integer from 0 to ${PIPELINE_LIMITS.maxRetries}, got ${show(r.max)}`);
      if (r.backoffMs !== undefined && (!Number.isInteger(r.backoffMs) || (r.backoffMs as number) < 0 || (r.backoffMs as number) > PIPELINE_LIMITS.maxBackoffMs)) p.add(`${path}.retries.backoffMs`, `expected an integer from 0 to ${PIPELINE_LIMITS.maxBackoffMs}, got ${show(r.backoffMs)}`);
    }
  }
  if (s.timeoutSeconds !== undefined) {
    const t = s.timeoutSeconds;
    if (typeof t !== 'number' || !(t > 0) || t > PIPELINE_LIMITS.maxTimeoutSeconds) p.add(`${path}.timeoutSeconds`, `expected a number of seconds > 0 and ≤ ${PIPELINE_LIMITS.maxTimeoutSeconds}, got ${show(t)}`);
  }
}

/** The first cycle of the step graph as `a → b → a`, or undefined. */
export function findCycle(steps: readonly StepDefinition[]): string[] | undefined {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    const s = byName.get(name);
    for (const up of s ? upstreamOf(s) : []) {
      if (!byName.has(up)) continue;
      const c = visit(up);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of steps) {
    const c = visit(s.name);
    // Edges point upstream; read the cycle in the direction work flows.
    if (c) return c.reverse();
  }
  return undefined;
}

/**
 * Checks a definition before anything runs and returns it typed. Throws INVALID_INPUT listing
 * every problem, each naming its step and field (`steps.fit.inputs[0].from: step 'prepp' does not exist`).
 */
export function validatePipeline(raw: unknown): PipelineDefinition {
  const p = new Problems();
  if (!isObj(raw)) throw new DomainError('INVALID_INPUT', 'Invalid pipeline: expected a JSON object {name, description?, steps}.');
  p.unknownKeys('pipeline', raw, ['name', 'description', 'steps']);
  if (typeof raw.name !== 'string' || !PIPELINE_NAME.test(raw.name)) p.add('name', `expected 1-100 letters, digits, '_', '.', '-' starting with a letter or digit, got ${show(raw.name)}`);
  if (raw.description !== undefined && typeof raw.description !== 'string') p.add('description', 'expected a string');
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) p.add('steps', 'expected a non-empty array of steps');
  else if (raw.steps.length > PIPELINE_LIMITS.maxSteps) p.add('steps', `at most ${PIPELINE_LIMITS.maxSteps} steps`);
  const steps = Array.isArray(raw.steps) ? raw.steps : [];
  const names = new Map<string, Record<string, unknown>>();
  steps.forEach((s, i) => {
    if (!isObj(s)) return p.add(`steps[${i}]`, 'expected an object {name, command, …}');
    if (typeof s.name !== 'string' || !STEP_NAME.test(s.name)) return p.add(`steps[${i}].name`, `expected letters, digits, '_' and '-' starting with a letter (no dots), got ${show(s.name)}`);
    if (names.has(s.name)) return p.add(`steps[${i}].name`, `duplicate step name '${s.name}'`);
    names.set(s.name, s);
  });
  for (const [name, s] of names) checkStepShape(p, `steps.${name}`, s);
  // References, once every name is known.
  for (const [name, s] of names) {
    if (Array.isArray(s.dependsOn)) {
      s.dependsOn.forEach((d, i) => {
        if (typeof d !== 'string') return;
        const path = `steps.${name}.dependsOn[${i}]`;
        if (d === name) p.add(path, 'a step cannot depend on itself');
        else if (!names.has(d)) p.add(path, `step '${d}' does not exist`);
      });
    }
    if (Array.isArray(s.inputs)) {
      s.inputs.forEach((x: unknown, i) => {
        if (!isObj(x) || typeof x.from !== 'string' || !x.from.includes('.')) return;
        const [step, output] = x.from.split('.') as [string, string];
        const path = `steps.${name}.inputs[${i}].from`;
        const producer = names.get(step);
        if (step === name) p.add(path, 'a step cannot take its own output');
        else if (!producer) p.add(path, `step '${step}' does not exist`);
        else if (!Array.isArray(producer.outputs) || !producer.outputs.some((o) => isObj(o) && o.name === output)) p.add(path, `step '${step}' declares no output '${output}'`);
      });
    }
  }
  if (p.list.length === 0) {
    const cycle = findCycle(steps as StepDefinition[]);
    if (cycle) p.add(`steps.${cycle[0]}.dependsOn`, `cycle ${cycle.join(' → ')}`);
  }
  if (p.list.length) {
    throw new DomainError('INVALID_INPUT', `Invalid pipeline: ${p.list.join('; ')}`, { problems: p.list });
  }
  return raw as unknown as PipelineDefinition;
}

/**
 * The parameter values of each step for one run: given values (by `name` for every step declaring
 * it, or `step.name` for one step) over defaults. CLI strings are read as the declared type.
 * Throws INVALID_INPUT naming each unknown, missing or mistyped parameter.
 */
export function resolveParams(def: PipelineDefinition, given: Record<string, unknown> = {}): Record<string, Record<string, ParamValue>> {
  const problems: string[] = [];
  const out: Record<string, Record<string, ParamValue>> = {};
  const used = new Set<string>();
  for (const step of def.steps) {
    const values: Record<string, ParamValue> = {};
    for (const [name, spec] of Object.entries(step.params ?? {})) {
      const key = `${step.name}.${name}` in given ? `${step.name}.${name}` : name in given ? name : undefined;
      if (key === undefined) {
        if (spec.default === undefined) problems.push(`params.${name}: step '${step.name}' requires it (type ${spec.type}) and it has no default`);
        else values[name] = spec.default;
        continue;
      }
      used.add(key);
      const v = coerce(spec, given[key]);
      if (v === undefined) problems.push(`params.${key}: expected a ${spec.type} for step '${step.name}', got ${show(given[key])}`);
      else values[name] = v;
    }
    out[step.name] = values;
  }
  for (const k of Object.keys(given)) if (!used.has(k)) problems.push(`params.${k}: no step declares this parameter`);
  if (problems.length) throw new DomainError('INVALID_INPUT', `Invalid parameters: ${problems.join('; ')}`, { problems });
  return out;
}

function coerce(spec: ParamSpec, v: unknown): ParamValue | undefined {
  if (spec.type === 'string') return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (spec.type === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof v === 'boolean') return v;
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export type { StepInput };
