/**
 * Python's str.strip(): Google BERT and the seed strip every corpus line with it.
 * Its whitespace differs from JavaScript's trim(): Python also strips \x1c-\x1f and
 * \x85, and does not strip U+FEFF.
 */

const PY_SPACE = new Uint8Array(0x3001);
for (const c of [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]) {
  PY_SPACE[c] = 1;
}

/** True for the characters Python's str.isspace() accepts. */
export function isPythonSpace(code: number): boolean {
  return code <= 0x3000 && PY_SPACE[code] === 1;
}

/** Python's `s.strip()`. */
export function pythonStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPythonSpace(s.charCodeAt(a))) a++;
  while (b > a && isPythonSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
