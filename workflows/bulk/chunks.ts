// Cutting a plan into waves and child-sized chunks. Deterministic and pure: the same plan always gives
// the same chunk indexes, which name the children (`<migrationId>/<chunkIndex>`).
import type { MigrationItem, MigrationOptions } from '../plan';
import type { WaveKind } from './types';

export interface Chunk {
  index: number;
  wave: number;
  items: MigrationItem[];
  targets: number;
}

export interface WaveDef {
  index: number;
  kind: WaveKind;
  targets: number;
  chunks: number;
}

export interface Schedule {
  waves: WaveDef[];
  chunks: Chunk[];
}

/** Whole items only: an item's targets always go to one child, so its backup is released by one run. */
export function buildSchedule(items: MigrationItem[], options: Pick<MigrationOptions, 'itemsPerChild' | 'waves'>): Schedule {
  const waveItems: { kind: WaveKind; items: MigrationItem[] }[] = [];
  let cursor = 0;
  const take = (size: number | undefined, kind: WaveKind): void => {
    const wave: MigrationItem[] = [];
    let targets = 0;
    while (cursor < items.length && (size === undefined || targets < size)) {
      const item = items[cursor++]!;
      wave.push(item);
      targets += item.instanceIds.length;
    }
    if (wave.length > 0) waveItems.push({ kind, items: wave });
  };
  if (options.waves.canarySize !== undefined) take(options.waves.canarySize, 'canary');
  while (cursor < items.length) take(options.waves.waveSize, 'wave');

  const waves: WaveDef[] = [];
  const chunks: Chunk[] = [];
  waveItems.forEach((wave, waveIndex) => {
    let current: Chunk | undefined;
    let waveTargets = 0;
    let waveChunks = 0;
    for (const item of wave.items) {
      const size = item.instanceIds.length;
      if (!current || (current.targets > 0 && current.targets + size > options.itemsPerChild)) {
        current = { index: chunks.length, wave: waveIndex, items: [], targets: 0 };
        chunks.push(current);
        waveChunks++;
      }
      current.items.push(item);
      current.targets += size;
      waveTargets += size;
    }
    waves.push({ index: waveIndex, kind: wave.kind, targets: waveTargets, chunks: waveChunks });
  });
  return { waves, chunks };
}
