/**
 * Gathering a sweep's or fleet's results: each trial's {@code smelt recipe run --json} report (from a directory such as
 * the fleet's work volume, or from the pods' logs) as one row, ranked best first by its gate values.
 */
package dev.smelt.fleet.collect;
