/**
 * Chat templates rendered exactly as transformers' {@code apply_chat_template(..., tokenize=False)}:
 * {@link ChatTemplate} runs a model's Jinja2 template on Jinjava, with the Python Jinja2 behaviour Jinjava lacks
 * supplied by {@code JinjaDialect}, {@code PyResolver}, {@code PyFilters} and friends.
 */
package dev.smelt.core.chat;
