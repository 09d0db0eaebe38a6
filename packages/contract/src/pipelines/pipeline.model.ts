/**
 * The pipeline model: a DAG of steps, each a command (argv, any language) run as a process.
 * JSON (the API), the TypeScript builder and (later) YAML all produce this same shape.
 */

export type ParamType = 'string' | 'number' | 'boolean';
export type ParamValue = string | number | boolean;

export interface ParamSpec {
  type: ParamType;
  /** Without a default the parameter is required when a run starts. */
  default?: ParamValue;
  description?: string;
}

/** Where a step's input comes from: another step's declared output, a dataset version, or an artifact URI. */
export type StepInput = { from: string } | { dataset: string; version: number | 'latest' } | { artifact: string };

export type OutputKind = 'artifact' | 'metric' | 'model';
export interface StepOutput {
  name: string;
  kind: OutputKind;
}

export interface RetryPolicy {
  /** Attempts after the first. */
  max: number;
  /** The wait before the first retry; doubled for each retry after it. */
  backoffMs: number;
}

export interface StepDefinition {
  name: string;
  command: string[];
  env?: Record<string, string>;
  params?: Record<string, ParamSpec>;
  inputs?: StepInput[];
  outputs?: StepOutput[];
  dependsOn?: string[];
  retries?: RetryPolicy;
  timeoutSeconds?: number;
  /** Reuse a succeeded step with the same definition, parameters and inputs instead of running (default true). */
  cache?: boolean;
}

export interface PipelineDefinition {
  name: string;
  description?: string;
  steps: StepDefinition[];
}

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepState = (typeof STEP_STATES)[number];
export const RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const isTerminalStep = (s: string): boolean => s === 'succeeded' || s === 'failed' || s === 'skipped' || s === 'cancelled';
export const isTerminalRun = (s: string): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/** Every step a step waits for: its `dependsOn` and the producers of its `from` inputs. */
export function upstreamOf(step: StepDefinition): string[] {
  const up = new Set(step.dependsOn ?? []);
  for (const i of step.inputs ?? []) if ('from' in i) up.add(i.from.split('.')[0]!);
  return [...up];
}

/** The environment variable carrying a parameter: FLYWHEEL_PARAM_ + the name upper-cased, other characters as `_`. */
export const paramEnvName = (name: string): string => `FLYWHEEL_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** What started a run: recorded on it, shown by the API. */
export type RunCause =
  | { kind: 'manual'; by?: string }
  | { kind: 'resume'; runId: string }
  | { kind: 'schedule'; trigger: string; due: number }
  | { kind: 'dataset_version'; trigger: string; dataset: string; version: number }
  | { kind: 'alert'; trigger: string; rule: string; firingId?: number }
  | { kind: 'model_version'; trigger: string; model: string; version: number };

/** A declared output as produced, recorded on the step (lineage out) and handed to dependants. */
export type ProducedOutput =
  | { kind: 'artifact'; path: string; files: number; bytes: number; digest: string }
  | { kind: 'metric'; value: number | null }
  | { kind: 'model'; versions: { name: string; version: number }[] };

/** A step's input as resolved when it started (lineage in). */
export type ResolvedInput =
  | { from: string; output: ProducedOutput }
  | { dataset: string; version: number; contentHash: string | null }
  | { artifact: string };

/** The environment variable carrying an input or output: FLYWHEEL_INPUT_PREP_DATA for `prep.data`, FLYWHEEL_OUTPUT_DATA for output `data`. */
export const ioEnvName = (prefix: 'INPUT' | 'OUTPUT' | 'DATASET', name: string): string => `FLYWHEEL_${prefix}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
