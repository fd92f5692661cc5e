/**
 * A fake Hugging Face Hub for tests: an HTTP server with repositories, revisions, LFS files, injected faults and a
 * request log.
 */
package dev.smelt.testkit.hub;
