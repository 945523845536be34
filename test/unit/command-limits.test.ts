import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import type { JobInputs } from '../../src/jobs';
import { buildCommand } from '../../src/services/command/build-command';
import {
  commandSizeErrors,
  MAX_ARGUMENT_BYTES,
  MAX_COMMAND_BYTES,
} from '../../src/services/command/command-limits';
import { encode, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../src/transport/protocol';
import { serviceOf } from '../helpers/service-definition';

/** A text parameter without max-length, as in the audit's F16 reproducer. */
const service = serviceOf({
  parameters: {
    arg: { name: 'Arg', type: 'text[]', required: false },
    twice: { name: 'Twice', type: 'text', required: false },
  },
  command: 'echo',
  args: { arg: { arg: '$(value)' }, twice: { arg: '--a=$(value) --b=$(value)' } },
  execution: {
    runners: {
      default: { type: 'ShellRunner' },
      other: { type: 'ShellRunner', consts: { extra: 'x' } },
    },
  },
});

const errorsFor = (inputs: JobInputs) =>
  commandSizeErrors(service, inputs).map((e) => [e.parameter, e.errorCode]);

describe('audit F16/F17: commands that could never be launched or sent are refused', () => {
  test.each([200_000, 1_000_000, 1_100_000])(
    'one %d-byte value is refused naming the field and the limit',
    (bytes) => {
      const [error] = commandSizeErrors(service, { arg: ['y'.repeat(bytes)] });
      expect(error).toEqual({
        parameter: 'arg',
        errorCode: 'argument_too_long',
        message: `Value makes a command-line argument of ${bytes} bytes; one argument can hold at most 131071 bytes (Linux MAX_ARG_STRLEN)`,
      });
    },
  );
  test('the per-argument limit is counted in UTF-8 bytes and inside its word', () => {
    expect(errorsFor({ arg: ['y'.repeat(MAX_ARGUMENT_BYTES - 1)] })).toEqual([]);
    expect(errorsFor({ arg: ['y'.repeat(MAX_ARGUMENT_BYTES)] })).toEqual([
      ['arg', 'argument_too_long'],
    ]);
    // 'é' is two bytes in UTF-8.
    expect(errorsFor({ arg: ['é'.repeat(MAX_ARGUMENT_BYTES / 2)] })).toEqual([
      ['arg', 'argument_too_long'],
    ]);
    // '--a=' makes the word 4 bytes longer than the value.
    expect(errorsFor({ twice: 'y'.repeat(MAX_ARGUMENT_BYTES - 4) })).toEqual([
      ['twice', 'argument_too_long'],
    ]);
  });
  test('many values each under the argument limit are refused past the total', () => {
    const values = Array.from({ length: 5 }, () => 'y'.repeat(120_000));
    const [error] = commandSizeErrors(service, { arg: values });
    expect(error.parameter).toBe('arg');
    expect(error.errorCode).toBe('command_too_long');
    expect(error.message).toMatch(/at most 524288 bytes may be passed to a tool$/);
    expect(errorsFor({ arg: values.slice(0, 4) })).toEqual([]);
  });
  test('JSON escaping counts: quotes and backslashes travel as two bytes', () => {
    const values = Array.from({ length: 3 }, () => '"\\'.repeat(50_000));
    expect(errorsFor({ arg: values })).toEqual([['arg', 'command_too_long']]);
  });
});

const linuxOnly = process.platform === 'linux' ? test : test.skip;
linuxOnly('MAX_ARGUMENT_BYTES is the kernel limit: one byte more cannot be exec-ed', () => {
  const fits = spawnSync('/bin/true', ['y'.repeat(MAX_ARGUMENT_BYTES - 1)]);
  expect(fits.error).toBeUndefined();
  expect(fits.status).toBe(0);
  const over = spawnSync('/bin/true', ['y'.repeat(MAX_ARGUMENT_BYTES)]);
  expect((over.error as NodeJS.ErrnoException | undefined)?.code).toBe('E2BIG');
});

test('fast-check: an accepted command always fits the dispatch message and execve', () => {
  const piece = fc.string({
    unit: fc.constantFrom('y', '"', '\\', '\t', '\n', 'é', '漢', '🧬', ' ', '-'),
    minLength: 1,
    maxLength: 8,
  });
  const value = fc
    .tuple(piece, fc.integer({ min: 1, max: 200_000 }))
    .map(([p, bytes]) => p.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(p)))));
  const inputs = fc.record({
    arg: fc.array(value, { minLength: 1, maxLength: 8 }),
    twice: fc.option(value, { nil: null }),
  });
  // A generous administrator's share of the message: environment, runner parameters, paths.
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', LICENSE: 'k'.repeat(64 * 1024) };
  fc.assert(
    fc.property(inputs, (given) => {
      if (commandSizeErrors(service, given).length > 0) return true;
      for (const runner of service.runners) {
        const command = buildCommand(service, runner, given, { processEnv: {}, home: '/srv' });
        for (const word of command.argv) {
          expect(Buffer.byteLength(word) + 1).toBeLessThanOrEqual(MAX_ARGUMENT_BYTES);
        }
        const frame = encode({
          v: PROTOCOL_VERSION,
          type: 'dispatch',
          job: {
            jobId: 'a'.repeat(24),
            fencingToken: 1,
            service: service.id,
            runner: runner.id,
            runnerType: runner.type,
            runnerParameters: {},
            argv: command.argv,
            env: { ...command.env, ...env },
            cwd: `/srv/project/media/jobs/${'b'.repeat(200)}`,
            links: command.links,
            timeoutMs: null,
          },
        });
        expect(frame.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      }
      return true;
    }),
    { numRuns: 60 },
  );
  expect(MAX_COMMAND_BYTES).toBeLessThanOrEqual(MAX_MESSAGE_BYTES / 2);
});
