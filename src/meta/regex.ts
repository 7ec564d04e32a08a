// Limits on the regular expressions users write (smoke-test patterns, type=match tag rules): one rule,
// shared by the config checks and the tag rule parser.

/**
 * JavaScript's regular expressions backtrack; a quantified group that itself holds a quantifier — (a+)+,
 * (\w*)*, (x|x?)+ — can take exponential time on a hostile input. Such patterns are refused (a limit, not
 * a proof: other slow patterns exist, and every input the checks match is bounded in size).
 */
export function backtrackingRisk(source: string): string | undefined {
  // Strip escapes and character classes, which hold no groups or quantifiers of their own.
  const plain = source.replace(/\\./g, 'x').replace(/\[(?:\\.|[^\]])*\]/g, 'x');
  const stack: { quantified: boolean }[] = [{ quantified: false }];
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i];
    if (c === '(') stack.push({ quantified: false });
    else if (c === ')') {
      const inner = stack.pop() ?? { quantified: false };
      const next = plain[i + 1];
      const outerQuantified = next === '*' || next === '+' || next === '{';
      if (inner.quantified && outerQuantified) return 'has a quantifier inside a quantified group';
      if (inner.quantified && stack.length > 0) stack[stack.length - 1].quantified = true;
    } else if ((c === '*' || c === '+' || c === '{') && stack.length > 0) stack[stack.length - 1].quantified = true;
  }
  return undefined;
}
