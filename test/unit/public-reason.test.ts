import fc from 'fast-check';
import { publicReason } from '../../src/jobs';
import { jobResource } from '../../src/http/resources';
import type { Job } from '../../src/jobs';

describe('a job reason as the API shows it', () => {
  it("keeps an engine's words and removes server paths", () => {
    expect(
      publicReason(
        'slurm refused the job: sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified',
      ),
    ).toBe(
      'slurm refused the job: sbatch: error: invalid partition specified: nosuch sbatch: error: Batch job submission failed: Invalid partition name specified',
    );
    expect(
      publicReason(
        "cannot prepare the job: ENOENT: no such file or directory, open '/srv/damson/media/jobs/ab/cd/x/.damson/started-1'",
      ),
    ).toBe("cannot prepare the job: ENOENT: no such file or directory, open '…'");
    expect(publicReason('qsub: error: unable to read script file /var/spool/x (=/etc/y)')).toBe(
      'qsub: error: unable to read script file … (=…)',
    );
  });

  it('never lets an absolute path, a control character or an unbounded length through', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.string({ maxLength: 2000 }),
        fc.constantFrom(' ', "'", '"', '=', ':', '(', ','),
        (parts, noise, before) => {
          const secret = `/${parts.join('/')}`;
          const shown = publicReason(`${noise.replaceAll('/', '')}${before}${secret} end`);
          expect(shown).not.toContain(secret);
          expect(shown).not.toMatch(/\p{Cc}/u);
          expect(shown.length).toBeLessThanOrEqual(500);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is part of the job resource only when there is one', () => {
    const job = {
      id: 'AAAAAAAAAAAAAAAA',
      service: 's',
      parameters: {},
      submittedAt: new Date(0),
      completedAt: new Date(1),
      state: 'ERROR',
      reason: 'slurm refused the job: sbatch: error: invalid partition specified: x',
      exitCode: null,
      cancelRequested: false,
      history: [],
    } as unknown as Job;
    expect(jobResource('/api', job)).toMatchObject({
      status: 'ERROR',
      reason: 'slurm refused the job: sbatch: error: invalid partition specified: x',
    });
    expect(jobResource('/api', { ...job, state: 'RUNNING', reason: null })).not.toHaveProperty(
      'reason',
    );
    expect(jobResource('/api', { ...job, state: 'COMPLETED', reason: null })).not.toHaveProperty(
      'reason',
    );
    // Every other end says something, even when nothing was recorded.
    expect(jobResource('/api', { ...job, reason: null })).toMatchObject({
      reason: 'the job could not be run',
    });
    expect(
      jobResource('/api', { ...job, state: 'FAILED', exitCode: 2, reason: null }),
    ).toMatchObject({ reason: 'exit status 2' });
  });
});
