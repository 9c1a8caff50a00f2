import assert from 'node:assert/strict';
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../../server/app';
import { createServices } from '../../../server/compose';
import { testConfig } from '../../../server/config';
import { startTestDatabase } from '../../../server/db/connect';
import { FakeClock } from '../../../server/kernel/clock';
import { createLogger } from '../../../server/kernel/logger';
import { form, formToken, signInAgent, type Agent } from '../../helpers/kit';

/**
 * Rate limits are counted in the database (server/http/rate-limit.ts), so two app processes
 * sharing it enforce one limit between them, not one each. Two forums are built here as two
 * processes build them: each with its own connection, services and app, on one database.
 */
describe('ops: rate limits hold across app processes sharing a database; the Markdown preview has one', () => {
  const env = { RATE_PREVIEW_MAX: '3', RATE_QUESTION_MAX: '2', RATE_POST_MAX: '1000', RATE_LOGIN_MAX: '1000', RATE_MESSAGE_MAX: '1000' };
  let database: Awaited<ReturnType<typeof startTestDatabase>>;
  let second: Connection;
  let apps: [Express, Express];
  let product: string;
  const password = 'shared limits member password';

  before(async () => {
    database = await startTestDatabase();
    second = await mongoose.createConnection(database.uri).asPromise();
    const built = [];
    for (const db of [database.connection, second]) {
      const services = createServices({ config: testConfig(env), clock: new FakeClock(), logger: createLogger('silent'), db });
      await services.start({ jobs: false, demo: false });
      built.push({ services, app: createApp(services) });
    }
    apps = [built[0]!.app, built[1]!.app];
    product = (await built[0]!.services.threads.products.list())[0]!.id;
    for (const username of ['limited', 'other']) {
      await built[0]!.services.auth.register({ username, email: `${username}@example.test`, password });
    }
  });
  after(async () => {
    await second?.close();
    await database?.close();
  });

  /** One browser per process, both signed in as `username`. */
  const browsers = async (username: string) =>
    Promise.all(
      apps.map(async (app) => {
        const agent = request.agent(app);
        await signInAgent(agent, username, password);
        return agent;
      }),
    );
  const preview = async (agent: Agent) => {
    const page = await agent.get('/ask').expect(200);
    return agent
      .post('/ask')
      .type('form')
      .send(
        form({
          _csrf: formToken(page.text),
          intent: 'preview',
          title: 'Label printer prints blank pages',
          body: 'It **stopped** after the update.',
        }),
      );
  };

  it('the preview limit is one count for both processes: 3 previews (2 on A, 1 on B), then 429 with Retry-After on either', async () => {
    const [a, b] = await browsers('limited');
    assert.equal((await preview(a!)).status, 200);
    const shown = await preview(b!);
    assert.equal(shown.status, 200);
    assert.match(shown.text, /<strong>stopped<\/strong>/);
    assert.equal((await preview(a!)).status, 200);
    for (const agent of [a!, b!]) {
      const refused = await preview(agent);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
    }
    const counter = await database.connection.db!.collection('rate_limits').findOne({ key: /^preview:u:/ });
    assert.equal(counter?.points, 5, 'every attempt counted once, in the database');

    // Another person has a limit of their own.
    const [other] = await browsers('other');
    assert.equal((await preview(other!)).status, 200);
  });

  it('the question limit is shared too, and an API client cannot dodge it by calling its question a preview', async () => {
    const [a, b] = await browsers('other');
    const token = async (agent: Agent) => (await agent.get('/api/session').expect(200)).body.csrfToken as string;
    const ask = async (agent: Agent, title: string, extra: object = {}) =>
      agent
        .post('/api/threads')
        .set('X-CSRF-Token', await token(agent))
        .send({ title, body: 'The scanner stops halfway through every page since Monday.', products: [product], ...extra });
    // The API has no preview: this asks a question, and counts as one.
    assert.equal((await ask(a!, 'Scanner stops halfway on A', { intent: 'preview' })).status, 201);
    const asked = await ask(b!, 'Scanner stops halfway on B');
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const refused = await ask(a!, 'Scanner stops halfway again');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(await database.connection.db!.collection('threads').countDocuments({ title: /^Scanner stops/ }), 2);
  });
});
