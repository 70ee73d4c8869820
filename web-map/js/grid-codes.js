// Codes for new grids (GB/T 30428 style): a parent's code plus a three-digit
// serial, one past the highest serial among the parent's children.

export function nextChildCode(parentCode, childCodes) {
  const serials = childCodes.filter((code) => code.startsWith(parentCode) && code.length === parentCode.length + 3)
    .map((code) => Number(code.slice(parentCode.length))).filter(Number.isFinite);
  return `${parentCode}${String(Math.max(0, ...serials) + 1).padStart(3, '0')}`;
}
