import { describe, expect, it } from 'vitest'
import { highlight } from '../src/query'

const kinds = (q: string, col?: number) => highlight(q, col).map((p) => `${p.kind}:${p.text}`)

describe('query highlighting', () => {
  it('splits fields, values, operators and parentheses', () => {
    expect(kinds('user.name:root AND NOT (source.ip:10.0.0.0/8 OR x)')).toEqual([
      'field:user.name:', 'value:root', 'space: ', 'op:AND', 'space: ', 'op:NOT', 'space: ', 'paren:(', 'field:source.ip:', 'value:10.0.0.0/8',
      'space: ', 'op:OR', 'space: ', 'value:x', 'paren:)',
    ])
  })

  it('keeps quoted values and ranges whole', () => {
    expect(kinds('message:"Failed password" AND code:[400 TO 499]')).toEqual([
      'field:message:', 'value:"Failed password"', 'space: ', 'op:AND', 'space: ', 'field:code:', 'value:[400 TO 499]',
    ])
  })

  it('marks the piece at the column the server names', () => {
    const p = highlight('host.name:(a', 11)
    expect(p.find((x) => x.kind === 'error')?.text).toBe('(')
    const end = highlight('a AND', 6)
    expect(end[end.length - 1]).toMatchObject({ kind: 'error', col: 6 })
  })

  it('never loses a character, whatever the input', () => {
    for (const q of ['', '"unterminated', '[1 TO', 'a:b:c', '((((', 'x\t\ty', '中文:值 AND 主机:his-01']) {
      expect(highlight(q).map((p) => p.text).join('')).toBe(q)
    }
  })
})
