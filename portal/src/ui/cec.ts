// The CEC a stretch of education is worth, as the rules count it: contact
// minutes less breaks, in hours, rounded down to the half. Shown as people type;
// the server computes it again and its figure is the one that counts.
export function cecFor(contactMinutes: number, breakMinutes: number): number {
  const minutes = Math.max(0, (contactMinutes || 0) - (breakMinutes || 0));
  return Math.floor((minutes / 60) * 2) / 2;
}
