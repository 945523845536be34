import type { ServiceHealth, ServiceStatusRecord } from '../../store/job-store';
import type { Service } from '../service';
import type { FileProblem } from '../service-catalog';
import { publicConfigProblem, withoutServerPaths } from './public-message';

export type ServiceStatusName = ServiceHealth | 'UNKNOWN';

export interface ServiceStatusView {
  status: ServiceStatusName;
  errorMessage: string;
  timestamp: Date;
}

const SEVERITY: Record<ServiceStatusName, number> = { UNKNOWN: 0, OK: 1, WARNING: 2, DOWN: 3 };

/**
 * A service's status: the worst latest health-test outcome among its current runners (runners
 * removed from the file no longer count, unlike slivka), and a WARNING while its file has an error
 * and the last good version is serving. Messages are public: no server path in them (a service
 * file is named relative to `servicesDirectory`).
 */
export function serviceStatus(
  service: Service,
  records: ServiceStatusRecord[],
  fileProblem: FileProblem | undefined,
  servicesDirectory: string,
): ServiceStatusView {
  const runners = new Set(service.runners.map((r) => r.id));
  let view: ServiceStatusView = { status: 'UNKNOWN', errorMessage: '', timestamp: new Date(0) };
  for (const record of records) {
    if (record.service !== service.id || !runners.has(record.runner)) continue;
    const worse = SEVERITY[record.status] > SEVERITY[view.status];
    const sameButLater =
      record.status === view.status && record.recordedAt.getTime() > view.timestamp.getTime();
    if (worse || sameButLater) {
      const message = record.message
        ? `${record.runner}: ${withoutServerPaths(record.message)}`
        : '';
      view = { status: record.status, errorMessage: message, timestamp: record.recordedAt };
    }
  }
  if (fileProblem && SEVERITY[view.status] < SEVERITY.WARNING) {
    return {
      status: 'WARNING',
      errorMessage: `the service file has an error; the last good version is serving: ${publicConfigProblem(fileProblem.error, servicesDirectory)}`,
      timestamp: fileProblem.since,
    };
  }
  return view;
}
