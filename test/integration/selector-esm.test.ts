import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Jest cannot load an ES module selector (its module system is not Node's), so this runs the built
// code in plain Node: it needs `npm run build`, which is why it is not a unit test.
const project = mkdtempSync(path.join(tmpdir(), 'damson-selector-esm-'));
const servicesDir = path.join(project, 'services');
mkdirSync(servicesDir);

const SERVICE = `slivka-version: "0.8.3"
name: Selector test
parameters:
  size: {name: Size, type: integer, required: no}
command: tool
args:
  size: {arg: "--size=$(value)"}
outputs: {log: {path: stdout}}
execution:
  runners:
    local: {type: ShellRunner}
    cluster: {type: SlurmRunner}
  selector: ./pick.mjs
`;

describe('selector modules', () => {
  test('an ES module works too (run in plain Node, which Jest is not)', () => {
    writeFileSync(
      path.join(servicesDir, 'pick.mjs'),
      `export default (inputs) => inputs.size ? 'cluster' : 'local';`,
    );
    const file = path.join(servicesDir, 'esm.service.yaml');
    writeFileSync(file, SERVICE);
    const dist = path.resolve(__dirname, '../../dist/src');
    const script = `
      const { loadService } = require(${JSON.stringify(`${dist}/services/load-service.js`)});
      const { selectRunner } = require(${JSON.stringify(`${dist}/scheduler/select-runner.js`)});
      const s = loadService(${JSON.stringify(file)});
      Promise.all([selectRunner(s, { inputs: { size: '1' }, parameters: {} }),
                   selectRunner(s, { inputs: {}, parameters: {} })])
        .then((r) => process.stdout.write(JSON.stringify(r.map((x) => x.runner.id))));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['cluster', 'local']);
  });
});
