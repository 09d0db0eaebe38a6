import { Type, type Static } from 'typebox';

/** The shape of every native API error response (see errors.ts for the codes). */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code from the catalogue, e.g. NOT_FOUND' }),
      message: Type.String({ description: 'What went wrong, naming the field or resource' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Paging for list endpoints of the native API: an opaque token from the previous page. */
export const PageQuery = Type.Object({
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000, default: 100 })),
  pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const Tag = Type.Object({ key: Type.String(), value: Type.String() });
export type Tag = Static<typeof Tag>;
