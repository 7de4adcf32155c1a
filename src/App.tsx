/**
 * The workbench page, a dashboard: the header; then the steps (the "Try the demo" button and one
 * section per step of a distillation) beside the live pane, which keeps the running job's progress
 * and the live loss chart in view (on a narrow window: one column, the live pane pinned below).
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
      <div className="dashboard">
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
          <main>
            <CorpusPanel />
            <ModelsPanel />
            <ExamplesPanel />
            <TeacherPanel />
            <TrainingPanel />
            <ChartsPanel />
            <PredictionsPanel />
            <DownloadsPanel />
            <EvaluatePanel />
          </main>
        </div>
        <LivePane />
      </div>
    </div>
  );
}
