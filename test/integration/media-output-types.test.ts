import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { rawTargetRequest } from '../helpers/raw-target';

/**
 * F14 of the security audit: outputs are served by an allow-list. Only inert formats keep their
 * type; every document or script format (every `+xml` included) is plain text; anything else is a
 * download. nosniff and the sandbox CSP are always sent.
 */
let app: ApiApp;
let base: string;

const XHTML = `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><script>parent.pwned=1</script></body></html>`;
const FILES: Record<string, string> = {
  'feed.rdf': `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`,
  'style.xslt': `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>`,
  'feed.atom': `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>`,
  'page.xht': XHTML,
  'page.xhtml': XHTML,
  'image.svg': `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
  'page.html': '<script>alert(1)</script>',
  'page.HTM': '<script>alert(1)</script>',
  'code.js': 'alert(1)',
  'code.mjs': 'alert(1)',
  'data.xml': '<a/>',
  'data.jsonld': '{}',
  'style.css': 'body{}',
  'seqs.fasta': '>a\nACGT\n',
  'model.pdb': 'ATOM      1  N   MET A   1\n',
  'table.csv': 'a,b\n',
  stdout: 'plain\n',
  'result.json': '{"a":1}',
  'plot.png': '\x89PNG\r\n',
  'report.pdf': '%PDF-1.4\n',
  'bundle.zip': 'PK\x03\x04',
  'app.wasm': '\0asm',
};
const TEXT = 'text/plain; charset=utf-8';
const EXPECTED: [string, string, boolean][] = [
  ['feed.rdf', TEXT, false],
  ['style.xslt', TEXT, false],
  ['feed.atom', TEXT, false],
  ['page.xht', TEXT, false],
  ['page.xhtml', TEXT, false],
  ['image.svg', TEXT, false],
  ['page.html', TEXT, false],
  ['page.HTM', TEXT, false],
  ['code.js', TEXT, false],
  ['code.mjs', TEXT, false],
  ['data.xml', TEXT, false],
  ['data.jsonld', TEXT, false],
  ['style.css', TEXT, false],
  ['seqs.fasta', TEXT, false],
  ['model.pdb', TEXT, false],
  ['table.csv', TEXT, false],
  ['stdout', TEXT, false],
  ['result.json', 'application/json; charset=utf-8', false],
  ['plot.png', 'image/png', false],
  ['report.pdf', 'application/pdf', false],
  ['bundle.zip', 'application/octet-stream', true],
  ['app.wasm', 'application/octet-stream', true],
];

beforeAll(async () => {
  app = await startApiApp();
  const id = newJobId();
  await app.store.insertJob({
    id,
    service: 'words',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  const dir = path.join(app.settings.directories.jobs, jobDirectoryRelative(id));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(FILES))
    writeFileSync(path.join(dir, name), Buffer.from(text, 'latin1'));
  base = `/media/jobs/${jobDirectoryRelative(id)}`;
});
afterAll(async () => {
  await app?.close();
});

it.each(EXPECTED)('%s is sent as %s (attachment: %s)', async (name, type, attachment) => {
  const res = await rawTargetRequest(app.baseUrl, `${base}/${name}`);
  expect(res.status).toBe(200);
  expect(res.text).toBe(Buffer.from(FILES[name], 'latin1').toString('utf8'));
  expect(res.headers['content-type']).toBe(type);
  expect(res.headers['content-disposition']).toBe(attachment ? 'attachment' : undefined);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
});
