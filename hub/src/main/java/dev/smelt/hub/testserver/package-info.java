/**
 * A loopback fake Hugging Face Hub (repositories, revisions, LFS, injected faults, request log) used by tests and
 * by {@code smelt bench pull}.
 */
package dev.smelt.hub.testserver;
