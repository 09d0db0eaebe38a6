import { STAGES, type GateChecklist, type GateCondition, type ModelEvidence, type MonitoringEvidence, type Project, type Stage, type TeamEvidence } from './projects.types.js';

export interface GateEvidence {
  models: ModelEvidence;
  monitoring: MonitoringEvidence;
  teams: TeamEvidence;
  /** skills the owner team's members must cover together to enter production */
  requiredSkills: readonly string[];
  now: number;
}

const cond = (key: string, label: string, passed: boolean, why: string): GateCondition => ({ key, label, passed, why });
const filled = (v: string | null) => v !== null && v.trim() !== '';
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Forward one stage at a time; retiring is possible from any stage; nothing leaves retired. */
function transition(from: Stage, to: Stage): GateCondition {
  const label = 'allowed stage move';
  if (from === to) return cond('transition', label, false, `the project is already in ${to}`);
  if (from === 'retired') return cond('transition', label, false, 'a retired project does not move again');
  if (to === 'retired') return cond('transition', label, true, `${from} → retired is always allowed`);
  const step = STAGES.indexOf(to) - STAGES.indexOf(from);
  if (step === 1) return cond('transition', label, true, `${from} → ${to} is the next stage`);
  if (step < 0) return cond('transition', label, false, `${from} → ${to} goes back; create a new project or retire this one`);
  return cond('transition', label, false, `${from} → ${to} skips ${STAGES.slice(STAGES.indexOf(from) + 1, STAGES.indexOf(to)).join(', ')}: stages are entered one at a time`);
}

/** The core of the business case: what a POC must answer before it starts. */
function coreCase(p: Project): GateCondition[] {
  const c = p.businessCase;
  return [
    cond('businessChallenge', 'business challenge stated', filled(c.businessChallenge), filled(c.businessChallenge) ? 'stated' : 'businessCase.businessChallenge is empty'),
    cond('businessValue', 'business value stated', filled(c.businessValue), filled(c.businessValue) ? 'stated' : 'businessCase.businessValue is empty'),
    cond('successMetric', 'success metric named', filled(c.successMetric), filled(c.successMetric) ? `metric '${c.successMetric}'` : 'businessCase.successMetric is empty'),
    cond(
      'dataExists',
      'the data exists',
      c.dataExists === true,
      c.dataExists === true ? `data exists${c.dataLabeled === true ? ' and is labeled' : c.dataLabeled === false ? ' (not labeled yet)' : ''}` : c.dataExists === false ? 'businessCase.dataExists is false: a POC needs data' : 'businessCase.dataExists is not answered',
    ),
  ];
}

function successTarget(p: Project): GateCondition {
  const c = p.businessCase;
  const ok = filled(c.successMetric) && c.successTarget !== null;
  return cond('successTarget', 'success metric with a target', ok, ok ? `${c.successMetric} ${c.successDirection === 'higher' ? '≥' : '≤'} ${c.successTarget}` : !filled(c.successMetric) ? 'businessCase.successMetric is empty' : 'businessCase.successTarget is not set');
}

async function ownerTeam(p: Project, ev: GateEvidence): Promise<{ condition: GateCondition; members?: { username: string; skills: string[] }[] }> {
  if (p.ownerTeam === null) return { condition: cond('ownerTeam', 'an owner team', false, 'ownerTeam is not set') };
  const members = await ev.teams.members(p.ownerTeam);
  if (!members) return { condition: cond('ownerTeam', 'an owner team', false, `team '${p.ownerTeam}' does not exist`) };
  return { condition: cond('ownerTeam', 'an owner team', true, `owned by '${p.ownerTeam}' (${members.length} member${members.length === 1 ? '' : 's'})`), members };
}

