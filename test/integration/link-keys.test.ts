import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { outsideJobsDirectory } from '../../src/runners/jobs-confinement';
import {
  clientSecurity,
  ensureLocalKeys,
  generateKeys,
  serverSecurity,
} from '../../src/transport/link-security';
import { REPO_ROOT } from '../helpers/damson-home';

const run = promisify(execFile);
const scratch = (): string => mkdtempSync(path.join(tmpdir(), 'damson-keys-'));
const LOCAL = 'tcp://127.0.0.1:4041';

describe('link keys on one host', () => {
  it('are created once, private, and the scheduler and the local agent agree on them', () => {
    const keys = path.join(scratch(), 'keys');
    expect(ensureLocalKeys(keys)).toHaveLength(4);
    expect(ensureLocalKeys(keys)).toEqual([]);
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(keys))
      expect(statSync(path.join(keys, name)).mode & 0o777).toBe(0o600);
    const server = serverSecurity(LOCAL, keys);
    const client = clientSecurity(LOCAL, keys);
    if (server.kind !== 'curve' || client.kind !== 'curve') throw new Error('expected CURVE');
    expect(client.serverKey).toBe(server.keys.publicKey);
    expect(readFileSync(server.allowListFile, 'utf8')).toContain(client.keys.publicKey);
  });

  it('are the same for processes that start at the same moment', async () => {
    const keys = path.join(scratch(), 'keys');
    const module = path.join(REPO_ROOT, 'dist/src/transport/link-security.js');
    const script = `const s = require(${JSON.stringify(module)});
      const server = s.serverSecurity('${LOCAL}', ${JSON.stringify(keys)});
      const client = s.clientSecurity('${LOCAL}', ${JSON.stringify(keys)});
      process.stdout.write(JSON.stringify([server.keys.publicKey, client.serverKey, client.keys.publicKey]));`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, ['-e', script])),
    );
    const seen = new Set(outputs.map(({ stdout }) => stdout));
    expect(seen.size).toBe(1);
    const [schedulerKey, pinned, agentKey] = JSON.parse([...seen][0]) as string[];
    expect(pinned).toBe(schedulerKey);
    const list = readFileSync(path.join(keys, 'authorized-agents'), 'utf8');
    expect(list.split('\n').filter((line) => line === agentKey)).toHaveLength(1);
    expect(readdirSync(keys).sort()).toEqual([
      'agent.key',
      'authorized-agents',
      'scheduler.key',
      'scheduler.pub',
    ]);
  });

  it('leave a complete directory untouched (an operator may have made it read-only)', async () => {
    const keys = path.join(scratch(), 'keys');
    ensureLocalKeys(keys);
    // File times tick with the kernel's coarse clock: a change now must show.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = statSync(keys, { bigint: true }).mtimeNs;
    expect(ensureLocalKeys(keys)).toEqual([]);
    expect(serverSecurity(LOCAL, keys).kind).toBe('curve');
    expect(clientSecurity(LOCAL, keys).kind).toBe('curve');
    expect(statSync(keys, { bigint: true }).mtimeNs).toBe(before);
  });

  it('closes a directory others can enter, and refuses a secret key others can read', () => {
    const keys = path.join(scratch(), 'keys');
    mkdirSync(keys, { mode: 0o755 });
    chmodSync(keys, 0o755);
    ensureLocalKeys(keys);
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    chmodSync(path.join(keys, 'scheduler.key'), 0o644);
    expect(() => serverSecurity(LOCAL, keys)).toThrow(/mode 0644.*other accounts/);
    chmodSync(path.join(keys, 'scheduler.key'), 0o600);
    chmodSync(path.join(keys, 'authorized-agents'), 0o666);
    expect(() => serverSecurity(LOCAL, keys)).toThrow(/lets other accounts change it/);
  });

  it('are open only when asked for by name, and never created for an address off this host', () => {
    const keys = path.join(scratch(), 'keys');
    expect(serverSecurity(LOCAL, keys, 'none')).toEqual({ kind: 'open' });
    expect(() => serverSecurity('tcp://0.0.0.0:4041', keys)).toThrow(/missing CURVE key file/);
    expect(() => clientSecurity('tcp://10.0.0.5:4041', keys)).toThrow(/scheduler's public key/);
  });

  it('`damson keys --agent` adds a remote agent to the allow-list', () => {
    const keys = path.join(scratch(), 'keys');
    const [file] = generateKeys(keys, 'cluster-1');
    expect(path.basename(file)).toBe('agent-cluster-1.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const remote = /^public = (.{40})$/m.exec(readFileSync(file, 'utf8'))![1];
    expect(readFileSync(path.join(keys, 'authorized-agents'), 'utf8')).toContain(
      `# cluster-1\n${remote}\n`,
    );
    expect(() => generateKeys(keys, '../evil')).toThrow(/agent name/);
    expect(() => generateKeys(keys, 'cluster-1')).toThrow(/already exists/);
  });
});

describe('the job directory an agent accepts', () => {
  const root = path.join(scratch(), 'jobs');
  mkdirSync(path.join(root, 'ab/cd'), { recursive: true });
  const outside = scratch();
  symlinkSync(outside, path.join(root, 'out'));
  symlinkSync(path.join(outside, 'gone'), path.join(root, 'dangling'));
  writeFileSync(path.join(root, 'file'), '');
  writeFileSync(path.join(outside, 'plain'), '');

  it.each([
    [path.join(root, 'ab/cd/ef'), true],
    [path.join(root, 'xy/zz/new'), true],
    [root, false],
    [path.join(outside, 'job'), false],
    [`${root}/ab/../../escape`, false],
    [`${root}/ab//cd`, false],
    [`${root}/ab/cd/`, false],
    [path.join(root, 'out/job'), false],
    [path.join(root, 'dangling'), false],
    [path.join(root, 'dangling/job'), false],
    // Inside, though nothing can be made under a file: the executor's mkdir fails (ENOTDIR).
    [path.join(root, 'file/job'), true],
    [path.join(outside, 'plain/job'), false],
    ['relative/job', false],
    [`${root}/ab\0/cd`, false],
    ['/', false],
  ])('%s inside: %p', (cwd, inside) => {
    expect(outsideJobsDirectory(cwd, root) === null).toBe(inside);
  });
});
