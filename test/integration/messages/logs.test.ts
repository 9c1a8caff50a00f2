import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../../server/app';
import { testConfig } from '../../../server/config';
import { FakeClock } from '../../../server/kernel/clock';
import { REDACT_PATHS } from '../../../server/kernel/logger';
import { startTestDatabase } from '../../../server/db/connect';
import { createUser, signIn } from '../../helpers/users';

const SECRETS = ['LOGS-CERT-SECRET-1', '246813579', 'ACCS-CODE-7777', 'FROMPOST-42X'];

describe('messages: logs never hold a secret value', () => {
  let db: { close(): Promise<void> };
  const lines: string[] = [];
  before(async () => {
    db = await startTestDatabase();
    await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  });
  after(async () => db?.close());

  it('a full flow at level trace, errors included', async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, sink);
    const app = createApp({ config: testConfig({ LOG_LEVEL: 'trace' }), logger, clock: new FakeClock() });
    const mod = await createUser({ role: 'moderator' });
    const member = await createUser();
    const ma = request.agent(app);
    const mem = request.agent(app);
    const modCsrf = (await signIn(ma, mod.username, mod.password)).csrfToken;
    const memCsrf = (await signIn(mem, member.username, member.password)).csrfToken;

    const start = await mem
      .post('/api/messages')
      .set('X-CSRF-Token', memCsrf)
      .send({
        to: [mod.username],
        subject: 'Logged flow',
        body: `MCID: ${SECRETS[1]}`,
        fields: [{ kind: 'other', label: 'Cert', value: SECRETS[0] }],
      });
    assert.equal(start.status, 201);
    const id = start.body.conversation.id;
    const reply = await ma
      .post(`/api/messages/${id}`)
      .set('X-CSRF-Token', modCsrf)
      .send({ body: 'Code', fields: [{ kind: 'access_code', label: 'Access code', value: SECRETS[2] }] });
    assert.equal(reply.status, 201);
    const view = await mem.get(`/api/messages/${id}`).expect(200);
    for (const m of view.body.messages) {
      for (const f of m.fields)
        await ma.post(`/api/messages/${id}/fields/${f.fieldId}/reveal`).set('X-CSRF-Token', modCsrf).send({}).expect(200);
    }
    await mem.get(`/messages/${id}`).expect(200);
    // Failures with a secret in the request body.
    await mem
      .post(`/api/messages/${id}`)
      .set('X-CSRF-Token', memCsrf)
      .send({ body: 'x', fields: [{ kind: 'nope', value: SECRETS[0] }] })
      .expect(400);
    await mem
      .post(`/api/messages/${id}`)
      .send({ body: 'no csrf', fields: [{ kind: 'other', label: 'x', value: SECRETS[2] }] })
      .expect(403);
    await mem
      .post('/api/messages')
      .set('X-CSRF-Token', memCsrf)
      .send({ to: ['no-such-user'], subject: 'x', body: `access code: ${SECRETS[3]}` })
      .expect(400);
    await mem
      .post('/api/messages/from-post')
      .set('X-CSRF-Token', memCsrf)
      .send({ body: `voucher ${SECRETS[3]}` })
      .expect(201);

    const log = lines.join('');
    assert.ok(lines.length > 10, 'the capture works (trace level logs every request)');
    for (const s of SECRETS) assert.equal(log.includes(s), false, `log contains ${s}`);
  });
});
