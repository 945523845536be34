import {
  badInputServer,
  describeBadInput,
  form,
  multipart,
  type BadInputCase,
} from '../helpers/bad-input';

// Requests of the wrong shape: malformed ids, unknown routes, wrong methods, bodies the server
// does not take, invalid values (slivka's 422) and bad queries. Uploads: api-bad-uploads.test.ts.
const server = badInputServer();

const CASES: BadInputCase[] = [
  // malformed ids and unknown routes
  { name: 'job id with bad characters', path: '/api/jobs/!!!', status: 404, code: 'not_found' },
  { name: 'overlong job id', path: `/api/jobs/${'a'.repeat(300)}`, status: 404, code: 'not_found' },
  {
    name: 'well-formed unknown job id',
    path: '/api/jobs/AAAAAAAAAAAAAAAA',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'job id with a broken %-escape',
    path: '/api/jobs/%E0%A4%A',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'malformed upload id',
    path: '/api/files/..%2Fsettings.yaml',
    status: 404,
    code: 'not_found',
  },
  { name: 'unknown service', path: '/api/services/nope', status: 404, code: 'not_found' },
  { name: 'unknown API route', path: '/api/nothing/here', status: 404, code: 'not_found' },
  {
    name: 'job of another service',
    path: () => `/api/services/head/jobs/${server.knownJob}`,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'output path escaping the job',
    path: () => `/api/jobs/${server.knownJob}/files/..%2F..%2Fsettings.yaml`,
    status: 404,
    code: 'not_found',
  },
  // wrong methods on known routes
  {
    name: 'POST /version',
    method: 'POST',
    path: '/api/version',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'PUT /services/x/jobs',
    method: 'PUT',
    path: '/api/services/words/jobs',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'GET /services/x/jobs',
    path: '/api/services/words/jobs',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'DELETE /files',
    method: 'DELETE',
    path: '/api/files',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'PATCH /jobs/x',
    method: 'PATCH',
    path: '/api/v1.1/jobs/abc',
    status: 405,
    code: 'method_not_allowed',
  },
  // bodies the server does not take
  {
    name: 'text/plain submission',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'text/plain' },
    body: 'words=a',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON upload to /files',
    method: 'POST',
    path: '/api/files',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'invalid JSON',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '{',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'JSON array body',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '["a"]',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'JSON nested object value',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '{"words": {"a": 1}}',
    status: 400,
    code: 'invalid_json',
    details: { parameter: 'words' },
  },
  // invalid values: slivka's 422
  {
    name: 'uploaded file that is not its media type',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...multipart([{ name: 'input', filename: 'in.txt', value: Buffer.from('text\0binary\n') }]),
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'media_type',
  },
  {
    name: 'file reference escaping a job directory',
    method: 'POST',
    path: '/api/services/head/jobs',
    headers: form,
    body: () => `input=${server.knownJob}/../../../../etc/passwd`,
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'not_found',
  },
  {
    name: 'malformed file id',
    method: 'POST',
    path: '/api/services/head/jobs',
    headers: form,
    body: 'input=!!!',
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'not_found',
  },
  // queries
  { name: 'bad status filter', path: '/api/jobs?status=DONE', status: 400, code: 'invalid_query' },
  { name: 'bad limit', path: '/api/jobs?limit=0', status: 400, code: 'invalid_query' },
  { name: 'bad cursor', path: '/api/jobs?cursor=%21%21', status: 400, code: 'invalid_query' },
  { name: 'bad since', path: '/api/jobs?since=yesterday', status: 400, code: 'invalid_query' },
  {
    name: 'bad wait',
    path: () => `/api/jobs/${server.knownJob}?wait=-1`,
    status: 400,
    code: 'invalid_query',
  },
];

describeBadInput(server, CASES);
