// Deadline traffic light of DESIGN §5: the allowed time counts from dispatch;
// green below 80 % used, yellow 80–100 %, red beyond. Finished cases have none.

export const finishedStates = new Set(['closed', 'verified', 'voided']);

function parseTime(value) {
  if (typeof value === 'number') return value * 1000;  // model::Timestamp seconds
  const millis = Date.parse(value || '');
  return Number.isFinite(millis) ? millis : null;
}

export function trafficLight(properties, nowMillis = Date.now()) {
  if (finishedStates.has(properties.state)) return null;
  const dispatched = parseTime(properties.dispatched_at);
  const deadline = parseTime(properties.deadline);
  if (dispatched === null || deadline === null) return null;
  if (deadline <= dispatched) return nowMillis < deadline ? 'green' : 'red';
  const used = (nowMillis - dispatched) / (deadline - dispatched);
  if (used < 0.8) return 'green';
  return used <= 1 ? 'yellow' : 'red';
}

// Adds `light` to each incident so the style can colour by it, unless the
// server sent one: its clock also knows suspensions and extensions (workflow
// history), which this estimate from dispatch and deadline alone does not.
export function withTrafficLights(collection, nowMillis = Date.now()) {
  for (const feature of collection.features) {
    feature.properties ??= {};
    if (feature.properties.light) continue;
    const light = trafficLight(feature.properties, nowMillis);
    if (light) feature.properties.light = light;
  }
  return collection;
}
