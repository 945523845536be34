import type { Logger } from '../lifecycle/logger';
import type { StopStep } from '../lifecycle/shutdown';

/**
 * A started role (server, scheduler, agent): its logger and its shutdown steps, in order. The
 * process running it owns the signals: one role alone runs its steps, a combined process runs
 * every role's steps in one sequence.
 */
export interface RoleHandle {
  log: Logger;
  steps: StopStep[];
}
