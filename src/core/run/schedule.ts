/**
 * BERT's learning-rate schedule: linear warmup from 0 over num_warmup_steps,
 * then linear decay to 0 at num_train_steps. `step` is the 0-based count of
 * updates already applied, as BERT's global_step (so step 0 has rate 0 when
 * there is a warmup, exactly as in BERT).
 */
export interface ScheduleConfig {
  learningRate: number;
  numWarmupSteps: number;
  numTrainSteps: number;
}

export function learningRateAt(step: number, cfg: ScheduleConfig): number {
  const { learningRate, numWarmupSteps, numTrainSteps } = cfg;
  if (numWarmupSteps > 0 && step < numWarmupSteps) return (learningRate * step) / numWarmupSteps;
  const decayed = learningRate * (1 - Math.min(step, numTrainSteps) / numTrainSteps);
  return Math.max(0, decayed);
}
