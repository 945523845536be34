/**
 * The files `damson init` writes into a new project home. Plain text with comments, because an
 * operator reads and edits them; only `nginx.conf` and the systemd units depend on where the home
 * is (absolute paths), so they are rendered from the loaded settings.
 */

/** What `damson init` asks for: the public URL prefix (empty for the site's root). */
export interface HomeOptions {
  prefix: string;
  /** The server's port (loopback). */
  port: number;
}

export function settingsYaml(options: HomeOptions): string {
  const prefix = options.prefix ? `server.prefix: ${options.prefix}` : '# server.prefix: /damson';
  return `# Damson settings (slivka 0.8's format, plus what Damson adds).
# Relative paths are resolved against this directory (the project home). Nested and dotted keys
# are the same key: "directory: {jobs: x}" is "directory.jobs: x". Every setting is listed in
# Damson's README; these are the ones a new site usually changes.
version: '0.8'

# Where uploads, job directories, logs, service files and the embedded store live.
directory.uploads: ./media/uploads
directory.jobs: ./media/jobs
directory.logs: ./log
directory.services: ./services
directory.data: ./data

# The HTTP server: address and port it listens on (behind nginx, keep it on loopback).
server.host: 127.0.0.1:${options.port}
# The URL paths of uploads and job outputs, below server.prefix.
server.uploads-path: /media/uploads
server.jobs-path: /media/jobs
# Serve the portal and the API below a path, e.g. https://example.org/damson/.
${prefix}
# "app": the server sends output files itself (fine for one machine, no nginx);
# "proxy": nginx sends them straight from disk (see nginx.conf) and the app answers 404 there.
server.media: app
# Upload limits: bytes per file, files per request.
server.max-file-size: 104857600
server.max-files: 20

# The scheduler and its agents. Keep these on loopback unless agents run on other hosts
# (then see "damson keys --agent NAME"); the wake and change addresses are not authenticated.
local-queue.host: tcp://127.0.0.1:4041
scheduler.wake-address: tcp://127.0.0.1:4042
scheduler.changes-address: tcp://127.0.0.1:4043
# Jobs the local agent runs at once.
local-agent.slots: 4

# The store: the embedded SQLite file under directory.data, for one machine. For several web
# servers on several hosts, use MongoDB (or FerretDB):
# store.url: mongodb://127.0.0.1:27017/
# mongodb.database: damson

# Keep finished jobs this many days (unset: forever).
# store.retention-days: 30
`;
}

/** One service, runnable anywhere: coreutils \`head\`. Its id is its file name: \`example\`. */
export const EXAMPLE_SERVICE_FILE = 'example.service.yaml';

export const exampleServiceYaml = `# An example service: a web form and an API for coreutils \`head\`.
# Its id is the file name before ".service.yaml". Check every service file with "damson check".
slivka-version: '0.8.3'
name: First lines
description: Shows the first lines of a text file.
author: Your site
version: '1.0'
license: Apache-2.0
classifiers: [Topic=Text, Operation=Filtering]

parameters:
  input:
    name: Input file
    description: A plain text file.
    type: file
    media-type: text/plain
  lines:
    name: Number of lines
    description: How many lines to keep from the start of the file.
    type: integer
    min: 1
    max: 100000
    default: 10

# The command line: the tool, then one entry per parameter that is set.
command: head
args:
  lines:
    arg: -n $(value)
  input:
    arg: $(value)
    symlink: input.txt

outputs:
  head:
    path: stdout
    name: First lines
    media-type: text/plain
  log:
    path: stderr
    name: Error log
    media-type: text/plain

execution:
  runners:
    default:
      type: ShellRunner
`;
