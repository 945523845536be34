import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { StoreUnavailableError } from '../../../src/errors';
import { errorHandler, HttpError } from '../../../src/http/http-error';
import { createLogger } from '../../../src/lifecycle/logger';

/** The one error handler, behind a real Express app: every failure is JSON, never a stack. */
describe('errorHandler', () => {
  it('maps store outages to 503, HttpErrors to their status, anything else to a bare 500', async () => {
    const app = express();
    app.get('/store', () => {
      throw new StoreUnavailableError('mongodb://user:secret@db.internal/ is unreachable');
    });
    app.get('/http', () => {
      throw new HttpError(409, 'job_finished', 'already finished', { status: 'COMPLETED' });
    });
    app.get('/bug', () => {
      throw new Error(`ENOENT: /srv/damson/secret/path at Object.<anonymous> (/app/x.js:1:1)`);
    });
    app.use(errorHandler(createLogger('test', 'silent')));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const store = await fetch(`${base}/store`);
      expect(store.status).toBe(503);
      expect(store.headers.get('retry-after')).toBe('5');
      expect(await store.json()).toEqual({
        error: {
          code: 'store_unavailable',
          message: 'The job store is unavailable; retry shortly.',
        },
      });
      const http = await fetch(`${base}/http`);
      expect(http.status).toBe(409);
      expect(await http.json()).toEqual({
        error: { code: 'job_finished', message: 'already finished', status: 'COMPLETED' },
      });
      const bug = await fetch(`${base}/bug`);
      expect(bug.status).toBe(500);
      const text = await bug.text();
      expect(text).not.toMatch(/srv|secret|x\.js|at Object/);
      expect(JSON.parse(text)).toMatchObject({
        error: { code: 'internal', requestId: expect.stringMatching(/^[0-9a-f]{16}$/) },
      });
    } finally {
      server.close();
    }
  });
});
