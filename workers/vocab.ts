/**
 * The vocabulary and tokenizer of a stored checkpoint (its vocab.txt), without
 * loading any weights (the data worker uses this and no tensors).
 */
import { readVocab } from '../src/core/checkpoint/loadCheckpoint.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { getModelFiles } from '../src/contract/storageLayout.ts';

/** The vocabulary of a stored model (its vocab.txt). */
export async function modelVocab(modelId: string): Promise<string[]> {
  const files = await getModelFiles(modelId);
  const vocab = files.find((f) => f.name === 'vocab.txt') ?? files.find((f) => f.name.endsWith('vocab.txt'));
  if (!vocab)
    throw new Error(
      `the checkpoint has no vocab.txt among ${files.map((f) => f.name).join(', ')}; drop it with the other files`,
    );
  return readVocab(vocab, vocab.name);
}

const tokenizers = new Map<string, BertTokenizer>();

export async function modelTokenizer(modelId: string, doLowerCase: boolean): Promise<BertTokenizer> {
  const key = `${modelId}|${doLowerCase}`;
  let t = tokenizers.get(key);
  if (!t) {
    t = new BertTokenizer(await modelVocab(modelId), { doLowerCase }, `vocab.txt of ${modelId}`);
    tokenizers.set(key, t);
  }
  return t;
}
