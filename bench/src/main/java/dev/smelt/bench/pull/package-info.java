/**
 * {@code smelt bench pull}: Hub download throughput against a baseline measured in the same run, on a local fake
 * Hub.
 */
package dev.smelt.bench.pull;
