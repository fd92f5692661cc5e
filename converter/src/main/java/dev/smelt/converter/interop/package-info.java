/**
 * The llama.cpp harness: finds node and the pinned tools in {@code interop/} and runs their scripts (GGUF info,
 * generation, benchmark), for interop tests and benchmarks.
 */
package dev.smelt.converter.interop;
