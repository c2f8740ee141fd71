// Splits a query of the query language into pieces for highlighting: fields, operators,
// values, parentheses, ranges. Mirrors the server's tokenizer closely enough to colour text;
// the server remains the judge of what is valid and says at which column it is not.
export type Piece = { text: string; kind: 'field' | 'op' | 'value' | 'paren' | 'space' | 'error'; col: number }

const OPS = new Set(['AND', 'OR', 'NOT'])

export function highlight(q: string, errorColumn?: number): Piece[] {
  const out: Piece[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]
    const col = i + 1
    if (c === ' ' || c === '\t') {
      let j = i
      while (j < q.length && (q[j] === ' ' || q[j] === '\t')) j++
      out.push({ text: q.slice(i, j), kind: 'space', col })
      i = j
    } else if (c === '(' || c === ')') {
      out.push({ text: c, kind: 'paren', col })
      i++
    } else if (c === '"') {
      let j = i + 1
      while (j < q.length && q[j] !== '"') j += q[j] === '\\' ? 2 : 1
      j = Math.min(j + 1, q.length)
      out.push({ text: q.slice(i, j), kind: 'value', col })
      i = j
    } else if (c === '[' || c === '{') {
      let j = i + 1
      while (j < q.length && q[j] !== ']' && q[j] !== '}') j++
      j = Math.min(j + 1, q.length)
      out.push({ text: q.slice(i, j), kind: 'value', col })
      i = j
    } else {
      let j = i
      while (j < q.length && !' \t()"'.includes(q[j])) j++
      const word = q.slice(i, j)
      const colon = word.indexOf(':')
      // field:[a TO b], field:{a TO b], field:"quoted": the field, then the value as its own piece.
      if (colon > 0 && ('[{'.includes(word[colon + 1] ?? '') || (colon === word.length - 1 && q[j] === '"'))) {
        out.push({ text: word.slice(0, colon + 1), kind: 'field', col })
        i += colon + 1
        continue
      }
      if (OPS.has(word) || word === '-') out.push({ text: word, kind: 'op', col })
      else if (colon > 0) {
        out.push({ text: word.slice(0, colon + 1), kind: 'field', col })
        if (colon + 1 < word.length) out.push({ text: word.slice(colon + 1), kind: 'value', col: col + colon + 1 })
      } else out.push({ text: word, kind: 'value', col })
      i = j
    }
  }
  if (errorColumn && errorColumn > 0) {
    // Mark the piece that holds the column the server named (or the end).
    let marked = false
    for (const p of out)
      if (errorColumn >= p.col && errorColumn < p.col + p.text.length) {
        p.kind = 'error'
        marked = true
      }
    if (!marked) out.push({ text: ' ', kind: 'error', col: q.length + 1 })
  }
  return out
}

// Time range presets -> the server's relative times.
export const ranges: Record<string, string> = { '15m': 'now-15m', '1h': 'now-1h', '24h': 'now-24h', '7d': 'now-7d' }
