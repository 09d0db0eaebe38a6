import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { registryMigrations } from './registry.migrations.js';
import { RegistryRepository } from './registry.repository.js';
import { RegistryService } from './registry.service.js';
import { classifierModel, DT, onnxModel, tensor } from './test-support/onnx-models.js';
import { rejectsWith } from '../../test-support/assertions.js';


const run = (n: number) => n.toString(16).padStart(32, '0');
const folder = (r: string) => `0/${r}/artifacts/model`;
const uri = (r: string) => `mlflow-artifacts:/${folder(r)}`;

for (const dialect of DIALECTS) {
  describe(`RegistryService signatures, cards and approvals on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let svc: RegistryService;
    let artifacts: LocalFsArtifactStore;
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    let now = 1_700_000_000_000;
    const root = mkdtempSync(join(tmpdir(), 'fw-registry-gov-'));

    before(async () => {
      store = await createTestStore(dialect, [registryMigrations]);
      artifacts = new LocalFsArtifactStore(root);
      svc = new RegistryService({
        repo: new RegistryRepository(store.tables(), store.dialect),
        clock: { now: () => now },
        artifacts,
        logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
        maxSignatureFileBytes: 64 * 1024,
      });
      await svc.createRegisteredModel({ name: 'm' });
    });
    after(async () => {
      await store.dispose();
      rmSync(root, { recursive: true, force: true });
    });

    test('a version from a run folder holding model.onnx records the ONNX signature', async () => {
      await artifacts.put(`${folder(run(1))}/model.onnx`, Buffer.from(classifierModel()));
      await artifacts.put(`${folder(run(1))}/MLmodel`, 'signature:\n  inputs: \'[{"type": "double", "name": "ignored"}]\'\n');
      now += 1;
      const v = await svc.createModelVersion({ name: 'm', source: uri(run(1)), runId: run(1) });
      const sig = await svc.getSignature('m', v.version);
      assert.deepEqual(sig, {
        inputs: [{ name: 'x', elemType: 'float32', shape: ['batch', 4] }],
        outputs: [
          { name: 'label', elemType: 'int64', shape: ['batch'] },
          { name: 'probabilities', elemType: 'float32', shape: ['batch', 2] },
        ],
        source: 'onnx',
        extractedAt: now,
      });
      const detail = await svc.getModelVersionDetail('m', v.version);
      assert.deepEqual(detail.signature, sig);
      assert.deepEqual(detail.approval, { status: 'pending', decidedBy: null, decidedAt: null, reason: null });
      assert.equal(detail.card, null);
    });

    test('other places a model is found: the .onnx file itself, the only *.onnx, an MLmodel signature', async () => {
      const other = onnxModel({ inputs: [tensor('tokens', DT.INT64, ['b', 'seq'])], outputs: [tensor('text', DT.STRING, ['b'])] });
      await artifacts.put(`${folder(run(2))}/encoder.onnx`, Buffer.from(other));
      await artifacts.put(`${folder(run(2))}/README.txt`, 'hi');
      const a = await svc.createModelVersion({ name: 'm', source: uri(run(2)) });
      assert.deepEqual((await svc.getSignature('m', a.version)).inputs, [{ name: 'tokens', elemType: 'int64', shape: ['b', 'seq'] }]);
      const b = await svc.createModelVersion({ name: 'm', source: `${uri(run(2))}/encoder.onnx` });
      assert.equal((await svc.getSignature('m', b.version)).outputs[0]!.elemType, 'string');

      await artifacts.put(`${folder(run(3))}/MLmodel`, `signature:\n  inputs: '[{"type": "long", "name": "n"}]'\n  outputs: '[{"type": "double"}]'\n`);
      const c = await svc.createModelVersion({ name: 'm', source: uri(run(3)) });
      const sig = await svc.getSignature('m', c.version);
      assert.equal(sig.source, 'mlflow');
      assert.deepEqual(sig.inputs, [{ name: 'n', elemType: 'int64', shape: [null] }]);
    });

    test('no model at the source: the version is created without a signature; unreadable models only warn', async () => {
      warnings.length = 0;
      const none = await svc.createModelVersion({ name: 'm', source: uri(run(4)) });
      await rejectsWith(svc.getSignature('m', none.version), 'NOT_FOUND', /^No signature is recorded for Model Version \(name=m, version=\d+\)\.$/);
      const s3 = await svc.createModelVersion({ name: 'm', source: 's3://bucket/model' });
      assert.equal((await svc.getModelVersionDetail('m', s3.version)).signature, null);
      assert.equal(warnings.length, 0, 'a source without a model is not worth a warning');

      await artifacts.put(`${folder(run(5))}/model.onnx`, 'this is not protobuf at all');
      const bad = await svc.createModelVersion({ name: 'm', source: uri(run(5)) });
      assert.equal((await svc.getModelVersionDetail('m', bad.version)).signature, null);
      await artifacts.put(`${folder(run(6))}/model.onnx`, Buffer.alloc(64 * 1024 + 1));
      const big = await svc.createModelVersion({ name: 'm', source: uri(run(6)) });
      assert.equal((await svc.getModelVersionDetail('m', big.version)).signature, null);
      const traversal = await svc.createModelVersion({ name: 'm', source: 'mlflow-artifacts:/../../etc' });
      assert.equal((await svc.getModelVersionDetail('m', traversal.version)).signature, null);
      assert.equal(warnings.length, 3);
      assert.match(String((warnings[0]!.obj.err as Error).message), /Not an ONNX model/);
      assert.match(String((warnings[1]!.obj.err as Error).message), /more than the 65536/);
      assert.equal(warnings[0]!.obj.source, uri(run(5)));
    });

    test('a signature set by hand replaces the extracted one; bad ones name the field and write nothing', async () => {
      const v = await svc.createModelVersion({ name: 'm', source: uri(run(1)) });
      assert.equal((await svc.getSignature('m', v.version)).source, 'onnx');
      now += 1;
      const manual = await svc.setSignature('m', v.version, { inputs: [{ name: 'a', elemType: 'float32', shape: [null, 3] }], outputs: [] });
      assert.deepEqual(manual, { inputs: [{ name: 'a', elemType: 'float32', shape: [null, 3] }], outputs: [], source: 'manual', extractedAt: now });
      await rejectsWith(svc.setSignature('m', v.version, { inputs: [{ name: 'a', elemType: '', shape: [] }], outputs: [] }), 'INVALID_INPUT', /^inputs\[0\]\.elemType must not be empty$/);
      await rejectsWith(svc.setSignature('m', v.version, { inputs: [], outputs: [{ name: 'o', elemType: 'x', shape: [-1] }] }), 'INVALID_INPUT', /^outputs\[0\]\.shape\[0\] must be/);
      await rejectsWith(svc.setSignature('m', v.version, { inputs: 'x', outputs: [] }), 'INVALID_INPUT', /^inputs must be an array$/);
      await rejectsWith(svc.setSignature('m', '999', { inputs: [], outputs: [] }), 'NOT_FOUND', /version=999/);
      assert.deepEqual(await svc.getSignature('m', v.version), manual);
    });

    test('model card: Draft → PendingReview → Approved → Archived, changes requested, edits, invalid transitions', async () => {
      const v = (await svc.createModelVersion({ name: 'm', source: uri(run(7)) })).version;
      await rejectsWith(svc.getModelCard('m', v), 'NOT_FOUND', /has no model card/);
      await rejectsWith(svc.transitionModelCard('m', v, 'PendingReview'), 'NOT_FOUND', /has no model card/);
      now += 1;
      const draft = await svc.putModelCard('m', v, {
        modelDetails: 'Gradient boosting, v1',
        intendedUse: 'Churn scoring',
        quantitativeAnalyses: [{ group: 'age 65+', metric: 'auc', value: 0.81 }],
        riskRating: 'high',
      }, 'ana');
      assert.deepEqual(draft, {
        name: 'm',
        version: v,
        card: { modelDetails: 'Gradient boosting, v1', intendedUse: 'Churn scoring', quantitativeAnalyses: [{ group: 'age 65+', metric: 'auc', value: 0.81 }], riskRating: 'high' },
        status: 'Draft',
        updatedAt: now,
        updatedBy: 'ana',
      });
      await rejectsWith(svc.transitionModelCard('m', v, 'Approved'), 'INVALID_STATE', /from Draft to Approved: from Draft it may move to PendingReview or Archived\.$/);
      assert.equal((await svc.transitionModelCard('m', v, 'PendingReview', 'ana')).status, 'PendingReview');
      assert.equal((await svc.transitionModelCard('m', v, 'Draft', 'bo')).status, 'Draft', 'changes requested');
      await svc.transitionModelCard('m', v, 'PendingReview');
      const approved = await svc.transitionModelCard('m', v, 'Approved', 'bo');
      assert.equal(approved.status, 'Approved');
      assert.equal(approved.updatedBy, 'bo');
      assert.deepEqual((await svc.getModelVersionDetail('m', v)).card, { status: 'Approved', riskRating: 'high' });
      await rejectsWith(svc.transitionModelCard('m', v, 'PendingReview'), 'INVALID_STATE', /from Approved to PendingReview/);
      await rejectsWith(svc.transitionModelCard('m', v, 'Approved'), 'INVALID_STATE', /from Approved to Approved/);
      await rejectsWith(svc.transitionModelCard('m', v, 'Published'), 'INVALID_INPUT', /^status must be one of Draft, PendingReview, Approved, Archived, got 'Published'$/);

      // Editing an approved card sends it back to Draft.
      const edited = await svc.putModelCard('m', v, { modelDetails: 'Gradient boosting, v1.1', riskRating: null });
      assert.equal(edited.status, 'Draft');
      assert.deepEqual(edited.card, { modelDetails: 'Gradient boosting, v1.1', riskRating: null });
      assert.equal((await svc.transitionModelCard('m', v, 'Archived')).status, 'Archived');
      await rejectsWith(svc.transitionModelCard('m', v, 'Draft'), 'INVALID_STATE', /from Archived to Draft: from Archived it cannot move any further\.$/);
      await rejectsWith(svc.putModelCard('m', v, { caveats: 'x' }), 'INVALID_STATE', /is Archived and cannot be edited/);
      assert.equal((await svc.getModelCard('m', v)).status, 'Archived');
    });

    test('model card validation names the field and writes nothing', async () => {
      const v = (await svc.createModelVersion({ name: 'm', source: uri(run(8)) })).version;
      await svc.putModelCard('m', v, { caveats: 'keep' });
      const before = await svc.getModelCard('m', v);
      await rejectsWith(svc.putModelCard('m', v, { caveats: 'x'.repeat(20_001) }), 'INVALID_INPUT', /^card\.caveats has length 20001, which exceeds the limit of 20000$/);
      await rejectsWith(svc.putModelCard('m', v, { riskRating: 'extreme' }), 'INVALID_INPUT', /^card\.riskRating must be one of low, medium, high, critical or null, got 'extreme'$/);
      await rejectsWith(svc.putModelCard('m', v, { quantitativeAnalyses: [{ group: 'g', metric: 'auc', value: 'high' }] }), 'INVALID_INPUT', /^card\.quantitativeAnalyses\[0\]\.value must be a finite number$/);
      await rejectsWith(svc.putModelCard('m', v, { bogus: 1 }), 'INVALID_INPUT', /^card\.bogus is not a known field$/);
      await rejectsWith(svc.putModelCard('m', v, {}, ''), 'INVALID_INPUT', /^updatedBy must not be empty$/);
      assert.deepEqual(await svc.getModelCard('m', v), before);
    });

    test('approvals: pending at first, decisions kept newest first, a rejection needs a reason', async () => {
      const v = (await svc.createModelVersion({ name: 'm', source: uri(run(9)) })).version;
      assert.deepEqual(await svc.getApproval('m', v), { current: { status: 'pending', decidedBy: null, decidedAt: null, reason: null }, history: [] });
      await rejectsWith(svc.decideApproval('m', v, { status: 'rejected', decidedBy: 'ana' }), 'INVALID_INPUT', /^reason is required$/);
      await rejectsWith(svc.decideApproval('m', v, { status: 'rejected', decidedBy: 'ana', reason: '  ' }), 'INVALID_INPUT', /^reason must not be empty$/);
      await rejectsWith(svc.decideApproval('m', v, { status: 'approved', decidedBy: '' }), 'INVALID_INPUT', /^decidedBy must not be empty$/);
      await rejectsWith(svc.decideApproval('m', v, { status: 'approved' } as never), 'INVALID_INPUT', /^decidedBy is required$/);
      await rejectsWith(svc.decideApproval('m', v, { status: 'pending', decidedBy: 'ana' }), 'INVALID_INPUT', /^status must be 'approved' or 'rejected', got 'pending'$/);
      await rejectsWith(svc.decideApproval('m', '999', { status: 'approved', decidedBy: 'ana' }), 'NOT_FOUND', /version=999/);
      assert.deepEqual((await svc.getApproval('m', v)).history, [], 'failed decisions write nothing');

      now += 1;
      const t1 = now;
      await svc.decideApproval('m', v, { status: 'rejected', decidedBy: 'ana', reason: 'AUC below 0.8 for age 65+' });
      now += 1;
      const state = await svc.decideApproval('m', v, { status: 'approved', decidedBy: 'bo', reason: 'retrained' });
      assert.deepEqual(state, {
        current: { status: 'approved', decidedBy: 'bo', decidedAt: now, reason: 'retrained' },
        history: [
          { status: 'approved', decidedBy: 'bo', decidedAt: now, reason: 'retrained' },
          { status: 'rejected', decidedBy: 'ana', decidedAt: t1, reason: 'AUC below 0.8 for age 65+' },
        ],
      });
      assert.equal((await svc.getModelVersionDetail('m', v)).approval.status, 'approved');
    });

    test('signatures, cards and approvals follow a rename and go with a deleted version', async () => {
      await svc.createRegisteredModel({ name: 'ren' });
      await artifacts.put(`${folder(run(10))}/model.onnx`, Buffer.from(classifierModel()));
      const v = (await svc.createModelVersion({ name: 'ren', source: uri(run(10)) })).version;
      await svc.putModelCard('ren', v, { caveats: 'c' });
      await svc.decideApproval('ren', v, { status: 'approved', decidedBy: 'ana' });
      await svc.setRegisteredModelAlias('ren', 'champion', v);
      await svc.renameRegisteredModel('ren', 'ren2');
      const d = await svc.getModelVersionDetail('ren2', v);
      assert.equal(d.signature?.source, 'onnx');
      assert.deepEqual(d.card, { status: 'Draft', riskRating: null });
      assert.equal(d.approval.decidedBy, 'ana');
      assert.deepEqual(d.aliases, ['champion']);
      await svc.deleteModelVersion('ren2', v);
      for (const t of ['model_version_signatures', 'model_cards', 'model_version_approvals']) {
        const rows = await store.db.selectFrom(t).selectAll().where('name', 'in', ['ren', 'ren2']).execute();
        assert.equal(rows.length, 0, t);
      }
    });
  });
}