/** A linked model version approved by review, and (for that version) an Approved model card. */
async function modelConditions(p: Project, ev: GateEvidence): Promise<GateCondition[]> {
  const versions = p.models.filter((m) => m.version !== null);
  if (versions.length === 0) {
    const why = p.models.length ? `linked model${p.models.length > 1 ? 's' : ''} ${p.models.map((m) => m.name).join(', ')} name no version: link the version going to production` : 'no model version is linked (models: [{name, version}])';
    return [cond('modelApproval', 'a linked model version is approved', false, why), cond('modelCard', "that version's model card is Approved", false, why)];
  }
  const states = await Promise.all(versions.map(async (m) => ({ m, s: await ev.models.modelVersion(m.name, m.version!) })));
  const describe = states.map(({ m, s }) => `${m.name}/${m.version}: ${s ? `approval ${s.approval}, card ${s.cardStatus ?? 'missing'}` : 'no such version'}`).join('; ');
  const approved = states.filter(({ s }) => s?.approval === 'approved');
  const carded = (approved.length ? approved : states).filter(({ s }) => s?.cardStatus === 'Approved');
  return [
    cond('modelApproval', 'a linked model version is approved', approved.length > 0, describe),
    cond('modelCard', "that version's model card is Approved", approved.length > 0 ? carded.length > 0 : false, approved.length > 0 ? describe : `${describe}${carded.length ? ' (a card is Approved but its version is not)' : ''}`),
  ];
}

async function monitoring(p: Project, ev: GateEvidence): Promise<GateCondition> {
  const label = 'monitoring configured for its deployments';
  if (p.deployments.length === 0) return cond('monitoring', label, false, 'no deployment is linked (deployments: [name])');
  const watched = await Promise.all(p.deployments.map(async (d) => ({ d, ok: await ev.monitoring.hasMonitor(d) })));
  const missing = watched.filter((w) => !w.ok).map((w) => w.d);
  return cond('monitoring', label, missing.length === 0, missing.length ? `no monitor on ${missing.join(', ')}` : `monitored: ${p.deployments.join(', ')}`);
}

function skills(p: Project, members: { username: string; skills: string[] }[] | undefined, required: readonly string[]): GateCondition {
  const label = `team covers ${required.join(', ')}`;
  if (!members) return cond('skills', label, false, 'no owner team to cover the required skills');
  const missing = required.filter((s) => !members.some((m) => m.skills.includes(s)));
  const who = required.filter((s) => !missing.includes(s)).map((s) => `${s}: ${members.filter((m) => m.skills.includes(s)).map((m) => m.username).join(', ')}`);
  return cond('skills', label, missing.length === 0, missing.length ? `nobody in '${p.ownerTeam}' has ${missing.join(', ')}${who.length ? ` (covered: ${who.join('; ')})` : ''}` : who.join('; '));
}

/**
 * Every condition of moving `p` to `to`, each with pass/fail and why. Entering POC needs the core
 * business case and an end date in the future; pilot adds a target and an owner team; production
 * needs the target, an owner team, an approved model version with an Approved card, monitors on
 * its deployments and a team covering the required skills.
 */
export async function gateChecklist(p: Project, to: Stage, ev: GateEvidence): Promise<GateChecklist> {
  const conditions: GateCondition[] = [transition(p.stage, to)];
  if (to === 'poc') {
    conditions.push(...coreCase(p));
    const end = p.pocEndDate;
    conditions.push(
      cond('pocEndDate', 'POC end date in the future (time-boxed)', end !== null && end > ev.now, end === null ? 'pocEndDate is not set: a POC is time-boxed' : end > ev.now ? `ends ${date(end)}` : `pocEndDate ${date(end)} has passed`),
    );
  } else if (to === 'pilot') {
    conditions.push(...coreCase(p), successTarget(p), (await ownerTeam(p, ev)).condition);
  } else if (to === 'production') {
    const owner = await ownerTeam(p, ev);
    conditions.push(successTarget(p), owner.condition, ...(await modelConditions(p, ev)), await monitoring(p, ev), skills(p, owner.members, ev.requiredSkills));
  }
  return { project: p.name, from: p.stage, to, passed: conditions.every((c) => c.passed), conditions };
}
