/** A run's evaluation as the researcher reads it: each rate with its 95% interval, what it was measured on, and a plain warning when that is too little. */
import type { EvalPoint } from '../contract/jobs.ts';
import { heldOutSizeText, rateText } from './scoreText.ts';

export function HeldOutScores(props: { point: EvalPoint; testId?: string }) {
  const e = props.point;
  return (
    <span
      data-testid={props.testId ?? 'held-out-scores'}
      data-step={e.step}
      data-positions={e.positions ?? ''}
      data-examples={e.examples ?? ''}
      data-agreement={e.teacherAgreement}
      data-agreement-low={e.teacherAgreementInterval?.low ?? ''}
      data-agreement-high={e.teacherAgreementInterval?.high ?? ''}
    >
      teacher agreement {rateText(e.teacherAgreement, e.teacherAgreementInterval)} · gold accuracy{' '}
      {rateText(e.goldAccuracy, e.goldAccuracyInterval)} · top-5 overlap {rateText(e.top5Overlap)}{' '}
      {heldOutSizeText(e.positions, e.examples)}
      {e.sizeWarning && (
        <strong className="warning" data-testid="held-out-warning">
          {' '}
          ({e.sizeWarning})
        </strong>
      )}
    </span>
  );
}
