// Native API schemas of datasets (versions, schema, profile, datasheet).
import { Type, type Static } from 'typebox';

/** Names of datasets: a letter or digit, then letters, digits, `_`, `.`, `-`; at most 200 characters. */
export const DATASET_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.\\-]{0,199}$';

export const DATASET_LIMITS = {
  descriptionMaxLength: 5000,
  sourceUriMaxLength: 2048,
  datasheetSectionMaxLength: 20_000,
  createdByMaxLength: 256,
  filenameMaxLength: 255,
  /** How many categories a categorical profile lists. */
  topCategories: 20,
  /** How many equal-width bins a numeric histogram has. */
  histogramBins: 20,
  /** How many columns a dataset version may have (its schema's `maxItems`). */
  maxColumns: 10_000,
  /** Distinct values a categorical profile counts exactly per column; past this `distinct` is a lower bound. */
  maxExactDistinct: 100_000,
} as const;

export const DatasetFormat = Type.Union([Type.Literal('csv'), Type.Literal('parquet'), Type.Literal('uri')]);
export type DatasetFormat = Static<typeof DatasetFormat>;

export const ColumnType = Type.Union([
  Type.Literal('integer'),
  Type.Literal('float'),
  Type.Literal('boolean'),
  Type.Literal('string'),
  Type.Literal('datetime'),
]);
export type ColumnType = Static<typeof ColumnType>;

export const SchemaColumn = Type.Object({
  name: Type.String(),
  type: ColumnType,
  nullable: Type.Boolean({ description: 'True when at least one value is missing' }),
});
export type SchemaColumn = Static<typeof SchemaColumn>;

export const DatasetSchema = Type.Array(SchemaColumn, { maxItems: DATASET_LIMITS.maxColumns });
export type DatasetSchema = Static<typeof DatasetSchema>;

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const Quantiles = Type.Object({
  p01: Type.Number(),
  p05: Type.Number(),
  p25: Type.Number(),
  p50: Type.Number(),
  p75: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
}, { description: 'Exact quantiles with linear interpolation between order statistics (numpy "linear", Hyndman-Fan type 7)' });
export type Quantiles = Static<typeof Quantiles>;

export const Histogram = Type.Object({
  edges: Type.Array(Type.Number(), { description: 'bins+1 edges; bin i is [edges[i], edges[i+1]), the last bin is closed' }),
  counts: Type.Array(Type.Number()),
});
export type Histogram = Static<typeof Histogram>;

export const NumericProfile = Type.Object({
  min: Type.Number(),
  max: Type.Number(),
  mean: Type.Number(),
  std: Nullable(Type.Number({ description: 'Sample standard deviation (n-1); null when fewer than 2 values' })),
  quantiles: Quantiles,
  histogram: Histogram,
});
export type NumericProfile = Static<typeof NumericProfile>;

export const CategoryCount = Type.Object({ value: Type.String(), count: Type.Number() });
export type CategoryCount = Static<typeof CategoryCount>;

export const CategoricalProfile = Type.Object({
  distinct: Type.Number({ description: 'Distinct values; a lower bound when distinctExact is false' }),
  // Optional only because profiles stored before it was added lack it; new profiles always have it.
  distinctExact: Type.Optional(Type.Boolean({
    description: `False when the column had more than ${DATASET_LIMITS.maxExactDistinct} distinct values: distinct is then a lower bound and top only counts the values seen before that limit`,
  })),
  top: Type.Array(CategoryCount, { description: 'At most 20, by count descending then value ascending' }),
});
export type CategoricalProfile = Static<typeof CategoricalProfile>;

export const DatetimeProfile = Type.Object({
  min: Type.String({ description: 'ISO 8601, UTC' }),
  max: Type.String({ description: 'ISO 8601, UTC' }),
});
export type DatetimeProfile = Static<typeof DatetimeProfile>;

export const ColumnProfile = Type.Object({
  name: Type.String(),
  type: ColumnType,
  count: Type.Number({ description: 'Values present (not missing)' }),
  missing: Type.Number({ description: 'Empty, null or NaN values' }),
  numeric: Type.Optional(NumericProfile),
  categorical: Type.Optional(CategoricalProfile),
  datetime: Type.Optional(DatetimeProfile),
});
export type ColumnProfile = Static<typeof ColumnProfile>;

export const DatasetProfile = Type.Object({
  version: Type.Literal(1, { description: 'Version of the profile definition (see dataset-profile.ts)' }),
  rowCount: Type.Number(),
  columns: Type.Array(ColumnProfile),
});
export type DatasetProfile = Static<typeof DatasetProfile>;

/** A datasheet for datasets (Gebru et al., 2018/2021): one free-text answer per section. */
export const DATASHEET_SECTIONS = ['motivation', 'composition', 'collectionProcess', 'preprocessing', 'uses', 'distribution', 'maintenance'] as const;
const section = () => Type.Optional(Type.String({ maxLength: DATASET_LIMITS.datasheetSectionMaxLength }));
export const Datasheet = Type.Object({
  motivation: section(),
  composition: section(),
  collectionProcess: section(),
  preprocessing: section(),
  uses: section(),
  distribution: section(),
  maintenance: section(),
}, { additionalProperties: false });
export type Datasheet = Static<typeof Datasheet>;

export const Dataset = Type.Object({
  name: Type.String(),
  description: Type.String(),
  createdAt: Type.Number({ description: 'ms since epoch' }),
  updatedAt: Type.Number({ description: 'ms since epoch' }),
  latestVersion: Type.Union([Type.Integer(), Type.Null()]),
});
export type Dataset = Static<typeof Dataset>;

export const DatasetVersion = Type.Object({
  dataset: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  contentHash: Type.Union([Type.String({ description: 'sha256 hex of the file bytes' }), Type.Null()]),
  sourceUri: Type.Union([Type.String(), Type.Null()]),
  format: DatasetFormat,
  rowCount: Type.Union([Type.Integer(), Type.Null()]),
  schema: Type.Union([DatasetSchema, Type.Null()]),
  profile: Type.Union([DatasetProfile, Type.Null()]),
  datasheet: Type.Union([Datasheet, Type.Null()]),
  artifactPath: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export type DatasetVersion = Static<typeof DatasetVersion>;

export const RegisterVersionResponse = Type.Object({
  created: Type.Boolean({ description: 'False when identical content was already registered; the existing version is returned' }),
  version: DatasetVersion,
});
export type RegisterVersionResponse = Static<typeof RegisterVersionResponse>;

export const CreateDatasetRequest = Type.Object({
  name: Type.String({ pattern: DATASET_NAME_PATTERN }),
  description: Type.Optional(Type.String({ maxLength: DATASET_LIMITS.descriptionMaxLength })),
}, { additionalProperties: false });
export type CreateDatasetRequest = Static<typeof CreateDatasetRequest>;

export const RegisterUriVersionRequest = Type.Object({
  uri: Type.String({ minLength: 1, maxLength: DATASET_LIMITS.sourceUriMaxLength }),
  schema: Type.Optional(DatasetSchema),
  rowCount: Type.Optional(Type.Integer({ minimum: 0 })),
  contentHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  datasheet: Type.Optional(Datasheet),
}, { additionalProperties: false });
export type RegisterUriVersionRequest = Static<typeof RegisterUriVersionRequest>;
