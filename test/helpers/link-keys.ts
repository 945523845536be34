import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';

export interface AgentCurveOptions {
  curveServerKey: string;
  curvePublicKey: string;
  curveSecretKey: string;
}

/**
 * The socket options of the home's local agent (its key pair, the scheduler's public key), once
 * the first Damson process of the home has created them: a test that plays an allowed agent.
 */
export async function allowedAgentOptions(home: string): Promise<AgentCurveOptions> {
  const keys = path.join(home, 'keys');
  return waitFor(async () => {
    if (!existsSync(path.join(keys, 'scheduler.pub')) || !existsSync(path.join(keys, 'agent.key')))
      return undefined;
    const pair = readFileSync(path.join(keys, 'agent.key'), 'utf8');
    return {
      curveServerKey: readFileSync(path.join(keys, 'scheduler.pub'), 'utf8').trim(),
      curvePublicKey: /^public = (.{40})$/m.exec(pair)![1],
      curveSecretKey: /^secret = (.{40})$/m.exec(pair)![1],
    };
  }, 'the link keys');
}
