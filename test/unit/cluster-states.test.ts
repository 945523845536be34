import { jobVerdict, type VerdictInput } from '../../src/runners/cluster/job-verdict';
import { runnerArgs } from '../../src/runners/cluster/runner-args';
import { EngineToolError, isTransient } from '../../src/runners/cluster/engine-tool';
import {
  gridEngineView,
  parseQacct,
  parseQstatXml,
  parseQsub,
} from '../../src/runners/gridengine/gridengine-states';
import {
  parseSacct,
  parseSbatch,
  parseSqueue,
  slurmView,
} from '../../src/runners/slurm/slurm-states';

// Every state squeue(1) and sacct(1) of SLURM 22.05 document.
const SLURM_STATES = [
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'CONFIGURING',
  'COMPLETING',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PENDING',
  'PREEMPTED',
  'RUNNING',
  'RESV_DEL_HOLD',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'REQUEUED',
  'RESIZING',
  'REVOKED',
  'SIGNALING',
  'SPECIAL_EXIT',
  'STAGE_OUT',
  'STOPPED',
  'SUSPENDED',
  'TIMEOUT',
];

// The state strings qstat(1) of Grid Engine 8.1 can show.
const GE_STATES = [
  'qw',
  'hqw',
  'hRwq',
  'r',
  't',
  'Rr',
  'Rt',
  's',
  'ts',
  'S',
  'tS',
  'T',
  'tT',
  'Rs',
  'Rts',
  'RS',
  'RtS',
  'RT',
  'RtT',
  'Eqw',
  'Ehqw',
  'EhRqw',
  'dr',
  'dt',
  'dRr',
  'dRt',
  'ds',
  'dS',
  'dT',
  'dRs',
  'dRS',
  'dRT',
];

describe('engine states', () => {
  it('maps every SLURM state to a known phase (none is a dead end)', () => {
    for (const state of SLURM_STATES) expect(slurmView(state).phase).not.toBe('unknown');
    expect(slurmView('CANCELLED by 0')).toMatchObject({
      phase: 'ended',
      outcome: { state: 'INTERRUPTED' },
    });
    expect(slurmView('NODE_FAIL')).toMatchObject({ outcome: { lost: true } });
    expect(slurmView('SOMETHING_NEW')).toEqual({ phase: 'unknown', raw: 'SOMETHING_NEW' });
  });

  it('maps every Grid Engine state to a known phase', () => {
    for (const state of GE_STATES) expect(gridEngineView(state).phase).not.toBe('unknown');
    expect(gridEngineView('qw').phase).toBe('queued');
    expect(gridEngineView('hqw')).toEqual({ phase: 'queued', note: 'held' });
    expect(gridEngineView('r').phase).toBe('running');
    expect(gridEngineView('Eqw').phase).toBe('stuck');
    expect(gridEngineView('s')).toEqual({ phase: 'running', note: 'suspended by Grid Engine' });
  });
});

describe('engine output parsers', () => {
  it('reads squeue lines, names last', () => {
    const jobs = parseSqueue('57|PENDING|damson-abc-1\n58|RUNNING|a|b\n59_3|RUNNING|array\n');
    expect([...jobs.keys()]).toEqual(['57', '58']);
    expect(jobs.get('58')).toMatchObject({ name: 'a|b', raw: 'RUNNING' });
    expect(() => parseSqueue('slurm_load_jobs error: Socket timed out\n')).toThrow(EngineToolError);
  });

  it('reads sacct from the completion log', () => {
    const views = parseSacct('57|FAILED|3:0\n58|CANCELLED by 0|0:15\n');
    expect(views.get('58')).toMatchObject({ outcome: { state: 'INTERRUPTED' } });
    expect(() => parseSacct('garbage')).toThrow(EngineToolError);
  });

  it('reads sbatch --parsable and qsub -terse', () => {
    expect(parseSbatch('123\n')).toBe('123');
    expect(parseSbatch('123;cluster\n')).toBe('123');
    expect(() => parseSbatch('Submitted batch job 1')).toThrow(EngineToolError);
    expect(parseQsub('45\n')).toBe('45');
    expect(() => parseQsub('Your job 45 ("x") has been submitted')).toThrow(EngineToolError);
  });

  it('reads qstat -xml, running and pending, with escaped names', () => {
    const xml = `<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>25</JB_job_number>
      <JB_name>damson-AAAAAAAAAAAAAAAA-1</JB_name>
      <state>r</state>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>26</JB_job_number>
      <JB_name>x&amp;y</JB_name>
      <state>hqw</state>
    </job_list>
  </job_info>
</job_info>`;
    const jobs = parseQstatXml(xml);
    expect(jobs.get('25')).toMatchObject({ name: 'damson-AAAAAAAAAAAAAAAA-1', raw: 'r' });
    expect(jobs.get('26')).toMatchObject({ name: 'x&y', view: { phase: 'queued' } });
    expect(parseQstatXml("<?xml version='1.0'?>\n<job_info>\n</job_info>").size).toBe(0);
    expect(() => parseQstatXml('error: unable to contact qmaster')).toThrow(EngineToolError);
  });

  it('reads qacct: a qdel is INTERRUPTED, a setup failure is ERROR', () => {
    const deleted = parseQacct(
      '==============================================================\njobname      x\nfailed       100 : assumedly after job\nexit_status  137                  (Killed)\n',
    );
    expect(deleted).toMatchObject({
      phase: 'ended',
      outcome: { state: 'INTERRUPTED', cancelledOutside: true },
    });
    const setup = parseQacct(
      '=============\nfailed       26 : opening input/output file\nexit_status  0\n',
    );
    expect(setup).toMatchObject({ outcome: { state: 'ERROR', lost: true } });
    expect(parseQacct('')).toBeNull();
  });
});

