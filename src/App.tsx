/**
 * The workbench page, a dashboard: the header; then on the left the "Try the demo" button and the
 * steps that make a student (corpus, models, examples, teacher pass, training), and on the right
 * what they give (charts, predictions, downloads, evaluation) under the live pane, which keeps the
 * running job's progress and the live loss chart in view. On a narrow window: one column in step
 * order, with the live pane pinned to the bottom of the window while something runs.
 */
import { Header } from './ui/Header.tsx';
import { DemoPanel } from './ui/DemoPanel.tsx';
import { CorpusPanel } from './ui/CorpusPanel.tsx';
import { ModelsPanel } from './ui/ModelsPanel.tsx';
import { ExamplesPanel } from './ui/ExamplesPanel.tsx';
import { TeacherPanel } from './ui/TeacherPanel.tsx';
import { TrainingPanel } from './ui/TrainingPanel.tsx';
import { ChartsPanel } from './ui/ChartsPanel.tsx';
import { PredictionsPanel } from './ui/PredictionsPanel.tsx';
import { DownloadsPanel } from './ui/DownloadsPanel.tsx';
import { EvaluatePanel } from './ui/EvaluatePanel.tsx';
import { LivePane } from './ui/LivePane.tsx';
import { useApp } from './store/state.ts';

const STEPS = [
  ['corpus', 'Corpus'],
  ['models', 'Models'],
  ['examples', 'Examples'],
  ['teacher', 'Teacher pass'],
  ['training', 'Training'],
  ['charts', 'Charts'],
  ['predictions', 'Predictions'],
  ['downloads', 'Downloads'],
  ['evaluate', 'Evaluate'],
] as const;

export function App() {
  const restored = useApp((s) => s.restored);
  return (
    <div className="app" data-testid="app" data-restored={restored ? 'yes' : 'no'}>
      <Header />
      <main className="dashboard">
        <div className="steps">
          <DemoPanel />
          <nav aria-label="Steps">
            <ol>
              {STEPS.map(([id, title]) => (
                <li key={id}>
                  <a href={`#${id}`}>{title}</a>
                </li>
              ))}
            </ol>
          </nav>
          <CorpusPanel />
          <ModelsPanel />
          <ExamplesPanel />
          <TeacherPanel />
          <TrainingPanel />
        </div>
        <div className="side">
          <LivePane />
          <ChartsPanel />
          <PredictionsPanel />
          <DownloadsPanel />
          <EvaluatePanel />
        </div>
      </main>
    </div>
  );
}
