// Codes for new grids (GB/T 30428 style): a parent's code plus a three-digit
// serial, one past the highest serial among the parent's children.

// Base grids take 001…899 and dedicated grids (专属网格) 901…999, each the next after the highest in use.
export function nextChildCode(parentCode, childCodes, {dedicated = false} = {}) {
  const floor = dedicated ? 900 : 0;
  const serials = childCodes.filter((code) => code.startsWith(parentCode) && code.length === parentCode.length + 3)
    .map((code) => Number(code.slice(parentCode.length))).filter((n) => Number.isFinite(n) && (n >= 900) === dedicated);
  return `${parentCode}${String(Math.max(floor, ...serials) + 1).padStart(3, '0')}`;
}
