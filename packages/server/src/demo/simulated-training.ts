/**
 * Metrics that look like an image classifier training, for the demo project: a noisy loss
 * that decays to a floor, accuracy that follows it, a warmup-then-cosine (or step) learning
 * rate, the epoch (fractional, so charts can use it as x), validation every 100 steps, and
 * system metrics every 10. Deterministic per seed, so
 * the demo looks the same every time.
 */

export interface TrainingSetup {
  name: string
  group: string
  tags: string[]
  config: { lr: number; batch_size: number; optimizer: 'adam' | 'adamw' | 'sgd'; weight_decay: number; epochs: number; seed: number }
  /** Steps the schedule is planned for. */
  steps: number
  /** How fast the loss falls (1 = baseline) and where it levels off. */
  speed: number
  floor: number
  /** Extra noise, and the chance of a loss spike on a step (too high a learning rate). */
  noise: number
  spikes: number
  /** Validation loss turns up after this fraction of training (overfitting), if set. */
  overfitFrom?: number
}

/** A deterministic pseudo-random generator (LCG) with Gaussian draws. */
export function rng(seed: number): { uniform: () => number; gaussian: () => number } {
  let s = seed >>> 0 || 1
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return (s + 0.5) / 2 ** 32
  }
  const gaussian = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
  return { uniform, gaussian }
}

/** The learning rate at a step: linear warmup over 100 steps, then cosine (adam*) or ×0.1 at 50% and 75% (sgd). */
export function learningRate(setup: TrainingSetup, step: number): number {
  const { lr, optimizer } = setup.config
  const warmup = Math.min(1, (step + 1) / 100)
  const progress = step / setup.steps
  if (optimizer === 'sgd') return lr * warmup * (progress < 0.5 ? 1 : progress < 0.75 ? 0.1 : 0.01)
  return lr * warmup * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)))
}

/** One training process: call `step(i)` for i = 0, 1, 2, … to get what it logs at that step. */
export function simulate(setup: TrainingSetup): (step: number) => Record<string, number> {
  const random = rng(setup.config.seed)
  let memory = 6 + setup.config.batch_size / 64
  return (step) => {
    const progress = step / setup.steps
    const clean = setup.floor + (2.3 - setup.floor) * Math.exp(-4.5 * setup.speed * progress)
    const spike = random.uniform() < setup.spikes ? 0.6 + random.uniform() : 0
    const loss = Math.max(0.01, clean * (1 + (0.06 + setup.noise) * random.gaussian()) + spike)
    const acc = Math.min(0.999, Math.max(0.05, 1 - clean / 2.45 + 0.015 * random.gaussian()))
    const out: Record<string, number> = {
      'train/loss': loss,
      'train/acc': acc,
      'train/lr': learningRate(setup, step),
      // As a data loader counts it: epochs done, planned over the schedule's steps.
      'train/epoch': ((step + 1) * setup.config.epochs) / setup.steps,
    }
    if (step % 100 === 99) {
      const overfit = setup.overfitFrom !== undefined && progress > setup.overfitFrom ? 0.6 * (progress - setup.overfitFrom) : 0
      out['val/loss'] = clean * 1.08 + overfit + 0.01 * random.gaussian()
      out['val/acc'] = Math.min(0.995, Math.max(0.05, acc - 0.012 - overfit / 4 + 0.004 * random.gaussian()))
    }
    if (step % 10 === 0) {
      memory = Math.min(memory + 0.0004 * random.uniform(), 30)
      out['system/cpu_percent'] = Math.min(100, 72 + 8 * random.gaussian())
      out['system/memory_gb'] = memory + 0.2 * random.uniform()
      out['system/gpu_util_percent'] = Math.min(100, 93 + 3 * random.gaussian())
      out['system/gpu_memory_gb'] = 4 + setup.config.batch_size / 24 + 0.05 * random.uniform()
    }
    return out
  }
}
