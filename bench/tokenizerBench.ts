/**
 * Tokenizer throughput: our BertTokenizer against @huggingface/transformers' BertTokenizer on
 * the same text in the same run, line by line as the corpus readers feed it, ids compared.
 * Figures are characters (code points) per second on one core; each side is warmed up, then
 * timed over several full passes, and the median pass counts. No node: imports.
 */
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { parseVocab } from '../src/core/tokenizer/vocab.ts';
import { loadHfBertTokenizer } from '../src/testing/hfTokenizer.ts';

export interface TokenizerBenchResult {
  ourCharsPerSec: number;
  hfCharsPerSec: number;
  /** ourCharsPerSec / hfCharsPerSec */
  ratio: number;
  /** Whether both gave the same ids on every line. */
  identical: boolean;
  /** Characters (code points) in the text. */
  chars: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      n++;
    }
  }
  return n;
}

/**
 * Times `pass` (after an untimed `setup`) at least `minReps` times and until `minSeconds` have been spent (at most
 * `maxReps`); returns the median seconds of one pass.
 */
function timePasses(setup: () => void, pass: () => void, minReps: number, maxReps: number, minSeconds: number): number {
  const times: number[] = [];
  let spent = 0;
  while (times.length < minReps || (spent < minSeconds && times.length < maxReps)) {
    setup();
    const t0 = performance.now();
    pass();
    const dt = (performance.now() - t0) / 1000;
    times.push(dt);
    spent += dt;
  }
  return median(times);
}

export async function benchTokenizer(opts: {
  vocabText: string;
  corpusText: string;
  doLowerCase?: boolean;
}): Promise<TokenizerBenchResult> {
  const doLowerCase = opts.doLowerCase ?? true;
  const lines = opts.corpusText.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const chars = codePoints(opts.corpusText);
  const vocab = parseVocab(opts.vocabText);
  const hf = await loadHfBertTokenizer(vocab, doLowerCase);

  // Warm-up passes, which also check that the ids agree.
  let ours = new BertTokenizer(vocab, { doLowerCase });
  let identical = true;
  for (const line of lines) {
    const a = ours.encode(line);
    const b = hf.encode(line);
    if (a.length !== b.length || a.some((x, j) => x !== b[j])) identical = false;
  }

  let sink = 0;
  // A fresh tokenizer for each pass, so the word cache starts empty every time.
  const ourSec = timePasses(
    () => {
      ours = new BertTokenizer(vocab, { doLowerCase });
    },
    () => {
      for (const line of lines) sink += ours.encode(line).length;
    },
    5,
    50,
    2,
  );
  const hfSec = timePasses(
    () => {},
    () => {
      for (const line of lines) sink += hf.encode(line).length;
    },
    3,
    20,
    2,
  );
  if (sink < 0) throw new Error('unreachable');
  const ourCharsPerSec = chars / ourSec;
  const hfCharsPerSec = chars / hfSec;
  return { ourCharsPerSec, hfCharsPerSec, ratio: ourCharsPerSec / hfCharsPerSec, identical, chars };
}
