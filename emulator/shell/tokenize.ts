/** Splits shell text into `;`-separated segments of words, honouring single/double quotes and backslashes. */
export type TokenizeResult = { ok: true; segments: string[][] } | { ok: false; error: string };

export function tokenizeShell(text: string): TokenizeResult {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let index = 0;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endSegment = (): void => {
    endWord();
    if (words.length > 0) segments.push(words);
    words = [];
  };
  while (index < text.length) {
    const char = text[index];
    if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close < 0) return { ok: false, error: 'sh: syntax error: unterminated quoted string' };
      word += text.slice(index + 1, close);
      inWord = true;
      index = close + 1;
    } else if (char === '"') {
      index += 1;
      inWord = true;
      let closed = false;
      while (index < text.length) {
        const inner = text[index];
        if (inner === '"') {
          closed = true;
          index += 1;
          break;
        }
        if (inner === '\\' && index + 1 < text.length && '"\\$`'.includes(text[index + 1])) {
          word += text[index + 1];
          index += 2;
        } else {
          word += inner;
          index += 1;
        }
      }
      if (!closed) return { ok: false, error: 'sh: syntax error: unterminated quoted string' };
    } else if (char === '\\' && index + 1 < text.length) {
      word += text[index + 1];
      inWord = true;
      index += 2;
    } else if (char === ';' || char === '\n') {
      endSegment();
      index += 1;
    } else if (char === ' ' || char === '\t') {
      endWord();
      index += 1;
    } else {
      word += char;
      inWord = true;
      index += 1;
    }
  }
  endSegment();
  return { ok: true, segments };
}
