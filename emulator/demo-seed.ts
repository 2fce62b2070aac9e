import type { EmulatorSeed, PackageSeed } from './seed';

/** Fixed IDs of the built-in `demo` fleet (17 characters after the prefix, like the vendor's). */
export const DEMO_SOURCE_1 = 'acp-demosource0000001';
export const DEMO_SOURCE_2 = 'acp-demosource0000002';
export const DEMO_BACKUP_1 = 'bf-demobackup0000001';
export const DEMO_BACKUP_2 = 'bf-demobackup0000002';
export const DEMO_TARGETS = [
  'acp-demotarget0000001',
  'acp-demotarget0000002',
  'acp-demotarget0000003',
  'acp-demotarget0000004',
  'acp-demotarget0000005',
  'acp-demotarget0000006',
] as const;
/** Running target that already has com.example.notes 2.0.0 with different data. */
export const DEMO_TARGET_WITH_OLD_NOTES = DEMO_TARGETS[5];
export const DEMO_STOPPED_TARGET = 'acp-demostopped000001';
export const DEMO_OTHER_IMAGE_TARGET = 'acp-demootherimage001';
export const DEMO_OTHER_SERVER_TYPE_TARGET = 'acp-demootherarch0001';

export const DEMO_IMAGE_VERSION = '3.5.3.867';
export const DEMO_OTHER_IMAGE_VERSION = '3.6.0.1021';
export const DEMO_SERVER_TYPE = 'cpm.gx7.10xlarge';
export const DEMO_OTHER_SERVER_TYPE = 'cpm.gx8.16xlarge';
export const DEMO_BACKUP_1_PATH = `oss://cloudphone-saved-bucket-cn-shanghai-demo/backups/${DEMO_BACKUP_1}.ab`;
export const DEMO_BACKUP_2_PATH = `oss://cloudphone-saved-bucket-cn-shanghai-demo/backups/${DEMO_BACKUP_2}.ab`;
export const DEMO_UPLOAD_ENDPOINT = 'oss-cn-shanghai-internal.aliyuncs.com';

export const DEMO_NOTES: PackageSeed = {
  packageName: 'com.example.notes',
  versionName: '2.3.1',
  versionCode: 231,
  data: {
    'shared_prefs/settings.xml': '<?xml version="1.0" encoding="utf-8"?>\n<map>\n    <string name="theme">dark</string>\n</map>\n',
    'databases/notes.db': 'SQLite format 3\u0000notes: shopping list; trip plan\n',
    'files/notes/2024/today.txt': 'Buy milk, call Zhang Wei (张伟).\n',
    'files/attachments/readme.md': '# Attachments\n',
  },
};

export const DEMO_OLD_NOTES: PackageSeed = {
  packageName: 'com.example.notes',
  versionName: '2.0.0',
  versionCode: 200,
  data: {
    'shared_prefs/settings.xml': '<?xml version="1.0" encoding="utf-8"?>\n<map>\n    <string name="theme">light</string>\n</map>\n',
    'databases/notes.db': 'SQLite format 3\u0000notes: old draft\n',
    'files/legacy.txt': 'left over from 2.0.0\n',
  },
};

export const DEMO_CHAT: PackageSeed = {
  packageName: 'com.example.chat',
  versionName: '5.0.0',
  versionCode: 500,
  data: {
    'shared_prefs/account.xml': '<map><string name="user">demo-user-1</string></map>\n',
    'databases/messages.db': 'SQLite format 3\u0000messages: 42\n',
  },
};

const DEMO_CHAT_SOURCE_2: PackageSeed = {
  ...DEMO_CHAT,
  data: {
    'shared_prefs/account.xml': '<map><string name="user">demo-user-2</string></map>\n',
    'databases/messages.db': 'SQLite format 3\u0000messages: 7\n',
  },
};

const DEMO_GALLERY: PackageSeed = {
  packageName: 'com.example.gallery',
  versionName: '1.2.0',
  versionCode: 120,
  data: { 'files/albums.json': '{"albums":["holiday"]}\n' },
};

const sameImage = { imageVersion: DEMO_IMAGE_VERSION, serverType: DEMO_SERVER_TYPE };

export function demoSeed(): EmulatorSeed {
  return {
    instances: [
      { id: DEMO_SOURCE_1, name: 'demo-source-1', ...sameImage, packages: [DEMO_NOTES, DEMO_CHAT] },
      { id: DEMO_SOURCE_2, name: 'demo-source-2', ...sameImage, packages: [DEMO_CHAT_SOURCE_2, DEMO_GALLERY] },
      ...DEMO_TARGETS.map((id, i) => ({
        id,
        name: `demo-target-${i + 1}`,
        ...sameImage,
        packages: id === DEMO_TARGET_WITH_OLD_NOTES ? [DEMO_OLD_NOTES] : [],
      })),
      { id: DEMO_STOPPED_TARGET, name: 'demo-stopped', status: 'STOPPED', ...sameImage },
      { id: DEMO_OTHER_IMAGE_TARGET, name: 'demo-other-image', imageVersion: DEMO_OTHER_IMAGE_VERSION, serverType: DEMO_SERVER_TYPE },
      { id: DEMO_OTHER_SERVER_TYPE_TARGET, name: 'demo-other-arch', imageVersion: DEMO_IMAGE_VERSION, serverType: DEMO_OTHER_SERVER_TYPE },
    ],
    backups: [
      {
        id: DEMO_BACKUP_1,
        sourceInstanceId: DEMO_SOURCE_1,
        name: 'demo-notes-and-chat.ab',
        packageNames: ['com.example.notes', 'com.example.chat'],
        path: DEMO_BACKUP_1_PATH,
        uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
        description: 'demo backup of source 1',
      },
      {
        id: DEMO_BACKUP_2,
        sourceInstanceId: DEMO_SOURCE_2,
        name: 'demo-chat.ab',
        packageNames: ['com.example.chat'],
        path: DEMO_BACKUP_2_PATH,
        uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
        description: 'demo backup of source 2',
      },
    ],
  };
}
