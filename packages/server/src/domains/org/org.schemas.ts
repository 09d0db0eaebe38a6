import { Type } from 'typebox';
import { SKILLS, TEAM_ROLES } from './org.types.js';
import { ORG_LIMITS as L } from './org.validation.js';

// Enums are validated by the service (errors that name the field and list the choices), so the
// schemas say "string" and document the choices.
const Skill = Type.String({ maxLength: 50, description: `One of ${SKILLS.join(', ')}` });
const Role = Type.String({ maxLength: 20, description: `One of ${TEAM_ROLES.join(', ')}` });
const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const UserSchema = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  email: NullableString,
  isAdmin: Type.Boolean(),
  disabled: Type.Boolean(),
  skills: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const UserWithTeamsSchema = Type.Object({
  ...UserSchema.properties,
  teams: Type.Array(Type.Object({ team: Type.String(), role: Type.String() })),
});

export const CreateUserBody = Type.Object({
  username: Type.String({ maxLength: 200 }),
  password: Type.String({ maxLength: L.passwordMax }),
  displayName: Type.Optional(Type.String({ maxLength: L.displayNameMax })),
  email: Type.Optional(Type.Union([Type.String({ maxLength: L.emailMax }), Type.Null()])),
  isAdmin: Type.Optional(Type.Boolean()),
  skills: Type.Optional(Type.Array(Skill, { maxItems: 50 })),
}, { additionalProperties: false });

export const UpdateUserBody = Type.Object({
  displayName: Type.Optional(Type.String({ maxLength: L.displayNameMax })),
  email: Type.Optional(Type.Union([Type.String({ maxLength: L.emailMax }), Type.Null()])),
  skills: Type.Optional(Type.Array(Skill, { maxItems: 50 })),
  isAdmin: Type.Optional(Type.Boolean({ description: 'Platform admins only' })),
  disabled: Type.Optional(Type.Boolean({ description: 'Platform admins only' })),
}, { additionalProperties: false });

export const ChangePasswordBody = Type.Object({
  currentPassword: Type.Optional(Type.String({ maxLength: L.passwordMax, description: 'Required to change your own password' })),
  newPassword: Type.String({ maxLength: L.passwordMax }),
}, { additionalProperties: false });

export const LoginBody = Type.Object({
  username: Type.String({ maxLength: 200 }),
  password: Type.String({ maxLength: L.passwordMax }),
  issue: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('token')], { description: "'session' (default): a session cookie for the web UI; 'token': an API token, shown once" })),
  tokenName: Type.Optional(Type.String({ maxLength: L.tokenNameMax })),
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
}, { additionalProperties: false });

export const TokenInfoSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The token starts with fw_<prefix>_' }),
  createdAt: Type.Integer(),
  lastUsedAt: NullableInt,
  expiresAt: NullableInt,
  revokedAt: NullableInt,
});

export const NewTokenSchema = Type.Object({
  token: Type.String({ description: 'The secret: shown in this answer only' }),
  ...TokenInfoSchema.properties,
});

export const LoginResponse = Type.Object({
  user: UserWithTeamsSchema,
  session: Type.Optional(Type.Object({ expiresAt: Type.Integer() })),
  token: Type.Optional(NewTokenSchema),
});

export const CreateTokenBody = Type.Object({
  name: Type.String({ maxLength: L.tokenNameMax }),
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
}, { additionalProperties: false });

export const TeamSchema = Type.Object({
  name: Type.String(),
  parent: NullableString,
  description: Type.String(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const TeamWithMembersSchema = Type.Object({
  ...TeamSchema.properties,
  members: Type.Array(Type.Object({ username: Type.String(), displayName: Type.String(), role: Type.String() })),
  children: Type.Array(Type.String()),
});

export const TeamTreeSchema = Type.Object({
  teams: Type.Array(Type.Unknown(), { description: 'Top-level teams, each {name, parent, description, createdAt, updatedAt, children: [same shape]}' }),
});

export const CreateTeamBody = Type.Object({
  name: Type.String({ maxLength: 200 }),
  parent: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  description: Type.Optional(Type.String({ maxLength: L.descriptionMax })),
}, { additionalProperties: false });

export const UpdateTeamBody = Type.Object({
  parent: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: 'null makes it a top-level team' })),
  description: Type.Optional(Type.String({ maxLength: L.descriptionMax })),
}, { additionalProperties: false });

export const MemberBody = Type.Object({ role: Role }, { additionalProperties: false });
