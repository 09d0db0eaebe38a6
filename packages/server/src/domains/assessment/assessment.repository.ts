import type { Kysely, Selectable } from 'kysely';
import type { DialectName } from '../../store/index.js';
import type { AssessmentAttestationTable, AssessmentQuestionnaireTable, AssessmentSnapshotTable, AssessmentTables } from './assessment.tables.js';

type DB = Kysely<AssessmentTables>;
export type SnapshotRow = Selectable<AssessmentSnapshotTable>;
export type AttestationRow = Selectable<AssessmentAttestationTable>;
export type QuestionnaireRow = Selectable<AssessmentQuestionnaireTable>;

/** All SQL of the assessment domain; nothing in it differs between the dialects. */
export class AssessmentRepository {
  constructor(
    private readonly db: DB,
    readonly dialect: DialectName,
  ) {}

  async insertSnapshot(row: Omit<SnapshotRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('assessment_snapshots').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  /** Newest first. */
  history(scope: string, subject: string, limit: number): Promise<SnapshotRow[]> {
    return this.db.selectFrom('assessment_snapshots').selectAll().where('scope', '=', scope).where('subject', '=', subject).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  latest(scope: string, subject: string): Promise<SnapshotRow | undefined> {
    return this.db.selectFrom('assessment_snapshots').selectAll().where('scope', '=', scope).where('subject', '=', subject).orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async insertAttestation(row: Omit<AttestationRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('assessment_attestations').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  attestations(model: string): Promise<AttestationRow[]> {
    return this.db.selectFrom('assessment_attestations').selectAll().where('model', '=', model).orderBy('id').execute();
  }

  questionnaire(scope: string, subject: string): Promise<QuestionnaireRow | undefined> {
    return this.db.selectFrom('assessment_questionnaires').selectAll().where('scope', '=', scope).where('subject', '=', subject).executeTakeFirst();
  }

  /** Insert or replace, in one statement (both dialects support ON CONFLICT … DO UPDATE). */
  async putQuestionnaire(row: QuestionnaireRow): Promise<void> {
    await this.db
      .insertInto('assessment_questionnaires')
      .values(row)
      .onConflict((oc) => oc.columns(['scope', 'subject']).doUpdateSet({ answers: row.answers, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute();
  }
}
