import { Type } from 'typebox';
import { ASSESSMENT_DEFAULTS } from './assessment.service.js';
import { QUESTIONNAIRE_OPTIONS } from './org-maturity.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const literals = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const EvidenceRefSchema = Type.Object({ kind: Type.String(), ref: Type.String(), detail: Type.String(), at: Type.Optional(Nullable(Type.Number())) });
export const TestResultSchema = Type.Object({
  id: Type.String(),
  section: Type.String(),
  name: Type.String({ description: "the paper's name of the test" }),
  score: Type.Number({ description: '0, 0.5 or 1' }),
  basis: literals(['automated', 'manual', 'attestation', 'none']),
  evidence: Type.Array(EvidenceRefSchema),
  why: Type.String(),
  raise: Nullable(Type.String({ description: 'what would raise the score' })),
});
export const SectionSchema = Type.Object({ id: Type.String(), name: Type.String(), score: Type.Number(), max: Type.Number(), tests: Type.Array(TestResultSchema) });
export const BandSchema = Type.Object({ range: Type.String(), meaning: Type.String() });
export const LoneSuperheroSchema = Type.Object({
  flagged: Type.Boolean(),
  trainers: Type.Array(Type.String()),
  registrars: Type.Array(Type.String()),
  deployers: Type.Array(Type.String()),
  person: Nullable(Type.String()),
  why: Type.String(),
});
export const ScorecardSchema = Type.Object({
  model: Type.String(),
  ownerTeam: Nullable(Type.String()),
  version: Nullable(Type.String()),
  projects: Type.Array(Type.String()),
  deployments: Type.Array(Type.String()),
  assessedAt: Type.Number(),
  recencyWindowDays: Type.Number(),
  sections: Type.Array(SectionSchema),
  final: Type.Number({ description: 'min of the four section scores' }),
  band: BandSchema,
  loneSuperhero: LoneSuperheroSchema,
});
export const ProjectScorecardSchema = Type.Object({
  project: Type.String(),
  stage: Type.String(),
  ownerTeam: Nullable(Type.String()),
  assessedAt: Type.Number(),
  recencyWindowDays: Type.Number(),
  final: Type.Number({ description: "the weakest linked model's final score" }),
  band: BandSchema,
  models: Type.Array(Type.Object({ model: Type.String(), version: Nullable(Type.String()), final: Type.Number(), band: Type.String(), sections: Type.Record(Type.String(), Type.Number()), loneSuperhero: Nullable(Type.String()) })),
  missingModels: Type.Array(Type.String()),
  skills: Nullable(Type.Object({ team: Type.String(), projects: Type.Array(Type.String()), members: Type.Number(), covered: Type.Array(Type.String()), missing: Type.Array(Type.String()), twoPizza: Type.Boolean() })),
});
export const HistorySchema = Type.Array(
  Type.Object({
    id: Type.Number(),
    at: Type.Number(),
    assessedBy: Type.String(),
    score: Type.Number(),
    sections: Type.Optional(Type.Record(Type.String(), Type.Number())),
    level: Type.Optional(Type.String()),
  }),
);
export const AttestationSchema = Type.Object({
  id: Type.Number(),
  model: Type.String(),
  testId: Type.String(),
  statement: Type.String(),
  artifactUri: Nullable(Type.String()),
  attestedBy: Type.String(),
  attestedAt: Type.Number(),
});
export const AttestationBody = Type.Object(
  {
    testId: Type.String({ minLength: 1, maxLength: 50, description: 'e.g. model-4 (see GET /api/v1/assessment/tests)' }),
    statement: Type.String({ minLength: 1, maxLength: ASSESSMENT_DEFAULTS.statementMaxLength }),
    artifactUri: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: ASSESSMENT_DEFAULTS.artifactUriMaxLength, description: 'where the evidence is: a document, a notebook, a ticket' }))),
  },
  { additionalProperties: false },
);
export const AssessQuery = Type.Object(
  {
    store: Type.Optional(Type.Boolean({ description: 'keep the result as a snapshot (default true)' })),
    windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'recency window for this assessment: older automated evidence earns 0.5 (default 30)' })),
  },
  { additionalProperties: false },
);

const answers: Record<string, ReturnType<typeof Type.Optional>> = {};
for (const [k, options] of Object.entries(QUESTIONNAIRE_OPTIONS)) answers[k] = Type.Optional(Nullable(literals(options)));
export const QuestionnaireAnswers = Type.Object(answers, { additionalProperties: false });
export const QuestionnaireSchema = Type.Object({ answers: QuestionnaireAnswers, updatedBy: Nullable(Type.String()), updatedAt: Nullable(Type.Number()) });

const CriterionSchema = Type.Object({ key: Type.String(), label: Type.String(), met: Type.Boolean(), figure: Type.String() });
const LevelSchema = Type.Object({
  level: Type.Union([Type.String(), Type.Number()]),
  name: Type.String(),
  levels: Type.Array(Type.Object({ level: Type.Union([Type.String(), Type.Number()]), name: Type.String(), met: Type.Boolean(), criteria: Type.Array(CriterionSchema) })),
});
const AxisSchema = Type.Object({ axis: Type.String(), label: Type.String(), inferred: Type.String(), declared: Nullable(Type.String()), effective: Type.String(), figure: Type.String() });
const SkillsSchema = Type.Object({ team: Type.String(), projects: Type.Array(Type.String()), members: Type.Number(), covered: Type.Array(Type.String()), missing: Type.Array(Type.String()), twoPizza: Type.Boolean() });
export const OrgReportSchema = Type.Object({
  scope: literals(['organization', 'team']),
  subject: Type.String(),
  assessedAt: Type.Number(),
  recencyWindowDays: Type.Number(),
  figures: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Array(Type.String())])),
  maturity: LevelSchema,
  google: LevelSchema,
  microsoft: LevelSchema,
  archetype: Type.Object({
    inferred: Type.String(),
    declared: Nullable(Type.String()),
    effective: Type.String(),
    name: Type.String(),
    confirmed: Nullable(Type.Boolean()),
    reasons: Type.Array(Type.String()),
    strengths: Type.Array(Type.String()),
    failureModes: Type.Array(Type.String()),
    axes: Type.Array(AxisSchema),
  }),
  starModel: Type.Array(Type.Object({ point: Type.String(), declared: Nullable(Type.String()), evidence: Type.String(), aligned: Nullable(Type.Boolean()), misalignment: Nullable(Type.String()), suggestion: Nullable(Type.String()) })),
  questionnaire: Type.Record(Type.String(), Type.String()),
  skills: Type.Array(SkillsSchema),
  loneSuperheroes: Type.Array(Type.Object({ model: Type.String(), person: Type.String(), projects: Type.Array(Type.String()), why: Type.String() })),
  models: Type.Array(Type.Object({ name: Type.String(), ownerTeam: Nullable(Type.String()), deployed: Type.Boolean(), final: Type.Number(), band: Type.String() })),
  coverage: Type.Optional(SkillsSchema),
});
