import type { InstanceOverride } from '../config';
import type { InstanceStatus, BackupFileStatus } from '../state/model';
import type { PackageSeed } from '../seed';

/** Body of `PATCH /__emulator/instances/:id`. */
export interface InstancePatch {
  status?: InstanceStatus;
  /** Set or clear (`null`) the error code shown by DescribeAndroidInstances. */
  errorCode?: string | null;
  /** Replaces the whole installed package set. */
  packages?: PackageSeed[];
  imageVersion?: string;
  serverType?: string;
  name?: string;
  /** Per-instance fault overrides; `null` removes them. */
  overrides?: InstanceOverride | null;
  /** Unfamiliar dialect: set or clear (`null`) the permanent recovery failure tied to this instance. */
  permanentFailure?: { code: string; message: string } | null;
}

/** Body of `PATCH /__emulator/backups/:id`. */
export interface BackupPatch {
  status?: BackupFileStatus;
}

export interface AdminInfo {
  service: 'cloud-phone-api-emulator';
  apiVersion: string;
  url: string;
}
