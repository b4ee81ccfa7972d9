/** "Did you mean ...?" for unknown flag, environment and config-file names. */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two adjacent characters
 * (optimal string alignment): `secrue` is one edit from `secure`, the typo people actually make.
 */
export function levenshtein(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const up = rows[i - 1]!;
      let best = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name closest to `name`, or null when even the closest is too different to be a plausible typo
 * (more than 40% of the name's length, at least 2 edits allowed): a wild guess helps nobody.
 */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const wanted = name.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(wanted.length * 0.4));
  return bestDistance <= allowed ? best : null;
}
