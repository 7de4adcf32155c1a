/** The estimate beside "Start training": steps, passes over the data, evaluations and time at the measured rate. */
import { useMemo } from 'react';
import { rateMissing, trainingEstimate } from '../store/estimates.ts';
import { useApp } from '../store/state.ts';
import { CostEstimate, timeText } from './CostEstimate.tsx';
import { formatCount } from './format.ts';

export function TrainingEstimate(props: { cacheId: string }) {
  const state = useApp();
  const e = useMemo(() => trainingEstimate(state, props.cacheId, state.runConfig), [state, props.cacheId]);
  if (!e) return null;
  return (
    <CostEstimate
      testId="training-estimate"
      title="Estimate for this run"
      warnings={e.warnings}
      rows={[
        [
          'training',
          `${formatCount(e.steps)} steps of ${formatCount(e.examplesPerStep)} examples (${e.epochs.toFixed(e.epochs < 10 ? 1 : 0)} passes over the training examples)`,
        ],
        ['evaluations', `${formatCount(e.evaluations)} on ${formatCount(e.heldOut)} held-out examples`],
        ['time', timeText(e.seconds, e.rate, rateMissing(state, 'train'))],
      ]}
    />
  );
}
