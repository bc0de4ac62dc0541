/**
 * The principal naming the query module shares with the document builders (src/documents/actor.ts):
 * `actors` names the principals of every document, older ones without `ct.actor` included, from the
 * same userIdentity fields.
 */
export { ACTOR_FIELDS, actorOf, type Actor, type ActorType, type IdentityFacts } from '../documents/actor.js';
