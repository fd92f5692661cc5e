/**
 * {@code smelt bench data}: the datasets pipeline against DJL's tokenizer alone on the same rendered strings, in
 * the same run, with peak RSS.
 */
package dev.smelt.datasets.bench;
