import { TallyError } from '@tally/sdk'
import type { Comparison, Condition } from '../store/store.js'

const PATTERN = /^\s*([^\s<>=!]+)\s*(<=|>=|!=|==|=|<|>)\s*(.*?)\s*$/

/**
 * Parse a filter such as `config.lr > 0.001`, `summary.loss<=0.2`, `status = finished` or
 * `config.optimizer = "adam"`. Values: numbers, true, false, null, or strings (quoted or
 * bare).
 */
export function parseCondition(text: string): Condition {
  const m = PATTERN.exec(text)
  if (!m) {
    throw new TallyError(
      'invalid_query',
      `cannot read the condition ${JSON.stringify(text)}; write it as FIELD OP VALUE, e.g. "config.lr > 0.001" (OP is one of = != < <= > >=)`,
    )
  }
  const [, field = '', rawOp = '', rawValue = ''] = m
  const op = (rawOp === '==' ? '=' : rawOp) as Comparison
  if (rawValue === '') throw new TallyError('invalid_query', `the condition ${JSON.stringify(text)} has no value after ${rawOp}`)
  return { field, op, value: parseValue(rawValue) }
}

function parseValue(raw: string): Condition['value'] {
  if (/^".*"$|^'.*'$/.test(raw)) return raw.slice(1, -1)
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  const n = Number(raw)
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw
}
