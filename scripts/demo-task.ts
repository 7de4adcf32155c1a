/**
 * `npm run demo:task`: makes the embedded demo's downstream task, deterministically: "which classic is
 * this line from?", a single-sentence classification task in CLUE's TNEWS layout (JSON lines
 * {sentence, label, label_desc} + labels.json), written to public/demo/task/{train,dev}.json.
 *
 * The lines come from the demo corpus's own sources (scripts/demo/poetryCorpus.ts, the chinese-poetry
 * package), four works with distinct styles: 诗经 (Book of Songs), 楚辞 (Songs of Chu), 唐詩三百首
 * (Tang poems) and the Confucian prose of 论语 / 孟子. Dev lines come from documents that give no
 * train line; 40 train lines per work, so that what a model brings from pre-training shows. The demo teacher was pre-trained on all of these texts, so this measures what the
 * demo models can learn, not a CLUE score.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/random/rng.ts';
import { buildPoetryCorpus } from './demo/poetryCorpus.ts';

const OUT = join('public', 'demo', 'task');
const LABELS = [
  { label: 'shijing', label_desc: '诗经', files: ['shijing/shijing.json'] },
  { label: 'chuci', label_desc: '楚辞', files: ['chuci/chuci.json'] },
  { label: 'tangshi', label_desc: '唐詩三百首', files: ['mengxue/tangshisanbaishou.json'] },
  { label: 'rujia', label_desc: '论语 / 孟子', files: ['lunyu/lunyu.json', 'sishuwujing/mengzi.json'] },
];
const TRAIN_PER_LABEL = 40;
const DEV_PER_LABEL = 60;

const { text, stats } = buildPoetryCorpus();
const documents = text.split('\n\n').map((d) => d.split('\n').filter((l) => l.length >= 8));
// documents come in the order of the sources, stats[i].documents of each
const sourceOf: string[] = stats.flatMap((s) => Array<string>(s.documents).fill(s.file));
if (sourceOf.length !== documents.length)
  throw new Error(`demo-task: ${documents.length} documents, stats say ${sourceOf.length}`);

const rng = new Rng(20201201);
const train: string[] = [];
const dev: string[] = [];
for (const l of LABELS) {
  const docs = rng.shuffle(documents.filter((_, i) => l.files.includes(sourceOf[i])));
  const row = (sentence: string) => JSON.stringify({ sentence, label: l.label, label_desc: l.label_desc });
  // dev from the first documents of the shuffled order until it has enough lines, train from the rest
  const devLines: string[] = [];
  let d = 0;
  while (devLines.length < DEV_PER_LABEL && d < docs.length) devLines.push(...docs[d++]);
  const trainLines = rng.shuffle(docs.slice(d).flat());
  if (trainLines.length < TRAIN_PER_LABEL)
    throw new Error(`demo-task: only ${trainLines.length} train lines for ${l.label}`);
  dev.push(...rng.shuffle(devLines).slice(0, DEV_PER_LABEL).map(row));
  train.push(...trainLines.slice(0, TRAIN_PER_LABEL).map(row));
}
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'train.json'), `${rng.shuffle(train).join('\n')}\n`);
writeFileSync(join(OUT, 'dev.json'), `${rng.shuffle(dev).join('\n')}\n`);
writeFileSync(
  join(OUT, 'labels.json'),
  `${LABELS.map(({ label, label_desc }) => JSON.stringify({ label, label_desc })).join('\n')}\n`,
);
console.log(
  `demo-task: ${train.length} train and ${dev.length} dev lines in ${OUT} (${LABELS.map((l) => l.label).join(', ')})`,
);
