/**
 * {@code smelt data prepare} as an Apache Spark job: {@link dev.smelt.spark.prepare.SparkPrepare} (the library call),
 * {@link dev.smelt.spark.prepare.SparkExampleSource} (input splits, executors rendering and tokenizing with the
 * datasets module, results back in split order), and the mains behind {@code ./smelt-spark} and {@code spark-submit}:
 * {@link dev.smelt.spark.prepare.SparkPrepareMain}, {@link dev.smelt.spark.prepare.SparkBenchMain}.
 */
package dev.smelt.spark.prepare;
