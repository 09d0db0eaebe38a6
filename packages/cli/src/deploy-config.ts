import { CliError, EXIT } from './client.js';
import { readJsonObject } from './json-file.js';

/**
 * A deployment config as the CLI sees it. Deliberately loose: the server owns validation, and
 * fields the CLI has no flag for (http runtimes, endpoints, rollout settings…) pass through.
 */
export interface VariantSpec {
  name: string;
  model?: { name: string; version: string | number };
  role?: string;
  weight?: number;
  sample?: number;
  runtime?: string;
  endpoint?: { url: string; protocol?: string; model?: string; timeoutMs?: number };
  [k: string]: unknown;
}
export interface DeploymentSpec {
  variants: VariantSpec[];
  routingKey?: { header?: string };
  [k: string]: unknown;
}
export interface DeploymentView {
  name: string;
  revision: number;
  config: DeploymentSpec;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

const usage = (msg: string) => new CliError(msg, EXIT.usage);
const ROLES = ['primary', 'canary', 'shadow'];

/** `churn:3` → { name: 'churn', version: '3' }. The version is the last `:` part, so names may hold colons. */
export function parseModelRef(s: string, flag = '--model'): { name: string; version: string } {
  const m = /^(.+):([1-9]\d{0,9})$/.exec(s);
  if (!m) throw usage(`${flag} '${s}': expected <model>:<version>, e.g. churn:3.`);
  return { name: m[1]!, version: m[2]! };
}

/** `a=churn:3:90[:canary]` → a routed variant (role primary unless given). */
export function parseVariant(s: string): VariantSpec {
  const m = /^([^=]+)=(.+):([1-9]\d{0,9}):(\d+(?:\.\d+)?)(?::([a-z]+))?$/.exec(s);
  if (!m) throw usage(`--variant '${s}': expected <name>=<model>:<version>:<weight>[:<role>], e.g. b=churn:4:10:canary.`);
  const role = m[5] ?? 'primary';
  if (!ROLES.includes(role)) throw usage(`--variant '${s}': role must be one of ${ROLES.join(', ')}.`);
  const weight = Number(m[4]);
  if (weight > 100) throw usage(`--variant '${s}': weight must be 0..100.`);
  return { name: m[1]!, model: { name: m[2]!, version: m[3]! }, role, weight: role === 'shadow' ? 0 : weight };
}

/** `s=churn:5[:0.25]` → a shadow variant, optionally seeing only a sampled share (0..1) of requests. */
export function parseShadow(s: string): VariantSpec {
  const withSample = /^([^=]+)=(.+):([1-9]\d{0,9}):(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/.exec(s);
  const m = withSample ?? /^([^=]+)=(.+):([1-9]\d{0,9})$/.exec(s);
  if (!m) throw usage(`--shadow '${s}': expected <name>=<model>:<version>[:<sample 0..1>], e.g. s=churn:5:0.5.`);
  return { name: m[1]!, model: { name: m[2]!, version: m[3]! }, role: 'shadow', weight: 0, ...(withSample ? { sample: Number(m[4]) } : {}) };
}

/** `a=90` → ['a', 90]. */
export function parseWeight(s: string): [string, number] {
  const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(s);
  if (!m || Number(m[2]) > 100) throw usage(`'${s}': expected <variant>=<weight 0..100>, e.g. a=90.`);
  return [m[1]!, Number(m[2])];
}

/** A config file: the config itself, or `{ config }` / `{ name, config }` as the API takes it. */
export function readConfigFile(path: string): DeploymentSpec {
  const obj = readJsonObject(path);
  const config = 'config' in obj ? obj.config : obj;
  if (!config || typeof config !== 'object' || Array.isArray(config) || !Array.isArray((config as DeploymentSpec).variants)) {
    throw usage(`${path}: expected a deployment config with a "variants" list (or {"config": {…}}).`);
  }
  return config as DeploymentSpec;
}

export interface VariantFlags {
  model?: string;
  variant?: string[];
  shadow?: string[];
  clearShadows?: boolean;
  routingHeader?: string;
  file?: string;
}

/**
 * Builds the config to send from the flags, over `base` (the current config on update, so that
 * what the flags do not mention is kept). Routed variants come from --model or --variant,
 * shadows from --shadow; --file replaces everything.
 */
export function configFromFlags(flags: VariantFlags, base?: DeploymentSpec): DeploymentSpec {
  const routedFlags = (flags.model ? 1 : 0) + (flags.variant?.length ? 1 : 0);
  if (flags.file) {
    if (routedFlags || flags.shadow?.length || flags.routingHeader || flags.clearShadows) throw usage('--file replaces the whole config: do not combine it with --model, --variant, --shadow or --routing-header.');
    return readConfigFile(flags.file);
  }
  if (routedFlags > 1) throw usage('Give either --model (one primary variant) or --variant (several), not both.');
  if (!base && !routedFlags) throw usage('A deployment needs a model: pass --model <model>:<version>, --variant … or --file config.json.');
  if (base && !routedFlags && !flags.shadow?.length && !flags.clearShadows && flags.routingHeader === undefined) {
    throw usage('Nothing to change: pass --model, --variant, --shadow, --clear-shadows, --routing-header or --file.');
  }
  const current = base?.variants ?? [];
  const routed = flags.model
    ? [{ name: 'primary', model: parseModelRef(flags.model), role: 'primary', weight: 100 }]
    : flags.variant?.length
      ? flags.variant.map(parseVariant)
      : current.filter((v) => v.role !== 'shadow');
  const shadows = flags.shadow?.length ? flags.shadow.map(parseShadow) : flags.clearShadows ? [] : current.filter((v) => v.role === 'shadow');
  const variants = [...routed, ...shadows];
  const names = new Set<string>();
  for (const v of variants) {
    if (names.has(v.name)) throw usage(`Variant '${v.name}' is named twice.`);
    names.add(v.name);
  }
  const config: DeploymentSpec = { ...(base ?? {}), variants };
  if (flags.routingHeader !== undefined) config.routingKey = { ...(base?.routingKey ?? {}), header: flags.routingHeader };
  return config;
}

/** Sets the named variants' weights, keeping the rest; unknown names are refused. */
export function withWeights(config: DeploymentSpec, weights: Array<[string, number]>): DeploymentSpec {
  const byName = new Map(weights);
  for (const name of byName.keys()) {
    if (!config.variants.some((v) => v.name === name)) {
      throw new CliError(`No variant '${name}' in this deployment (it has ${config.variants.map((v) => v.name).join(', ')}).`, EXIT.failed);
    }
  }
  return { ...config, variants: config.variants.map((v) => (byName.has(v.name) ? { ...v, weight: byName.get(v.name)! } : v)) };
}

/** `--since`: ms since epoch, an ISO date, or a span back from now (`30s`, `15m`, `2h`, `7d`). */
export function parseSince(s: string, now = Date.now()): number {
  const span = /^(\d+)(s|m|h|d)$/.exec(s);
  if (span) return now - Number(span[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[span[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{1,16}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new CliError(`--since '${s}': expected a span (15m, 2h, 7d), an ISO date or ms since epoch.`, EXIT.usage);
  return t;
}
