import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { loadShedding } from '../../../server/http/load-shedding';

/**
 * server/http/load-shedding.ts: a request timeout answers 503 with its own body and length,
 * whatever headers the route had already set for its own answer (a file download sets
 * Content-Length and Content-Disposition before streaming).
 */
describe('load shedding: the timeout answer', () => {
  const app = express();
  app.use(loadShedding({ maxInFlight: 0, maxDelayMs: 0, timeoutMs: 50 }));
  app.get(['/download', '/api/download'], (_req, res) => {
    res.setHeader('Content-Length', '100000');
    res.setHeader('Content-Disposition', 'attachment; filename="screenshot.png"');
    res.setHeader('ETag', '"abc"');
    res.setHeader('Last-Modified', new Date(0).toUTCString());
    // ...and the file's stream never delivers.
  });

  for (const [path, type] of [
    ['/download', /^text\/html/],
    ['/api/download', /^application\/json/],
  ] as const) {
    it(`${path}: 503 timeout with the body's own Content-Length and none of the route's entity headers`, async () => {
      const res = await request(app).get(path).buffer(true);
      assert.equal(res.status, 503);
      assert.match(String(res.headers['content-type']), type);
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text));
      assert.equal(res.headers['retry-after'], '2');
      assert.equal(res.headers['cache-control'], 'no-store');
      for (const name of ['content-disposition', 'etag', 'last-modified']) assert.equal(res.headers[name], undefined, name);
      assert.match(res.text, /took too long/);
    });
  }
});
