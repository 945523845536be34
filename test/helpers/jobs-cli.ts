import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { REPO_ROOT } from './damson-home';

export const JOBS_BIN = path.join(REPO_ROOT, 'dist/src/bin/damson-jobs.js');
export const CLI_SERVICES = path.join(REPO_ROOT, 'test/fixtures/cli-services');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `damson-jobs args...` with `env` (on top of a clean XDG environment) and collects its output. */
export function runJobsCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOBS_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh XDG config and state directory pair: its own profiles and its own `last`. */
export function clientDirectories(): { XDG_CONFIG_HOME: string; XDG_STATE_HOME: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'damson-jobs-client-'));
  return {
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_STATE_HOME: path.join(root, 'state'),
  };
}

const job = {
  type: 'object',
  required: [
    'url',
    'id',
    'service',
    'status',
    'finished',
    'submissionTime',
    'completionTime',
    'parameters',
  ],
  properties: {
    url: { type: 'string', pattern: '^/' },
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    service: { type: 'string' },
    status: {
      enum: [
        'PENDING',
        'REJECTED',
        'ACCEPTED',
        'QUEUED',
        'RUNNING',
        'COMPLETED',
        'INTERRUPTED',
        'DELETED',
        'FAILED',
        'ERROR',
        'UNKNOWN',
        'CANCELLING',
      ],
    },
    finished: { type: 'boolean' },
    submissionTime: { type: ['string', 'null'] },
    completionTime: { type: ['string', 'null'] },
    parameters: {
      type: 'object',
      additionalProperties: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      },
    },
    reason: { type: 'string' },
  },
  additionalProperties: false,
};

const file = {
  type: 'object',
  required: ['url', 'content', 'id', 'path', 'label', 'mediaType'],
  properties: {
    url: { type: 'string' },
    content: { type: 'string' },
    id: { type: 'string' },
    path: { type: 'string' },
    label: { type: 'string' },
    mediaType: { type: 'string' },
  },
  additionalProperties: false,
};

/** The `--json` output of each subcommand, as docs/cli.md describes it. */
export const CLI_SCHEMAS = {
  services: {
    type: 'object',
    required: ['services'],
    additionalProperties: false,
    properties: {
      services: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'name', 'version', 'status', 'description', 'parameters'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            version: { type: 'string' },
            status: { type: 'string' },
            description: { type: 'string' },
            parameters: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  },
  service: {
    type: 'object',
    required: ['id', 'name', 'description', 'version', 'status', 'parameters'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      version: { type: 'string' },
      status: { type: 'string' },
      parameters: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'name', 'type', 'required', 'default', 'limits', 'description'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            type: { type: 'string' },
            required: { type: 'boolean' },
            default: {},
            limits: { type: 'string' },
            description: { type: 'string' },
          },
        },
      },
    },
  },
  job,
  submitted: {
    ...job,
    properties: {
      ...job.properties,
      rerunOf: { type: 'string' },
      via: { enum: ['rerun', 'resubmit'] },
    },
  },
  wait: {
    type: 'object',
    required: ['job', 'via', 'states'],
    additionalProperties: false,
    properties: {
      job,
      via: { enum: ['none', 'sse', 'long-poll', 'poll'] },
      states: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['status', 'at'],
          additionalProperties: false,
          properties: { status: { type: 'string' }, at: { type: 'string' } },
        },
      },
    },
  },
  files: {
    type: 'object',
    required: ['job', 'status', 'files'],
    additionalProperties: false,
    properties: {
      job: { type: 'string' },
      status: { type: 'string' },
      files: { type: 'array', items: file },
    },
  },
  download: {
    type: 'object',
    required: ['job', 'directory', 'files'],
    additionalProperties: false,
    properties: {
      job: { type: 'string' },
      directory: { type: 'string' },
      files: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'target', 'bytes', 'resumedFrom', 'restarted'],
          additionalProperties: false,
          properties: {
            path: { type: 'string' },
            target: { type: 'string' },
            bytes: { type: 'integer', minimum: 0 },
            resumedFrom: { type: 'integer', minimum: 0 },
            restarted: { type: 'boolean' },
          },
        },
      },
    },
  },
  cancel: {
    type: 'object',
    required: ['cancelled', 'finished', 'failed'],
    additionalProperties: false,
    properties: {
      cancelled: { type: 'array', items: { type: 'string' } },
      finished: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'status'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, status: { type: 'string' } },
        },
      },
      failed: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'error'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, error: { type: 'string' } },
        },
      },
    },
  },
  list: {
    type: 'object',
    required: ['source', 'jobs'],
    additionalProperties: false,
    properties: { source: { enum: ['server', 'history'] }, jobs: { type: 'array', items: job } },
  },
  tail: {
    type: 'object',
    required: ['job', 'path', 'via', 'bytes', 'text'],
    additionalProperties: false,
    properties: {
      job: { type: 'string' },
      path: { type: 'string' },
      via: { enum: ['sse', 'range', 'whole'] },
      bytes: { type: 'integer', minimum: 0 },
      text: { type: 'string' },
    },
  },
} as const;

export type CliSchemaName = keyof typeof CLI_SCHEMAS;

const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<CliSchemaName, ValidateFunction>();

/** Parses `stdout` as JSON and checks it against the subcommand's schema; returns the value. */
export function validJson<T = Record<string, unknown>>(name: CliSchemaName, stdout: string): T {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile(CLI_SCHEMAS[name]);
    compiled.set(name, validate);
  }
  const value: unknown = JSON.parse(stdout);
  if (!validate(value))
    throw new Error(`${name} --json: ${ajv.errorsText(validate.errors)}\n${stdout}`);
  return value as T;
}