describe('job verdict', () => {
  const base: VerdictInput = {
    listed: undefined,
    postMortem: undefined,
    records: { started: false, startedAtMs: null, exitCode: null },
    cancelRequested: false,
    cancelReason: 'cancelled',
    endedForMs: 0,
    vanishedForMs: 0,
    recordGraceMs: 1000,
    vanishGraceMs: 10_000,
  };
  const listed = (raw: string) => ({ id: '1', name: 'n', raw, view: slurmView(raw) });

  it('takes the exit record as the final word, whatever the engine says', () => {
    const records = { started: true, startedAtMs: 0, exitCode: 0 };
    expect(jobVerdict({ ...base, records, listed: listed('COMPLETING') })).toMatchObject({
      kind: 'end',
      outcome: { state: 'COMPLETED' },
      exitCode: 0,
    });
    expect(
      jobVerdict({
        ...base,
        records: { started: true, startedAtMs: 0, exitCode: 2 },
        listed: listed('CANCELLED'),
      }),
    ).toMatchObject({ outcome: { state: 'FAILED' }, exitCode: 2 });
  });

  it('judges a signal status left by a cancel from outside Damson as that cancel', () => {
    const records = { started: true, startedAtMs: 0, exitCode: 143 };
    expect(jobVerdict({ ...base, records, listed: listed('CANCELLED by 0') })).toMatchObject({
      kind: 'end',
      outcome: { state: 'INTERRUPTED', cancelledOutside: true },
      exitCode: null,
    });
    // The tool's own signal death, with the engine saying nothing of a cancel, stays the tool's.
    expect(jobVerdict({ ...base, records, listed: listed('COMPLETED') })).toMatchObject({
      exitCode: 143,
    });
    // Damson's own cancel is judged as Damson's.
    expect(
      jobVerdict({ ...base, records, listed: listed('CANCELLED'), cancelRequested: true }),
    ).toMatchObject({ outcome: { state: 'INTERRUPTED' }, exitCode: 143 });
  });

  it('waits a little for the record, then believes the engine', () => {
    const ended = { ...base, listed: listed('COMPLETED') };
    expect(jobVerdict(ended)).toEqual({ kind: 'waiting' });
    expect(jobVerdict({ ...ended, endedForMs: 1000 })).toMatchObject({
      kind: 'end',
      outcome: { state: 'ERROR' },
    });
  });

  it('takes the exit status from accounting when the record never shows', () => {
    const input = {
      ...base,
      recordGraceMs: 30_000,
      listed: listed('COMPLETED'),
      postMortem: parseSacct('1|COMPLETED|0:0\n').get('1'),
    };
    expect(jobVerdict({ ...input, endedForMs: 29_000 })).toEqual({ kind: 'waiting' });
    expect(jobVerdict({ ...input, endedForMs: 30_000 })).toMatchObject({
      kind: 'end',
      outcome: { state: 'COMPLETED', reason: expect.stringMatching(/accounting/) },
      exitCode: 0,
    });
    const failedQacct = parseQacct('====\nfailed       0\nexit_status  3\n');
    expect(
      jobVerdict({ ...base, recordGraceMs: 5000, postMortem: failedQacct!, vanishedForMs: 5000 }),
    ).toMatchObject({ outcome: { state: 'FAILED' }, exitCode: 3 });
  });

  it('does not wait long for the record of a job that was killed', () => {
    const input = { ...base, recordGraceMs: 30_000, listed: listed('CANCELLED') };
    expect(jobVerdict({ ...input, endedForMs: 2_999 })).toEqual({ kind: 'waiting' });
    expect(jobVerdict({ ...input, endedForMs: 3_000 })).toMatchObject({
      outcome: {
        state: 'INTERRUPTED',
        reason: 'cancelled in SLURM outside Damson (scancel)',
        cancelledOutside: true,
      },
    });
  });

  it('ends a cancelled job DELETED before it started and INTERRUPTED after', () => {
    const gone = { ...base, cancelRequested: true };
    expect(jobVerdict(gone)).toMatchObject({ outcome: { state: 'DELETED' } });
    expect(
      jobVerdict({ ...gone, records: { started: true, startedAtMs: 0, exitCode: null } }),
    ).toMatchObject({
      outcome: { state: 'INTERRUPTED', reason: 'cancelled' },
    });
    expect(
      jobVerdict({ ...gone, records: { started: true, startedAtMs: 0, exitCode: 143 } }),
    ).toMatchObject({
      outcome: { state: 'INTERRUPTED' },
      exitCode: 143,
    });
  });

  it('gives a forgotten job up as INTERRUPTED (lost) only after the grace period', () => {
    expect(jobVerdict({ ...base, vanishedForMs: 9_999 })).toEqual({ kind: 'waiting' });
    expect(jobVerdict({ ...base, vanishedForMs: 10_000 })).toMatchObject({
      outcome: { state: 'INTERRUPTED', lost: true },
    });
    expect(
      jobVerdict({ ...base, vanishedForMs: 1000, postMortem: slurmView('TIMEOUT') }),
    ).toMatchObject({ outcome: { state: 'INTERRUPTED' } });
  });

  it('reports queued and running, and deletes stuck jobs', () => {
    expect(jobVerdict({ ...base, listed: listed('PENDING') })).toMatchObject({ state: 'QUEUED' });
    expect(jobVerdict({ ...base, listed: listed('RUNNING') })).toMatchObject({ state: 'RUNNING' });
    expect(
      jobVerdict({
        ...base,
        listed: { id: '1', name: 'n', raw: 'Eqw', view: gridEngineView('Eqw') },
      }),
    ).toMatchObject({ kind: 'delete', outcome: { state: 'ERROR' } });
    expect(jobVerdict({ ...base, listed: listed('WEIRD') })).toMatchObject({
      kind: 'active',
      note: 'engine state WEIRD',
    });
  });
});

