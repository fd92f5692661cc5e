/**
 * {@code smelt bench bundle}: {@link BundleBenchmark} writes a generated fp16 safetensors model into each archive format
 * and, in the same run, copies the same bytes raw into one fsynced file, reporting MB/s of model bytes for each.
 */
package dev.smelt.bundle.bench;
