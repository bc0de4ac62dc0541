export { normaliseEvent, TriggerError, type NormalisedUnit, type NormaliseOptions } from './normalise.js';
export { skipReason } from './skip.js';
export { keyDate } from './keyDate.js';
export { decodeNotificationKey } from './decodeKey.js';
