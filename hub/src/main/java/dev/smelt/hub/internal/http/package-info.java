/**
 * The Hub HTTP layer: requests with the bearer token for the endpoint's host only, redirects followed by hand,
 * retries with backoff, and the Hub's error responses turned into one-line messages.
 */
package dev.smelt.hub.internal.http;
