import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openClusterJournal } from '../../src/runners/cluster/cluster-journal';
import { openLocalJournal } from '../../src/runners/local/local-journal';

const journalFile = () =>
  path.join(mkdtempSync(path.join(tmpdir(), 'damson-journal-')), 'a.journal');

const localEntry = {
  jobId: 'a',
  fencingToken: 1,
  cwd: '/x',
  pid: 10,
  startedAt: 1,
  timeoutMs: null,
};

const clusterEntry = {
  jobId: 'a',
  fencingToken: 2,
  cwd: '/x',
  name: 'damson-a-2',
  engineId: null,
  cancelRequested: false,
  timeoutMs: 5000,
};

describe('local agent journal', () => {
  it('remembers started jobs across a reopen, forgets ended ones, survives a torn last line', () => {
    const file = journalFile();
    const j = openLocalJournal(file);
    j.started(localEntry);
    j.started({ ...localEntry, jobId: 'b' });
    j.ended({ jobId: 'b', fencingToken: 1 });
    j.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"op":"start","jobId":"c"`);
    const again = openLocalJournal(file);
    expect(again.outstanding).toEqual([localEntry]);
    again.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('drops a record that arrives after close instead of throwing (agent shutdown)', () => {
    const file = journalFile();
    const j = openLocalJournal(file);
    j.close();
    expect(() => j.ended({ jobId: 'a', fencingToken: 1 })).not.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('skips lines it cannot trust instead of adopting a process it did not start', () => {
    const file = journalFile();
    const lines = [
      { op: 'start', ...localEntry, pid: -1 },
      { op: 'start', ...localEntry, jobId: 'b', pid: '12' },
      { op: 'start', ...localEntry, jobId: 'c', fencingToken: 'x' },
      { op: 'start', ...localEntry, jobId: 'd', cwd: 5 },
      ['start'],
      null,
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const j = openLocalJournal(file);
    expect(j.outstanding).toEqual([]);
    j.close();
  });
});

describe('cluster agent journal', () => {
  it('replays engine ids and cancels onto the submitted attempt, and forgets ended ones', () => {
    const file = journalFile();
    const j = openClusterJournal(file);
    j.started(clusterEntry);
    j.updated(clusterEntry, { engineId: '42' });
    j.updated(clusterEntry, { cancelRequested: true });
    j.started({ ...clusterEntry, jobId: 'b' });
    j.ended({ jobId: 'b', fencingToken: 2 });
    j.close();
    const again = openClusterJournal(file);
    expect(again.outstanding).toEqual([{ ...clusterEntry, engineId: '42', cancelRequested: true }]);
    again.close();
  });

  it('reads a journal written by the release before the shared format', () => {
    const file = journalFile();
    const old = [
      { op: 'submit', ...clusterEntry, submitting: null, seenActive: false },
      { op: 'engine-id', jobId: 'a', fencingToken: 2, engineId: '7' },
      { op: 'cancel', jobId: 'a', fencingToken: 2 },
      { op: 'submit', ...clusterEntry, jobId: 'gone' },
      { op: 'end', jobId: 'gone', fencingToken: 2 },
    ];
    writeFileSync(file, old.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const j = openClusterJournal(file);
    expect(j.outstanding).toEqual([{ ...clusterEntry, engineId: '7', cancelRequested: true }]);
    j.close();
    // Compacted in the new format, without the working state an old agent wrote along.
    expect(JSON.parse(readFileSync(file, 'utf8').trim())).toEqual({
      op: 'start',
      ...clusterEntry,
      engineId: '7',
      cancelRequested: true,
    });
  });

  it('survives any garbage appended after its lines, keeping what came before', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (garbage) => {
        const file = journalFile();
        const j = openClusterJournal(file);
        j.started(clusterEntry);
        j.close();
        writeFileSync(file, `${readFileSync(file, 'utf8')}${garbage.replace(/\n/g, ' ')}`);
        const again = openClusterJournal(file);
        const outstanding = again.outstanding;
        again.close();
        return outstanding.length === 1 && outstanding[0].jobId === 'a';
      }),
      { numRuns: 50 },
    );
  });
});
