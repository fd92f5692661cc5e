/**
 * What {@code smelt data inspect} reports: rows, format, token statistics, rows over the sequence length, and a
 * rendered example with the trained text marked, computed by streaming the data without keeping it.
 */
package dev.smelt.datasets.inspect;
