/**
 * "Try the demo": one store action that chains the workbench's own actions on
 * the embedded demo (public/demo: a Chinese corpus and a small teacher),
 * fetched from the page's own origin: add the corpus, load the teacher, choose
 * a 3-layer student, build whole-word-masked examples, run the teacher pass
 * and start distilling. It only steers: the workers do the work, each stage
 * shows its progress through the entries it creates. Pressing it again finds
 * what an earlier press stored (matched by the files' content) and carries on
 * from there instead of making copies.
 */
import { storeOf } from '../contract/storageLayout.ts';
import { addCorpusFiles } from './corpora.ts';
import { buildExamples, setExampleOptions } from './examples.ts';
import { addModelFiles, selectTeacher, setStudentSpec } from './models.ts';
import { trainingBlocker } from './jobGuards.ts';
import { createRun, driveRun, resumeRun, setRunConfig } from './runs.ts';
import { type DemoStage, type DemoState, type ExampleSetEntry, isActive, useApp, waitForState } from './state.ts';
import { setTeacherForm, startTeacherPass } from './teacherPass.ts';
import {
  contentKey,
  corpusCut,
  DEMO_CORPUS_NAME,
  demoEstimateSeconds,
  demoOptions,
  demoRunConfig,
  demoSettingsForSpeed,
  demoSettingsFromSearch,
  demoStudentSpec,
  sameOptions,
  type DemoSettings,
  type DemoSpeed,
} from './demoPlan.ts';
import type { AppState } from './state.ts';
import { describeError } from './errors.ts';
import { measuredRate } from './estimates.ts';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';

const TEACHER_FILES = ['config.json', 'vocab.txt', 'model.safetensors'] as const;
/** Key in the meta store: the content keys of the demo's corpus and teacher, and the ids they were stored under. */
const RECORD_KEY = 'demo';

interface DemoRecord {
  corpusKey?: string;
  corpusId?: string;
  teacherKey?: string;
  modelId?: string;
}

function setDemo(p: Partial<DemoState>): void {
  useApp.setState((s) => ({ demo: { ...s.demo, ...p } }));
}

/** Fetches one demo file from the page's origin, counting bytes into `onBytes`. */
async function fetchFile(url: string, shown: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (err) {
    throw new Error(`${shown}: could not be fetched from this page's server (${describeError(err)})`);
  }
  if (!res.ok)
    throw new Error(
      `${shown}: the server answered HTTP ${res.status} ${res.statusText}; the demo files are missing from this build`,
    );
  // Static servers and Vite answer a missing file with the page itself.
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    throw new Error(
      `${shown}: not found on this page's server (it answered with a web page); the demo files are missing from this build`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) {
    const all = new Uint8Array(await res.arrayBuffer());
    onBytes(all.length);
    return all;
  }
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    onBytes(value.length);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  if (size === 0) throw new Error(`${shown}: the file is empty`);
  return out;
}

interface DemoFiles {
  corpus: File;
  corpusKey: string;
  teacher: File[];
  teacherKey: string;
}

