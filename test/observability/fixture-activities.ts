import type { EcpClient } from '../../activities/ecp';

export interface FixtureActivities {
  /** One vendor call on behalf of some instances, so its log line can be checked for context. */
  touchInstances(req: { instanceIds: string[] }): Promise<number>;
}

export function createFixtureActivities(ecp: EcpClient): FixtureActivities {
  return {
    async touchInstances(req) {
      const page = await ecp.describeAndroidInstances({ instanceIds: req.instanceIds });
      return page.items.length;
    },
  };
}
