// Native API schemas of the registry (signatures, model cards, approvals).
import { Type, type Static } from 'typebox';
import { Tag } from './common.js';

/** Limits of registry documents, shared by the HTTP schemas and the service's own checks. */
export const REGISTRY_LIMITS = {
  maxSignatureTensors: 1000,
  maxTensorNameLength: 1000,
  maxElemTypeLength: 200,
  maxTensorRank: 64,
  maxDimParamLength: 256,
  maxCardSectionLength: 20_000,
  maxQuantitativeAnalyses: 1000,
  maxAnalysisFieldLength: 500,
  maxActorLength: 256,
  maxReasonLength: 5000,
} as const;

// ---- signatures ----------------------------------------------------------------------------

/**
 * One input or output of a model. `elemType` is the tensor element type (`float32`, `int64`,
 * `string`, `bool`, `float64`, …; ONNX's TensorProto.DataType names in lower case, float/double as
 * float32/float64); non-tensor values read as e.g. `sequence<map<int64,float32>>`. `shape` lists
 * the dimensions: a number is fixed, a string is symbolic (`batch`), null is unknown; the whole
 * `shape` is null when even the rank is unknown.
 */
export const TensorSpec = Type.Object(
  {
    name: Type.String({ maxLength: REGISTRY_LIMITS.maxTensorNameLength }),
    elemType: Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxElemTypeLength }),
    shape: Type.Union([
      Type.Array(
        Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: REGISTRY_LIMITS.maxDimParamLength }), Type.Null()]),
        { maxItems: REGISTRY_LIMITS.maxTensorRank },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type TensorSpec = Static<typeof TensorSpec>;

export const SignatureSource = Type.Union([Type.Literal('onnx'), Type.Literal('mlflow'), Type.Literal('manual')]);
export type SignatureSource = Static<typeof SignatureSource>;

/** The body of PUT …/signature. */
export const SignatureInput = Type.Object(
  {
    inputs: Type.Array(TensorSpec, { maxItems: REGISTRY_LIMITS.maxSignatureTensors }),
    outputs: Type.Array(TensorSpec, { maxItems: REGISTRY_LIMITS.maxSignatureTensors }),
  },
  { additionalProperties: false },
);
export type SignatureInput = Static<typeof SignatureInput>;

export const ModelSignature = Type.Object({
  inputs: Type.Array(TensorSpec),
  outputs: Type.Array(TensorSpec),
  source: SignatureSource,
  extractedAt: Type.Number({ description: 'ms since epoch' }),
});
export type ModelSignature = Static<typeof ModelSignature>;

// ---- model cards ---------------------------------------------------------------------------

export const RiskRating = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
export type RiskRating = Static<typeof RiskRating>;
export const RISK_RATINGS: readonly RiskRating[] = ['low', 'medium', 'high', 'critical'];

export const ModelCardStatus = Type.Union([
  Type.Literal('Draft'),
  Type.Literal('PendingReview'),
  Type.Literal('Approved'),
  Type.Literal('Archived'),
]);
export type ModelCardStatus = Static<typeof ModelCardStatus>;
export const MODEL_CARD_STATUSES: readonly ModelCardStatus[] = ['Draft', 'PendingReview', 'Approved', 'Archived'];

/** The allowed moves of a card's status: review, approval, changes requested, retirement. */
export const MODEL_CARD_TRANSITIONS: Readonly<Record<ModelCardStatus, readonly ModelCardStatus[]>> = {
  Draft: ['PendingReview', 'Archived'],
  PendingReview: ['Approved', 'Draft'],
  Approved: ['Archived'],
  Archived: [],
};

const section = (description: string) => Type.Optional(Type.String({ maxLength: REGISTRY_LIMITS.maxCardSectionLength, description }));

export const QuantitativeAnalysis = Type.Object(
  {
    group: Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxAnalysisFieldLength, description: 'The subgroup, e.g. "age 65+"' }),
    metric: Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxAnalysisFieldLength }),
    value: Type.Number(),
  },
  { additionalProperties: false },
);
export type QuantitativeAnalysis = Static<typeof QuantitativeAnalysis>;

