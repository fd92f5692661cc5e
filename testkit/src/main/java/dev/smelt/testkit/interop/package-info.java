/**
 * The interop test tier: harnesses that run the pinned node tools (llama.cpp through node-llama-cpp,
 * {@code @huggingface/hub}) and the JUnit 5 extension that skips when they are missing, or fails under
 * {@code smelt.interop.required} / CI.
 */
package dev.smelt.testkit.interop;
