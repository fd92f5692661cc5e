/**
 * The HTTP server behind {@code smelt serve}: {@code POST /generate}, OpenAI-style
 * {@code POST /v1/chat/completions} (SSE with {@code stream: true}) and {@code GET /health} on the JDK server, one
 * request at a time.
 */
package dev.smelt.models.serve;
