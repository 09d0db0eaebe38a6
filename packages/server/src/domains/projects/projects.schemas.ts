import { Type } from 'typebox';
import { LIMITS } from './projects.validation.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = Nullable(Type.String({ maxLength: LIMITS.fieldMaxLength }));
export const StageSchema = Type.Union([Type.Literal('idea'), Type.Literal('poc'), Type.Literal('pilot'), Type.Literal('production'), Type.Literal('retired')]);

export const BusinessCaseSchema = Type.Object(
  {
    businessChallenge: Text,
    currentBaseline: Text,
    businessValue: Text,
    usersAndUsage: Text,
    successMetric: Text,
    successTarget: Nullable(Type.Number()),
    successDirection: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
    coreTeam: Text,
    dataExists: Nullable(Type.Boolean()),
    dataLabeled: Nullable(Type.Boolean()),
    timeline: Text,
    budget: Text,
    decision: Text,
    costOfErrors: Text,
    riskRating: Nullable(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')])),
  },
  { additionalProperties: false },
);

const ModelLinkInput = Type.Union([
  Type.String({ minLength: 1, maxLength: 500 }),
  Type.Object({ name: Type.String({ minLength: 1, maxLength: 500 }), version: Type.Optional(Nullable(Type.Union([Type.String({ maxLength: 10 }), Type.Integer({ minimum: 1 })]))) }, { additionalProperties: false }),
]);
const DateInput = Nullable(Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]));

const editable = {
  description: Type.Optional(Type.String({ maxLength: LIMITS.descriptionMaxLength })),
  ownerTeam: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  businessCase: Type.Optional(Type.Partial(BusinessCaseSchema, { additionalProperties: false })),
  pocEndDate: Type.Optional(DateInput),
  models: Type.Optional(Type.Array(ModelLinkInput, { maxItems: LIMITS.maxModels })),
  deployments: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: LIMITS.maxDeployments })),
};
export const CreateProjectBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: LIMITS.nameMaxLength }), ...editable }, { additionalProperties: false });
export const UpdateProjectBody = Type.Object(editable, { additionalProperties: false });
export const StageBody = Type.Object({ to: StageSchema, reason: Type.Optional(Type.String({ maxLength: LIMITS.reasonMaxLength })) }, { additionalProperties: false });
export const OutcomeBody = Type.Object(
  { metric: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.metricMaxLength })), value: Type.Number(), ts: Type.Optional(DateInput) },
  { additionalProperties: false },
);

export const ProjectSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  ownerTeam: Nullable(Type.String()),
  stage: StageSchema,
  businessCase: BusinessCaseSchema,
  pocEndDate: Nullable(Type.Number({ description: 'ms since epoch' })),
  overdue: Type.Boolean({ description: 'in POC past its end date' }),
  models: Type.Array(Type.Object({ name: Type.String(), version: Nullable(Type.String()) })),
  deployments: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  stageChangedAt: Type.Number(),
});

export const GateConditionSchema = Type.Object({ key: Type.String(), label: Type.String(), passed: Type.Boolean(), why: Type.String() });
export const ChecklistSchema = Type.Object({ project: Type.String(), from: StageSchema, to: StageSchema, passed: Type.Boolean(), conditions: Type.Array(GateConditionSchema) });
export const StageChangeSchema = Type.Object({ from: StageSchema, to: StageSchema, reason: Nullable(Type.String()), actor: Type.String(), at: Type.Number(), checklist: Type.Array(GateConditionSchema) });
export const OutcomePointSchema = Type.Object({ metric: Type.String(), value: Type.Number(), ts: Type.Number(), recordedBy: Type.String() });
export const SeriesSchema = Type.Object({
  project: Type.String(),
  metric: Type.String(),
  target: Nullable(Type.Number()),
  direction: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
  points: Type.Array(Type.Object({ ts: Type.Number(), value: Type.Number() })),
  latest: Nullable(Type.Number()),
  metTarget: Nullable(Type.Boolean()),
});
