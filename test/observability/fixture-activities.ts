import type { EcpClient } from '../../activities/ecp';

export interface FixtureActivities {
  /** One vendor call on behalf of some instances, so its log line can be checked for context. */
  touchInstances(req: { instanceIds: string[] }): Promise<number>;
  /** A local activity the test holds open, to keep a workflow task running (see racingCompletionWorkflow). */
  holdCompletion(): Promise<void>;
}

export function createFixtureActivities(ecp: EcpClient, holdCompletion: () => Promise<void> = async () => undefined): FixtureActivities {
  return {
    async touchInstances(req) {
      const page = await ecp.describeAndroidInstances({ instanceIds: req.instanceIds });
      return page.items.length;
    },
    holdCompletion,
  };
}
