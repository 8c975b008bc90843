/**
 * What the demo's runs printed and where their code stood: console lines as a training
 * script writes them (progress every 100 steps, a line per epoch, a warning on stderr, the
 * traceback of a failed run) and the git state `init` records.
 */
import type { ConsoleLine, JsonValue } from '@tally/sdk/spool'

const fixed = (v: number | undefined, digits: number): string => (v === undefined ? '–' : v.toFixed(digits))

/** Collects a run's console lines at the times the run would have printed them. */
export class DemoConsole {
  readonly lines: ConsoleLine[] = []

  constructor(
    private readonly name: string,
    private readonly steps: number,
    private readonly epochs: number,
  ) {}

  out(at: number, text: string): void {
    this.lines.push({ stream: 'stdout', at, text })
  }

  err(at: number, text: string): void {
    this.lines.push({ stream: 'stderr', at, text })
  }

  start(at: number, batchSize: number): void {
    this.out(at, `training ${this.name}: ${this.steps} steps, ${this.epochs} epochs, batch size ${batchSize}, device cuda:0`)
    this.err(at, 'UserWarning: The given NumPy array is not writable; PyTorch does not support non-writable tensors.')
  }

  /** The lines printed after `step`, given its metrics. */
  step(at: number, step: number, m: Record<string, number>): void {
    const perEpoch = Math.max(1, Math.round(this.steps / this.epochs))
    if ((step + 1) % 100 === 0) {
      this.out(
        at,
        `step ${step + 1}/${this.steps}  loss ${fixed(m['train/loss'], 4)}  acc ${fixed(m['train/acc'], 4)}  lr ${fixed(m['train/lr'], 6)}`,
      )
    }
    if ((step + 1) % perEpoch === 0) {
      const epoch = Math.round((step + 1) / perEpoch)
      this.out(
        at,
        `epoch ${epoch}/${this.epochs}  loss ${fixed(m['train/loss'], 2)}  val_loss ${fixed(m['val/loss'], 2)}  val_acc ${fixed(m['val/acc'], 3)}`,
      )
    }
  }

  /** A failed run's last words: a Python traceback on stderr. */
  traceback(at: number, error: string): void {
    for (const text of [
      'Traceback (most recent call last):',
      '  File "train.py", line 142, in <module>',
      '    main()',
      '  File "train.py", line 118, in main',
      '    loss = model(batch).loss',
      '  File "torch/nn/modules/module.py", line 1501, in _call_impl',
      '    return forward_call(*args, **kwargs)',
      error,
    ]) {
      this.err(at, text)
    }
  }
}

/** The git state of a demo run: a commit made from the seed, on main, dirty when asked. */
export function demoGit(seed: number, dirty: boolean): { [key: string]: JsonValue } {
  let commit = ''
  let x = (seed * 2654435761) >>> 0
  while (commit.length < 40) {
    x = (x * 1103515245 + 12345) >>> 0
    commit += (x >>> 8).toString(16).padStart(6, '0')
  }
  const git: { [key: string]: JsonValue } = {
    commit: commit.slice(0, 40),
    branch: 'main',
    remote: 'https://github.com/example/tally-demo.git',
    dirty,
  }
  if (dirty) git.diff = DEMO_DIFF
  return git
}

/** What the dirty demo run had not committed: augmentation switched off by hand. */
const DEMO_DIFF = `diff --git a/train.py b/train.py
index 3b18e51..a9c2f07 100644
--- a/train.py
+++ b/train.py
@@ -12,7 +12,7 @@ def loaders(config):
     train = datasets.CIFAR10(root, train=True, download=True)
-    train.transform = augment(config)
+    train.transform = plain()  # try without augmentation
     return DataLoader(train, batch_size=config.batch_size, shuffle=True)
`
