import { describe, expect, it, vi } from 'vitest';
import { ORIGINAL_PRETRAINING_DEFAULTS, PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';

vi.mock('./workerClient.ts', () => ({ callWorker: vi.fn() }));
vi.mock('./persistence.ts', () => ({ refreshQuota: vi.fn(async () => {}) }));

const { resetExampleOptions, setExampleOptions } = await import('./examples.ts');
const { useApp } = await import('./state.ts');

describe("the Examples form's reset", () => {
  it("sets the original create_pretraining_data.py's defaults, whatever the form held", () => {
    // the page starts with its own smaller sizes
    expect(useApp.getState().exampleOptions).toEqual(PRETRAINING_DEFAULTS);
    setExampleOptions({ maxSeqLength: 32, dupeFactor: 1, doWholeWordMask: false, docStride: 8, mode: 'bert' });
    resetExampleOptions();
    const o = useApp.getState().exampleOptions;
    expect(o).toEqual(ORIGINAL_PRETRAINING_DEFAULTS);
    expect([o.maxSeqLength, o.dupeFactor, o.doWholeWordMask, o.docStride, o.mode]).toEqual([512, 5, true, 256, 'seed']);
  });
});
