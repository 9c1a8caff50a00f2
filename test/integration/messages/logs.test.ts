import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startForum, type TestForum } from '../../helpers/kit';
import { REDACT_PATHS } from '../../../server/kernel/logger';

const SECRETS = ['LOGS-CERT-SECRET-1', '246813579', 'ACCS-CODE-7777', 'FROMPOST-42X'];

describe('messages: logs never hold a secret value', () => {
  let forum: TestForum | undefined;
  const lines: string[] = [];
  after(async () => forum?.close());

  it('a full flow at level trace, errors included', async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, sink);
    forum = await startForum({ env: { LOG_LEVEL: 'trace' }, logger });
    const modP = await forum.person('moderator');
    const memP = await forum.person('member');
    const mod = modP.user;
    const [ma, mem, modCsrf, memCsrf] = [modP.agent, memP.agent, modP.csrf, memP.csrf];

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
