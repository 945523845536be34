import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runInRequest } from '../lifecycle/request-context';

/**
 * A client's (or nginx's) own id is kept when it is short and plain, so one id follows a request
 * from the client through nginx into Damson's logs; anything else could forge log fields or fill
 * the logs, so it is replaced.
 */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** `X-Request-Id`: accepted or made here, echoed in the response, in every log line of the request. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const id = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : newRequestId();
    res.setHeader('X-Request-Id', id);
    runInRequest({ requestId: id }, next);
  };
}
