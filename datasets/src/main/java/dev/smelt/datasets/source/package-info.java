/**
 * Where task data comes from: files, directories, globs and {@code hf://datasets/...} addresses
 * ({@code SourceResolver}, fetched through the hub module), and the streaming row readers per file kind (JSON
 * Lines, JSON arrays, CSV/TSV and Parquet through DuckDB, plain text), each naming the file and line of a bad row.
 */
package dev.smelt.datasets.source;