/** A model card after Mitchell et al., "Model Cards for Model Reporting" (2019), plus a risk rating. */
export const ModelCard = Type.Object(
  {
    modelDetails: section('Who built it, when, version, model type, training algorithms, license'),
    intendedUse: section('Primary intended uses and users'),
    outOfScopeUses: section('Uses the model is not meant for'),
    factors: section('Relevant groups, instrumentation and environments'),
    metrics: section('Performance measures, decision thresholds, variation approaches'),
    evaluationData: section('Datasets, motivation, preprocessing'),
    trainingData: section('Training data, as far as it can be disclosed'),
    quantitativeAnalyses: Type.Optional(Type.Array(QuantitativeAnalysis, { maxItems: REGISTRY_LIMITS.maxQuantitativeAnalyses })),
    ethicalConsiderations: section('Ethical considerations'),
    caveats: section('Caveats and recommendations'),
    riskRating: Type.Optional(Type.Union([RiskRating, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ModelCard = Static<typeof ModelCard>;

/** The body of PUT …/card. */
export const ModelCardInput = Type.Object(
  {
    card: ModelCard,
    updatedBy: Type.Optional(Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxActorLength })),
  },
  { additionalProperties: false },
);
export type ModelCardInput = Static<typeof ModelCardInput>;

export const ModelCardRecord = Type.Object({
  name: Type.String(),
  version: Type.String(),
  card: ModelCard,
  status: ModelCardStatus,
  updatedAt: Type.Number({ description: 'ms since epoch' }),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type ModelCardRecord = Static<typeof ModelCardRecord>;

/** The body of POST …/card/status. */
export const ModelCardStatusInput = Type.Object(
  {
    status: ModelCardStatus,
    updatedBy: Type.Optional(Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxActorLength })),
  },
  { additionalProperties: false },
);
export type ModelCardStatusInput = Static<typeof ModelCardStatusInput>;

// ---- approvals -----------------------------------------------------------------------------

export const ApprovalStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);
export type ApprovalStatus = Static<typeof ApprovalStatus>;

/** One approval decision; a version nobody decided on yet is `pending` with null decider and time. */
export const ApprovalDecision = Type.Object({
  status: ApprovalStatus,
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.Number({ description: 'ms since epoch' }), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type ApprovalDecision = Static<typeof ApprovalDecision>;

/** The body of POST …/approval; `reason` is required to reject. */
export const ApprovalInput = Type.Object(
  {
    status: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]),
    /** Who decides. A signed-in caller's decision is recorded under their own name: omit it, or send that name. */
    decidedBy: Type.Optional(Type.String({ minLength: 1, maxLength: REGISTRY_LIMITS.maxActorLength })),
    reason: Type.Optional(Type.String({ maxLength: REGISTRY_LIMITS.maxReasonLength })),
  },
  { additionalProperties: false },
);
export type ApprovalInput = Static<typeof ApprovalInput>;

export const ApprovalState = Type.Object({
  current: ApprovalDecision,
  /** Newest first. */
  history: Type.Array(ApprovalDecision),
});
export type ApprovalState = Static<typeof ApprovalState>;

// ---- models and versions (native shapes) ----------------------------------------------------

export const NativeModelVersion = Type.Object(
  {
    name: Type.String(),
    version: Type.String(),
    creationTimestamp: Type.Number(),
    lastUpdatedTimestamp: Type.Number(),
    userId: Type.Optional(Type.String()),
    currentStage: Type.String(),
    description: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    runId: Type.Optional(Type.String()),
    runLink: Type.Optional(Type.String()),
    status: Type.String(),
    statusMessage: Type.Optional(Type.String()),
    tags: Type.Array(Tag),
    aliases: Type.Array(Type.String()),
  },
);
export type NativeModelVersion = Static<typeof NativeModelVersion>;

/** A version with what governance needs at a glance. */
export const ModelVersionDetail = Type.Object({
  ...NativeModelVersion.properties,
  signature: Type.Union([ModelSignature, Type.Null()]),
  card: Type.Union([Type.Object({ status: ModelCardStatus, riskRating: Type.Union([RiskRating, Type.Null()]) }), Type.Null()]),
  approval: ApprovalDecision,
});
export type ModelVersionDetail = Static<typeof ModelVersionDetail>;

export const NativeRegisteredModel = Type.Object(
  {
    name: Type.String(),
    creationTimestamp: Type.Number(),
    lastUpdatedTimestamp: Type.Number(),
    description: Type.Optional(Type.String()),
    latestVersions: Type.Array(NativeModelVersion),
    tags: Type.Array(Tag),
    aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.String() })),
  },
);
export type NativeRegisteredModel = Static<typeof NativeRegisteredModel>;
