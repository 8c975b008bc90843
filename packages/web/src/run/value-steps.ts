/**
 * The run page's chosen step per rich value key, kept in the URL as `vstep.<key>=<step>`
 * (one parameter a key, so any key, `/` and `,` included, round-trips), so a link or a
 * reload shows the same steps. Keys without one show their last step.
 */
const PREFIX = 'vstep.'

export type ValueSteps = ReadonlyMap<string, number>

export function parseValueSteps(params: URLSearchParams): ValueSteps {
  const steps = new Map<string, number>()
  for (const [name, value] of params) {
    if (!name.startsWith(PREFIX) || !/^(0|[1-9][0-9]{0,15})$/.test(value)) continue
    const step = Number(value)
    if (Number.isSafeInteger(step)) steps.set(name.slice(PREFIX.length), step)
  }
  return steps
}

export function valueStepParams(steps: ValueSteps): Record<string, string> {
  return Object.fromEntries([...steps].map(([key, step]) => [`${PREFIX}${key}`, String(step)]))
}