describe('runner parameters', () => {
  it('splits sbatchargs and qargs like slivka, without a shell', () => {
    expect(runnerArgs('slurm', { sbatchargs: "--time=5 '--comment=a b' $HOME" })).toEqual([
      '--time=5',
      '--comment=a b',
      '$HOME',
    ]);
    expect(runnerArgs('gridengine', { qargs: ['-l', 'h_vmem=1G'] })).toEqual(['-l', 'h_vmem=1G']);
    expect(runnerArgs('slurm', {})).toEqual([]);
  });

  it('ignores parameters of other runners and refuses malformed ones with a clear message', () => {
    expect(runnerArgs('slurm', { qargs: '-q x' })).toEqual([]);
    expect(() => runnerArgs('gridengine', { qargs: 3 })).toThrow(/string or a list of strings/);
  });
});

describe('engine tool failures', () => {
  it('retries what may pass and not what the engine refused', () => {
    expect(isTransient(new EngineToolError('squeue', 'timeout', 'no answer'))).toBe(true);
    expect(isTransient(new EngineToolError('squeue', 'garbage', 'x'))).toBe(true);
    expect(
      isTransient(
        new EngineToolError('sbatch', 'exit', 'error: Unable to contact slurm controller'),
      ),
    ).toBe(true);
    expect(isTransient(new EngineToolError('sbatch', 'exit', 'error: invalid partition'))).toBe(
      false,
    );
  });
});
