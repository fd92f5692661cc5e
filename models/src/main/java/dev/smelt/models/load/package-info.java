/**
 * Weight loading: {@link WeightReader} reads one tensor at a time from (sharded, memory-mapped) safetensors,
 * checks its shape against the config and converts its dtype.
 */
package dev.smelt.models.load;
