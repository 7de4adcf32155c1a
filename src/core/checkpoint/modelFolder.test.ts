import { describe, expect, it } from 'vitest';
import { chooseModelFolder, isLoneVocabulary } from './modelFolder.ts';

const id = (p: string) => p;

describe('chooseModelFolder', () => {
  it("keeps a sentence-transformers folder's root files and leaves out its modules' sub-folders", () => {
    const paths = [
      'model/1_Pooling/config.json',
      'model/config.json',
      'model/model.safetensors',
      'model/vocab.txt',
      'model/modules.json',
      'model/2_Normalize/placeholder.txt',
    ];
    const c = chooseModelFolder(paths, id);
    expect(c.folder).toBe('model');
    expect(c.keep).toEqual(['model/config.json', 'model/model.safetensors', 'model/vocab.txt', 'model/modules.json']);
    expect(c.ignored).toEqual(['model/1_Pooling/config.json', 'model/2_Normalize/placeholder.txt']);
  });

  it('finds the model in a sub-folder of what was dropped, and keeps loose files as they are', () => {
    const c = chooseModelFolder(
      ['outer/README.md', 'outer/bert/bert_model.ckpt.index', 'outer/bert/bert_config.json'],
      id,
    );
    expect(c.folder).toBe('outer/bert');
    expect(c.ignored).toEqual(['outer/README.md']);
    const loose = chooseModelFolder(['config.json', 'model.safetensors'], id);
    expect(loose).toEqual({ folder: '', keep: ['config.json', 'model.safetensors'], ignored: [] });
  });

  it('tells a lone vocab.txt from a model', () => {
    expect(isLoneVocabulary(['vocab.txt'])).toBe(true);
    expect(isLoneVocabulary(['my_vocab.TXT'])).toBe(true);
    expect(isLoneVocabulary(['vocab.txt', 'config.json'])).toBe(false);
    expect(isLoneVocabulary(['model.safetensors'])).toBe(false);
  });
});
