/**
 * Writes a BERT checkpoint of the original's teacher size (RoBERTa-wwm-ext-large: 24 layers,
 * hidden 1024, 16 heads, intermediate 4096, vocab 21128, max_position 512) with random
 * weights as a Hugging Face folder: model.safetensors (F16 ≈ 650 MB, or F32 ≈ 1.3 GB),
 * config.json and vocab.txt (../shared/ref's Chinese BERT vocab when present, else 21128
 * made-up tokens). Written tensor by tensor in 1 MB pieces, so writing holds little memory.
 * Never committed: it goes to a temporary folder, which the caller removes.
 *
 *   node --import tsx bench/largeTeacherFolder.ts [F16|F32] [dir]   (prints the folder)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBertConfig } from '../src/core/model/config.ts';
import { expectedShapes } from '../src/core/model/weights.ts';

export const LARGE_TEACHER_CONFIG = {
  architectures: ['BertForMaskedLM'],
  model_type: 'bert',
  vocab_size: 21128,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  intermediate_size: 4096,
  hidden_act: 'gelu',
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const REF_VOCAB = path.join(ROOT, '..', 'shared', 'ref', 'vocab-bert-chinese', 'vocab.txt');

/** The real Chinese BERT vocabulary when ../shared/ref has it, else 21128 made-up tokens. */
function vocabText(size: number): { text: string; real: boolean } {
  if (existsSync(REF_VOCAB)) {
    const text = readFileSync(REF_VOCAB, 'utf8');
    if (text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').length === size) return { text, real: true };
  }
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const tokens = Array.from({ length: size }, (_, i) => special[i] ?? `t${i}`);
  return { text: `${tokens.join('\n')}\n`, real: false };
}

/** float32 → float16 bits for values in float16's normal range (random test weights only; smaller ones become 0). */
function toHalfBits(src: Float32Array, dst: Uint16Array, n: number): void {
  const u = new Uint32Array(src.buffer, src.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const x = u[i];
    const exp = ((x >>> 23) & 0xff) - 112;
    dst[i] = ((x >>> 16) & 0x8000) | (exp <= 0 ? 0 : (exp << 10) | ((x >>> 13) & 0x3ff));
  }
}

export interface LargeTeacherFolder {
  dir: string;
  weightsFile: string;
  bytes: number;
  realVocab: boolean;
}

/**
 * Writes the folder into `dir` (default: a fresh temporary folder). Matrices are uniform in
 * ±0.04, biases 0, LayerNorm weights 1: a model whose activations stay finite.
 */
export async function writeLargeTeacherFolder(
  dtype: 'F16' | 'F32',
  dir?: string,
  cfgJson: Record<string, unknown> = LARGE_TEACHER_CONFIG,
): Promise<LargeTeacherFolder> {
  const out = dir ?? (await mkdtemp(path.join(os.tmpdir(), `large-teacher-${dtype.toLowerCase()}-`)));
  const cfg = parseBertConfig(cfgJson);
  const shapes = expectedShapes(cfg, { pooler: true, mlmHead: true });
  const width = dtype === 'F16' ? 2 : 4;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * width;
    header[name] = { dtype, shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const weightsFile = path.join(out, 'model.safetensors');
  const fh = await open(weightsFile, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    await fh.write(len);
    await fh.write(h);
    let seed = 20260101;
    const PIECE = 1 << 18; // values per write
    const values = new Float32Array(PIECE);
    const half = new Uint16Array(PIECE);
    for (const [name, shape] of shapes) {
      const count = shape.reduce((a, b) => a * b, 1);
      const fill = /LayerNorm\.weight$/.test(name) ? 1 : shape.length === 1 ? 0 : null;
      let left = count;
      while (left > 0) {
        const n = Math.min(left, PIECE);
        if (fill !== null) values.fill(fill, 0, n);
        else
          for (let i = 0; i < n; i++) {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            values[i] = (seed / 2 ** 32 - 0.5) * 0.08;
          }
        if (dtype === 'F16') {
          toHalfBits(values, half, n);
          await fh.write(new Uint8Array(half.buffer, 0, n * 2));
        } else await fh.write(new Uint8Array(values.buffer, 0, n * 4));
        left -= n;
      }
    }
  } finally {
    await fh.close();
  }
  await writeFile(path.join(out, 'config.json'), JSON.stringify(cfgJson, null, 2));
  const vocab = vocabText(cfg.vocab_size);
  await writeFile(path.join(out, 'vocab.txt'), vocab.text);
  return { dir: out, weightsFile, bytes: 8 + h.length + off, realVocab: vocab.real };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dtype = (process.argv[2] ?? 'F16').toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new Error(`largeTeacherFolder: dtype must be F16 or F32, got ${dtype}`);
  const r = await writeLargeTeacherFolder(dtype, process.argv[3]);
  console.log(
    `${r.dir}: model.safetensors ${(r.bytes / 2 ** 20).toFixed(0)} MB (${dtype}), config.json, vocab.txt (${r.realVocab ? 'the Chinese BERT vocab' : 'made-up tokens'})`,
  );
}