async function fetchDemoFiles(settings: DemoSettings): Promise<DemoFiles> {
  const base = `${import.meta.env.BASE_URL}${settings.dir}`;
  const paths = ['corpus.txt', ...TEACHER_FILES.map((f) => `teacher/${f}`)];
  // Sizes first (HEAD is cheap), so the progress bar has a total; a server without lengths shows bytes only.
  let total = 0;
  await Promise.all(
    paths.map(async (p) => {
      const r = await fetch(base + p, { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
      total += Number(r?.headers.get('content-length') ?? 0) || 0;
    }),
  );
  let done = 0;
  setDemo({ fetched: { done, total } });
  const onBytes = (n: number) => {
    done += n;
    setDemo({ fetched: { done, total: Math.max(total, done) } });
  };
  const shown = (p: string) => `${base}${p}`;
  const corpusBytes = await fetchFile(base + 'corpus.txt', shown('corpus.txt'), onBytes);
  const teacherBytes: Uint8Array[] = [];
  for (const f of TEACHER_FILES)
    teacherBytes.push(await fetchFile(`${base}teacher/${f}`, shown(`teacher/${f}`), onBytes));
  const cut = corpusCut(corpusBytes, Math.round(settings.corpusKB * 1024));
  const corpusPart = corpusBytes.subarray(0, cut);
  return {
    corpus: new File([corpusPart as BlobPart], DEMO_CORPUS_NAME, { type: 'text/plain' }),
    corpusKey: contentKey([corpusPart]),
    teacher: TEACHER_FILES.map((f, i) => new File([teacherBytes[i] as BlobPart], f)),
    teacherKey: contentKey(teacherBytes),
  };
}

async function readRecord(): Promise<DemoRecord> {
  try {
    return ((await storeOf('meta').get(RECORD_KEY)) as DemoRecord | undefined) ?? {};
  } catch {
    return {};
  }
}

async function writeRecord(r: DemoRecord): Promise<void> {
  await storeOf('meta').set(RECORD_KEY, r);
}

let inFlight: Promise<void> | null = null;

/** The training worker's measured speed: the probe's model-step GFLOP/s on the backend it uses (null before it reports, or unmeasured). */
export function demoSpeed(s: Pick<AppState, 'backends'>): DemoSpeed | null {
  const r = measuredRate(s, 'train');
  return r?.probeGflops ? { backend: r.backend, stepGflops: r.probeGflops } : null;
}

/** What the demo will run here, sized from the measured speed (and the page's URL parameters), and how long it should take. */
export function demoPlan(
  s: Pick<AppState, 'backends'>,
  search: string,
): { settings: DemoSettings; speed: DemoSpeed | null; estimateSeconds: number | null } {
  const speed = demoSpeed(s);
  const settings = demoSettingsFromSearch(search, demoSettingsForSpeed(speed));
  return { settings, speed, estimateSeconds: speed ? demoEstimateSeconds(settings, speed) : null };
}

/**
 * Runs the demo end to end, or carries on from what an earlier press stored; resolves once
 * the demo run is training (or the first failing stage's error is shown next to the button).
 * Settings come from the defaults and the page's URL parameters (demo_kb, demo_steps, ...).
 */
export function runDemo(settings?: DemoSettings): Promise<void> {
  if (!inFlight) {
    inFlight = runDemoOnce(settings).finally(() => {
      inFlight = null;
    });
  }
  return inFlight;
}

async function runDemoOnce(given?: DemoSettings): Promise<void> {
  const reused: DemoStage[] = [];
  let stage: DemoStage = 'fetch';
  const enter = (s: DemoStage) => {
    stage = s;
    setDemo({ stage: s, reused: [...reused] });
  };
  setDemo({
    status: 'working',
    stage,
    error: null,
    fetched: null,
    reused: [],
    note: undefined,
    startedAt: Date.now(),
    corpusId: undefined,
    modelId: undefined,
    exampleSetId: undefined,
    cacheId: undefined,
    runId: undefined,
  });
  try {
    const settings = given ?? demoPlan(useApp.getState(), location.search).settings;
    const files = await fetchDemoFiles(settings);
    const record = await readRecord();
    const s0 = useApp.getState();

    // The corpus: the one stored for the same content, or a new entry.
    enter('corpus');
    // (matched by content: the one the record names, or any corpus read from the same bytes)
    let corpusId =
      (record.corpusKey === files.corpusKey && s0.corpora.some((c) => c.id === record.corpusId && c.status === 'ready')
        ? record.corpusId
        : undefined) ?? s0.corpora.find((c) => c.status === 'ready' && c.stats?.contentKey === files.corpusKey)?.id;
    if (corpusId) reused.push('corpus');
    else {
      const [id] = await addCorpusFiles([files.corpus], 'demo');
      if (!id) throw new Error(useApp.getState().dropError ?? 'the demo corpus could not be added');
      corpusId = id;
      await writeRecord({ ...record, corpusKey: files.corpusKey, corpusId });
    }
    setDemo({ corpusId });
    const corpus = await waitForState((s) => {
      const c = s.corpora.find((e) => e.id === corpusId);
      return c
        ? c.status !== 'reading'
          ? c
          : null
        : { status: 'error' as const, error: 'the demo corpus was removed' };
    });
    if (corpus.status === 'error') throw new Error(corpus.error ?? 'the demo corpus could not be read');

    // The teacher.
    enter('teacher');
    let modelId =
      record.teacherKey === files.teacherKey &&
      useApp.getState().models.some((m) => m.id === record.modelId && m.status === 'ready')
        ? record.modelId
        : undefined;
    if (modelId) reused.push('teacher');
    else {
      const id = await addModelFiles(files.teacher, 'demo teacher');
      const m = useApp.getState().models.find((e) => e.id === id);
      if (!id || !m || m.status !== 'ready') throw new Error(`demo teacher: ${m?.error ?? 'could not be loaded'}`);
      modelId = id;
      await writeRecord({ corpusKey: files.corpusKey, corpusId, teacherKey: files.teacherKey, modelId });
    }
    setDemo({ modelId });
    const model = useApp.getState().models.find((m) => m.id === modelId)!;
    if (!model.info?.hasMlmHead)
      throw new Error('demo teacher: its checkpoint has no masked-LM head, so it cannot be a teacher');

    // The 3-layer student: set before the teacher is selected, so the student shown is the demo's.
    enter('student');
    const spec = demoStudentSpec(model.info.config, settings.student);
    useApp.setState({ studentSpec: spec });
    selectTeacher(modelId);
    await setStudentSpec(spec);
    const studentError = useApp.getState().studentError;
    if (studentError) throw new Error(`demo student: ${studentError}`);

    // Examples: a finished set of this corpus (by content, so also one built before the demo
    // corpus was removed and added again), vocabulary and options, or a new one.
    enter('examples');
    const options = demoOptions(PRETRAINING_DEFAULTS);
    setExampleOptions(options);
    const sets = useApp.getState().exampleSets;
    const fromDemoCorpus = (e: ExampleSetEntry) =>
      e.sources?.length === 1 && e.sources[0].contentKey
        ? e.sources[0].contentKey === files.corpusKey
        : e.corpusIds.length === 1 && e.corpusIds[0] === corpusId;
    let exampleSetId = [...sets]
      .reverse()
      .find(
        (e) =>
          e.status === 'ready' &&
          e.vocabModelId === modelId &&
          !e.maxExamples &&
          fromDemoCorpus(e) &&
          sameOptions(e.options, options),
      )?.id;
    if (exampleSetId) {
      reused.push('examples');
      setDemo({ exampleSetId });
    } else {
      const known = new Set(sets.map((e) => e.id));
      const building = buildExamples([corpusId!]);
      // Show the set's progress while it builds: its id is the new entry's.
      const id = await Promise.race([building, waitForState((s) => s.exampleSets.find((e) => !known.has(e.id))?.id)]);
      setDemo({ exampleSetId: id });
      exampleSetId = await building;
      setDemo({ exampleSetId });
      const e = useApp.getState().exampleSets.find((x) => x.id === exampleSetId);
      if (e?.status !== 'ready')
        throw new Error(`demo examples: ${e?.error ?? `the set ended ${e?.status ?? 'missing'}`}`);
      if (e.count < 2)
        throw new Error(`demo examples: only ${e.count} examples were built from the demo corpus; need at least 2`);
    }

    // The teacher pass: a finished cache, a stopped one continued, or a new one.
    enter('teacherPass');
    // The Teacher pass form shows the demo's settings (and keeps them after a reload).
    setTeacherForm({ k: settings.k, batchSize: settings.predictBatch });
    const caches = useApp
      .getState()
      .teacherCaches.filter((c) => c.modelId === modelId && c.exampleSetId === exampleSetId && c.k === settings.k);
    const ready = caches.find((c) => c.status === 'ready' && c.ref);
    let cacheId: string;
    if (ready) {
      cacheId = ready.id;
      reused.push('teacherPass');
      setDemo({ cacheId });
    } else {
      const known = new Set(useApp.getState().teacherCaches.map((c) => c.id));
      const going = caches.find((c) => isActive(c.status));
      const resumable = caches.find(
        (c) => c.status === 'interrupted' || c.status === 'stopped' || c.status === 'error',
      );
      if (going) {
        cacheId = going.id;
        setDemo({ cacheId });
        await waitForState((s) => {
          const c = s.teacherCaches.find((x) => x.id === cacheId);
          return !c || !isActive(c.status);
        });
      } else {
        const passing = startTeacherPass(exampleSetId, settings.k, settings.predictBatch, resumable?.id);
        const id =
          resumable?.id ??
          (await Promise.race([passing, waitForState((s) => s.teacherCaches.find((c) => !known.has(c.id))?.id)]));
        setDemo({ cacheId: id });
        cacheId = await passing;
      }
      setDemo({ cacheId });
      const c = useApp.getState().teacherCaches.find((x) => x.id === cacheId);
      if (c?.status !== 'ready')
        throw new Error(`demo teacher pass: ${c?.error ?? `it ended ${c?.status ?? 'missing'}`}`);
    }

    // Training: a run of this student on this cache that is going, or one to resume, or a new one.
    enter('training');
    const runs = useApp
      .getState()
      .runs.filter((r) => r.cacheId === cacheId && JSON.stringify(r.student) === JSON.stringify(spec));
    const live = runs.find((r) => isActive(r.status));
    const resumable = [...runs]
      .reverse()
      .find((r) => r.status === 'interrupted' || r.status === 'stopped' || r.status === 'error');
    const finished = [...runs].reverse().find((r) => r.status === 'ready');
    let note: string | undefined;
    if (live) {
      setDemo({ runId: live.id });
      reused.push('training');
      note = `${live.name} is already training on the demo.`;
    } else if (trainingBlocker(useApp.getState(), resumable?.id)) {
      throw new Error(`cannot start: ${trainingBlocker(useApp.getState(), resumable?.id)}`);
    } else if (resumable) {
      setDemo({ runId: resumable.id });
      reused.push('training');
      note = `continuing ${resumable.name} from its last checkpoint.`;
      void resumeRun(resumable.id);
    } else if (finished) {
      setDemo({ runId: finished.id });
      reused.push('training');
      note = `${finished.name} already finished the demo: its curves are in Charts (start another run in Training).`;
    } else {
      setRunConfig(demoRunConfig(settings));
      const runId = createRun(cacheId);
      setDemo({ runId });
      void driveRun(runId, false);
    }
    const what = reused.filter((r) => r !== 'training');
    setDemo({
      status: 'training',
      reused: [...reused],
      note:
        [what.length ? `Reused the stored ${what.map(stageLabel).join(', ')}.` : '', note ?? '']
          .filter(Boolean)
          .join(' ') || undefined,
    });
  } catch (err) {
    setDemo({ status: 'error', error: `${stageLabel(stage)}: ${describeError(err)}`, reused: [...reused] });
  }
}

export function stageLabel(s: DemoStage): string {
  switch (s) {
    case 'fetch':
      return 'fetching the demo files';
    case 'corpus':
      return 'corpus';
    case 'teacher':
      return 'teacher';
    case 'student':
      return 'student';
    case 'examples':
      return 'examples';
    case 'teacherPass':
      return 'teacher pass';
    case 'training':
      return 'training';
  }
}
