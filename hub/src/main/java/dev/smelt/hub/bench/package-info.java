/**
 * {@code smelt bench pull}: pull throughput from the loopback Hub against a single-stream copy of the same bytes.
 */
package dev.smelt.hub.bench;
