/**
 * Fleets and sweeps on Kubernetes: one batch/v1 Indexed Job per fleet (completion index = trial), the recipe in a
 * ConfigMap, the Hugging Face cache and the work directory on volumes ({@link dev.smelt.fleet.FleetJobs} builds the
 * objects, {@link dev.smelt.fleet.Fleet} submits, watches, lists and reports through fabric8's client over the JDK
 * HTTP client); {@link dev.smelt.fleet.IndexRanges} reads the Job's completed/failed index ranges.
 */
package dev.smelt.fleet;
