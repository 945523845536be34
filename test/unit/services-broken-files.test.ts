import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/errors';
import { loadService } from '../../src/services/load-service';

const BROKEN = path.resolve(__dirname, '../fixtures/services/broken');

/** file → [line, column, key path, what the reason must say]. One mistake per file. */
const EXPECTED: Record<string, [number, number, string, RegExp]> = {
  '01-missing-name': [1, 1, '', /missing required key 'name'/],
  '02-unquoted-version': [1, 17, 'slivka-version', /expected a quoted version .*got number 0\.8/],
  '03-unknown-top-key': [
    10,
    1,
    'homepage',
    /unknown key 'homepage'; expected one of: slivka-version/,
  ],
  '04-unknown-type': [
    6,
    11,
    'parameters/count/type',
    /unknown parameter type 'integr'; expected one of integer/,
  ],
  '05-python-field-class': [6, 11, 'parameters/count/type', /custom Python field classes/],
  '06-min-above-max': [8, 10, 'parameters/count/max', /'max' \(1\) is below 'min' \(10\)/],
  '07-misspelt-constraint': [
    8,
    5,
    'parameters/count/maxvalue',
    /unknown key 'maxvalue' for an integer parameter; expected one of: .*min, max/,
  ],
  '08-default-not-integer': [
    9,
    14,
    'parameters/count/default',
    /invalid default: Invalid integer value/,
  ],
  '09-default-out-of-range': [
    9,
    14,
    'parameters/count/default',
    /Value must be less than or equal to 10/,
  ],
  '10-file-with-default': [
    7,
    14,
    'parameters/count/default',
    /a file parameter cannot have a default/,
  ],
  '11-choice-without-choices': [4, 3, 'parameters/count/choices', /needs 'choices'/],
  // Condition errors point inside the expression: the end of `count >`, the start of `cout`.
  '12-condition-syntax': [
    9,
    24,
    'parameters/count/condition',
    /invalid condition "count >": syntax error/,
  ],
  '13-condition-unknown-name': [9, 17, 'parameters/count/condition', /unknown identifier 'cout'/],
  '14-condition-type-error': [
    9,
    17,
    'parameters/count/condition',
    /type error: '#' needs a text or an array, but got a number/,
  ],
  '15-arg-without-template': [11, 3, 'args/count', /missing required key 'arg'/],
  '16-arg-unknown-key': [
    13,
    5,
    'args/count/default_value',
    /unknown key 'default_value'; expected one of: arg, symlink, join, default/,
  ],
  '17-arg-unbalanced-quote': [12, 10, 'args/count/arg', /unterminated single quote/],
  '18-symlink-outside': [13, 14, 'args/count/symlink', /expected a plain file name/],
  '19-runner-without-type': [18, 5, 'execution/runners/default', /missing required key 'type'/],
  '20-unknown-runner-type': [
    19,
    13,
    'execution/runners/default/type',
    /unknown runner type 'SlurmRuner'; expected one of: ShellRunner/,
  ],
  '21-selector-unknown-runner': [
    23,
    17,
    'execution/selector/rules/0/runner',
    /unknown runner 'big'; expected one of: default/,
  ],
  '22-test-unknown-runner': [21, 35, 'tests/0/applicable-runners/1', /unknown runner 'cluster'/],
  '23-empty-command': [9, 10, 'command', /expected a non-empty string or a non-empty list/],
  '24-bad-env-name': [
    11,
    3,
    'env/1BAD',
    /invalid name '1BAD'; expected an environment variable name/,
  ],
  '25-duplicate-key': [8, 5, '', /invalid YAML: Map keys must be unique$/],
  '26-bad-indentation': [
    16,
    1,
    '',
    /invalid YAML: All mapping items must start at the same column$/,
  ],
  '27-output-without-path': [14, 3, 'outputs/log', /missing required key 'path'/],
  '28-required-maybe': [
    9,
    15,
    'parameters/count/required',
    /expected true, false, yes or no, got the string "maybe"/,
  ],
  '29-include-missing-file': [17, 12, '', /!include missing-runners\.yaml#runners: ENOENT/],
  '31-condition-cut-by-comment': [
    9,
    29,
    'parameters/count/condition',
    /invalid condition "count > 1 and": .* \(YAML read '#count > 0' as a comment: quote the whole condition\)$/,
  ],
  // The service file's line is the !include; the reason adds where the mistake is written.
  '32-mistake-inside-include': [
    17,
    3,
    'execution/runners/cluster/type',
    /unknown runner type 'SlurmRuner'.* \(in .*\/included\/bad-runners\.yaml:6:11\)$/,
  ],
  '30-test-timeout-text': [
    24,
    14,
    'tests/0/timeout',
    /expected a whole number of seconds .*got the string "1h"/,
  ],
};

function loadError(file: string): ConfigError {
  try {
    loadService(file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`${file} loaded, but it is meant to be broken`);
}

test('every broken fixture has an expectation, and there are at least twenty', () => {
  const names = readdirSync(BROKEN).map((n) => n.replace(/\.service\.yaml$/, ''));
  expect(names.sort()).toEqual(Object.keys(EXPECTED).sort());
  expect(names.length).toBeGreaterThanOrEqual(20);
});

test.each(Object.entries(EXPECTED))(
  '%s: one precise error',
  (name, [line, column, key, reason]) => {
    const file = path.join(BROKEN, `${name}.service.yaml`);
    const error = loadError(file);
    expect(error.code).toBe('config_invalid');
    expect(error.file).toBe(file);
    expect([error.line, error.column, error.key]).toEqual([line, column, key]);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`${file}:${line}:${column}: at '${key || '/'}': ${error.reason}`);
  },
);
