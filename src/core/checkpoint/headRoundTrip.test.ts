import { describe, expect, it } from 'vitest';
import { tinyConfig } from '../../testing/tinyBert.ts';
import { initHead } from '../model/heads.ts';
import { initWeights } from '../model/init.ts';
import { disposeWeights } from '../model/student.ts';
import { exportCheckpoint, type ExportFormat } from './exportCheckpoint.ts';
import { loadCheckpoint } from './loadCheckpoint.ts';

describe('fine-tuned models (classifier, QA) export and load back in every format', () => {
  const cfg = tinyConfig();
  for (const kind of ['classification', 'span'] as const) {
    for (const format of ['safetensors', 'tf', 'tfjs'] as ExportFormat[]) {
      it(`${kind} head, ${format}`, async () => {
        const weights = {
          ...initWeights(cfg, { pooler: true, mlmHead: false }, 1),
          ...initHead(cfg, kind, kind === 'span' ? 2 : 3, 2),
        };
        const files = await exportCheckpoint(format, weights, cfg);
        const back = await loadCheckpoint(new Map(files.map((f) => [`m/${f.name}`, new Blob([f.data as BlobPart])])));
        expect(Object.keys(back.weights).sort()).toEqual(Object.keys(weights).sort());
        for (const [n, t] of Object.entries(weights)) {
          expect(back.weights[n].shape, n).toEqual(t.shape);
          expect(Array.from(await back.weights[n].data()), n).toEqual(Array.from(await t.data()));
        }
        disposeWeights(weights);
        disposeWeights(back.weights);
      });
    }
  }
});
