import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/load-settings';
import { checkPrefix, initHome, INIT_FILES } from '../../src/init/init-home';
import { renderNginxConf } from '../../src/init/nginx-conf';
import { systemdUnits } from '../../src/init/systemd-units';

const options = {
  prefix: '',
  port: 4040,
  nginxListen: '80',
  user: 'damson',
  nodePath: '/usr/bin/node',
  damsonScript: '/opt/damson/dist/src/bin/damson.js',
};

describe('damson init', () => {
  it('accepts plain URL prefixes and refuses everything else', () => {
    expect(checkPrefix('')).toBe('');
    expect(checkPrefix('/damson/')).toBe('/damson');
    expect(checkPrefix('/tools/damson-2.0')).toBe('/tools/damson-2.0');
    for (const bad of [
      'damson',
      '/a/../b',
      '/..',
      '/a b',
      '/a;b',
      '/%2e%2e',
      '/a"b',
      '/a\nb',
      '//x',
      '/a{b',
    ])
      expect(() => checkPrefix(bad)).toThrow(/--prefix/);
  });

  it('writes every file, and nginx.conf and the units name this home', () => {
    const home = path.join(mkdtempSync(path.join(tmpdir(), 'damson-init-unit-')), 'site');
    const written = initHome(home, { ...options, prefix: '/damson' });
    expect(written.map((file) => path.relative(home, file))).toEqual(INIT_FILES);
    const nginx = readFileSync(path.join(home, 'nginx.conf'), 'utf8');
    expect(nginx).toContain(`location /damson/media/jobs/ {\n      alias ${home}/media/jobs/;`);
    expect(nginx).toContain(
      `location /damson/media/uploads/ {\n      alias ${home}/media/uploads/;`,
    );
    expect(nginx).toContain('server 127.0.0.1:4040;');
    expect(nginx).not.toMatch(/@[A-Z_]+@/);
    expect(readdirSync(path.join(home, 'systemd')).sort()).toEqual([
      'damson-agent-gridengine.service',
      'damson-agent-local.service',
      'damson-agent-slurm.service',
      'damson-scheduler.service',
      'damson-server@.service',
    ]);
    const server = readFileSync(path.join(home, 'systemd/damson-server@.service'), 'utf8');
    expect(server).toContain(
      `ExecStart=/usr/bin/node /opt/damson/dist/src/bin/damson.js server --listen 127.0.0.1:%i`,
    );
    expect(server).toContain(`Environment=DAMSON_HOME=${home}`);
    expect(server).toContain('User=damson');
  });

  it('refuses values that would break out of an nginx directive or a systemd command line', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'damson-init-unit-'));
    const settings = loadSettings({ DAMSON_HOME: home });
    for (const user of ['root; load_module x', 'a b', 'x}']) {
      expect(() => renderNginxConf(settings, { listen: '80', user })).toThrow(/the user/);
      expect(() => systemdUnits(settings, { ...options, user })).toThrow(/the user/);
    }
    expect(() =>
      renderNginxConf(settings, { listen: '80; include /etc/passwd', user: 'x' }),
    ).toThrow(/listen/);
    const spaced = { ...settings, directories: { ...settings.directories, jobs: '/srv/my jobs' } };
    expect(() => renderNginxConf(spaced, { listen: '80', user: 'x' })).toThrow(/directory.jobs/);
    expect(() => systemdUnits(settings, { ...options, nodePath: '/opt/node $HOME' })).toThrow(
      /node binary/,
    );
  });
});
