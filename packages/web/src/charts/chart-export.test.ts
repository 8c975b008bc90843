import { describe, expect, it } from 'vitest'
import { exportName, pointsCsv } from './chart-export'

describe('pointsCsv', () => {
  it('writes one row per run and step, NaN and infinities as such, names quoted where needed', () => {
    const t0 = Date.UTC(2025, 10, 25, 19, 40, 0, 123)
    const csv = pointsCsv([
      { id: 'r1', name: 'lr=0.1, warm', steps: [0, 10], times: [t0, t0 + 1000], values: [0.5, 'NaN'] },
      { id: 'r2', name: 'say "hi"', steps: [5], times: [t0], values: ['-Infinity'] },
    ])
    expect(csv).toBe(
      [
        'run_id,run_name,step,time,value',
        'r1,"lr=0.1, warm",0,2025-11-25T19:40:00.123Z,0.5',
        'r1,"lr=0.1, warm",10,2025-11-25T19:40:01.123Z,NaN',
        'r2,"say ""hi""",5,2025-11-25T19:40:00.123Z,-Infinity',
        '',
      ].join('\n'),
    )
  })

  it('is only the header when no run has a point in range', () => {
    expect(pointsCsv([{ id: 'r1', name: 'a', steps: [], times: [], values: [] }])).toBe('run_id,run_name,step,time,value\n')
  })
})

describe('exportName', () => {
  it('names the file by project and metric key, slashes replaced', () => {
    expect(exportName('demo', 'train/loss', 'csv')).toBe('demo-train_loss.csv')
    expect(exportName('my project', 'eval/acc@1', 'png')).toBe('my_project-eval_acc@1.png')
  })
})
