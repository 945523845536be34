import type { Settings } from '../config/settings';
import { DamsonError } from '../errors';
import { CLUSTER_KINDS } from '../jobs/runner-kind';

/** Where the units find Node and Damson (absolute: systemd has no PATH of the operator's). */
export interface UnitOptions {
  nodePath: string;
  damsonScript: string;
  user: string;
}

// systemd splits ExecStart on whitespace and expands `%` and `$`: a value holding any of those
// (or a quote, a backslash, a newline) would change the command, so none is written.
const PLAIN = /^[A-Za-z0-9_.\-/@+:]+$/;

function plain(what: string, value: string): string {
  if (!PLAIN.test(value)) {
    throw new DamsonError(
      'init_unsafe_value',
      `${what} (${JSON.stringify(value)}) has characters a systemd unit cannot hold unquoted`,
    );
  }
  return value;
}

function unit(
  settings: Settings,
  options: UnitOptions,
  description: string,
  args: string,
  extra = '',
): string {
  const home = plain('the project home', settings.home);
  return `# ${description}: an example unit for the Damson home ${home}.
# Copy to /etc/systemd/system/, then: systemctl daemon-reload && systemctl enable --now <unit>.
[Unit]
Description=${description}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${plain('the user', options.user)}
WorkingDirectory=${home}
Environment=DAMSON_HOME=${home}
ExecStart=${plain('the node binary', options.nodePath)} ${plain('the damson script', options.damsonScript)} ${args}
# SIGTERM is a graceful stop: each process finishes or hands back what it holds first.
KillSignal=SIGTERM
TimeoutStopSec=60
Restart=on-failure
RestartSec=2
UMask=0077
NoNewPrivileges=yes
${extra}
[Install]
WantedBy=multi-user.target
`;
}

/** File name -> contents: the server (a template unit, one instance per port), the scheduler, agents. */
export function systemdUnits(settings: Settings, options: UnitOptions): Map<string, string> {
  const host = plain('server.host', settings.server.host);
  const units = new Map<string, string>();
  units.set(
    'damson-server@.service',
    unit(
      settings,
      options,
      'Damson HTTP server on port %i',
      `server --listen ${host}:%i`,
      `# One instance per port: systemctl enable --now damson-server@${settings.server.port}; add
# damson-server@<another port> for more servers and list each in nginx.conf's upstream block.
`,
    ),
  );
  units.set(
    'damson-scheduler.service',
    unit(settings, options, 'Damson scheduler (exactly one per store)', 'scheduler'),
  );
  units.set(
    'damson-agent-local.service',
    unit(settings, options, 'Damson local runner agent', 'agent --kind local'),
  );
  for (const kind of CLUSTER_KINDS) {
    units.set(
      `damson-agent-${kind}.service`,
      unit(
        settings,
        options,
        `Damson ${kind} runner agent`,
        `agent --kind ${kind}`,
        `# Runs on a host that can submit ${kind} jobs, as an account the cluster knows; the agent
# needs the engine's commands on PATH (set Environment=PATH=... here if they are elsewhere).
`,
      ),
    );
  }
  return units;
}
